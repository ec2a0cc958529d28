# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_logs in-process against the simulator: the iLO 4/5/6/7 profiles and the real iLO 5/6/7 trees.

Reads are checked against the simulated iLO's own bodies (not through the module): the newest entries of
every log, newest first; severity and since filters; entries of the Event log (no text of their own)
resolved through the registries on the real trees; pages followed (``log_page_size``) and, on iLO 4
(members as links), only the newest entries read. Clearing: check mode predicts and writes nothing, the
first run clears (iLO 5+ through the advertised LogService.ClearLog target, iLO 4 with the OEM
``{"Action": "ClearLog"}`` POST to the service), the second changes nothing although iLO wrote its
"log cleared" entry. Bad input fails before any request that writes.
"""

from __future__ import annotations

import os

import pytest

from ilotest import SHARED, fresh, require_shared  # pylint: disable=import-error

from relkit import (BAD_INPUTS, REAL_TREES, SYNTHETIC, assert_clear_failure, connection, profile_params,  # pylint: disable=import-error
                    run_module, serve, writes)

ALL = SYNTHETIC + REAL_TREES


def log_keys(ilo):
    """{log id: entries collection key} of every log service, read from the simulator's own bodies."""
    out = {}
    for key in sorted(ilo.tree.bodies):
        body = ilo.body(key)
        if isinstance(body, dict) and '/logservices/' in key and key.count('/') == 6 and isinstance(body.get('Entries'), dict):
            out[body['Id']] = body['Entries']['@odata.id'].lower().rstrip('/')
    return out


def served_entries(ilo, coll_key):
    """The entry bodies the simulator holds for a collection key."""
    coll = ilo.body(coll_key)
    return [ilo.body(m['@odata.id'].lower().rstrip('/')) for m in coll.get('Members') or []]


def newest_ids(bodies, count, keep=lambda body: True):
    bodies = [b for b in bodies if b and keep(b)]
    bodies.sort(key=lambda b: (b.get('Created') or b.get('EventTimestamp') or '', int(b['Id']) if str(b['Id']).isdigit() else 0), reverse=True)
    return [str(b['Id']) for b in bodies[:count]]


def posts(fleet):
    return sorted(k.split(' ', 1)[1] for k, n in fleet.ilos[0].requests()['by_endpoint'].items() for _i in range(n)
                  if k.startswith('POST ') and 'sessionservice/sessions' not in k)


@pytest.mark.parametrize('profile', profile_params(ALL))
def test_read_returns_the_newest_entries_of_every_log(simulators, profile):
    fleet = serve(simulators, profile)
    ilo = fleet.ilos[0]
    result = run_module('ilo_logs', connection(fleet, limit=3))
    assert not result.get('failed'), result
    assert not result['changed'] and result['cleared'] == []
    keys = log_keys(ilo)
    assert [log['id'] for log in result['logs']] and set(log['id'] for log in result['logs']) <= set(keys)
    assert any(log['source'] == 'manager' for log in result['logs']) and any(log['source'] == 'system' for log in result['logs'])
    for log in result['logs']:
        bodies = served_entries(ilo, keys[log['id']])
        assert [e['id'] for e in log['entries']] == newest_ids(bodies, 3), log['id']
        assert log['total'] in (None, len(bodies))
        for entry in log['entries']:
            assert entry['message'], entry  # own text, or the registry's
            assert entry['severity'] in ('ok', 'warning', 'critical', 'informational', 'caution', 'repaired'), entry
    merged = result['entries']
    assert len(merged) == 3 and [e['created'] for e in merged] == sorted((e['created'] for e in merged), reverse=True)
    assert all(e['log'] in keys for e in merged)
    if profile.startswith('mockup'):
        # The Event log has no Message: its MessageId resolved through the iLO's registry, arguments filled in.
        event = [log for log in result['logs'] if log['id'] == 'Event']
        assert event and event[0]['entries'] and all(e['message'] for e in event[0]['entries'])
        # Placeholders stay only where the entry carries fewer MessageArgs than the registry's message takes.
        assert all('%{}'.format(len(e['message_args']) + 1) in e['message'] or '%' not in e['message'] for e in event[0]['entries'])
        assert all(e['message_id'].startswith(('iLOEvents.', 'iLOResourceEvents.', 'ResourceEvent.')) for e in event[0]['entries'])


@pytest.mark.parametrize('profile', profile_params(('ilo4', 'ilo5', 'mockup-ilo7')))
def test_severity_and_since_filter(simulators, profile):
    fleet = serve(simulators, profile)
    ilo = fleet.ilos[0]
    keys = log_keys(ilo)
    result = run_module('ilo_logs', connection(fleet, logs=['iml', 'IEL'], severity='caution', limit=100))
    assert not result.get('failed'), result
    assert [log['id'] for log in result['logs']] == ['IML', 'IEL']
    for log in result['logs']:
        bodies = served_entries(ilo, keys[log['id']])
        hpe = 'Hp' if profile == 'ilo4' else 'Hpe'
        want = newest_ids(bodies, 100, lambda b: b['Oem'][hpe]['Severity'] in ('Caution', 'Critical'))
        assert [e['id'] for e in log['entries']] == want
        assert all(e['severity'] in ('caution', 'critical') for e in log['entries'])
    iml = served_entries(ilo, keys['IML'])
    newest = max(b['Created'] for b in iml)
    # ISO since: only what was created at or after it.
    cut = sorted(b['Created'] for b in iml)[-4]
    result = run_module('ilo_logs', connection(fleet, logs=['IML'], since=cut))
    assert sorted(e['created'] for e in result['logs'][0]['entries']) == sorted(b['Created'] for b in iml if b['Created'] >= cut)
    # A relative span counts back from the log service's DateTime (the iLO's clock).
    result = run_module('ilo_logs', connection(fleet, logs=['IML'], since='1000w'))
    assert result['logs'][0]['entries'] and result['logs'][0]['entries'][0]['created'] == newest
    critical = run_module('ilo_logs', connection(fleet, logs=['IML'], severity='critical'))
    assert all(e['severity'] == 'critical' for e in critical['logs'][0]['entries'])


