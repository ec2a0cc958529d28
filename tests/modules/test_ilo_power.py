# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_power in-process against the simulator, on every profile it supports.

Every state from On and from Off, idempotence with check mode and diff, waiting for a slowed POST,
a timeout naming the last state, force_after on an OS that ignores the shutdown request, an
unsupported state refused with nothing sent, a server already On but still in POST, and on a
Moonshot enclosure, refusing to guess the system. Each test starts from a fresh simulator with
short power/POST timings (relkit.FAST) unless it sets its own; ``auth: basic`` means every POST
the simulator counts is a power request.

The Ansible way (AnsiballZ, module_defaults) is covered once per generation by tests/playbooks/test_smoke.py.
"""

from __future__ import annotations

import re

import pytest

from ilotest import open_sessions  # pylint: disable=import-error
from relkit import GENERATIONS, REAL_TREES, SYNTHETIC, connection, profile_params, run_module, serve, zero_requests  # pylint: disable=import-error


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    """The simulator's transitions take tenths of a second: look every 0.05-0.5 s instead of 0.2-5 s."""
    from ansible_collections.lightsout.ilo.plugins.module_utils import power  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(power, 'POLL_INITIAL', 0.05)
    monkeypatch.setattr(power, 'POLL_MAX', 0.5)


SERVERS = SYNTHETIC + REAL_TREES

# Each step starts where the previous one left the server, so every state runs from On and from Off:
# (state, power state before, ResetTypes sent ('any': not checked), power state after, fails).
CHAIN = [
    ('on', 'On', [], 'On', False),
    ('nmi', 'On', ['Nmi'], 'On', False),
    ('restarted', 'On', ['ForceRestart'], 'On', False),
    ('graceful_restarted', 'On', ['GracefulRestart'], 'On', False),
    ('cold_booted', 'On', ['ColdBoot'], 'On', False),
    ('off', 'On', ['ForceOff'], 'Off', False),
    ('off', 'Off', [], 'Off', False),
    ('graceful_off', 'Off', [], 'Off', False),
    ('button_held', 'Off', [], 'Off', False),
    ('nmi', 'Off', [], 'Off', True),
    ('on', 'Off', ['On'], 'On', False),
    ('graceful_off', 'On', ['GRACEFUL'], 'Off', False),
    ('restarted', 'Off', ['On'], 'On', False),
    ('button_pressed', 'On', ['PushPowerButton'], 'Off', False),
    ('button_pressed', 'Off', ['PushPowerButton'], 'On', False),
    ('button_held', 'On', ['PressAndHold'], 'Off', False),
    ('cold_booted', 'Off', ['On'], 'On', False),
    ('off', 'On', ['ForceOff'], 'Off', False),
    ('graceful_restarted', 'Off', ['On'], 'On', False),
    ('on', 'any', 'any', 'On', False),
]


def graceful_type(profile):
    """What graceful_off sends: iLO 4 has no GracefulShutdown, a press of the power button is the same request."""
    return 'PushPowerButton' if GENERATIONS[profile] == 4 else 'GracefulShutdown'


def unsupported(profile):
    """What this service does not advertise: iLO 4 has no GracefulRestart."""
    return ('graceful_restarted',) if GENERATIONS[profile] == 4 else ()


def power(fleet, **args):
    return run_module('ilo_power', connection(fleet, auth='basic', **args))


def system(fleet, system_id='1'):
    return fleet.ilos[0].state()['systems'][system_id]


@pytest.mark.parametrize('profile', profile_params(SERVERS))
def test_every_state_from_on_and_from_off(simulators, profile):
    fleet = serve(simulators, profile)
    steps = [power(fleet, state=state, wait_for='post_complete', wait_timeout=15) for state, *_rest in CHAIN]
    for (state, start, sent, end, fails), step in zip(CHAIN, steps):
        label = '%s from %s: %s' % (state, start, step)
        assert 'crash' not in step, label
        expect_fail = fails or state in unsupported(profile)
        assert bool(step.get('failed')) == expect_fail, label
        if step.get('failed'):
            assert re.search('advertises|needs the server On', step['msg']), label
            assert 'Nothing was sent' in step['msg'], label
        if sent != 'any':
            sent = [graceful_type(profile) if s == 'GRACEFUL' else s for s in sent]
            assert step.get('reset_types', []) == ([] if expect_fail else sent), label
        if step.get('failed'):
            continue
        assert step['changed'] == bool(step['reset_types']), label
        if start != 'any':
            assert step['before']['power_state'] == start, label
        assert step['after']['power_state'] == end, label
        if end != 'Off' and state != 'nmi':
            assert step['after']['post_state'] == 'FinishedPost', label

    # The simulator received exactly the requests the module reported, nothing more.
    reported = [t for step in steps for t in step.get('reset_types', [])]
    assert system(fleet)['resets'] == reported
    assert len(reported) >= 11
    assert fleet.ilos[0].requests()['by_method'].get('POST', 0) == len(reported)
    assert system(fleet)['power_state'] == 'On' and system(fleet)['post_state'] == 'FinishedPost'

    # Unsupported states name what the service advertises.
    refused = [step['msg'] for (state, *_rest), step in zip(CHAIN, steps) if step.get('failed') and state in unsupported(profile)]
    assert len(refused) == 2 * len(unsupported(profile))
    for msg in refused:
        assert re.search('It advertises ComputerSystem.Reset ResetType. On, ForceOff', msg), msg
        assert re.search('States this system supports. on, off', msg), msg
    assert open_sessions(fleet) == 0


