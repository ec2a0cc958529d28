# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_facts (gather_subset: all) on every Redfish tree under ../shared (issue 15, acceptance).

Each tree under ``../shared/ilo-mockups`` and ``../shared/redfish-mockups`` that holds a
``redfish/v1`` directory is served by the simulator's mockup mode, ``ilo_facts`` runs in-process
on it, and the facts are compared with the tree's JSON files, read here on their own (not
through the collection nor the simulator): drive, controller and volume counts, adapter MAC
addresses, power supply and fan counts, DIMM locators and log entries. What was asserted per
tree is written to tests/output/facts-trees/TREE.json.

The trees exist where ../shared does (CI has it; ``ILO_TEST_SHARED`` names another place). Without
them the tests are skipped, unless ``ILO_TEST_REQUIRE_SHARED`` is set: then their absence is an
error. The fault tests (one 500 per subset) run on the bundled ilo5 profile and always run.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from ilotest import ROOT, SHARED, fresh, shared_missing  # pylint: disable=import-error
from relkit import connection, run_module  # pylint: disable=import-error

FAMILIES = ('ilo-mockups', 'redfish-mockups')
# The trees the issue names: they must be there whenever ../shared is.
NAMED = ('ilo-mockups/ilo5-DL360-Gen10Plus', 'ilo-mockups/ilo6-DL380a-Gen11', 'ilo-mockups/ilo7-DL360-Gen12',
         'redfish-mockups/dmtf-public-rackmount1', 'redfish-mockups/dmtf-public-tower', 'redfish-mockups/dmtf-public-bladed')


def _trees():
    found = []
    for family in FAMILIES:
        base = os.path.join(SHARED, family)
        if os.path.isdir(base):
            found += ['%s/%s' % (family, name) for name in sorted(os.listdir(base))
                      if os.path.isdir(os.path.join(base, name, 'redfish', 'v1'))]
    return found


TREES = _trees()
for _name in NAMED:
    shared_missing(os.path.join(SHARED, _name))  # raises under ILO_TEST_REQUIRE_SHARED when one is missing
LOG_ENTRIES = 10
MAC = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')


# ------------------------------------------------------------------ the tree, read from its files


class RawTree:
    """The JSON files of a mockup tree; URIs resolved case-insensitively, ``#`` fragments into the body."""

    def __init__(self, directory):
        self.base = os.path.join(directory, 'redfish', 'v1')

    def get(self, uri):
        if not isinstance(uri, str):
            return None
        path, _sep, fragment = uri.partition('#')
        parts = [p for p in path.split('?')[0].strip('/').split('/') if p][2:]  # drop redfish/v1
        current = self.base
        for part in parts:
            names = [n for n in os.listdir(current) if n.lower() == part.lower()] if os.path.isdir(current) else []
            if not names:
                return None
            current = os.path.join(current, names[0])
        target = os.path.join(current, 'index.json')
        if not os.path.isfile(target):
            return None
        with open(target, encoding='utf-8') as handle:
            body = json.load(handle)
        for step in [s for s in fragment.split('/') if s]:
            body = body[int(step)] if isinstance(body, list) else body.get(step)
        return body

    def link(self, body, *path):
        for key in path:
            if not isinstance(body, dict):
                return None
            body = body.get(key)
        return body.get('@odata.id') if isinstance(body, dict) else None

    def members(self, uri):
        body = self.get(uri) or {}
        return [(m['@odata.id'], self.get(m['@odata.id'])) for m in body.get('Members') or []]

    def systems(self):
        return [body for _uri, body in self.members('/redfish/v1/Systems')]


def low(uri):
    return uri.rstrip('/').lower()


def valid_macs(values):
    out = []
    for value in values:
        text = str(value or '').strip().lower().replace('-', ':')
        if MAC.match(text) and text not in ('00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff') and text not in out:
            out.append(text)
    return out


