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
- Reads go through the one read path (service.Reads over the client's single-flight cache): a
  resource is fetched at most once (also when two threads want it at the same time),
  collections are read with ``$expand=.`` where the service root advertises
  ``ProtocolFeaturesSupported.ExpandQuery`` and their members are kept, so they are never
  fetched again; otherwise members are fetched in parallel. How many requests are in flight at
  once is decided by the host's adaptive limiter (reads.py), below the per-host cap ``workers``.
  What cannot be read is left out with a warning and an ``errors`` entry. This module only maps.

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

from ansible_collections.lightsout.ilo.plugins.module_utils.body import (
    bios_attributes,
    bios_link,
    identity,
    last_segment,
    link_of,
    links_named,
    managed_by,
    norm_mac,
    norm_macs,
    normalize_uri,
    same_uri,
    settings_link,
    text_of,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError, IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils import logs
from ansible_collections.lightsout.ilo.plugins.module_utils.accounts import gather_users
from ansible_collections.lightsout.ilo.plugins.module_utils.manager import facts as settings_facts, pick_interface, settings_links
from ansible_collections.lightsout.ilo.plugins.module_utils.reads import DEFAULT_CAP
from ansible_collections.lightsout.ilo.plugins.module_utils.service import Reads
from ansible_collections.lightsout.ilo.plugins.module_utils.state import pending_of

SUBSETS = ('system', 'processors', 'memory', 'storage', 'network', 'firmware', 'power', 'thermal',
           'manager', 'bios', 'boot', 'logs', 'users')
MIN_SUBSETS = ('system',)
#: Subsets whose data is per system (in ``ilo.systems[]``); the others are per service.
SYSTEM_SUBSETS = ('system', 'processors', 'memory', 'storage', 'network', 'bios', 'boot', 'logs')
#: Subsets whose data is per service (top level of ``ilo``).
SERVICE_SUBSETS = ('firmware', 'power', 'thermal', 'manager', 'users')
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
    'boot_options': ['Boot.BootOptions."@odata.id"'],
    'log_services': ['LogServices."@odata.id"', 'links.LogServices.href'],
    'log_entries': ['Entries."@odata.id"', 'links.Entries.href'],
    'system_chassis': ['Links.Chassis[0]."@odata.id"', 'links.Chassis[0].href'],
    'simple_storage': ['SimpleStorage."@odata.id"', 'links.SimpleStorage.href'],
    'adapter_ports': ['Ports."@odata.id"', 'NetworkPorts."@odata.id"'],
    'adapter_functions': ['NetworkDeviceFunctions."@odata.id"'],
    'contained_by': ['Links.ContainedBy."@odata.id"', 'links.ContainedBy.href'],
    'power': ['Power."@odata.id"', 'links.Power.href'],
    'thermal': ['Thermal."@odata.id"', 'links.Thermal.href'],
    'power_subsystem': ['PowerSubsystem."@odata.id"'],
    'thermal_subsystem': ['ThermalSubsystem."@odata.id"'],
    'power_supplies': ['PowerSupplies."@odata.id"'],
    'environment_metrics': ['EnvironmentMetrics."@odata.id"'],
    'fans': ['Fans."@odata.id"'],
    'thermal_metrics': ['ThermalMetrics."@odata.id"'],
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
        'hostname': ['HostName'],
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
        'asset_tag': ['AssetTag'],
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
        'locator': ['Location.PartLocation.ServiceLabel', 'DeviceLocator', 'SocketLocator'],
        'size_gib': F(['CapacityMiB', 'SizeMB'], 'mib_to_gib'),
        'type': ['MemoryDeviceType', 'DIMMType'],
        'speed_mhz': F(['OperatingSpeedMhz', 'MaximumFrequencyMHz'], 'int'),
        'manufacturer': ['Manufacturer'],
        'part_number': ['PartNumber'],
        'serial_number': ['SerialNumber'],
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'storage_controller': {
        'id': ['Id', 'MemberId'],
        'name': ['Name'],
        'model': ['Model', 'Name'],
        'serial_number': ['SerialNumber'],
        'firmware_version': ['FirmwareVersion.Current.VersionString', 'FirmwareVersion'],
        'location': ['Location.PartLocation.ServiceLabel', 'Location'],
        'health': F(['Status.Health', 'Status.HealthRollup'], 'health'),
    },
    'drive': {
        'id': ['Id'],
        'model': ['Model'],
        'serial_number': ['SerialNumber'],
        'media_type': F(['MediaType'], 'lower'),
        'protocol': F(['Protocol', 'InterfaceType'], 'lower'),
        'size_gib': F(['CapacityBytes'], 'bytes_to_gib'),
        'size_mib': F(['CapacityMiB'], 'mib_to_gib'),
        'firmware_version': ['Revision', 'FirmwareVersion.Current.VersionString'],
        'location': ['PhysicalLocation.PartLocation.ServiceLabel', 'Location.PartLocation.ServiceLabel', 'Location'],
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'simple_device': {
        'id': ['Id'],
        'model': ['Model'],
        'serial_number': ['SerialNumber'],
        'media_type': F(['MediaType'], 'lower'),
        'protocol': F(['Protocol'], 'lower'),
        'size_gib': F(['CapacityBytes'], 'bytes_to_gib'),
        'size_mib': F(['CapacityMiB'], 'mib_to_gib'),
        'firmware_version': ['Revision'],
        'location': ['Location.PartLocation.ServiceLabel', 'Name'],
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'volume': {
        'id': ['Id'],
        'name': ['Name', 'LogicalDriveName'],
        'raid': F(['RAIDType', 'Raid', 'VolumeType'], 'raid'),
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
        'model': ['Model'],
        'part_number': ['PartNumber'],
        'serial_number': ['SerialNumber'],
        'firmware_version': ['Firmware.Current.VersionString', 'Controllers[0].FirmwarePackageVersion'],
        'location': ['Location.PartLocation.ServiceLabel', 'Controllers[0].Location.PartLocation.ServiceLabel', 'Location',
                     'StructuredName'],
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
        'serial_number': ['SerialNumber'],
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
    'power_subsystem': {
        'consumed_watts': F([], 'float'),
        'average_watts': F([], 'float'),
        'max_watts': F([], 'float'),
        'capacity_watts': F(['CapacityWatts'], 'float'),
        'redundancy': F(['PowerSupplyRedundancy[0].RedundancyType'], 'lower'),
    },
    'environment': {
        'consumed_watts': F(['PowerWatts.Reading'], 'float'),
    },
    'fan': {
        'name': ['Name', 'FanName'],
        'reading': F(['Reading', 'CurrentReading', 'SpeedPercent.Reading', 'SpeedPercent.SpeedRPM'], 'float'),
        'reading_units': F(['ReadingUnits', 'Units'], 'lower'),
        'health': STATUS['health'],
        'state': STATUS['state'],
    },
    'temperature': {
        'name': ['Name', 'DeviceName'],
        'location': ['PhysicalContext'],
        'reading_celsius': F(['ReadingCelsius', 'CurrentReading', 'Reading'], 'float'),
        # Redfish names: NonCritical (Sensor: UpperCaution) is a warning, Critical the critical one, Fatal beyond it.
        'warning_celsius': F(['UpperThresholdNonCritical', 'Thresholds.UpperCaution.Reading'], 'float'),
        'critical_celsius': F(['UpperThresholdCritical', 'Thresholds.UpperCritical.Reading'], 'float'),
        'fatal_celsius': F(['UpperThresholdFatal', 'Thresholds.UpperFatal.Reading'], 'float'),
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
}

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


#: The one RAID vocabulary: DMTF ``Volume.RAIDType`` names. HPE SmartStorage ``Raid`` values and DMTF
#: ``VolumeType`` are mapped onto it; ``None``/``RawDevice`` (no RAID) are null.
RAID_TYPES = ('RAID0', 'RAID1', 'RAID3', 'RAID4', 'RAID5', 'RAID6', 'RAID10', 'RAID01', 'RAID6TP', 'RAID1E', 'RAID50',
              'RAID60', 'RAID00', 'RAID10E', 'RAID1Triple', 'RAID10Triple')
_RAID_NAMES = dict((name.upper(), name) for name in RAID_TYPES)
_RAID_ALIASES = {
    # HPE SmartStorage LogicalDrive.Raid
    '1ADM': 'RAID1Triple', '10ADM': 'RAID10Triple', '1+0': 'RAID10', '1+0ADM': 'RAID10Triple',
    # DMTF Volume.VolumeType (deprecated in favour of RAIDType)
    'NONREDUNDANT': 'RAID0', 'MIRRORED': 'RAID1', 'STRIPEDWITHPARITY': 'RAID5', 'SPANNEDMIRRORS': 'RAID10',
    'SPANNEDSTRIPESWITHPARITY': 'RAID50',
}


def _norm_raid(value):
    key = re.sub(r'[\s_]', '', str(value)).upper()
    if key in ('', 'NONE', 'RAWDEVICE', 'JBOD'):
        return None
    if key in _RAID_ALIASES:
        return _RAID_ALIASES[key]
    if not key.startswith('RAID'):
        key = 'RAID' + key
    return _RAID_NAMES.get(key, key)


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
    'mac': norm_mac,
    'macs': norm_macs,
    'list': lambda v: list(v) if isinstance(v, list) else ([] if v is None else [v]),
    'bool': lambda v: v if isinstance(v, bool) else None,
    'none_null': lambda v: None if str(v).lower() in ('none', '') else v,
    'raid': _norm_raid,
    'text': text_of,
}
LIST_NORMS = ('list', 'macs')

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
    """The schema dict of one resource for map ``name``; every key present, missing values null.

    The paths of a field are tried in order; the first that gives a usable value wins. Strings are trimmed and a
    whitespace-only one counts as missing, so does a value its normaliser rejects (an invalid MAC address, an
    object where text is documented): the next path is tried, and a field with none is null (``[]`` for lists).
    """
    out = {}
    body = body if isinstance(body, dict) else {}
    for field, spec in MAPS[name].items():
        spec = _f(spec)
        normaliser = NORMALISERS[spec.norm or 'text']
        value = None
        for path in spec.paths_for(generation):
            found = search(path, body)
            if isinstance(found, str):
                found = found.strip()
            if found is None or found == '' or found == []:
                continue
            found = normaliser(found)
            if found is not None and found != []:
                value = found
                break
        out[field] = [] if value is None and spec.norm in LIST_NORMS else value
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
    """Maps what one run reads to the schema; the reads are service.Reads' (each resource at most once,
    collections expanded where supported, what fails left out with a warning and an ``errors`` entry)."""

    def __init__(self, client, service, workers=POOL_SIZE, log_entries=10):
        if not HAS_JMESPATH:
            raise IloError('The Python library jmespath is required: pip install jmespath.')
        self.client = client
        self.service = service
        self.workers = max(1, int(workers))
        self.log_entries = max(0, int(log_entries))
        self.reads = Reads(client, service, workers=self.workers)
        self.warnings = self.reads.warnings
        self.errors = self.reads.errors
        self.get = self.reads.get
        self.get_many = self.reads.get_many
        self.members = self.reads.members
        self._chassis = {}
        self._lock = threading.Lock()

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
            'users': None,
            'errors': [],
        }
        systems_uri = link('systems', root)
        if not systems_uri:
            raise IloDiscoveryError('The service root of %s links no Systems collection.' % self.client.base_url)
        if system_id not in (None, ''):
            uris = self.reads.member_uris(systems_uri)
            chosen = service.select(uris, system_id, 'system')
            bodies = [self.get(chosen, optional=False)]
        else:
            bodies = self.members(systems_uri, optional=False)
        generation = info['generation']
        system_subsets = [s for s in subsets if s in SYSTEM_SUBSETS]
        service_subsets = [s for s in subsets if s in SERVICE_SUBSETS]

        # Every (system, subset) pair and every service subset at once, on threads that wait at the
        # host's limiter for each request: latency, not the number of systems or subsets, bounds the wall time.
        entries = [self._system_entry(body) for body in bodies]
        jobs = [(entry, body, '_sys_' + name) for entry, body in zip(entries, bodies) for name in system_subsets]
        jobs += [(facts, bodies[0] if bodies else None, '_' + name) for name in service_subsets]
        results = self.reads.run(lambda job: getattr(self, job[2])(job[1], generation), jobs)
        for (target, _body, method), value in zip(jobs, results):
            target[method.replace('_sys_', '', 1).lstrip('_')] = value
        facts['systems'].extend(entries)
        if len(facts['systems']) == 1:
            facts['system'] = facts['systems'][0]
        facts['errors'] = list(self.errors)
        return facts

    # ---------------------------------------------------------------- per system

    @staticmethod
    def _system_entry(body):
        entry = {'id': body.get('Id') or last_segment(link_of(body)), 'uri': link_of(body)}
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
        controllers, drives, volumes = _Devices(), _Devices(), _Devices()
        volumes_of = {}  # DMTF storage subsystem URI -> the number of volumes it lists
        for storage in self.members(link('storage', body)):
            storage_uri = link_of(storage)
            inline = storage.get('StorageControllers')
            if isinstance(inline, list) and inline:
                ctrl_bodies = [(c, link_of(c) or '%s#/StorageControllers/%d' % (storage_uri, i))
                               for i, c in enumerate(inline) if isinstance(c, dict)]
            else:
                ctrl_bodies = [(c, link_of(c)) for c in self.members(link('storage_controllers', storage))]
            for ctrl, uri in ctrl_bodies:
                item = controllers.add(apply_map('storage_controller', ctrl, generation), uri, 'storage')
                if item is not None:
                    item['_storage'] = normalize_uri(storage_uri)
            drive_uris = [link_of(d) for d in _list(storage.get('Drives')) if link_of(d)]
            for uri, drive in zip(drive_uris, self.get_many(drive_uris)):
                if drive:
                    drives.add(_drive(apply_map('drive', drive, generation)), uri, 'storage')
            storage_volumes = self.members(link('volumes', storage))
            volumes_of[normalize_uri(storage_uri)] = len(storage_volumes)
            for vol in storage_volumes:
                item = volumes.add(_drive(apply_map('volume', vol, generation)), link_of(vol), 'storage')
                if item is not None:
                    item['_ids'] = set(i for i in (identity(x) for x in search('Identifiers[].DurableName', vol) or []) if i)
        for simple in self.members(link('simple_storage', body)):
            simple_uri = link_of(simple)
            controllers.add(apply_map('storage_controller', simple, generation), simple_uri, 'simple_storage')
            for index, device in enumerate(_list(simple.get('Devices'))):
                if isinstance(device, dict) and search('Status.State', device) != 'Absent':
                    drives.add(_drive(apply_map('simple_device', device, generation)), '%s#/Devices/%d' % (simple_uri, index),
                               'simple_storage')
        smart = link('smart_storage', body)
        if smart:
            for ctrl in self.members(link('array_controllers', self.get(smart))):
                item = apply_map('storage_controller', ctrl, generation)
                slot = _slot_of(item['location'])
                same = controllers.find(lambda c: c['source'] == 'storage' and _same_controller(c, item))
                # The same controller in DMTF Storage, which lists its volumes: its logical drives are those volumes.
                volumes_listed = same is not None and volumes_of.get(same.get('_storage'))
                if same is not None:
                    _fill(same, item)
                else:
                    controllers.add(item, link_of(ctrl), 'smart_storage')
                for drive in self.members(link('physical_drives', ctrl)):
                    item = _drive(apply_map('drive', drive, generation))
                    same = drives.find(lambda d: d['source'] == 'storage' and _same(d['serial_number'], item['serial_number'])
                                       and _same_bay(d['location'], _bay_of(item['location'], slot)))
                    if same is not None:
                        _fill(same, item)
                    else:
                        drives.add(item, link_of(drive), 'smart_storage')
                for vol in [] if volumes_listed else self.members(link('logical_drives', ctrl)):
                    item = _drive(apply_map('volume', vol, generation))
                    wwid = identity(vol.get('VolumeUniqueIdentifier'))
                    same = volumes.find(lambda v: wwid is not None and wwid in v.get('_ids', ()))
                    if same is not None:
                        _fill(same, item)
                    else:
                        volumes.add(item, link_of(vol), 'smart_storage')
        for vol in volumes.items:
            vol.pop('_ids', None)
        for ctrl in controllers.items:
            ctrl.pop('_storage', None)
        return {
            'controllers': controllers.items,
            'drives': drives.items,
            'volumes': volumes.items,
            'drive_count': len(drives.items),
            'total_drive_gib': _round(sum(d['size_gib'] or 0 for d in drives.items)),
        }

    def _sys_network(self, body, generation):
        interfaces = [apply_map('interface', i, generation) for i in self.members(link('ethernet_interfaces', body))]
        adapters = _Devices()
        chassis_uris = links_named(body, 'Chassis')
        if not chassis_uris:
            chassis_uris = [link_of(self._chassis_of(body))]
        self.get_many(chassis_uris)
        for chassis_uri in chassis_uris:
            for adapter in self.members(link('chassis_network_adapters', self.get(chassis_uri))):
                adapters.add(self._dmtf_adapter(adapter, generation), link_of(adapter), 'network_adapters')
        for adapter in self.members(link('base_network_adapters', body)):
            item = apply_map('adapter', adapter, generation)
            item['name'] = _adapter_name(item)
            same = adapters.find(lambda a: _same(a['serial_number'], item['serial_number']) and (
                set(a['mac_addresses']) & set(item['mac_addresses']) or
                (identity(a['location']) is not None and identity(a['location']) == identity(item['location']))))
            if same is not None:
                same['mac_addresses'] = norm_macs(same['mac_addresses'] + item['mac_addresses'])
                _fill(same, item)
            else:
                adapters.add(item, link_of(adapter), 'base_network_adapters')
        return {'interfaces': interfaces, 'adapters': adapters.items}

    def _dmtf_adapter(self, adapter, generation):
        """A DMTF NetworkAdapter: MACs from its Ports (AssociatedMACAddresses) and NetworkDeviceFunctions (MACAddress)."""
        item = apply_map('adapter', adapter, generation)
        item['name'] = _adapter_name(item)
        macs = []
        for port in self.members(link('adapter_ports', adapter)):
            macs.extend(_list(search('Ethernet.AssociatedMACAddresses', port) or search('AssociatedNetworkAddresses', port)))
        for function in self.members(link('adapter_functions', adapter)):
            macs.append(search('Ethernet.MACAddress', function) or search('Ethernet.PermanentMACAddress', function))
        item['mac_addresses'] = norm_macs(item['mac_addresses'] + macs)
        return item

    def _sys_bios(self, body, generation):
        bios = self.get(bios_link(body))
        if not bios:
            return {'registry': None, 'attributes': {}, 'pending': {}, 'settings_uri': None}
        settings_uri = settings_link(bios)
        settings = self.get(settings_uri) if settings_uri and not same_uri(settings_uri, link_of(bios)) else None
        current = bios_attributes(bios)
        pending = pending_of(current, bios_attributes(settings))
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
        """Every log service of the system and of its manager (logs.py: the vocabulary ilo_logs returns too);
        HPE's IML, IEL and SL also under their names."""
        out = {'iml': [], 'iel': [], 'sl': [], 'services': []}
        for source, service in logs.log_services(self.get, self.members, body):
            item = logs.describe(source, service)
            item['entries'] = self._log(service, generation)
            out['services'].append(item)
            key = str(item['id']).lower()
            if key in ('iml', 'iel', 'sl') and not out[key]:
                out[key] = item['entries']
        return out

    def _log(self, service, generation):  # pylint: disable=unused-argument
        if not self.log_entries:
            return []
        return logs.read_entries(self.get, self.get_many, service, limit=self.log_entries, expand=self.service.expand_supported,
                                 message_text=self.service.message_text)[0]

    # ---------------------------------------------------------------- per service

    def _chassis_of(self, system):
        """The chassis of ``system``, decided by links only; None (and a warning) when they do not decide it.

        ``Links.Chassis`` of the system when it names one; else the chassis (among those it names, or all) whose
        ``Links.ComputerSystems`` names the system, the innermost one when several do (a blade, not its enclosure:
        ``ContainedBy``); else the only chassis of the service. Never "the first chassis": that may be a drive
        enclosure or a card.
        """
        if not system:
            return None
        system_uri = normalize_uri(link_of(system))
        with self._lock:
            if system_uri in self._chassis:
                return self._chassis[system_uri]
        linked = links_named(system, 'Chassis')
        chosen = None
        if len(linked) == 1:
            chosen = self.get(linked[0])
        else:
            candidates = linked or self.reads.member_uris(link('chassis', self.service.root))
            bodies = [b for b in self.get_many(candidates) if b]
            claiming = [b for b in bodies if system_uri in [normalize_uri(u) for u in links_named(b, 'ComputerSystems')]] \
                or (bodies if linked else [])
            inner = [b for b in claiming if not any(same_uri(link('contained_by', o), link_of(b)) for o in claiming)]
            if len(inner) == 1:
                chosen = inner[0]
            elif not linked and len(bodies) == 1:
                chosen = bodies[0]
            else:
                self.reads.warn('The chassis of system %s cannot be decided from its links (Links.Chassis, the chassis\' '
                                'Links.ComputerSystems and ContainedBy); its power, thermal and network adapter facts are left '
                                'out.' % link_of(system))
        with self._lock:
            self._chassis[system_uri] = chosen
        return chosen

    def _chassis_with(self, system, names):
        """The system's chassis, or the first chassis that contains it, which links one of ``names``."""
        chassis, seen = self._chassis_of(system), set()
        while chassis and normalize_uri(link_of(chassis)) not in seen and len(seen) < 8:
            if any(link(name, chassis) for name in names):
                return chassis
            seen.add(normalize_uri(link_of(chassis)))
            chassis = self.get(link('contained_by', chassis))
        return None

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
        chassis = self._chassis_with(system, ('power', 'power_subsystem'))
        body = self.get(link('power', chassis))
        if body is not None:
            out = apply_map('power', body, generation)
            out['supplies'] = [apply_map('power_supply', p, generation) for p in _list(body.get('PowerSupplies'))]
            return out
        subsystem = self.get(link('power_subsystem', chassis))
        if subsystem is None:
            return None
        out = apply_map('power_subsystem', subsystem, generation)
        # The present consumption of a chassis without Power is in its EnvironmentMetrics.
        out['consumed_watts'] = apply_map('environment', self.get(link('environment_metrics', chassis)), generation)['consumed_watts']
        out['supplies'] = [apply_map('power_supply', p, generation) for p in self.members(link('power_supplies', subsystem))]
        return out

    def _thermal(self, system, generation):
        chassis = self._chassis_with(system, ('thermal', 'thermal_subsystem'))
        body = self.get(link('thermal', chassis))
        if body is not None:
            fans = [apply_map('fan', f, generation) for f in _list(body.get('Fans'))]
            sensors = _list(body.get('Temperatures'))
        else:
            subsystem = self.get(link('thermal_subsystem', chassis))
            if subsystem is None:
                return None
            fans = []
            for fan in self.members(link('fans', subsystem)):
                item = apply_map('fan', fan, generation)
                if item['reading_units'] is None and search('SpeedPercent.Reading', fan) is not None:
                    item['reading_units'] = 'percent'
                elif item['reading_units'] is None and item['reading'] is not None:
                    item['reading_units'] = 'rpm'
                fans.append(item)
            readings = _list(search('TemperatureReadingsCelsius', self.get(link('thermal_metrics', subsystem)) or {}))
            readings = [r for r in readings if isinstance(r, dict)]
            # Each reading names its Sensor (name, context, thresholds); the reading itself is the fallback.
            sources = self.get_many([r.get('DataSourceUri') if isinstance(r.get('DataSourceUri'), str) else None for r in readings])
            sensors = []
            for reading, sensor in zip(readings, sources):
                merged = dict(reading)
                merged.update(sensor or {})
                sensors.append(merged)
        return {
            'fans': fans,
            'temperatures': [apply_map('temperature', t, generation) for t in sensors
                             if isinstance(t, dict) and search('Status.State', t) != 'Absent'],
        }

    def _users(self, system, generation):  # pylint: disable=unused-argument
        return gather_users(self)

    def _manager(self, system, generation):
        uri = managed_by(system)
        if not uri:
            managers = self.reads.member_uris(link('managers', self.service.root))
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
        # What ilo_manager manages, under its names (host_name, dns_servers, network_services...).
        protocol, datetime = (self.get(u) if u else None for u in settings_links(body))
        nics = list(enumerate(self.members(link('ethernet_interfaces', body))))
        picked = pick_interface(nics)
        out.update(settings_facts(protocol, datetime, nics[picked][1] if picked is not None else None))
        license_items = self.members(link('license_service', body))
        out['license'] = apply_map('license', license_items[0], generation) if license_items else {
            'name': None, 'type': None, 'tier': None}
        return out


class _Devices:
    """Devices in the order found, identified by their URI: the same URI is listed once."""

    def __init__(self):
        self.items = []
        self._uris = set()

    def add(self, item, uri, source):
        key = normalize_uri(uri) if uri else None
        if key is not None and key in self._uris:
            return None
        if key is not None:
            self._uris.add(key)
        item['uri'] = uri
        item['source'] = source
        self.items.append(item)
        return item

    def find(self, predicate):
        return next((item for item in self.items if predicate(item)), None)


def _list(value):
    return value if isinstance(value, list) else []


def _same(first_value, second_value):
    """Both identify something (no placeholder) and are the same."""
    first_id = identity(first_value)
    return first_id is not None and first_id == identity(second_value)


def _fill(target, other):
    """Complete ``target`` (one device seen twice) with what only ``other`` knows."""
    for key, value in other.items():
        if target.get(key) in (None, []) and value not in (None, []):
            target[key] = value


def _slot_of(location):
    match = re.search(r'slot\s*=?\s*([0-9a-z]+)', str(location or ''), re.I)
    return match.group(1).upper() if match else None


def _bay_of(location, slot=None):
    """{slot, port, box, bay} of a drive from ``Slot=12:Port=2I:Box=1:Bay=1`` or HPE's ``2I:1:1`` on controller ``slot``."""
    text = str(location or '')
    parts = dict((k.lower(), v.upper()) for k, v in re.findall(r'(slot|port|box|bay)\s*=\s*([0-9a-z]+)', text, re.I))
    if not parts:
        match = re.match(r'^\s*([0-9a-z]+):([0-9a-z]+):([0-9a-z]+)\s*$', text, re.I)
        if match:
            parts = {'port': match.group(1).upper(), 'box': match.group(2).upper(), 'bay': match.group(3).upper()}
    if slot and 'slot' not in parts:
        parts['slot'] = slot
    return parts


def _same_bay(location, bay):
    """The drive at ``location`` sits in ``bay``: same port, box and bay, and same slot where both name one."""
    other = _bay_of(location)
    if not all(bay.get(k) and bay.get(k) == other.get(k) for k in ('port', 'box', 'bay')):
        return False
    return not (bay.get('slot') and other.get('slot')) or bay['slot'] == other['slot']


def _same_controller(first_item, second_item):
    """Two views of one controller: the same serial number, and the same slot (the same model where a view names no slot)."""
    if not _same(first_item['serial_number'], second_item['serial_number']):
        return False
    slots = (_slot_of(first_item['location']), _slot_of(second_item['location']))
    if all(slots):
        return slots[0] == slots[1]
    return _same(first_item['model'], second_item['model'])


_GENERIC_ADAPTER = re.compile(r'^(base\s*)?network\s*adapter(\s*(view|collection))?$', re.I)


def _adapter_name(item):
    """The adapter's Name, or its Model when the Name is only the resource type ("NetworkAdapter")."""
    name = item.get('name')
    if (name is None or _GENERIC_ADAPTER.match(name)) and item.get('model'):
        return item['model']
    return name


def _drive(item):
    """One size unit for drives and volumes: GiB, from bytes or MiB, whichever the service gives."""
    mib = item.pop('size_mib', None)
    if item.get('size_gib') is None:
        item['size_gib'] = mib
    return item


def run_query(expression, facts):
    """Apply a user's jmespath ``expression`` to the facts; a bad expression raises IloValidationError."""
    try:
        return jmespath.search(expression, facts)
    except jmespath.exceptions.JMESPathError as exc:
        raise IloValidationError('query: %r is not a valid jmespath expression: %s' % (expression, exc))
