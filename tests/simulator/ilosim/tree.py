# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A prepared, read-only tree (see README "The tree"): index, generation, OData documents, and the links to
systems, BIOS, settings objects, sessions, actions and registries, found once and shared by every iLO."""

import copy
import json
import re
import zlib

from ilosim import registry as reg
from ilosim.base import Rendered, dig, key_of, link_of

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
            self.bios_key = key_of(bios)


def _capabilities(action):
    return {cap.get("PropertyName"): cap.get("AllowableValues") or [] for cap in action.get("Capabilities") or []}


class Tree:
    """A prepared, read-only tree shared by all iLOs built from it."""

    def __init__(self, tree):
        self.uris = {}
        self.bodies = {}
        for uri, body in tree.items():
            key = key_of(uri)
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
        events = self.bodies.get(key_of(link_of(root.get("EventService"))))
        if isinstance(events, dict):
            self.subscriptions_key = key_of(link_of(events.get("Subscriptions")))
        registries = []
        reg_coll = self.bodies.get(key_of(link_of(root.get("Registries")) or link_of(dig(root, "links", "Registries"))))
        self.registry_files = []
        if isinstance(reg_coll, dict):
            for uri in reg.member_uris(reg_coll):
                body = self.bodies.get(key_of(uri))
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

    def _generation(self, root):
        oem = root.get("Oem") or {}
        if "Hp" in oem and "Hpe" not in oem:
            return 4
        text = ""
        managers = dig(oem, "Hpe", "Manager")
        if isinstance(managers, list) and managers and isinstance(managers[0], dict):
            text = managers[0].get("ManagerType") or ""
        if not text:
            mgr_coll = self.bodies.get(key_of(link_of(root.get("Managers"))))
            for uri in reg.member_uris(mgr_coll or {})[:1]:
                text = (self.bodies.get(key_of(uri)) or {}).get("FirmwareVersion") or ""
        match = re.search(r"iLO\s*(\d)", text)
        return int(match.group(1)) if match else 5

    def _find_sessions(self, root):
        uri = link_of(dig(root, "Links", "Sessions"))
        aliases = set()
        compat = link_of(dig(root, "links", "Sessions"))
        if uri is None:
            service = self.bodies.get(key_of(link_of(root.get("SessionService")))) or {}
            uri = link_of(service.get("Sessions")) or compat or "/redfish/v1/SessionService/Sessions/"
        if uri.lower().startswith("/rest/v1"):
            uri = "/redfish/v1" + uri[8:]
        if compat:
            aliases.add(key_of(compat))
        key = key_of(uri)
        aliases.add(key)
        body = self.bodies.get(key)
        if isinstance(body, dict):
            # Sessions captured in a mockup are stale: the engine serves live ones only.
            stale = {key_of(member) for member in reg.member_uris(body)}
            for member in stale:
                self.bodies.pop(member, None)
            self._drop_from_resource_directory(root, stale)
        return uri, aliases

    def _drop_from_resource_directory(self, root, stale):
        key = key_of(link_of(dig(root, "Oem", "Hpe", "Links", "ResourceDirectory")))
        directory = self.bodies.get(key)
        if not stale or not isinstance(directory, dict) or not isinstance(directory.get("Instances"), list):
            return
        directory = dict(directory)
        directory["Instances"] = [i for i in directory["Instances"] if key_of(link_of(i)) not in stale]
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
                        self.actions[key_of(spec["target"])] = (key, name.lstrip("#"), spec)

    def _find_systems(self, root):
        coll_uri = link_of(root.get("Systems")) or link_of(dig(root, "links", "Systems"))
        coll = self.bodies.get(key_of(coll_uri)) if coll_uri else None
        systems = []
        for uri in reg.member_uris(coll or {}):
            key = key_of(uri)
            body = self.bodies.get(key)
            if not isinstance(body, dict):
                continue
            info = SystemInfo(key, self.uris.get(key, uri), body)
            bios = self.bodies.get(info.bios_key or "")
            if isinstance(bios, dict):
                info.flat = "Attributes" not in bios
                settings = link_of(dig(bios, "@Redfish.Settings", "SettingsObject")) or link_of(dig(bios, "links", "Settings"))
                if settings and key_of(settings) in self.bodies:
                    info.settings_key = key_of(settings)
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
                    candidate = self.bodies.get(key_of(uri))
                    if isinstance(candidate, dict):
                        found = reg.attribute_index(candidate)
                        break
            if found is not None:
                break
        self._registry_cache[name] = found
        return found
