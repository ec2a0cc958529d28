# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lightsout.ilo.ilo inventory plugin against simulated fleets, in this process (issue 21).

A mixed fleet (iLO 4, a COUNT fleet of iLO 5, iLO 6, iLO 7, a DMTF Redfish service, a TLS web server that
is not Redfish, a plain-HTTP port, a closed port) is grouped by generation and model and the non-iLOs are
skipped; the fingerprint sends one unauthenticated GET per address and no credential; ``facts`` reads with one
session per iLO, always deleted; a cache hit sends nothing and the cache holds no secret; the real iLO trees
of ../shared are grouped by their own product names; a COUNT fleet checks the pool at scale. One
``ansible-inventory --graph`` run and one ``ansible-playbook`` run whose play targets a generated group prove the
plugin loads as a real plugin and its groups work in a play.
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
import time

import pytest
import requests

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, SHARED, ansible_env, fresh, open_sessions, require_shared  # pylint: disable=import-error
from invkit import controller_side, groups_of, hostvars, plugin_module, run_inventory, write_config  # pylint: disable=import-error

USER, PASSWORD = 'Administrator', 'password'
DMTF = os.path.join(SHARED, 'redfish-mockups', 'dmtf-public-rackmount1')


@pytest.fixture(autouse=True)
def _as_controller():
    """The plugin runs as ansible-core's controller; the module tests sharing this worker do not (invkit.controller_side)."""
    with controller_side():
        yield


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


