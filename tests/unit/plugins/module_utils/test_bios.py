# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIOS model against the simulator: registry discovery, validation rules (each refusal with
zero writes), current/pending model, the diff, If-Match and 412, reset to defaults, verification."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.lightsout.ilo.plugins.module_utils import bios as bios_mod
from ansible_collections.lightsout.ilo.plugins.module_utils.bios import AttributeRegistry, BiosSettings, check_value, validate
from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService

from ilotest import examples, fresh, open_sessions  # pylint: disable=import-error

WRITES = ('PATCH', 'PUT', 'POST', 'DELETE')


@pytest.fixture(params=['ilo4', 'ilo5', 'ilo6'])
def sim(request, simulators):
    fleet = fresh(simulators(request.param))
    yield fleet
    assert open_sessions(fleet) == 0


@pytest.fixture
def sim5(simulators):
    fleet = fresh(simulators('ilo5'))
    yield fleet
    assert open_sessions(fleet) == 0


def client_for(fleet):
    return RedfishClient(fleet.urls[0], auth='basic', username='Administrator', password='password',
                         ca_path=fleet.ca_path, environ={}, sleep=lambda s: None)


def model(fleet):
    client = client_for(fleet)
    service = IloService(client)
    return BiosSettings(service, service.system_uri())


def writes(fleet):
    by_method = fleet.ilos[0].requests()['by_method']
    return sum(by_method.get(m, 0) for m in WRITES)


def endpoint(fleet, key):
    return fleet.ilos[0].requests()['by_endpoint'].get(key, 0)


def sim_state(fleet):
    return fleet.ilos[0].state()['systems']['1']


def refuse(fleet, desired):
    """Validate like the module does and return the joined messages; nothing may be written."""
    bios = model(fleet)
    bios.read_settings()
    errors = validate(bios.registry(), desired, bios.current)
    assert writes(fleet) == 0
    return ' '.join(errors)


# ---------------------------------------------------------------------------------- registry

def test_registry_found_by_link_and_read_once(sim):
    bios = model(sim)
    registry = bios.registry()
    assert registry is not None and 'AdminName' in registry
    assert registry.name == bios.registry_name
    assert bios.registry() is registry
    gets = [k for k, v in sim.ilos[0].requests()['by_endpoint'].items() if 'registrystore' in k]
    assert len(gets) == 1 and sim.ilos[0].requests()['by_endpoint'][gets[0]] == 1


def test_registry_missing_returns_none(sim5):
    bios = model(sim5)
    assert AttributeRegistry.discover(bios.service, 'NoSuchRegistry.v1_0_0') is None


# ---------------------------------------------------------------------------------- validation rules

def test_unknown_name_names_closest(sim):
    text = refuse(sim, {'ProcHyperThreading': 'Enabled', 'AdminNmae': 'x'})
    assert 'ProcHyperThreading is not an attribute' in text and 'closest valid names: ProcHyperthreading' in text
    assert 'AdminNmae is not an attribute' in text and 'AdminName' in text


def test_unknown_name_without_close_match(sim5):
    assert 'no close match' in refuse(sim5, {'Zzzzqqq': 'x'})


def test_read_only_and_immutable(sim):
    assert 'SecureBootStatus is read-only (immutable)' in refuse(sim, {'SecureBootStatus': 'Enabled'})


def test_enumeration_lists_allowed_values(sim):
    text = refuse(sim, {'ProcTurbo': 'Off'})
    assert "'Off' is not an allowed value of ProcTurbo; allowed values: Disabled, Enabled." in text


def test_enumeration_case_hint(sim5):
    assert 'did you mean Enabled?' in refuse(sim5, {'ProcTurbo': 'enabled'})


def test_enumeration_boolean_hint(sim):
    text = refuse(sim, {'ProcTurbo': True})
    assert 'not the boolean true' in text and 'YAML' in text and 'Allowed values: Disabled, Enabled' in text


def test_integer_bounds(sim5):
    assert 'NetworkBootRetryCount must be between 0 and 20, not 21.' in refuse(sim5, {'NetworkBootRetryCount': 21})
    assert 'VlanId must be between 0 and 4094, not -1.' in refuse(sim5, {'VlanId': -1})


def test_integer_type_hint(sim5):
    text = refuse(sim5, {'VlanId': '5'})
    assert "VlanId is an integer, not the string '5': write it without quotes (5)." in text
    assert 'VlanId is an integer, not the boolean true' in refuse(sim5, {'VlanId': True})


