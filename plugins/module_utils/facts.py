# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalised iLO inventory: one schema for iLO 4, 5, 6, Moonshot and plain Redfish services.

How it works:

- *Where* things are is found by following links from the service root (``LINKS``:
  jmespath expressions per link, with the iLO 4 compat ``links.X.href`` and the
  ``Oem.Hp``/``Oem.Hpe`` alternatives side by side).
- *What* each schema field is, is declared as data (``MAPS``): per subset, per field, a list
  of jmespath expressions tried in order (first non-null wins), optionally different per
  iLO generation, and a normaliser naming the unit or vocabulary of the value.
- Reads go through one store per run: a resource is fetched at most once (also when two
  threads want it at the same time), collections are read with ``$expand=.`` where the
  service root advertises ``ProtocolFeaturesSupported.ExpandQuery`` and their members are
  kept, so they are never fetched again; otherwise members are fetched in parallel. How many
  requests are in flight at once is decided by the host's adaptive limiter (reads.py), below
  the per-host cap ``workers``.

Units: capacities in GiB (float, 2 decimals), power in W, temperatures in Celsius, speeds in
Mbps / MHz. Vocabularies (lower case): health ``ok|warning|critical``, power state
``on|off|powering_on|powering_off|reset``, LED ``lit|blinking|off``, link ``up|down``.
Unknown values are lower-cased as they are; missing ones are null.

No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import threading
import traceback

try:
    import jmespath
    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None
except ImportError:
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.lightsout.ilo.plugins.module_utils.client import capped, link_of, normalize_uri
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloNotFoundError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.reads import DEFAULT_CAP, limiter_of, run_all
from ansible_collections.lightsout.ilo.plugins.module_utils.service import EXPAND_MEMBERS, is_expanded

SUBSETS = ('system', 'processors', 'memory', 'storage', 'network', 'firmware', 'power', 'thermal',
           'manager', 'bios', 'boot', 'logs')
MIN_SUBSETS = ('system',)
#: Subsets whose data is per system (in ``ilo.systems[]``); the others are per service.
SYSTEM_SUBSETS = ('system', 'processors', 'memory', 'storage', 'network', 'bios', 'boot', 'logs')
#: Subsets whose data is per service (top level of ``ilo``).
SERVICE_SUBSETS = ('firmware', 'power', 'thermal', 'manager')
#: The default per-host cap of requests in flight (ilo_facts ``max_concurrency``); the adaptive limiter decides below it.
POOL_SIZE = DEFAULT_CAP

# --------------------------------------------------------------------------------------------------
# Declarative mapping
# --------------------------------------------------------------------------------------------------


class F:
    """One schema field: jmespath ``paths`` tried in order, per-generation ``gen`` overrides, a normaliser."""

    def __init__(self, paths, norm=None, gen=None):
        self.paths = [paths] if isinstance(paths, str) else list(paths)
        self.norm = norm
        self.gen = gen or {}

    def paths_for(self, generation):
        return self.gen.get(generation, self.paths)


def _f(value):
    return value if isinstance(value, F) else F(value)


STATUS = {
    'health': F(['Status.Health'], 'health'),
    'state': F(['Status.State'], 'lower'),
}

