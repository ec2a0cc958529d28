# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One small exception hierarchy for everything that talks to an iLO.

Every error carries what a person needs to act on it: a sentence (``message``), and where
it came from an HTTP exchange, the method, URI, status and the Redfish/iLO messages
(``MessageId``, text, resolution). ``to_dict()`` is what modules return as ``error``.
No Ansible import here: the client and the model raise these, ``module.py`` reports them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import threading

# Text for the messages a client meets most, for when iLO omits Message/Resolution and the
# registry cannot be read (for example a 401 before any session exists). Keys are the
# registry-version-free form "<Registry>.<Key>". Wording follows the DMTF Base and HPE iLO
# message registries.
KNOWN_MESSAGES = {
    'Base.NoValidSession': (
        'There is no valid session established with the implementation.',
        'Establish a session before attempting any operations.'),
    'Base.InsufficientPrivilege': (
        'There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.',
        'Either abandon the operation or change the associated access rights and resubmit the request if the operation failed.'),
    'Base.SessionLimitExceeded': (
        'The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.',
        'Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions (if supported).'),
    'Base.PreconditionFailed': (
        'The ETag supplied did not match the ETag required to change this resource.',
        'Try the operation again using the appropriate ETag.'),
    'Base.ResourceMissingAtURI': (
        'The resource at the URI was not found.',
        'Place a valid resource at the URI or correct the URI and resubmit the request.'),
    'Base.MalformedJSON': (
        'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
        'Ensure that the request body is valid JSON and resubmit the request.'),
    'iLO.ResourceNotReadyRetry': (
        'The resource is temporarily unavailable because the firmware is being flashed or iLO is initializing.',
        'Retry the operation when the firmware has finished updating or iLO is ready.'),
    'iLO.InvalidOperationForSystemState': (
        'The operation was not successful due to the current power state.',
        'Retry the operation when the system is in a state where the operation is allowed.'),
    'iLO.LoginAttemptDelayed': (
        'The login was delayed because of previous failed login attempts.',
        'Wait for the delay to pass, check the credentials and try again.'),
}


def split_message_id(message_id):
    """``Base.1.12.NoValidSession`` -> (``Base``, ``1.12``, ``NoValidSession``).

    Also accepts iLO 4's ``Base.1.0:Success`` form and ids without a version.
    """
    text = str(message_id or '').replace(':', '.')
    parts = [p for p in text.split('.') if p != '']
    if not parts:
        return '', '', ''
    if len(parts) == 1:
        return '', '', parts[0]
    registry, key = parts[0], parts[-1]
    version = '.'.join(parts[1:-1])
    return registry, version, key


def known_message(message_id):
    registry, _version, key = split_message_id(message_id)
    return KNOWN_MESSAGES.get('%s.%s' % (registry, key))


def parse_messages(body):
    """Extract Redfish/iLO messages from a decoded JSON body of any shape iLO uses.

    Handles ``error.@Message.ExtendedInfo`` (DMTF, iLO 5/6), iLO 4's ``Messages`` with
    ``MessageID``, ``@Message.ExtendedInfo`` at the top level, and settings results
    (``@Redfish.Settings.Messages``/``SettingsResult.Messages`` are passed in directly as lists).
    Never raises: anything unexpected is skipped.
    """
    found = []
    candidates = []
    if isinstance(body, list):
        candidates.append(body)
    elif isinstance(body, dict):
        err = body.get('error')
        if isinstance(err, dict):
            candidates.append(err.get('@Message.ExtendedInfo'))
        candidates.append(body.get('@Message.ExtendedInfo'))
        candidates.append(body.get('Messages'))
    for candidate in candidates:
        if not isinstance(candidate, list):
            continue
        for item in candidate:
            if not isinstance(item, dict):
                continue
            message_id = item.get('MessageId') or item.get('MessageID')
            if not message_id:
                continue
            if len(found) >= MAX_MESSAGES:
                return found
            entry = {'MessageId': clean_text(message_id, 120)}
            for key in ('Message', 'Resolution', 'Severity', 'MessageSeverity', 'MessageArgs', 'RelatedProperties'):
                if key in item and item[key] not in (None, '', []):
                    entry[key] = item[key]
            for key in ('Message', 'Resolution', 'Severity', 'MessageSeverity'):
                if key in entry:
                    if not isinstance(entry[key], str):
                        entry[key] = json.dumps(entry[key], sort_keys=True)  # a malformed body: keep it readable, keep it text
                    entry[key] = clean_text(entry[key])
            for key in ('MessageArgs', 'RelatedProperties'):
                if key in entry:
                    values = entry[key] if isinstance(entry[key], list) else [entry[key]]
                    entry[key] = [clean_text(v, 120) if isinstance(v, str) else v for v in values[:MAX_MESSAGES]]
            found.append(entry)
    return found


