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
- A 401 on a session this client created logs in again once and repeats the request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
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
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.lightsout.ilo.plugins.module_utils.reads import limiter_of, run_all
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloConnectionError,
    IloError,
    IloTimeoutError,
    IloTLSError,
    IloValidationError,
    decode_body,
    excerpt,
    http_error_class,
    known_message,
    parse_messages,
)

ROOT_URI = '/redfish/v1/'
LEGACY_ROOT_URI = '/rest/v1/'
SAFE_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS'])
RETRY_STATUS_SAFE = frozenset([500, 502, 503, 504])
REDIRECT_STATUS = frozenset([301, 302, 303, 307, 308])
MAX_REDIRECTS = 5
USER_AGENT = 'lightsout.ilo'


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


def normalize_uri(uri):
    """The comparison form of a URI: path only, lower-case, no trailing slash (the root stays '/')."""
    if uri is None:
        return None
    text = str(uri)
    if '://' in text:
        try:
            parts = urlsplit(text)
            text = parts.path + ('?' + parts.query if parts.query else '')
        except ValueError:  # e.g. a malformed IPv6 literal in a link a BMC sent: keep the path after the host
            rest = text.split('://', 1)[1]
            text = '/' + rest.split('/', 1)[1] if '/' in rest else '/'
    path, sep, query = text.partition('?')
    path = path.lower()
    while len(path) > 1 and path.endswith('/'):
        path = path[:-1]
    return path + sep + query


def same_uri(first, second):
    return normalize_uri(first) == normalize_uri(second)


