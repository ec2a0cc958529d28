# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Redfish behaviour of one simulated iLO over a tree (see README "The tree").

:class:`Tree` (``tree.py``) prepares a tree once (index, generation, links to systems, BIOS,
sessions and actions) and is shared read-only by every :class:`Ilo` built on it;
an :class:`Ilo` keeps its own copy-on-write overrides, sessions, counters, faults,
configuration and power/BIOS state, so a fleet of 100 iLOs shares one tree.

:class:`Ilo` is that state, its configuration and counters, and one mixin per concern:
``routing.py`` (the handler, DELETE, POST, actions), ``resources.py`` (bodies, GET, ``$expand``,
``Allow``, ETags), ``sessions.py`` (auth, sessions), ``faults.py`` (injected faults),
``power.py`` (resets, power/POST timeline, Manager.Reset), ``settings.py`` (BIOS settings objects,
PATCH checked against ``writable.py``) and ``replies.py`` (ExtendedInfo answers).
"""

import threading
from collections import Counter

from ilosim import timing
from ilosim.base import JSON_TYPE, HttpError, Response, norm
from ilosim.faults import Faults
from ilosim.firmware import Firmware
from ilosim.power import Power
from ilosim.replies import Replies
from ilosim.resources import Resources
from ilosim.routing import Routing
from ilosim.sessions import Sessions
from ilosim.settings import Settings
from ilosim.tree import Tree

DEFAULT_CONFIG = {
    "latency_ms": 0,
    "post_duration_s": 0.3,
    "power_duration_s": 0.1,
    "graceful_shutdown_s": 0.2,
    "ignore_graceful": False,
    "session_limit": 32,
    "session_timeout_s": 1800,
    # Manager.Reset: every session is forgotten at once, then connections are dropped for manager_reset_down_s
    # and requests answered 503 iLO.ResourceNotReadyRetry for manager_reset_not_ready_s.
    "manager_reset_down_s": 0.5,
    "manager_reset_not_ready_s": 0.5,
    # Log entry collections longer than this are served in pages (Members@odata.nextLink); 0 = one body (ilosim/logs.py).
    "log_page_size": 0,
    # Virtual media: seconds from an accepted insert until the device shows the image connected (ilosim/virtual_media.py).
    "media_connect_s": 0.2,
    # Timing (see ilosim/timing.py): service_times none|realistic|ilo4|ilo5|ilo6, workers 0 = unlimited.
    "service_times": "none",
    "workers": 0,
    "time_scale": 1.0,
    "seed": 0,
    # Firmware updates (ilosim/firmware.py): seconds per update step, and a fault: none, bad_signature or flash_failed.
    "firmware_step_s": 0.1,
    "firmware_fault": "none",
}
DEFAULT_USERS = {"Administrator": "password"}


class Ilo(Firmware, Routing, Resources, Sessions, Faults, Power, Settings, Replies):
    """One simulated iLO: state over a shared :class:`Tree`, and the request handler."""

    def __init__(self, tree, users=None, config=None):
        self.tree = tree if isinstance(tree, Tree) else Tree(tree)
        self.generation = self.tree.generation
        self.msg = self.tree.msg
        self.initial_users = dict(users or DEFAULT_USERS)
        self.users = dict(self.initial_users)
        self.initial_config = dict(DEFAULT_CONFIG)
        self.initial_config.update(config or {})
        self.lock = threading.RLock()
        self.faults = []
        self.total = 0
        self.by_method = Counter()
        self.by_endpoint = Counter()
        self.load = timing.Load()
        self.times = None
        self._reset_state()

    # ----------------------------------------------------------------- state
    def _reset_state(self):
        self.config = dict(self.initial_config)
        self.users = dict(self.initial_users)  # accounts.py changes who can log in
        self.disabled_users = {}
        self.overrides = {}
        self.own_cache = {}
        self.sessions = {}
        self.created_total = self.deleted_total = self.failed_logins = 0
        self.faults = []
        self._start_systems()
        self.clear_requests()
        self.subscription_seq = 0
        self.deliveries = []  # event deliveries tried (ilosim/events.py)
        self.manager_down_until = self.manager_ready_at = 0.0
        self.manager_resets = []
        self._start_firmware()
        self.media_connects = {}
        self.boot_log = {}
        self._apply_timing()

    def _apply_timing(self):
        config = self.config
        kind = config.get("service_times")
        self.times = None if kind in timing.NONE else timing.ServiceTimes(kind, config["seed"], config["time_scale"])
        self.load.set_workers(config["workers"])

    def reset(self):
        """Back to the initial state (resources, sessions, counters, faults, config)."""
        with self.lock:
            self._reset_state()

    def clear_requests(self):
        self.total = 0
        self.by_method = Counter()
        self.by_endpoint = Counter()
        self.load.clear()

    def requests(self):
        with self.lock:
            return {"total": self.total, "by_method": dict(self.by_method), "by_endpoint": dict(self.by_endpoint)}

    def concurrency(self):
        """``{"workers", "now": {...}, "peak": {...}, "waited"}``: simultaneous connections, requests in
        progress (received, not yet answered) and in service (holding a worker), now and at their peak
        since the last reset; ``waited`` = requests and handshakes that queued for a worker."""
        return self.load.snapshot()

    def get_config(self):
        with self.lock:
            return dict(self.config)

    def set_config(self, values):
        unknown = set(values) - set(DEFAULT_CONFIG)
        if unknown:
            raise ValueError("unknown config keys: %s" % ", ".join(sorted(unknown)))
        kind = values.get("service_times", self.config.get("service_times"))
        if kind not in timing.NONE and kind not in timing.PROFILES:
            raise ValueError("service_times must be one of none, %s" % ", ".join(sorted(timing.PROFILES)))
        if float(values.get("time_scale", 1.0)) < 0 or int(values.get("workers", 0)) < 0:
            raise ValueError("time_scale and workers must be 0 or more")
        with self.lock:
            self.config.update(values)
            self._apply_timing()
            return dict(self.config)

    def state(self):
        with self.lock:
            self._advance()
            systems = {}
            for state in self.systems.values():
                systems[state.info.id] = {
                    "power_state": state.power, "post_state": state.post, "resets": list(state.resets),
                    "bios_current": self._bios_current(state) if state.info.bios_key else {},
                    "bios_pending": dict(state.pending),
                }
            return {"generation": self.generation, "systems": systems, "manager_resets": list(self.manager_resets)}


__all__ = ["DEFAULT_CONFIG", "DEFAULT_USERS", "HttpError", "Ilo", "JSON_TYPE", "Response", "Tree", "norm"]