def placeholder(value):
    text = str(value or '').strip()
    return not text or bool(re.match(r'^(n/?a|not\s*available|removed.*|unknown|none|0+)$', text, re.I))


def same_controller(dmtf, hpe):
    """The DMTF and HPE views of one controller: same serial, and same slot (same model where DMTF names no slot)."""
    if placeholder(hpe.get('SerialNumber')) or dmtf.get('SerialNumber') != hpe.get('SerialNumber'):
        return False
    label = ((dmtf.get('Location') or {}).get('PartLocation') or {}).get('ServiceLabel')
    if label:
        return re.sub(r'\D', '', label) == re.sub(r'\D', '', str(hpe.get('Location') or ''))
    return dmtf.get('Model') == hpe.get('Model')


def expected_storage(tree, system):
    """Controllers, drives and volumes, each counted by URI; a SmartStorage view merged only on serial + bay/slot."""
    controllers, drives, volumes = [], {}, set()
    for storage_uri, storage in tree.members(tree.link(system, 'Storage')):
        inline = storage.get('StorageControllers') or []
        if inline:
            controllers += list(inline)
        else:
            controllers += [body for _u, body in tree.members(tree.link(storage, 'Controllers')) if body]
        for drive in storage.get('Drives') or []:
            body = tree.get(drive['@odata.id'])
            if body is not None:
                drives[low(drive['@odata.id'])] = body
        for uri, body in tree.members(tree.link(storage, 'Volumes')):
            if body is not None:
                volumes.add(low(uri))
    dmtf_controllers = list(controllers)
    for _uri, simple in tree.members(tree.link(system, 'SimpleStorage')):
        controllers.append(simple)
        for index, device in enumerate(simple.get('Devices') or []):
            if (device.get('Status') or {}).get('State') != 'Absent':
                drives['%s#/devices/%d' % (low(simple['@odata.id']), index)] = device
    dmtf_drives = list(drives.values())
    oem = (system.get('Oem') or {}).get('Hpe') or {}
    smart = tree.get(tree.link(oem, 'Links', 'SmartStorage'))
    smart_volumes = 0
    if smart:
        for _uri, ctrl in tree.members(tree.link(smart, 'Links', 'ArrayControllers')):
            if not any(same_controller(c, ctrl) for c in dmtf_controllers):
                controllers.append(ctrl)
            for uri, disk in tree.members(tree.link(ctrl, 'Links', 'PhysicalDrives')):
                port, box, bay = (str(disk.get('Location') or '::').split(':') + ['', ''])[:3]
                label = 'Port=%s:Box=%s:Bay=%s' % (port, box, bay)
                twin = [d for d in dmtf_drives if not placeholder(disk.get('SerialNumber'))
                        and str(d.get('SerialNumber') or '').strip() == str(disk.get('SerialNumber')).strip()
                        and label.lower() in str(((d.get('PhysicalLocation') or {}).get('PartLocation') or {}).get('ServiceLabel') or '').lower()]
                if not twin:
                    drives[low(uri)] = disk
            smart_volumes += len(tree.members(tree.link(ctrl, 'Links', 'LogicalDrives')))
    return len(controllers), len(drives), len(volumes), smart_volumes


def system_chassis(tree, system):
    linked = [c['@odata.id'] for c in (system.get('Links') or {}).get('Chassis') or []]
    assert len(linked) == 1, 'these trees link one chassis per system: %s' % linked
    return tree.get(linked[0])


def chassis_with(tree, chassis, *names):
    while chassis is not None:
        if any(tree.link(chassis, name) for name in names):
            return chassis
        chassis = tree.get(tree.link(chassis, 'Links', 'ContainedBy'))
    return None


