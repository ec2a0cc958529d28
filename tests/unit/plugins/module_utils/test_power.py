# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The power model: state mapping per generation, advertised values, waiting and timeouts.

Against the in-process simulator (iLO 4/5/6, an iLO 4 with only the legacy AvailableActions,
and a plain DMTF Redfish tree), and against a small fake service with a fake clock.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.power import IloPowerTimeout, Power
from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService

from ilotest import ILO7_MOCKUP, FakeClock, fresh, require_shared  # pylint: disable=import-error

USER, PASSWORD = 'Administrator', 'password'


def connect(fleet):
    return RedfishClient(fleet.urls[0], username=USER, password=PASSWORD, ca_path=fleet.ca_path, auth='basic', environ={})


def power_of(client, system_id=None, **kwargs):
    service = IloService(client)
    return Power(service, service.system_uri(system_id), **kwargs)


def sim_state(fleet, system='1'):
    return fleet.ilos[0].state()['systems'][system]


def posts(fleet):
    return fleet.ilos[0].requests()['by_method'].get('POST', 0)


# ---------------------------------------------------------------------- a plain DMTF service

def dmtf_tree(allowed=None, action_info=False, extra=None):
    """A minimal generic Redfish service: UUID system id, no Oem, no sessions (Basic auth only)."""
    sid = '8f3c1e2a-5b7d-4c9e-a1f0-2d4b6c8e0a13'
    system = '/redfish/v1/Systems/%s' % sid
    reset = {'target': system + '/Actions/ComputerSystem.Reset'}
    tree = {
        '/redfish/v1/': {'@odata.id': '/redfish/v1/', '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot', 'Id': 'RootService',
                         'RedfishVersion': '1.6.0', 'Systems': {'@odata.id': '/redfish/v1/Systems'}},
        '/redfish/v1/Systems': {'@odata.id': '/redfish/v1/Systems', 'Members': [{'@odata.id': system}], 'Members@odata.count': 1},
        system: {'@odata.id': system, '@odata.type': '#ComputerSystem.v1_5_0.ComputerSystem', 'Id': sid, 'PowerState': 'On',
                 'Actions': {'#ComputerSystem.Reset': reset}},
    }
    tree[system].update(extra or {})
    if action_info:
        info = system + '/ResetActionInfo'
        reset['@Redfish.ActionInfo'] = info
        tree[info] = {'@odata.id': info, 'Id': 'ResetActionInfo',
                      'Parameters': [{'Name': 'ResetType', 'Required': True, 'DataType': 'String', 'AllowableValues': allowed}]}
    elif allowed is not None:
        reset['ResetType@Redfish.AllowableValues'] = allowed
    return tree, sid


@pytest.fixture(scope='module')
def dmtf(tmp_path_factory):
    import ilosim  # pylint: disable=import-outside-toplevel
    tree, sid = dmtf_tree(allowed=['On', 'ForceOff', 'ForceRestart', 'GracefulShutdown'], action_info=True)
    with ilosim.start(tree=tree, state_dir=str(tmp_path_factory.mktemp('ilosim-dmtf'))) as fleet:
        fleet.sid = sid
        yield fleet


def test_dmtf_on_off_restart_with_basic_auth_and_action_info(dmtf):
    fresh(dmtf)
    with connect(dmtf) as client:
        power = power_of(client, evidence_grace=0.5)
        assert power.system_uri.endswith(dmtf.sid)
        assert power.status() == {'power_state': 'On', 'post_state': None}
        assert power.supported_states() == ['on', 'off', 'graceful_off', 'restarted']
        assert power.ensure('on')['changed'] is False
        off = power.ensure('off')
        assert off['reset_types'] == ['ForceOff'] and off['after']['power_state'] == 'Off'
        assert power.ensure('off')['changed'] is False
        on = power.ensure('on')
        assert on['reset_types'] == ['On'] and on['after']['power_state'] == 'On'
        assert not power.warnings
        restart = power.ensure('restarted')
        assert restart['reset_types'] == ['ForceRestart'] and restart['after']['power_state'] == 'On'
        # Nothing on this service can show the reset (no PostState, LastResetTime, BootProgress; PowerState stays On):
        # said in a warning and in the result, never a silent success.
        assert restart['reset_confirmed'] is False and restart['elapsed'] >= 0.5
        assert len(power.warnings) == 1 and 'nothing shows that the server restarted' in power.warnings[0]
        assert 'ForceRestart' in power.warnings[0] and 'reset_confirmed: false' in power.warnings[0]
    state = sim_state(dmtf, dmtf.sid)
    assert state['resets'] == ['ForceOff', 'On', 'ForceRestart'] and state['power_state'] == 'On'
    assert dmtf.ilos[0].session_info()['created_total'] == 0