@pytest.mark.parametrize('profile', ['ilo4', 'ilo5'])
def test_pages_are_followed_and_bounded(simulators, profile):
    fleet = serve(simulators, profile)
    ilo = fleet.ilos[0]
    ilo.set_config({'log_page_size': 5})
    ilo.clear_requests()
    result = run_module('ilo_logs', connection(fleet, logs=['IML'], limit=2))
    assert not result.get('failed'), result
    assert [e['id'] for e in result['logs'][0]['entries']] == ['12', '11'] and result['logs'][0]['total'] == 12
    by = ilo.requests()['by_endpoint']
    pages = by.get('GET /redfish/v1/systems/1/logservices/iml/entries', 0)
    assert pages == 3  # 12 entries, 5 a page
    entry_reads = sum(n for k, n in by.items() if k.startswith('GET /redfish/v1/systems/1/logservices/iml/entries/'))
    # iLO 5 expands each page (no entry read on its own); iLO 4 serves links: only the newest two are read.
    assert entry_reads == (2 if profile == 'ilo4' else 0), by


@pytest.mark.parametrize('profile', profile_params(ALL))
def test_clear_predicts_clears_then_changes_nothing(simulators, profile):
    fleet = serve(simulators, profile)
    ilo = fleet.ilos[0]
    keys = log_keys(ilo)
    args = connection(fleet, logs=['IML', 'IEL'], state='cleared')
    predicted = run_module('ilo_logs', args, check_mode=True, diff=True)
    assert predicted['changed'] and predicted['cleared'] == ['IML', 'IEL'], predicted
    assert predicted['diff']['after'] == {'IML': {'entries': 0}, 'IEL': {'entries': 0}}
    assert writes(fleet, exclude_sessions=True) == 0
    assert len(served_entries(ilo, keys['IML'])) > 1

    ilo.clear_requests()
    result = run_module('ilo_logs', args, diff=True)
    assert result['changed'] and result['cleared'] == ['IML', 'IEL'], result
    if profile == 'ilo4':
        assert posts(fleet) == ['/redfish/v1/managers/1/logservices/iel', '/redfish/v1/systems/1/logservices/iml']
    else:
        assert posts(fleet) == ['/redfish/v1/managers/1/logservices/iel/actions/logservice.clearlog',
                                '/redfish/v1/systems/1/logservices/iml/actions/logservice.clearlog']
    # iLO wrote the entry that says so, and nothing else is left.
    left = served_entries(ilo, keys['IML'])
    assert len(left) == 1 and 'IML Cleared' in left[0]['Message']

    ilo.clear_requests()
    again = run_module('ilo_logs', args)
    assert not again['changed'] and again['cleared'] == [] and posts(fleet) == [], again
    assert ilo.session_info()['open'] == []


@pytest.mark.parametrize('args,fragment', [
    (dict(limit=0), 'limit must be 1 or more'),
    (dict(since='yesterday-ish'), 'since'),
    (dict(logs=['IML', 'nope']), 'nope is not on this iLO'),
    (dict(state='cleared', since='2h', severity='critical'), 'cannot be given'),
])
def test_bad_input_fails_before_any_write(simulators, args, fragment):
    fleet = serve(simulators, 'ilo5')
    result = run_module('ilo_logs', connection(fleet, **args))
    msg = assert_clear_failure(result)
    assert fragment in msg, msg
    assert writes(fleet, exclude_sessions=True) == 0
    BAD_INPUTS.append(('ilo_logs', repr(args), msg))


def test_a_dmtf_service_is_read_and_cleared_the_same_way(simulators):
    """DMTF's rackmount sample (its system's Log1 and its BMC's Log): newest first, cleared once, then nothing to clear."""
    path = require_shared(os.path.join(SHARED, 'redfish-mockups', 'dmtf-public-rackmount1'))
    fleet = fresh(simulators('mockup:' + path))
    ilo = fleet.ilos[0]
    result = run_module('ilo_logs', connection(fleet, limit=5))
    keys = log_keys(ilo)
    assert [(log['id'], log['source']) for log in result['logs']] == [('Log1', 'system'), ('Log', 'manager')], result
    for log in result['logs']:
        assert [e['id'] for e in log['entries']] == newest_ids(served_entries(ilo, keys[log['id']]), 5)
    cleared = run_module('ilo_logs', connection(fleet, state='cleared'))
    assert cleared['changed'] and cleared['cleared'] == ['Log1', 'Log']
    assert all(served_entries(ilo, key) == [] for key in keys.values())  # no "cleared" entry outside HPE's logs
    again = run_module('ilo_logs', connection(fleet, state='cleared'))
    assert not again['changed'] and again['cleared'] == []
