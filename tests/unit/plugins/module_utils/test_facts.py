# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_facts gathering against the simulator: values equal the served JSON, one schema that matches
the module's RETURN documentation, and request counts (min, per subset, all)."""

from __future__ import annotations

import functools
import re

import pytest
import yaml

from ansible_collections.lightsout.ilo.plugins.module_utils.body import link_of, normalize_uri
from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.facts import (
    SUBSETS,
    Gatherer,
    resolve_subsets,
    run_query,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService
from ansible_collections.lightsout.ilo.plugins.modules import ilo_facts

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, fresh, shared_missing  # pylint: disable=import-error

MOCKUPS = {'mockup-ilo5': ILO5_MOCKUP, 'mockup-ilo6': ILO6_MOCKUP}
PROFILES = ['ilo4', 'ilo5', 'ilo6', 'moonshot'] + [name for name, path in MOCKUPS.items() if shared_missing(path) is None]


def sim_name(profile):
    return 'mockup:' + MOCKUPS[profile] if profile in MOCKUPS else profile


def served_tree(profile):
    """The tree the simulator serves, loaded independently of the code under test."""
    from ilosim import profiles  # pylint: disable=import-outside-toplevel,import-error
    tree = profiles.load(profile, MOCKUPS.get(profile))
    return dict((normalize_uri(k), v) for k, v in tree.items())


def gather(fleet, subsets=('all',), auth='basic', system_id=None, **kwargs):
    fresh(fleet)
    with RedfishClient(fleet.urls[0], username='Administrator', password='password', ca_path=fleet.ca_path,
                       auth=auth, environ={}) as client:
        gatherer = Gatherer(client, IloService(client), **kwargs)
        facts = gatherer.gather(resolve_subsets(list(subsets)), system_id=system_id)
    return facts, fleet.ilos[0].requests()


# ------------------------------------------------------------------ expected values, read from the JSON


class Tree:
    def __init__(self, tree):
        self.tree = tree

    def get(self, uri):
        return self.tree.get(normalize_uri(uri)) if uri else None

    def members(self, uri):
        body = self.get(uri) or {}
        items = body.get('Members') if 'Members' in body else (body.get('links') or {}).get('Member', [])
        return [self.get(link_of(m)) for m in items if self.get(link_of(m))]

    def root(self):
        return self.get('/redfish/v1/')

    def systems(self):
        return self.members(self.root()['Systems']['@odata.id'])

    def expected(self, system):
        out = {'model': system['Model'], 'serial': system['SerialNumber'], 'power': system['PowerState'].lower()}
        procs = self.members(system['Processors']['@odata.id'])
        out['processors'] = len([p for p in procs if p.get('Status', {}).get('State') != 'Absent'
                                 and p.get('ProcessorType', 'CPU') == 'CPU'])
        out['memory'] = system['MemorySummary']['TotalSystemMemoryGiB']
        serials = set()
        if 'Storage' in system:
            for storage in self.members(system['Storage']['@odata.id']):
                for drive in storage.get('Drives') or []:
                    body = self.get(drive['@odata.id'])
                    if body:  # a drive without a serial number is counted on its own
                        serials.add((body.get('SerialNumber') or '').strip() or drive['@odata.id'])
        oem = system.get('Oem', {}).get('Hpe') or system.get('Oem', {}).get('Hp') or {}
        smart = (oem.get('Links') or {}).get('SmartStorage', {}).get('@odata.id') or (oem.get('links') or {}).get('SmartStorage', {}).get('href')
        if smart:
            ss = self.get(smart)
            ctrls = (ss.get('Links') or {}).get('ArrayControllers', {}).get('@odata.id') or ss['links']['ArrayControllers']['href']
            for ctrl in self.members(ctrls):
                drives = (ctrl.get('Links') or {}).get('PhysicalDrives', {}).get('@odata.id') or (ctrl.get('links') or {}).get('PhysicalDrives', {}).get('href')
                serials.update(d['SerialNumber'].strip() for d in self.members(drives))
        out['drives'] = len(serials)
        bios_uri = (system.get('Bios') or {}).get('@odata.id') or oem['links']['BIOS']['href']
        bios = self.get(bios_uri)
        attributes = bios.get('Attributes') or bios
        out['bios_name'] = 'ProcHyperthreading' if 'ProcHyperthreading' in attributes else sorted(attributes)[0]
        out['bios_value'] = attributes[out['bios_name']]
        return out

    def firmware_versions(self):
        update = self.get((self.root().get('UpdateService') or {}).get('@odata.id'))
        if update:
            return sorted(m['Version'] for m in self.members(update['FirmwareInventory']['@odata.id']))
        system = self.systems()[0]
        inventory = self.get(system['Oem']['Hp']['links']['FirmwareInventory']['href'])
        return sorted(item['VersionString'] for group in inventory['Current'].values() for item in group)

    def ilo_firmware(self):
        manager = self.members(self.root()['Managers']['@odata.id'])[0]
        return manager['FirmwareVersion']


# ------------------------------------------------------------------ acceptance 1: values equal the JSON


@pytest.mark.parametrize('profile', PROFILES)
def test_all_gathering_values_schema_and_reads(profile, simulators):
    """The 'all' gathering, once per profile for every check of it (a Moonshot one is ~600 GETs): every value is
    the one the tree serves; the keys are RETURN's; no resource is read twice, and
    members come by $expand where the service advertises it."""
    facts, requests = gather(simulators(sim_name(profile)))
    check_documented(facts)
    twice = dict((k, v) for k, v in requests['by_endpoint'].items() if v > 1)
    assert not twice
    assert facts['service']['expand_supported'] == (facts['service']['generation'] in (5, 6))
    dimms = sum(e['memory']['slots'] for e in facts['systems'])
    memory_reads = sum(v for k, v in requests['by_endpoint'].items() if '/memory/' in k)
    if facts['service']['expand_supported']:
        assert memory_reads == 0 and dimms > 0
    else:
        assert memory_reads == dimms
    tree = Tree(served_tree(profile))
    systems = tree.systems()
    assert [s['id'] for s in facts['systems']] == [s['Id'] for s in systems]
    for body, entry in zip(systems, facts['systems']):
        want = tree.expected(body)
        assert entry['system']['model'] == want['model']
        assert entry['system']['serial_number'] == want['serial']
        assert entry['system']['power_state'] == want['power']
        assert entry['processors']['count'] == want['processors'] == entry['system']['processor_count']
        assert entry['memory']['total_gib'] == want['memory']
        assert entry['storage']['drive_count'] == want['drives']
        assert entry['bios']['attributes'][want['bios_name']] == want['bios_value']
        assert entry['bios']['pending'] == {}
    assert sorted(f['version'] for f in facts['firmware']) == tree.firmware_versions()
    assert facts['manager']['firmware_version'] == tree.ilo_firmware()
    assert (facts['system'] is not None) == (len(systems) == 1)


def test_pending_bios_change_is_reported(simulators):
    fleet = fresh(simulators('ilo5'))
    with RedfishClient(fleet.urls[0], username='Administrator', password='password', ca_path=fleet.ca_path,
                       auth='basic', environ={}) as client:
        client.patch('/redfish/v1/systems/1/bios/settings/', {'Attributes': {'WorkloadProfile': 'Virtualization-MaxPerformance'}})
        facts = Gatherer(client, IloService(client)).gather(['system', 'bios'])
    bios = facts['system']['bios']
    assert bios['pending'] == {'WorkloadProfile': 'Virtualization-MaxPerformance'}
    assert bios['attributes']['WorkloadProfile'] != 'Virtualization-MaxPerformance'
    assert bios['registry'].startswith('BiosAttributeRegistry')


# ------------------------------------------------------------------ acceptance 2: one schema = RETURN docs


@functools.lru_cache(maxsize=None)
def documented():
    """The ``ilo`` fact's documented keys (read-only; parsed once, with libyaml where PyYAML has it: the pure-Python
    parser took about half a second per call on this RETURN block)."""
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    return yaml.load(ilo_facts.RETURN, Loader=loader)['ansible_facts']['contains']['ilo']['contains']


FREE_FORM = {'attributes', 'pending'}


def check_schema(value, contains, path, problems):
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            check_schema(item, contains, path + '[]', problems)
        return
    if not isinstance(value, dict):
        problems.append('%s: expected a dict, got %r' % (path, value))
        return
    if set(value) != set(contains):
        problems.append('%s: keys %s undocumented, %s documented but missing' % (
            path, sorted(set(value) - set(contains)), sorted(set(contains) - set(value))))
    for key, doc in contains.items():
        if key in value and 'contains' in doc and key not in FREE_FORM:
            check_schema(value[key], doc['contains'], path + '.' + key, problems)


def key_paths(value, path=''):
    """Every dict key path of a value (list elements as ``[]``), free-form dicts not descended."""
    out = set()
    if isinstance(value, list):
        for item in value:
            out |= key_paths(item, path + '[]')
    elif isinstance(value, dict):
        for key, item in value.items():
            out.add(path + '.' + key)
            if key not in FREE_FORM:
                out |= key_paths(item, path + '.' + key)
    return out


def check_documented(facts):
    """The facts have RETURN's keys at every level (acceptance 2), and every part of an 'all' gathering is there."""
    problems = []
    check_schema(facts, documented(), 'ilo', problems)
    assert not problems, '\n'.join(problems)
    for entry in facts['systems']:
        assert all(entry[name] is not None for name in ('system', 'processors', 'memory', 'storage', 'network', 'bios', 'boot', 'logs'))
    assert all(facts[name] is not None for name in ('manager', 'firmware', 'power', 'thermal'))


def test_key_set_identical_across_generations(simulators):
    # Non-list paths must be the same everywhere; list element paths are checked against RETURN (check_documented).
    # One Moonshot cartridge stands for all 45: every one of them is checked against RETURN by the 'all' test.
    sets = {}
    for profile in PROFILES:
        facts, _requests = gather(simulators(sim_name(profile)), system_id='C1N1' if profile == 'moonshot' else None)
        # ilo.system is null on a many-system enclosure; when set it is systems[0] (same keys).
        if facts['system'] is not None:
            assert facts['system'] is facts['systems'][0]
        sets[profile] = set(p for p in key_paths(facts) if '[]' not in p.replace('.systems[]', '.systems')
                            and not p.startswith('.system.'))
    first = sets[PROFILES[0]]
    for profile, paths in sets.items():
        assert paths == first, '%s differs: %s / %s' % (profile, sorted(paths - first)[:10], sorted(first - paths)[:10])


def test_schema_checker_can_fail():
    problems = []
    check_schema({'service': {}, 'extra': 1}, documented(), 'ilo', problems)
    assert problems and 'extra' in problems[0]


# ------------------------------------------------------------------ acceptance 3: request counts


@pytest.mark.parametrize('profile', PROFILES)
def test_min_costs_at_most_four_requests(profile, simulators):
    facts, requests = gather(simulators(sim_name(profile)), subsets=['min'])
    assert requests['total'] <= 4, requests
    assert facts['gather_subset'] == ['system']
    # With a session the reads are the same; login and logout are the only extra requests.
    _facts, session_requests = gather(simulators(sim_name(profile)), subsets=['min'], auth='session')
    assert session_requests['by_method'].get('GET', 0) <= 4
    assert session_requests['total'] - session_requests['by_method'].get('GET', 0) == 2


# An endpoint pattern per subset: a subset gathered alone must not read what another subset needs.
OWN = {
    'processors': r'/processors',
    'memory': r'/memory',
    'storage': r'/storage|smartstorage|/drives',
    'network': r'ethernetinterfaces|networkadapters',
    'firmware': r'firmwareinventory|updateservice',
    'power': r'/power$',
    'thermal': r'/thermal$',
    'manager': r'licenseservice|managers/[^/]+/ethernetinterfaces',
    'bios': r'/bios',
    'boot': r'bootoptions',
    'logs': r'logservices',
    'users': r'accountservice',
}


@pytest.mark.parametrize('profile', PROFILES)
def test_each_subset_reads_only_what_it_needs(profile, simulators):
    fleet = simulators(sim_name(profile))
    for subset in SUBSETS:
        _facts, requests = gather(fleet, subsets=['min', subset] if subset != 'system' else ['min'])
        # Message registries belong to no subset: the logs subset reads them to resolve entries' MessageIds.
        endpoints = [e.split(' ', 1)[1] for e in requests['by_endpoint'] if '/registr' not in e]
        for other, pattern in OWN.items():
            if other == subset or (subset == 'manager' and other == 'network') or (subset == 'network' and other == 'manager'):
                continue
            if subset == 'logs' and other == 'manager':
                continue
            wrong = [e for e in endpoints if re.search(pattern, e) and not (subset in OWN and re.search(OWN[subset], e))]
            assert not wrong, '%s read %s (belongs to %s)' % (subset, wrong, other)
        assert max(requests['by_endpoint'].values()) == 1, requests['by_endpoint']


def test_system_id_narrows_the_reads(simulators):
    facts, requests = gather(simulators('moonshot'), subsets=['min', 'memory'], system_id='C3N1')
    assert [s['id'] for s in facts['systems']] == ['C3N1'] and facts['system']['id'] == 'C3N1'
    systems_read = set(k.split('/')[4] for k in requests['by_endpoint'] if k.startswith('GET /redfish/v1/systems/'))
    assert systems_read == {'c3n1'}


def test_unknown_system_id_is_a_clear_error(simulators):
    with pytest.raises(IloDiscoveryError, match='No system with id'):
        gather(simulators('ilo5'), subsets=['min'], system_id='nope')


# ------------------------------------------------------------------ selection and query


@pytest.mark.parametrize('requested,expected', [
    (['all'], list(SUBSETS)),
    (['min'], ['system']),
    (['!all'], ['system']),
    (['bios'], ['system', 'bios']),
    (['!logs', '!bios'], [s for s in SUBSETS if s not in ('logs', 'bios')]),
    (['all', '!firmware'], [s for s in SUBSETS if s != 'firmware']),
    (['memory', '!min'], ['memory']),
])
def test_resolve_subsets(requested, expected):
    assert resolve_subsets(requested) == expected


def test_unknown_subset_is_rejected():
    with pytest.raises(IloValidationError, match="'cpus'"):
        resolve_subsets(['cpus'])


def test_query():
    facts = {'systems': [{'id': 'a', 'system': {'power_state': 'on'}}, {'id': 'b', 'system': {'power_state': 'off'}}]}
    assert run_query("systems[?system.power_state=='off'].id", facts) == ['b']
    with pytest.raises(IloValidationError, match='not a valid jmespath'):
        run_query('systems[?', facts)