@pytest.mark.parametrize('profile', profile_params(SERVERS))
def test_idempotence_check_mode_and_diff(simulators, profile):
    """on, off (check), off, off again, on (check), on, on again: the second on/off sends nothing; check mode
    predicts exactly and sends nothing."""
    fleet = serve(simulators, profile)
    zero_requests(fleet)
    runs = [('on', False), ('off', True), ('off', False), ('off', False), ('on', True), ('on', False), ('on', False)]
    r = [run_module('ilo_power', connection(fleet, auth='basic', state=state, wait_timeout=15), check_mode=check, diff=True)
         for state, check in runs]
    assert [x.get('changed') for x in r] == [False, True, True, False, True, True, False], r
    assert not any(x.get('failed') for x in r), r
    assert r[1]['reset_types'] == ['ForceOff'] and r[1]['after']['power_state'] == 'Off'
    assert r[1]['diff']['before']['power_state'] == 'On' and r[1]['diff']['after']['power_state'] == 'Off'
    assert r[4]['reset_types'] == ['On'] and r[4]['diff']['before']['power_state'] == 'Off'
    assert r[6]['reset_types'] == [] and r[6]['diff']['before'] == r[6]['diff']['after']
    assert system(fleet)['resets'][-2:] == ['ForceOff', 'On']
    assert system(fleet)['resets'] == ['ForceOff', 'On']
    assert fleet.ilos[0].requests()['by_method'].get('POST', 0) == 2


@pytest.mark.parametrize('profile', profile_params(SYNTHETIC))
def test_slow_post_timeout_and_force_after(simulators, profile):
    """Waited for the whole POST; a timeout names the last state; force_after forces an ignored graceful off."""
    fleet = serve(simulators, profile)
    ilo = fleet.ilos[0]
    ilo.set_config({'post_duration_s': 1.0, 'ignore_graceful': True})
    whole = power(fleet, state='restarted', wait_for='post_complete', wait_timeout=15)
    assert whole.get('changed') and not whole.get('failed'), whole
    assert whole['elapsed'] >= 1.0
    assert whole['after'] == {'power_state': 'On', 'post_state': 'FinishedPost'}

    ilo.set_config({'post_duration_s': 30})  # POST cannot finish within the 1 s timeout, however loaded the machine
    timeout = power(fleet, state='restarted', wait_for='post_complete', wait_timeout=1)
    assert timeout.get('failed'), timeout
    assert re.search('Timed out after 1.0 s waiting for POST to finish', timeout['msg']), timeout['msg']
    assert re.search('Last seen. PowerState On, PostState InPost', timeout['msg']), timeout['msg']
    assert timeout['reset_types'] == ['ForceRestart']
    assert re.search('^InPost', timeout['after']['post_state'])

    forced = power(fleet, state='graceful_off', force_after=1, wait_timeout=15)
    assert forced.get('changed') and not forced.get('failed'), forced
    assert forced['forced']
    assert forced['reset_types'] == [graceful_type(profile), 'ForceOff']
    assert forced['after']['power_state'] == 'Off'
    assert forced['elapsed'] >= 1
    assert system(fleet)['power_state'] == 'Off'
    assert system(fleet)['resets'] == ['ForceRestart', 'ForceRestart', graceful_type(profile), 'ForceOff']


@pytest.mark.parametrize('profile', profile_params(SERVERS))
def test_on_while_still_in_post(simulators, profile):
    """A server already On but still in POST: ``on`` returns at once; ``on`` + post_complete sends nothing and waits."""
    fleet = serve(simulators, profile)
    ilo = fleet.ilos[0]
    ilo.set_state('1', 'On', 'InPost', finish_post_s='never')
    at_once = power(fleet, state='on', wait_timeout=15)
    assert not at_once.get('failed') and not at_once['changed'] and not at_once['waited'], at_once
    assert at_once['after']['post_state'] == 'InPost'

    ilo.set_state('1', 'On', 'InPost', finish_post_s=1.5)
    waited = power(fleet, state='on', wait_for='post_complete', wait_timeout=15)
    assert not waited.get('failed') and not waited['changed'] and waited['reset_types'] == [], waited
    assert waited['waited'] and waited['before'] == {'power_state': 'On', 'post_state': 'InPost'}, waited
    assert waited['after'] == {'power_state': 'On', 'post_state': 'FinishedPost'}
    assert system(fleet)['post_state'] == 'FinishedPost'
    assert system(fleet)['resets'] == []


@pytest.mark.parametrize('profile', profile_params(['moonshot']))
def test_many_systems_need_system_id(simulators, profile):
    """On a Moonshot enclosure: no guessing without system_id (nothing sent); system_id picks exactly one node."""
    fleet = serve(simulators, profile)
    no_id = power(fleet, state='off')
    assert no_id.get('failed') and re.search('name one with system_id', no_id['msg']), no_id
    one = power(fleet, state='off', system_id='C2N1')
    assert one.get('changed') and not one.get('failed'), one
    assert one['reset_types'] == ['ForceOff'] and one['after']['power_state'] == 'Off'
    systems = fleet.ilos[0].state()['systems']
    assert systems['C2N1']['power_state'] == 'Off' and systems['C2N1']['resets'] == ['ForceOff']
    assert [name for name, s in systems.items() if s['power_state'] == 'Off'] == ['C2N1']
    assert fleet.ilos[0].requests()['by_method'].get('POST', 0) == 1
