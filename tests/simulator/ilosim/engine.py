# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Redfish behaviour of one simulated iLO over a tree (see README "The tree").

:class:`Tree` prepares a tree once (index, generation, links to systems, BIOS,
sessions and actions) and is shared read-only by every :class:`Ilo` built on it;
an :class:`Ilo` keeps its own copy-on-write overrides, sessions, counters, faults,
configuration and power/BIOS state, so a fleet of 100 iLOs shares one tree.
"""

import base64
import copy
import datetime
import gzip
import json
import re
import secrets
import threading
import time
import zlib
from collections import Counter
from urllib.parse import parse_qs, urlsplit

from ilosim import registry as reg
from ilosim import timing

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
    # Timing (see ilosim/timing.py): service_times none|realistic|ilo4|ilo5|ilo6, workers 0 = unlimited.
    "service_times": "none",
    "workers": 0,
    "time_scale": 1.0,
    "seed": 0,
}
DEFAULT_USERS = {"Administrator": "password"}
# PostState values of a server that is On and still in POST: a tree captured then finishes its POST.
IN_POST = ("Reset", "InPost", "InPostDiscoveryStart", "InPostDiscoveryComplete")
# DMTF BootProgress.LastState for each PostState the engine walks through.
BOOT_PROGRESS = {"PowerOff": "None", "Reset": "None", "InPost": "PrimaryProcessorInitializationStarted",
                 "InPostDiscoveryStart": "PCIResourceConfigStarted",
                 "InPostDiscoveryComplete": "SystemHardwareInitializationComplete", "FinishedPost": "OSBootStarted"}
FAULT_KINDS = ("http_500", "http_503", "drop", "slow", "etag_412", "not_ready", "expire_sessions", "reject_bios_attribute")
REQUEST_FAULTS = ("http_500", "http_503", "drop", "slow", "etag_412", "not_ready")

# Properties a PATCH may change on a non-BIOS resource; everything else that exists is read-only.
WRITABLE = {"AssetTag", "IndicatorLED", "LocationIndicatorActive", "Boot", "HostName"}
ENUMS = {"IndicatorLED": ("Lit", "Blinking", "Off")}
# Top-level keys of an iLO 4 flat HpBios body that are not BIOS attributes.
FLAT_META = {"Type", "Name", "Description", "AttributeRegistry", "Id", "Modified", "SettingsResult", "links",
             "Links", "Oem", "Actions", "SettingsObject"}
BODY_METHODS = ("POST", "PATCH", "PUT")
BASE_HEADERS = (("OData-Version", "4.0"), ("Cache-Control", "no-cache"), ("X-Frame-Options", "sameorigin"))
JSON_TYPE = "application/json; charset=utf-8"
METADATA_XML = """<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/ServiceRoot_v1.xml">
    <edmx:Include Namespace="ServiceRoot"/>
    <edmx:Include Namespace="ServiceRoot.v1_5_0"/>
  </edmx:Reference>
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">
      <EntityContainer Name="Service" Extends="ServiceRoot.v1_5_0.ServiceContainer"/>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"""


def norm(path):
    """Lookup key: lower case, no query/fragment, one trailing slash removed, ``//`` kept."""
    path = path.split("?", 1)[0].split("#", 1)[0].lower()
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path or "/"


def rest_to_redfish(key):
    """Map a ``/rest/v1`` key onto the ``/redfish/v1`` key it mirrors."""
    if key == "/rest/v1" or key.startswith("/rest/v1/"):
        return "/redfish/v1" + key[len("/rest/v1"):]
    return key


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def link_of(value):
    """The URI of a link object (``{"@odata.id": u}`` or iLO 4 ``{"href": u}``)."""
    if isinstance(value, dict):
        uri = value.get("@odata.id", value.get("href"))
        if isinstance(uri, str):
            return uri
    return None


def dig(body, *path):
    for step in path:
        if not isinstance(body, dict):
            return None
        body = body.get(step)
    return body


def bare_etag(value):
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


class Response:
    """What the transport sends: status, headers, body bytes; ``drop`` closes the socket instead."""

    __slots__ = ("status", "headers", "body", "drop")

    def __init__(self, status, headers=None, body=b"", drop=False):
        self.status = status
        self.headers = headers or []
        self.body = body
        self.drop = drop


class Rendered:
    """A serialised resource: bytes, ETag and (lazily) the gzip form."""

    __slots__ = ("data", "etag", "gz", "content_type")

    def __init__(self, data, etag, content_type=JSON_TYPE):
        self.data = data
        self.etag = etag
        self.gz = None
        self.content_type = content_type


class SystemInfo:
    """Where one ComputerSystem's pieces live in the tree (found by following links)."""

    def __init__(self, key, uri, body):
        self.key = key
        self.uri = uri
        self.id = body.get("Id") or uri.rstrip("/").rsplit("/", 1)[-1]
        self.oem = "Hp" if "Hp" in (body.get("Oem") or {}) and "Hpe" not in body["Oem"] else "Hpe"
        self.power = body.get("PowerState") or body.get("Power") or "On"
        self.post = dig(body, "Oem", self.oem, "PostState") or ("FinishedPost" if self.power == "On" else "PowerOff")
        self.legacy = {}
        for action in body.get("AvailableActions") or []:
            self.legacy[action.get("Action")] = _capabilities(action)
        for action in dig(body, "Oem", self.oem, "AvailableActions") or []:
            self.legacy[action.get("Action")] = _capabilities(action)
        self.bios_key = self.settings_key = None
        self.flat = False
        bios = link_of(body.get("Bios")) or link_of(dig(body, "Oem", self.oem, "links", "BIOS")) \
            or link_of(dig(body, "Oem", self.oem, "Links", "BIOS"))
        if bios:
            self.bios_key = rest_to_redfish(norm(bios))


def _capabilities(action):
    return {cap.get("PropertyName"): cap.get("AllowableValues") or [] for cap in action.get("Capabilities") or []}


