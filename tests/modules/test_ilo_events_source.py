# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Event-Driven Ansible source lightsout.ilo.ilo_events end to end, in-process: its ``main(queue, args)`` on a
real asyncio queue, an HTTPS listener with the simulator's CA-signed certificate, subscribing a simulated iLO on
start. A fault injected into the iLO (a failed fan; a power change on iLO 7) is delivered by the simulator and
arrives on the queue with the iLO's host and message id within a deadline; a forged event without the token is
answered 401 and queued nothing; a bad payload is answered 400 and the source keeps running; stopping the source
removes its subscription (unsubscribe_on_stop). No ansible-rulebook is needed.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import socket
import ssl
import time
import urllib.error
import urllib.request

import pytest

from relkit import PASSWORD, USER, serve  # pylint: disable=import-error

TOKEN = 's3cret-token'
DEADLINE = 10.0


def source():
    return importlib.import_module('ansible_collections.lightsout.ilo.extensions.eda.plugins.event_source.ilo_events')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def post(url, ca_path, payload, headers=None):
    """(status, body) of one POST to the listener, verified against the simulator's CA."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode('utf-8')
    request = urllib.request.Request(url, data=data, method='POST', headers=dict({'Content-Type': 'application/json'}, **(headers or {})))
    try:
        with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=ca_path), timeout=10) as reply:  # nosec - the test's listener
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def subscriptions(ilo):
    coll = ilo.body(ilo.tree.subscriptions_key) or {}
    return [ilo.body(m['@odata.id'].lower().rstrip('/')) for m in coll.get('Members') or []]


async def until(check, what):
    deadline = time.monotonic() + DEADLINE
    while not check():
        assert time.monotonic() < deadline, 'not within %.0f s: %s' % (DEADLINE, what)
        await asyncio.sleep(0.05)


@pytest.mark.parametrize('profile', ['ilo5', 'ilo7'])
def test_subscribe_receive_reject_and_unsubscribe(simulators, tmp_path, profile):
    from ilosim import events as sim_events  # pylint: disable=import-outside-toplevel,import-error
    from ilosim import tls  # pylint: disable=import-outside-toplevel,import-error
    ca_path, cert, key = tls.ensure_certificates(str(tmp_path / 'tls'))
    fleet = serve(simulators, profile)
    ilo = fleet.ilos[0]
    port = free_port()
    url = 'https://127.0.0.1:%d/events' % port
    filters = {'event_types': ['Alert', 'StatusChange']} if profile == 'ilo5' else {'registry_prefixes': ['iLOEvents', 'iLOResourceEvents']}
    args = dict(host='127.0.0.1', port=port, certfile=cert, keyfile=key, token=TOKEN, destination=url, unsubscribe_on_stop=True,
                subscribe=[dict(hostname=fleet.urls[0], username=USER, password=PASSWORD, ca_path=fleet.ca_path, **filters)])

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(source().main(queue, args))
        await until(lambda: len(subscriptions(ilo)) == 1 or task.done(), 'the source subscribes the iLO')
        assert not task.done(), task.exception()
        held = subscriptions(ilo)[0]
        assert held['Destination'] == url and held['Context'] == TOKEN
        loop = asyncio.get_event_loop()

        # A failed fan: the iLO writes its IML entry and delivers the event; it arrives with host and message id.
        with ilo.lock:
            sim_events.inject(ilo, {'kind': 'fan_failed', 'fan': 3})
        event = await asyncio.wait_for(queue.get(), DEADLINE)
        assert event['ilo']['message_key'] == 'FanFailed' and event['ilo']['message_id'].startswith('iLOEvents.')
        assert event['ilo']['message'] == 'Fan 3 has failed.' and event['ilo']['message_args'] == ['3']
        assert event['ilo']['severity'] == 'critical' and event['ilo']['address'] == '127.0.0.1'
        assert event['meta']['hosts'] == fleet.urls[0] and event['ilo']['host'] == fleet.urls[0]
        if profile == 'ilo7':
            # A power change is delivered too (iLOResourceEvents on iLO 6 and later).
            await loop.run_in_executor(None, ilo.set_state, '1', 'Off')
            event = await asyncio.wait_for(queue.get(), DEADLINE)
            assert event['ilo']['message_key'] == 'ServerPoweredOff' and event['meta']['hosts'] == fleet.urls[0]

        # A forged event without the token: 401, nothing queued. The same with the token as Bearer: accepted.
        forged = {'Context': 'guess', 'Events': [{'EventType': 'Alert', 'MessageId': 'iLOEvents.2.1.FanFailed', 'MessageArgs': ['1']}]}
        status, _body = await loop.run_in_executor(None, post, url, ca_path, forged)
        assert status == 401
        status, _body = await loop.run_in_executor(None, post, url + '?token=wrong', ca_path, forged)
        assert status == 401 and queue.empty()
        status, _body = await loop.run_in_executor(None, post, url, ca_path, forged, {'Authorization': 'Bearer ' + TOKEN})
        assert status == 200
        event = await asyncio.wait_for(queue.get(), DEADLINE)
        assert event['ilo']['context'] == 'guess' and event['ilo']['message_args'] == ['1']
        # Bad payloads: dropped with 400 (or 404 elsewhere), the source keeps running.
        for payload, want in ((b'not json', 400), ({'Events': 'x'}, 400), ([1, 2], 400)):
            status, _body = await loop.run_in_executor(None, post, url, ca_path, payload, {'Authorization': 'Bearer ' + TOKEN})
            assert status == want, payload
        status, _body = await loop.run_in_executor(None, post, url.replace('/events', '/other'), ca_path, forged)
        assert status == 404 and not task.done() and queue.empty()

        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert subscriptions(ilo) == []
    asyncio.run(scenario())
    assert ilo.session_info()['open'] == []


def test_certificate_is_required_and_destination_with_subscribe():
    with pytest.raises(ValueError, match='certfile is required'):
        asyncio.run(source().main(asyncio.Queue(), {'keyfile': 'x'}))
    with pytest.raises(ValueError, match='destination'):
        asyncio.run(source().main(asyncio.Queue(), {'certfile': 'x', 'keyfile': 'y', 'subscribe': [{'hostname': 'h'}]}))


def test_records_become_events():
    mod = source()
    payload = {'Context': 'c', 'Events': [{'EventType': 'Alert', 'MessageId': 'iLOEvents.7.3.FanFailed', 'MessageArgs': ['2'],
                                           'Severity': 'Critical', 'OriginOfCondition': {'@odata.id': '/redfish/v1/Chassis/1'}}]}
    event = mod.event_of(mod.records_of(payload)[0], payload, '10.0.0.5', None, lambda mid: 'Fan %1 has failed.')
    assert event['ilo']['message'] == 'Fan 2 has failed.' and event['ilo']['origin'] == '/redfish/v1/Chassis/1'
    assert event['meta'] == {'hosts': '10.0.0.5'} and event['ilo']['message_registry'] == 'iLOEvents'
    with pytest.raises(mod.BadRequest):
        mod.records_of({'Events': []})


def test_registry_texts_of_a_real_ilo7_resolve_event_records(simulators):
    """Records without Message (the Event log's kind) get the text of the iLO's own registry, arguments filled in."""
    from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient  # pylint: disable=import-outside-toplevel
    from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService  # pylint: disable=import-outside-toplevel
    from ilotest import ILO7_MOCKUP, require_shared  # pylint: disable=import-outside-toplevel,import-error
    require_shared(ILO7_MOCKUP)
    fleet = serve(simulators, 'mockup-ilo7')
    with RedfishClient(fleet.urls[0], username=USER, password=PASSWORD, ca_path=fleet.ca_path, auth='basic', environ={}) as client:
        texts = source()._registry_texts(IloService(client))  # pylint: disable=protected-access
    mod = source()
    payload = {'Events': [{'MessageId': 'iLOEvents.7.3.FanFailed', 'MessageArgs': ['4']}]}
    event = mod.event_of(payload['Events'][0], payload, '127.0.0.1', 'web01', mod._resolver(texts))  # pylint: disable=protected-access
    assert event['ilo']['message'] == 'Fan 4 has failed.' and event['meta']['hosts'] == 'web01'
    assert 'iLOResourceEvents.ServerPoweredOff' in texts