# Links to follow, as jmespath over the resource that holds them (Redfish form, iLO 4 compat form, OEM form).
LINKS = {
    'systems': ['Systems."@odata.id"', 'links.Systems.href'],
    'managers': ['Managers."@odata.id"', 'links.Managers.href'],
    'chassis': ['Chassis."@odata.id"', 'links.Chassis.href'],
    'update_service': ['UpdateService."@odata.id"'],
    'firmware_inventory': ['FirmwareInventory."@odata.id"', 'links.FirmwareInventory.href'],
    'system_firmware_inventory': ['Oem.Hp.links.FirmwareInventory.href', 'Oem.Hpe.Links.FirmwareInventory."@odata.id"'],
    'processors': ['Processors."@odata.id"', 'links.Processors.href', 'Oem.Hp.links.Processors.href'],
    'memory': ['Memory."@odata.id"', 'links.Memory.href', 'Oem.Hp.links.Memory.href'],
    'storage': ['Storage."@odata.id"'],
    'smart_storage': ['Oem.Hpe.Links.SmartStorage."@odata.id"', 'Oem.Hp.links.SmartStorage.href'],
    'array_controllers': ['Links.ArrayControllers."@odata.id"', 'links.ArrayControllers.href'],
    'physical_drives': ['Links.PhysicalDrives."@odata.id"', 'links.PhysicalDrives.href'],
    'logical_drives': ['Links.LogicalDrives."@odata.id"', 'links.LogicalDrives.href'],
    'storage_controllers': ['Controllers."@odata.id"'],
    'volumes': ['Volumes."@odata.id"'],
    'ethernet_interfaces': ['EthernetInterfaces."@odata.id"', 'links.EthernetInterfaces.href'],
    'base_network_adapters': ['Oem.Hpe.Links.NetworkAdapters."@odata.id"', 'Oem.Hp.links.NetworkAdapters.href'],
    'chassis_network_adapters': ['NetworkAdapters."@odata.id"'],
    'bios': ['Bios."@odata.id"', 'Oem.Hp.links.BIOS.href', 'Oem.Hpe.Links.BIOS."@odata.id"'],
    'bios_settings': ['"@Redfish.Settings".SettingsObject."@odata.id"', 'links.Settings.href'],
    'boot_options': ['Boot.BootOptions."@odata.id"'],
    'log_services': ['LogServices."@odata.id"', 'links.LogServices.href'],
    'log_entries': ['Entries."@odata.id"', 'links.Entries.href'],
    'system_chassis': ['Links.Chassis[0]."@odata.id"', 'links.Chassis[0].href'],
    'power': ['Power."@odata.id"', 'links.Power.href'],
    'thermal': ['Thermal."@odata.id"', 'links.Thermal.href'],
    'license_service': ['Oem.Hpe.Links.LicenseService."@odata.id"', 'Oem.Hp.links.LicenseService.href'],
}

