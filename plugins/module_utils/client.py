# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A session-aware Redfish client for HPE iLO 4/5/6 (and plain DMTF Redfish services).

One transport owns everything about talking to the BMC: keep-alive, authentication
(Redfish session or HTTP Basic), TLS, connect/read timeouts, bounded retries of safe
requests, redirects, ETag/If-Match and turning error replies into exceptions. It imports
nothing from Ansible, so it can be unit-tested and reused as a plain library.

Retry rules (a BMC is slow and flaky; a reset sent twice is a second reset):
- GET/HEAD/OPTIONS are retried on a dropped connection, a read timeout and on 500/502/503/504;
  so is the DELETE of a session at logout (deleting it twice is harmless).
- Any method is retried when the request provably did not reach the service (the TCP/TLS
  connection could not be made) or when the service answered 503 (it did not process it),
  honouring ``Retry-After``.
- Everything else (a POST whose connection broke after it was sent) fails with a message
  saying the outcome is unknown. Never more than ``retries`` extra attempts.
- A 401 on a session this client created logs in again once and repeats the request; when
  several threads meet the same expired token, exactly one logs in (single flight) and the
  session it replaces is deleted.

Transport security (docs/security.md, "Threat model"): a BMC's replies are not trusted.
- Every URI taken from a reply or given by the user is resolved against the configured origin
  and refused (IloSecurityError) when its scheme, host or port differs or it carries user info;
  the origin is decided with urllib3's parser, the one the connection uses, and the request
  always goes to the configured origin with only the path and query taken from the URI.
- ``timeout`` is the deadline of one logical request: connect, retries, ``Retry-After`` waits
  and the whole body. A watchdog shuts the request's sockets when it passes, so a server that
  drips bytes cannot stretch a task.
- Bodies are streamed and refused past MAX_BODY_BYTES; a 2xx GET whose body is not strict JSON
  is an error, not an empty resource.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import heapq
import itertools
import math
import os
import re
import socket
import ssl
import threading
import time
import traceback
import warnings

try:
    from urllib.parse import urljoin, urlsplit, quote
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps sanity's import test calm
    from urlparse import urljoin, urlsplit  # type: ignore
    from urllib import quote  # type: ignore

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.util import parse_url
    from requests.utils import DEFAULT_CA_BUNDLE_PATH
    from urllib3.util.ssl_ import create_urllib3_context
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HTTPAdapter = HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object
    DEFAULT_CA_BUNDLE_PATH = create_urllib3_context = None

from ansible_collections.lightsout.ilo.plugins.module_utils.body import link_of, normalize_uri, same_uri
from ansible_collections.lightsout.ilo.plugins.module_utils.reads import limiter_of, run_all
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloConnectionError,
    IloError,
    IloProtocolError,
    IloSecurityError,
    IloTimeoutError,
    IloTLSError,
    IloValidationError,
    Notes,
    clean_text,
    excerpt,
    http_error_class,
    known_message,
    parse_json,
    parse_messages,
)

ROOT_URI = '/redfish/v1/'
LEGACY_ROOT_URI = '/rest/v1/'
SAFE_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS'])
RETRY_STATUS_SAFE = frozenset([500, 502, 503, 504])
REDIRECT_STATUS = frozenset([301, 302, 303, 307, 308])
MAX_REDIRECTS = 5
USER_AGENT = 'lightsout.ilo'
DEFAULT_PORTS = {'http': 80, 'https': 443}
# The largest real iLO resources are BIOS attribute registries of 1.3-1.6 MB (iLO 5/6/7 trees in
# shared/ilo-mockups); 16 MiB leaves room for expanded collections and is still a bounded cost.
MAX_BODY_BYTES = 16 * 1024 * 1024
# Members followed in one collection (moonshot chassis hold 180 systems; a log keeps a few thousand
# entries of which facts read the last few). More are left out with a warning.
MAX_MEMBERS = 1024
READ_CHUNK = 64 * 1024
# The query that returns a collection's members in its own answer (one level, the members themselves).
EXPAND_MEMBERS = {'$expand': '.'}
# A URI that names an authority: ``scheme://``, ``scheme:\\`` or a network-path ``//host``.
_ABSOLUTE = re.compile(r'^(?:[A-Za-z][A-Za-z0-9+.\-]*:)?[/\\]{2}|^[A-Za-z][A-Za-z0-9+.\-]*:(?![0-9])')


def normalize_base_url(hostname):
    """Turn ``host``, ``host:port``, ``[v6]:port`` or ``https://host:port`` into ``https://host[:port]``.

    Raises IloValidationError with a sentence naming what is wrong.
    """
    text = (hostname or '').strip()
    if not text:
        raise IloValidationError('No iLO hostname was given: set hostname (or the ILO_HOST environment variable).')
    if '://' not in text:
        text = 'https://' + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise IloValidationError('The iLO hostname %r is not valid: %s.' % (hostname, exc))
    if parts.scheme not in ('https', 'http'):
        raise IloValidationError('The iLO hostname %r has scheme %r; use https:// (or a bare host name).' % (hostname, parts.scheme))
    if not parts.hostname or any(c in parts.hostname for c in ' /\\@'):
        raise IloValidationError('The iLO hostname %r has no valid host part.' % (hostname,))
    if len(parts.hostname) > 253 or any(len(label) > 63 for label in parts.hostname.split('.')):
        raise IloValidationError('The iLO hostname %r is too long for a host name (at most 253 characters, 63 per label).'
                                 % (hostname[:80] + '...' if len(hostname) > 80 else hostname,))
    if parts.username or parts.password:
        raise IloValidationError('Do not put credentials in hostname; use username and password.')
    if parts.path not in ('', '/') or parts.query or parts.fragment:
        raise IloValidationError('The iLO hostname %r must be a host, host:port or https://host:port, without a path.' % (hostname,))
    host = parts.hostname
    if ':' in host:
        host = '[%s]' % host
    netloc = host if port is None else '%s:%d' % (host, port)
    return '%s://%s' % (parts.scheme, netloc)