def expected_parts(tree, system, legacy, subsystem, key):
    """How many ``key`` (PowerSupplies, Fans) the chassis of ``system`` (or the first that contains it) lists: in
    ``legacy`` (Power, Thermal) when it has one, else in its ``subsystem`` collection; None when neither is linked."""
    chassis = chassis_with(tree, system_chassis(tree, system), legacy, subsystem)
    if chassis is None:
        return None
    if tree.link(chassis, legacy):
        return len(tree.get(tree.link(chassis, legacy)).get(key) or [])
    return len(tree.members(tree.link(tree.get(tree.link(chassis, subsystem)), key)))


def expected_power_supplies(tree, system):
    return expected_parts(tree, system, 'Power', 'PowerSubsystem', 'PowerSupplies')


def expected_fans(tree, system):
    return expected_parts(tree, system, 'Thermal', 'ThermalSubsystem', 'Fans')


def expected_adapters(tree, system):
    """{serial or uri: set of MACs} of every adapter, DMTF and HPE, as the files list them."""
    adapters = {}
    for chassis in (system.get('Links') or {}).get('Chassis') or []:
        for uri, adapter in tree.members(tree.link(tree.get(chassis['@odata.id']), 'NetworkAdapters')):
            macs = []
            for _u, port in tree.members(tree.link(adapter, 'Ports')):
                macs += (port.get('Ethernet') or {}).get('AssociatedMACAddresses') or []
            for _u, function in tree.members(tree.link(adapter, 'NetworkDeviceFunctions')):
                macs.append((function.get('Ethernet') or {}).get('MACAddress'))
            adapters.setdefault((adapter.get('SerialNumber') or '').strip() or uri, set()).update(valid_macs(macs))
    oem = (system.get('Oem') or {}).get('Hpe') or {}
    for uri, adapter in tree.members(tree.link(oem, 'Links', 'NetworkAdapters')):
        if adapter is not None:
            macs = set(valid_macs([p.get('MacAddress') for p in adapter.get('PhysicalPorts') or []]))
            serial = (adapter.get('SerialNumber') or '').strip()
            key = serial if serial in adapters and macs & adapters[serial] else uri
            adapters.setdefault(key, set()).update(macs)
    return adapters


def expected_dimms(tree, system):
    out = []
    for _uri, dimm in tree.members(tree.link(system, 'Memory')):
        if dimm and (dimm.get('Status') or {}).get('State') != 'Absent' and (dimm.get('CapacityMiB') or 0) > 0:
            label = ((dimm.get('Location') or {}).get('PartLocation') or {}).get('ServiceLabel')
            out.append((label or dimm.get('DeviceLocator') or '').strip())
    return out


def expected_logs(tree, system):
    """[(source, id, entry ids served)] of every log service of the system and its manager."""
    out = []
    owners = [('system', system)]
    managed_by = (system.get('Links') or {}).get('ManagedBy') or []
    if managed_by:
        owners.append(('manager', tree.get(managed_by[0]['@odata.id'])))
    for source, owner in owners:
        for _uri, service in tree.members(tree.link(owner, 'LogServices')):
            entries = [body for _u, body in tree.members(tree.link(service, 'Entries')) if body]
            out.append((source, service['Id'], [str(e.get('Id')) for e in entries]))
    return out


# ------------------------------------------------------------------ acceptance: every tree


def gather(simulators, name, **extra):
    fleet = fresh(simulators('mockup:' + os.path.join(SHARED, name)))
    result = run_module('ilo_facts', connection(fleet, gather_subset=['all'], log_entries=LOG_ENTRIES, **extra))
    assert 'crash' not in result, result['crash']
    assert not result.get('failed'), result
    return result


