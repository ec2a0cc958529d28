# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults x every module, in-process against the simulator's fault injection.

Every cell checks the invariants of DESIGN.md section 3 on top of its own expectation:
no traceback; a failure is a sentence plus an ``error`` dict; the owned session is deleted
(``open == 0`` and ``created_total == deleted_total``); the reset action is never repeated;
a write the module could not confirm is never reported as success. The outcome of each
cell goes to the matrix printed at the end of the run.
"""

from __future__ import annotations

import time
from unittest import mock

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils import client as client_mod

from ilotest import fresh  # pylint: disable=import-error
from relkit import MATRIX, PASSWORD, USER, assert_clear_failure, connection, endpoint_count, run_module, sessions  # pylint: disable=import-error

RETRIES = 2
ROOT_PATH = r'^/redfish/v1/?$'
SCENARIOS = {
    'ilo_session': dict(args={'state': 'present'}, read=('GET', ROOT_PATH), write=('POST', 'sessionservice/sessions$')),
    # Only the service root and the system are essential to ilo_facts (a fault elsewhere is a partial result, see
    # tests/modules/test_facts_on_every_tree.py): the fault is on the Systems collection, which holds the system on iLO 5.
    'ilo_facts': dict(args={'gather_subset': ['system', 'bios']}, read=('GET', 'systems/?$'), write=None),
    # The Systems collection: on iLO 5 it is read with $expand and holds the system, so it is ilo_power's read before
    # the reset (a fault on the system itself would land on the polling after the reset instead).
    'ilo_power': dict(args={'state': 'restarted'}, read=('GET', 'systems/?$'), write=('POST', 'computersystem.reset')),
    'ilo_bios_settings': dict(args={'attributes': {'AdminName': 'Reliability'}, 'reboot': True, 'reboot_type': 'force'},
                              read=('GET', 'bios/settings/?$'), write=('PATCH', 'bios/settings/?$')),
}


def fault(kind, where, count=1, **extra):
    spec = dict(kind=kind, count=count, **extra)
    spec['match'] = {'method': where[0], 'path': where[1]}
    return spec


def target(method, regex):
    """The simulator's endpoint-counter fragment for a match regex."""
    return method, regex.strip('^$').replace('/?', '').replace('$', '').replace('.+', '').replace('\\', '')


def delete_orphans(fleet):
    """What an operator does about a session whose login reply was lost: delete it with Basic auth."""
    with client_mod.RedfishClient(fleet.urls[0], username=USER, password=PASSWORD, auth='basic', ca_path=fleet.ca_path,
                                  environ={}) as client:
        for entry in sessions(fleet)['open']:
            client.delete(entry['uri'])


# name -> (which match, fault builder, expected outcome, timeout)
ROWS = [
    ('503 Retry-After:1 on a read, once', 'read', lambda w: [fault('http_503', w, retry_after=1)], 'ok', 10),
    ('503 on the write, once', 'write', lambda w: [fault('http_503', w, retry_after=0)], 'ok', 10),
    ('503 on a read, always', 'read', lambda w: [fault('http_503', w, count=-1, retry_after=0)], 'failed', 10),
    ('500 on a read, once', 'read', lambda w: [fault('http_500', w)], 'ok', 10),
    ('500 on the write, once', 'write', lambda w: [fault('http_500', w)], 'failed', 10),
    ('dropped connection on a read', 'read', lambda w: [fault('drop', w)], 'ok', 10),
    ('dropped connection on the write', 'write', lambda w: [fault('drop', w)], 'failed', 10),
    ('read slower than timeout (a deadline), once', 'read', lambda w: [fault('slow', w, delay_s=1.6)], 'failed', 1),
    ('write slower than timeout', 'write', lambda w: [fault('slow', w, delay_s=1.6)], 'failed', 1),
    ('iLO resetting (not_ready) twice', 'read', lambda w: [fault('not_ready', w, count=2, retry_after=0)], 'ok', 10),
    ('iLO resetting (not_ready) always', 'read', lambda w: [fault('not_ready', w, count=-1, retry_after=0)], 'failed', 10),
    ('412 on the write, once', 'write', lambda w: [fault('etag_412', w)], None, 10),
    ('500 on the session DELETE, once', 'logout', lambda w: [fault('http_500', w)], 'ok', 10),
]
LOGOUT = ('DELETE', 'sessionservice/sessions/.+')


@pytest.fixture
def sim(simulators):
    return fresh(simulators('ilo5'))


def resets(fleet):
    return fleet.ilos[0].state()['systems']['1']['resets']


def cleanup_session(fleet, result):
    """ilo_session hands its session to the play: log it out like a play would."""
    if not result.get('failed') and result.get('session'):
        fleet.ilos[0].clear_faults()
        out = run_module('ilo_session', connection(fleet, state='absent', session=result['session']))
        assert not out.get('failed'), out