# Text that came from the BMC is copied into msg/error/warnings: strip what could forge lines or
# move the cursor in a terminal (C0/C1 controls, DEL, line/paragraph separators, bidi overrides)
# and bound how much of it a reply can put there.
_CONTROL = re.compile(u'[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+')
MAX_TEXT = 500       # characters of one text from the BMC (a message, a resolution, an excerpt)
MAX_MESSAGES = 10    # messages kept from one error reply
MAX_INT_DIGITS = 100  # a Redfish integer is at most 64 bits; longer ones are an attack on int()


def clean_text(value, limit=MAX_TEXT):
    """``value`` as one printable line: control characters become a space, at most ``limit`` characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    text = _CONTROL.sub(' ', value)
    if limit and len(text) > limit:
        text = text[:limit] + '...'
    return text


class BodyError(ValueError):
    """A reply body that is not acceptable JSON; the text says why (no BMC text in it)."""


def _reject_constant(name):
    raise BodyError('it contains %s, which is not a JSON number' % name)


def _checked_float(text):
    value = float(text)
    if value in (float('inf'), float('-inf')):
        raise BodyError('it contains a number too large for a float (%s...)' % text[:20])
    return value


def _checked_int(text):
    digits = len(text.lstrip('-'))
    if digits > MAX_INT_DIGITS:
        raise BodyError('it contains an integer of %d digits' % digits)
    return int(text)


def parse_json(content):
    """Strictly decode a reply body: ``(value, problem, replaced)``. Never raises.

    ``value`` is None for an empty body. ``problem`` is None, or a sentence fragment when the
    body is not JSON, nests too deep, holds NaN/Infinity, a number that overflows a float or an
    integer of more than MAX_INT_DIGITS digits. Invalid UTF-8 is replaced by U+FFFD;
    ``replaced`` counts the replacements so the caller can warn.
    """
    if not content:
        return None, None, 0
    replaced = 0
    if isinstance(content, bytes):
        if content.startswith(b'\xef\xbb\xbf'):
            content = content[3:]
        try:
            text = content.decode('utf-8')
        except UnicodeDecodeError:
            text = content.decode('utf-8', 'replace')
            replaced = text.count(u'\ufffd')
    else:
        text = content
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_checked_float, parse_int=_checked_int)
    except BodyError as exc:
        return None, str(exc), replaced
    except RecursionError:
        return None, 'it nests too deep', replaced
    except ValueError as exc:
        return None, 'it is not JSON (%s)' % clean_text(exc, 80), replaced
    return value, None, replaced


def decode_body(content):
    """Decode a response body to JSON if it is acceptable JSON; otherwise return None. Never raises."""
    return parse_json(content)[0]


def excerpt(content, limit=200):
    """A short printable excerpt of a non-JSON body (an HTML error page, a truncated reply)."""
    if not content:
        return ''
    if isinstance(content, bytes):
        content = content[:limit * 4].decode('utf-8', 'replace')
    text = ' '.join(clean_text(content, 0).split())
    if len(text) > limit:
        text = text[:limit] + '...'
    return text


class Notes(list):
    """Sentences for a task's warnings, each once; several threads may add to it."""

    def __init__(self):
        super(Notes, self).__init__()
        self._lock = threading.Lock()

    def add(self, text):
        """Append ``text`` unless it is there already; True when it was added."""
        with self._lock:
            if text in self:
                return False
            self.append(text)
            return True


