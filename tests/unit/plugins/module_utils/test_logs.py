# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/logs.py on JSON samples: time and span parsing, the entry vocabulary, how a log is cleared,
the "log cleared" entry, paging, reading links from the newest end, and choosing logs by id."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils import logs
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloValidationError

NOW = logs.parse_time('2025-05-29T11:00:00Z')


def test_times_and_spans():
    assert logs.parse_time('2025-05-29T13:00:00+02:00') == NOW
    assert logs.parse_time('2025-05-29T11:00:00') == NOW and logs.parse_time('2025-05-29 11:00') == NOW
    assert logs.parse_time('May 29') is None and logs.parse_time(None) is None
    assert logs.parse_since('2h', now=NOW) == NOW - datetime.timedelta(hours=2)
    assert logs.parse_since('7d', now=NOW) == NOW - datetime.timedelta(days=7)
    assert logs.parse_since('1w', now=NOW) == logs.parse_since('168h', now=NOW)
    assert logs.parse_since('2025-05-29T11:00:00Z') == NOW
    with pytest.raises(IloValidationError, match='neither an ISO 8601 time'):
        logs.parse_since('last tuesday')


IML = {'@odata.id': '/redfish/v1/Systems/1/LogServices/IML/Entries/7', 'Id': '7', 'Created': '2025-05-13T14:39:02Z',
       'Message': 'System Fans Not Redundant', 'MessageArgs': [], 'MessageId': '6.3', 'Severity': 'OK',
       'Oem': {'Hpe': {'Categories': ['Hardware'], 'Class': 6, 'Code': 3, 'Count': 2, 'Repaired': True, 'Severity': 'Repaired',
                       'RecommendedAction': 'Check the fans.'}}}
EVENT = {'@odata.id': '/redfish/v1/Systems/1/LogServices/Event/Entries/31', 'Id': '31', 'Created': '2025-07-19T23:10:38Z',
         'MessageId': 'iLOResourceEvents.7.1.FanFailed', 'MessageArgs': ['Fan 3'], 'Severity': 'Critical'}


def test_entry_vocabulary_and_registry_resolution():
    entry = logs.entry_of(IML)
    assert entry['severity'] == 'repaired' and entry['repaired'] is True and entry['class'] == 6 and entry['code'] == 3
    assert entry['categories'] == ['Hardware'] and entry['count'] == 2 and entry['recommended_action'] == 'Check the fans.'
    asked = []

    def text(message_id):
        asked.append(message_id)
        return ('%1 failed.', 'Replace %1.') if message_id.endswith('FanFailed') else None
    event = logs.entry_of(EVENT, text)
    assert event['message'] == 'Fan 3 failed.' and event['severity'] == 'critical' and event['message_args'] == ['Fan 3']
    assert event['recommended_action'] == 'Replace %1.' and asked == ['iLOResourceEvents.7.1.FanFailed']
    # HPE's class.code ids are not registry ids: never looked up.
    logs.entry_of(dict(IML, Message=None), text)
    assert asked == ['iLOResourceEvents.7.1.FanFailed']


def test_filters_by_rank_and_time():
    entries = [logs.entry_of(IML), logs.entry_of(EVENT)]
    assert [e['id'] for e in entries if logs.matches(e, min_rank=logs.severity_rank('warning'))] == ['31']
    assert [e['id'] for e in entries if logs.matches(e, min_rank=logs.severity_rank('ok'))] == ['7', '31']
    assert [e['id'] for e in entries if logs.matches(e, since=logs.parse_time('2025-06-01T00:00:00Z'))] == ['31']
    assert not logs.matches({'created': None, 'severity': 'ok'}, since=NOW)


def test_how_each_generation_is_cleared():
    ilo5 = {'@odata.id': '/redfish/v1/Systems/1/LogServices/IML',
            'Actions': {'#LogService.ClearLog': {'target': '/redfish/v1/Systems/1/LogServices/IML/Actions/LogService.ClearLog'}}}
    assert logs.clear_request(ilo5) == ('/redfish/v1/Systems/1/LogServices/IML/Actions/LogService.ClearLog', {})
    ilo4 = {'@odata.id': '/rest/v1/Systems/1/LogServices/IML', 'AvailableActions': [{'Action': 'ClearLog'}]}
    assert logs.clear_request(ilo4) == ('/rest/v1/Systems/1/LogServices/IML', {'Action': 'ClearLog'})
    assert logs.clear_request({'@odata.id': '/x', 'Actions': {}}) is None


def collection(members, nxt=None, count=None):
    body = {'@odata.id': '/redfish/v1/Systems/1/LogServices/IML/Entries', 'Members': members}
    if nxt:
        body['Members@odata.nextLink'] = nxt
    if count is not None:
        body['Members@odata.count'] = count
    return body