def test_dmtf_unsupported_state_names_the_allowed_values_and_sends_nothing(dmtf):
    fresh(dmtf)
    with connect(dmtf) as client:
        power = power_of(client)
        for state in ('nmi', 'cold_booted', 'button_held', 'graceful_restarted'):
            with pytest.raises(IloValidationError) as info:
                power.ensure(state)
            text = str(info.value)
            assert 'state=%s needs' % state in text
            assert 'It advertises ComputerSystem.Reset ResetType: On, ForceOff, ForceRestart, GracefulShutdown.' in text
            assert 'Nothing was sent' in text
        with pytest.raises(IloValidationError, match='does not report'):
            power.ensure('restarted', wait_for='post_complete')
    assert posts(dmtf) == 0 and sim_state(dmtf, dmtf.sid)['resets'] == []


def test_no_allowable_values_assumes_the_dmtf_set(tmp_path):
    import ilosim  # pylint: disable=import-outside-toplevel
    tree, _sid = dmtf_tree()
    with ilosim.start(tree=tree, state_dir=str(tmp_path)) as fleet:
        with connect(fleet) as client:
            power = power_of(client)
            assert power.actions()['reset']['values'] is None
            assert 'nmi' in power.supported_states() and 'cold_booted' in power.supported_states()
            assert 'ComputerSystem.Reset ResetType: any (no list)' in power.advertised()
            assert power.ensure('cold_booted', wait=False)['reset_types'] == ['PowerCycle']


@pytest.mark.parametrize('extra', [
    {'LastResetTime': '2026-01-05T10:00:00Z'},
    {'BootProgress': {'LastState': 'OSRunning', 'LastStateTime': '2026-01-05T10:00:00Z'}},
], ids=['LastResetTime', 'BootProgress'])
def test_restart_proven_by_last_reset_time_or_boot_progress(tmp_path, extra):
    """A plain Redfish service whose PowerState stays On: the restart counts once LastResetTime/BootProgress moved."""
    import ilosim  # pylint: disable=import-outside-toplevel
    tree, _sid = dmtf_tree(allowed=['On', 'ForceOff', 'ForceRestart'], extra=extra)
    with ilosim.start(tree=tree, state_dir=str(tmp_path), config={'power_duration_s': 0.6}) as fleet:
        with connect(fleet) as client:
            power = power_of(client, evidence_grace=0.1)
            result = power.ensure('restarted', wait_timeout=10)
    assert result['reset_confirmed'] is True and not power.warnings
    if 'LastResetTime' in extra:
        assert result['elapsed'] >= 0.6  # LastResetTime moves when the server starts again, not before


def test_restart_without_any_sign_times_out_instead_of_succeeding():
    """PostState is reported but never moves: the restart is not reported done."""
    power, client, _clock = fake_power([])
    with pytest.raises(IloPowerTimeout) as info:
        power.ensure('restarted', wait_timeout=30)
    assert 'waiting for any sign of the reset' in str(info.value) and len(client.sent) == 1
    assert info.value.result['reset_confirmed'] is False


@pytest.mark.parametrize('profile', ['ilo5', 'ilo7'])
def test_on_while_in_post_waits_for_post(simulators, profile):
    """Already On but still in POST: wait_for=post_complete sends nothing and waits until POST finished."""
    fleet = fresh(simulators(profile))
    fleet.ilos[0].set_state('1', 'On', 'InPost', finish_post_s=1.0)
    with connect(fleet) as client:
        result = power_of(client).ensure('on', wait_for='post_complete', wait_timeout=10)
    assert result['before'] == {'power_state': 'On', 'post_state': 'InPost'}
    assert result['after'] == {'power_state': 'On', 'post_state': 'FinishedPost'}
    assert result['changed'] is False and result['reset_types'] == [] and result['waited'] is True
    assert result['elapsed'] >= 0.8
    assert posts(fleet) == 0


