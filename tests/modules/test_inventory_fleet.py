# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lightsout.ilo.ilo inventory plugin against simulated fleets, in this process (issue 21).

A mixed fleet (iLO 4, a COUNT fleet of iLO 5, iLO 6, iLO 7, a DMTF Redfish service, a TLS web server that
is not Redfish, a plain-HTTP port, a closed port) is grouped by generation and model and the non-iLOs are
skipped; the fingerprint sends one unauthenticated GET per address and no credential; ``facts`` reads with one
session per iLO, always deleted; a cache hit sends nothing and the cache holds no secret; the real iLO trees
of ../shared are grouped by their own product names; a COUNT fleet checks the pool at scale. One
``ansible-inventory --list`` run proves the plugin loads as a real plugin.
"""

from __future__ import annotations

import glob
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading

import pytest
import requests

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, SHARED, ansible_env, fresh, open_sessions, require_shared  # pylint: disable=import-error
from invkit import groups_of, hostvars, plugin_module, run_inventory, write_config  # pylint: disable=import-error

from ansible.utils.display import Display

USER, PASSWORD = 'Administrator', 'password'
DMTF = os.path.join(SHARED, 'redfish-mockups', 'dmtf-public-rackmount1')


def netloc(url):
    return url.split('://', 1)[1]


def name_of(url):
    """The address name the plugin gives a simulator it could not name otherwise: ``127.0.0.1_<port>``."""
    return netloc(url).replace(':', '_')


def total_requests(*fleets):
    return sum(ilo.requests()['total'] for fleet in fleets for ilo in fleet.ilos)


def methods(*fleets):
    found = {}
    for fleet in fleets:
        for ilo in fleet.ilos:
            for method, count in ilo.requests()['by_method'].items():
                found[method] = found.get(method, 0) + count
    return found


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # pylint: disable=invalid-name
        body = b'<html><body>not a BMC</body></html>'
        self.send_response(200)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@pytest.fixture
def web_servers(simulators):
    """(https url of a TLS web server that is not Redfish, http-only port as host:port, a closed port)."""
    ca_dir = os.path.dirname(simulators('ilo5').ca_path)
    servers = []
    for tls in (True, False):
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Quiet)
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(os.path.join(ca_dir, 'server.pem'), os.path.join(ca_dir, 'server.key'))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    closed = http.server.HTTPServer(('127.0.0.1', 0), _Quiet)
    closed_port = closed.server_address[1]
    closed.server_close()
    yield ['127.0.0.1:%d' % s.server_address[1] for s in servers] + ['127.0.0.1:%d' % closed_port]
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def verbose(monkeypatch):
    display = Display()
    monkeypatch.setattr(display, 'verbosity', 3)
    return display


@pytest.fixture
def no_ilo_env(monkeypatch):
    for name in ('ILO_USERNAME', 'ILO_PASSWORD', 'ILO_CA_PATH', 'ILO_VALIDATE_CERTS', 'ILO_HOST'):
        monkeypatch.delenv(name, raising=False)


def mixed(simulators):
    fleets = {gen: fresh(simulators(gen, count=3 if gen == 'ilo5' else 1)) for gen in ('ilo4', 'ilo5', 'ilo6', 'ilo7')}
    return fleets


def test_mixed_fleet_is_grouped_and_non_ilos_are_skipped(simulators, web_servers, tmp_path, capsys, verbose, no_ilo_env):  # pylint: disable=redefined-outer-name,unused-argument
    fleets = mixed(simulators)
    dmtf = fresh(simulators('mockup:' + require_shared(DMTF)))
    tls_web, plain_web, closed = web_servers
    hosts = [netloc(u) for f in fleets.values() for u in f.urls] + [netloc(dmtf.urls[0]), tls_web, plain_web, closed]
    path = write_config(tmp_path / 'fleet.ilo.yml', hosts=hosts, ca_path=fleets['ilo5'].ca_path,
                        keyed_groups=[{'key': 'ilo_firmware', 'prefix': 'firmware'}],
                        groups={'ilo5_below_3': "ilo_generation == 5 and ilo_firmware is version('3.0', '<')",
                                'modern': 'ilo_generation >= 6'},
                        compose={'ilo_short': 'ilo_manager_type | lower | replace(" ", "")'})
    inventory, _plugin = run_inventory(path)
    groups = groups_of(inventory)
    ilo5_names = sorted(name_of(u) for u in fleets['ilo5'].urls)  # the COUNT fleet shares one FQDN and host name
    named = dict((gen, hostvars(inventory, groups[gen][0])) for gen in ('ilo4', 'ilo6', 'ilo7'))
    assert groups['ilo5'] == ilo5_names
    for gen in ('ilo4', 'ilo6', 'ilo7'):
        assert len(groups[gen]) == 1 and named[gen]['ansible_host'] == netloc(fleets[gen].urls[0])
        assert groups[gen][0] == named[gen]['ilo_fqdn'], 'a unique FQDN names the host'
    assert sorted(groups['ilo']) == sorted(ilo5_names + [groups[g][0] for g in ('ilo4', 'ilo6', 'ilo7')])
    assert groups['ilo_model_hpe_proliant_compute_dl360_gen12'] == groups['ilo7']
    assert groups['modern'] == sorted(groups['ilo6'] + groups['ilo7'])
    assert 'ilo5_below_3' not in groups  # the simulated iLO 5 runs 3.x
    assert groups['firmware_' + named['ilo7']['ilo_firmware'].replace('.', '_')] == groups['ilo7']
    assert named['ilo7']['ilo_short'] == 'ilo7' and named['ilo4']['ilo_generation'] == 4
    assert len(inventory.hosts) == 6, sorted(inventory.hosts)
    # the fingerprint is one unauthenticated GET of the service root per address: no credential, no session
    assert methods(*fleets.values()) == {'GET': 6}
    assert total_requests(dmtf) == 1
    out = capsys.readouterr().out
    assert 'lightsout.ilo.ilo: probed 10 address(es) in ' in out
    assert '6 iLO(s) found, 3 skipped (not an iLO), 1 failed (1 unreachable).' in out
    assert 'a Redfish service that is not an HPE iLO' in out and 'does not speak TLS' in out and 'is not JSON' in out


def test_facts_min_one_session_per_ilo_always_deleted(simulators, tmp_path, monkeypatch, no_ilo_env):  # pylint: disable=redefined-outer-name,unused-argument
    fleets = mixed(simulators)
    monkeypatch.setenv('ILO_USERNAME', USER)
    monkeypatch.setenv('ILO_PASSWORD', PASSWORD)
    hosts = [netloc(u) for f in fleets.values() for u in f.urls]
    path = write_config(tmp_path / 'facts.ilo.yml', hosts=hosts, ca_path=fleets['ilo5'].ca_path, facts='min',
                        hostname_from=['serial', 'address'], groups={'on': "ilo_power_state == 'on'"})
    inventory, _plugin = run_inventory(path)
    for fleet in fleets.values():
        for url, ilo in zip(fleet.urls, fleet.ilos):
            system = requests.get(url + '/redfish/v1/Systems/1/', auth=(USER, PASSWORD), verify=fleet.ca_path, timeout=10).json()
            by_endpoint = ilo.requests()['by_endpoint']
            logins = sum(n for k, n in by_endpoint.items() if k.startswith('POST ') and 'sessions' in k)
            logouts = sum(n for k, n in by_endpoint.items() if k.startswith('DELETE ') and 'sessions' in k)
            assert (logins, logouts) == (1, 1), by_endpoint
            matches = [h for h in inventory.hosts.values() if h.vars['ansible_host'] == netloc(url)]
            assert len(matches) == 1
            variables = matches[0].vars
            assert variables['ilo_serial'] == system['SerialNumber'] and variables['ilo_facts']['system']['system']['serial_number'] == system['SerialNumber']
            assert variables['ilo_facts']['gather_subset'] == ['system']
            assert variables['ilo_power_state'] == system['PowerState'].lower()
    assert sum(open_sessions(f) for f in fleets.values()) == 0
    # a COUNT fleet shares one serial: those iLOs are named by address, the others by serial
    assert sorted(h for h in inventory.hosts if '_' in h) == sorted(name_of(u) for u in fleets['ilo5'].urls)
    assert len(inventory.hosts) == 6 and len(groups_of(inventory)['on']) == 6


def test_facts_with_a_wrong_password_keep_the_host_and_say_why(simulators, tmp_path, no_ilo_env):  # pylint: disable=redefined-outer-name,unused-argument
    fleet = fresh(simulators('ilo6'))
    path = write_config(tmp_path / 'wrong.ilo.yml', hosts=[netloc(fleet.urls[0])], ca_path=fleet.ca_path, facts=['min'],
                        username=USER, password='wrong-password', hostname_from=['address'])
    inventory, _plugin = run_inventory(path)
    variables = hostvars(inventory, name_of(fleet.urls[0]))
    assert variables['ilo_generation'] == 6 and variables['ilo_facts'] is None
    assert 'Login to' in variables['ilo_facts_error'] and 'wrong-password' not in json.dumps(variables)
    assert open_sessions(fleet) == 0


def test_cache_hit_sends_nothing_and_holds_no_secret(simulators, tmp_path, monkeypatch, no_ilo_env):  # pylint: disable=redefined-outer-name,unused-argument
    fleet = fresh(simulators('ilo5', count=3))
    client_class = plugin_module().RedfishClient
    login = client_class.login
    tokens = []

    def recorded(self):
        session = login(self)
        tokens.append(session['token'])
        return session

    monkeypatch.setattr(client_class, 'login', recorded)
    cache_dir = tmp_path / 'cache'
    options = dict(hosts=[netloc(u) for u in fleet.urls], ca_path=fleet.ca_path, facts=['min'], username=USER, password=PASSWORD,
                   cache=True, cache_plugin='jsonfile', cache_connection=str(cache_dir), cache_timeout=600)
    path = write_config(tmp_path / 'cached.ilo.yml', **options)
    first, _plugin = run_inventory(path)
    sent = total_requests(fleet)
    assert sent > 3 and open_sessions(fleet) == 0
    second, _plugin = run_inventory(path)
    assert total_requests(fleet) == sent, 'a cache hit sends no request'
    assert groups_of(second) == groups_of(first)
    assert dict((h, hostvars(second, h)) for h in second.hosts) == dict((h, hostvars(first, h)) for h in first.hosts)
    files = glob.glob(str(cache_dir / '*'))
    assert len(files) == 1
    text = open(files[0], encoding='utf-8').read()  # pylint: disable=consider-using-with
    assert len(tokens) == 3 and all(len(t) >= 16 for t in tokens)
    assert PASSWORD not in text and USER not in text and not any(t in text for t in tokens)
    assert 'serial_number' in text  # the facts are cached
    # refresh (cache=False: what --flush-cache does) reads again; other facts are a miss, not stale data
    run_inventory(path, cache=False)
    assert total_requests(fleet) > sent
    sent = total_requests(fleet)
    write_config(tmp_path / 'cached.ilo.yml', **dict(options, facts=['min', 'firmware']))
    third, _plugin = run_inventory(path)
    assert total_requests(fleet) > sent and 'firmware' in third.get_host(sorted(third.hosts)[0]).vars['ilo_facts']['gather_subset']


def test_real_trees_are_grouped_by_their_own_product(simulators, tmp_path, no_ilo_env):  # pylint: disable=redefined-outer-name,unused-argument
    trees = [require_shared(p) for p in (ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, DMTF)]
    fleets = [fresh(simulators('mockup:' + p)) for p in trees]
    path = write_config(tmp_path / 'real.ilo.yml', hosts=[netloc(f.urls[0]) for f in fleets], ca_path=fleets[0].ca_path,
                        hostname_from=['hostname', 'address'])
    inventory, _plugin = run_inventory(path)
    groups = groups_of(inventory)
    for tree, gen in zip(trees[:3], (5, 6, 7)):
        with open(os.path.join(tree, 'redfish', 'v1', 'index.json'), encoding='utf-8') as handle:
            root = json.load(handle)
        manager = root['Oem']['Hpe']['Manager'][0]
        assert groups['ilo%d' % gen] == [manager['HostName']]
        variables = hostvars(inventory, manager['HostName'])
        assert (variables['ilo_firmware'], variables['ilo_model'], variables['ilo_uuid']) == (
            manager['ManagerFirmwareVersion'], root['Product'], root['UUID'])
        model_groups = [g for g in groups if g.startswith('ilo_model_') and manager['HostName'] in groups[g]]
        assert len(model_groups) == 1 and 'gen%d' % (gen + 5) in model_groups[0]
    assert len(inventory.hosts) == 3 and total_requests(*fleets) == 4


def test_count_fleet_at_scale_on_a_bounded_pool(simulators, tmp_path, no_ilo_env):  # pylint: disable=redefined-outer-name,unused-argument
    fleet = fresh(simulators('ilo6', count=100))
    peak = []
    module = plugin_module()
    original = module.Scan._fingerprint  # pylint: disable=protected-access
    busy = []
    lock = threading.Lock()

    def counted(self, target, client):
        with lock:
            busy.append(1)
            peak.append(len(busy))
        try:
            return original(self, target, client)
        finally:
            with lock:
                busy.pop()

    module.Scan._fingerprint = counted  # pylint: disable=protected-access
    try:
        path = write_config(tmp_path / 'big.ilo.yml', hosts=[netloc(u) for u in fleet.urls], ca_path=fleet.ca_path, concurrency=16)
        inventory, _plugin = run_inventory(path)
    finally:
        module.Scan._fingerprint = original  # pylint: disable=protected-access
    assert len(groups_of(inventory)['ilo6']) == 100 and max(peak) <= 16
    assert all(ilo.requests()['total'] == 1 for ilo in fleet.ilos)


def test_ansible_inventory_loads_the_plugin(simulators, tmp_path):
    """The one subprocess: ansible-inventory --list -v over a small mixed fleet, as a user runs it."""
    fleets = [fresh(simulators(gen)) for gen in ('ilo5', 'ilo7')]
    path = write_config(tmp_path / 'cli.ilo.yml', hosts=[netloc(f.urls[0]) for f in fleets], hostname_from=['address'])
    env = ansible_env(tmp_path, ILO_CA_PATH=fleets[0].ca_path)
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', path, '--list', '-v'],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    listing = json.loads(result.stdout[result.stdout.index('{'):])
    names = [name_of(f.urls[0]) for f in fleets]
    assert listing['ilo5']['hosts'] == [names[0]] and listing['ilo7']['hosts'] == [names[1]]
    assert sorted(listing['ilo']['hosts']) == sorted(names)
    assert listing['_meta']['hostvars'][names[1]]['ilo_generation'] == 7
    assert '2 iLO(s) found, 0 skipped' in result.stdout + result.stderr