class _Web(http.server.BaseHTTPRequestHandler):
    """Not a BMC: ``mode`` html (a web page), redirect (to another server), huge (a 2 MiB JSON body)."""

    mode = 'html'

    def do_GET(self):  # pylint: disable=invalid-name
        if self.mode == 'redirect':
            self.send_response(302)
            self.send_header('Location', 'https://203.0.113.9/redfish/v1/')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        body = b'<html><body>not a BMC</body></html>' if self.mode == 'html' else b'{"x": "' + b'a' * (2 * 1024 * 1024) + b'"}'
        self.send_response(200)
        self.send_header('Content-Type', 'text/html' if self.mode == 'html' else 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def _serve(mode, certificate=None):
    handler = type('Web_' + mode, (_Web,), {'mode': mode})
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    if certificate:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    return server


@pytest.fixture
def web_servers(simulators, tmp_path):
    """host:port of what answers but is not a BMC, and of what fails: {name: host:port}."""
    from ilosim import tls  # pylint: disable=import-outside-toplevel
    ca_dir = os.path.dirname(simulators('ilo5').ca_path)
    trusted = (os.path.join(ca_dir, 'server.pem'), os.path.join(ca_dir, 'server.key'))
    untrusted = tls.ensure_certificates(str(tmp_path / 'other-ca'))[1:]
    servers = {'html': _serve('html', trusted), 'redirect': _serve('redirect', trusted), 'huge': _serve('huge', trusted),
               'plain_http': _serve('html'), 'untrusted': _serve('html', untrusted)}
    closed = http.server.HTTPServer(('127.0.0.1', 0), _Web)
    found = dict((name, '127.0.0.1:%d' % server.server_address[1]) for name, server in servers.items())
    found['closed'] = '127.0.0.1:%d' % closed.server_address[1]
    closed.server_close()
    yield found
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture
def verbose(monkeypatch):
    from ansible.utils.display import Display  # pylint: disable=import-outside-toplevel
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


@pytest.mark.usefixtures('verbose', 'no_ilo_env')
def test_mixed_fleet_is_grouped_and_non_ilos_are_skipped(simulators, web_servers, tmp_path, capsys):  # pylint: disable=redefined-outer-name
    fleets = mixed(simulators)
    dmtf = fresh(simulators('mockup:' + require_shared(DMTF)))
    hosts = [netloc(u) for f in fleets.values() for u in f.urls] + [netloc(dmtf.urls[0])] + sorted(web_servers.values())
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
    captured = capsys.readouterr()
    out = captured.out
    assert 'lightsout.ilo.ilo: probed 13 address(es) in ' in out
    assert '6 iLO(s) found, 5 skipped (not an iLO), 2 failed (1 unreachable).' in out
    skipped = dict((name, line) for name in web_servers for line in out.splitlines() if name_of('https://' + web_servers[name]) + ' skipped' in line)
    assert 'a Redfish service that is not an HPE iLO' in out
    assert sorted(skipped) == ['html', 'huge', 'plain_http', 'redirect'], out
    assert 'does not speak TLS' in skipped['plain_http'], out
    assert 'HTTP 200 but the reply cannot be used' in skipped['html'], out
    assert 'Refused the redirect' in skipped['redirect'] and '203.0.113.9' in skipped['redirect'], out
    assert 'more than the 1 MiB limit' in skipped['huge'], out
    failed = [line for line in out.splitlines() if ' failed: ' in line]
    assert any(name_of('https://' + web_servers['untrusted']) in line and 'certificate verify failed' in line for line in failed), failed
    assert any(name_of('https://' + web_servers['closed']) in line and 'could not connect' in line for line in failed), failed
    assert '7 of the hosts listed are not iLOs that answered' in captured.err
    assert 'TLS failed on 1 address(es)' in captured.err


def test_facts_min_one_session_per_ilo_always_deleted(simulators, tmp_path, monkeypatch, no_ilo_env):  # pylint: disable=redefined-outer-name,unused-argument
    fleets = mixed(simulators)
    monkeypatch.setenv('ILO_USERNAME', USER)
    monkeypatch.setenv('ILO_PASSWORD', PASSWORD)
    dmtf = fresh(simulators('mockup:' + require_shared(DMTF)))  # a Redfish service that is not an iLO: no credential for it
    hosts = [netloc(u) for f in fleets.values() for u in f.urls] + [netloc(dmtf.urls[0])]
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
    assert dmtf.ilos[0].requests()['by_method'] == {'GET': 1} and dmtf.ilos[0].session_info()['failed_logins'] == 0


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
    # past cache_timeout the cache is not used
    os.utime(files[0], (time.time() - 601, time.time() - 601))
    run_inventory(path)
    assert total_requests(fleet) > sent
    sent = total_requests(fleet)
    # refresh (cache=False: what --flush-cache does) reads again; other facts are a miss, not stale data
    run_inventory(path, cache=False)
    assert total_requests(fleet) > sent
    sent = total_requests(fleet)
    options['facts'] = ['min', 'firmware']
    write_config(tmp_path / 'cached.ilo.yml', **options)
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

    contexts = []
    tls_context = module.tls_context

    def built(verify):
        contexts.append((verify, tls_context(verify)))
        return contexts[-1][1]

    adapters = []
    share = module.Scan._share_tls  # pylint: disable=protected-access

    def shared(self, client):
        share(self, client)
        adapters.append(client.http.get_adapter(client.base_url))

    module.Scan._fingerprint = counted  # pylint: disable=protected-access
    module.Scan._share_tls = shared  # pylint: disable=protected-access
    module.tls_context = built
    try:
        path = write_config(tmp_path / 'big.ilo.yml', hosts=[netloc(u) for u in fleet.urls], ca_path=fleet.ca_path, concurrency=16)
        inventory, _plugin = run_inventory(path)
    finally:
        module.Scan._fingerprint = original  # pylint: disable=protected-access
        module.Scan._share_tls = share  # pylint: disable=protected-access
        module.tls_context = tls_context
    assert len(groups_of(inventory)['ilo6']) == 100 and max(peak) <= 16
    assert all(ilo.requests()['total'] == 1 for ilo in fleet.ilos)
    # one TLS context (CA file loaded once) for the 100 clients, verifying as requests would: CA and host name
    assert len(contexts) == 1 and contexts[0][0] == fleet.ca_path
    context = contexts[0][1]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert len(adapters) == 100 and all(a.shared_context is context for a in adapters)


def test_ansible_inventory_loads_the_plugin(simulators, tmp_path):
    """The two subprocesses, as a user runs them over a small mixed fleet: ``ansible-inventory --graph --vars -v``,
    then one ``ansible-playbook`` whose play targets a generated group (``hosts: ilo5``) and checks, on the
    controller only (connection local, no facts, assert tasks: no module process), the host variables and the
    exact membership of the generated groups."""
    fleets = [fresh(simulators(gen)) for gen in ('ilo5', 'ilo7')]
    path = write_config(tmp_path / 'cli.ilo.yml', hosts=[netloc(f.urls[0]) for f in fleets], hostname_from=['address'],
                        groups={'modern': 'ilo_generation >= 6'})
    env = ansible_env(tmp_path, ILO_CA_PATH=fleets[0].ca_path)
    bindir = os.path.dirname(sys.executable)
    names = [name_of(f.urls[0]) for f in fleets]
    result = subprocess.run([os.path.join(bindir, 'ansible-inventory'), '-i', path, '--graph', '--vars', '-v'],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '2 iLO(s) found, 0 skipped' in result.stdout + result.stderr
    graph = result.stdout[result.stdout.index('@all:'):].splitlines()

    def members(group):
        """The hosts right under ``@group:`` in the graph (one level deeper, not its {vars} lines)."""
        at = [i for i, line in enumerate(graph) if line.strip('|-  ') == '@%s:' % group]
        assert len(at) == 1, (group, graph)
        depth = len(graph[at[0]]) - len(graph[at[0]].lstrip('|-  '))
        found = []
        for line in graph[at[0] + 1:]:
            indent = len(line) - len(line.lstrip('|-  '))
            if indent <= depth:
                break
            text = line.strip('|-  ')
            if indent == depth + 3 and not text.startswith('{') and not text.startswith('@'):
                found.append(text)
        return sorted(found)

    assert members('ilo5') == [names[0]] and members('ilo7') == [names[1]] and members('modern') == [names[1]]
    assert members('ilo') == sorted(names)
    assert '{ilo_generation = 7}' in result.stdout and '{ilo_generation = 5}' in result.stdout, result.stdout
    book = tmp_path / 'groups.yml'
    book.write_text(json.dumps([{
        'hosts': 'ilo5', 'connection': 'local', 'gather_facts': False,
        'tasks': [{'ansible.builtin.assert': {'that': [
            'ilo_generation == 5', "ansible_host == '%s'" % netloc(fleets[0].urls[0]),
            "groups['ilo5'] == ['%s']" % names[0], "groups['ilo7'] == ['%s']" % names[1], "groups['modern'] == ['%s']" % names[1],
            "groups['ilo'] | sort == %s" % json.dumps(sorted(names)), "hostvars['%s'].ilo_generation == 7" % names[1],
            'ilo_model is string and ilo_firmware is string']}}]}]), encoding='utf-8')
    played = subprocess.run([os.path.join(bindir, 'ansible-playbook'), '-i', path, str(book)],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert played.returncode == 0, played.stdout + played.stderr
    recap = played.stdout[played.stdout.index('PLAY RECAP'):].splitlines()[1:]
    assert [line.split()[0] for line in recap if ' : ' in line] == [names[0]], played.stdout
    assert 'ok=1 ' in recap[0] and 'failed=0 ' in recap[0], played.stdout


def test_a_stopped_scan_ends_at_once_and_still_deletes_its_sessions(simulators, no_ilo_env):  # pylint: disable=redefined-outer-name,unused-argument
    """What a Ctrl-C or a job cancel does (Scan.run stops on any BaseException): requests in flight are cut, no new
    address is probed, and every session already created is deleted."""
    fleet = fresh(simulators('ilo5', count=8))
    for ilo in fleet.ilos:
        ilo.set_config({'latency_ms': 150})
    module = plugin_module()
    targets = module.expand_sources([netloc(u) for u in fleet.urls], [], [], 443)
    scan = module.Scan(targets, concurrency=4, timeout=30, ca_path=fleet.ca_path, subsets=['system', 'firmware'],
                       username=USER, password=PASSWORD, environ={})
    timer = threading.Timer(0.9, scan.stop)
    timer.start()
    started = time.monotonic()
    try:
        scan.run()
    finally:
        timer.cancel()
        for ilo in fleet.ilos:
            ilo.set_config({'latency_ms': 0})
    assert time.monotonic() - started < 5
    probed = sum(1 for ilo in fleet.ilos if ilo.requests()['total'])
    assert 4 <= probed < 8, 'the addresses not started yet are not probed'
    created = sum(ilo.session_info()['created_total'] for ilo in fleet.ilos)
    assert created >= 1 and sum(ilo.session_info()['deleted_total'] for ilo in fleet.ilos) == created
    assert open_sessions(fleet) == 0
