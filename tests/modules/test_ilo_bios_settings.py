# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_bios_settings in-process against the simulator (issue 6), on the synthetic profiles and the real trees.

Stage -> idempotent -> a restart applies -> idempotent; a value staged by someone else is detected
and set back; 412 once (one re-read, one retry) and always (a clear failure after two attempts);
a reboot with an attribute rejected at POST; check mode exact with zero writes; validation refuses
before any write. Request counts come from the simulator's request log (by_endpoint). Each test
starts from a fresh simulator with short power/POST timings (relkit.FAST).

The Ansible way (AnsiballZ, module_defaults) is covered once per generation by tests/playbooks/test_smoke.py.
"""

from __future__ import annotations

import re

import pytest

from ilotest import open_sessions  # pylint: disable=import-error
from relkit import (GENERATIONS, REAL_TREES, SYNTHETIC, connection, profile_params, restart_directly, run_module, serve,  # pylint: disable=import-error
                    stage_bios_directly, zero_requests)

PROFILES = profile_params(SYNTHETIC + REAL_TREES)
SETTINGS_PATCH = 'PATCH /redfish/v1/systems/1/bios/settings'
SETTINGS_GET = 'GET /redfish/v1/systems/1/bios/settings'
WANTED = {'AdminName': 'Ops Team', 'AdminEmail': 'ops@example.com', 'ServiceName': 'Lights Out'}


def bios(fleet, attributes, check_mode=False, diff=False, **args):
    result = run_module('ilo_bios_settings', connection(fleet, attributes=attributes, **args), check_mode=check_mode, diff=diff)
    assert 'crash' not in result, result['crash']
    return result


def counts(fleet):
    return fleet.ilos[0].requests()


def system(fleet):
    return fleet.ilos[0].state()['systems']['1']


def stage_directly(fleet, profile, attributes):
    stage_bios_directly(fleet, attributes, flat=GENERATIONS[profile] == 4)


@pytest.mark.parametrize('profile', PROFILES)
def test_check_mode_stage_restart_apply(simulators, profile):
    fleet = serve(simulators, profile)
    zero_requests(fleet)

    # acceptance 6: check mode predicts the change and writes nothing
    check = bios(fleet, WANTED, check_mode=True, diff=True)
    assert check['changed'] and check['pending_reboot'], check
    assert check['changes'] == WANTED
    assert check['diff']['before']['AdminName'] == {'current': ''}
    assert check['diff']['after']['AdminName'] == {'current': '', 'pending': 'Ops Team'}
    seen = counts(fleet)
    assert seen['by_method'].get('PATCH', 0) == 0 and seen['by_method'].get('PUT', 0) == 0
    assert [k for k in seen['by_endpoint'] if re.match('POST (?!/redfish/v1/sessionservice/sessions)', k)] == []
    assert system(fleet)['bios_pending'] == {}

    # acceptance 1: one PATCH stages exactly the three attributes; nothing applied yet
    first = bios(fleet, WANTED, diff=True)
    assert first['changed'] and first['pending_reboot'], first
    assert first['changes'] == WANTED
    assert first['diff'] == check['diff']
    assert first['attributes']['AdminName']['action'] == 'set'
    assert isinstance(first['registry'], str)
    assert len([m for m in first['messages'] if re.search('SystemResetRequired', m['MessageId'])]) == 1, first['messages']
    seen = counts(fleet)
    assert seen['by_method']['PATCH'] == 1 and seen['by_endpoint'][SETTINGS_PATCH] == 1
    assert system(fleet)['bios_pending'] == WANTED
    assert system(fleet)['bios_current']['AdminName'] == ''

    # the same attributes again (already pending): nothing written, still pending
    zero_requests(fleet)
    again = bios(fleet, WANTED)
    assert not again['changed'] and again['pending_reboot'] and again['changes'] == {}, again
    assert {a['action'] for a in again['attributes'].values()} == {'staged'}
    assert counts(fleet)['by_method'].get('PATCH', 0) == 0

    # a restart (sent directly) applies the three values
    restart_directly(fleet)
    assert {k: system(fleet)['bios_current'][k] for k in WANTED} == WANTED

    # after the restart: current, nothing pending, nothing written, and a no-op needs no registry
    zero_requests(fleet)
    applied = bios(fleet, WANTED)
    assert not applied['changed'] and not applied['pending_reboot'], applied
    assert {a['action'] for a in applied['attributes'].values()} == {'none'}
    seen = counts(fleet)
    assert seen['by_method'].get('PATCH', 0) == 0
    assert applied['registry'] is None
    assert [k for k in seen['by_endpoint'] if re.search('(?i)registr', k)] == []
    # root, Systems (expanded where the iLO supports $expand, else + the system), Bios, its settings object
    assert seen['by_method']['GET'] <= 5, seen
    assert open_sessions(fleet) == 0


@pytest.mark.parametrize('profile', PROFILES)
def test_foreign_pending_value_is_set_back(simulators, profile):
    """acceptance 2: the values are current; someone else stages another AdminEmail: detected, set back, in the diff."""
    fleet = serve(simulators, profile)
    stage_directly(fleet, profile, WANTED)
    restart_directly(fleet)
    stage_directly(fleet, profile, {'AdminEmail': 'someone@else.example'})

    foreign_check = bios(fleet, WANTED, check_mode=True, diff=True)
    foreign = bios(fleet, WANTED, diff=True)
    assert foreign_check['changed'] and foreign['changed'], (foreign_check, foreign)
    assert foreign_check['diff'] == foreign['diff']
    assert foreign['attributes']['AdminEmail']['pending'] == 'someone@else.example'
    assert foreign['attributes']['AdminEmail']['action'] == 'set'
    assert foreign['changes'] == {'AdminEmail': WANTED['AdminEmail']}
    assert foreign['diff']['before']['AdminEmail'] == {'current': WANTED['AdminEmail'], 'pending': 'someone@else.example'}
    assert foreign['diff']['after']['AdminEmail'] == {'current': WANTED['AdminEmail']}
    assert not foreign['pending_reboot']
    assert system(fleet)['bios_pending']['AdminEmail'] == WANTED['AdminEmail']

    settled = bios(fleet, WANTED)
    assert not settled['changed'] and not settled['pending_reboot'], settled
    assert open_sessions(fleet) == 0


@pytest.mark.parametrize('profile', PROFILES)
def test_412_once_is_one_reread_and_one_retry(simulators, profile):
    """acceptance 4: a 412 on the settings PATCH: success after exactly one re-read and one retry."""
    fleet = serve(simulators, profile)
    fleet.ilos[0].add_fault({'kind': 'etag_412', 'count': 1, 'match': {'method': 'PATCH', 'path': 'bios/settings'}})
    zero_requests(fleet)
    retried = bios(fleet, {'ServiceName': 'Night Shift'})
    assert retried['changed'] and not retried.get('failed'), retried
    seen = counts(fleet)
    assert seen['by_endpoint'][SETTINGS_PATCH] == 2
    assert seen['by_endpoint'][SETTINGS_GET] == 2
    assert system(fleet)['bios_pending']['ServiceName'] == 'Night Shift'
    assert open_sessions(fleet) == 0


@pytest.mark.parametrize('profile', PROFILES)
def test_412_always_fails_clearly_after_two_attempts(simulators, profile):
    fleet = serve(simulators, profile)
    fleet.ilos[0].add_fault({'kind': 'etag_412', 'count': -1, 'match': {'method': 'PATCH', 'path': 'bios/settings'}})
    zero_requests(fleet)
    always = bios(fleet, {'ServiceName': 'Day Shift'})
    seen = counts(fleet)
    fleet.ilos[0].clear_faults()
    assert always.get('failed'), always
    assert '412' in always['msg'] and 'nothing was written' in always['msg'], always['msg']
    assert always['error']['status'] == 412
    assert seen['by_endpoint'][SETTINGS_PATCH] == 2
    assert seen['by_endpoint'][SETTINGS_GET] == 2
    assert 'ServiceName' not in system(fleet)['bios_pending']
    assert open_sessions(fleet) == 0


@pytest.mark.parametrize('profile', PROFILES)
def test_validation_refuses_before_any_write(simulators, profile):
    """An unknown name, a read-only attribute and a too long string: all three reported, nothing written."""
    fleet = serve(simulators, profile)
    zero_requests(fleet)
    invalid = bios(fleet, {'AdminNam': 'x', 'SecureBootStatus': 'Enabled', 'AdminPhone': 'x' * 40})
    assert invalid.get('failed'), invalid
    assert len(invalid['validation_errors']) == 3, invalid['validation_errors']
    assert re.search('AdminNam is not an attribute .*closest valid names: AdminName', invalid['msg']), invalid['msg']
    assert 'SecureBootStatus is read-only' in invalid['msg']
    assert 'AdminPhone must be at most 28 characters' in invalid['msg']
    assert counts(fleet)['by_method'].get('PATCH', 0) == 0
    assert open_sessions(fleet) == 0


@pytest.mark.parametrize('profile', PROFILES)
def test_reboot_with_an_attribute_rejected_at_post(simulators, profile):
    """acceptance 5: the BIOS rejects AdminName at POST: the task fails naming it and its MessageId, the others are applied."""
    fleet = serve(simulators, profile)
    stage_directly(fleet, profile, WANTED)
    restart_directly(fleet)
    resets_before = len(system(fleet)['resets'])
    fleet.ilos[0].add_fault({'kind': 'reject_bios_attribute', 'name': 'AdminName', 'message_id': 'PropertyNotWritable'})
    rebooted = bios(fleet, {'AdminName': 'Rejected Name', 'AdminEmail': 'night@example.com', 'ServiceName': 'Night Shift'},
                    reboot=True, reboot_type='graceful', force_after=5, wait_timeout=60)
    assert rebooted.get('failed'), rebooted
    assert 'AdminName' in rebooted['msg'] and 'PropertyNotWritable' in rebooted['msg'], rebooted['msg']
    assert 'AdminEmail' not in rebooted['msg']
    assert rebooted['applied'] == ['AdminEmail', 'ServiceName']
    assert len([m for m in rebooted['not_applied']['AdminName']['message_ids'] if 'PropertyNotWritable' in m]) == 1
    assert len([m for m in rebooted['error']['message_ids'] if 'PropertyNotWritable' in m]) == 1
    state = system(fleet)
    assert len(state['resets']) == resets_before + 1, state['resets']
    assert state['bios_current']['AdminEmail'] == 'night@example.com'
    assert state['bios_current']['AdminName'] == WANTED['AdminName']
    assert state['post_state'] == 'FinishedPost'
    assert open_sessions(fleet) == 0