def origin_of(url):
    """``(scheme, host, port)`` of an absolute URL as urllib3 (the connection's parser) reads it."""
    parsed = parse_url(url)
    scheme = (parsed.scheme or '').lower()
    return scheme, (parsed.host or '').lower(), parsed.port or DEFAULT_PORTS.get(scheme)


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None.

    Anything else (``nan``, ``inf``, negative, garbage, a date in the past) is None or 0; the
    caller bounds it by its deadline. Never raises.
    """
    text = str(value or '').strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_tz(text)
            seconds = None if when is None else email.utils.mktime_tz(when) - (time.time() if now is None else now)
        except (TypeError, ValueError, OverflowError):
            seconds = None
    if seconds is None or math.isnan(seconds):
        return None
    return max(0.0, seconds)


def capped(members, collection_uri, warn):
    """The URIs of a collection's first MAX_MEMBERS members (links of any form, anything else skipped);
    ``warn(text)`` says when more were left out."""
    uris = [link_of(m) for m in members if link_of(m)]
    if len(uris) <= MAX_MEMBERS:
        return uris
    warn('%s lists %d members; only the first %d are read (a bound against endless collections).'
         % (collection_uri, len(uris), MAX_MEMBERS))
    return uris[:MAX_MEMBERS]


def resolve_verify(validate_certs, ca_path, environ):
    """What requests' ``verify`` should be.

    - ``ca_path`` set: exactly that file or directory (REQUESTS_CA_BUNDLE is ignored).
    - ``validate_certs`` false: no verification.
    - otherwise: REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when set (like every requests-based
      tool), else requests' default bundle.
    """
    if ca_path:
        return ca_path
    if not validate_certs:
        return False
    return environ.get('REQUESTS_CA_BUNDLE') or environ.get('CURL_CA_BUNDLE') or True


class Response:
    """What a request returned: status, headers, decoded JSON body, final URI."""

    def __init__(self, method, uri, status, headers, content):
        self.method = method
        self.uri = uri
        self.status = status
        self.headers = headers
        self.content = content
        self.json, self.problem, self.replaced = parse_json(content)

    @property
    def etag(self):
        """The resource's ETag: the header, else ``@odata.etag`` in the body."""
        value = self.headers.get('ETag') if self.headers is not None else None
        if not value and isinstance(self.json, dict):
            value = self.json.get('@odata.etag')
        return value

    @property
    def messages(self):
        return parse_messages(self.json)


