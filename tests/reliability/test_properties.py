# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests of the pure parts: URI normalisation, error parsing of malformed
bodies, registry validation of malformed registries and values, the BIOS plan. None may
raise on anything a BMC or a user can hand them. (Well-formed enumeration/integer checks
and the plan's "write only when the outcome differs" live in tests/unit/.../test_bios.py.)"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings, strategies as st

from ansible_collections.lightsout.ilo.plugins.module_utils import errors
from ansible_collections.lightsout.ilo.plugins.module_utils.bios import AttributeRegistry, BiosSettings, check_value, validate
from ansible_collections.lightsout.ilo.plugins.module_utils.body import normalize_uri, same_uri
from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient, Response, normalize_base_url
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloValidationError
from ilotest import examples  # pylint: disable=import-error

FAST = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
KEYS = st.sampled_from(['error', '@Message.ExtendedInfo', 'Messages', 'MessageId', 'MessageID', 'Message',
                        'Resolution', 'MessageArgs', 'Severity', 'RelatedProperties', 'code', 'message'])
# JSON shaped like iLO error bodies, with every field possibly of the wrong type.
ERRORISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=15)
SEGMENT = st.text(alphabet='abcXYZ019-_.~%:@$', min_size=1, max_size=8)
PATHS = st.lists(SEGMENT, min_size=0, max_size=5).map(lambda parts: '/' + '/'.join(parts))


# ---------------------------------------------------------------------------------- URIs

@FAST
@given(st.one_of(st.text(max_size=60), st.text(max_size=30).map(lambda t: 'https://' + t)))
@example('http://[x/Redfish/v1/')
@example('https://[::1/redfish')
def test_normalize_uri_never_raises_and_is_idempotent(text):
    once = normalize_uri(text)
    assert normalize_uri(once) == once
    assert same_uri(text, text)


@FAST
@given(PATHS, st.integers(0, 3), st.booleans())
def test_same_uri_ignores_case_and_trailing_slashes(path, slashes, upper):
    other = (path.upper() if upper else path) + '/' * slashes
    assert same_uri(path, other)
    assert same_uri(other, path)
    assert same_uri('https://ilo.example:8443' + path, path)


@FAST
@given(PATHS, PATHS)
def test_same_uri_tells_different_paths_apart(first, second):
    if first.lower().rstrip('/') != second.lower().rstrip('/'):
        assert not same_uri(first, second)


@FAST
@given(st.text(max_size=80))
def test_normalize_base_url_returns_a_url_or_refuses_with_a_sentence(text):
    try:
        url = normalize_base_url(text)
    except IloValidationError as exc:
        assert str(exc).endswith('.') and len(str(exc)) > 10
        return
    assert url.startswith(('https://', 'http://'))
    assert normalize_base_url(url) == url


@FAST
@given(st.sampled_from(['127.0.0.1', 'ilo-1.example.com', '[::1]', 'ILO', 'a.b']), st.one_of(st.none(), st.integers(1, 65535)),
       st.sampled_from(['', 'https://', 'HTTPS://']), st.sampled_from(['', '/']))
def test_normalize_base_url_accepts_the_documented_forms(host, port, scheme, slash):
    text = scheme + host + (':%d' % port if port else '') + slash
    url = normalize_base_url(text)
    assert url == 'https://%s%s' % (host.lower() if not host.startswith('[') else host, ':%d' % port if port else '')


# ---------------------------------------------------------------------------------- error bodies

BODIES = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode('utf-8')),
    ERRORISH.map(lambda v: json.dumps(v).encode()),
    ERRORISH.map(lambda v: json.dumps(v).encode()).flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n])),  # truncated
    st.sampled_from([b'', b'<html><body><h1>502 Bad Gateway</h1></body></html>', b'null', b'[]', b'"text"', b'{"error": 5}',
                     b'{"error": {"@Message.ExtendedInfo": [{"MessageId": 5, "Message": ["a"]}]}}',
                     b'\xff\xfe\x00garbage', b'{"error": {"@Message.ExtendedInfo": "not a list"}}']),
)


@FAST
@given(BODIES)
def test_decode_and_excerpt_never_raise(content):
    body = errors.decode_body(content)
    assert body is None or isinstance(body, (dict, list, str, int, float, bool))
    text = errors.excerpt(content)
    assert isinstance(text, str) and len(text) <= 203 and '\n' not in text


@FAST
@given(ERRORISH)
@example({'error': {'@Message.ExtendedInfo': [{'MessageId': 5, 'Message': ['a'], 'Resolution': {'x': 1}}]}})
@example({'Messages': [{'MessageID': 'Base.0.10.X', 'Message': 7}]})
def test_parse_messages_never_raises_and_yields_strings(body):
    for message in errors.parse_messages(body):
        assert isinstance(message['MessageId'], str) and message['MessageId']
        for key in ('Message', 'Resolution'):
            assert key not in message or isinstance(message[key], str)
        errors.known_message(message['MessageId'])
        assert len(errors.split_message_id(message['MessageId'])) == 3


