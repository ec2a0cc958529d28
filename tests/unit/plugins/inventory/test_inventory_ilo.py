# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lightsout.ilo.ilo inventory plugin without a network: sources, the fingerprint of real service roots,
host names and their collisions, group names, and options refused before any probe."""

from __future__ import annotations

import glob
import json
import os
import re

import pytest

from ansible.errors import AnsibleParserError

from ilotest import SHARED, shared_missing  # pylint: disable=import-error
from invkit import controller_side, plugin_module, run_inventory, write_config  # pylint: disable=import-error

inv = plugin_module()


@pytest.fixture(autouse=True)
def _as_controller():
    """The plugin runs as ansible-core's controller; the module tests sharing this worker do not (invkit.controller_side)."""
    with controller_side():
        yield


# Every service root in ../shared: the three emulator trees, the iLO 5 1.30 capture, HPE's documented
# iLO 5 2.10 root, and the DMTF sample services (Redfish, not iLO).
ROOTS = sorted(glob.glob(os.path.join(SHARED, 'ilo-mockups', '*', 'redfish', 'v1', 'index.json'))
               + glob.glob(os.path.join(SHARED, 'ilo-mockups', 'ilo5-captures-with-headers', 'init__root_response.json'))
               + glob.glob(os.path.join(SHARED, 'ilo-mockups', 'hpe-docs-examples', '*serviceroot*.json'))
               + glob.glob(os.path.join(SHARED, 'redfish-mockups', '*', 'redfish', 'v1', 'index.json')))
GROUP = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def names(targets):
    return [t.url for t in targets]


# ------------------------------------------------------------------ sources

def test_hosts_take_the_default_port_networks_their_host_addresses_in_order():
    targets = inv.expand_sources(['ilo-a.example.net', '10.0.0.9:8443', 'https://[2001:db8::5]', '10.0.0.9:8443', 'ILO-A.example.net'],
                                 ['192.0.2.0/30', '192.0.2.8/32', '2001:db8::10/127'], [], 443)
    assert names(targets) == ['https://ilo-a.example.net:443', 'https://10.0.0.9:8443', 'https://[2001:db8::5]:443',
                              'https://192.0.2.1:443', 'https://192.0.2.2:443', 'https://192.0.2.8:443',
                              'https://[2001:db8::10]:443', 'https://[2001:db8::11]:443']
    assert [t.name for t in targets[:3]] == ['ilo-a.example.net', '10.0.0.9_8443', '2001:db8::5']
    assert [t.netloc for t in targets[:3]] == ['ilo-a.example.net', '10.0.0.9:8443', '[2001:db8::5]']
    assert names(inv.expand_sources(['2001:db8::7', '[2001:db8::7]:443', 'fe80::1'], [], [], 443)) == [
        'https://[2001:db8::7]:443', 'https://[fe80::1]:443']
    other_port = inv.expand_sources(['ilo-b'], ['192.0.2.4/31'], [], 8443)
    assert names(other_port) == ['https://ilo-b:8443', 'https://192.0.2.4:8443', 'https://192.0.2.5:8443']
    assert [t.name for t in other_port] == ['ilo-b_8443', '192.0.2.4_8443', '192.0.2.5_8443']


def test_exclude_takes_addresses_and_networks_out_of_both_sources():
    targets = inv.expand_sources(['10.1.0.7', '10.1.0.8'], ['10.1.0.0/28'], ['10.1.0.8', '10.1.0.0/30', '10.1.0.12/30'], 443)
    assert [t.host for t in targets] == ['10.1.0.7', '10.1.0.4', '10.1.0.5', '10.1.0.6', '10.1.0.9', '10.1.0.10', '10.1.0.11']