class RedfishClient:
    """Transport to one iLO. Use as a context manager so an owned session is always deleted."""

    def __init__(self, hostname, username=None, password=None, session=None, auth='session',
                 validate_certs=True, ca_path=None, timeout=60, connect_timeout=10, retries=3,
                 backoff=0.5, max_retry_after=60, pool_size=16, environ=None, sleep=None):
        if not HAS_REQUESTS:
            raise IloError('The Python library requests is required: pip install requests.')
        if auth not in ('session', 'basic'):
            raise IloValidationError("auth must be 'session' or 'basic', not %r." % (auth,))
        self.session_info = dict(session or {})
        if not hostname and self.session_info.get('hostname'):
            hostname = self.session_info['hostname']
        self.base_url = normalize_base_url(hostname)
        self.origin = origin_of(self.base_url)
        if self.session_info.get('hostname') and self.session_info.get('token'):
            owner = normalize_base_url(self.session_info['hostname'])
            if origin_of(owner) != self.origin:
                raise IloSecurityError(
                    'The session given belongs to %s, not to %s: a session token is only ever sent to the iLO that '
                    'created it. Log in to %s with lightsout.ilo.ilo_session.' % (owner, self.base_url, self.base_url))
        self.username = username
        self.password = password
        self.auth = auth
        self.timeout = (float(connect_timeout), float(timeout))
        self.deadline = float(timeout)
        self.max_body = MAX_BODY_BYTES
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_retry_after = float(max_retry_after)
        self._sleep = sleep if sleep is not None else time.sleep
        self._lock = threading.Lock()
        self._login_lock = threading.Lock()
        self._answered = False  # the iLO has answered this client: a connect timeout now means busy
        self._active = set()  # deadlines of the requests in flight (abort() ends them)
        self.aborted = False
        self.token = self.session_info.get('token')
        self.session_uri = self.session_info.get('uri')
        if self.session_uri:
            self.session_uri = self.local_path(self.session_uri, 'the session uri')
        self.owns_session = False
        self.root = None
        self._cache = {}  # normalized URI (and query) -> Response: what this client read (see get)
        self._inflight = {}  # the same keys -> _Flight: reads in progress, which other threads wait for
        self.stats = {}
        self.warnings = Notes()

        if ca_path and not os.path.exists(ca_path):
            raise IloValidationError('ca_path %s does not exist: give the CA certificate file (PEM) or directory that signed '
                                     'the iLO certificate.' % ca_path)
        environ = environ if environ is not None else os.environ
        self.http = requests.Session()
        self.http.trust_env = False  # no ~/.netrc credentials; CA bundle and proxies are decided here
        self.http.verify = resolve_verify(validate_certs, ca_path, environ)
        self.http.proxies = environ_proxies(self.base_url)
        pool_maxsize = max(1, int(pool_size))
        self.http.mount('http://', _DeadlineAdapter(pool_connections=1, pool_maxsize=pool_maxsize, max_retries=0))
        # One TLS context for every connection of this client, made on the first: requests builds one and loads the
        # CA file for each new connection, about 40 ms of CPU for a bundle like certifi's, and parallel reads open several.
        verify = self.http.verify
        self.http.mount('https://', _SharedTLSAdapter(lambda: tls_context(verify), pool_connections=1, pool_maxsize=pool_maxsize,
                                                      max_retries=0))
        self.http.headers.update({
            'Accept': 'application/json',
            'OData-Version': '4.0',
            'User-Agent': USER_AGENT,
        })
        if self.http.verify is False:
            self.warnings.append('validate_certs is false: the iLO certificate is not verified.')
        if self.origin[0] == 'http':
            self.warnings.append('hostname %s uses plain http: the password, the Basic credentials and the session token '
                                 'cross the network unencrypted and anyone on the path can read or change every reply. '
                                 'Use https.' % self.base_url)
        if self.token:
            pass  # sent per request (``X-Auth-Token``), never to another origin
        elif auth == 'basic':
            self._require_credentials()
            self.http.auth = (username, password)

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def open(self):
        """Log in when this client is to own a session. Idempotent."""
        if self.auth == 'session' and not self.token:
            self.login()
        return self

    def close(self):
        """Delete the session this client created (never one it was given), then drop connections."""
        try:
            if self.owns_session and self.session_uri:
                self.logout()
        finally:
            self.http.close()

    def _require_credentials(self):
        if not self.username or self.password is None:
            raise IloValidationError('No credentials: give username and password (or ILO_USERNAME/ILO_PASSWORD), or a session from ilo_session.')

    def get_root(self):
        """The service root (readable without authentication), fetched once per client."""
        if self.root is None:
            response = self.request('GET', ROOT_URI, authenticate=False)
            self.root = response.json or {}
            with self._lock:
                self._cache[normalize_uri(ROOT_URI)] = response
        return self.root

    def sessions_uri(self):
        root = self.get_root()
        links = root.get('Links') or root.get('links') or {}
        return link_of(links.get('Sessions')) or ROOT_URI + 'SessionService/Sessions/'

    def login(self):
        """Create a Redfish session: exactly one attempt with these credentials."""
        self._require_credentials()
        uri = self.sessions_uri()
        try:
            response = self.request('POST', uri, body={'UserName': self.username, 'Password': self.password},
                                    authenticate=False, relogin=False)
        except IloAuthError as exc:
            exc.message = ('Login to %s as %r failed: the iLO rejected the user name or password (HTTP %s). '
                           'One attempt was made; iLO delays logins and may lock the account after repeated failures.'
                           % (self.base_url, self.username, exc.status))
            if exc.status == 401 and 'basic' in str(getattr(exc, 'www_authenticate', '') or '').lower():
                exc.message += (' If the credentials are right, this service may not offer Redfish sessions to this '
                                'account: it answered WWW-Authenticate: Basic, so try auth: basic.')
            exc.args = (exc.message,)
            for message in exc.messages:  # the service's own resolution, when it gave one, is kept
                message.setdefault('Resolution', 'Check the user name and password; wait before retrying if iLO delays logins.')
            raise
        token = response.headers.get('X-Auth-Token')
        if not token:
            raise IloError('Login to %s returned HTTP %s without an X-Auth-Token header.' % (self.base_url, response.status),
                           method='POST', uri=uri, status=response.status)
        location = response.headers.get('Location') or link_of(response.json if isinstance(response.json, dict) else None)
        session_uri = self.local_path(location, "the login reply's Location") if location else None
        with self._lock:
            self.token = token
            self.session_uri = session_uri
            self.owns_session = True
        if not session_uri:
            found = self._own_session(uri)
            with self._lock:
                self.session_uri = found
            if not found:
                self.warn('The login reply of %s named no session URI (no Location header, no @odata.id) and the Sessions '
                          'collection does not mark this session as the caller\'s: it cannot be deleted by this task and '
                          'will idle out on the iLO.' % self.base_url)
        return {'hostname': self.base_url, 'token': token, 'uri': self.session_uri}

    def _own_session(self, sessions_uri):
        """The URI of the session just created, when the login reply did not say it, or None.

        iLO marks the caller's session in the Sessions collection (``Oem.Hpe.Links.MySession``)
        and in each session (``Oem.Hpe.MySession``); a few members are read to find it. Never raises.
        """
        try:
            body = self.request('GET', sessions_uri).json or {}
            for oem in (body.get('Oem') or {}).values():
                uri = link_of(((oem or {}).get('Links') or {}).get('MySession')) if isinstance(oem, dict) else None
                if uri:
                    return self.local_path(uri)
            members = [link_of(m) for m in body.get('Members') or [] if link_of(m)]
            for uri in members[:32]:
                member = self.request('GET', uri).json or {}
                if any(isinstance(oem, dict) and oem.get('MySession') is True for oem in (member.get('Oem') or {}).values()):
                    return self.local_path(uri)
        except IloError:
            return None
        return None

    def logout(self, uri=None):
        """Delete a session. Returns False when it was already gone (404)."""
        uri = uri or self.session_uri
        try:
            # Deleting a session twice is harmless (the second answer is 404): retry it like a GET,
            # so a transient error does not leave the session open on a BMC with few of them.
            self.request('DELETE', uri, relogin=False, idempotent=True)
            gone = True
        except IloError as exc:
            if exc.status not in (401, 404):
                raise
            gone = False
        if uri == self.session_uri:
            with self._lock:
                self.owns_session = False
                self.token = None
        return gone

    # ------------------------------------------------------------------ requests

    def local_path(self, uri, what='a link in a reply'):
        """The path (and query) of ``uri`` on the configured origin.

        A relative URI is a path on the iLO. An absolute one (any scheme, ``//host``) must name
        exactly this client's scheme, host and port, read by urllib3 as the connection would,
        and carry no user info; anything else raises IloSecurityError before a byte is sent.
        """
        text = str(uri)
        if not _ABSOLUTE.match(text):
            return text if text.startswith('/') else '/' + text
        try:
            parsed = parse_url(text)
            found = origin_of(text)
        except ValueError:  # urllib3's LocationParseError
            parsed, found = None, None
        if parsed is None or parsed.auth or found != self.origin:
            if parsed is not None and parsed.auth:
                text = text.replace(parsed.auth, '***')  # user info is never repeated in output
            raise IloSecurityError(
                'Refused %s %r: it points to %s, not to the iLO this task talks to (%s). Credentials and session '
                'tokens are only sent to the configured hostname.' % (
                    what, clean_text(text, 200),
                    'another server' if parsed is None or not parsed.auth else 'a URL with user info',
                    self.base_url), uri=clean_text(text, 200))
        return (parsed.path or '/') + ('?' + parsed.query if parsed.query else '')

    def url(self, uri):
        """The URL to request for ``uri``: always on the configured origin (see local_path)."""
        return self.base_url + quote(self.local_path(uri), safe="/%?=&$(),*:;@!'+-._~")

    def get(self, uri, fresh=False, params=None):
        """GET a resource. Within one client a resource is fetched once unless ``fresh``.

        The cache is single-flight: a thread that asks for a resource another thread is reading
        waits for that answer (or its error) instead of sending the same request. A collection
        read with ``$expand`` (EXPAND_MEMBERS) also answers its plain read.
        """
        uri = self.local_path(uri)  # a link to another origin is refused even when its path was read already
        key = _cache_key(uri, params)
        if fresh:
            return self._fetch(uri, params, key)
        with self._lock:
            cached = self._cached(key, params)
            if cached is not None:
                return cached
            flight = self._inflight.get(key)
            owner = flight is None
            if owner:
                flight = self._inflight[key] = _Flight()
        if not owner:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.response if flight.response is not None else self.get(uri, params=params)
        try:
            flight.response = self._fetch(uri, params, key)
        except Exception as exc:  # the waiters get the same error; a BaseException (a signal) leaves them to try again
            flight.error = exc
            raise
        finally:
            with self._lock:
                self._inflight.pop(key, None)
            flight.done.set()
        return flight.response

    def cached(self, uri, params=None):
        """The Response this client already has for ``uri`` (no request), or None."""
        with self._lock:
            return self._cached(_cache_key(self.local_path(uri), params), params)

    def _cached(self, key, params):
        found = self._cache.get(key)
        if found is None and not params:
            found = self._cache.get(_cache_key(key, EXPAND_MEMBERS))
        return found

    def _fetch(self, uri, params, key):
        # Through the host's adaptive limiter: it decides how many reads are in flight at once (reads.py).
        response = limiter_of(self).call(self.request, ('GET', uri), {'params': params},
                                         congestion=(IloTimeoutError, IloConnectionError), kind='expand' if params else None)
        with self._lock:
            self._cache[key] = response
        return response

    def remember(self, uri, body):
        """Cache a resource's body that arrived inside another answer (an expanded collection member).

        A read already cached wins. The remembered body has no headers: its ETag is its
        ``@odata.etag``, if any; writes that need a current ETag read ``fresh``.
        """
        uri = self.local_path(uri)
        response = Response('GET', uri, 200, {}, b'')
        response.json = body
        with self._lock:
            self._cache.setdefault(normalize_uri(uri), response)

    def forget(self, uri=None):
        """Drop cached reads: one URI (with any query), or everything."""
        with self._lock:
            if uri is None:
                self._cache.clear()
            else:
                prefix = normalize_uri(uri)
                for key in [k for k in self._cache if k == prefix or k.startswith(prefix + '?')]:
                    del self._cache[key]

    def get_many(self, uris, workers=None):
        """GET several resources, results in the same order; as many at once as the host's adaptive
        limiter allows (``workers``: its per-host cap, default reads.DEFAULT_CAP)."""
        return run_all(self.get, uris, limiter_of(self, cap=workers))

    def post(self, uri, body=None, **kwargs):
        return self.request('POST', uri, body=body if body is not None else {}, **kwargs)

    def patch(self, uri, body, **kwargs):
        return self.request('PATCH', uri, body=body, **kwargs)

    def put(self, uri, body, **kwargs):
        return self.request('PUT', uri, body=body, **kwargs)

    def delete(self, uri, **kwargs):
        return self.request('DELETE', uri, **kwargs)

    def request(self, method, uri, body=None, headers=None, if_match=None, params=None,
                authenticate=True, relogin=True, idempotent=False, data=None, deadline=None):
        """Send one logical request (with its bounded retries and redirects); return a Response.

        ``idempotent``: the caller knows repeating this request is harmless (deleting a
        session), so it is retried like a GET. The whole exchange ends by ``timeout``, or by
        ``deadline`` seconds when given (an upload sized to its file). ``data``: a file-like
        body with a length (``len``) sent as it is read (an upload streamed from disk; the
        caller sets its Content-Type and ``retries`` to 0, a stream cannot be sent twice).
        Raises an IloError subclass for anything but a 2xx answer.
        """
        method = method.upper()
        retry_safe = method in SAFE_METHODS or idempotent
        url = self.url(uri)
        extra = dict(headers or {})
        if body is not None:
            extra['Content-Type'] = 'application/json'
        if if_match:
            extra['If-Match'] = if_match
        if method not in SAFE_METHODS:
            # Any write may change what a cached read said.
            self.forget()
        if self.aborted and not (method == 'DELETE' and uri == self.session_uri):
            raise IloError('%s %s: not sent, the task is being stopped.' % (method, uri), method=method, uri=uri)
        guard = _Deadline(float(deadline) if deadline else self.deadline)
        with self._lock:
            self._active.add(guard)
        attempt = 0
        relogged = False
        try:
            while True:
                token = self.token if authenticate else None
                try:
                    response = self._send(method, uri, url, body, extra, params, authenticate, token, guard, data)
                except _RetryableError as exc:
                    if (retry_safe or exc.before_send) and attempt < self.retries and \
                            self._pause(self._delay(attempt, None), guard):
                        attempt += 1
                        continue
                    raise _attempts(exc.error, attempt + 1, guard)
                status = response.status
                if (status == 401 and authenticate and relogin and not relogged and self.owns_session
                        and self.auth == 'session'):
                    relogged = True
                    self._relogin(token)
                    continue
                note = ''
                if (status == 503 or (retry_safe and status in RETRY_STATUS_SAFE)) and attempt < self.retries:
                    delay = self._delay(attempt, response.headers.get('Retry-After'))
                    if self._pause(delay, guard):
                        attempt += 1
                        continue
                    note = ' Not retried: waiting %.0f s more would pass the %.0f s deadline (timeout).' % (delay, self.deadline)
                if status >= 400:
                    raise _attempts(self._http_error(method, uri, response, note), attempt + 1, guard)
                if response.problem and method in SAFE_METHODS:
                    raise IloProtocolError('%s %s: the iLO answered HTTP %s but the reply cannot be used: %s.' % (
                        method, uri, status, response.problem), method=method, uri=uri, status=status,
                        body=excerpt(response.content))
                if response.replaced:
                    self.warn('%s %s: the reply is not valid UTF-8; %d undecodable byte sequence(s) were replaced.'
                              % (method, uri, response.replaced))
                return response
        finally:
            guard.stop()
            with self._lock:
                self._active.discard(guard)

    def abort(self):
        """End every request in flight now (their sockets are shut) and send no new one but the logout.

        For a signal handler: the threads of a parallel read return at once, so the owned
        session can be deleted before the process is killed.
        """
        self.aborted = True
        with self._lock:
            active = list(self._active)
        for guard in active:
            guard.fire()

    def warn(self, text):
        """Add a warning for the task (once; BMC text cleaned)."""
        self.warnings.add(clean_text(text))

    def _pause(self, delay, guard):
        """Sleep ``delay`` before a retry when that leaves time before the deadline; else False."""
        if delay >= guard.remaining():
            return False
        self._sleep(delay)
        return True

    def _relogin(self, failed_token):
        """Log in again after a 401 on ``failed_token``: once, whatever the number of threads that met it.

        A thread that finds the token already replaced just retries with the new one; the session
        that was replaced is deleted (it has usually expired: the DELETE then answers 404).
        """
        with self._login_lock:
            if self.token and self.token != failed_token:
                return
            self._renew_session()

    def _renew_session(self):
        """Log in again; the session this client opened before is deleted (the caller holds the login lock)."""
        old = self.session_uri if self.owns_session else None
        self.login()
        if old and not same_uri(old, self.session_uri):
            try:
                self.request('DELETE', old, relogin=False, idempotent=True)
            except IloError:
                pass

    def share_tls_context(self, context, pool_maxsize):
        """Make this client's https connections use ``context`` (from :func:`tls_context`), shared with other
        clients of the same trust setting, instead of the one the client would make for itself."""
        self.http.mount('https://', _SharedTLSAdapter(context, pool_connections=1, pool_maxsize=pool_maxsize, max_retries=0))

    def use_new_password(self, password):
        """The account this client logs in with has a new password: go on with it.

        Basic auth sends it from the next request on (False). A session this client opened is
        replaced by one logged in with the new password, the old one deleted (True). A session
        given to the client is kept: iLO does not end it (False).
        """
        with self._login_lock:
            self.password = password
            if self.auth == 'basic':
                self.http.auth = (self.username, password)
                return False
            if not self.owns_session:
                return False
            self._renew_session()
            return True

    def _delay(self, attempt, retry_after):
        seconds = parse_retry_after(retry_after)
        if seconds is not None:
            return min(seconds, self.max_retry_after)
        return min(self.backoff * (2 ** attempt), self.max_retry_after)

    def _count(self, method):
        with self._lock:
            self.stats[method] = self.stats.get(method, 0) + 1

    def _send(self, method, uri, url, body, headers, params, authenticate, token, guard, data=None):
        """One HTTP exchange plus redirects, each hop kept on the same origin with the same method."""
        for _hop in range(MAX_REDIRECTS + 1):
            self._count(method)
            remaining = guard.remaining()
            if remaining <= 0:
                raise guard.error(method, uri, self.base_url)
            kwargs = {'headers': dict(headers), 'allow_redirects': False, 'params': params, 'stream': True,
                      'timeout': (min(self.timeout[0], remaining), min(self.timeout[1], remaining))}
            if body is not None:
                kwargs['json'] = body
            elif data is not None:
                kwargs['data'] = data
            if not authenticate:
                kwargs['auth'] = _NoAuth()
            elif token:
                kwargs['headers']['X-Auth-Token'] = token
            try:
                with warnings.catch_warnings(), guard.watching():
                    warnings.simplefilter('ignore')
                    raw = self.http.request(method, url, **kwargs)
                    try:
                        content = self._read_body(raw, method, uri, guard)
                    finally:
                        raw.close()
            except IloError:
                raise
            except Exception as exc:  # pylint: disable=broad-except
                # The read timeout is what is left of the deadline: a read timeout means it has passed.
                if guard.fired or guard.remaining() <= 0.01:
                    raise guard.error(method, uri, self.base_url)
                raise self._transport_error(exc, method, uri)  # an IloError, or _RetryableError
            self._answered = True
            response = Response(method, urlsplit(raw.url).path, raw.status_code, raw.headers, content)
            location = raw.headers.get('Location')
            if raw.status_code in REDIRECT_STATUS and location and not (method == 'POST' and raw.status_code == 201):
                if raw.status_code in (302, 303) and method not in SAFE_METHODS:
                    raise IloError('%s %s was redirected with HTTP %s, which would turn it into a GET; not following it.'
                                   % (method, uri, raw.status_code), method=method, uri=uri, status=raw.status_code)
                url = self.url(self.local_path(urljoin(url, location), 'the redirect (HTTP %s) to' % raw.status_code))
                continue
            return response
        raise IloError('%s %s: more than %d redirects.' % (method, uri, MAX_REDIRECTS), method=method, uri=uri)

    def _read_body(self, raw, method, uri, guard):
        """The whole body, streamed: refused past ``max_body`` bytes (a larger Content-Length before reading)."""
        declared = raw.headers.get('Content-Length')
        try:
            declared = int(declared) if declared is not None else None
        except ValueError:
            declared = None
        limit = self.max_body
        if declared is not None and declared > limit:
            raise IloProtocolError('%s %s: the reply announces %d bytes (Content-Length), more than the %d MiB limit; '
                                   'not read.' % (method, uri, declared, limit // (1024 * 1024)),
                                   method=method, uri=uri, status=raw.status_code)
        chunks = []
        total = 0
        for chunk in raw.iter_content(READ_CHUNK):
            total += len(chunk)
            if total > limit:
                raise IloProtocolError('%s %s: the reply is larger than the %d MiB limit; stopped reading.'
                                       % (method, uri, limit // (1024 * 1024)), method=method, uri=uri, status=raw.status_code)
            chunks.append(chunk)
        if guard.fired:
            raise guard.error(method, uri, self.base_url)
        return b''.join(chunks)

    def _transport_error(self, exc, method, uri):
        """The IloError (wrapped in _RetryableError when a retry may help) for a requests/urllib3 exception."""
        if isinstance(exc, requests.exceptions.SSLError) and _not_tls(exc):
            return IloTLSError(
                'TLS to %s failed: the port does not speak TLS (it answered something else, or closed the connection during '
                'the handshake). Is it a plain-HTTP port, another service, or the wrong port? Check hostname and its port.'
                % self.base_url, method=method, uri=uri)
        if isinstance(exc, requests.exceptions.SSLError):
            return IloTLSError(
                'TLS to %s failed: %s. Check ca_path (the CA that signed the iLO certificate) and that hostname matches '
                'the certificate, or set validate_certs: false for a lab.' % (self.base_url, _reason(exc)),
                method=method, uri=uri)
        if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ProxyError)):
            if self._answered:
                text = ('%s %s: %s did not accept a new connection within %s s (connect timeout), but it has answered this '
                        'task before: the iLO is busy, not unreachable.' % (method, uri, self.base_url, self.timeout[0]))
            else:
                text = 'Could not connect to %s within %s s (connect timeout): %s.' % (self.base_url, self.timeout[0], _reason(exc))
            return _RetryableError(IloTimeoutError(text, method=method, uri=uri), before_send=True)
        if isinstance(exc, (requests.exceptions.ReadTimeout, socket.timeout)):
            return _RetryableError(IloTimeoutError(
                '%s %s: no answer from %s within %s s (read timeout).%s' % (
                    method, uri, self.base_url, self.timeout[1],
                    '' if method in SAFE_METHODS else ' The request was sent; whether it took effect is unknown.'),
                method=method, uri=uri), before_send=False)
        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                            requests.exceptions.ContentDecodingError, OSError)) and not isinstance(exc, ValueError):
            before = _not_sent(exc)
            if before:
                text = '%s %s: could not connect to %s: %s.' % (method, uri, self.base_url, _reason(exc))
            else:
                text = '%s %s: the connection to %s broke: %s.' % (method, uri, self.base_url, _reason(exc))
                if method not in SAFE_METHODS:
                    text += ' The request was sent; whether it took effect is unknown.'
            return _RetryableError(IloConnectionError(text, method=method, uri=uri), before_send=before)
        # ValueError: urllib3 refusing a host or URL it cannot parse (LocationParseError); anything else unexpected.
        return IloConnectionError('%s %s failed: %s.' % (method, uri, _reason(exc)), method=method, uri=uri)

    def _http_error(self, method, uri, response, note=''):
        messages = response.messages
        for message in messages:
            known = None if 'Message' in message else known_message(message['MessageId'])
            if known:
                message['Message'] = known[0]
                message.setdefault('Resolution', known[1])
        status = response.status
        reason = '; '.join(m.get('Message') or m['MessageId'] for m in messages)
        if not reason:
            reason = excerpt(response.content) or 'no details in the reply'
        ids = ', '.join(m['MessageId'] for m in messages)
        text = '%s %s failed with HTTP %s: %s%s' % (method, uri, status, reason, ' (%s)' % ids if ids else '')
        text += note
        if status == 401 and self.session_info.get('token') and not self.owns_session:
            text += '. The session given to this task is no longer valid: log in again with lightsout.ilo.ilo_session.'
        elif status == 401:
            text += '. Check the user name and password.'
        cls = http_error_class(status)
        error = cls(text, method=method, uri=uri, status=status, messages=messages,
                    body=None if response.json is not None else excerpt(response.content))
        error.www_authenticate = response.headers.get('WWW-Authenticate') if response.headers is not None else None
        return error


