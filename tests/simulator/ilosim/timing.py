# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long a simulated iLO takes to answer, how many requests it serves at once, and what it saw.

- :class:`ServiceTimes`: per-resource service times drawn from a seeded lognormal distribution
  (each resource has its own typical time, as on a real BMC where some pages are always slow),
  a small per-request jitter, a rare multi-second stall, slow logins and writes, expanded
  collections costing more per member, and a TLS handshake cost. ``time_scale`` shrinks the
  whole shape for fast tests (0.05 = twenty times faster, same proportions).
- :class:`Load`: the worker limit (1 = a serial BMC that serves one request or handshake at
  a time, the others wait; N; 0 = unlimited) and the counters of simultaneous connections,
  requests in progress and requests in service, with their peaks.
"""

import hashlib
import json
import random
import threading
from statistics import NormalDist

from urllib.parse import urlsplit

# median_s / sigma: the lognormal of a resource's typical GET time (p90 = median * exp(1.2816 * sigma)).
# jitter: lognormal sigma of one answer around its resource's typical time.
# tail_p / tail_s: the probability of a stall per request and its extra duration range (seconds).
# login_s, logout_s, write_s, handshake_s: typical times of those (jittered the same way).
# expand_member: the extra cost of an expanded collection per member, as a fraction of median_s.
PROFILES = {
    "ilo5": {"median_s": 0.27, "sigma": 0.51, "jitter": 0.2, "tail_p": 0.004, "tail_s": (2.0, 8.0),
             "login_s": 1.2, "logout_s": 0.3, "write_s": 0.6, "handshake_s": 0.08, "expand_member": 0.25},
    "ilo6": {"median_s": 0.22, "sigma": 0.5, "jitter": 0.2, "tail_p": 0.003, "tail_s": (2.0, 6.0),
             "login_s": 0.9, "logout_s": 0.25, "write_s": 0.5, "handshake_s": 0.06, "expand_member": 0.2},
    "ilo4": {"median_s": 0.45, "sigma": 0.55, "jitter": 0.25, "tail_p": 0.008, "tail_s": (3.0, 12.0),
             "login_s": 2.0, "logout_s": 0.5, "write_s": 1.0, "handshake_s": 0.15, "expand_member": 0.35},
}
PROFILES["realistic"] = PROFILES["ilo5"]
NONE = ("", "none", None)
_NORMAL = NormalDist()


class ServiceTimes:
    """Service times of one profile (``ilo4``, ``ilo5``, ``ilo6``, ``realistic`` = ``ilo5``), scaled and seeded."""

    def __init__(self, profile="ilo5", seed=0, time_scale=1.0):
        if profile not in PROFILES:
            raise ValueError("service_times must be one of none, %s; not %r" % (", ".join(sorted(PROFILES)), profile))
        if float(time_scale) < 0:
            raise ValueError("time_scale must be 0 or more")
        self.profile = profile
        self.params = PROFILES[profile]
        self.seed = int(seed)
        self.scale = float(time_scale)
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def typical(self, key):
        """The typical (unjittered, unscaled) GET time of a resource: the same for the same seed and key."""
        digest = hashlib.sha256(("%d:%s" % (self.seed, key)).encode("utf-8")).digest()
        unit = (int.from_bytes(digest[:8], "big") + 0.5) / 2.0 ** 64
        return self.params["median_s"] * 2.718281828459045 ** (self.params["sigma"] * _NORMAL.inv_cdf(unit))

    def _jitter(self):
        with self._lock:
            factor = self._rng.lognormvariate(0.0, self.params["jitter"])
            stall = self._rng.uniform(*self.params["tail_s"]) if self._rng.random() < self.params["tail_p"] else 0.0
        return factor, stall

    def handshake(self):
        factor, _stall = self._jitter()
        return self.params["handshake_s"] * factor * self.scale

    def service(self, method, target, status=200, body=b""):
        """Seconds one answer takes (``target`` as requested, ``body`` the answer for expanded collections)."""
        parts = urlsplit(target)
        key = (parts.path or "/").lower().rstrip("/") or "/"
        factor, stall = self._jitter()
        method = method.upper()
        if method == "POST" and key.endswith("/sessions"):
            base = self.params["login_s"]
        elif method == "DELETE" and "/sessions/" in key + "/":
            base = self.params["logout_s"]
        elif method in ("POST", "PATCH", "PUT", "DELETE"):
            base = self.params["write_s"]
        else:
            base = self.typical(key)
            if "expand" in parts.query and status == 200:
                base += self.params["expand_member"] * self.params["median_s"] * _members(body)
        return (base * factor + stall) * self.scale


def _members(body):
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, AttributeError):
        return 0
    members = data.get("Members") if isinstance(data, dict) else None
    return len(members) if isinstance(members, list) else 0


class Load:
    """The worker limit and the concurrency counters of one simulated iLO."""

    FIELDS = ("connections", "handshakes", "in_progress", "in_service")

    def __init__(self, workers=0):
        self.cond = threading.Condition()
        self.workers = max(0, int(workers))
        self.now = dict.fromkeys(self.FIELDS, 0)
        self.peak = dict.fromkeys(self.FIELDS, 0)
        self.waited = 0
        self._tickets = self._turn = 0  # arrival order of acquire(), and whose turn it is

    def set_workers(self, workers):
        with self.cond:
            self.workers = max(0, int(workers))
            self.cond.notify_all()

    def up(self, field):
        with self.cond:
            self.now[field] += 1
            self.peak[field] = max(self.peak[field], self.now[field])

    def down(self, field):
        with self.cond:
            self.now[field] = max(0, self.now[field] - 1)
            self.cond.notify_all()

    def _busy(self):
        return self.workers and self.now["in_service"] + self.now["handshakes"] >= self.workers

    def acquire(self, field="in_service"):
        """Take a worker for a request (``in_service``) or a TLS handshake (``handshakes``), waiting while all are busy.

        With a worker limit, in the order of arrival, as a BMC's web server takes requests off its queue (a
        condition variable alone wakes waiters in any order, so a later request could be served first)."""
        with self.cond:
            ticket = self._tickets
            self._tickets += 1
            if self._busy() or (self.workers and self._turn != ticket):
                self.waited += 1
                while self._busy() or (self.workers and self._turn != ticket):
                    self.cond.wait()
            self._turn = max(self._turn, ticket + 1)
            self.cond.notify_all()
            self.now[field] += 1
            self.peak[field] = max(self.peak[field], self.now[field])

    def release(self, field="in_service"):
        self.down(field)

    def snapshot(self):
        with self.cond:
            return {"workers": self.workers, "now": dict(self.now), "peak": dict(self.peak), "waited": self.waited}

    def clear(self):
        """Peaks back to the current values, the wait counter to zero."""
        with self.cond:
            self.peak = dict(self.now)
            self.waited = 0


__all__ = ["Load", "PROFILES", "ServiceTimes"]