def test_a_network_larger_than_the_cap_is_refused_before_anything():
    assert inv.MAX_ADDRESSES == 65536
    with pytest.raises(AnsibleParserError, match=r'networks hold 131072 addresses; one inventory source scans at most 65536 \(a /16\)'):
        inv.expand_sources([], ['10.0.0.0/15'], [], 443)
    with pytest.raises(AnsibleParserError, match='at most 65536'):
        inv.expand_sources([], ['2001:db8::/64'], [], 443)
    with pytest.raises(AnsibleParserError, match='networks hold 48 addresses; one inventory source scans at most 32'):
        inv.expand_sources([], ['10.0.0.0/27', '10.0.1.0/28'], [], 443, limit=32)
    assert len(inv.expand_sources([], ['10.0.0.0/27'], [], 443, limit=32)) == 30


@pytest.mark.parametrize('hosts,networks,exclude,port,message', [
    ([], ['10.0.0.0/33'], [], 443, r"networks: '10.0.0.0/33' is not an address or a network in CIDR notation"),
    ([], ['ilo.example.net'], [], 443, r"networks: 'ilo.example.net' is not an address"),
    ([], [], ['10.0.0.x'], 443, r"exclude: '10.0.0.x' is not an address"),
    (['https://admin:secret@10.0.0.1'], [], [], 443, 'Do not put credentials in hostname'),
    (['10.0.0.1/redfish'], [], [], 443, 'without a path'),
    (['ftp://10.0.0.1'], [], [], 443, "has scheme 'ftp'"),
    (['10.0.0.1'], [], [], 0, 'port must be between 1 and 65535, not 0'),
])
def test_bad_sources_are_refused_with_a_sentence(hosts, networks, exclude, port, message):
    with pytest.raises(AnsibleParserError, match=message) as caught:
        inv.expand_sources(hosts, networks, exclude, port)
    assert 'secret' not in str(caught.value)


# ------------------------------------------------------------------ fingerprint

def raw_expectation(root):
    """What the root says, read here without the plugin's code: the HPE block, its first manager, the generation's digit."""
    oem = root.get('Oem') or {}
    block = oem.get('Hpe') or oem.get('Hp')
    if not block:
        return None
    manager = block['Manager'][0]
    return {'generation': int(manager['ManagerType'].split()[-1]), 'firmware': manager['ManagerFirmwareVersion'],
            'model': root.get('Product'), 'uuid': root['UUID'], 'hostname': manager.get('HostName'), 'fqdn': manager.get('FQDN')}


@pytest.mark.skipif(not ROOTS, reason=shared_missing(SHARED) or 'no service roots under ../shared')
@pytest.mark.parametrize('path', ROOTS or ['none'], ids=lambda p: os.path.relpath(p, SHARED).split(os.sep)[1])
def test_fingerprint_of_every_real_service_root(path):
    with open(path, encoding='utf-8') as handle:
        root = json.load(handle)
    kind, found = inv.fingerprint(root)
    expected = raw_expectation(root)
    if expected is None:
        assert (kind, found) == ('redfish', None)
        return
    assert kind == 'ilo'
    assert {k: found[k] for k in expected} == expected
    assert found['manager_type'] == 'iLO %d' % expected['generation']
    groups = inv.default_groups(dict(found))
    assert groups[:2] == ['ilo', 'ilo%d' % expected['generation']] and all(GROUP.match(g) for g in groups)
    if expected['model']:
        assert groups[2] == 'ilo_model_' + re.sub('[^a-z0-9]+', '_', expected['model'].lower()).strip('_')


def test_fingerprint_of_the_simulated_ilo4_root():
    from ilosim.profiles import build  # pylint: disable=import-outside-toplevel
    tree = build('ilo4')
    kind, found = inv.fingerprint(tree['/redfish/v1/'])
    assert kind == 'ilo' and found['generation'] == 4 and found['manager_type'] == 'iLO 4'


