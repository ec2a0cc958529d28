# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired-state layer in-process: the pending rule, plan/diff, one PATCH with If-Match,
re-plan on 412, check-mode prediction equal to what a real run leaves, the poller's deadline,
and a manager reset that survives dropped connections and lost sessions.

Against the simulator: a resource written directly (the ComputerSystem's AssetTag and
IndicatorLED) and one with a settings object (BIOS)."""

from __future__ import annotations

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils.bios import BiosSettings
from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloDiscoveryError,
    IloError,
    IloWaitTimeout,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService
from ansible_collections.lightsout.ilo.plugins.module_utils.state import (
    ManagerReset,
    Poller,
    SettingsResource,
    pending_of,
    plan,
    view,
)

from ilotest import FakeClock, fresh  # pylint: disable=import-error

USER, PASSWORD = 'Administrator', 'password'
WRITES = ('PATCH', 'PUT', 'POST', 'DELETE')
SYSTEM = '/redfish/v1/systems/1'


def client_for(fleet, **kwargs):
    options = dict(auth='basic', username=USER, password=PASSWORD)
    options.update(kwargs)
    return RedfishClient(fleet.urls[0], ca_path=fleet.ca_path, environ={}, sleep=lambda s: None, **options)


def system_resource(fleet):
    service = IloService(client_for(fleet))
    resource = SettingsResource(service.client, service.system_uri(), direct=True)
    resource.noun = 'system settings'
    resource.read_settings()
    return resource


def writes(fleet):
    by_method = fleet.ilos[0].requests()['by_method']
    return sum(by_method.get(m, 0) for m in WRITES)


def endpoint(fleet, key):
    return fleet.ilos[0].requests()['by_endpoint'].get(key, 0)


def spy_patches(monkeypatch, client):
    sent = []
    original = client.request

    def spy(method, uri, **kwargs):
        if method == 'PATCH':
            sent.append((uri, kwargs.get('body'), kwargs.get('if_match')))
        return original(method, uri, **kwargs)

    monkeypatch.setattr(client, 'request', spy)
    return sent


# ---------------------------------------------------------------------------------- pure rules

def test_pending_rule_counts_missing_keys_and_drops_equal_ones():
    assert pending_of({'A': 1, 'B': None}, {'A': 1, 'B': None, 'C': None, 'D': 2}) == {'C': None, 'D': 2}
    assert pending_of({'A': 1}, {'A': 2}) == {'A': 2}
    assert pending_of({'A': 1}, None) == {}


def test_plan_actions_and_unsettled():
    difference = plan({'A': 1, 'B': 2, 'C': 3, 'D': 4}, current={'A': 1, 'B': 0, 'C': 0}, pending={'B': 2, 'C': 9})
    assert difference.changes == {'C': 3, 'D': 4}
    assert dict((n, r['action']) for n, r in difference.report.items()) == {'A': 'none', 'B': 'staged', 'C': 'set', 'D': 'set'}
    assert difference.report['C'] == {'current': 0, 'pending': 9, 'desired': 3, 'action': 'set'}
    assert difference.unsettled == {'B': 2, 'C': 3, 'D': 4}
    # A name the current values lack is never "already current", even when the wanted value is None.
    assert plan({'E': None}, current={}, pending={}).changes == {'E': None}
    changes, report = difference  # still the (changes, report) pair callers unpack
    assert changes is difference.changes and report is difference.report


def test_view_shows_pending_only_where_there_is_one():
    assert view(['A', 'B'], {'A': 1}, {'B': 2}) == {'A': {'current': 1}, 'B': {'current': None, 'pending': 2}}


# ---------------------------------------------------------------------------------- a directly written resource

def test_direct_resource_plan_check_mode_then_apply(ilo5, monkeypatch):
    resource = system_resource(ilo5)
    assert resource.settings_uri is None and resource.etag
    led = resource.current['IndicatorLED']
    desired = {'AssetTag': 'rack-7', 'IndicatorLED': led}
    predicted = resource.converge(desired, check_mode=True)
    assert writes(ilo5) == 0
    assert predicted.changed and predicted.changes == {'AssetTag': 'rack-7'}
    assert predicted.after == {} and predicted.before == {}
    assert predicted.diff(sorted(desired)) == {
        'before': {'AssetTag': {'current': ''}, 'IndicatorLED': {'current': led}},
        'after': {'AssetTag': {'current': 'rack-7'}, 'IndicatorLED': {'current': led}},
    }

    resource = system_resource(ilo5)
    sent = spy_patches(monkeypatch, resource.client)
    outcome = resource.converge(desired)
    assert outcome.changes == predicted.changes and outcome.diff(sorted(desired)) == predicted.diff(sorted(desired))
    assert sent == [(resource.uri, {'AssetTag': 'rack-7'}, resource.etag)]
    assert system_resource(ilo5).current['AssetTag'] == 'rack-7'

    again = system_resource(ilo5).converge(desired)
    assert not again.changed and writes(ilo5) == 1


def test_direct_resource_412_once_replans_and_writes_once_more(ilo5):
    ilo5.ilos[0].add_fault({'kind': 'etag_412', 'count': 1, 'match': {'method': 'PATCH', 'path': 'systems/1/?$'}})
    resource = system_resource(ilo5)
    changes = resource.apply({'AssetTag': 'rack-8'})[0]
    assert changes == {'AssetTag': 'rack-8'} and resource.current['AssetTag'] == 'rack-8'
    assert endpoint(ilo5, 'PATCH ' + SYSTEM) == 2
    assert endpoint(ilo5, 'GET ' + SYSTEM) >= 2


def test_412_replan_drops_what_another_client_already_wrote(ilo5):
    ours = system_resource(ilo5)
    system_resource(ilo5).apply({'AssetTag': 'theirs'})
    outcome = ours.converge({'AssetTag': 'theirs'})
    assert outcome.changes == {} and not outcome.changed
    assert endpoint(ilo5, 'PATCH ' + SYSTEM) == 2  # theirs + our refused one


def test_412_twice_names_the_resource_and_writes_nothing(ilo5):
    ilo5.ilos[0].add_fault({'kind': 'etag_412', 'count': -1, 'match': {'method': 'PATCH', 'path': 'systems/1/?$'}})
    resource = system_resource(ilo5)
    with pytest.raises(IloError, match=r'The system settings resource .*HTTP 412 Precondition Failed on both attempts') as info:
        resource.apply({'AssetTag': 'rack-9'})
    assert info.value.status == 412 and endpoint(ilo5, 'PATCH ' + SYSTEM) == 2
    assert system_resource(ilo5).current['AssetTag'] == ''


def test_resource_without_settings_object_refuses_unless_direct(ilo5):
    client = client_for(ilo5)
    with pytest.raises(IloDiscoveryError, match='advertises no settings object'):
        SettingsResource(client, IloService(client).system_uri()).reload().read_settings()


# ---------------------------------------------------------------------------------- a settings object (pending)

@pytest.mark.parametrize('profile', ['ilo4', 'ilo5', 'ilo6'])
def test_check_mode_prediction_is_what_a_real_run_leaves(simulators, profile, monkeypatch):
    fleet = fresh(simulators(profile))

    def bios():
        service = IloService(client_for(fleet))
        found = BiosSettings(service, service.system_uri())
        found.read_settings()
        return found

    other = bios()
    other.apply({'AdminEmail': 'someone@else.example.com', 'AdminPhone': '555'})
    desired = {'AdminName': 'Ops', 'AdminEmail': 'ops@example.com', 'AdminPhone': '555'}
    names = sorted(desired)
    predicted = bios().converge(desired, check_mode=True)
    assert writes(fleet) == 1
    assert predicted.changes == {'AdminName': 'Ops', 'AdminEmail': 'ops@example.com'}
    assert predicted.report['AdminPhone']['action'] == 'staged'

    real = bios()
    sent = spy_patches(monkeypatch, real.client)
    outcome = real.converge(desired)
    assert writes(fleet) == 2
    assert [real.values_of(body) for _uri, body, _etag in sent] == [predicted.changes]  # only the difference
    assert (outcome.changes, outcome.report, outcome.after) == (predicted.changes, predicted.report, predicted.after)
    assert outcome.diff(names) == predicted.diff(names)
    assert bios().pending == outcome.after == {'AdminName': 'Ops', 'AdminEmail': 'ops@example.com', 'AdminPhone': '555'}
    assert outcome.diff(names)['before']['AdminEmail'] == {'current': '', 'pending': 'someone@else.example.com'}
    assert outcome.diff(names, applied=True)['after']['AdminName'] == {'current': 'Ops'}


# ---------------------------------------------------------------------------------- poller

def test_poller_stops_at_the_deadline_with_the_last_value():
    clock = FakeClock(100.0)
    poller = Poller(clock=clock, sleep=clock.sleep)
    seen = []
    reached, last = poller.wait(lambda: len(seen), lambda v: False, poller.deadline(30),
                                progress=lambda value, elapsed: seen.append((value, elapsed)))
    assert reached is False and last == len(seen) - 1
    assert clock.now == pytest.approx(130.0)
    assert clock.sleeps[:3] == pytest.approx([0.2, 0.3, 0.45])
    assert max(clock.sleeps) == 5.0 and sum(clock.sleeps) == pytest.approx(30.0)
    assert seen[0] == (0, 0.0) and seen[-1][1] == pytest.approx(30.0)


def test_poller_returns_as_soon_as_done():
    clock = FakeClock(100.0)
    poller = Poller(clock=clock, sleep=clock.sleep, initial=1, maximum=1)
    values = iter(['down', 'down', 'up', 'never read'])
    assert poller.wait(lambda: next(values), lambda v: v == 'up', poller.deadline(60)) == (True, 'up')
    assert clock.sleeps == [1.0, 1.0]


# ---------------------------------------------------------------------------------- manager reset

def manager_reset(client, **kwargs):
    service = IloService(client)
    manager = service.select(service.managers(), None, 'manager')
    return ManagerReset(service, manager, poller=Poller(sleep=lambda s: None), **kwargs)


def drop_after_post(monkeypatch, fleet, client, drops=2, login_drops=0):
    """When the reset is posted, the iLO forgets every session and drops the next connections (injected faults,
    counted exactly: the simulator's own reset downtime is switched off here)."""
    fleet.ilos[0].set_config({'manager_reset_down_s': 0, 'manager_reset_not_ready_s': 0})
    original = client.post

    def post(uri, body=None, **kwargs):
        response = original(uri, body, **kwargs)
        fleet.ilos[0].add_fault({'kind': 'expire_sessions'})
        fleet.ilos[0].add_fault({'kind': 'drop', 'count': drops, 'match': {'method': 'GET', 'path': 'managers/1'}})
        if login_drops:
            fleet.ilos[0].add_fault({'kind': 'drop', 'count': login_drops, 'match': {'method': 'POST', 'path': 'sessions'}})
        return response

    monkeypatch.setattr(client, 'post', post)


def test_manager_reset_survives_the_drop_and_logs_in_again(ilo5, monkeypatch):
    client = client_for(ilo5, auth='session', retries=0)
    with client:
        token = client.token
        reset = manager_reset(client, settle=60)
        drop_after_post(monkeypatch, ilo5, client)
        progress = []
        result = reset.run(timeout=60, progress=lambda state, elapsed: progress.append(state))
        assert result['went_down'] and result['logged_in_again'] and result['reset']['ResetType'] == 'GracefulRestart'
        assert progress[:2] == ['down', 'down'] and progress[-1] == 'up'
        assert client.token and client.token != token
        assert client.get(reset.manager_uri, fresh=True).status == 200
    assert endpoint(ilo5, 'POST /redfish/v1/managers/1/actions/manager.reset') == 1
    assert endpoint(ilo5, 'POST /redfish/v1/sessionservice/sessions') == 2


def test_manager_reset_logs_in_again_when_the_clients_own_relogin_was_dropped(ilo5, monkeypatch):
    """The first re-login after the reset hits the restarting iLO: a session is still there once it is back."""
    client = client_for(ilo5, auth='session', retries=0)
    with client:
        token = client.token
        drop_after_post(monkeypatch, ilo5, client, drops=1, login_drops=1)
        progress = []
        result = manager_reset(client).run(timeout=60, progress=lambda state, elapsed: progress.append(state))
        # Who logs in again (the client on its 401, or the waiter) is the client's business; that it happens is ours.
        assert progress[0] == 'down' and progress[-1] == 'up' and progress.count('down') == 2
        assert result['logged_in_again'] and client.token != token and client.owns_session
    assert endpoint(ilo5, 'POST /redfish/v1/sessionservice/sessions') == 3  # first, dropped, ours


def test_manager_reset_with_a_given_session_says_it_ended(ilo5, monkeypatch):
    with client_for(ilo5, auth='session') as owner:
        given = RedfishClient(ilo5.urls[0], session={'token': owner.token, 'uri': owner.session_uri}, ca_path=ilo5.ca_path,
                              environ={}, retries=0, sleep=lambda s: None)
        drop_after_post(monkeypatch, ilo5, given, drops=1)
        with pytest.raises(IloAuthError, match='ended the session this task was given'):
            manager_reset(given).run(timeout=60)
        owner.owns_session = False  # the reset deleted it


def test_manager_reset_replaces_a_given_session_when_it_has_credentials(ilo5, monkeypatch):
    with client_for(ilo5, auth='session') as owner:
        given = RedfishClient(ilo5.urls[0], session={'token': owner.token, 'uri': owner.session_uri}, username=USER,
                              password=PASSWORD, ca_path=ilo5.ca_path, environ={}, retries=0, sleep=lambda s: None)
        owner.owns_session = False  # the reset deletes it
        with given:
            drop_after_post(monkeypatch, ilo5, given, drops=1)
            progress = []
            result = manager_reset(given).run(timeout=60, progress=lambda state, elapsed: progress.append(state))
            assert progress == ['down', 'relogged', 'up'] and result['logged_in_again'] and given.owns_session
    assert endpoint(ilo5, 'POST /redfish/v1/sessionservice/sessions') == 2


def test_manager_reset_times_out_when_it_never_comes_back(ilo5, monkeypatch):
    client = client_for(ilo5, retries=0)
    clock = FakeClock(100.0)
    reset = manager_reset(client)
    reset.poller = Poller(clock=clock, sleep=clock.sleep)
    drop_after_post(monkeypatch, ilo5, client, drops=-1)
    with pytest.raises(IloWaitTimeout, match='Timed out after 20.0 s waiting for the manager') as info:
        reset.run(timeout=20)
    assert info.value.result['went_down'] and clock.now == pytest.approx(120.0)
    ilo5.ilos[0].clear_faults()


def test_manager_reset_against_the_simulators_own_reset(ilo5):
    """No injected faults: the simulated iLO forgets the session, drops connections, answers 503, comes back."""
    ilo5.ilos[0].set_config({'manager_reset_down_s': 0.6, 'manager_reset_not_ready_s': 0.4})
    client = client_for(ilo5, auth='session', retries=0)
    with client:
        token = client.token
        service = IloService(client)
        reset = ManagerReset(service, service.select(service.managers(), None, 'manager'), poller=Poller(initial=0.05, maximum=0.2),
                             settle=30)
        progress = []
        result = reset.run(timeout=30, progress=lambda state, elapsed: progress.append(state))
        assert result['went_down'] and result['logged_in_again'] and client.token != token
        assert 'down' in progress and progress[-1] in ('up', 'relogged') and result['elapsed'] >= 0.6
        assert client.get(reset.manager_uri, fresh=True).status == 200
    state = ilo5.ilos[0].state()
    assert state['manager_resets'] == ['GracefulRestart']
    assert ilo5.ilos[0].session_info()['open'] == []


def test_manager_reset_check_mode_sends_nothing(ilo5):
    result = manager_reset(client_for(ilo5)).run(check_mode=True)
    assert result['changed'] and result['reset']['target'].lower().endswith('manager.reset/')
    assert not result['went_down'] and not result['logged_in_again']
    assert writes(ilo5) == 0