ERROR_CLIENT = RedfishClient('127.0.0.1:9', auth='basic', username='u', password='p', environ={})


@FAST
@example(400, b'{"error": {"@Message.ExtendedInfo": [{"MessageId": 5, "Message": ["a"]}]}}', {})
@given(st.integers(400, 599), BODIES, st.dictionaries(st.sampled_from(['ETag', 'Retry-After', 'Content-Type']), st.text(max_size=10)))
def test_error_replies_become_one_sentence(status, content, headers):
    response = Response('PATCH', '/redfish/v1/Systems/1/', status, headers, content)
    assert response.etag is None or response.etag is not None  # never raises
    error = ERROR_CLIENT._http_error('PATCH', '/redfish/v1/Systems/1/', response)  # pylint: disable=protected-access
    assert isinstance(error, IloError) and error.status == status
    assert error.message.startswith('PATCH /redfish/v1/Systems/1/ failed with HTTP %d: ' % status)
    result = error.to_dict()
    json.dumps(result)
    assert result['status'] == status


# ---------------------------------------------------------------------------------- registry validation

ENTRY_FIELDS = {
    'Type': st.one_of(st.sampled_from(['Enumeration', 'Integer', 'String', 'Password', 'Boolean', '']), JSON),
    'Value': st.one_of(st.lists(st.one_of(st.fixed_dictionaries({'ValueName': st.one_of(st.text(max_size=6), JSON)}), JSON), max_size=4), JSON),
    'LowerBound': JSON, 'UpperBound': JSON, 'ScalarIncrement': JSON, 'MinLength': JSON, 'MaxLength': JSON,
    'ValueExpression': st.one_of(st.sampled_from(['^[a-z]+$', '[', '(?P<x', '.*']), JSON),
    'ReadOnly': JSON, 'Immutable': JSON, 'DefaultValue': JSON,
}
ENTRIES = st.fixed_dictionaries({}, optional=ENTRY_FIELDS)
VALUES = st.one_of(st.text(max_size=10), st.integers(-1000, 1000), st.booleans(), st.none(), st.floats(allow_nan=False))


@FAST
@given(ENTRIES, VALUES)
@example({'Type': 'Integer', 'LowerBound': 'a'}, 5)
@example({'Type': 'Integer', 'ScalarIncrement': '2'}, 5)
@example({'Type': 'String', 'MaxLength': 'a', 'MinLength': [1]}, 'x')
@example({'Type': 'String', 'ValueExpression': 5}, 'x')
@example({'Type': 'Enumeration', 'Value': [{'ValueName': 5}]}, 'x')
@example({'Type': 'Enumeration', 'Value': 5}, 'x')
def test_check_value_never_raises_on_a_malformed_registry_entry(entry, value):
    problems = check_value(entry, 'Attr', value)
    assert isinstance(problems, list) and all(isinstance(p, str) and p for p in problems)


@FAST
@example(1, {}, None)
@example({'RegistryEntries': {'Attributes': [{'AttributeName': 5}, {'AttributeName': 'A', 'Type': 'Integer', 'UpperBound': 'x'}]}}, {'A': 3, 'a': 1}, None)
@given(JSON, st.dictionaries(st.text(max_size=8), VALUES, max_size=4), st.one_of(st.none(), st.dictionaries(st.text(max_size=8), VALUES, max_size=4)))
def test_validate_never_raises_on_any_registry_body(body, desired, current):
    registry = AttributeRegistry(body if isinstance(body, dict) else {'Attributes': body})
    for problem in validate(registry, desired, current):
        assert isinstance(problem, str) and problem


@FAST
@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), ENTRIES), max_size=5), st.dictionaries(st.text(max_size=8), VALUES, max_size=4))
def test_validate_reports_every_problem_with_its_name(entries, desired):
    body = {'RegistryEntries': {'Attributes': [dict(e, AttributeName=n) for n, e in entries]}}
    registry = AttributeRegistry(body)
    problems = validate(registry, desired, None)
    for name in desired:
        if name not in registry:
            assert any(p.startswith('%s is not an attribute' % name) for p in problems)


# ---------------------------------------------------------------------------------- the plan (diff)

NAMES = st.sampled_from(['A', 'B', 'C', 'D'])
SCALARS = st.one_of(st.sampled_from(['', 'x', 'y']), st.integers(0, 2))


@FAST
@given(st.dictionaries(NAMES, SCALARS), st.dictionaries(NAMES, SCALARS), st.dictionaries(NAMES, SCALARS))
def test_plan_then_replan_is_a_no_op(desired, current, pending):
    """After writing what plan() asked for, planning again asks for nothing (the second run is changed=false)."""
    bios = BiosSettings.__new__(BiosSettings)
    changes, report = bios.plan(desired, current=current, pending=pending)
    assert set(changes) <= set(desired) and set(report) == set(desired)
    assert all(changes[n] == desired[n] for n in changes)
    staged = dict(pending, **changes)
    again, report2 = bios.plan(desired, current=current, pending=staged)
    assert again == {}
    assert all(r['action'] in ('none', 'staged') for r in report2.values())