class Tree:
    """A prepared, read-only tree shared by all iLOs built from it."""

    def __init__(self, tree):
        self.uris = {}
        self.bodies = {}
        for uri, body in tree.items():
            key = rest_to_redfish(norm(uri))
            self.uris[key] = uri if not uri.lower().startswith("/rest/v1") else "/redfish/v1" + uri[8:]
            self.bodies[key] = body
        self.root_key = "/redfish/v1"
        # Readable without auth: the service root and the OData documents (Redfish spec).
        self.public_keys = {self.root_key, "/redfish/v1/odata", "/redfish/v1/$metadata"}
        root = self.bodies.get(self.root_key)
        if not isinstance(root, dict):
            raise ValueError("the tree has no /redfish/v1/ service root")
        self.generation = self._generation(root)
        self._add_odata_documents(root)
        self.cache = {}
        self._registry_cache = {}
        self.actions = {}
        self._find_actions()
        self.session_uri, self.session_aliases = self._find_sessions(root)
        # Redfish: a POST to a collection's Members property equals a POST to the collection
        # (DMTF REQ_POST_CREATE_TO_MEMBERS_PROP; real iLO's answer is unknown, chosen here).
        self.login_keys = self.session_aliases | {alias + "/members" for alias in self.session_aliases}
        self.subscriptions_key = None
        events = self.bodies.get(self._key(link_of(root.get("EventService"))))
        if isinstance(events, dict):
            self.subscriptions_key = self._key(link_of(events.get("Subscriptions")))
        registries = []
        reg_coll = self.bodies.get(self._key(link_of(root.get("Registries")) or link_of(dig(root, "links", "Registries"))))
        self.registry_files = []
        if isinstance(reg_coll, dict):
            for uri in reg.member_uris(reg_coll):
                body = self.bodies.get(self._key(uri))
                if isinstance(body, dict):
                    self.registry_files.append(body)
                    registries.append(body.get("Registry") or "")
        self.msg = reg.MessageIds(self.generation, registries)
        self.systems = self._find_systems(root)
        self.settings_keys = {info.settings_key for info in self.systems if info.settings_key}
        self._resync_unmodified_etags()

    def _add_odata_documents(self, root):
        """Serve a minimal OData service document and ``$metadata`` when the tree has none."""
        if "/redfish/v1/odata" not in self.bodies:
            value = [{"name": name, "kind": "Singleton", "url": link_of(item)}
                     for name, item in root.items() if link_of(item) and not name.startswith("@")]
            self.bodies["/redfish/v1/odata"] = {"@odata.context": "/redfish/v1/$metadata", "value": value}
            self.uris["/redfish/v1/odata"] = "/redfish/v1/odata"
        if "/redfish/v1/$metadata" not in self.bodies:
            self.bodies["/redfish/v1/$metadata"] = METADATA_XML
            self.uris["/redfish/v1/$metadata"] = "/redfish/v1/$metadata"

    @staticmethod
    def _key(uri):
        return rest_to_redfish(norm(uri)) if uri else None

    def _generation(self, root):
        oem = root.get("Oem") or {}
        if "Hp" in oem and "Hpe" not in oem:
            return 4
        text = ""
        managers = dig(oem, "Hpe", "Manager")
        if isinstance(managers, list) and managers and isinstance(managers[0], dict):
            text = managers[0].get("ManagerType") or ""
        if not text:
            mgr_coll = self.bodies.get(self._key(link_of(root.get("Managers"))))
            for uri in reg.member_uris(mgr_coll or {})[:1]:
                text = (self.bodies.get(self._key(uri)) or {}).get("FirmwareVersion") or ""
        match = re.search(r"iLO\s*(\d)", text)
        return int(match.group(1)) if match else 5

    def _find_sessions(self, root):
        uri = link_of(dig(root, "Links", "Sessions"))
        aliases = set()
        compat = link_of(dig(root, "links", "Sessions"))
        if uri is None:
            service = self.bodies.get(self._key(link_of(root.get("SessionService")))) or {}
            uri = link_of(service.get("Sessions")) or compat or "/redfish/v1/SessionService/Sessions/"
        if uri.lower().startswith("/rest/v1"):
            uri = "/redfish/v1" + uri[8:]
        if compat:
            aliases.add(self._key(compat))
        key = self._key(uri)
        aliases.add(key)
        body = self.bodies.get(key)
        if isinstance(body, dict):
            # Sessions captured in a mockup are stale: the engine serves live ones only.
            stale = {self._key(member) for member in reg.member_uris(body)}
            for member in stale:
                self.bodies.pop(member, None)
            self._drop_from_resource_directory(root, stale)
        return uri, aliases

    def _drop_from_resource_directory(self, root, stale):
        key = self._key(link_of(dig(root, "Oem", "Hpe", "Links", "ResourceDirectory")))
        directory = self.bodies.get(key)
        if not stale or not isinstance(directory, dict) or not isinstance(directory.get("Instances"), list):
            return
        directory = dict(directory)
        directory["Instances"] = [i for i in directory["Instances"] if self._key(link_of(i)) not in stale]
        self.bodies[key] = directory

    def _find_actions(self):
        for key, body in self.bodies.items():
            if not isinstance(body, dict):
                continue
            groups = [body.get("Actions")]
            for oem in (body.get("Oem") or {}).values() if isinstance(body.get("Oem"), dict) else ():
                if isinstance(oem, dict):
                    groups.append(oem.get("Actions"))
            for group in groups:
                if not isinstance(group, dict):
                    continue
                for name, spec in group.items():
                    if isinstance(spec, dict) and isinstance(spec.get("target"), str):
                        self.actions[self._key(spec["target"])] = (key, name.lstrip("#"), spec)

    def _find_systems(self, root):
        coll_uri = link_of(root.get("Systems")) or link_of(dig(root, "links", "Systems"))
        coll = self.bodies.get(self._key(coll_uri)) if coll_uri else None
        systems = []
        for uri in reg.member_uris(coll or {}):
            key = self._key(uri)
            body = self.bodies.get(key)
            if not isinstance(body, dict):
                continue
            info = SystemInfo(key, self.uris.get(key, uri), body)
            bios = self.bodies.get(info.bios_key or "")
            if isinstance(bios, dict):
                info.flat = "Attributes" not in bios
                settings = link_of(dig(bios, "@Redfish.Settings", "SettingsObject")) or link_of(dig(bios, "links", "Settings"))
                if settings and self._key(settings) in self.bodies:
                    info.settings_key = self._key(settings)
            else:
                info.bios_key = None
            systems.append(info)
        return systems

    def _resync_unmodified_etags(self):
        for info in self.systems:
            if not info.settings_key:
                continue
            bios = self.bodies[info.bios_key]
            if dig(bios, "Oem", "Hpe", "SettingsObject", "UnmodifiedETag") is not None:
                bios = copy.deepcopy(bios)
                bios["Oem"]["Hpe"]["SettingsObject"]["UnmodifiedETag"] = 'W/"%s"' % self.render(
                    self.bodies[info.settings_key]).etag
                self.bodies[info.bios_key] = bios

    def render(self, body, rest=False):
        """Serialise ``body`` with a content-derived ETag (and ``@odata.etag`` on iLO 5/6)."""
        if isinstance(body, str):
            data = body.encode("utf-8")
            return Rendered(data, "%08X" % zlib.crc32(data), "application/xml; charset=utf-8")
        plain = {k: v for k, v in body.items() if k != "@odata.etag"}
        etag = "%08X" % zlib.crc32(json.dumps(plain, separators=(",", ":"), sort_keys=True).encode())
        if self.generation >= 5 and "@odata.id" in body:
            body = dict(body)
            body["@odata.etag"] = 'W/"%s"' % etag
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if rest:
            data = data.replace(b'"/redfish/v1/', b'"/rest/v1/').replace(b'"/redfish/v1"', b'"/rest/v1"')
        return Rendered(data, etag)

    def cached_render(self, key, rest=False):
        """Render an unmodified tree resource once for every iLO sharing this tree."""
        item = self.cache.get((key, rest))
        if item is None:
            item = self.render(self.bodies[key], rest)
            self.cache[(key, rest)] = item
        return item

    def bios_registry(self, name):
        """The attribute registry body named ``name`` (Registries member -> Location -> body), or None."""
        if not name:
            return None
        if name in self._registry_cache:
            return self._registry_cache[name]
        found = None
        for body in self.registry_files:
            if name.lower() in ((body.get("Registry") or "").lower(), (body.get("Id") or "").lower()):
                for uri in reg.location_uris(body):
                    candidate = self.bodies.get(self._key(uri))
                    if isinstance(candidate, dict):
                        found = reg.attribute_index(candidate)
                        break
            if found is not None:
                break
        self._registry_cache[name] = found
        return found