@pytest.mark.parametrize('root,kind', [
    ('<html>', 'other'), ([], 'other'), ({}, 'other'), ({'status': 'ok'}, 'other'),
    ({'RedfishVersion': '1.6.0', 'Oem': {'Contoso': {}}}, 'redfish'),
    ({'RedfishVersion': '1.6.0', 'Oem': ['Hpe']}, 'redfish'),
    ({'@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot', 'Oem': {'Hpe': {'Manager': 'iLO 5'}}}, 'redfish'),
])
def test_what_is_not_an_ilo(root, kind):
    assert inv.fingerprint(root) == (kind, None)


def test_fingerprint_text_from_a_hostile_root_is_bounded_and_printable():
    root = {'RedfishVersion': '1.6.0', 'Product': 'DL380 Gen10\n\x1b[31m' + 'x' * 5000, 'UUID': {'a': 1},
            'Oem': {'Hpe': {'Manager': [{'ManagerType': 'iLO 5', 'ManagerFirmwareVersion': ['2.90'],
                                         'HostName': 'db01; rm -rf', 'Status': {'Health': 'Critical'}}]}}}
    kind, found = inv.fingerprint(root)
    assert kind == 'ilo' and found['generation'] == 5 and found['firmware'] is None and found['uuid'] is None
    assert found['health'] == 'critical'
    assert len(found['model']) <= 258 and '\n' not in found['model'] and '\x1b' not in found['model']
    assert inv.candidate(dict(found, name='10.0.0.1'), 'hostname') is None


# ------------------------------------------------------------------ names and groups

def record(name, **values):
    base = {'name': name, 'fqdn': None, 'hostname': None, 'uuid': None, 'serial': None}
    base.update(values)
    return base


def test_names_take_the_first_unique_choice_and_collisions_fall_through():
    records = [
        record('10.0.0.1', fqdn='ilo-a.example.net', hostname='ILOA'),
        record('10.0.0.2', fqdn='dup.example.net', hostname='ILOB'),
        record('10.0.0.3', fqdn='DUP.example.net', hostname='ILOC'),   # same FQDN as .2 (case-insensitive)
        record('10.0.0.4', fqdn=None, hostname='ILOD'),
        record('10.0.0.5', fqdn='10.0.0.1', hostname='ILOA'),         # claims another host's address and .1's host name
        record('10.0.0.6', fqdn='localhost', hostname='bad name'),
        record('10.0.0.7', fqdn='taken.example.net'),                 # already a host of another source
    ]
    expected = {'10.0.0.1': 'ilo-a.example.net', '10.0.0.2': 'ILOB', '10.0.0.3': 'ILOC', '10.0.0.4': 'ILOD',
                '10.0.0.5': '10.0.0.5', '10.0.0.6': '10.0.0.6', '10.0.0.7': '10.0.0.7'}
    assert inv.assign_names(records, ['fqdn', 'hostname', 'address'], taken={'taken.example.net'}) == expected
    assert inv.assign_names(list(reversed(records)), ['fqdn', 'hostname'], taken={'taken.example.net'}) == expected
    assert inv.assign_names(records, ['address', 'fqdn']) == dict((r['name'], r['name']) for r in records)
    assert inv.assign_names([record('10.0.0.9', serial='MXQ123'), record('10.0.0.8')], ['serial']) == {
        '10.0.0.9': 'MXQ123', '10.0.0.8': '10.0.0.8'}


@pytest.mark.parametrize('name,valid', [
    ('ILOMXQ2390RHW', True), ('ds03-worker-node-ilo.ds09.vcfmr.local', True), ('a', True),
    ('10.0.0.1', False), ('::1', False), ('localhost', False), ('LOCALHOST.localdomain', False), ('', False),
    ('-x', False), ('a b', False), ('{{ lookup("pipe", "id") }}', False), ('x' * 254, False), (None, False),
])
def test_valid_host_names(name, valid):
    assert inv.valid_host_name(name) is valid