def test_scalar_increment():
    entry = {'Type': 'Integer', 'LowerBound': 0, 'UpperBound': 100, 'ScalarIncrement': 5}
    assert check_value(entry, 'Step', 10) == []
    assert check_value(entry, 'Step', 12) == ['Step must be a multiple of 5 counted from 0, not 12.']


def test_string_length_and_expression(sim):
    assert 'AdminName must be at most 28 characters long, not 29.' in refuse(sim, {'AdminName': 'x' * 29})
    assert 'does not match the pattern' in refuse(sim, {'Ipv4Address': '300.1.1.1'})
    assert 'AdminName value' in refuse(sim, {'AdminName': u'caf\u00e9'})
    entry = {'Type': 'String', 'MinLength': 3, 'MaxLength': 8}
    assert check_value(entry, 'S', 'ab') == ['S must be at least 3 characters long, not 2.']


def test_string_type_hint(sim):
    assert 'AdminName is a string, not the integer 1: quote it ("1").' in refuse(sim, {'AdminName': 1})


def test_all_errors_reported_together(sim):
    bios = model(sim)
    bios.read_settings()
    errors = validate(bios.registry(), {'AdminNam': 'x', 'SecureBootStatus': 'Enabled', 'ProcTurbo': 'Off',
                                        'AdminName': 'x' * 40, 'ProcHyperthreading': 'Enabled'}, bios.current)
    assert len(errors) == 4
    assert writes(sim) == 0


def test_registry_attribute_not_exposed_by_this_server(sim5):
    bios = model(sim5)
    bios.read_settings()
    current = bios.current
    current.pop('AdminName')
    assert 'AdminName is defined in' in ' '.join(validate(bios.registry(), {'AdminName': 'x'}, current))


def test_password_refused():
    assert 'write-only password' in check_value({'Type': 'Password'}, 'AdminPassword', 'x')[0]


def test_without_registry_checks_names_and_types_against_current():
    current = {'ProcTurbo': 'Enabled', 'VlanId': 0}
    assert 'closest valid names: ProcTurbo' in validate(None, {'ProcTurbo2': 'x'}, current)[0]
    assert 'VlanId must be a integer' in validate(None, {'VlanId': '3'}, current)[0]
    assert validate(None, {'ProcTurbo': 'Disabled', 'VlanId': 3}, current) == []


def test_malformed_attributes_option():
    with pytest.raises(IloValidationError, match='AdminName got a dict'):
        bios_mod.check_desired({'AdminName': {'a': 1}})


ENUM = {'Type': 'Enumeration', 'Value': [{'ValueName': 'Enabled'}, {'ValueName': 'Disabled'}]}


@settings(max_examples=examples(200), deadline=None)
@given(st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none()))
def test_enumeration_accepts_exactly_its_values(value):
    problems = check_value(ENUM, 'E', value)
    assert (problems == []) == (value in ('Enabled', 'Disabled') and isinstance(value, str))


@settings(max_examples=examples(200), deadline=None)
@given(st.one_of(st.integers(-50, 150), st.text(max_size=3), st.booleans()))
def test_integer_accepts_exactly_in_bounds_on_step(value):
    entry = {'Type': 'Integer', 'LowerBound': 10, 'UpperBound': 100, 'ScalarIncrement': 10}
    ok = isinstance(value, int) and not isinstance(value, bool) and 10 <= value <= 100 and value % 10 == 0
    assert (check_value(entry, 'I', value) == []) == ok


# ---------------------------------------------------------------------------------- current / pending / plan

def test_flat_layout_on_ilo4(simulators):
    fleet = fresh(simulators('ilo4'))
    bios = model(fleet)
    bios.read_settings()
    assert bios.flat and 'AdminName' in bios.current and 'links' not in bios.current and 'AttributeRegistry' not in bios.current
    assert bios.body_for({'AdminName': 'x'}) == {'AdminName': 'x'}
    assert bios.pending == {}


PENDING_VALUES = st.sampled_from(['', 'a', 'b'])


@settings(max_examples=examples(300), deadline=None)
@given(current=PENDING_VALUES, pending=st.one_of(st.none(), PENDING_VALUES), desired=PENDING_VALUES)
def test_plan_writes_only_when_the_outcome_would_differ(current, pending, desired):
    bios = BiosSettings.__new__(BiosSettings)
    pend = {} if pending is None or pending == current else {'A': pending}
    changes, report = bios.plan({'A': desired}, current={'A': current}, pending=pend)
    effective = pend.get('A', current)
    # No write exactly when the next boot would already end at the desired value.
    assert (changes == {}) == (effective == desired)
    assert report['A']['action'] == ('set' if changes else ('staged' if pend else 'none'))