def check_invariants(fleet, module, result, orphan_ok=False):
    assert 'crash' not in result, result['crash']
    if result.get('failed'):
        assert_clear_failure(result)
    info = sessions(fleet)
    if not orphan_ok:
        assert info['open'] == [], info
        assert info['created_total'] == info['deleted_total'], info
    if module in ('ilo_power', 'ilo_bios_settings'):
        assert len(resets(fleet)) <= 1, resets(fleet)
    if module == 'ilo_bios_settings' and not result.get('failed'):
        # Success means the value was applied after the reboot, not merely staged.
        current = fleet.ilos[0].state()['systems']['1']['bios_current']
        assert current.get('AdminName') == 'Reliability', current
    if module == 'ilo_power' and not result.get('failed'):
        assert resets(fleet) == ['ForceRestart'], resets(fleet)


def cell(result, note):
    if result.get('failed'):
        status = (result.get('error') or {}).get('status')
        return ('failed%s, %s' % (' HTTP %s' % status if status else '', note)).strip(', ')
    return ('ok, %s' % note).strip(', ')


def applicable(module, row):
    """A fault on a module's write only applies to modules that write (ilo_facts never does)."""
    return row[1] == 'logout' or SCENARIOS[module][row[1]] is not None


for _module in SCENARIOS:
    for _row in ROWS:
        if not applicable(_module, _row):
            MATRIX[(_row[0], _module)] = 'n/a (no writes)'

CASES = [(m, r) for r in ROWS for m in SCENARIOS if applicable(m, r)]


@pytest.mark.parametrize('module,row', CASES, ids=['%s-%s' % (r[0], m) for m, r in CASES])
def test_fault(sim, module, row):
    name, where_kind, build, expected, timeout = row
    scenario = SCENARIOS[module]
    where = LOGOUT if where_kind == 'logout' else scenario[where_kind]
    ilo = sim.ilos[0]
    args = connection(sim, retries=RETRIES, timeout=timeout, **scenario['args'])
    if module == 'ilo_session' and where_kind == 'logout':
        login = run_module('ilo_session', connection(sim, state='present'))
        args = connection(sim, state='absent', session=login['session'], retries=RETRIES)
    for spec in build(where):
        ilo.add_fault(spec)
    started = time.monotonic()
    result = run_module(module, args)
    elapsed = time.monotonic() - started
    method, fragment = target(*where)
    sent = endpoint_count(sim, method, fragment)
    orphan = False
    if where_kind == 'write' and name.startswith('write slower'):
        time.sleep(max(0.0, 1.8 - elapsed))  # let the simulator finish the late request before counting
        orphan = module == 'ilo_session'
    note = '%d x %s' % (sent, method)
    if expected is not None:
        assert bool(result.get('failed')) == (expected == 'failed'), result
    if name.startswith('503 Retry-After'):
        assert elapsed >= 0.9, 'Retry-After: 1 was not honoured'
        note += ', waited %.1fs' % elapsed
    if name.endswith('always'):
        assert sent == RETRIES + 1, sent
        note = 'gave up after %d tries' % sent
    elif where_kind == 'write' and expected == 'failed':
        assert sent == 1, 'the write was repeated: %d' % sent
        if method == 'POST' and module != 'ilo_session' or name.startswith(('dropped', 'write slower')):
            assert 'unknown' in result['msg'] or 'HTTP' in result['msg'], result['msg']
        note = '%d x %s, not repeated' % (sent, method)
    if where_kind == 'logout':
        assert sent == 2, 'the DELETE of the session was not retried: %d' % sent
        note = '%d x DELETE (retried), session gone' % sent
    if 'not_ready' in name and expected == 'failed':
        ids = [m['MessageId'] for m in result['error'].get('messages', [])]
        assert any('ResourceNotReadyRetry' in i for i in ids), result['error']
    if orphan:
        info = sessions(sim)
        note += ', %d orphan session (reply lost)' % len(info['open'])
        delete_orphans(sim)
    cleanup_session(sim, result)
    check_invariants(sim, module, result, orphan_ok=orphan)
    MATRIX[(name, module)] = cell(result, note)


