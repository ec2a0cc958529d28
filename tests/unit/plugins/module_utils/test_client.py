# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Redfish client against the iLO simulator: auth, sessions, retries, redirects, TLS, errors."""

from __future__ import annotations

import os
import socket
import time

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils import client as client_mod
from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloConnectionError,
    IloHTTPError,
    IloNotFoundError,
    IloTimeoutError,
    IloTLSError,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService
from ilotest import fresh

USER, PASSWORD = 'Administrator', 'password'


class Sleeps(list):
    """Records the back-off delays instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


def make(fleet, **kwargs):
    kwargs.setdefault('username', USER)
    kwargs.setdefault('password', PASSWORD)
    kwargs.setdefault('ca_path', fleet.ca_path)
    kwargs.setdefault('sleep', Sleeps())
    kwargs.setdefault('environ', {})
    return RedfishClient(fleet.urls[0], **kwargs)


def sessions(fleet):
    return fleet.ilos[0].session_info()


def counts(fleet):
    return fleet.ilos[0].requests()


def system_uri(client):
    return IloService(client).system_uri()


def test_session_login_and_logout(ilo5):
    with make(ilo5) as client:
        assert client.token and client.owns_session
        assert len(sessions(ilo5)['open']) == 1
        assert client.get(system_uri(client)).json['Id'] == '1'
    info = sessions(ilo5)
    assert info['open'] == [] and info['created_total'] == 1 and info['deleted_total'] == 1


def test_session_deleted_when_the_work_fails(ilo5):
    with pytest.raises(IloNotFoundError):
        with make(ilo5) as client:
            client.get('/redfish/v1/Systems/does-not-exist/')
    assert sessions(ilo5)['open'] == [] and sessions(ilo5)['created_total'] == 1


def test_basic_auth_creates_no_session(ilo5):
    with make(ilo5, auth='basic') as client:
        assert client.get(system_uri(client)).status == 200
        assert client.token is None
    info = sessions(ilo5)
    assert info['created_total'] == 0 and info['open'] == []
    assert counts(ilo5)['by_method'].get('POST', 0) == 0


def test_given_session_is_used_and_never_deleted(ilo5):
    owner = make(ilo5)
    given = owner.login()
    try:
        with make(ilo5, username=None, password=None, session=given) as client:
            assert not client.owns_session
            assert client.get(system_uri(client)).status == 200
        assert [s['uri'].rstrip('/').lower() for s in sessions(ilo5)['open']] == [given['uri'].rstrip('/').lower()]
        assert sessions(ilo5)['created_total'] == 1
    finally:
        owner.logout(given['uri'])


def test_owned_session_logs_in_again_once_after_401(ilo5):
    with make(ilo5) as client:
        uri = system_uri(client)
        ilo5.ilos[0].add_fault({'kind': 'expire_sessions'})
        assert client.get(uri, fresh=True).status == 200
        assert sessions(ilo5)['created_total'] == 2
    assert sessions(ilo5)['open'] == []


def test_given_session_that_expired_fails_clearly_without_login(ilo5):
    owner = make(ilo5)
    given = owner.login()
    ilo5.ilos[0].add_fault({'kind': 'expire_sessions'})
    with pytest.raises(IloAuthError) as caught:
        with make(ilo5, username=None, password=None, session=given) as client:
            client.get('/redfish/v1/Systems/')
    assert 'ilo_session' in caught.value.message and caught.value.status == 401
    assert 'NoValidSession' in caught.value.message_ids[0]
    assert sessions(ilo5)['created_total'] == 1


def test_wrong_password_is_one_attempt(ilo5):
    with pytest.raises(IloAuthError) as caught:
        with make(ilo5, password='wrong'):
            pass
    assert 'One attempt was made' in caught.value.message
    info = sessions(ilo5)
    assert info['failed_logins'] == 1 and info['created_total'] == 0
    assert counts(ilo5)['by_method']['POST'] == 1


def test_get_retried_on_503_honouring_retry_after(ilo5):
    with make(ilo5) as client:
        uri = system_uri(client)
        ilo5.ilos[0].add_fault({'kind': 'http_503', 'count': 2, 'retry_after': 3, 'match': {'method': 'GET', 'path': '/systems/1/?$'}})
        assert client.get(uri, fresh=True).status == 200
        assert client._sleep == [3.0, 3.0]


def test_get_gives_up_after_retries(ilo5):
    with make(ilo5, retries=2) as client:
        uri = system_uri(client)
        ilo5.ilos[0].add_fault({'kind': 'http_500', 'count': -1, 'match': {'method': 'GET', 'path': '/systems/1/?$'}})
        with pytest.raises(IloHTTPError) as caught:
            client.get(uri, fresh=True)
        assert caught.value.status == 500 and len(client._sleep) == 2
        ilo5.ilos[0].clear_faults()
    by_endpoint = counts(ilo5)['by_endpoint']
    assert by_endpoint['GET /redfish/v1/systems/1'] == 3


def test_get_retried_after_dropped_connection(ilo5):
    with make(ilo5) as client:
        uri = system_uri(client)
        ilo5.ilos[0].add_fault({'kind': 'drop', 'count': 1, 'match': {'method': 'GET', 'path': '/systems/1/?$'}})
        assert client.get(uri, fresh=True).status == 200
        assert len(client._sleep) == 1


def reset_target(client):
    body = client.get(system_uri(client)).json
    return body['Actions']['#ComputerSystem.Reset']['target']


def test_post_action_not_repeated_after_dropped_connection(ilo5):
    with make(ilo5) as client:
        target = reset_target(client)
        ilo5.ilos[0].add_fault({'kind': 'drop', 'count': 1, 'match': {'method': 'POST', 'path': 'ComputerSystem.Reset'}})
        with pytest.raises(IloConnectionError) as caught:
            client.post(target, {'ResetType': 'ForceRestart'})
        assert 'whether it took effect is unknown' in caught.value.message
    assert sum(n for k, n in counts(ilo5)['by_endpoint'].items() if k.startswith('POST') and 'computersystem.reset' in k) == 1


def test_post_action_not_repeated_after_500(ilo5):
    with make(ilo5) as client:
        target = reset_target(client)
        ilo5.ilos[0].add_fault({'kind': 'http_500', 'count': -1, 'match': {'method': 'POST', 'path': 'ComputerSystem.Reset'}})
        with pytest.raises(IloHTTPError):
            client.post(target, {'ResetType': 'ForceRestart'})
        ilo5.ilos[0].clear_faults()
    assert sum(n for k, n in counts(ilo5)['by_endpoint'].items() if k.startswith('POST') and 'computersystem.reset' in k) == 1


def test_redirect_308_followed_for_get_and_patch(ilo5):
    with make(ilo5) as client:
        response = client.get('/rest/v1/Systems/1')
        assert response.status == 200 and response.json['Id'] == '1'
        client.patch('/rest/v1/Systems/1', {'AssetTag': 'rack-7'})
        assert client.get('/redfish/v1/Systems/1/', fresh=True).json['AssetTag'] == 'rack-7'
    by_endpoint = counts(ilo5)['by_endpoint']
    assert by_endpoint.get('PATCH /rest/v1/systems/1') == 1 and by_endpoint.get('PATCH /redfish/v1/systems/1') == 1


def test_tls_verified_with_ca_path_and_refused_without(ilo5):
    with make(ilo5, auth='basic') as client:
        assert client.get_root()
    with pytest.raises(IloTLSError) as caught:
        with make(ilo5, ca_path=None, auth='basic') as client:
            client.get_root()
    assert 'certificate verify failed' in caught.value.message and 'ca_path' in caught.value.message


def test_connections_of_a_client_share_one_tls_context(simulators, tmp_path):
    """requests builds an SSL context and loads the CA file for every new connection (about 40 ms of CPU for a bundle
    like certifi's); a client builds one that all its connections use, and still verifies the iLO's certificate."""
    fleet = fresh(simulators('ilo5', latency_ms=30))  # the parallel reads overlap: more than one connection
    bundle = tmp_path / 'bundle.pem'
    with open(fleet.ca_path, encoding='utf-8') as handle:
        bundle.write_text(handle.read())
    with make(fleet, ca_path=None, auth='basic', environ={'REQUESTS_CA_BUNDLE': str(bundle)}) as client:
        client.get_many(['/redfish/v1/Systems/1/', '/redfish/v1/Managers/1/', '/redfish/v1/Chassis/1/', '/redfish/v1/SessionService/',
                         '/redfish/v1/AccountService/', '/redfish/v1/UpdateService/'], workers=4)
        pools = client.http.get_adapter(client.base_url).poolmanager.pools
        sockets = [conn.sock for key in pools.keys() for conn in pools[key].pool.queue if conn is not None and conn.sock is not None]
        assert len(sockets) >= 2, sockets
        assert len(set(id(sock.context) for sock in sockets)) == 1
    # verification is the same: requests' own bundle (certifi) loads, and the iLO's certificate is refused with it
    with pytest.raises(IloTLSError, match='certificate verify failed'):
        with make(fleet, ca_path=None, auth='basic', environ={}, retries=0) as client:
            client.get('/redfish/v1/Systems/1/')


def test_ca_path_wins_over_requests_ca_bundle(ilo5, tmp_path):
    bogus = tmp_path / 'other-ca.pem'
    bogus.write_text('not a certificate')
    with make(ilo5, auth='basic', environ={'REQUESTS_CA_BUNDLE': str(bogus)}) as client:
        assert client.http.verify == ilo5.ca_path and client.get_root()


def test_requests_ca_bundle_used_when_no_ca_path(ilo5):
    with make(ilo5, auth='basic', ca_path=None, environ={'REQUESTS_CA_BUNDLE': ilo5.ca_path}) as client:
        assert client.get_root()


def test_validate_certs_false_works_and_warns(ilo5):
    with make(ilo5, auth='basic', ca_path=None, validate_certs=False) as client:
        assert client.get_root()
        assert any('validate_certs' in w for w in client.warnings)


def test_timeout_is_the_deadline_of_the_whole_request(ilo5):
    """A reply slower than ``timeout`` ends the request at the deadline; no retry can outlive it."""
    with make(ilo5, timeout=0.3, retries=1) as client:
        uri = system_uri(client)
        ilo5.ilos[0].add_fault({'kind': 'slow', 'delay_s': 1.0, 'count': -1, 'match': {'path': '/systems/1/?$'}})
        with pytest.raises(IloTimeoutError) as caught:
            client.get(uri, fresh=True)
        ilo5.ilos[0].clear_faults()
    assert 'within the 0.3 s deadline (timeout)' in caught.value.message and client._sleep == []


class _Due:
    """A deadline as the watchdog sees it (end, stopped, fire)."""

    def __init__(self, seconds, fired):
        self.end, self.stopped, self.seconds, self._fired = time.monotonic() + seconds, False, seconds, fired

    def fire(self):
        self._fired.append(self)


def test_request_deadlines_share_one_thread_and_fire_in_order():
    """One thread watches every deadline of the process (not a timer thread per request): a live deadline fires
    when it passes, in order, also behind hundreds of stopped ones; a stopped one never fires."""
    dog = client_mod._Watchdog()  # pylint: disable=protected-access
    fired = []
    stopped = [_Due(0.05, fired) for _count in range(300)]
    for due in stopped:
        dog.add(due)
        dog.stop(due)
    later, sooner = _Due(0.4, fired), _Due(0.15, fired)
    dog.add(later)
    dog.add(sooner)
    thread = dog._thread  # pylint: disable=protected-access
    started = time.monotonic()
    while len(fired) < 2 and time.monotonic() - started < 5:
        time.sleep(0.01)
    assert fired == [sooner, later]
    assert time.monotonic() - started >= 0.3
    assert dog._thread is thread and thread.is_alive()  # pylint: disable=protected-access
    assert [item for item in dog._heap if not item[2].stopped] == []  # pylint: disable=protected-access
    assert len(dog._heap) < 300, 'stopped deadlines are dropped, not kept until they pass'  # pylint: disable=protected-access


def test_connection_refused_is_retried_and_reported():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    client = RedfishClient('127.0.0.1:%d' % port, username=USER, password=PASSWORD, validate_certs=False,
                           retries=2, sleep=Sleeps(), environ={})
    with pytest.raises(IloConnectionError) as caught:
        client.open()
    assert 'could not connect' in caught.value.message and len(client._sleep) == 2


def test_error_carries_message_ids_and_text(ilo5):
    with make(ilo5) as client:
        with pytest.raises(IloNotFoundError) as caught:
            client.get('/redfish/v1/Systems/1/NoSuchThing/')
        error = caught.value
        assert error.status == 404 and error.uri == '/redfish/v1/Systems/1/NoSuchThing/'
        assert any(m.endswith('ResourceMissingAtURI') for m in error.message_ids)
        assert 'HTTP 404' in error.message and error.messages[0].get('Message')


def test_error_text_looked_up_in_the_message_registry(ilo5):
    with make(ilo5) as client:
        service = IloService(client)
        target = reset_target(client)
        ilo5.ilos[0].set_config({'power_duration_s': 0})
        client.post(target, {'ResetType': 'ForceOff'})
        with pytest.raises(IloHTTPError) as caught:
            client.post(target, {'ResetType': 'ForceRestart'})
        error = caught.value
        for message in error.messages:
            message.pop('Message', None)
            message.pop('Resolution', None)
        service.describe(error)
        assert error.status == 400 and error.has_message('InvalidOperationForSystemState')
        assert error.messages[0]['Message'] and error.messages[0]['Resolution']


def test_non_json_error_body_is_summarised():
    response = client_mod.Response('GET', '/redfish/v1/', 502, {}, b'<html><body><h1>502 Bad Gateway</h1></body></html>')
    client = RedfishClient('127.0.0.1:1', validate_certs=False, auth='basic', username='u', password='p', environ={})
    error = client._http_error('GET', '/redfish/v1/', response)
    assert error.status == 502 and error.messages == []
    assert '502 Bad Gateway' in error.message and error.body.startswith('<html>')


def test_cache_fetches_once_and_writes_invalidate(ilo5):
    with make(ilo5) as client:
        uri = system_uri(client)
        client.forget()  # the expanded Systems read remembered the system: start from an empty cache
        client.get(uri)
        client.get(uri)
        client.get(uri.lower().rstrip('/'))
        assert counts(ilo5)['by_endpoint']['GET /redfish/v1/systems/1'] == 1
        client.patch(uri, {'AssetTag': 'x'})
        assert client.get(uri).json['AssetTag'] == 'x'
        assert counts(ilo5)['by_endpoint']['GET /redfish/v1/systems/1'] == 2


def test_expanded_collection_members_cost_no_further_request(ilo5):
    """iLO 5 advertises $expand: finding the system and reading it is one GET of Systems?$expand=.."""
    with make(ilo5, auth='basic') as client:
        service = IloService(client)
        assert service.expand_supported
        uri = service.system_uri()
        system = client.get(uri).json
        assert system['Id'] == '1' and system['PowerState'] in ('On', 'Off')
        seen = counts(ilo5)['by_endpoint']
        assert seen.get('GET /redfish/v1/systems/1', 0) == 0
        assert seen['GET /redfish/v1/systems'] == 1
        # A fresh read still goes to the iLO (power polling, ETags for writes).
        client.get(uri, fresh=True)
        assert counts(ilo5)['by_endpoint']['GET /redfish/v1/systems/1'] == 1


def test_no_expand_without_the_feature(simulators):
    """iLO 4 advertises no ProtocolFeaturesSupported: collections are read plainly, members one by one."""
    fleet = fresh(simulators('ilo4'))
    with make(fleet, auth='basic') as client:
        service = IloService(client)
        assert not service.expand_supported
        uri = service.system_uri()
        client.get(uri)
        seen = counts(fleet)['by_endpoint']
        assert seen['GET /redfish/v1/systems/1'] == 1 and seen['GET /redfish/v1/systems'] == 1


class SlowReads:
    """Stands in for RedfishClient.request: counts the GETs per URI and answers after ``delay`` seconds."""

    def __init__(self, delay=0.2, error=None):
        import threading  # pylint: disable=import-outside-toplevel
        self.delay, self.error, self.sent, self.lock = delay, error, [], threading.Lock()

    def __call__(self, method, uri, params=None, **kwargs):  # pylint: disable=unused-argument
        import time  # pylint: disable=import-outside-toplevel
        with self.lock:
            self.sent.append((method, uri, params))
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return client_mod.Response(method, uri, 200, {}, b'{"@odata.id": "%s", "Members": []}' % uri.encode())


@pytest.mark.parametrize('error', [None, IloHTTPError('GET /redfish/v1/Chassis/1 failed with HTTP 500', status=500)])
def test_reads_of_one_resource_at_the_same_time_are_one_request(error):
    """Single flight: eight threads want the same resource at once; one request is sent and all get its answer (or error)."""
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel
    client = RedfishClient('https://ilo.example', username=USER, password=PASSWORD, auth='basic', environ={})
    client.request = SlowReads(error=error)

    def read(uri):
        try:
            return client.get(uri).json['@odata.id']
        except IloHTTPError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read, ['/redfish/v1/Chassis/1', '/redfish/v1/chassis/1/'] * 4))
    assert client.request.sent == [('GET', '/redfish/v1/Chassis/1', None)]
    assert all(r is error for r in results) if error else set(results) == {'/redfish/v1/Chassis/1'}


def test_an_expanded_collection_answers_its_plain_read_and_fresh_reads_go_out():
    client = RedfishClient('https://ilo.example', username=USER, password=PASSWORD, auth='basic', environ={})
    client.request = SlowReads(delay=0)
    expanded = client.get('/redfish/v1/Systems', params=client_mod.EXPAND_MEMBERS)
    assert client.get('/redfish/v1/Systems/') is expanded
    assert client.cached('/redfish/v1/systems') is expanded and client.cached('/redfish/v1/Chassis') is None
    client.get('/redfish/v1/Systems', fresh=True)
    assert [s[2] for s in client.request.sent] == [client_mod.EXPAND_MEMBERS, None]


def test_a_warning_is_kept_once_also_from_many_threads():
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel
    client = RedfishClient('https://ilo.example', username=USER, password=PASSWORD, auth='basic', environ={})
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(client.warn, ['Same\nthing'] * 50 + ['Other']))
    assert sorted(client.warnings) == ['Other', 'Same thing']


def test_proxies_come_from_the_environment_and_respect_no_proxy(monkeypatch):
    for name in [n for n in list(os.environ) if n.lower().endswith('_proxy')]:
        monkeypatch.delenv(name)
    assert RedfishClient('ilo.example.com', validate_certs=False, environ={}).http.proxies == {}
    monkeypatch.setenv('https_proxy', 'http://proxy.example.com:3128')
    client = RedfishClient('ilo.example.com', validate_certs=False, environ={})
    assert client.http.proxies.get('https') == 'http://proxy.example.com:3128'
    monkeypatch.setenv('no_proxy', '.example.com')
    assert 'https' not in RedfishClient('ilo.example.com', validate_certs=False, environ={}).http.proxies