@pytest.mark.parametrize('model,group', [
    ('ProLiant DL360 Gen10 Plus', 'ilo_model_proliant_dl360_gen10_plus'),
    ('HPE ProLiant Compute DL360 Gen12', 'ilo_model_hpe_proliant_compute_dl360_gen12'),
    ('ProLiant DL380a Gen11 -- SIMULATED', 'ilo_model_proliant_dl380a_gen11_simulated'),
    ('Synergy 480 Gen10/Gen10+', 'ilo_model_synergy_480_gen10_gen10'),
])
def test_model_groups_are_valid_group_names(model, group):
    groups = inv.default_groups({'generation': 12 if 'Gen12' in model else 5, 'model': model})
    assert groups[2] == group and all(GROUP.match(g) for g in groups)


def test_a_record_without_model_or_generation_is_only_in_ilo():
    assert inv.default_groups({'generation': None, 'model': None}) == ['ilo']


# ------------------------------------------------------------------ options refused before any probe

@pytest.mark.parametrize('options,message', [
    ({'hosts': ['127.0.0.1:9'], 'concurrency': 0}, 'concurrency must be between 1 and 256, not 0'),
    ({'hosts': ['127.0.0.1:9'], 'timeout': 900}, 'timeout must be between 1 and 600, not 900'),
    ({'hosts': ['127.0.0.1:9'], 'connect_timeout': 20}, r'connect_timeout must be between 1 and timeout \(10\), not 20'),
    ({'hosts': ['127.0.0.1:9'], 'hostname_from': ['fqdn', 'mac']}, "hostname_from: unknown choice 'mac'"),
    ({'hosts': ['127.0.0.1:9'], 'facts': ['min', 'disks'], 'username': 'u', 'password': 'p'}, "facts: unknown subset 'disks'"),
    ({'hosts': ['127.0.0.1:9'], 'facts': 'min'}, 'facts needs credentials: set username and password'),
    ({'hosts': ['127.0.0.1:9'], 'ca_path': '/nonexistent/ca.pem'}, 'ca_path /nonexistent/ca.pem does not exist'),
    ({'networks': ['10.0.0.0/8']}, 'networks hold 16777216 addresses'),
    ({'hosts': ['10.0.0.1'], 'exclude': ['10.0.0.0/24']}, 'Nothing to probe'),
    ({'hosts': ['127.0.0.1:9'], 'auth': 'digest'}, 'digest'),
])
def test_bad_options_fail_clearly_before_any_probe(tmp_path, monkeypatch, options, message):
    for name in ('ILO_USERNAME', 'ILO_PASSWORD', 'ILO_CA_PATH', 'ILO_VALIDATE_CERTS'):
        monkeypatch.delenv(name, raising=False)
    probed = []

    def run(scan):
        probed.append(scan)

    monkeypatch.setattr(inv.Scan, 'run', run)
    path = write_config(tmp_path / 'bad.ilo.yml', **options)
    with pytest.raises(Exception, match=message):
        run_inventory(path)
    assert not probed


def test_only_ilo_yml_files_are_claimed(tmp_path):
    from invkit import new_plugin  # pylint: disable=import-outside-toplevel,import-error
    plugin = new_plugin()
    for name, claimed in (('fleet.ilo.yml', True), ('fleet.ilo.yaml', True), ('fleet.yml', False), ('ilo.yml', False)):
        (tmp_path / name).write_text('plugin: lightsout.ilo.ilo\n', encoding='utf-8')
        assert plugin.verify_file(str(tmp_path / name)) is claimed, name


# ------------------------------------------------------------------ populate (the scan replaced by records)

def fake_record(name, **values):
    found = {'generation': 5, 'manager_type': 'iLO 5', 'firmware': '2.78', 'model': 'ProLiant DL380 Gen10', 'uuid': None,
             'hostname': None, 'fqdn': None, 'health': 'ok', 'redfish_version': '1.6.0'}
    found.update({'name': name, 'url': 'https://%s:443' % name, 'address': name, 'port': 443, 'ansible_host': name,
                  'serial': None, 'server_health': None, 'power_state': None, 'facts': None, 'facts_error': None})
    found.update(values)
    return found