def test_apply_patches_only_changes_with_if_match(sim, monkeypatch):
    bios = model(sim)
    bios.read_settings()
    sent = []
    original = bios.client.request

    def spy(method, uri, **kwargs):
        if method == 'PATCH':
            sent.append((uri, kwargs.get('body'), kwargs.get('if_match')))
        return original(method, uri, **kwargs)

    monkeypatch.setattr(bios.client, 'request', spy)
    current = bios.current
    changes, messages = bios.apply({'AdminName': 'Ops', 'ProcTurbo': current['ProcTurbo']})
    assert changes == {'AdminName': 'Ops'}
    assert len(sent) == 1 and sent[0][2]
    assert sent[0][1] == ({'AdminName': 'Ops'} if bios.flat else {'Attributes': {'AdminName': 'Ops'}})
    assert [m['MessageId'].split('.')[-1].split(':')[-1] for m in messages] == ['SystemResetRequired']
    assert sim_state(sim)['bios_pending'] == {'AdminName': 'Ops'}
    assert model(sim).read_settings() == {'AdminName': 'Ops'}


def test_412_once_then_success_after_one_reread(sim5):
    sim5.ilos[0].add_fault({'kind': 'etag_412', 'count': 1, 'match': {'method': 'PATCH', 'path': 'bios/settings'}})
    bios = model(sim5)
    bios.read_settings()
    changes = bios.apply({'AdminName': 'Ops'})[0]
    assert changes == {'AdminName': 'Ops'}
    assert endpoint(sim5, 'PATCH /redfish/v1/systems/1/bios/settings') == 2
    assert endpoint(sim5, 'GET /redfish/v1/systems/1/bios/settings') == 2


def test_412_always_fails_clearly_without_loop(sim5):
    sim5.ilos[0].add_fault({'kind': 'etag_412', 'count': -1, 'match': {'method': 'PATCH', 'path': 'bios/settings'}})
    bios = model(sim5)
    bios.read_settings()
    with pytest.raises(IloError, match='HTTP 412 Precondition Failed on both attempts.*nothing was written') as info:
        bios.apply({'AdminName': 'Ops'})
    assert info.value.status == 412
    assert endpoint(sim5, 'PATCH /redfish/v1/systems/1/bios/settings') == 2
    assert sim_state(sim5)['bios_pending'] == {}


def test_412_reread_finds_nothing_left_to_do(sim5):
    """Someone else staged the very value between our read and our PATCH: the retry sees it and sends nothing."""
    bios = model(sim5)
    bios.read_settings()
    other = model(sim5)
    other.read_settings()
    other.apply({'AdminName': 'Ops'})
    changes = bios.apply({'AdminName': 'Ops'})[0]
    assert changes == {}
    assert endpoint(sim5, 'PATCH /redfish/v1/systems/1/bios/settings') == 2  # other's + our refused one


# ---------------------------------------------------------------------------------- reset to defaults

def test_reset_to_defaults_and_idempotence(sim):
    bios = model(sim)
    bios.read_settings()
    differing = bios.differs_from_defaults()
    assert differing, 'the profile should start away from some default'
    how = bios.reset_to_defaults()[0]
    if sim.ilos[0].state()['generation'] == 4:
        assert how.startswith('PATCH') and 'BaseConfig' in how
    else:
        assert how.startswith('POST') and 'Bios.ResetBios' in how
    bios.read_settings()
    assert bios.differs_from_defaults() == {}
    assert set(differing) <= set(bios.pending)


# ---------------------------------------------------------------------------------- after a reboot

def test_verify_applied_names_rejected_attribute_and_message_id(sim):
    sim.ilos[0].add_fault({'kind': 'reject_bios_attribute', 'name': 'AdminName', 'message_id': 'PropertyNotWritable'})
    bios = model(sim)
    bios.read_settings()
    bios.apply({'AdminName': 'A', 'AdminEmail': 'b@example.com'})
    from ansible_collections.lightsout.ilo.plugins.module_utils.power import Power  # pylint: disable=import-outside-toplevel
    Power(bios.service, bios.system_uri).ensure('restarted', wait_for='post_complete', wait_timeout=30)
    applied, failed = bios.verify_applied({'AdminName': 'A', 'AdminEmail': 'b@example.com'})
    assert applied == ['AdminEmail']
    assert list(failed) == ['AdminName']
    assert any(i.endswith('PropertyNotWritable') for i in failed['AdminName']['message_ids'])
    text = bios_mod.describe_failures(failed, bios.service)
    assert 'AdminName' in text and 'PropertyNotWritable' in text and 'AdminEmail' not in text