MAPS = {
    'system': {
        'id': ['Id'],
        'manufacturer': ['Manufacturer'],
        'model': ['Model'],
        'sku': ['SKU', 'Oem.Hp.SKU', 'Oem.Hpe.SKU'],
        'serial_number': ['SerialNumber'],
        'uuid': ['UUID'],
        'hostname': F(['HostName'], 'empty_null'),
        'bios_version': ['BiosVersion', 'Oem.Hpe.Bios.Current.VersionString', 'Oem.Hp.Bios.Current.VersionString',
                         'Bios.Current.VersionString'],
        'power_state': F(['PowerState'], 'power_state'),
        'post_state': F(['Oem.Hpe.PostState', 'Oem.Hp.PostState'], 'snake'),
        'health': F(['Status.Health', 'Oem.Hpe.AggregateHealthStatus.AggregateServerHealth'], 'health'),
        'health_rollup': F(['Status.HealthRollup', 'Status.HealthRollUp'], 'health'),
        # iLO 6 dropped IndicatorLED for LocationIndicatorActive; iLO 5 3.x has both.
        'indicator_led': F(['IndicatorLED', 'LocationIndicatorActive'], 'led',
                           gen={6: ['LocationIndicatorActive', 'IndicatorLED']}),
        'processor_count': F(['ProcessorSummary.Count'], 'int'),
        'processor_model': ['ProcessorSummary.Model'],
        'memory_gib': F(['MemorySummary.TotalSystemMemoryGiB', 'Memory.TotalSystemMemoryGB'], 'float'),
        'asset_tag': F(['AssetTag'], 'empty_null'),
    },
    'processor': {
        'id': ['Id'],
        'socket': ['Socket'],
        'type': F(['ProcessorType'], 'lower'),
        'manufacturer': ['Manufacturer'],
        'model': ['Model'],
        'cores': F(['TotalCores'], 'int'),
        'threads': F(['TotalThreads'], 'int'),
        'max_speed_mhz': F(['MaxSpeedMHz'], 'int'),
        'rated_speed_mhz': F(['Oem.Hpe.RatedSpeedMHz', 'Oem.Hp.RatedSpeedMHz', 'OperatingSpeedMHz'], 'int'),
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'dimm': {
        'id': ['Id'],
        'locator': ['DeviceLocator', 'SocketLocator'],
        'size_gib': F(['CapacityMiB', 'SizeMB'], 'mib_to_gib'),
        'type': ['MemoryDeviceType', 'DIMMType'],
        'speed_mhz': F(['OperatingSpeedMhz', 'MaximumFrequencyMHz'], 'int'),
        'manufacturer': F(['Manufacturer'], 'strip'),
        'part_number': F(['PartNumber'], 'strip'),
        'serial_number': F(['SerialNumber'], 'strip'),
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'storage_controller': {
        'id': ['Id', 'MemberId'],
        'name': ['Name'],
        'model': ['Model', 'Name'],
        'serial_number': ['SerialNumber'],
        'firmware_version': ['FirmwareVersion.Current.VersionString', 'FirmwareVersion'],
        'location': ['Location', 'Location.PartLocation.ServiceLabel'],
        'health': F(['Status.Health', 'Status.HealthRollup'], 'health'),
    },
    'drive': {
        'id': ['Id'],
        'model': F(['Model'], 'strip'),
        'serial_number': F(['SerialNumber'], 'strip'),
        'media_type': F(['MediaType'], 'lower'),
        'protocol': F(['Protocol', 'InterfaceType'], 'lower'),
        'size_gib': F(['CapacityBytes'], 'bytes_to_gib'),
        'size_mib': F(['CapacityMiB'], 'mib_to_gib'),
        'firmware_version': ['Revision', 'FirmwareVersion.Current.VersionString'],
        'location': ['PhysicalLocation.PartLocation.ServiceLabel', 'Location'],
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'volume': {
        'id': ['Id'],
        'name': ['Name', 'LogicalDriveName'],
        'raid': F(['RAIDType', 'Raid'], 'raid'),
        'size_gib': F(['CapacityBytes'], 'bytes_to_gib'),
        'size_mib': F(['CapacityMiB'], 'mib_to_gib'),
        'health': STATUS['health'],
    },
    'interface': {
        'id': ['Id'],
        'name': ['Name'],
        'mac_address': F(['MACAddress', 'MacAddress', 'PermanentMACAddress'], 'mac'),
        'link_status': F(['LinkStatus'], 'link'),
        'speed_mbps': F(['SpeedMbps'], 'int'),
        'ipv4_addresses': F(['IPv4Addresses[?Address && Address != \'0.0.0.0\'].Address'], 'list'),
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'adapter': {
        'id': ['Id'],
        'name': ['Name', 'Model'],
        'part_number': ['PartNumber'],
        'serial_number': ['SerialNumber'],
        'firmware_version': ['Firmware.Current.VersionString', 'Controllers[0].FirmwarePackageVersion'],
        'mac_addresses': F(['PhysicalPorts[].MacAddress'], 'macs'),
        'health': STATUS['health'],
    },
    'firmware': {
        'name': ['Name'],
        'version': ['Version', 'VersionString'],
        'location': ['Oem.Hpe.DeviceContext', 'Oem.Hp.DeviceContext', 'Location'],
        'updateable': F(['Updateable'], 'bool'),
    },
    'power_supply': {
        'id': ['MemberId', 'Id'],
        'name': ['Name'],
        'model': ['Model'],
        'serial_number': F(['SerialNumber'], 'strip'),
        'capacity_watts': F(['PowerCapacityWatts'], 'float'),
        'output_watts': F(['LastPowerOutputWatts'], 'float'),
        'firmware_version': ['FirmwareVersion'],
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'power': {
        'consumed_watts': F(['PowerControl[0].PowerConsumedWatts'], 'float'),
        'average_watts': F(['PowerControl[0].PowerMetrics.AverageConsumedWatts'], 'float'),
        'max_watts': F(['PowerControl[0].PowerMetrics.MaxConsumedWatts'], 'float'),
        'capacity_watts': F(['PowerControl[0].PowerCapacityWatts'], 'float'),
        'redundancy': F(['Redundancy[0].Mode'], 'lower'),
    },
    'fan': {
        'name': ['Name', 'FanName'],
        'reading': F(['Reading', 'CurrentReading'], 'float'),
        'reading_units': F(['ReadingUnits', 'Units'], 'lower'),
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'temperature': {
        'name': ['Name'],
        'location': ['PhysicalContext'],
        'reading_celsius': F(['ReadingCelsius', 'CurrentReading'], 'float'),
        'warning_celsius': F(['UpperThresholdCritical'], 'float'),
        'critical_celsius': F(['UpperThresholdFatal'], 'float'),
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'manager': {
        'id': ['Id'],
        'model': ['Model'],
        'firmware_version': ['FirmwareVersion', 'Oem.Hpe.Firmware.Current.VersionString', 'Oem.Hp.Firmware.Current.VersionString'],
        'firmware_date': ['Oem.Hpe.Firmware.Current.Date', 'Oem.Hp.Firmware.Current.Date'],
        'uuid': ['UUID'],
        'health': STATUS['health'],
    },
    'license': {
        'name': ['License', 'LicenseString'],
        'type': ['LicenseType'],
        'tier': ['LicenseTier'],
    },
    'bios': {
        'registry': ['AttributeRegistry'],
    },
    'boot': {
        'order': F(['Boot.BootOrder'], 'list'),
        'override_target': ['Boot.BootSourceOverrideTarget'],
        'override_enabled': F(['Boot.BootSourceOverrideEnabled'], 'lower'),
        'override_mode': ['Boot.BootSourceOverrideMode'],
        'uefi_target': F(['Boot.UefiTargetBootSourceOverride'], 'none_null'),
    },
    'boot_option': {
        'reference': ['BootOptionReference'],
        'name': ['DisplayName', 'Name'],
        'enabled': F(['BootOptionEnabled'], 'bool'),
    },
    'log_entry': {
        'id': ['Id'],
        'created': ['Created'],
        'severity': F(['Oem.Hpe.Severity', 'Oem.Hp.Severity', 'Severity'], 'lower'),
        'message': ['Message'],
        'class': F(['Oem.Hpe.Class', 'Oem.Hp.Class'], 'int'),
        'code': F(['Oem.Hpe.Code', 'Oem.Hp.Code'], 'int'),
    },
}

# Metadata keys of an iLO 4 flat HpBios resource (everything else is an attribute).
BIOS_META = re.compile(r'^(@|Id$|Name$|Description$|Type$|Modified$|SettingsResult$|links$|Links$|Oem$|AttributeRegistry$|Attributes$|Actions$|'
                       r'SettingsObject$)')

# --------------------------------------------------------------------------------------------------
# Normalisers
# --------------------------------------------------------------------------------------------------


def _snake(value):
    text = re.sub(r'(?<=[a-z0-9])(?=[A-Z])', '_', str(value)).replace(' ', '_').replace('-', '_')
    return text.lower()


def _num(value):
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _round(value):
    return None if value is None else round(value, 2)


def _norm_health(value):
    return str(value).lower() if value not in (None, '') else None


POWER_STATES = {'on': 'on', 'off': 'off', 'poweringon': 'powering_on', 'poweringoff': 'powering_off', 'reset': 'reset',
                'paused': 'paused', 'unknown': None}
LEDS = {'lit': 'lit', 'blinking': 'blinking', 'off': 'off', 'true': 'lit', 'false': 'off'}
LINKS_UP = {'linkup': 'up', 'up': 'up', 'linkdown': 'down', 'down': 'down', 'nolink': 'down'}


def _norm_raid(value):
    text = str(value).upper()
    return text if text.startswith('RAID') else 'RAID' + text


NORMALISERS = {
    'health': _norm_health,
    'lower': lambda v: str(v).lower() if v not in (None, '') else None,
    'snake': lambda v: _snake(v) if v not in (None, '') else None,
    'power_state': lambda v: POWER_STATES.get(str(v).lower(), _snake(v)),
    'led': lambda v: LEDS.get(str(v).lower(), str(v).lower()),
    'link': lambda v: LINKS_UP.get(str(v).lower(), _snake(v)),
    'int': lambda v: None if _num(v) is None else int(_num(v)),
    'float': lambda v: _round(_num(v)),
    'mib_to_gib': lambda v: _round(_num(v) / 1024.0) if _num(v) is not None else None,
    'bytes_to_gib': lambda v: _round(_num(v) / 1073741824.0) if _num(v) is not None else None,
    'mac': lambda v: str(v).lower() if v else None,
    'macs': lambda v: [str(m).lower() for m in v if m] if isinstance(v, list) else [],
    'list': lambda v: list(v) if isinstance(v, list) else ([] if v is None else [v]),
    'bool': lambda v: v if isinstance(v, bool) else None,
    'strip': lambda v: str(v).strip() or None,
    'empty_null': lambda v: v if v != '' else None,
    'none_null': lambda v: None if str(v).lower() in ('none', '') else v,
    'raid': _norm_raid,
}

_COMPILED = {}
_COMPILE_LOCK = threading.Lock()


def search(expression, body):
    """jmespath search with compiled expressions cached."""
    compiled = _COMPILED.get(expression)
    if compiled is None:
        with _COMPILE_LOCK:
            compiled = _COMPILED.setdefault(expression, jmespath.compile(expression))
    return compiled.search(body)


def first(paths, body):
    for path in paths:
        value = search(path, body)
        if value is not None and value != []:
            return value
    return None


def apply_map(name, body, generation=0):
    """The schema dict of one resource for map ``name``; every key present, missing values null."""
    out = {}
    for field, spec in MAPS[name].items():
        spec = _f(spec)
        value = first(spec.paths_for(generation), body or {})
        if value is None:
            value = [] if spec.norm in ('list', 'macs') else None
        elif spec.norm:
            value = NORMALISERS[spec.norm](value)
        out[field] = value
    return out


def link(name, body):
    return first(LINKS[name], body or {}) if body else None


# --------------------------------------------------------------------------------------------------
# gather_subset
# --------------------------------------------------------------------------------------------------


def resolve_subsets(requested):
    """``setup``-style selection, returned in schema order.

    ``all``, ``min`` and subset names add; ``!name`` removes; ``!all`` leaves only ``min``. When only
    exclusions are given they apply to ``all``. ``min`` (``system``) is always gathered unless
    ``!min`` (or ``!system``) is given.
    """
    requested = [str(item).strip() for item in (requested or ['all'])]
    include, exclude = set(), set()
    for item in requested:
        negate = item.startswith('!')
        name = item[1:] if negate else item
        if name == 'all':
            names = set(SUBSETS) - (set(MIN_SUBSETS) if negate else set())
        elif name == 'min':
            names = set(MIN_SUBSETS)
        elif name in SUBSETS:
            names = {name}
        else:
            raise IloValidationError('gather_subset: unknown subset %r; choose from all, min, %s (prefix ! to exclude).'
                                     % (item, ', '.join(SUBSETS)))
        (exclude if negate else include).update(names)
    if not any(not item.startswith('!') for item in requested):
        include = set(SUBSETS)
    include |= set(MIN_SUBSETS)
    return [s for s in SUBSETS if s in include and s not in exclude]


# --------------------------------------------------------------------------------------------------
# Gathering
# --------------------------------------------------------------------------------------------------


class Gatherer:
    """Reads for one run: each resource at most once, collections expanded where supported."""

    def __init__(self, client, service, workers=POOL_SIZE, log_entries=10):
        if not HAS_JMESPATH:
            raise IloError('The Python library jmespath is required: pip install jmespath.')
        self.client = client
        self.service = service
        self.workers = max(1, int(workers))
        self.limiter = limiter_of(client, cap=self.workers)
        self.log_entries = max(0, int(log_entries))
        self.warnings = []
        self._store = {}
        self._inflight = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- reads

    def _remember(self, body):
        uri = self.client.local_path(link_of(body))  # an expanded member on another origin is refused too
        with self._lock:
            self._store.setdefault(normalize_uri(uri), body)

    def get(self, uri, params=None, optional=True):
        """The JSON body of ``uri`` (dict), or None when it is missing (404) and ``optional``."""
        if not uri:
            return None
        key = normalize_uri(uri) + ('?expand' if params else '')
        with self._lock:
            if key in self._store:
                return self._store[key]
            if not params and normalize_uri(uri) + '?expand' in self._store:
                return self._store[normalize_uri(uri) + '?expand']
            event = self._inflight.get(key)
            owner = event is None
            if owner:
                event = self._inflight[key] = threading.Event()
        if not owner:
            event.wait()
            with self._lock:
                return self._store.get(key)
        body = None
        try:
            body = self.client.get(uri, params=params).json
            if not isinstance(body, dict):
                body = {}
        except IloNotFoundError as exc:
            if not optional:
                raise
            self.warnings.append('%s is linked but missing (HTTP %s); its facts are left out.' % (uri, exc.status))
        finally:
            with self._lock:
                self._store[key] = body
                self._inflight.pop(key, None)
            event.set()
        return body

    def get_many(self, uris):
        return run_all(self.get, [u for u in uris if u], self.limiter)

    def members(self, collection_uri, limit_last=None):
        """Member bodies of a collection (optionally only the last ``limit_last``), in member order."""
        if not collection_uri:
            return []
        # Expanded where supported: one (larger) answer instead of one request per member; latency, not size, bounds a BMC.
        body = self.get(collection_uri, params=EXPAND_MEMBERS if self.service.expand_supported else None)
        if not body:
            return []
        items = body.get('Members')
        if items is None:
            items = search('links.Member', body) or []
        if limit_last is not None:
            items = items[-limit_last:] if limit_last else []
        for item in items:
            if is_expanded(item):
                self._remember(item)
        uris = capped([link_of(m) for m in items if isinstance(m, (dict, str)) and link_of(m)], collection_uri,
                      self.warnings.append)
        bodies = self.get_many([u for u in uris if normalize_uri(u) not in self._store])
        del bodies
        return [b for b in (self._store.get(normalize_uri(u)) for u in uris) if b]

    # ---------------------------------------------------------------- top level

    def gather(self, subsets, system_id=None):
        subsets = list(subsets)
        service = self.service
        root = service.root or {}
        info = service.info()
        facts = {
            'gather_subset': subsets,
            'service': {
                'generation': info['generation'],
                'oem': info['oem'],
                'manager_type': info['manager_type'],
                'firmware_version': info['firmware'],
                'product': info['product'],
                'vendor': info['vendor'],
                'redfish_version': info['redfish_version'],
                'uuid': root.get('UUID'),
                'expand_supported': service.expand_supported,
            },
            'systems': [],
            'system': None,
            'manager': None,
            'firmware': None,
            'power': None,
            'thermal': None,
        }
        systems_uri = link('systems', root)
        if not systems_uri:
            raise IloError('The service root of %s links no Systems collection.' % self.client.base_url)
        if system_id not in (None, ''):
            uris = self._member_uris(systems_uri)
            chosen = service.select(uris, system_id, 'system')
            bodies = [self.get(chosen, optional=False)]
        else:
            bodies = self.members(systems_uri)
        generation = info['generation']
        system_subsets = [s for s in subsets if s in SYSTEM_SUBSETS]
        service_subsets = [s for s in subsets if s in SERVICE_SUBSETS]

        # Every (system, subset) pair and every service subset at once, on threads that wait at the
        # host's limiter for each request: latency, not the number of systems or subsets, bounds the wall time.
        entries = [self._system_entry(body) for body in bodies]
        jobs = [(entry, body, '_sys_' + name) for entry, body in zip(entries, bodies) for name in system_subsets]
        jobs += [(facts, bodies[0] if bodies else None, '_' + name) for name in service_subsets]
        results = self._run(jobs, lambda job: getattr(self, job[2])(job[1], generation))
        for (target, _body, method), value in zip(jobs, results):
            target[method.replace('_sys_', '', 1).lstrip('_')] = value
        facts['systems'].extend(entries)
        if len(facts['systems']) == 1:
            facts['system'] = facts['systems'][0]
        return facts

    def _member_uris(self, collection_uri):
        body = self.get(collection_uri) or {}
        items = body.get('Members')
        if items is None:
            items = search('links.Member', body) or []
        return [link_of(m) for m in items if link_of(m)]

    def _run(self, jobs, func):
        return run_all(func, jobs, self.limiter)

    # ---------------------------------------------------------------- per system

    @staticmethod
    def _system_entry(body):
        entry = {'id': body.get('Id') or normalize_uri(link_of(body)).split('/')[-1], 'uri': link_of(body)}
        for name in SYSTEM_SUBSETS:
            entry[name] = None
        return entry

    def _sys_system(self, body, generation):
        return apply_map('system', body, generation)

    def _sys_processors(self, body, generation):
        items = [apply_map('processor', p, generation) for p in self.members(link('processors', body))]
        # GPUs and other accelerators are listed in devices but not counted as processors.
        present = [p for p in items if p['state'] != 'absent' and p['type'] in (None, 'cpu')]
        return {
            'count': len(present),
            'cores': sum(p['cores'] or 0 for p in present),
            'threads': sum(p['threads'] or 0 for p in present),
            'model': present[0]['model'] if present else None,
            'devices': items,
        }

    def _sys_memory(self, body, generation):
        dimms = [apply_map('dimm', d, generation) for d in self.members(link('memory', body))]
        present = [d for d in dimms if d['state'] != 'absent' and (d['size_gib'] or 0) > 0]
        total = apply_map('system', body, generation)['memory_gib']
        if total is None:
            total = _round(sum(d['size_gib'] for d in present))
        return {
            'total_gib': total,
            'installed_dimms': len(present),
            'slots': len(dimms),
            'dimms': present,
        }

    def _sys_storage(self, body, generation):
        controllers, drives, volumes = [], [], []
        seen = set()

        def add(target, item, source):
            item['source'] = source
            key = (item.get('serial_number') or '').strip().lower()
            if key and (target is drives or target is controllers):
                if (id(target), key) in seen:
                    return
                seen.add((id(target), key))
            target.append(item)

        for storage in self.members(link('storage', body)):
            inline = storage.get('StorageControllers') or []
            ctrl_bodies = inline or self.members(link('storage_controllers', storage))
            for ctrl in ctrl_bodies:
                add(controllers, apply_map('storage_controller', ctrl, generation), 'storage')
            drive_uris = [link_of(d) for d in storage.get('Drives') or [] if link_of(d)]
            for drive in [d for d in self.get_many(drive_uris) if d]:
                add(drives, _drive(apply_map('drive', drive, generation)), 'storage')
            for vol in self.members(link('volumes', storage)):
                add(volumes, _drive(apply_map('volume', vol, generation)), 'storage')
        smart = link('smart_storage', body)
        if smart:
            for ctrl in self.members(link('array_controllers', self.get(smart))):
                add(controllers, apply_map('storage_controller', ctrl, generation), 'smart_storage')
                for drive in self.members(link('physical_drives', ctrl)):
                    add(drives, _drive(apply_map('drive', drive, generation)), 'smart_storage')
                for vol in self.members(link('logical_drives', ctrl)):
                    add(volumes, _drive(apply_map('volume', vol, generation)), 'smart_storage')
        if any(v['source'] == 'storage' for v in volumes):
            volumes = [v for v in volumes if v['source'] == 'storage']
        return {
            'controllers': controllers,
            'drives': drives,
            'volumes': volumes,
            'drive_count': len(drives),
            'total_drive_gib': _round(sum(d['size_gib'] or 0 for d in drives)),
        }

    def _sys_network(self, body, generation):
        interfaces = [apply_map('interface', i, generation) for i in self.members(link('ethernet_interfaces', body))]
        adapters_uri = link('base_network_adapters', body)
        if not adapters_uri:
            chassis = self.get(link('system_chassis', body))
            adapters_uri = link('chassis_network_adapters', chassis)
        adapters = [apply_map('adapter', a, generation) for a in self.members(adapters_uri)]
        return {'interfaces': interfaces, 'adapters': adapters}

    def _sys_bios(self, body, generation):
        bios = self.get(link('bios', body))
        if not bios:
            return {'registry': None, 'attributes': {}, 'pending': {}, 'settings_uri': None}
        settings_uri = link('bios_settings', bios)
        settings = self.get(settings_uri) if settings_uri and normalize_uri(settings_uri) != normalize_uri(link_of(bios)) else None
        current = _bios_attributes(bios)
        staged = _bios_attributes(settings) if settings else {}
        pending = dict((k, v) for k, v in staged.items() if current.get(k) != v)
        out = apply_map('bios', bios, generation)
        out.update({'attributes': current, 'pending': pending, 'settings_uri': settings_uri})
        return out

    def _sys_boot(self, body, generation):
        out = apply_map('boot', body, generation)
        options = [apply_map('boot_option', o, generation) for o in self.members(link('boot_options', body))]
        names = dict((o['reference'], o['name']) for o in options if o['reference'])
        out['options'] = options
        out['order_names'] = [names.get(ref, ref) for ref in out['order']]
        return out

    def _sys_logs(self, body, generation):
        out = {'iml': [], 'iel': []}
        services = self.members(link('log_services', body))
        out['iml'] = self._log(services, 'iml', generation)
        manager_uri = search('Links.ManagedBy[0]."@odata.id"', body) or search('links.ManagedBy[0].href', body)
        if manager_uri:
            manager = self.get(manager_uri)
            out['iel'] = self._log(self.members(link('log_services', manager)), 'iel', generation)
        return out

    def _log(self, services, wanted, generation):
        service = next((s for s in services if str(s.get('Id', '')).lower() == wanted), None)
        if not service or not self.log_entries:
            return []
        entries = self.members(link('log_entries', service), limit_last=self.log_entries)
        items = [apply_map('log_entry', e, generation) for e in entries]
        items.sort(key=lambda e: (e['created'] or '', _int_or_zero(e['id'])), reverse=True)
        return items

    # ---------------------------------------------------------------- per service

    def _chassis_of(self, system):
        uri = link('system_chassis', system) if system else None
        if not uri:
            chassis = self._member_uris(link('chassis', self.service.root))
            uri = chassis[0] if chassis else None
        return self.get(uri)

    def _firmware(self, system, generation):
        inventory = link('firmware_inventory', self.get(link('update_service', self.service.root)))
        if inventory:
            return [apply_map('firmware', f, generation) for f in self.members(inventory)]
        uri = link('system_firmware_inventory', system)
        body = self.get(uri) if uri else None
        out = []
        for group in ((body or {}).get('Current') or {}).values():
            for item in group if isinstance(group, list) else []:
                out.append(apply_map('firmware', item, generation))
        return out

    def _power(self, system, generation):
        body = self.get(link('power', self._chassis_of(system)))
        if body is None:
            return None
        out = apply_map('power', body, generation)
        out['supplies'] = [apply_map('power_supply', p, generation) for p in body.get('PowerSupplies') or []]
        return out

    def _thermal(self, system, generation):
        body = self.get(link('thermal', self._chassis_of(system)))
        if body is None:
            return None
        return {
            'fans': [apply_map('fan', f, generation) for f in body.get('Fans') or []],
            'temperatures': [apply_map('temperature', t, generation) for t in body.get('Temperatures') or []
                             if (t.get('Status') or {}).get('State') != 'Absent'],
        }

    def _manager(self, system, generation):
        uri = (search('Links.ManagedBy[0]."@odata.id"', system or {}) or search('links.ManagedBy[0].href', system or {}))
        if not uri:
            managers = self._member_uris(link('managers', self.service.root))
            uri = managers[0] if managers else None
        body = self.get(uri)
        if body is None:
            return None
        out = apply_map('manager', body, generation)
        out['generation'] = generation
        interfaces = [apply_map('interface', i, generation) for i in self.members(link('ethernet_interfaces', body))]
        enabled = [i for i in interfaces if i['state'] != 'disabled' and i['link_status'] != 'down'] or interfaces
        out['interfaces'] = interfaces
        out['hostname'] = first(['Oem.Hpe.Manager[0].HostName', 'Oem.Hp.Manager[0].HostName'], self.service.root or {})
        out['fqdn'] = first(['Oem.Hpe.Manager[0].FQDN', 'Oem.Hp.Manager[0].FQDN'], self.service.root or {})
        out['ipv4_address'] = next((a for i in enabled for a in i['ipv4_addresses']), None)
        out['mac_address'] = enabled[0]['mac_address'] if enabled else None
        license_items = self.members(link('license_service', body))
        out['license'] = apply_map('license', license_items[0], generation) if license_items else {
            'name': None, 'type': None, 'tier': None}
        return out


def _drive(item):
    """One size unit for drives and volumes: GiB, from bytes or MiB, whichever the service gives."""
    mib = item.pop('size_mib', None)
    if item.get('size_gib') is None:
        item['size_gib'] = mib
    return item


def _bios_attributes(body):
    if not body:
        return {}
    if isinstance(body.get('Attributes'), dict):
        return dict(body['Attributes'])
    return dict((k, v) for k, v in body.items() if not BIOS_META.match(k))


def _int_or_zero(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def run_query(expression, facts):
    """Apply a user's jmespath ``expression`` to the facts; a bad expression raises IloValidationError."""
    try:
        return jmespath.search(expression, facts)
    except jmespath.exceptions.JMESPathError as exc:
        raise IloValidationError('query: %r is not a valid jmespath expression: %s' % (expression, exc))