def populate(tmp_path, monkeypatch, records, inventory=None, **options):
    monkeypatch.setattr(inv.InventoryModule, '_scan', lambda self, settings: {'hosts': records})
    path = write_config(tmp_path / 'fake.ilo.yml', hosts=[r['name'] for r in records], **options)
    return run_inventory(path, inventory=inventory)[0]


def test_a_name_another_source_has_is_not_taken(tmp_path, monkeypatch):
    from ansible.inventory.data import InventoryData  # pylint: disable=import-outside-toplevel
    inventory = InventoryData()
    inventory.add_host('db01-ilo.example.net')  # from a static inventory read before this source
    records = [fake_record('10.0.0.1', fqdn='db01-ilo.example.net', hostname='ILOA'), fake_record('10.0.0.2', fqdn='web01-ilo.example.net')]
    inventory = populate(tmp_path, monkeypatch, records, inventory=inventory)
    assert sorted(inventory.hosts) == ['ILOA', 'db01-ilo.example.net', 'web01-ilo.example.net']
    assert not [k for k in inventory.get_host('db01-ilo.example.net').vars if k.startswith(('ilo_', 'ansible_'))], 'left alone'
    assert inventory.get_host('ILOA').vars['ansible_host'] == '10.0.0.1'


def test_compose_and_groups_are_strict_only_when_asked(tmp_path, monkeypatch):
    records = [fake_record('10.0.0.1', generation=5, firmware='2.78'), fake_record('10.0.0.2', generation=6, firmware='1.66')]
    groups = {'ilo5_below_2_90': "ilo_generation == 5 and ilo_firmware is version('2.90', '<')", 'broken': 'no_such_var > 1'}
    inventory = populate(tmp_path, monkeypatch, records, groups=groups, compose={'bad': 'no_such_var + 1'}, default_groups=False)
    assert [h.name for h in inventory.groups['ilo5_below_2_90'].get_hosts()] == ['10.0.0.1']
    assert 'ilo' not in inventory.groups and 'ilo5' not in inventory.groups
    assert 'bad' not in inventory.get_host('10.0.0.1').vars
    with pytest.raises(Exception, match='no_such_var'):
        populate(tmp_path, monkeypatch, records, compose={'bad': 'no_such_var + 1'}, strict=True)


def test_the_docs_page_lists_every_option():
    """docs/inventory.md's option table names exactly the plugin's own options (the fragments' are linked)."""
    import yaml  # pylint: disable=import-outside-toplevel
    from ilotest import ROOT  # pylint: disable=import-outside-toplevel,import-error
    options = set(yaml.safe_load(inv.DOCUMENTATION)['options'])
    with open(os.path.join(ROOT, 'docs', 'inventory.md'), encoding='utf-8') as handle:
        text = handle.read()
    table = text.split('## Options', 1)[1].split('\n## ', 1)[0]
    listed = set(re.findall(r'^\| `([a-z_]+)` \|', table, re.M))
    assert listed == options


def test_tls_context_is_shared_only_where_it_verifies_like_requests(tmp_path):
    """tls_context: a context for a CA file or directory; None (each client as before) without verification, for a
    path that does not exist, or for a file that holds no certificate."""
    import ssl  # pylint: disable=import-outside-toplevel
    module = plugin_module()
    assert module.tls_context(False) is None
    assert module.tls_context(str(tmp_path / 'missing.pem')) is None
    junk = tmp_path / 'junk.pem'
    junk.write_text('not a certificate\n', encoding='utf-8')
    assert module.tls_context(str(junk)) is None
    empty_dir = tmp_path / 'certs'
    empty_dir.mkdir()
    context = module.tls_context(str(empty_dir))
    assert context is not None and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    context = module.tls_context(True)  # requests' default bundle
    assert context is not None and context.cert_store_stats()['x509_ca'] > 10