def _cache_key(uri, params):
    """The cache key of a GET: the URI's comparison form and the sorted query parameters."""
    return normalize_uri(uri) + ('?' + '&'.join('%s=%s' % kv for kv in sorted(params.items())) if params else '')


class _Flight:
    """One read in progress: what the threads that wait for it get (``response`` or ``error``) once ``done``."""

    def __init__(self):
        self.done = threading.Event()
        self.response = None
        self.error = None


class _RetryableError(Exception):
    def __init__(self, error, before_send):
        super(_RetryableError, self).__init__(error.message)
        self.error = error
        self.before_send = before_send


class _NoAuth:
    """requests auth that sends nothing (for the unauthenticated service root and login)."""

    def __call__(self, request):
        request.headers.pop('Authorization', None)
        return request


def _reason(exc):
    """The innermost, shortest useful reason of a requests/urllib3 exception."""
    text = str(exc)
    cause = exc
    while getattr(cause, '__context__', None) is not None and cause.__context__ is not cause:
        cause = cause.__context__
    inner = str(cause) or type(cause).__name__
    if "doesn't match" in text or 'ostname mismatch' in text or 'IP address mismatch' in text:
        return 'certificate verify failed: the certificate does not match the host name'
    if 'CERTIFICATE_VERIFY_FAILED' in text or 'certificate verify failed' in text:
        match = re.search(r'certificate verify failed: ([^()]+?)\s*(?:\(_ssl|\)|$)', text)
        return 'certificate verify failed' + (' (%s)' % match.group(1).strip() if match else '')
    if len(inner) < len(text) and inner:
        return inner[:200]
    return text[:200]