def test_on_while_in_post_power_only_and_check_mode_do_not_wait(simulators):
    fleet = fresh(simulators('ilo6'))
    fleet.ilos[0].set_state('1', 'On', 'InPostDiscoveryComplete', finish_post_s='never')
    with connect(fleet) as client:
        power = power_of(client)
        now = power.ensure('on')
        assert now['waited'] is False and now['after']['post_state'] == 'InPostDiscoveryComplete'
        check = power.ensure('on', wait_for='post_complete', check_mode=True)
        assert check['changed'] is False and check['after'] == {'power_state': 'On', 'post_state': 'FinishedPost'}
        with pytest.raises(IloPowerTimeout, match='waiting for POST to finish .*sent nothing.*PostState InPostDiscoveryComplete'):
            power.ensure('on', wait_for='post_complete', wait_timeout=1)
    assert posts(fleet) == 0


def test_restart_from_a_server_still_in_post(simulators):
    """The restart is proven by PostState leaving where it was, even when that was not FinishedPost."""
    fleet = fresh(simulators('ilo7'))
    fleet.ilos[0].set_config({'post_duration_s': 0.6})
    fleet.ilos[0].set_state('1', 'On', 'InPostDiscoveryComplete', finish_post_s='never')
    with connect(fleet) as client:
        result = power_of(client).ensure('restarted', wait_for='post_complete', wait_timeout=10)
    assert result['reset_types'] == ['ForceRestart'] and result['reset_confirmed'] is True
    assert result['after'] == {'power_state': 'On', 'post_state': 'FinishedPost'}
    assert sim_state(fleet)['resets'] == ['ForceRestart']


def test_real_ilo7_tree_captured_in_post_finishes_it(simulators):
    """The real iLO 7 tree was captured in InPostDiscoveryComplete: on + post_complete waits, sends nothing."""
    fleet = fresh(simulators('mockup:' + require_shared(ILO7_MOCKUP)))
    with connect(fleet) as client:
        result = power_of(client).ensure('on', wait_for='post_complete', wait_timeout=10)
    assert result['after']['post_state'] == 'FinishedPost' and result['reset_types'] == []
    assert posts(fleet) == 0


# ---------------------------------------------------------------------- iLO 4/5/6

@pytest.mark.parametrize('profile,expected', [
    ('ilo4', {'graceful_off': 'PushPowerButton', 'graceful_restarted': None}),
    ('ilo5', {'graceful_off': 'GracefulShutdown', 'graceful_restarted': 'GracefulRestart'}),
    ('ilo6', {'graceful_off': 'GracefulShutdown', 'graceful_restarted': 'GracefulRestart'}),
])
def test_state_mapping_per_generation(simulators, profile, expected):
    fleet = fresh(simulators(profile))
    with connect(fleet) as client:
        power = power_of(client)
        for state, value in sorted(expected.items()):
            if value is None:
                with pytest.raises(IloValidationError, match='GracefulRestart, which .* does not advertise'):
                    power.ensure(state, check_mode=True)
            else:
                assert power.ensure(state, check_mode=True)['reset_types'] == [value]
        assert power.ensure('cold_booted', check_mode=True)['reset_types'] == ['ColdBoot']
        assert power.ensure('button_held', check_mode=True)['reset_types'] == ['PressAndHold']
        assert power.ensure('button_pressed', check_mode=True)['reset_types'] == ['PushPowerButton']
    assert posts(fleet) == 0 and sim_state(fleet)['resets'] == []


def test_restart_and_wait_returns_after_post(simulators):
    fleet = fresh(simulators('ilo5'))
    fleet.ilos[0].set_config({'post_duration_s': 1.0})
    with connect(fleet) as client:
        result = power_of(client).restart_and_wait(timeout=20)
    assert result['reset_types'] == ['ForceRestart'] and result['changed']
    assert result['after'] == {'power_state': 'On', 'post_state': 'FinishedPost'}
    assert result['elapsed'] >= 1.0
    assert sim_state(fleet)['post_state'] == 'FinishedPost' and sim_state(fleet)['resets'] == ['ForceRestart']


def test_graceful_off_forced_after_when_ignored(simulators):
    fleet = fresh(simulators('ilo6'))
    fleet.ilos[0].set_config({'ignore_graceful': True})
    with connect(fleet) as client:
        result = power_of(client).ensure('graceful_off', force_after=0.5, wait_timeout=10)
    assert result['forced'] and result['reset_types'] == ['GracefulShutdown', 'ForceOff']
    assert sim_state(fleet)['power_state'] == 'Off'