def link_of(value):
    """The URI of a Redfish link ``{"@odata.id": ...}`` or iLO 4 compat ``{"href": ...}``, else None."""
    if isinstance(value, dict):
        return value.get('@odata.id') or value.get('href')
    if isinstance(value, str) and value.startswith('/'):
        return value
    return None


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
        self.json = decode_body(content)

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
        self.username = username
        self.password = password
        self.auth = auth
        self.timeout = (float(connect_timeout), float(timeout))
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_retry_after = float(max_retry_after)
        self._sleep = sleep if sleep is not None else time.sleep
        self._lock = threading.Lock()
        self.token = self.session_info.get('token')
        self.session_uri = self.session_info.get('uri')
        self.owns_session = False
        self.root = None
        self._cache = {}
        self.stats = {}
        self.warnings = []

        environ = environ if environ is not None else os.environ
        self.http = requests.Session()
        self.http.trust_env = False  # no ~/.netrc credentials; CA bundle and proxies are decided here
        self.http.verify = resolve_verify(validate_certs, ca_path, environ)
        self.http.proxies = requests.utils.get_environ_proxies(self.base_url)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, int(pool_size)), max_retries=0)
        self.http.mount('https://', adapter)
        self.http.mount('http://', adapter)
        self.http.headers.update({
            'Accept': 'application/json',
            'OData-Version': '4.0',
            'User-Agent': USER_AGENT,
        })
        if self.http.verify is False:
            self.warnings.append('validate_certs is false: the iLO certificate is not verified.')
        if self.token:
            self.http.headers['X-Auth-Token'] = self.token
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
            exc.args = (exc.message,)
            for message in exc.messages:
                message['Resolution'] = 'Check the user name and password; wait before retrying if iLO delays logins.'
            raise
        token = response.headers.get('X-Auth-Token')
        if not token:
            raise IloError('Login to %s returned HTTP %s without an X-Auth-Token header.' % (self.base_url, response.status),
                           method='POST', uri=uri, status=response.status)
        location = response.headers.get('Location') or link_of(response.json if isinstance(response.json, dict) else None)
        with self._lock:
            self.token = token
            self.session_uri = urlsplit(location).path if location else None
            self.owns_session = True
            self.http.headers['X-Auth-Token'] = token
        return {'hostname': self.base_url, 'token': token, 'uri': self.session_uri}

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
                self.http.headers.pop('X-Auth-Token', None)
        return gone

    # ------------------------------------------------------------------ requests

    def url(self, uri):
        if uri.startswith('http://') or uri.startswith('https://'):
            return uri
        return self.base_url + quote(uri if uri.startswith('/') else '/' + uri, safe="/%?=&$(),*:;@!'+-._~")

    def get(self, uri, fresh=False, params=None):
        """GET a resource. Within one client a resource is fetched once unless ``fresh``."""
        key = normalize_uri(uri) + ('?' + '&'.join('%s=%s' % kv for kv in sorted(params.items())) if params else '')
        if not fresh:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
        # Through the host's adaptive limiter: it decides how many reads are in flight at once (reads.py).
        response = limiter_of(self).call(self.request, (IloTimeoutError, IloConnectionError), 'GET', uri, params=params)
        self._cache[key] = response
        return response

    def remember(self, uri, body):
        """Cache a resource's body that arrived inside another answer (an expanded collection member).

        A read already cached wins. The remembered body has no headers: its ETag is its
        ``@odata.etag``, if any; writes that need a current ETag read ``fresh``.
        """
        response = Response('GET', uri, 200, {}, b'')
        response.json = body
        self._cache.setdefault(normalize_uri(uri), response)

    def forget(self, uri=None):
        """Drop cached reads: one URI, or everything."""
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
                authenticate=True, relogin=True, idempotent=False):
        """Send one logical request (with its bounded retries and redirects); return a Response.

        ``idempotent``: the caller knows repeating this request is harmless (deleting a
        session), so it is retried like a GET.
        Raises an IloError subclass for anything but a 2xx answer.
        """
        method = method.upper()
        retry_safe = method in SAFE_METHODS or idempotent
        extra = dict(headers or {})
        if body is not None:
            extra['Content-Type'] = 'application/json'
        if if_match:
            extra['If-Match'] = if_match
        if method not in SAFE_METHODS:
            # Any write may change what a cached read said.
            self._cache.clear()
        attempt = 0
        relogged = False
        while True:
            try:
                response = self._send(method, uri, body, extra, params, authenticate)
            except _RetryableError as exc:
                if (retry_safe or exc.before_send) and attempt < self.retries:
                    self._sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise exc.error
            status = response.status
            if (status == 401 and authenticate and relogin and not relogged and self.owns_session
                    and self.auth == 'session'):
                relogged = True
                self._relogin()
                continue
            if (status == 503 or (retry_safe and status in RETRY_STATUS_SAFE)) and attempt < self.retries:
                self._sleep(self._delay(attempt, response.headers.get('Retry-After')))
                attempt += 1
                continue
            if status >= 400:
                raise self._http_error(method, uri, response)
            return response

    def _relogin(self):
        with self._lock:
            self.token = None
            self.http.headers.pop('X-Auth-Token', None)
            self.owns_session = False
        self.login()

    def _delay(self, attempt, retry_after):
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_retry_after)
            except ValueError:
                pass
        return min(self.backoff * (2 ** attempt), self.max_retry_after)

    def _count(self, method):
        with self._lock:
            self.stats[method] = self.stats.get(method, 0) + 1

    def _send(self, method, uri, body, headers, params, authenticate):
        """One HTTP exchange plus redirects, each hop kept on the same origin with the same method."""
        url = self.url(uri)
        origin = urlsplit(self.base_url)
        for _hop in range(MAX_REDIRECTS + 1):
            self._count(method)
            kwargs = {'headers': headers, 'timeout': self.timeout, 'allow_redirects': False, 'params': params}
            if body is not None:
                kwargs['json'] = body
            if not authenticate:
                kwargs['headers'] = dict(headers, **{'X-Auth-Token': None})
                kwargs['auth'] = _NoAuth()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    raw = self.http.request(method, url, **kwargs)
            except requests.exceptions.SSLError as exc:
                raise IloTLSError(
                    'TLS to %s failed: %s. Check ca_path (the CA that signed the iLO certificate) and that hostname matches '
                    'the certificate, or set validate_certs: false for a lab.' % (self.base_url, _reason(exc)),
                    method=method, uri=uri)
            except (requests.exceptions.ConnectTimeout, requests.exceptions.ProxyError) as exc:
                raise _RetryableError(IloTimeoutError(
                    'Could not connect to %s within %s s: %s.' % (self.base_url, self.timeout[0], _reason(exc)),
                    method=method, uri=uri), before_send=True)
            except requests.exceptions.ReadTimeout:
                raise _RetryableError(IloTimeoutError(
                    '%s %s: no answer from %s within %s s (timeout).%s' % (
                        method, uri, self.base_url, self.timeout[1],
                        '' if method in SAFE_METHODS else ' The request was sent; whether it took effect is unknown.'),
                    method=method, uri=uri), before_send=False)
            except requests.exceptions.ConnectionError as exc:
                before = _not_sent(exc)
                if before:
                    text = '%s %s: could not connect to %s: %s.' % (method, uri, self.base_url, _reason(exc))
                else:
                    text = '%s %s: the connection to %s broke: %s.' % (method, uri, self.base_url, _reason(exc))
                    if method not in SAFE_METHODS:
                        text += ' The request was sent; whether it took effect is unknown.'
                raise _RetryableError(IloConnectionError(text, method=method, uri=uri), before_send=before)
            except (requests.exceptions.RequestException, ValueError) as exc:
                # ValueError: urllib3 refusing a host or URL it cannot parse (LocationParseError).
                raise IloConnectionError('%s %s failed: %s.' % (method, uri, _reason(exc)), method=method, uri=uri)
            response = Response(method, urlsplit(raw.url).path, raw.status_code, raw.headers, raw.content)
            location = raw.headers.get('Location')
            if raw.status_code in REDIRECT_STATUS and location and not (method == 'POST' and raw.status_code == 201):
                target = urljoin(url, location)
                hop = urlsplit(target)
                if (hop.scheme, hop.hostname, hop.port) != (origin.scheme, origin.hostname, origin.port):
                    raise IloError('%s %s was redirected to another server (%s); not following it.' % (method, uri, target),
                                   method=method, uri=uri, status=raw.status_code)
                if raw.status_code in (302, 303) and method not in SAFE_METHODS:
                    raise IloError('%s %s was redirected with HTTP %s, which would turn it into a GET; not following it.'
                                   % (method, uri, raw.status_code), method=method, uri=uri, status=raw.status_code)
                url = target
                continue
            return response
        raise IloError('%s %s: more than %d redirects.' % (method, uri, MAX_REDIRECTS), method=method, uri=uri)

    def _http_error(self, method, uri, response):
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
        if status == 401 and self.session_info.get('token') and not self.owns_session:
            text += '. The session given to this task is no longer valid: log in again with lightsout.ilo.ilo_session.'
        elif status == 401:
            text += '. Check the user name and password.'
        cls = http_error_class(status)
        return cls(text, method=method, uri=uri, status=status, messages=messages,
                   body=None if response.json is not None else excerpt(response.content))


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


def _not_sent(exc):
    """True when a ConnectionError happened before the request reached the server."""
    text = repr(exc)
    markers = ('NewConnectionError', 'Failed to establish a new connection', 'Connection refused',
               'Name or service not known', 'nodename nor servname', 'No route to host', 'Temporary failure in name resolution',
               'getaddrinfo failed', 'Network is unreachable')
    return any(m in text for m in markers)