def _not_tls(exc):
    """True when a TLS failure means the other end does not speak TLS at all (not a certificate problem)."""
    text = repr(exc)
    markers = ('WRONG_VERSION_NUMBER', 'wrong version number', 'record layer failure', 'UNEXPECTED_EOF', 'EOF occurred in violation',
               'unknown protocol', 'HTTP_REQUEST', 'PACKET_LENGTH_TOO_LONG', 'packet length too long', 'unexpected eof')
    return 'certificate verify failed' not in text and any(m in text for m in markers)


def _not_sent(exc):
    """True when a ConnectionError happened before the request reached the server."""
    text = repr(exc)
    markers = ('NewConnectionError', 'Failed to establish a new connection', 'Connection refused',
               'Name or service not known', 'nodename nor servname', 'No route to host', 'Temporary failure in name resolution',
               'getaddrinfo failed', 'Network is unreachable')
    return any(m in text for m in markers)


def _attempts(error, attempts, guard):
    """Say in ``error`` how many attempts were made and how long they took, when there was more than one."""
    if attempts > 1 and ' attempts in ' not in error.message:
        error.message = '%s (%d attempts in %.1f s)' % (error.message, attempts, guard.elapsed())
        error.args = (error.message,)
    return error


_CURRENT = threading.local()