def test_graceful_off_honoured_is_not_forced(simulators):
    fleet = fresh(simulators('ilo6'))
    with connect(fleet) as client:
        result = power_of(client).ensure('graceful_off', force_after=5, wait_timeout=10)
    assert not result['forced'] and result['reset_types'] == ['GracefulShutdown']
    assert sim_state(fleet)['resets'] == ['GracefulShutdown']


def test_ilo6_graceful_restart_waits_for_the_reset(simulators):
    fleet = fresh(simulators('ilo6'))
    fleet.ilos[0].set_config({'graceful_shutdown_s': 0.5})
    with connect(fleet) as client:
        result = power_of(client).ensure('graceful_restarted', wait_for='power', wait_timeout=10)
    # The OS takes 0.5 s to go down; PowerState stays On all along, so only PostState shows the reset.
    assert result['elapsed'] >= 0.5 and result['after']['power_state'] == 'On'
    assert result['after']['post_state'] != 'FinishedPost' or result['elapsed'] >= 0.6


def test_nmi_from_off_is_refused(simulators):
    fleet = fresh(simulators('ilo5'))
    with connect(fleet) as client:
        power = power_of(client)
        power.ensure('off')
        with pytest.raises(IloValidationError, match='needs the server On'):
            power.ensure('nmi')
    assert sim_state(fleet)['resets'] == ['ForceOff']


def test_many_systems_without_system_id_are_refused(simulators):
    fleet = fresh(simulators('moonshot', systems=3))
    with connect(fleet) as client:
        with pytest.raises(IloDiscoveryError, match='name one with system_id'):
            power_of(client)
        assert power_of(client, 'C2N1').ensure('off')['reset_types'] == ['ForceOff']
    assert posts(fleet) == 0 + 1


def test_ilo4_legacy_available_actions(tmp_path):
    """An iLO 4 before Redfish actions: POST to the system with Action/ResetType (and Target for OEM)."""
    import ilosim  # pylint: disable=import-outside-toplevel
    from ilosim.server import load_profile  # pylint: disable=import-outside-toplevel
    tree = copy.deepcopy(load_profile('ilo4'))
    for body in tree.values():
        if isinstance(body, dict) and 'AvailableActions' in body and '#ComputerSystem.Reset' in (body.get('Actions') or {}):
            del body['Actions']
            del body['Oem']['Hp']['Actions']
    with ilosim.start(tree=tree, state_dir=str(tmp_path)) as fleet:
        with connect(fleet) as client:
            power = power_of(client)
            assert power.actions()['reset']['legacy'] and power.actions()['button']['extra'] == {'Action': 'PowerButton', 'Target': '/Oem/Hp'}
            assert power.ensure('off')['reset_types'] == ['ForceOff']
            assert power.ensure('button_pressed')['after']['power_state'] == 'On'
            assert power.ensure('button_held')['after']['power_state'] == 'Off'
        state = fleet.ilos[0].state()['systems']['1']
        assert state['resets'] == ['ForceOff', 'PushPowerButton', 'PressAndHold']
        assert all(k.startswith('POST /redfish/v1/systems/1') and not k.endswith('reset')
                   for k in fleet.ilos[0].requests()['by_endpoint'] if k.startswith('POST'))


# ---------------------------------------------------------------------- fake clock

class FakeResponse:
    def __init__(self, body):
        self.json = body


class FakeClient:
    """A system whose status follows a script keyed by fake time after the reset."""

    def __init__(self, clock, timeline, allowed=('On', 'ForceOff', 'ForceRestart', 'GracefulShutdown')):
        self.clock = clock
        self.timeline = timeline  # [(seconds after the POST, PowerState, PostState)]
        self.sent = []
        self.sent_at = None
        self.allowed = list(allowed)

    def get(self, uri, fresh=False):  # pylint: disable=unused-argument
        if uri == '/redfish/v1/':
            return FakeResponse({'Oem': {'Hpe': {}}})
        power, post = 'On', 'FinishedPost'
        if self.sent_at is not None:
            for at, power_state, post_state in self.timeline:
                if self.clock() - self.sent_at >= at:
                    power, post = power_state, post_state
        return FakeResponse({'PowerState': power, 'Oem': {'Hpe': {'PostState': post}},
                             'Actions': {'#ComputerSystem.Reset': {'target': '/reset', 'ResetType@Redfish.AllowableValues': self.allowed}}})

    def get_root(self):
        return self.get('/redfish/v1/').json

    def post(self, uri, body=None):
        self.sent.append((uri, body))
        if self.sent_at is None:
            self.sent_at = self.clock()