class IloError(Exception):
    """Base class. ``message`` is a sentence a person can act on."""

    def __init__(self, message, method=None, uri=None, status=None, messages=None, body=None):
        message = clean_text(message, 4 * MAX_TEXT)
        super(IloError, self).__init__(message)
        self.message = message
        self.method = method
        self.uri = uri
        self.status = status
        self.messages = list(messages or [])
        self.body = body

    @property
    def message_ids(self):
        return [m['MessageId'] for m in self.messages]

    def has_message(self, key):
        """True when one of the messages has this key (``NoValidSession``), any registry version."""
        return any(split_message_id(m)[2] == key for m in self.message_ids)

    def to_dict(self):
        result = {'type': type(self).__name__, 'message': self.message}
        for name in ('method', 'uri', 'status'):
            value = getattr(self, name)
            if value is not None:
                result[name] = value
        if self.messages:
            result['message_ids'] = self.message_ids
            result['messages'] = self.messages
        if self.body:
            result['body'] = self.body
        return result

    def __str__(self):
        return self.message


class IloConnectionError(IloError):
    """The iLO could not be reached, or the connection broke."""


class IloTimeoutError(IloConnectionError):
    """No answer within the timeout."""


class IloTLSError(IloConnectionError):
    """The TLS handshake or certificate verification failed."""


class IloHTTPError(IloError):
    """The iLO answered with an HTTP error status."""


class IloAuthError(IloHTTPError):
    """Bad credentials, an expired session or missing privileges (401/403)."""


class IloNotFoundError(IloHTTPError):
    """404: the resource does not exist."""


class IloPreconditionFailed(IloHTTPError):
    """412: the ETag sent in If-Match no longer matches."""


class IloDiscoveryError(IloError):
    """The service does not have what the operation needs (a link, a system, an action)."""


class IloRegistryUnavailable(IloDiscoveryError):
    """A registry the service lists cannot be read or used (``reason`` says why); callers degrade as for an
    unpublished one. ``name`` is the registry's name."""

    def __init__(self, name, cause, uri=None):
        reason = str(cause).rstrip('.')
        status = getattr(cause, 'status', None)
        if status and 'HTTP %s' % status not in reason:
            reason = 'HTTP %s: %s' % (status, reason)
        super(IloRegistryUnavailable, self).__init__(
            'the BIOS attribute registry %s is listed but could not be read (%s)' % (name, reason),
            uri=uri or getattr(cause, 'uri', None), status=status)
        self.name = name
        self.reason = reason


class IloValidationError(IloError):
    """The request was refused before anything was sent (bad value, unsupported state)."""


class IloWaitTimeout(IloError):
    """A wait for a state (power, POST, a manager reset) ran out of time. ``result`` says what was sent and seen."""

    def __init__(self, message, result=None, **kwargs):
        super(IloWaitTimeout, self).__init__(message, **kwargs)
        self.result = result if result is not None else {}


class IloPowerTimeout(IloWaitTimeout):
    """The server did not reach the wanted power or POST state in time."""


class IloSecurityError(IloError):
    """Refused to protect the credentials: a URI from a reply (or a session) points to another origin."""


class IloProtocolError(IloError):
    """A reply that cannot be used: not JSON, too large, or otherwise malformed."""


def http_error_class(status):
    if status in (401, 403):
        return IloAuthError
    if status == 404:
        return IloNotFoundError
    if status == 412:
        return IloPreconditionFailed
    return IloHTTPError
