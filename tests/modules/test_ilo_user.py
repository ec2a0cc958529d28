# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_user in-process against the simulator: the iLO 4/5/6/7 profiles and the real iLO 5/6/7 trees.

The life of one account per target - create (check mode first: nothing sent), no-op, change privileges, rotate
the password (``update_password: always``; the new one logs in, the old one does not), delete - asserted on the
simulator's own state and login table, not only on the module's word. The safety rules (the account in use, the
last user administrator), the password policy (before the write from the policy, after it from iLO's answer),
bad input failing before any write, and no password in any result, warning, diff or the simulator's request log.
"""

from __future__ import annotations

import base64
import json
import logging

import pytest

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, fresh, require_shared  # pylint: disable=import-error
from relkit import BAD_INPUTS, SECRET_CHECKS, assert_clear_failure, connection, run_module, writes  # pylint: disable=import-error

TARGETS = ['ilo4', 'ilo5', 'ilo6', 'ilo7', 'tree:ilo5', 'tree:ilo6', 'tree:ilo7']
TREES = {'tree:ilo5': ILO5_MOCKUP, 'tree:ilo6': ILO6_MOCKUP, 'tree:ilo7': ILO7_MOCKUP}
FIRST = 'Fr3sh-Secret-0ne'
SECOND = 'R0tated-Secret-Tw0'
SECRETS = (FIRST, SECOND, 'short1', 'Wr0ng-Passw0rd-X')


def fleet_for(simulators, target):
    name = 'mockup:' + require_shared(TREES[target]) if target in TREES else target
    return fresh(simulators(name))


def account(fleet, name):
    """The simulated iLO's own body of account ``name`` (read from the simulator, not through the module), or None."""
    ilo = fleet.ilos[0]
    for key in list(ilo.tree.bodies) + list(ilo.overrides):
        body = ilo.body(key)
        if '/accountservice/accounts/' in key and isinstance(body, dict) and body.get('UserName') == name:
            return body
    return None


def privileges(body):
    oem = body['Oem'].get('Hpe') or body['Oem'].get('Hp')
    return sorted(k for k, v in oem['Privileges'].items() if v)


def no_secret(result, where, *secrets):
    """No password in a module result (msg, warnings, diff, everything): counted in relkit's secrets summary."""
    text = json.dumps(result, default=str)
    leaks = [s for s in secrets or SECRETS if s in text]
    SECRET_CHECKS.append(('ilo_user %s' % where, len(leaks)))
    assert not leaks, (where, leaks, text[:2000])


def can_log_in(fleet, name, password):
    return fleet.ilos[0].users.get(name) == password


@pytest.mark.parametrize('target', TARGETS)
def test_account_life_create_noop_privileges_rotate_delete(simulators, target, caplog):
    caplog.set_level(logging.DEBUG, logger='ilosim')
    fleet = fleet_for(simulators, target)
    gen4 = target == 'ilo4'
    create = connection(fleet, name='monitor', display_name='Monitoring', role='ReadOnly', account_password=FIRST)

    predicted = run_module('ilo_user', create, check_mode=True, diff=True)
    assert predicted['changed'] and predicted['action'] == 'created' and not predicted.get('failed'), predicted
    assert writes(fleet, exclude_sessions=True) == 0 and account(fleet, 'monitor') is None
    assert predicted['diff'] == {'before': {'state': 'absent'}, 'after': {
        'state': 'present', 'display_name': 'Monitoring', 'role': 'ReadOnly', 'privileges': ['login'], 'enabled': None if gen4 else True,
        'password': '(new password, not shown)'}}, predicted['diff']

    created = run_module('ilo_user', create, diff=True)
    assert created['changed'] and created['action'] == 'created', created
    body = account(fleet, 'monitor')
    assert body['Oem']['Hp' if gen4 else 'Hpe']['LoginName'] == 'Monitoring' and privileges(body) == ['LoginPriv']
    assert ('RoleId' not in body) if gen4 else body['RoleId'] == 'ReadOnly'
    assert can_log_in(fleet, 'monitor', FIRST) and body['Password'] is None
    assert created['user']['name'] == 'monitor' and created['user']['role'] == 'ReadOnly' and created['user']['privileges'] == ['login']
    assert created['diff'] == predicted['diff'] and created['changes'] == predicted['changes']  # check mode predicted exactly

    fleet.ilos[0].clear_requests()
    again = run_module('ilo_user', create, diff=True)
    assert not again['changed'] and again['action'] == 'none' and writes(fleet, exclude_sessions=True) == 0, again
    # reads of a no-op: root, AccountService, Accounts, the account (fresh, for its ETag), Roles (iLO 5+) or each account
    # (iLO 4, no $expand), the task's own session
    gets = fleet.ilos[0].requests()['by_method'].get('GET', 0)
    assert gets <= (5 + len(fleet.ilos[0].body('/redfish/v1/accountservice/accounts')['Members']) if gen4 else 6), gets
    # ilo_facts lists the account in the same vocabulary as ilo_user's result (and marks the account in use)
    facts = run_module('ilo_facts', connection(fleet, gather_subset=['users']))['ansible_facts']['ilo']['users']
    listed = dict((u['name'], u) for u in facts)
    assert dict(listed['monitor'], in_use=None) == dict(created['user'], in_use=None) and not listed['monitor']['in_use']
    assert [u['name'] for u in facts if u['in_use']] == (['Administrator'] if 'Administrator' in listed else [])
    no_secret(facts, '%s facts users' % target)

    wanted = ['login', 'remote_console', 'virtual_media'] + ([] if gen4 else ['host_bios'])
    changed = run_module('ilo_user', connection(fleet, name='monitor', privileges=wanted), diff=True)
    assert changed['changed'] and changed['changes'] == {'privileges': wanted if gen4 else
                                                         ['login', 'remote_console', 'virtual_media', 'host_bios']}, changed
    assert sorted(changed['diff']['after']['privileges']) == sorted(wanted) and changed['diff']['before']['privileges'] == ['login']
    expected = ['LoginPriv', 'RemoteConsolePriv', 'VirtualMediaPriv'] + ([] if gen4 else ['HostBIOSConfigPriv'])
    assert privileges(account(fleet, 'monitor')) == sorted(expected)
    short = target in TREES  # the real trees: the same life with fewer repeats (the repeats are the same code on the same shapes)
    if not short:
        assert not run_module('ilo_user', connection(fleet, name='monitor', privileges=wanted))['changed']

    fleet.ilos[0].clear_requests()
    rotated = run_module('ilo_user', connection(fleet, name='monitor', account_password=SECOND, update_password='always'), diff=True)
    assert rotated['changed'] and rotated['changes'] == {'password': '(new password, not shown)'}, rotated
    assert can_log_in(fleet, 'monitor', SECOND) and not can_log_in(fleet, 'monitor', FIRST)
    assert writes(fleet, exclude_sessions=True) == 1 and not rotated['logged_in_again']
    results = {'check': predicted, 'create': created, 'noop': again, 'privileges': changed, 'rotate': rotated}
    if not short:
        # on_create (the default): an existing account keeps its password, the task stays idempotent
        results['on_create'] = run_module('ilo_user', connection(fleet, name='monitor', account_password=FIRST))
        assert not results['on_create']['changed'] and can_log_in(fleet, 'monitor', SECOND)
        gone_check = run_module('ilo_user', connection(fleet, name='monitor', state='absent'), check_mode=True)
        assert gone_check['changed'] and account(fleet, 'monitor') is not None
    gone = run_module('ilo_user', connection(fleet, name='monitor', state='absent'), diff=True)
    assert gone['changed'] and gone['action'] == 'deleted' and gone['diff']['after'] == {'state': 'absent'}, gone
    assert account(fleet, 'monitor') is None and not can_log_in(fleet, 'monitor', SECOND)
    if not short:
        assert not run_module('ilo_user', connection(fleet, name='monitor', state='absent'))['changed']
    assert fleet.ilos[0].session_info()['open'] == []

    results['delete'] = gone
    for where, result in results.items():
        no_secret(result, '%s %s' % (target, where))
    log = ' '.join(r.getMessage() for r in caplog.records) + json.dumps(fleet.ilos[0].requests())
    no_secret(log, '%s simulator request log' % target)


@pytest.mark.parametrize('target', ['ilo4', 'ilo5'])
def test_refuses_to_delete_or_disable_the_account_in_use_and_the_last_administrator(simulators, target):
    fleet = fleet_for(simulators, target)
    for args, words in ((dict(name='administrator', state='absent'), 'logged in with that account'),
                        (dict(name='Administrator', enabled=False), 'logged in with that account' if target != 'ilo4' else 'no Enabled')):
        result = run_module('ilo_user', connection(fleet, **args))
        msg = assert_clear_failure(result)
        assert words in msg and writes(fleet, exclude_sessions=True) == 0, msg
        BAD_INPUTS.append(('ilo_user', 'the account in use: %s' % args, msg))
    # Another administrator logs in and deletes the built-in one; it is then the last user administrator.
    assert run_module('ilo_user', connection(fleet, name='second', role='Administrator', account_password=FIRST))['changed']
    as_second = connection(fleet, username='second', password=FIRST)
    deleted = run_module('ilo_user', dict(as_second, name='Administrator', state='absent'))
    assert deleted['changed'] and account(fleet, 'Administrator') is None, deleted
    fleet.ilos[0].clear_requests()
    for args, words in ((dict(name='second', privileges=['login', 'configure_ilo']), 'no enabled account with the administer_users'),
                        (dict(name='second', role='Operator'), 'no enabled account with the administer_users'),
                        (dict(name='SECOND', state='absent'), 'logged in with that account')):
        msg = assert_clear_failure(run_module('ilo_user', dict(as_second, **args)))
        assert words in msg and writes(fleet, exclude_sessions=True) == 0, msg
        BAD_INPUTS.append(('ilo_user', 'the last user administrator: %s' % args, msg))
    assert 'UserConfigPriv' in privileges(account(fleet, 'second'))
    fleet.ilos[0].reset()


@pytest.mark.parametrize('target', ['ilo5'])
def test_password_of_the_account_in_use_logs_in_again(simulators, target):
    fleet = fleet_for(simulators, target)
    run_module('ilo_user', connection(fleet, name='ops', role='Administrator', account_password=FIRST))
    result = run_module('ilo_user', connection(fleet, username='ops', password=FIRST, name='ops', account_password=SECOND,
                                               update_password='always', display_name='Ops team'))
    assert result['changed'] and result['logged_in_again'], result
    assert can_log_in(fleet, 'ops', SECOND) and account(fleet, 'ops')['Oem']['Hpe']['LoginName'] == 'Ops team'
    info = fleet.ilos[0].session_info()
    assert info['open'] == [] and info['created_total'] == 3  # create; then the task's session and the new one, both deleted
    no_secret(result, '%s in-use rotate' % target)


@pytest.mark.parametrize('target', ['ilo4', 'ilo6'])
def test_bad_input_fails_before_any_write(simulators, target):
    fleet = fleet_for(simulators, target)
    cases = [
        (dict(name='x1', privileges=['login', 'make_coffee'], account_password=FIRST), 'make_coffee'),
        (dict(name='x1', privileges=['login', 'remote_consol'], account_password=FIRST), 'did you mean remote_console'),
        (dict(name='x1', role='ReadOnly', account_password='short1'), 'requires 8 to 39'),
        (dict(name='x1', role='ReadOnly', privileges=['login', 'administer_users'], account_password=FIRST), 'contradicts'),
        (dict(name='x1', role='Operator', privileges=['login'], account_password=FIRST), 'contradicts'),
        (dict(name='x1', role='Janitor', account_password=FIRST), 'not a role of this iLO'),
        (dict(name='x1', role='ReadOnly'), 'account_password is required'),
        (dict(name='x' * 40, account_password=FIRST), 'printable characters'),
        (dict(name='x1', locked=True, account_password=FIRST), 'Locked'),
    ]
    if target == 'ilo4':
        cases.append((dict(name='x1', privileges=['login', 'host_bios'], account_password=FIRST), 'does not exist on this iLO'))
    else:  # the same validation on iLO 6: one case of each kind
        cases = cases[0:1] + cases[2:4]
    for args, words in cases:
        result = run_module('ilo_user', connection(fleet, **args), diff=True)
        msg = assert_clear_failure(result)
        assert words in msg and result['validation_errors'], (words, msg)
        assert writes(fleet, exclude_sessions=True) == 0 and account(fleet, 'x1') is None, args
        no_secret(result, '%s bad input' % target)
        BAD_INPUTS.append(('ilo_user', '%s: %s' % (target, words), msg))
    # Several problems at once: all reported, nothing written.
    result = run_module('ilo_user', connection(fleet, name='x1', role='Janitor', privileges=['bogus'], account_password='short1'))
    assert len(result['validation_errors']) == 3 and writes(fleet, exclude_sessions=True) == 0, result


def test_password_policy_refused_by_ilo_after_the_write_is_one_sentence(simulators):
    """iLO enforces complexity the module could not see (policy changed between read and write): iLO's sentence."""
    fleet = fleet_for(simulators, 'ilo5')
    ilo = fleet.ilos[0]
    run_module('ilo_user', connection(fleet, name='weak', role='ReadOnly', account_password=FIRST))
    service = ilo.mutable('/redfish/v1/accountservice')
    original = service['Oem']['Hpe']['EnforcePasswordComplexity']
    try:
        service['Oem']['Hpe']['EnforcePasswordComplexity'] = True
        ilo.mutable('/redfish/v1/accountservice')  # drop the rendered copy
        before = run_module('ilo_user', connection(fleet, name='weak', account_password='alllowercase', update_password='always'))
        assert 'complexity' in assert_clear_failure(before) and before['validation_errors'], before
        # The module sees no complexity rule, iLO enforces one: the refusal after the write, as one sentence.
        service['Oem']['Hpe']['EnforcePasswordComplexity'] = 'yes'  # not a bool: the module does not read it as on
        ilo.mutable('/redfish/v1/accountservice')
        result = run_module('ilo_user', connection(fleet, name='weak', account_password='alllowercase', update_password='always'))
    finally:
        service['Oem']['Hpe']['EnforcePasswordComplexity'] = original
        ilo.reset()
    msg = assert_clear_failure(result, http=True)
    assert msg.startswith('iLO refused the password of account weak: A valid password must contain three of the following'), msg
    assert 'alllowercase' not in json.dumps(result)


def test_max_accounts_and_duplicate_display_name(simulators):
    fleet = fleet_for(simulators, 'ilo6')
    ilo = fleet.ilos[0]
    for index in range(11):  # straight to the simulator: 11 more accounts
        answer = ilo.handle('POST', '/redfish/v1/AccountService/Accounts/', {'Authorization': 'Basic ' + base64.b64encode(
            b'Administrator:password').decode()}, json.dumps({'UserName': 'u%02d' % index, 'Password': FIRST}).encode())
        assert answer.status == 201
    result = run_module('ilo_user', connection(fleet, name='u99', account_password=FIRST))
    msg = assert_clear_failure(result)
    assert 'already has 12 local accounts' in msg and account(fleet, 'u99') is None, msg
    fleet.ilos[0].reset()
    run_module('ilo_user', connection(fleet, name='a1', display_name='Shared', account_password=FIRST))
    result = run_module('ilo_user', connection(fleet, name='a2', display_name='Shared', account_password=FIRST))
    msg = assert_clear_failure(result, http=True)
    assert 'already exists' in msg and FIRST not in json.dumps(result), msg
    fleet.ilos[0].reset()