@pytest.mark.skipif(not TREES, reason='no Redfish trees under %s (set ILO_TEST_SHARED, or ILO_TEST_REQUIRE_SHARED to require them)' % SHARED)
@pytest.mark.parametrize('name', TREES or ['none'])
def test_facts_equal_the_tree(name, simulators):
    tree = RawTree(os.path.join(SHARED, name))
    result = gather(simulators, name)
    facts = result['ansible_facts']['ilo']
    assert facts['errors'] == [], facts['errors']
    systems = tree.systems()
    assert [s['id'] for s in facts['systems']] == [s['Id'] for s in systems]
    counts = {'systems': len(systems)}
    for body, entry in zip(systems, facts['systems']):
        per = counts.setdefault(body['Id'], {})
        # storage: identity is the URI; SmartStorage merged with DMTF Storage only on serial + slot/bay
        want_ctrl, want_drives, want_volumes, smart_volumes = expected_storage(tree, body)
        storage = entry['storage']
        assert len(storage['controllers']) == want_ctrl, storage['controllers']
        assert storage['drive_count'] == len(storage['drives']) == want_drives, [d['uri'] for d in storage['drives']]
        assert want_volumes <= len(storage['volumes']) <= want_volumes + smart_volumes, storage['volumes']
        assert len(set(d['uri'].lower() for d in storage['drives'])) == len(storage['drives'])
        assert all(isinstance(c['location'], (str, type(None))) for c in storage['controllers'])
        per.update(controllers=want_ctrl, drives=want_drives, volumes=len(storage['volumes']))
        # network adapters: every MAC of the files, valid ones only, lower-case colon form
        want_adapters = expected_adapters(tree, body)
        adapters = entry['network']['adapters']
        assert len(adapters) == len(want_adapters), (adapters, want_adapters)
        got_macs = set(m for a in adapters for m in a['mac_addresses'])
        assert got_macs == set(m for macs in want_adapters.values() for m in macs)
        assert all(MAC.match(m) for m in got_macs)
        for adapter in adapters:
            assert adapter['name'] and adapter['name'].lower().replace(' ', '') != 'networkadapter', adapter
        per.update(adapters=len(adapters), macs=len(got_macs))
        # DIMMs: locator from Location.PartLocation.ServiceLabel, else DeviceLocator
        assert [d['locator'] for d in entry['memory']['dimms']] == expected_dimms(tree, body)
        per['dimms'] = len(entry['memory']['dimms'])
        # logs: every log service of the system and its manager, the latest entries of each
        want_logs = expected_logs(tree, body)
        got = entry['logs']['services']
        assert [(s['source'], s['id']) for s in got] == [(w[0], w[1]) for w in want_logs]
        for service, (_source, service_id, ids) in zip(got, want_logs):
            assert len(service['entries']) == min(LOG_ENTRIES, len(ids)), service_id
            assert set(e['id'] for e in service['entries']) <= set(ids)
            if service_id.lower() in ('iml', 'iel', 'sl'):
                assert entry['logs'][service_id.lower()] == service['entries']
        per['log_entries'] = dict((s['id'], len(s['entries'])) for s in got)
    # power and thermal: the chassis of the first system, found by links
    psus, fans = expected_power_supplies(tree, systems[0]), expected_fans(tree, systems[0])
    assert (facts['power'] and len(facts['power']['supplies'])) == (psus if psus is not None else None)
    assert (facts['thermal'] and len(facts['thermal']['fans'])) == (fans if fans is not None else None)
    counts.update(power_supplies=psus, fans=fans)
    for temperature in (facts['thermal'] or {}).get('temperatures', []):
        if temperature['warning_celsius'] is not None and temperature['critical_celsius'] is not None:
            assert temperature['warning_celsius'] <= temperature['critical_celsius'], temperature
    # what was asserted, one file per tree (for the note), whichever worker ran the tree
    path = os.path.join(ROOT, 'tests', 'output', 'facts-trees', name.replace('/', '--') + '.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(counts, handle, indent=1, sort_keys=True)


@pytest.mark.skipif('redfish-mockups/dmtf-public-bladed' not in TREES, reason='the DMTF bladed tree is not under %s' % SHARED)
def test_system_id_on_an_enclosure(simulators):
    """One blade of the enclosure: its own facts, and the power of the enclosure that contains its chassis."""
    name = 'redfish-mockups/dmtf-public-bladed'
    tree = RawTree(os.path.join(SHARED, name))
    for system in tree.systems():
        facts = gather(simulators, name, system_id=system['Id'])['ansible_facts']['ilo']
        assert [s['id'] for s in facts['systems']] == [system['Id']]
        assert facts['system']['storage']['drive_count'] == expected_storage(tree, system)[1]
        assert len(facts['power']['supplies']) == expected_power_supplies(tree, system)
        assert len(facts['thermal']['fans']) == expected_fans(tree, system)


# ------------------------------------------------------------------ partial failure: one 500 per subset

# subset -> (a resource that subset reads on the ilo5 profile, the part left null/empty, a part that must still be there)
FAULTS = {
    'processors': (r'systems/1/processors/?$', lambda s, f: s['processors']['devices'] == []),
    'memory': (r'systems/1/memory/?$', lambda s, f: s['memory']['dimms'] == []),
    'storage': (r'systems/1/storage/?$', lambda s, f: s['storage']['controllers'] and s['storage']['drive_count'] > 0),
    'network': (r'systems/1/ethernetinterfaces/?$', lambda s, f: s['network']['interfaces'] == []),
    'bios': (r'systems/1/bios/?$', lambda s, f: s['bios']['attributes'] == {}),
    'boot': (r'systems/1/bootoptions/?$', lambda s, f: s['boot']['options'] == [] and s['boot']['order']),
    'logs': (r'systems/1/logservices/iml/entries/?$', lambda s, f: s['logs']['iml'] == [] and s['logs']['iel']),
    'firmware': (r'updateservice/firmwareinventory/?$', lambda s, f: not f['firmware']),
    'power': (r'chassis/1/power/?$', lambda s, f: f['power'] is None),
    'thermal': (r'chassis/1/thermal/?$', lambda s, f: f['thermal'] is None),
    'manager': (r'managers/1/ethernetinterfaces/?$', lambda s, f: f['manager']['interfaces'] == [] and f['manager']['firmware_version']),
}


@pytest.mark.parametrize('subset', sorted(FAULTS))
def test_a_500_on_an_optional_resource_is_a_partial_result(subset, simulators):
    path, partial = FAULTS[subset]
    fleet = fresh(simulators('ilo5'))
    fleet.ilos[0].add_fault({'kind': 'http_500', 'count': -1, 'match': {'method': 'GET', 'path': path}})
    try:
        result = run_module('ilo_facts', connection(fleet, gather_subset=[subset], retries=1))
    finally:
        fleet.ilos[0].clear_faults()
    assert 'crash' not in result, result['crash']
    assert not result.get('failed'), result
    facts = result['ansible_facts']['ilo']
    errors = facts['errors']
    assert [e['status'] for e in errors] == [500], errors
    assert re.search(path, errors[0]['uri'].split('?')[0], re.I), errors
    assert errors[0]['message']
    assert any(errors[0]['uri'] in w and '500' in w for w in result.get('warnings', [])), result.get('warnings')
    assert facts['system']['system']['serial_number'], 'the system itself is still there'
    if subset == 'storage':
        # The Storage collection is gone; HPE SmartStorage still tells the controller and its drives.
        assert all(c['source'] == 'smart_storage' for c in facts['system']['storage']['controllers'])
    assert partial(facts['system'], facts), facts


def test_the_system_itself_is_essential(simulators):
    fleet = fresh(simulators('ilo5'))
    fleet.ilos[0].add_fault({'kind': 'http_500', 'count': -1, 'match': {'method': 'GET', 'path': r'systems/?$'}})
    try:
        result = run_module('ilo_facts', connection(fleet, gather_subset=['min'], retries=1))
    finally:
        fleet.ilos[0].clear_faults()
    assert result.get('failed') and 'crash' not in result, result
    assert result['error']['status'] == 500, result['error']