SERVICE = {'@odata.id': '/redfish/v1/Systems/1/LogServices/IML', 'Id': 'IML', 'Entries': {'@odata.id': '/redfish/v1/Systems/1/LogServices/IML/Entries'}}


def entry(number, message='Event %d'):
    return {'@odata.id': '/redfish/v1/Systems/1/LogServices/IML/Entries/%d' % number, 'Id': str(number),
            'Created': '2025-05-%02dT10:00:00Z' % number, 'Message': message % number if '%d' in message else message,
            'Oem': {'Hpe': {'Severity': 'Critical' if number % 3 == 0 else 'Informational'}}}


def test_has_entries_ignores_the_cleared_marker():
    def get(bodies):
        return lambda uri, params=None: bodies.get(uri.split('?')[0])
    marker = entry(1, 'IML Cleared (iLO 5 user: Administrator)')
    assert logs.has_entries(get({'/redfish/v1/Systems/1/LogServices/IML/Entries': collection([marker], count=1)}), SERVICE, True) == (False, 1)
    assert logs.has_entries(get({'/redfish/v1/Systems/1/LogServices/IML/Entries': collection([entry(1)], count=1)}), SERVICE, True) == (True, 1)
    assert logs.has_entries(get({'/redfish/v1/Systems/1/LogServices/IML/Entries': collection([], count=0)}), SERVICE, True) == (False, 0)
    iel = logs.entry_of(entry(2, 'Event log cleared by: Administrator.'))
    assert logs.is_clear_marker(iel) and not logs.is_clear_marker(logs.entry_of(entry(3)))


def test_pages_are_followed_and_links_read_from_the_newest_end():
    base = '/redfish/v1/Systems/1/LogServices/IML/Entries'
    pages = {base: collection([entry(n) for n in range(1, 6)], base + '?page=2', 9),
             base + '?page=2': collection([entry(n) for n in range(6, 10)])}
    seen = []

    def get(uri, params=None):
        seen.append(uri)
        return pages.get(uri)
    got, info = logs.read_entries(get, None, SERVICE, limit=3, expand=True)
    assert [e['id'] for e in got] == ['9', '8', '7'] and info == {'total': 9, 'pages': 2, 'read': 9}
    got, _info = logs.read_entries(get, None, SERVICE, limit=2, min_rank=2, expand=True)
    assert [e['id'] for e in got] == ['9', '6']
    # Links only (iLO 4): the newest are read first, in batches of limit, until enough match.
    links = {base: collection([{'@odata.id': base + '/%d' % n} for n in range(1, 10)], count=9)}
    bodies = dict((base + '/%d' % n, entry(n)) for n in range(1, 10))
    fetched = []

    def get_many(uris):
        fetched.extend(uris)
        return [bodies[u] for u in uris]
    got, info = logs.read_entries(lambda uri, params=None: links.get(uri), get_many, SERVICE, limit=2)
    assert [e['id'] for e in got] == ['9', '8'] and fetched == [base + '/8', base + '/9'] and info['read'] == 2


def test_choosing_logs_by_id():
    services = [('system', {'Id': 'IML'}), ('system', {'Id': 'SL'}), ('manager', {'Id': 'IEL'})]
    assert [b['Id'] for _s, b in logs.select(services, ['iel', 'IML'])] == ['IML', 'IEL']
    assert len(logs.select(services, ['all'])) == 3
    with pytest.raises(IloValidationError, match=r'logs: Foo is not on this iLO; it has IML, SL, IEL'):
        logs.select(services, ['Foo'])


def test_a_service_that_lists_newest_first_is_read_only_as_far_as_needed():
    base = '/redfish/v1/Systems/1/LogServices/IML/Entries'
    pages = {base: collection([entry(n) for n in range(9, 5, -1)], base + '?page=2', 9),
             base + '?page=2': collection([entry(n) for n in range(5, 1, -1)], base + '?page=3'),
             base + '?page=3': collection([entry(1)])}
    seen = []

    def get(uri, params=None):
        seen.append(uri)
        return pages.get(uri)
    got, info = logs.read_entries(get, None, SERVICE, limit=3, expand=True)
    assert [e['id'] for e in got] == ['9', '8', '7'] and info['pages'] == 1 and seen == [base]
    del seen[:]
    got, info = logs.read_entries(get, None, SERVICE, limit=10, since=logs.parse_time('2025-05-04T00:00:00Z'), expand=True)
    assert [e['id'] for e in got] == ['9', '8', '7', '6', '5', '4'] and info['pages'] == 2
