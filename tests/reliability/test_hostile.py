# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transport security: a hostile or compromised BMC cannot steer credentials, memory, time or sessions.

Every test runs the modules (in-process, or as a process for signals) against ``hostile.Hostile``,
a Redfish server that answers like an iLO 5 except where a trap rewrites its answer, and checks
what reached ``hostile.Sniffer``, a neighbour on another port that must never be contacted.
The outcome of each attack is recorded in relkit.ATTACKS and printed at the end of the run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils import errors as errors_mod
from ansible_collections.lightsout.ilo.plugins.module_utils.client import (
    MAX_BODY_BYTES,
    RedfishClient,
    parse_retry_after,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloSecurityError

from hostile import Hostile, Reply, Sniffer, drip, endless, raw_body, rewrite_json, silent  # pylint: disable=import-error
from ilotest import COLLECTIONS  # pylint: disable=import-error
from relkit import ATTACKS, PASSWORD, USER, assert_clear_failure, run_module  # pylint: disable=import-error

SYSTEMS = r'^/redfish/v1/systems/?(\?.*)?$'
SYSTEM = r'^/redfish/v1/systems/1/?$'
SESSIONS = r'^/redfish/v1/sessionservice/sessions/?$'


@pytest.fixture(scope='module')
def servers(tmp_path_factory):
    hostile = Hostile(str(tmp_path_factory.mktemp('hostile')))
    neighbour = Sniffer()
    yield hostile, neighbour
    hostile.close()
    neighbour.close()


@pytest.fixture
def bmc(servers):
    """The hostile BMC, reset; the test fails if the neighbour was contacted or a session stayed open."""
    hostile, neighbour = servers
    hostile.reset()
    neighbour.reset()
    yield hostile
    assert neighbour.connections == [], 'the neighbour received %d connection(s): %r' % (
        len(neighbour.connections), [c[:40] for c in neighbour.connections])
    assert hostile.open_sessions() == 0, hostile.ilo.session_info()['open']


@pytest.fixture
def neighbour(servers):
    return servers[1]


def args(bmc, **extra):
    result = dict(hostname=bmc.url, username=USER, password=PASSWORD, ca_path=bmc.ca_path)
    result.update(extra)
    return result


def record(attack, outcome):
    ATTACKS.append((attack, outcome))


# ------------------------------------------------------------------------------------------------
# Same origin, always


def foreign_links(port, neighbour_port):
    """Ways to write 'the neighbour' (or something that is not exactly our origin) in a link."""
    return {
        'absolute https to another port': 'https://127.0.0.1:%d/redfish/v1/Systems/1/' % neighbour_port,
        'upper-case scheme, another port': 'HTTPS://127.0.0.1:%d/redfish/v1/Systems/1/' % neighbour_port,
        'network-path //host:port': '//127.0.0.1:%d/redfish/v1/Systems/1/' % neighbour_port,
        'downgrade to plain http': 'http://127.0.0.1:%d/redfish/v1/Systems/1/' % neighbour_port,
        'backslash before @ (parsers disagree)': 'https://127.0.0.1:%d\\@127.0.0.1:%d/redfish/v1/Systems/1/' % (neighbour_port, port),
        'user info': 'https://%s:%s@127.0.0.1:%d/redfish/v1/Systems/1/' % (USER, PASSWORD, port),
        'percent-encoded host': 'https://%%31%%32%%37.0.0.1:%d/redfish/v1/Systems/1/' % neighbour_port,
        'same host, plain http': 'http://127.0.0.1:%d/redfish/v1/Systems/1/' % port,
    }


LINK_CASES = list(foreign_links(1, 2))


@pytest.mark.parametrize('auth', ['session', 'basic'])
@pytest.mark.parametrize('case', LINK_CASES)
def test_collection_member_on_another_origin_is_refused(bmc, neighbour, case, auth):
    link = foreign_links(bmc.port, neighbour.port)[case]
    bmc.trap('GET', SYSTEMS, rewrite_json(lambda body: dict(body, Members=[{'@odata.id': link}])))
    result = run_module('ilo_facts', args(bmc, auth=auth, gather_subset=['min']))
    msg = assert_clear_failure(result)
    assert msg.startswith('Refused a link in a reply') and 'not to the iLO this task talks to' in msg, msg
    assert PASSWORD not in json.dumps(result)
    record('collection member: %s (auth %s)' % (case, auth), 'refused, neighbour contacted 0 times')


@pytest.mark.parametrize('case', ['absolute https to another port', 'network-path //host:port'])
def test_expanded_member_on_another_origin_is_refused(bmc, neighbour, case):
    """With $expand the member's body arrives inline: its link is checked all the same."""
    link = foreign_links(bmc.port, neighbour.port)[case]
    bmc.traps = []  # advertise $expand, as iLO 5/6 do

    def change(body):
        for member in body.get('Members') or []:
            member['@odata.id'] = link
    bmc.trap('GET', SYSTEMS, rewrite_json(change))
    msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'])))
    assert msg.startswith('Refused a link in a reply'), msg
    assert [e['path'] for e in bmc.requests('GET') if 'expand' in e['path']], 'the collection was not expanded'


def test_same_origin_written_differently_is_followed(bmc):
    """Mixed-case scheme and host, default-less port: still our origin, so it works."""
    link = 'HTTPS://127.0.0.1:%d/redfish/v1/Systems/1/' % bmc.port
    bmc.trap('GET', SYSTEMS, rewrite_json(lambda body: dict(body, Members=[{'@odata.id': link}])))
    result = run_module('ilo_facts', args(bmc, gather_subset=['min']))
    assert not result.get('failed'), result
    assert result['ansible_facts']['ilo']['system']['system']['serial_number'] == 'MXQ4T7TBEX'


def test_reset_action_target_on_another_origin_is_refused(bmc, neighbour):
    target = 'https://127.0.0.1:%d/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/' % neighbour.port

    def change(body):
        body['Actions']['#ComputerSystem.Reset']['target'] = target
    bmc.trap('GET', SYSTEM, rewrite_json(change))
    result = run_module('ilo_power', args(bmc, state='restarted', wait=False))
    assert 'Refused' in assert_clear_failure(result)
    assert not bmc.requests('POST')[1:], bmc.requests('POST')  # the login only
    record('reset action target on the neighbour', 'refused before the POST')


def test_login_location_on_another_origin_is_refused(bmc, neighbour):
    def trap(_handler, default):
        headers = [(k, v) if k != 'Location' else (k, 'https://127.0.0.1:%d/redfish/v1/SessionService/Sessions/x/' % neighbour.port)
                   for k, v in default.headers]
        return Reply(default.status, headers, default.body)
    bmc.trap('POST', SESSIONS, trap)
    result = run_module('ilo_facts', args(bmc, gather_subset=['min']))
    msg = assert_clear_failure(result)
    assert "Refused the login reply's Location" in msg, msg
    # The session the hostile BMC created cannot be deleted through a foreign Location: remove it here.
    bmc.ilo.reset()
    record('login Location on the neighbour', 'refused; the token is never used')


def test_redirect_to_another_origin_is_refused(bmc, neighbour):
    bmc.trap('GET', SYSTEM, lambda _h, _d: Reply(308, [('Location', 'https://127.0.0.1:%d/redfish/v1/Systems/1/' % neighbour.port)]))
    msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'])))
    assert 'Refused the redirect (HTTP 308) to' in msg, msg
    record('308 redirect to the neighbour', 'refused')


def test_registry_location_on_another_origin_is_refused(bmc, neighbour):
    def change(body):
        for location in body.get('Location') or []:
            location['Uri'] = 'https://127.0.0.1:%d/registries/bios.json' % neighbour.port
    bmc.trap('GET', r'^/redfish/v1/registries/[^/]+/?$', rewrite_json(change))
    result = run_module('ilo_bios_settings', args(bmc, attributes={'AdminName': 'Ops'}, validate=True))
    assert 'Refused' in assert_clear_failure(result)
    record('registry Location on the neighbour', 'refused')


def test_settings_object_on_another_origin_is_refused(bmc, neighbour):
    def change(body):
        body['@Redfish.Settings']['SettingsObject']['@odata.id'] = 'https://127.0.0.1:%d/bios/settings/' % neighbour.port
    bmc.trap('GET', r'^/redfish/v1/systems/1/bios/?$', rewrite_json(change))
    result = run_module('ilo_bios_settings', args(bmc, attributes={'AdminName': 'Ops'}, validate=False))
    assert 'Refused' in assert_clear_failure(result)
    record('@Redfish.Settings object on the neighbour', 'refused before the PATCH')


def test_session_uri_on_another_origin_is_never_deleted(bmc, neighbour):
    session = {'hostname': bmc.url, 'token': 'a' * 32,
               'uri': 'https://127.0.0.1:%d/redfish/v1/SessionService/Sessions/1/' % neighbour.port}
    result = run_module('ilo_session', dict(hostname=bmc.url, ca_path=bmc.ca_path, state='absent', session=session))
    assert 'Refused the session uri' in assert_clear_failure(result)
    assert bmc.requests() == []
    record('ilo_session absent with a session uri on the neighbour', 'refused, nothing sent')


def test_session_of_another_host_is_refused(bmc):
    """A's session token is never sent to B."""
    token = 'b' * 32
    session = {'hostname': 'https://127.0.0.1:1', 'token': token, 'uri': '/redfish/v1/SessionService/Sessions/1/'}
    for module, extra in (('ilo_facts', {'gather_subset': ['min']}), ('ilo_session', {'state': 'absent'})):
        result = run_module(module, dict(hostname=bmc.url, ca_path=bmc.ca_path, session=session, **extra))
        msg = assert_clear_failure(result)
        assert 'belongs to https://127.0.0.1:1, not to %s' % bmc.url in msg, msg
    assert [e for e in bmc.requests() if e['headers'].get('X-Auth-Token') == token] == []
    assert bmc.requests() == []
    record("another host's session given to a task", 'refused, token not sent')


# ------------------------------------------------------------------------------------------------
# Bounded memory


def test_announced_oversized_body_is_not_read(bmc):
    bmc.endless_sent = 0
    bmc.trap('GET', SYSTEM, endless(declare_length=10 * MAX_BODY_BYTES, seconds=10))
    started = time.monotonic()
    msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'])))
    assert 'Content-Length' in msg and 'not read' in msg and '/redfish/v1/Systems/1/' in msg, msg
    assert time.monotonic() - started < 8
    record('Content-Length of 160 MiB', 'refused before reading')


def test_endless_body_is_cut_at_the_cap(bmc):
    bmc.trap('GET', SYSTEM, endless(seconds=20))
    started = time.monotonic()
    msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'])))
    assert 'larger than the 16 MiB limit' in msg and '/redfish/v1/Systems/1/' in msg, msg
    assert time.monotonic() - started < 15
    record('endless chunked body', 'stopped at 16 MiB')


def test_collection_members_are_capped(bmc):
    from ansible_collections.lightsout.ilo.plugins.module_utils.client import MAX_MEMBERS  # pylint: disable=import-outside-toplevel
    members = [{'@odata.id': '/redfish/v1/Systems/1/Memory/proc1dimm%d/' % i} for i in range(MAX_MEMBERS + 500)]
    bmc.trap('GET', r'^/redfish/v1/systems/1/memory/?(\?.*)?$',
             rewrite_json(lambda body: {'@odata.id': '/redfish/v1/Systems/1/Memory/', 'Members': members}))
    bmc.trap('GET', r'^/redfish/v1/systems/1/memory/proc1dimm\d+/?$', raw_body(b'{"Id": "x", "CapacityMiB": 1}'))
    result = run_module('ilo_facts', args(bmc, gather_subset=['memory']))
    assert not result.get('failed'), result
    assert any('members' in w and str(MAX_MEMBERS) in w for w in result.get('warnings', [])), result.get('warnings')
    assert len(bmc.requests('GET')) < MAX_MEMBERS + 50
    record('collection of %d members' % (MAX_MEMBERS + 500), 'first %d followed, warning' % MAX_MEMBERS)


# ------------------------------------------------------------------------------------------------
# timeout is a deadline


@pytest.mark.parametrize('where', ['body', 'head'])
def test_drip_feeding_cannot_stretch_the_deadline(bmc, where):
    trap = drip(body_interval=0.3) if where == 'body' else drip(head_interval=0.3, body_interval=0.0)
    bmc.trap('GET', SYSTEM, trap)
    started = time.monotonic()
    msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'], timeout=3)))
    elapsed = time.monotonic() - started
    assert 'within the 3 s deadline (timeout)' in msg, msg
    assert elapsed < 6, elapsed
    record('drip-fed %s, one byte every 0.3 s, timeout 3' % where, 'failed at the deadline in %.1f s' % elapsed)


def test_silent_server_ends_at_the_deadline(bmc):
    bmc.trap('GET', SYSTEM, silent(seconds=20))
    started = time.monotonic()
    msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'], timeout=2)))
    assert 'deadline' in msg and time.monotonic() - started < 5, msg


@pytest.mark.parametrize('value', ['nan', 'inf', '-inf', '-5', '1e308', '99999999999', 'Fri, 31 Dec 9999 23:59:59 GMT',
                                   'soon', '0x10', ''])
def test_retry_after_in_any_form_never_sleeps_past_the_deadline(bmc, value):
    bmc.trap('GET', SYSTEM, lambda _h, _d: Reply(503, [('Retry-After', value)], {'error': {'code': 'x', 'message': 'busy'}}))
    started = time.monotonic()
    result = run_module('ilo_facts', args(bmc, gather_subset=['min'], timeout=3, retries=2))
    msg = assert_clear_failure(result)
    elapsed = time.monotonic() - started
    assert 'HTTP 503' in msg and elapsed < 5, (elapsed, msg)
    record('503 with Retry-After %r' % value, 'gave up by the deadline in %.1f s' % elapsed)


def test_parse_retry_after():
    assert parse_retry_after('7') == 7.0
    assert parse_retry_after(' 2.5 ') == 2.5
    assert parse_retry_after('-5') == 0.0
    assert parse_retry_after('nan') is None and parse_retry_after('garbage') is None and parse_retry_after(None) is None
    assert parse_retry_after('inf') == float('inf')  # the caller bounds it by max_retry_after and the deadline
    assert parse_retry_after('Thu, 01 Jan 2026 00:00:10 GMT', now=1767225600.0) == 10.0
    assert parse_retry_after('Thu, 01 Jan 2026 00:00:00 GMT', now=1767225700.0) == 0.0


def test_error_says_which_limit_fired_and_how_many_attempts(bmc):
    bmc.trap('GET', SYSTEM, lambda _h, _d: Reply(500, [], {'error': {'code': 'x', 'message': 'boom'}}))
    msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'], retries=2)))
    assert 'HTTP 500' in msg and re.search(r'\(3 attempts in \d+\.\d s\)', msg), msg


# ------------------------------------------------------------------------------------------------
# Re-login is single-flight


def test_expiry_during_parallel_reads_logs_in_once_and_leaves_no_session(bmc):
    client = RedfishClient(bmc.url, username=USER, password=PASSWORD, ca_path=bmc.ca_path, environ={})
    uris = ['/redfish/v1/Systems/1/', '/redfish/v1/Managers/1/', '/redfish/v1/Chassis/1/', '/redfish/v1/Systems/1/Bios/',
            '/redfish/v1/Systems/1/Memory/', '/redfish/v1/Systems/1/Processors/', '/redfish/v1/SessionService/',
            '/redfish/v1/Systems/1/EthernetInterfaces/']
    slow_login = []

    def login_trap(_handler, default):
        slow_login.append(1)
        time.sleep(0.3)  # every thread meets the 401 before the first new login is back
        return default
    with client:
        client.get_many(['/redfish/v1/'] * 1)
        bmc.ilo.add_fault({'kind': 'expire_sessions'})
        bmc.trap('POST', SESSIONS, login_trap)
        bodies = client.get_many(uris, workers=8)
    assert all(b.status == 200 for b in bodies)
    logins = [e for e in bmc.requests('POST') if 'sessions' in e['path'].lower()]
    assert len(logins) == 2, [e['path'] for e in logins]
    anonymous = [e['path'] for e in bmc.requests() if e['path'].rstrip('/') not in ('/redfish/v1', '/redfish/v1/SessionService/Sessions')
                 and 'X-Auth-Token' not in e['headers']]
    assert anonymous == []
    record('session expired during 8 parallel reads', '1 new login, 0 sessions left, 0 requests without credentials')


# ------------------------------------------------------------------------------------------------
# Signals


@pytest.mark.parametrize('signame', ['SIGTERM', 'SIGHUP', 'SIGINT'])
def test_signal_deletes_the_owned_session(bmc, tmp_path, signame):
    bmc.trap('GET', SYSTEMS, silent(seconds=30))
    argfile = tmp_path / 'args.json'
    argfile.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args(bmc, gather_subset=['min'])}))
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    proc = subprocess.Popen([sys.executable, '-m', 'ansible_collections.lightsout.ilo.plugins.modules.ilo_facts', str(argfile)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end and not [e for e in bmc.requests('GET') if 'systems' in e['path'].lower()]:
            time.sleep(0.05)
        assert bmc.open_sessions() == 1
        proc.send_signal(getattr(signal, signame))
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    result = json.loads(out.decode())
    assert result.get('failed') and signame in result['msg'], (result, err[-2000:])
    assert bmc.open_sessions() == 0
    record('%s while the module waits on the iLO' % signame, 'session deleted, task failed with %s' % signame)


# ------------------------------------------------------------------------------------------------
# Hostile bodies


HOSTILE_BODIES = {
    'deep nesting': (b'[' * 100000 + b']' * 100000, 'nests too deep'),
    'number 1e999': (b'{"Id": "1", "MemorySummary": {"TotalSystemMemoryGiB": 1e999}}', 'too large for a float'),
    '5,000-digit integer': (b'{"Id": "1", "X": ' + b'9' * 5000 + b'}', 'integer of 5000 digits'),
    'NaN': (b'{"Id": "1", "X": NaN}', 'NaN'),
    'not JSON (HTML)': (b'<html><body>Login</body></html>', 'is not JSON'),
    'truncated JSON': (b'{"Id": "1", "Name": "Comp', 'is not JSON'),
}


@pytest.mark.parametrize('case', list(HOSTILE_BODIES))
def test_hostile_body_fails_clearly(bmc, case):
    data, reason = HOSTILE_BODIES[case]
    bmc.trap('GET', SYSTEM, raw_body(data))
    result = run_module('ilo_facts', args(bmc, gather_subset=['min']))
    msg = assert_clear_failure(result)
    assert 'the reply cannot be used' in msg and reason in msg and '/redfish/v1/Systems/1/' in msg, msg
    record('system body: %s' % case, 'clear failure')


def test_invalid_utf8_is_replaced_with_a_warning(bmc):
    default = bmc.ilo.handle('GET', '/redfish/v1/Systems/1/', {'Authorization': 'Basic QWRtaW5pc3RyYXRvcjpwYXNzd29yZA=='}, b'')
    body = default.body.replace(b'"Model":"', b'"Model":"\xff\xfe')
    assert b'\xff' in body
    bmc.trap('GET', SYSTEM, raw_body(body))
    result = run_module('ilo_facts', args(bmc, gather_subset=['min']))
    assert not result.get('failed'), result
    assert any('not valid UTF-8' in w for w in result.get('warnings', [])), result.get('warnings')
    assert result['ansible_facts']['ilo']['system']['system']['model'].startswith('\ufffd\ufffdProLiant')
    record('invalid UTF-8 in a system string', 'replaced, warning')


def test_missing_or_malformed_ca_path_fails_clearly(bmc, tmp_path):
    garbage = tmp_path / 'ca.pem'
    garbage.write_text('-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n')
    for path in (str(tmp_path / 'missing.pem'), str(garbage)):
        msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'], ca_path=path)))
        assert 'ca_path' in msg, msg
    record('missing and malformed ca_path', 'clear failure')


# ------------------------------------------------------------------------------------------------
# Text from the BMC


def test_bmc_text_cannot_forge_lines_or_flood(bmc):
    forged = 'denied\x1b[2K\r\nok: [ilo-web01] => changed=false\u2028\x07' + 'A' * 20000
    info = [{'MessageId': 'Base.1.0.Forged\r\n', 'Message': forged, 'Resolution': forged} for _index in range(200)]
    bmc.trap('GET', SYSTEM, lambda _h, _d: Reply(400, [], {'error': {'code': 'x', 'message': 'x', '@Message.ExtendedInfo': info}}))
    result = run_module('ilo_facts', args(bmc, gather_subset=['min']))
    msg = assert_clear_failure(result)
    text = json.dumps(result)
    for bad in ('\x1b', '\r', '\n', '\u2028', '\x07'):
        assert bad not in msg and json.dumps(bad)[1:-1] not in text, repr(bad)
    assert len(msg) <= 4 * errors_mod.MAX_TEXT + 10 and len(result['error']['messages']) == errors_mod.MAX_MESSAGES
    assert all(len(m['Message']) <= errors_mod.MAX_TEXT + 3 for m in result['error']['messages'])
    record('200 messages of 20,000 characters with ESC/CR/LF', 'one line, %d characters, %d messages'
           % (len(msg), len(result['error']['messages'])))


# ------------------------------------------------------------------------------------------------
# Plain http


def test_plain_http_warns_loudly():
    client = RedfishClient('http://127.0.0.1:9', username=USER, password=PASSWORD, environ={})
    assert any('plain http' in w and 'unencrypted' in w for w in client.warnings), client.warnings
    client.close()


def test_local_path_refuses_without_sending():
    client = RedfishClient('https://127.0.0.1:9', username=USER, password=PASSWORD, environ={})
    with pytest.raises(IloSecurityError):
        client.url('https://127.0.0.1:10/redfish/v1/')
    assert client.local_path('/redfish/v1/Systems/1/') == '/redfish/v1/Systems/1/'
    assert client.local_path('https://127.0.0.1:9/redfish/v1/?$expand=.') == '/redfish/v1/?$expand=.'
    assert client.stats == {}
    client.close()


@pytest.fixture
def full_backlog():
    """A port whose accept queue is full: a new connection hangs until the connect timeout."""
    import socket  # pylint: disable=import-outside-toplevel
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(0)
    fillers = []
    for _index in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    time.sleep(0.1)
    yield listener.getsockname()[1]
    for sock in fillers + [listener]:
        sock.close()


@pytest.mark.parametrize('answered', [False, True])
def test_connect_timeout_says_unreachable_or_busy(full_backlog, answered):
    from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloTimeoutError  # pylint: disable=import-outside-toplevel
    sleeps = []
    client = RedfishClient('127.0.0.1:%d' % full_backlog, username=USER, password=PASSWORD, validate_certs=False,
                           connect_timeout=0.3, timeout=5, retries=2, auth='basic', environ={}, sleep=sleeps.append)
    client._answered = answered  # pylint: disable=protected-access
    with pytest.raises(IloTimeoutError) as caught:
        client.get('/redfish/v1/')
    if answered:
        assert 'busy, not unreachable' in caught.value.message and '(connect timeout)' in caught.value.message
    else:
        assert caught.value.message.startswith('Could not connect to https://127.0.0.1:%d within 0.3 s (connect timeout)' % full_backlog)
    assert re.search(r'\(3 attempts in \d+\.\d s\)', caught.value.message) and len(sleeps) == 2, caught.value.message
    client.close()


# ------------------------------------------------------------------------------------------------
# Logins that do not say where the session is (issue 15)


def _no_location(also_body=True):
    def trap(_handler, default):
        headers = [(k, v) for k, v in default.headers if k.lower() not in ('location', 'content-length')]
        body = json.loads(default.body.decode('utf-8')) if default.body else {}
        if also_body:
            body.pop('@odata.id', None)
        return Reply(default.status, headers, body)
    return trap


def test_login_without_location_finds_its_session_and_deletes_it(bmc):
    bmc.trap('POST', SESSIONS, _no_location())
    result = run_module('ilo_facts', args(bmc, gather_subset=['min']))
    assert not result.get('failed'), result
    deletes = [e['path'] for e in bmc.requests('DELETE')]
    assert len(deletes) == 1 and 'sessions/' in deletes[0].lower(), deletes
    record('login reply without Location or @odata.id', 'session found by MySession and deleted')


def test_login_without_any_session_uri_warns_and_ilo_session_refuses(bmc):
    bmc.trap('POST', SESSIONS, _no_location())
    bmc.trap('GET', SESSIONS, rewrite_json(lambda body: {'@odata.id': body['@odata.id'], 'Members': []}))
    result = run_module('ilo_facts', args(bmc, gather_subset=['min']))
    assert not result.get('failed'), result
    assert any('cannot be deleted by this task' in w for w in result.get('warnings', [])), result
    result = run_module('ilo_session', args(bmc, state='present'))
    assert 'cannot return a session that it could not delete' in assert_clear_failure(result)
    bmc.ilo.reset()  # the two sessions nobody could find idle out on a real iLO


def test_login_401_with_basic_challenge_suggests_auth_basic(bmc):
    msg = assert_clear_failure(run_module('ilo_facts', args(bmc, gather_subset=['min'], password='wrong')))
    assert 'try auth: basic' in msg and 'One attempt was made' in msg, msg


@pytest.mark.parametrize('speaks', ['plain http', 'nothing (closes)'])
def test_a_port_that_does_not_speak_tls_is_named_as_such(tmp_path, speaks):
    """Not a certificate problem: the message says the port does not speak TLS."""
    import socket  # pylint: disable=import-outside-toplevel
    import threading  # pylint: disable=import-outside-toplevel
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(4)
    listener.settimeout(5)

    def serve():
        try:
            conn, _addr = listener.accept()
            conn.recv(4096)
            if speaks == 'plain http':
                conn.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
            conn.close()
        except OSError:
            pass
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    result = run_module('ilo_facts', dict(hostname='127.0.0.1:%d' % listener.getsockname()[1], username=USER, password=PASSWORD,
                                          gather_subset=['min'], retries=0, ca_path=str(tmp_path)))
    listener.close()
    msg = assert_clear_failure(result)
    assert 'the port does not speak TLS' in msg and 'certificate' not in msg, msg
    record('port that speaks %s instead of TLS' % speaks, 'named as such, not a certificate problem')