def fake_power(timeline, **kwargs):
    clock = FakeClock(100.0)
    client = FakeClient(clock, timeline, **kwargs)
    power = Power(IloService(client), '/sys', clock=clock, sleep=clock.sleep)
    return power, client, clock


def test_poll_interval_starts_short_and_is_bounded():
    power, client, clock = fake_power([(0, 'On', 'Reset'), (100, 'On', 'InPost'), (200, 'On', 'FinishedPost')])
    result = power.ensure('restarted', wait_for='post_complete', wait_timeout=600)
    assert client.sent == [('/reset', {'ResetType': 'ForceRestart'})]
    assert clock.sleeps[:3] == [0.2, 0.3, 0.45]
    assert max(clock.sleeps) == 5.0
    assert result['after'] == {'power_state': 'On', 'post_state': 'FinishedPost'}
    assert 200 <= result['elapsed'] <= 205


def test_timeout_names_the_last_state_and_keeps_what_was_sent():
    power, client, clock = fake_power([(0, 'On', 'Reset'), (1, 'On', 'InPost')])
    with pytest.raises(IloPowerTimeout) as info:
        power.ensure('restarted', wait_for='post_complete', wait_timeout=30)
    assert 'Timed out after 30.0 s waiting for POST to finish' in str(info.value)
    assert 'Last seen: PowerState On, PostState InPost.' in str(info.value)
    assert info.value.result['reset_types'] == ['ForceRestart'] and len(client.sent) == 1
    assert clock.now == pytest.approx(130.0)


def test_restart_waits_until_the_reset_is_seen():
    """PowerState stays On through a restart: the wait must not end before PostState moved."""
    power, _client, clock = fake_power([(10, 'On', 'InPost'), (20, 'On', 'FinishedPost')])
    result = power.ensure('restarted', wait_for='power', wait_timeout=60)
    assert result['after'] == {'power_state': 'On', 'post_state': 'InPost'}
    assert clock.now >= 110


def test_force_after_then_force_off():
    power, client, _clock = fake_power([])
    client.timeline = [(0, 'On', 'FinishedPost')]
    original_post = client.post

    def post(uri, body=None):
        original_post(uri, body)
        if body.get('ResetType') == 'ForceOff':
            client.timeline = [(0, 'On', 'FinishedPost'), (power.clock() - client.sent_at + 1, 'Off', 'PowerOff')]
    client.post = post
    result = power.ensure('graceful_off', force_after=30, wait_timeout=60)
    assert [b['ResetType'] for _u, b in client.sent] == ['GracefulShutdown', 'ForceOff']
    assert result['forced'] and result['after']['power_state'] == 'Off'
    assert 30 <= result['elapsed'] <= 40


def test_check_mode_predicts_and_sends_nothing():
    power, client, _clock = fake_power([])
    result = power.ensure('off', check_mode=True)
    assert result['changed'] and result['reset_types'] == ['ForceOff']
    assert result['after'] == {'power_state': 'Off', 'post_state': 'PowerOff'}
    assert power.ensure('on', check_mode=True)['changed'] is False
    assert client.sent == []


@pytest.mark.parametrize('kwargs,match', [
    ({'state': 'sideways'}, 'state must be one of'),
    ({'state': 'off', 'force_after': 5}, 'force_after only applies'),
    ({'state': 'graceful_off', 'force_after': 60, 'wait_timeout': 60}, 'less than wait_timeout'),
    ({'state': 'on', 'wait_for': 'os'}, 'wait_for must be one of'),
    ({'state': 'on', 'wait_timeout': 0}, 'positive'),
])
def test_bad_arguments_fail_before_sending(kwargs, match):
    power, client, _clock = fake_power([])
    state = kwargs.pop('state')
    with pytest.raises(IloValidationError, match=match):
        power.ensure(state, **kwargs)
    assert client.sent == []