@pytest.mark.parametrize('module', list(SCENARIOS))
def test_session_expires_mid_run(sim, module):
    """Every session ends after the module logged in: it logs in again once and finishes."""
    ilo = sim.ilos[0]
    if module == 'ilo_session':
        login = run_module('ilo_session', connection(sim, state='present'))
        ilo.add_fault({'kind': 'expire_sessions'})
        result = run_module('ilo_session', connection(sim, state='absent', session=login['session']))
        assert not result.get('failed') and result['changed'] is False, result
        MATRIX[('session expired mid-run', module)] = 'ok, absent: already gone, changed=false'
        check_invariants(sim, module, result)
        return
    original = client_mod.RedfishClient._send  # pylint: disable=protected-access
    seen = []

    def expiring(self, method, uri, *rest):
        if self.token and method == 'GET':
            seen.append(uri)
            if len(seen) == 2:
                ilo.add_fault({'kind': 'expire_sessions'})
        return original(self, method, uri, *rest)

    with mock.patch.object(client_mod.RedfishClient, '_send', expiring):
        result = run_module(module, connection(sim, retries=RETRIES, **SCENARIOS[module]['args']))
    assert not result.get('failed'), result
    info = sessions(sim)
    assert info['created_total'] == 2, info  # exactly one re-login
    check_invariants(sim, module, result)
    MATRIX[('session expired mid-run', module)] = 'ok, re-logged in once'


@pytest.mark.parametrize('module', [m for m in SCENARIOS if m != 'ilo_session'])
def test_given_session_expired(sim, module):
    """A session from ilo_session that has ended: a clear failure, no re-login, no write."""
    login = run_module('ilo_session', connection(sim, state='present'))
    sim.ilos[0].add_fault({'kind': 'expire_sessions'})
    sim.ilos[0].clear_requests()
    args = dict(SCENARIOS[module]['args'], hostname=sim.urls[0], ca_path=sim.ca_path, session=login['session'])
    result = run_module(module, args)
    msg = assert_clear_failure(result, http=True)
    assert 'no longer valid' in msg, msg
    assert result['error']['status'] == 401
    assert sessions(sim)['created_total'] == 1
    assert endpoint_count(sim, 'POST', '') + endpoint_count(sim, 'PATCH', '') == 0
    check_invariants(sim, module, result)
    MATRIX[('given session expired', module)] = 'failed HTTP 401, no re-login, no write'


@pytest.mark.parametrize('module', list(SCENARIOS))
def test_session_limit_reached(sim, module):
    sim.ilos[0].set_config({'session_limit': 0})
    result = run_module(module, connection(sim, retries=1, **SCENARIOS[module]['args']))
    msg = assert_clear_failure(result, http=True)
    assert 'simultaneous sessions' in msg or 'SessionLimitExceeded' in msg, msg
    tries = endpoint_count(sim, 'POST', 'sessionservice/sessions')
    assert tries == 2, tries  # bounded by retries=1
    check_invariants(sim, module, result)
    MATRIX[('session limit reached', module)] = 'failed HTTP 503, %d logins (retries=1)' % tries


def test_bios_reboot_fails_after_staging(sim):
    """The PATCH succeeded, the restart failed: the task fails and says the values are staged."""
    sim.ilos[0].add_fault(fault('http_500', ('POST', 'computersystem.reset')))
    result = run_module('ilo_bios_settings', connection(sim, retries=RETRIES, **SCENARIOS['ilo_bios_settings']['args']))
    assert_clear_failure(result, http=True)
    assert result.get('pending') == {'AdminName': 'Reliability'} and result.get('pending_reboot') is True, result
    assert endpoint_count(sim, 'POST', 'computersystem.reset') == 1
    assert resets(sim) == []
    check_invariants(sim, 'ilo_bios_settings', result)
    MATRIX[('500 on the reboot after staging', 'ilo_bios_settings')] = 'failed HTTP 500, pending reported, 1 POST'


@pytest.mark.parametrize('module', ['ilo_power', 'ilo_bios_settings'])
def test_server_never_gets_there_within_wait_timeout(sim, module):
    """The OS ignores the graceful request: the task fails at wait_timeout, one action sent, session deleted."""
    sim.ilos[0].set_config({'ignore_graceful': True})
    if module == 'ilo_power':
        args = dict(state='graceful_off', wait_timeout=1)
    else:
        sim.ilos[0].set_config({'ignore_graceful': True, 'post_duration_s': 30})
        args = dict(attributes={'AdminName': 'Reliability'}, reboot=True, reboot_type='force', wait_timeout=1)
    started = time.monotonic()
    result = run_module(module, connection(sim, **args))
    elapsed = time.monotonic() - started
    msg = assert_clear_failure(result)
    assert elapsed < 5, elapsed
    assert endpoint_count(sim, 'POST', 'computersystem.reset') == 1
    if module == 'ilo_bios_settings':
        assert result.get('pending') == {'AdminName': 'Reliability'} or 'AdminName' in msg, result
    info = sessions(sim)
    assert info['open'] == [] and info['created_total'] == info['deleted_total'], info
    MATRIX[('server not there within wait_timeout', module)] = 'failed after %.1fs, 1 POST, session deleted' % elapsed