class _Watchdog:
    """One thread for every request deadline of the process: it fires each _Deadline when it passes.

    A timer thread per request cost more CPU than the rest of a small GET (start, wake, cancel); a fact
    gathering of a 45-server enclosure makes ~600 requests. A stopped deadline leaves the heap when it
    comes first, or with the others when they are most of it. A forked child starts its own.
    """

    def __init__(self):
        self._pid = self._cond = self._heap = self._thread = None
        self._stale = 0
        self._count = itertools.count()

    def _condition(self):
        if self._pid != os.getpid():
            self._pid, self._cond, self._heap, self._thread, self._stale = os.getpid(), threading.Condition(), [], None, 0
        return self._cond

    def add(self, deadline):
        with self._condition():
            if self._stale > 64 and 2 * self._stale > len(self._heap):
                self._heap = [item for item in self._heap if not item[2].stopped]
                heapq.heapify(self._heap)
                self._stale = 0
            heapq.heappush(self._heap, (deadline.end, next(self._count), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, args=(self._cond,), name='ilo-request-deadlines')
                self._thread.daemon = True
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._cond.notify()

    def stop(self, deadline):
        with self._condition():
            if not deadline.stopped:
                deadline.stopped = True
                self._stale += 1

    def _run(self, cond):
        while True:
            with cond:
                while self._heap and self._heap[0][2].stopped:
                    heapq.heappop(self._heap)
                    self._stale -= 1
                if not self._heap or self._heap[0][0] > time.monotonic():
                    cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                    continue
                due = heapq.heappop(self._heap)[2]
            due.fire()


_WATCHDOG = _Watchdog()


class _Deadline:
    """The deadline of one logical request. When it passes, the sockets the request uses are shut
    down, which ends any read in progress however slowly the server drips bytes."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.fired = False
        self.stopped = False
        self._sockets = []
        self._lock = threading.Lock()
        _WATCHDOG.add(self)

    def remaining(self):
        return self.end - time.monotonic()

    def elapsed(self):
        return self.seconds - self.remaining()

    def watch(self, sock):
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            _shutdown(sock)

    def fire(self):
        """Pass the deadline now: shut the sockets in use."""
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def stop(self):
        _WATCHDOG.stop(self)

    def watching(self):
        return _Watching(self)

    def error(self, method, uri, base_url):
        return IloTimeoutError('%s %s: %s did not complete the request within the %s s deadline (timeout), connect, '
                               'retries and reading the reply included.%s' % (
                                   method, uri, base_url, _seconds(self.seconds),
                                   '' if method in SAFE_METHODS else ' The request was sent; whether it took effect is unknown.'),
                               method=method, uri=uri)


class _Watching:
    """``with guard.watching():`` the connections this thread uses meanwhile are watched by ``guard``."""

    def __init__(self, guard):
        self.guard = guard

    def __enter__(self):
        _CURRENT.guard = self.guard
        return self.guard

    def __exit__(self, *exc):
        _CURRENT.guard = None
        return False


def _seconds(value):
    return ('%d' % value) if float(value).is_integer() else ('%s' % value)


def _shutdown(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


class _Watched:
    """Mixin for urllib3 connections: register the socket with the current request's deadline."""

    def _new_conn(self):
        sock = super(_Watched, self)._new_conn()
        guard = getattr(_CURRENT, 'guard', None)
        if guard is not None:
            guard.watch(sock)
        return sock

    def request(self, *args, **kwargs):
        guard = getattr(_CURRENT, 'guard', None)
        if guard is not None and getattr(self, 'sock', None) is not None:
            guard.watch(self.sock)
        return super(_Watched, self).request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOL_CLASSES = {'http': _WatchedHTTPPool, 'https': _WatchedHTTPSPool}


def environ_proxies(url):
    """The proxies the environment sets for ``url`` (requests' rules: ``https_proxy``, ``no_proxy`` ...).

    Without any ``*_proxy`` variable, the common case, that is no proxy, found without requests'
    per-URL lookup (an inventory scan makes a client per address).
    """
    if not any(name.lower().endswith('_proxy') for name in os.environ):
        return {}
    return requests.utils.get_environ_proxies(url)


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections are watched by the request deadline (_Deadline)."""

    def init_poolmanager(self, *args, **kwargs):
        super(_DeadlineAdapter, self).init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super(_DeadlineAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager


class _SharedTLSAdapter(_DeadlineAdapter):
    """The client's https adapter: one TLS context for every connection of the client, or of many clients (an
    inventory scan shares one per trust setting).

    requests builds an SSL context and loads the CA file for each new connection (urllib3's
    ``ssl_wrap_socket``): about 1 ms of CPU for one CA, 40 ms for a bundle like certifi's. Verification is the
    same: CERT_REQUIRED and host name checking, urllib3's defaults, the same CA file or directory (requests'
    ``verify`` for the client). ``context`` is the context, or a function that makes it on first use; None (no
    verification, a CA file that does not load, a requests without connection pool keys) keeps requests' handling.
    """

    def __init__(self, context, **kwargs):
        self._context = context
        self._context_lock = threading.Lock()
        super(_SharedTLSAdapter, self).__init__(**kwargs)

    @property
    def shared_context(self):
        if callable(self._context):
            with self._context_lock:
                if callable(self._context):
                    self._context = self._context()
        return self._context

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super(_SharedTLSAdapter, self).build_connection_pool_key_attributes(request, verify, cert)
        context = self.shared_context if pool_kwargs.get('cert_reqs') == 'CERT_REQUIRED' else None
        if context is not None:
            pool_kwargs.pop('ca_certs', None)
            pool_kwargs.pop('ca_cert_dir', None)
            pool_kwargs['ssl_context'] = context
        return host_params, pool_kwargs

    def cert_verify(self, conn, url, verify, cert):
        super(_SharedTLSAdapter, self).cert_verify(conn, url, verify, cert)
        if getattr(conn, 'cert_reqs', None) == 'CERT_REQUIRED' and self.shared_context is not None:
            conn.ca_certs = conn.ca_cert_dir = None  # in the shared context already


def tls_context(verify):
    """The SSL context for requests' ``verify`` (a CA file or directory, or True: requests' default bundle), or
    None where the client's own handling is kept (no verification; a requests without connection pool keys)."""
    if verify is False or create_urllib3_context is None or not hasattr(_DeadlineAdapter, 'build_connection_pool_key_attributes'):
        return None
    location = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
    if not location or not os.path.exists(location):
        return None  # the client reports it as requests does
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    try:
        if os.path.isdir(location):
            context.load_verify_locations(capath=location)
        else:
            context.load_verify_locations(cafile=location)
    except (OSError, ValueError):  # ssl.SSLError is an OSError: the clients report a CA file that is no CA file
        return None
    return context