class Session:
    __slots__ = ("id", "token", "user", "uri", "created", "last_access", "ip")

    def __init__(self, sid, token, user, uri, ip):
        self.id, self.token, self.user, self.uri, self.ip = sid, token, user, uri, ip
        self.created = self.last_access = time.time()


class SystemState:
    """Power/POST timeline and BIOS pending values of one system in one iLO."""

    def __init__(self, info):
        self.info = info
        self.power = info.power
        self.post = info.post
        self.timeline = []
        self.resets = []
        self.pending = {}


class HttpError(Exception):
    """Raised inside handlers to answer with an iLO error body."""

    def __init__(self, status, messages, headers=None):
        super().__init__(status)
        self.status = status
        self.messages = messages
        self.headers = headers or []


class Ilo:
    """One simulated iLO: state over a shared :class:`Tree`, and the request handler."""

    def __init__(self, tree, users=None, config=None):
        self.tree = tree if isinstance(tree, Tree) else Tree(tree)
        self.generation = self.tree.generation
        self.msg = self.tree.msg
        self.users = dict(users or DEFAULT_USERS)
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
        self.overrides = {}
        self.own_cache = {}
        self.sessions = {}
        self.created_total = self.deleted_total = self.failed_logins = 0
        self.faults = []
        self.systems = {info.key: SystemState(info) for info in self.tree.systems}
        self.active = set()
        for state in self.systems.values():
            if state.power == "On" and state.post in IN_POST:
                # Captured (or set) in the middle of POST: like a real server, it finishes.
                state.timeline = [(time.monotonic() + float(self.config["post_duration_s"]), "On", "FinishedPost", False)]
                self.active.add(state)
        self.clear_requests()
        self.subscription_seq = 0
        self.manager_down_until = self.manager_ready_at = 0.0
        self.manager_resets = []
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

    def session_info(self):
        with self.lock:
            self._expire_idle()
            return {
                "open": [{"id": s.id, "user": s.user, "uri": s.uri, "created": s.created, "last_access": s.last_access}
                         for s in self.sessions.values()],
                "created_total": self.created_total, "deleted_total": self.deleted_total,
                "failed_logins": self.failed_logins,
            }

    def add_fault(self, spec):
        """Add a fault (see README); ``expire_sessions`` acts at once. Raises ValueError on a bad spec."""
        if not isinstance(spec, dict) or spec.get("kind") not in FAULT_KINDS:
            raise ValueError("fault kind must be one of %s" % ", ".join(FAULT_KINDS))
        fault = dict(spec)
        fault.setdefault("count", 1)
        match = fault.get("match") or {}
        if not isinstance(match, dict):
            raise ValueError("match must be an object")
        if match.get("path"):
            re.compile(match["path"])
        if fault["kind"] == "reject_bios_attribute" and not fault.get("name"):
            raise ValueError("reject_bios_attribute needs a name")
        with self.lock:
            if fault["kind"] == "expire_sessions":
                self.deleted_total += len(self.sessions)
                self.sessions.clear()
            else:
                self.faults.append(fault)
        return fault

    def clear_faults(self):
        with self.lock:
            self.faults = []

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

    # ------------------------------------------------------------- resources
    def body(self, key):
        if key in self.overrides:
            return self.overrides[key]
        return self.tree.bodies.get(key)

    def mutable(self, key):
        """The iLO's own copy of a resource, for changing it."""
        self.own_cache.pop((key, False), None)
        self.own_cache.pop((key, True), None)
        if key not in self.overrides:
            self.overrides[key] = copy.deepcopy(self.tree.bodies[key])
        return self.overrides[key]

    def rendered(self, key, rest=False):
        if key not in self.overrides:
            return self.tree.cached_render(key, rest)
        item = self.own_cache.get((key, rest))
        if item is None:
            item = self.tree.render(self.overrides[key], rest)
            self.own_cache[(key, rest)] = item
        return item

    def uri(self, key):
        return self.tree.uris.get(key, key)

    # ---------------------------------------------------------------- faults
    def begin(self, method, path):
        """Count a request and take the faults matching it: ``(delay_s, terminal_fault)``."""
        with self.lock:
            self.total += 1
            self.by_method[method] += 1
            self.by_endpoint["%s %s" % (method, norm(path))] += 1
            now = time.monotonic()
            if now < self.manager_down_until:
                return 0.0, {"kind": "drop"}  # the iLO is restarting: no answer at all
            if now < self.manager_ready_at:
                return 0.0, {"kind": "not_ready", "retry_after": max(1, int(self.manager_ready_at - now + 0.999))}
            delay, terminal = 0.0, None
            for fault in list(self.faults):
                if fault["kind"] not in REQUEST_FAULTS or not self._fault_matches(fault, method, path):
                    continue
                if fault["kind"] == "slow":
                    delay += float(fault.get("delay_s", 1.0))
                elif terminal is None:
                    terminal = fault
                else:
                    continue
                self._consume(fault)
            return delay, terminal

    @staticmethod
    def _fault_matches(fault, method, path):
        match = fault.get("match") or {}
        want = match.get("method")
        if want:
            if method.upper() not in [m.upper() for m in ([want] if isinstance(want, str) else want)]:
                return False
        elif fault["kind"] == "etag_412" and method not in BODY_METHODS + ("DELETE",):
            return False
        if not match.get("path"):
            return True
        raw = path.split("?", 1)[0]
        return any(re.search(match["path"], candidate, re.I) for candidate in (raw, norm(raw)))

    def _consume(self, fault):
        if fault.get("count", 1) == -1:
            return
        fault["count"] = fault.get("count", 1) - 1
        if fault["count"] <= 0 and fault in self.faults:
            self.faults.remove(fault)

    # --------------------------------------------------------------- replies
    def _info(self, message_id, args=None, related=None):
        info = {"MessageId": message_id}
        if args is not None:
            info["MessageArgs"] = [a if isinstance(a, (str, int, float)) else json.dumps(a) for a in args]
        if related:
            info["RelatedProperties"] = related
        return info

    def _ext_body(self, messages, status):
        infos = [m if isinstance(m, dict) else self._info(m) for m in messages]
        body = {"error": {"code": "iLO.0.10.ExtendedInfo", "message": "See @Message.ExtendedInfo for more information.",
                          "@Message.ExtendedInfo": infos}}
        if self.generation == 4:
            if status >= 400:
                body["error"]["code"] = "iLO.0.10.GeneralError"
                body["error"]["message"] = "A general error has occurred. See ExtendedInfo for more information."
            legacy = []
            for info in infos:
                item = {"MessageID": info["MessageId"]}
                if "MessageArgs" in info:
                    item["MessageArgs"] = info["MessageArgs"]
                legacy.append(item)
            body = {"Messages": legacy, "Type": "ExtendedError.1.0.0", "error": body["error"]}
        return body

    def _json(self, status, body, headers=None, rest=False):
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if rest:
            data = data.replace(b'"/redfish/v1/', b'"/rest/v1/')
        hdrs = list(BASE_HEADERS) + [("Content-Type", JSON_TYPE)] + list(headers or [])
        return Response(status, hdrs, data)

    def _ext(self, status, messages, headers=None):
        return self._json(status, self._ext_body(messages, status), headers)

    def internal_error(self):
        """500 ``Base.InternalError``, for a request the engine failed to handle."""
        return self._ext(500, [self._info(self.msg("InternalError"))])

    def error(self, status, key, registry="Base", args=None, related=None):
        return HttpError(status, [self._info(self.msg(key, registry), args, related)])

    # --------------------------------------------------------------- handler
    def handle(self, method, target, headers, data=b"", host="127.0.0.1", client="127.0.0.1", fault=None):
        """Answer one request to ``/redfish`` or ``/rest``. ``headers`` is a case-insensitive mapping."""
        split = urlsplit(target)
        path = split.path or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        key = norm(path)
        with self.lock:
            self._advance()
            try:
                if fault is not None:
                    return self._fault_response(fault, method, key)
                rest = False
                if key == "/rest" or key.startswith("/rest/"):
                    if self.generation >= 5 or not (key == "/rest/v1" or key.startswith("/rest/v1/")):
                        location = "https://%s/redfish/v1%s/" % (host, path[len("/rest/v1"):].rstrip("/")) \
                            if key.startswith("/rest/v1") else "https://%s/redfish/v1/" % host
                        return Response(308, list(BASE_HEADERS) + [("Location", location)])
                    rest = True
                    key = rest_to_redfish(key)
                response = self._route(method, key, query, headers, data, host, client, rest)
            except HttpError as exc:
                response = self._ext(exc.status, exc.messages, exc.headers)
                if exc.status == 401:
                    response.headers.append(("WWW-Authenticate", 'Basic realm="iLO"'))
            if rest:
                response.headers = [(k, v.replace("/redfish/v1", "/rest/v1") if k == "Location" else v)
                                    for k, v in response.headers]
            return response

    def _fault_response(self, fault, method, key):
        kind = fault["kind"]
        retry = str(int(fault.get("retry_after", 5)))
        if kind == "http_500":
            return self.internal_error()
        if kind == "http_503":
            return self._ext(503, [self._info(self.msg("ServiceTemporarilyUnavailable"), [retry])], [("Retry-After", retry)])
        if kind == "not_ready":
            return self._ext(503, [self._info(self.msg("ResourceNotReadyRetry", "iLO"), [retry])], [("Retry-After", retry)])
        del method, key
        return self._ext(412, [self._info(self.msg("PreconditionFailed"))])

    def _route(self, method, key, query, headers, data, host, client, rest):
        if key == "/redfish" and method in ("GET", "HEAD"):
            return self._json(200, {"v1": "/redfish/v1/"})
        if key in self.tree.public_keys and method in ("GET", "HEAD"):
            return self._get(method, key, query, headers, rest, None)
        if method == "POST" and key in self.tree.login_keys:
            return self._login(self._parse(data), host, client, rest)
        user_session = self._authenticate(headers)
        if method in ("GET", "HEAD"):
            return self._get(method, key, query, headers, rest, user_session)
        if method == "OPTIONS":
            allow = self._allow(key)
            if allow is None:
                raise self.error(404, "ResourceMissingAtURI", args=[key])
            return Response(200, list(BASE_HEADERS) + [("Allow", allow)])
        if method not in BODY_METHODS + ("DELETE",):
            return self._not_allowed(key)
        payload = self._parse(data) if method in BODY_METHODS else None
        self._check_if_match(headers, key)
        if method == "DELETE":
            return self._delete(key)
        if method == "POST":
            return self._post(key, payload)
        return self._patch(method, key, payload)

    def _parse(self, data):
        if not data or not data.strip():
            return {}
        try:
            payload = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.error(400, "MalformedJSON") from exc
        if not isinstance(payload, dict):
            raise self.error(400, "MalformedJSON")
        return payload

    def _not_allowed(self, key):
        allow = self._allow(key)
        if allow is None:
            raise self.error(404, "ResourceMissingAtURI", args=[key])
        raise HttpError(405, [self._info(self.msg("OperationNotAllowed"))], [("Allow", allow)])

    # ------------------------------------------------------------------ auth
    def _expire_idle(self):
        limit = self.config["session_timeout_s"]
        if not limit:
            return
        cutoff = time.time() - float(limit)
        for token in [t for t, s in self.sessions.items() if s.last_access < cutoff]:
            del self.sessions[token]
            self.deleted_total += 1

    def _authenticate(self, headers):
        self._expire_idle()
        token = headers.get("X-Auth-Token")
        if token:
            session = self.sessions.get(token)
            if session is not None:
                session.last_access = time.time()
                return session
            raise self.error(401, "NoValidSession")
        auth = headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                user, _sep, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                user, password = "", None
            if user in self.users and self.users[user] == password:
                return None
            self.failed_logins += 1
        raise self.error(401, "NoValidSession")

    def _login(self, payload, host, client, rest):
        user, password = payload.get("UserName"), payload.get("Password")
        if not isinstance(user, str) or not isinstance(password, str):
            missing = "UserName" if not isinstance(user, str) else "Password"
            raise self.error(400, "PropertyMissing", args=[missing], related=["#/" + missing])
        if self.users.get(user) != password:
            self.failed_logins += 1
            raise self.error(401, "NoValidSession")
        self._expire_idle()
        if len(self.sessions) >= int(self.config["session_limit"]):
            raise self.error(503, "SessionLimitExceeded")
        sid = "%s00000000%08x%s" % (re.sub(r"[^a-z0-9]", "", user.lower()) or "user", int(time.time()), secrets.token_hex(4)[:7])
        token = secrets.token_hex(16)
        uri = self.tree.session_uri.rstrip("/") + "/" + sid + "/"
        self.sessions[token] = Session(sid, token, user, uri, client)
        self.created_total += 1
        location = "https://%s%s" % (host, uri.replace("/redfish/v1/", "/rest/v1/") if rest else uri)
        body = self._ext_body([self._info(self.msg("Created"))], 201)
        return self._json(201, body, [("X-Auth-Token", token), ("Location", location), ("Link", "<%s>; rel=self" % uri)])

    def _session_by_key(self, key):
        prefix = norm(self.tree.session_uri) + "/"
        if not key.startswith(prefix):
            return None
        sid = key[len(prefix):]
        for session in self.sessions.values():
            if session.id == sid:
                return session
        return None

    def _session_body(self, session, current):
        oem = {
            "AccessTime": _iso(session.last_access), "LoginTime": _iso(session.created),
            "MySession": current is session, "UserAccount": session.user,
            "UserExpires": _iso(session.last_access + float(self.config["session_timeout_s"] or 0)),
            "UserIP": session.ip, "UserTag": "REST", "UserType": "Local",
        }
        body = {"@odata.context": "/redfish/v1/$metadata#Session.Session", "@odata.id": session.uri,
                "@odata.type": "#Session.v1_0_0.Session", "Id": session.id, "Name": "User Session",
                "Description": "Manager User Session", "UserName": session.user}
        if self.generation == 4:
            oem["Type"] = "HpiLOSession.1.0.0"
            body["Oem"] = {"Hp": oem}
            body["Type"] = "Session.1.0.0"
            body["links"] = {"self": {"href": session.uri}}
        else:
            oem["@odata.type"] = "#HpeiLOSession.v2_1_0.HpeiLOSession"
            body["Oem"] = {"Hpe": oem}
        return body

    def _session_collection(self, current):
        key = norm(self.tree.session_uri)
        base = self.body(key)
        body = copy.deepcopy(base) if isinstance(base, dict) else {
            "@odata.id": self.tree.session_uri, "@odata.type": "#SessionCollection.SessionCollection",
            "Name": "Sessions", "Description": "Manager User Sessions"}
        body["Members"] = [{"@odata.id": s.uri} for s in self.sessions.values()]
        body["Members@odata.count"] = len(self.sessions)
        if "links" in body:
            body["links"] = dict(body["links"], Member=[{"href": s.uri} for s in self.sessions.values()])
        hpe = dig(body, "Oem", "Hpe")
        if isinstance(hpe, dict):
            if current is not None:
                hpe["Links"] = {"MySession": {"@odata.id": current.uri}}
            else:
                hpe.pop("Links", None)
        return body

    # ------------------------------------------------------------------- GET
    def _current(self, key, session):
        """``(body, rendered)`` of a resource, dynamic ones included; ``None`` when missing."""
        if key in self.tree.session_aliases:
            body = self._session_collection(session)
            return body, self.tree.render(body)
        found = self._session_by_key(key)
        if found is not None:
            body = self._session_body(found, session)
            return body, self.tree.render(body)
        body = self.body(key)
        if body is None:
            return None
        return body, None

    def _get(self, method, key, query, headers, rest, session):
        current = self._current(key, session)
        if current is None:
            if key in self.tree.actions:
                return self._not_allowed(key)
            raise self.error(404, "ResourceMissingAtURI", args=[key])
        body, rendered = current
        if self.generation >= 5 and isinstance(body, dict):
            if "only" in query and query["only"] != [""]:
                raise self.error(400, "QueryParameterValueTypeError", args=[query["only"][0], "only"])
            if "only" in query and len(body.get("Members") or []) == 1:
                member = self._key_of(body["Members"][0])
                found = self._current(member, session) if member else None
                if found is not None:
                    key, (body, rendered) = member, found
            expand = query.get("$expand")
            if expand and isinstance(body, dict):
                body = self._expand(body, session)
                rendered = self.tree.render(body, rest)
        if rendered is None:
            rendered = self.rendered(key, rest)
        elif rest:
            rendered = self.tree.render(body, rest)
        hdrs = list(BASE_HEADERS)
        hdrs.append(("Content-Type", rendered.content_type))
        hdrs.append(("ETag", 'W/"%s"' % rendered.etag))
        hdrs.append(("Allow", self._allow(key) or "GET, HEAD"))
        odata_type = body.get("@odata.type") if isinstance(body, dict) else None
        if odata_type:
            schema = odata_type.lstrip("#").split(".")[0]
            hdrs.append(("Link", "</redfish/v1/SchemaStore/en/%s.json/>; rel=describedby" % schema))
        payload = rendered.data
        if key.startswith("/redfish/v1/registrystore/") and "gzip" in (headers.get("Accept-Encoding") or "").lower():
            if rendered.gz is None:
                rendered.gz = gzip.compress(rendered.data, 6)
            payload = rendered.gz
            hdrs.append(("Content-Encoding", "gzip"))
        if method == "HEAD":
            hdrs.append(("Content-Length", str(len(payload))))
            return Response(200, hdrs, b"")
        return Response(200, hdrs, payload)

    def _key_of(self, link):
        uri = link_of(link)
        return rest_to_redfish(norm(uri)) if uri else None

    def _expand(self, body, session):
        """Expand ``Members`` and other ``@odata.id``-only references one level (never ``Links``)."""
        out = dict(body)

        def expanded(link):
            if isinstance(link, dict) and set(link) == {"@odata.id"}:
                key = self._key_of(link)
                current = self._current(key, session) if key else None
                if current is not None and isinstance(current[0], dict):
                    item = dict(current[0])
                    if self.generation >= 5 and "@odata.id" in item:
                        item["@odata.etag"] = 'W/"%s"' % (current[1] or self.rendered(key)).etag
                    return item
            return link

        for name, value in body.items():
            if name in ("Links", "links", "@odata.id"):
                continue
            if name == "Members" and isinstance(value, list):
                out[name] = [expanded(item) for item in value]
            elif isinstance(value, dict):
                out[name] = expanded(value)
        return out

    def _allow(self, key):
        """The ``Allow`` value for a key, or None when nothing lives there."""
        if key in self.tree.session_aliases:
            return "GET, HEAD, POST"
        if self._session_by_key(key) is not None:
            return "GET, HEAD, DELETE"
        if key in self.tree.actions:
            return "POST"
        body = self.body(key)
        if body is None:
            return None
        if key in self.tree.settings_keys:
            return "GET, HEAD, POST, PUT, PATCH"
        if key == self.tree.subscriptions_key:
            return "GET, HEAD, POST"
        if self.tree.subscriptions_key and key.startswith(self.tree.subscriptions_key + "/"):
            return "GET, HEAD, PATCH, DELETE"
        methods = "GET, HEAD"
        if isinstance(body, dict) and WRITABLE & set(body):
            methods += ", PATCH"
        if self.generation == 4 and key in self.systems:
            methods += ", POST"
        return methods

    def _check_if_match(self, headers, key):
        wanted = headers.get("If-Match")
        if not wanted:
            return
        owner = self.tree.actions[key][0] if key in self.tree.actions else key
        if self.body(owner) is None:
            return
        if wanted.strip() == "*":
            return
        etag = self.rendered(owner).etag
        if all(bare_etag(tag).upper() != etag for tag in wanted.split(",")):
            raise self.error(412, "PreconditionFailed")

    # ---------------------------------------------------------------- DELETE
    def _delete(self, key):
        session = self._session_by_key(key)
        if session is not None:
            del self.sessions[session.token]
            self.deleted_total += 1
            return self._ext(200, [self._info(self.msg("Success"))])
        subs = self.tree.subscriptions_key
        if subs and key.startswith(subs + "/") and self.body(key) is not None:
            self.overrides[key] = None
            coll = self.mutable(subs)
            coll["Members"] = [m for m in coll.get("Members", []) if self._key_of(m) != key]
            coll["Members@odata.count"] = len(coll["Members"])
            return self._ext(200, [self._info(self.msg("Success"))])
        return self._not_allowed(key)

    # ------------------------------------------------------------------ POST
    def _post(self, key, payload):
        if key in self.tree.actions:
            return self._action(key, payload)
        if key == self.tree.subscriptions_key and self.body(key) is not None:
            return self._subscribe(key, payload)
        if self.generation == 4 and key in self.systems and "Action" in payload:
            return self._legacy_action(self.systems[key], payload)
        return self._not_allowed(key)

    def _subscribe(self, key, payload):
        if not isinstance(payload.get("Destination"), str):
            raise self.error(400, "PropertyMissing", args=["Destination"], related=["#/Destination"])
        if payload.get("Protocol", "Redfish") != "Redfish":
            raise self.error(400, "PropertyValueNotInList", args=[str(payload["Protocol"]), "Protocol"], related=["#/Protocol"])
        self.subscription_seq += 1
        coll = self.mutable(key)
        uri = self.uri(key).rstrip("/") + "/%d/" % self.subscription_seq
        body = {"@odata.id": uri, "@odata.type": "#EventDestination.v1_0_0.EventDestination",
                "Id": str(self.subscription_seq), "Name": "Event Subscription", "Protocol": "Redfish"}
        body.update({k: v for k, v in payload.items() if not k.startswith("@")})
        body["@odata.id"] = uri
        self.overrides[norm(uri)] = body
        coll.setdefault("Members", []).append({"@odata.id": uri})
        coll["Members@odata.count"] = len(coll["Members"])
        return self._json(201, body, [("Location", uri)])

    def _action(self, key, payload):
        owner, name, spec = self.tree.actions[key]
        short = name.split(".")[-1]
        if name == "ComputerSystem.Reset":
            return self._reset_request(self.systems[owner], spec, "ResetType", payload.get("ResetType"))
        if owner in self.systems and short == "SystemReset":
            return self._reset_request(self.systems[owner], spec, "ResetType", payload.get("ResetType"))
        if owner in self.systems and short == "PowerButton":
            return self._reset_request(self.systems[owner], spec, "PushType", payload.get("PushType"))
        if name == "Manager.Reset":
            return self._manager_reset(spec, payload.get("ResetType"))
        if name == "Bios.ResetBios":
            for state in self.systems.values():
                if owner in (state.info.bios_key, state.info.settings_key):
                    self._stage_defaults(state)
                    return self._ext(200, [self._info(self.msg("SystemResetRequired", "iLO"))])
        # An action the tree advertises but the simulator does not carry out: never a silent 200, so that
        # a module's test cannot pass against a no-op (Base.ActionNotSupported, the registry's word for it).
        raise self.error(400, "ActionNotSupported", args=[name])

    def _manager_reset(self, spec, value):
        """The iLO restarts: answer, forget every session, drop connections, then answer 503 for a while."""
        allowed = spec.get("ResetType@Redfish.AllowableValues")
        if allowed is not None and value is not None and value not in allowed:
            raise self.error(400, "ActionParameterValueNotInList", args=[str(value), "ResetType"], related=["#/ResetType"])
        self.manager_resets.append(value)
        self.deleted_total += len(self.sessions)
        self.sessions.clear()
        now = time.monotonic()
        self.manager_down_until = now + float(self.config["manager_reset_down_s"])
        self.manager_ready_at = self.manager_down_until + float(self.config["manager_reset_not_ready_s"])
        return self._ext(200, [self._info(self.msg("Success"))])

    def _legacy_action(self, state, payload):
        action = payload.get("Action")
        if action not in state.info.legacy:
            raise self.error(400, "ActionNotSupported", args=[str(action)])
        caps = state.info.legacy[action]
        param = "PushType" if action == "PowerButton" else "ResetType"
        spec = {param + "@Redfish.AllowableValues": caps.get(param)} if caps.get(param) else {}
        return self._reset_request(state, spec, param, payload.get(param))

    def _reset_request(self, state, spec, param, value):
        if value is None:
            raise self.error(400, "ActionParameterMissing", args=["Reset", param], related=["#/" + param])
        allowed = spec.get(param + "@Redfish.AllowableValues")
        if allowed is not None and value not in allowed:
            raise self.error(400, "ActionParameterValueNotInList", args=[str(value), param], related=["#/" + param])
        self._power(state, value)
        state.resets.append(value)
        return self._ext(200, [self._info(self.msg("Success"))])

    # ----------------------------------------------------------------- power
    def _power(self, state, kind):
        """Schedule the power/POST transitions for a reset ``kind`` (see README "Power")."""
        now = time.monotonic()
        cfg = self.config
        power_d = float(cfg["power_duration_s"])
        graceful_d = float(cfg["graceful_shutdown_s"])
        on = state.power != "Off"
        off_only = ("ForceOff", "ForceRestart", "GracefulShutdown", "GracefulRestart", "Nmi", "PressAndHold", "PowerCycle")
        if not on and kind in off_only:
            raise self.error(400, "InvalidOperationForSystemState", "iLO", args=["Power is off"])
        if kind in ("On", "ForceOn") or (kind in ("PushPowerButton", "Press") and not on):
            if not on:
                state.timeline = self._boot(now + power_d)
        elif kind in ("ForceOff", "PressAndHold"):
            state.timeline = [(now + power_d, "Off", "PowerOff", False)]
        elif kind in ("GracefulShutdown", "PushPowerButton", "Press"):
            if not cfg["ignore_graceful"]:
                state.timeline = [(now + graceful_d, "Off", "PowerOff", False)]
        elif kind == "GracefulRestart" and self.generation >= 6:
            if not cfg["ignore_graceful"]:
                state.timeline = [(now + graceful_d, "On", "Reset", False)] + self._boot(now + graceful_d + power_d)
        elif kind in ("ForceRestart", "GracefulRestart"):
            state.timeline = [(now, "On", "Reset", False)] + self._boot(now + power_d)
        elif kind in ("ColdBoot", "AuxCycle", "PowerCycle"):
            state.timeline = [(now, "Off", "PowerOff", False)] + self._boot(now + power_d)
        self.active.add(state)
        self._advance()

    def _boot(self, start):
        post = float(self.config["post_duration_s"])
        return [(start, "On", "InPost", False), (start + post / 2, "On", "InPostDiscoveryComplete", True),
                (start + post, "On", "FinishedPost", False)]

    def _advance(self):
        """Apply every transition whose time has come (state is computed lazily on each request)."""
        if not any(state.timeline for state in self.active):
            return
        now = time.monotonic()
        for state in list(self.active):
            while state.timeline and state.timeline[0][0] <= now:
                _when, power, post, apply_bios = state.timeline.pop(0)
                self._set_power(state, power, post)
                if apply_bios:
                    self._apply_bios(state)
            if not state.timeline:
                self.active.discard(state)

    def _set_power(self, state, power, post):
        state.power, state.post = power, post
        body = self.mutable(state.info.key)
        if "PowerState" in body or "Power" not in body:
            body["PowerState"] = power
        if "Power" in body:
            body["Power"] = power
        oem = dig(body, "Oem", state.info.oem)
        if isinstance(oem, dict):
            oem["PostState"] = post
        # The DMTF signs of a reset, where the system has them: BootProgress and LastResetTime.
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if isinstance(body.get("BootProgress"), dict):
            body["BootProgress"]["LastState"] = BOOT_PROGRESS.get(post, "OEM")
            body["BootProgress"]["LastStateTime"] = now
        if "LastResetTime" in body and post == "InPost":
            body["LastResetTime"] = now

    def set_state(self, system_id, power_state=None, post_state=None, finish_post_s=None):
        """Put a system in a power/POST state at once (tests); ``finish_post_s``: seconds until POST finishes
        (default: the configured ``post_duration_s`` when the state is On and in POST; null: never)."""
        with self.lock:
            self._advance()
            matches = [s for s in self.systems.values() if s.info.id == str(system_id)]
            if not matches:
                raise ValueError("no system %r" % system_id)
            state = matches[0]
            power = power_state or state.power
            post = post_state or ("FinishedPost" if power == "On" else "PowerOff")
            self._set_power(state, power, post)
            state.timeline = []
            self.active.discard(state)
            if power == "On" and post in IN_POST and finish_post_s != "never":
                delay = float(self.config["post_duration_s"] if finish_post_s is None else finish_post_s)
                state.timeline = [(time.monotonic() + delay, "On", "FinishedPost", False)]
                self.active.add(state)
            return {"power_state": state.power, "post_state": state.post}

    # ------------------------------------------------------------------ BIOS
    def _bios_current(self, state):
        body = self.body(state.info.bios_key)
        if not state.info.flat:
            return dict(body.get("Attributes") or {})
        return {k: v for k, v in body.items() if not k.startswith("@") and k not in FLAT_META and not isinstance(v, (dict, list))}

    def _patch(self, method, key, payload):
        for state in self.systems.values():
            if key == state.info.settings_key:
                return self._patch_bios(state, method, payload)
        body = self.body(key)
        if method == "PUT" or body is None or not isinstance(body, dict) or not WRITABLE & set(body):
            return self._not_allowed(key)
        errors = []
        changes = {}
        for name, value in payload.items():
            if name.startswith("@"):
                continue
            errors.extend(self._check_property(body, name, value, "#/"))
            changes[name] = value
        if errors:
            raise HttpError(400, errors)
        target = self.mutable(key)
        for name, value in changes.items():
            if isinstance(value, dict) and isinstance(target.get(name), dict):
                target[name].update(value)
            else:
                target[name] = value
        return self._ext(200, [self._info(self.msg("Success"))])

    def _check_property(self, body, name, value, prefix, top=True):
        related = [prefix + name]
        if name not in body:
            return [self._info(self.msg("PropertyUnknown"), [name], related)]
        if top and name not in WRITABLE:
            return [self._info(self.msg("PropertyNotWritable"), [name], related)]
        current = body[name]
        if current is not None and (isinstance(current, bool) != isinstance(value, bool)
                                    or isinstance(current, dict) != isinstance(value, dict)
                                    or isinstance(current, list) != isinstance(value, list)
                                    or isinstance(current, str) != isinstance(value, str)):
            return [self._info(self.msg("PropertyValueTypeError"), [json.dumps(value), name], related)]
        if isinstance(value, dict):
            errors = []
            for sub, sub_value in value.items():
                errors.extend(self._check_property(current, sub, sub_value, prefix + name + "/", top=False))
            return errors
        allowed = body.get(name + "@Redfish.AllowableValues") or ENUMS.get(name)
        if allowed is not None and value not in allowed:
            return [self._info(self.msg("PropertyValueNotInList"), [str(value), name], related)]
        return []

    def _patch_bios(self, state, method, payload):
        if state.info.flat:
            attrs = {k: v for k, v in payload.items() if not k.startswith("@") and k not in FLAT_META}
        else:
            attrs = payload.get("Attributes", {})
            if not isinstance(attrs, dict):
                raise self.error(400, "PropertyValueTypeError", args=[json.dumps(attrs), "Attributes"], related=["#/Attributes"])
        if method == "PUT":
            state.pending = {}
        base = attrs.pop("BaseConfig", None)
        if isinstance(base, str) and base.startswith("default"):
            self._stage_defaults(state, sync=False)
        elif base is not None:
            attrs["BaseConfig"] = base
        state.pending.update(attrs)
        self._sync_settings(state)
        return self._ext(200, [self._info(self.msg("SystemResetRequired", "iLO"))])

    def _stage_defaults(self, state, sync=True):
        """Stage the registry defaults (``DefaultValue``/``CurrentValue``), else ``BaseConfigs[].default``.

        An attribute already pending is staged too, even when its default is its current value:
        a reset to defaults overrides whatever was staged before it.
        """
        current = self._bios_current(state)
        index = self.tree.bios_registry(self.body(state.info.bios_key).get("AttributeRegistry"))
        defaults = {}
        if index:
            for name in current:
                entry = index.get(name)
                if entry and not entry.get("ReadOnly"):
                    has, value = reg.attribute_default(entry)
                    if has and (value != current[name] or name in state.pending):
                        defaults[name] = value
        else:
            defaults = self._baseconfig_defaults(state, current)
        state.pending.update(defaults)
        if sync:
            self._sync_settings(state)

    def _baseconfig_defaults(self, state, current):
        bios = self.body(state.info.bios_key)
        link = dig(bios, "Oem", "Hpe", "Links", "BaseConfigs") or dig(bios, "links", "BaseConfigs")
        body = self.body(self._key_of(link)) if link_of(link) else None
        for config in (body or {}).get("BaseConfigs") or []:
            if isinstance(config, dict) and isinstance(config.get("default"), dict):
                return {k: v for k, v in config["default"].items() if k in current and (current[k] != v or k in state.pending)}
        return {}

    def _sync_settings(self, state):
        """Settings object = current attributes overlaid with the pending ones."""
        settings = self.mutable(state.info.settings_key)
        current = self._bios_current(state)
        if state.info.flat:
            settings.update(current)
            settings.update(state.pending)
        else:
            merged = dict(current)
            merged.update(state.pending)
            settings["Attributes"] = merged

    def _apply_bios(self, state):
        """At POST: validate the pending values against the registry, apply the good ones, report."""
        if not state.info.settings_key or not state.pending:
            return
        bios = self.mutable(state.info.bios_key)
        index = self.tree.bios_registry(bios.get("AttributeRegistry"))
        rejects = {}
        for fault in [f for f in self.faults if f["kind"] == "reject_bios_attribute"]:
            if fault["name"] in state.pending:
                rejects[fault["name"]] = self.msg(fault.get("message_id") or "PropertyNotWritable")
                self._consume(fault)
        messages = [self._info(self.msg("Success"))]
        target = bios if state.info.flat else bios.setdefault("Attributes", {})
        for name, value in state.pending.items():
            problem = rejects.get(name)
            if problem is None and index is not None:
                key = reg.check_attribute(index.get(name), value)
                problem = self.msg(key) if key else None
            if problem is None:
                target[name] = value
                continue
            args = [name] if problem.endswith(("PropertyUnknown", "PropertyNotWritable")) else [json.dumps(value).strip('"'), name]
            messages.append(self._info(problem, args, ["#/" + name]))
        state.pending = {}
        self._sync_settings(state)
        settings_etag = self.rendered(state.info.settings_key).etag
        stamp = now_iso()
        if state.info.flat:
            bios["SettingsResult"] = {"ETag": settings_etag, "Time": stamp, "Messages": [
                {"MessageArgs": m.get("MessageArgs", []), "MessageID": self.msg.legacy(m["MessageId"])} for m in messages]}
        else:
            settings_meta = bios.setdefault("@Redfish.Settings", {})
            settings_meta.update({"ETag": settings_etag, "Time": stamp, "Messages": messages})
            unmodified = dig(bios, "Oem", "Hpe", "SettingsObject")
            if isinstance(unmodified, dict):
                unmodified["UnmodifiedETag"] = 'W/"%s"' % settings_etag


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
