# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_event_subscription in-process against the simulator: the iLO 4/5/6/7 profiles and the real iLO 5/6/7 trees.

The whole life of one subscription, checked against the simulated iLO's own subscriptions (not through the module):
check mode predicts and writes nothing, created with the filters the generation takes (event types on iLO 4/5,
registry prefixes on iLO 6/7), a second run is a no-op, a new context is PATCHed (iLO 5+) or replaces the
subscription (iLO 4, whose subscriptions take no PATCH), a new filter replaces it, absent deletes it and is then a
no-op. Filters the EventService does not advertise, a plain-http destination and an unknown message id fail
before any write.
"""

from __future__ import annotations

import pytest

from ilotest import shared_missing  # pylint: disable=import-error
from relkit import (BAD_INPUTS, MOCKUPS, REAL_TREES, SYNTHETIC, assert_clear_failure, connection, profile_params,  # pylint: disable=import-error
                    run_module, serve, writes)

DEST = 'https://eda.example.com:5443/events'


def subscriptions(ilo):
    """The subscriptions the simulated iLO holds, from its own bodies."""
    coll = ilo.body(ilo.tree.subscriptions_key) or {}
    return [ilo.body(m['@odata.id'].lower().rstrip('/')) for m in coll.get('Members') or []]


def writes_by_method(fleet):
    counts = {}
    for key, number in fleet.ilos[0].requests()['by_endpoint'].items():
        method, path = key.split(' ', 1)
        if method in ('POST', 'PATCH', 'DELETE') and 'sessionservice/sessions' not in path:
            counts[method] = counts.get(method, 0) + number
    return counts


def filters_for(profile):
    return ('EventTypes', dict(event_types=['alert', 'StatusChange'])) if profile in ('ilo4', 'ilo5', 'mockup-ilo5') else \
        ('RegistryPrefixes', dict(registry_prefixes=['iLOEvents']))


@pytest.mark.parametrize('profile', profile_params(SYNTHETIC + REAL_TREES))
def test_present_absent_life_of_a_subscription(simulators, profile):
    fleet = serve(simulators, profile)
    ilo = fleet.ilos[0]
    prop, given = filters_for(profile)
    args = connection(fleet, destination=DEST, context='rack12', **given)

    predicted = run_module('ilo_event_subscription', args, check_mode=True, diff=True)
    assert predicted['changed'] and predicted['action'] == 'created', predicted
    assert writes(fleet, exclude_sessions=True) == 0 and subscriptions(ilo) == []
    assert predicted['diff']['before'] == {} and predicted['diff']['after']['destination'] == DEST

    created = run_module('ilo_event_subscription', args)
    assert created['changed'] and created['action'] == 'created', created
    held = subscriptions(ilo)
    assert len(held) == 1 and held[0]['Destination'] == DEST and held[0]['Context'] == 'rack12'
    canonical = ['Alert', 'StatusChange'] if prop == 'EventTypes' else ['iLOEvents']
    assert held[0][prop] == canonical and created['subscription']['uri'] == held[0]['@odata.id']

    ilo.clear_requests()
    again = run_module('ilo_event_subscription', dict(args, destination=DEST.upper().replace('/EVENTS', '/events/')))
    assert not again['changed'] and again['action'] == 'none' and writes_by_method(fleet) == {}, again

    # A new context alone: PATCHed where the subscription allows it (iLO 5+), else replaced (iLO 4).
    ilo.clear_requests()
    moved = run_module('ilo_event_subscription', connection(fleet, destination=DEST, context='rack13', **given), diff=True)
    assert moved['changed'] and moved['diff']['before']['context'] == 'rack12' and moved['diff']['after']['context'] == 'rack13'
    assert [s['Context'] for s in subscriptions(ilo)] == ['rack13']
    if profile == 'ilo4':
        assert moved['action'] == 'replaced' and writes_by_method(fleet) == {'DELETE': 1, 'POST': 1}
    else:
        assert moved['action'] == 'updated' and writes_by_method(fleet) == {'PATCH': 1}

    # A new filter: replaced (create-time only), the context kept.
    ilo.clear_requests()
    narrower = {prop: ['Alert'] if prop == 'EventTypes' else ['iLOEvents', 'ResourceEvent']}
    option = 'event_types' if prop == 'EventTypes' else 'registry_prefixes'
    replaced = run_module('ilo_event_subscription', connection(fleet, destination=DEST, **{option: narrower[prop]}))
    assert replaced['action'] == 'replaced' and writes_by_method(fleet) == {'DELETE': 1, 'POST': 1}, replaced
    held = subscriptions(ilo)
    assert len(held) == 1 and held[0][prop] == narrower[prop] and held[0]['Context'] == 'rack13'

    gone = run_module('ilo_event_subscription', connection(fleet, destination=DEST, state='absent'), diff=True)
    assert gone['changed'] and gone['action'] == 'deleted' and subscriptions(ilo) == [] and gone['subscription'] is None
    ilo.clear_requests()
    still = run_module('ilo_event_subscription', connection(fleet, destination=DEST, state='absent'))
    assert not still['changed'] and still['action'] == 'none' and writes_by_method(fleet) == {}
    assert ilo.session_info()['open'] == []


def test_no_filter_on_an_event_type_service_takes_every_type_but_metric_reports(simulators):
    fleet = serve(simulators, 'ilo5')
    result = run_module('ilo_event_subscription', connection(fleet, destination=DEST))
    assert result['action'] == 'created'
    assert subscriptions(fleet.ilos[0])[0]['EventTypes'] == ['StatusChange', 'ResourceUpdated', 'ResourceAdded', 'ResourceRemoved', 'Alert']


@pytest.mark.parametrize('profile,args,fragments', [
    ('ilo6', dict(event_types=['Alert']), ['does not take EventTypes', 'registry_prefixes']),
    ('ilo5', dict(event_types=['Alert', 'Fire']), ['Fire not advertised']),
    ('ilo5', dict(registry_prefixes=['iLOEvents']), ['does not take RegistryPrefixes']),
    ('ilo7', dict(destination='http://eda.example.com/events', registry_prefixes=['Nope']), ['https URL', 'Nope not advertised', '2 problems']),
    ('mockup-ilo7', dict(message_ids=['iLOEvents.FanFailed', 'iLOEvents.NoSuchMessage', 'Bogus.X']),
     ['NoSuchMessage is not a message', 'Bogus.X is not REGISTRY.KEY']),
])
def test_bad_input_fails_before_any_write(simulators, profile, args, fragments):
    missing = shared_missing(MOCKUPS[profile]) if profile in MOCKUPS else None
    if missing:
        pytest.skip(missing)
    fleet = serve(simulators, profile)
    result = run_module('ilo_event_subscription', connection(fleet, **dict(dict(destination=DEST), **args)))
    msg = assert_clear_failure(result)
    for fragment in fragments:
        assert fragment in msg, msg
    assert result['validation_errors'] and writes(fleet, exclude_sessions=True) == 0
    BAD_INPUTS.append(('ilo_event_subscription', repr(args), msg))
