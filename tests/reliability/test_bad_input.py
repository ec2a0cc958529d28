# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input for every module, in-process: each one fails with a sentence, no traceback,
no write (non-GET requests other than the task's own login/logout) and no session left open.

Only loopback addresses are used: an unreachable iLO is a closed port on 127.0.0.1.
"""

from __future__ import annotations

import socket
import time

import pytest

from ilotest import fresh  # pylint: disable=import-error
from relkit import BAD_INPUTS, MODULES, assert_clear_failure, connection, endpoint_count, run_module, sessions, writes  # pylint: disable=import-error

HUGE = 'x' * 100000
# What every module needs besides the connection to do something.
VALID = {
    'ilo_session': {},
    'ilo_facts': {'gather_subset': ['min']},
    'ilo_power': {'state': 'on'},
    'ilo_bios_settings': {'attributes': {'AdminName': 'Ops'}},
}


def closed_port():
    """A 127.0.0.1 port nothing listens on (bound then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# (description, overrides of the connection/valid args; None removes a key). Applied to every module.
COMMON = [
    ('unknown option', {'no_such_option': 1}),
    ('hostname empty', {'hostname': ''}),
    ('hostname huge', {'hostname': HUGE}),
    ('hostname with a path (unicode)', {'hostname': 'https://127.0.0.1:1/pfad-\u00fc\u00df'}),
    ('hostname unicode with a path', {'hostname': '\u00fc\u00f1\u00ee.example/x'}),
    ('hostname with scheme ftp', {'hostname': 'ftp://127.0.0.1'}),
    ('hostname port out of range', {'hostname': '127.0.0.1:99999'}),
    ('hostname port not a number', {'hostname': '127.0.0.1:abc'}),
    ('hostname with credentials', {'hostname': 'https://root:pw@127.0.0.1'}),
    ('hostname a list', {'hostname': ['127.0.0.1', '127.0.0.2']}),
    ('hostname with a space', {'hostname': 'ilo one'}),
    ('auth not a choice', {'auth': 'kerberos'}),
    ('validate_certs not a bool', {'validate_certs': 'maybe'}),
    ('timeout not a number', {'timeout': 'soon'}),
    ('timeout zero', {'timeout': 0}),
    ('connect_timeout negative', {'connect_timeout': -1}),
    ('retries negative', {'retries': -1}),
    ('retries huge', {'retries': 10 ** 6}),
    ('session not a dict', {'session': 'token'}),
    ('session without token', {'session': {'uri': '/redfish/v1/SessionService/Sessions/1/'}}),
    ('no username', {'username': None}),
    ('no password', {'password': None}),
]
PER_MODULE = {
    'ilo_session': [
        ('state not a choice', {'state': 'maybe'}),
        ('absent without session', {'state': 'absent'}),
        ('absent with a session of another host', {'state': 'absent', 'session': {
            'hostname': 'https://127.0.0.1:1', 'token': 'a' * 32, 'uri': '/redfish/v1/SessionService/Sessions/x/'}}),
        ('absent with a session without uri', {'state': 'absent', 'session': {'token': 'a' * 32}}),
    ],
    'ilo_facts': [
        ('gather_subset unknown', {'gather_subset': ['everything']}),
        ('gather_subset unicode', {'gather_subset': ['\u7cfb\u7edf']}),
        ('gather_subset empty string', {'gather_subset': ['']}),
        ('gather_subset a dict', {'gather_subset': {'a': 1}}),
        ('log_entries negative', {'log_entries': -1}),
        ('workers zero', {'workers': 0}),
        ('workers huge', {'workers': 10 ** 9}),
        ('query malformed', {'query': 'system[?'}),
        ('system_id does not exist', {'system_id': 'nope'}),
        ('system_id unicode', {'system_id': '\u00fc\u00df'}),
        ('system_id huge', {'system_id': HUGE}),
    ],
    'ilo_power': [
        ('state not a choice', {'state': 'explode'}),
        ('state empty', {'state': ''}),
        ('state wrong type', {'state': {'on': True}}),
        ('wait not a bool', {'wait': 'perhaps'}),
        ('wait_for not a choice', {'wait_for': 'coffee'}),
        ('wait_timeout not a number', {'wait_timeout': 'long'}),
        ('wait_timeout zero', {'wait_timeout': 0}),
        ('force_after negative', {'state': 'graceful_off', 'force_after': -5}),
        ('system_id does not exist', {'system_id': 'nope'}),
        ('system_id unicode', {'system_id': '\u00fc\u00df'}),
        ('system_id huge', {'system_id': HUGE}),
    ],
    'ilo_bios_settings': [
        ('attributes empty', {'attributes': {}}),
        ('attributes not a dict', {'attributes': 'AdminName'}),
        ('attributes a list', {'attributes': ['AdminName']}),
        ('attribute does not exist', {'attributes': {'NoSuchAttribute': 'x'}}),
        ('attribute name unicode', {'attributes': {'\u00c4dminName': 'x'}}),
        ('attribute name empty', {'attributes': {'': 'x'}}),
        ('attribute value a dict', {'attributes': {'AdminName': {'a': 1}}}),
        ('attribute value a list', {'attributes': {'AdminName': [1, 2]}}),
        ('attribute value huge', {'attributes': {'AdminName': HUGE}}),
        ('attribute value not in list', {'attributes': {'ProcTurbo': 'Sometimes'}}),
        ('attribute value wrong type', {'attributes': {'ProcTurbo': 1}}),
        ('attribute read-only', {'attributes': {'AdminName': 'Ops', 'Sriov': 'Enabled', 'ProcTurbo': 'x'}}),
        ('many unknown attributes', {'attributes': dict(('Unknown%d' % i, i) for i in range(500))}),
        ('nothing to do', {'attributes': None}),
        ('reboot_type not a choice', {'reboot_type': 'gentle'}),
        ('reboot with wait_timeout zero', {'reboot': True, 'wait_timeout': 0}),
        ('system_id does not exist', {'system_id': 'nope'}),
        ('system_id unicode', {'system_id': '\u00fc\u00df'}),
    ],
}
CASES = [(m, d, o) for m in MODULES for d, o in COMMON + PER_MODULE[m]]


@pytest.fixture
def sim(simulators):
    return fresh(simulators('ilo5'))


def build_args(fleet, module, overrides):
    args = connection(fleet, **VALID[module])
    for key, value in overrides.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


def check_refused(fleet, module, description, result):
    msg = assert_clear_failure(result)
    assert writes(fleet, exclude_sessions=True) == 0, fleet.ilos[0].requests()
    info = sessions(fleet)
    assert info['open'] == [] and info['created_total'] == info['deleted_total'], info
    assert fleet.ilos[0].state()['systems']['1']['bios_pending'] == {}
    BAD_INPUTS.append((module, description, msg[:160]))
    return msg


@pytest.mark.parametrize('module,description,overrides', CASES, ids=['%s-%s' % (c[0], c[1]) for c in CASES])
def test_bad_input(sim, monkeypatch, module, description, overrides):
    for name in ('ILO_HOST', 'ILO_USERNAME', 'ILO_PASSWORD', 'ILO_VALIDATE_CERTS', 'ILO_CA_PATH'):
        monkeypatch.delenv(name, raising=False)
    result = run_module(module, build_args(sim, module, overrides))
    check_refused(sim, module, description, result)


@pytest.mark.parametrize('module', MODULES)
def test_unreachable_host_fails_within_bounds(sim, module):
    """A closed 127.0.0.1 port: refused before sending, retried, then a clear failure in bounded time."""
    args = build_args(sim, module, {'hostname': '127.0.0.1:%d' % closed_port(), 'retries': 1, 'connect_timeout': 2})
    started = time.monotonic()
    result = run_module(module, args)
    elapsed = time.monotonic() - started
    msg = check_refused(sim, module, 'unreachable host (closed port)', result)
    assert 'could not connect' in msg, msg
    assert elapsed < 2 * 2 + 0.5 + 1, elapsed  # connect_timeout x (retries + 1) + back-off


@pytest.mark.parametrize('module', MODULES)
def test_wrong_password_is_tried_exactly_once(sim, module):
    result = run_module(module, build_args(sim, module, {'password': 'wrong-\u00fc'}))
    msg = check_refused(sim, module, 'wrong password', result)
    assert result['error']['status'] == 401, result['error']
    assert 'One attempt was made' in msg, msg
    assert sessions(sim)['failed_logins'] == 1
    assert endpoint_count(sim, 'POST', 'sessionservice/sessions') == 1


@pytest.mark.parametrize('module', [m for m in MODULES if m != 'ilo_session'])
def test_wrong_password_basic_auth_is_one_request(sim, module):
    result = run_module(module, build_args(sim, module, {'password': 'wrong', 'auth': 'basic'}))
    msg = check_refused(sim, module, 'wrong password (basic auth)', result)
    assert result['error']['status'] == 401 and 'user name and password' in msg, msg
    assert sum(v for k, v in sim.ilos[0].requests()['by_endpoint'].items() if k != 'GET /redfish/v1') == 1
