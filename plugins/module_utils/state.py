# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired-state layer: read, plan, write once, predict, show, wait.

Every module that sets something on an iLO does the same steps; they live here once
(after sushy's ``SettingsField`` and openstack.cloud's ``StateMachine``):

- :class:`SettingsResource` -- a Redfish resource whose values are set by PATCH: its current
  values, its pending values when it has a ``@Redfish.Settings`` object (applied at the next
  reset), and the ETag of the object written to. ``plan(desired)`` returns a
  :class:`Difference`; ``apply(desired)`` sends one PATCH of only the difference with
  If-Match and, on 412, re-reads, re-plans and retries once; ``converge(desired, check_mode)``
  does both (or predicts, in check mode) and returns an :class:`Outcome` whose ``diff()`` is
  the ``--diff`` before/after.
- :func:`pending_of` -- the one rule for "pending".
- :class:`Poller` -- wait for a condition with a deadline, a growing interval and a progress
  callback (power state, POST, a manager reset).
- :class:`ManagerReset` -- reset a manager (the iLO itself), wait until it answers again and
  log in again when the reset ended the session.

A new settings-style module subclasses :class:`SettingsResource` only to say where its values
are in the body (``values_of``/``body_for``) and calls ``converge``. No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
from collections import namedtuple

from ansible_collections.lightsout.ilo.plugins.module_utils.body import settings_link
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloConnectionError,
    IloDiscoveryError,
    IloError,
    IloHTTPError,
    IloPreconditionFailed,
    IloWaitTimeout,
)

MISSING = object()


# ---------------------------------------------------------------------------------- values

def pending_of(current, staged):
    """The staged values that would change something at the next apply.

    The one rule for "pending": a staged value is pending when it differs from the current
    value or names a key the current values do not have.
    """
    return dict((k, v) for k, v in (staged or {}).items() if current.get(k, MISSING) != v)


def merged(first, second):
    """A new dict: ``first`` updated with ``second`` (keys need not be strings)."""
    found = dict(first)
    found.update(second)
    return found


def view(names, current, pending):
    """The ``--diff`` view: per name its current value and, when one is pending, its pending value."""
    found = {}
    for name in names:
        entry = {'current': current.get(name)}
        if name in pending:
            entry['pending'] = pending[name]
        found[name] = entry
    return found


def nested(body, path, value):
    """Set ``value`` at ``path`` (a tuple of keys) in ``body``, creating the dicts on the way; returns ``body``."""
    target = body
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return body


def message_key(message):
    """The last part of a message's id: ``ResetRequired`` for ``iLO.2.18.ResetRequired`` or iLO 4's ``iLO.0.10:ResetRequired``."""
    text = str((message or {}).get('MessageId') or (message or {}).get('MessageID') or '')
    return re.split(r'[.:]', text)[-1]


def says(messages, *keys):
    """True when one of ``messages`` has one of the message ``keys`` (``says(messages, 'ResetRequired')``)."""
    return any(message_key(m) in keys for m in messages or [] if isinstance(m, dict))


def unique_messages(messages):
    """Messages without repeats (iLO 4 sends each one twice: ``Messages`` and ``@Message.ExtendedInfo``)."""
    seen = set()
    found = []
    for message in messages or []:
        key = (message.get('MessageId', '').replace(':', '.'), repr(message.get('MessageArgs')))
        if key not in seen:
            seen.add(key)
            found.append(message)
    return found


class Difference(namedtuple('Difference', 'changes report')):
    """What :func:`plan` found.

    ``changes``: ``{name: desired}`` to write. ``report``: per desired name
    ``{current, pending, desired, action}``, action ``none`` (already current, nothing else
    pending), ``staged`` (already pending) or ``set`` (to be written).
    """

    __slots__ = ()

    @property
    def unsettled(self):
        """``{name: desired}`` of every name not already current (pending or to be written)."""
        return dict((n, r['desired']) for n, r in self.report.items() if r['action'] != 'none')


def plan(desired, current, pending):
    """What to write so that every desired value ends up current or pending: a :class:`Difference`."""
    changes = {}
    report = {}
    for name in sorted(desired):
        want = desired[name]
        now = current.get(name)
        staged = pending.get(name, MISSING)
        if staged is not MISSING:
            action = 'staged' if staged == want else 'set'
        else:
            action = 'none' if now == want and name in current else 'set'
        if action == 'set':
            changes[name] = want
        report[name] = {'current': now, 'pending': None if staged is MISSING else staged,
                        'desired': want, 'action': action}
    return Difference(changes, report)


class Outcome:
    """What :meth:`SettingsResource.converge` did (or would do, in check mode).

    ``current`` and ``before`` are the current and pending values before the write, ``after``
    the pending values after it and ``after_current`` the current values after it (they differ
    from ``current`` only on a resource without a settings object, which applies at once).
    """

    def __init__(self, difference, changes, messages, current, before, after, after_current):
        self.difference = difference
        self.report = difference.report
        self.changes = changes
        self.messages = messages
        self.current = current
        self.before = before
        self.after = after
        self.after_current = after_current

    @property
    def changed(self):
        return bool(self.changes)

    def diff(self, names, applied=False):
        """``{'before', 'after'}`` views of ``names``; ``applied``: after = once every pending value was applied."""
        after = view(names, self.after_current, self.after)
        if applied:
            after = view(names, merged(self.after_current, self.after), {})
        return {'before': view(names, self.current, self.before), 'after': after}


# ---------------------------------------------------------------------------------- resource

class SettingsResource:
    """Current values, pending values and ETag of one resource, and the write that changes them.

    ``uri`` is the resource. When its body has ``@Redfish.Settings.SettingsObject`` the values
    are written there and become current at the next reset (BIOS, some iLO network settings);
    otherwise, with ``direct=True``, they are PATCHed to the resource itself and apply at once.
    Subclasses override :meth:`values_of`, :meth:`body_for` and :meth:`find_settings_uri` for
    layouts other than "the values are the top-level properties".
    """

    #: Names the resource in messages ("The BIOS settings object ... changed").
    noun = 'settings'

    def __init__(self, client, uri, direct=False):
        self.client = client
        self.uri = uri
        self.direct = direct
        self.body = {}
        self.settings_uri = None
        self.settings = {}
        self.etag = None
        self._assumed = {}

    # ------------------------------------------------------------------ layout (override)
    def values_of(self, body):
        """The managed values in a body (the resource or its settings object)."""
        return dict((k, v) for k, v in (body or {}).items() if not k.startswith('@'))

    def body_for(self, values):
        """The PATCH body that sets ``values``."""
        return dict(values)

    def find_settings_uri(self, body):
        """The settings object: ``@Redfish.Settings.SettingsObject`` (iLO 4: ``links.Settings``), or None."""
        return settings_link(body)

    def missing_settings_object(self):
        return ('%s advertises no settings object (@Redfish.Settings.SettingsObject); its %s cannot be changed '
                'through Redfish.' % (self.uri, self.noun))

    # ------------------------------------------------------------------ reads
    def reload(self):
        """Read the resource (fresh) and find its settings object."""
        response = self.client.get(self.uri, fresh=True)
        self.body = response.json or {}
        self.settings_uri = self.find_settings_uri(self.body)
        if self.settings_uri is None:
            self.etag = response.etag
            self._assumed = {}
        return self

    def read_settings(self):
        """Read what is written to (fresh, so its ETag is current); returns the pending values."""
        if self.settings_uri is None:
            if not self.direct:
                raise IloDiscoveryError(self.missing_settings_object())
            self.reload()
            return {}
        response = self.client.get(self.settings_uri, fresh=True)
        self.settings = response.json or {}
        self.etag = response.etag
        self._assumed = {}
        return self.pending

    @property
    def write_uri(self):
        return self.settings_uri or self.uri

    @property
    def current(self):
        values = self.values_of(self.body)
        if self.settings_uri is None:
            values.update(self._assumed)
        return values

    @property
    def pending(self):
        """Values staged for the next apply that differ from the current ones (with what this run wrote or would write)."""
        if self.settings_uri is None:
            return {}
        staged = self.values_of(self.settings)
        staged.update(self._assumed)
        return pending_of(self.values_of(self.body), staged)

    def assume(self, values):
        """Take ``values`` as written without reading back: after a PATCH, or as the check-mode prediction."""
        self._assumed.update(values)

    # ------------------------------------------------------------------ plan and write
    def plan(self, desired, current=None, pending=None):
        """The :class:`Difference` between ``desired`` and the current and pending values."""
        return plan(desired, self.current if current is None else current, self.pending if pending is None else pending)

    def _patch(self, desired):
        """One PATCH of the difference with If-Match; on 412 re-read, re-plan and retry once. (changes, messages)."""
        for attempt in (1, 2):
            changes = self.plan(desired).changes
            if not changes:
                return {}, []
            try:
                response = self.client.patch(self.write_uri, self.body_for(changes), if_match=self.etag)
                return changes, unique_messages(response.messages)
            except IloPreconditionFailed as exc:
                if attempt == 2:
                    raise IloError(
                        'The %s %s %s changed between reading and writing twice in a row (HTTP 412 Precondition '
                        'Failed on both attempts); nothing was written. Another client is changing %s: retry when it '
                        'is done.' % (self.noun, 'object' if self.settings_uri else 'resource', self.write_uri, self.noun),
                        method='PATCH', uri=self.write_uri, status=412, messages=exc.messages)
                self.read_settings()
        return {}, []  # pragma: no cover - the loop always returns or raises

    def apply(self, desired):
        """Write what :meth:`plan` finds (the settings must have been read). Returns (changes sent, iLO messages)."""
        changes, messages = self._patch(desired)
        self.assume(changes)
        return changes, messages

    def unapplied(self, desired):
        """Read the resource again; ``{name: {desired, current}}`` of every desired value it does not show."""
        self.reload()
        current = self.current
        return dict((name, {'desired': want, 'current': current.get(name)})
                    for name, want in sorted(desired.items()) if current.get(name, MISSING) != want)

    def converge(self, desired, check_mode=False):
        """Plan; write (or, in check mode, only predict); return the :class:`Outcome`."""
        current = self.current
        difference = self.plan(desired)
        changes, messages = difference.changes, []
        if changes and not check_mode:
            changes, messages = self._patch(desired)
        before = self.pending
        self.assume(changes)
        return Outcome(difference, changes, messages, current, before, self.pending, self.current)


# ---------------------------------------------------------------------------------- waiting

class Poller:
    """Poll until a condition holds or a deadline passes.

    The interval starts at ``initial`` seconds and grows by ``growth`` up to ``maximum``, so
    short transitions are seen quickly and long ones do not load the iLO; the last sleep is cut
    to the deadline. ``clock`` (monotonic seconds) and ``sleep`` are injectable for tests.
    """

    def __init__(self, clock=None, sleep=None, initial=0.2, maximum=5.0, growth=1.5):
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.initial = float(initial)
        self.maximum = float(maximum)
        self.growth = float(growth)

    def deadline(self, seconds):
        return self.clock() + float(seconds)

    def wait(self, probe, done, deadline, progress=None):
        """Call ``probe()`` until ``done(value)`` or ``deadline``; returns (reached, last value).

        ``progress(value, elapsed)`` is called after every probe.
        """
        started = self.clock()
        interval = self.initial
        while True:
            value = probe()
            if progress is not None:
                progress(value, self.clock() - started)
            if done(value):
                return True, value
            now = self.clock()
            if now >= deadline:
                return False, value
            self.sleep(max(0.0, min(interval, deadline - now)))
            interval = min(interval * self.growth, self.maximum)


class ManagerReset:
    """Reset a manager (the iLO), wait until it answers again, and log in again when needed.

    An iLO reset drops every connection and forgets every session. While it restarts, refused
    connections and 5xx answers mean "not back yet"; a 401 means "back, without our session":
    the client logs in again with its credentials (a session it was given cannot be renewed and
    is reported). The manager counts as back when it answers a GET after it was seen down, or
    ``settle`` seconds after the request (an iLO takes a few seconds to go down).
    """

    def __init__(self, service, manager_uri, poller=None, settle=10.0):
        self.service = service
        self.client = service.client
        self.manager_uri = manager_uri
        self.poller = poller or Poller()
        self.settle = float(settle)

    def action(self):
        """(target, body) of the advertised ``Manager.Reset``; GracefulRestart where listed."""
        body = self.client.get(self.manager_uri).json or {}
        spec = (body.get('Actions') or {}).get('#Manager.Reset')
        if not isinstance(spec, dict) or not spec.get('target'):
            raise IloDiscoveryError('The manager %s advertises no Manager.Reset action.' % self.manager_uri)
        allowed = spec.get('ResetType@Redfish.AllowableValues')
        if not isinstance(allowed, list) or not allowed:
            return spec['target'], {}
        reset_type = 'GracefulRestart' if 'GracefulRestart' in allowed else allowed[0]
        return spec['target'], {'ResetType': reset_type}

    def _probe(self, seen):
        try:
            self.client.get(self.manager_uri, fresh=True)
            return 'up'
        except IloAuthError:
            if self.client.auth != 'session' or not self.client.username or self.client.password is None:
                raise IloAuthError('The manager reset of %s ended the session this task was given; give username and '
                                   'password so that the task can log in again.' % self.manager_uri,
                                   method='GET', uri=self.manager_uri, status=401)
            self.client.login()
            return 'relogged'
        except IloConnectionError:
            seen['down'] = True
            return 'down'
        except IloHTTPError as exc:
            if exc.status is not None and exc.status >= 500:
                seen['down'] = True
                return 'down'
            raise

    def run(self, timeout=600, check_mode=False, progress=None):
        """Send the reset and wait; returns ``{changed, reset, went_down, logged_in_again, elapsed}``.

        ``logged_in_again``: the session in use after the reset is not the one from before (the
        client re-logged in on a 401, or this waiter did after a failed re-login).

        Raises :class:`IloWaitTimeout` when the manager is not back within ``timeout`` seconds.
        """
        target, body = self.action()
        result = {'changed': True, 'reset': dict(body, target=target), 'went_down': False, 'logged_in_again': False,
                  'elapsed': 0.0}
        if check_mode:
            return result
        started = self.poller.clock()
        token = self.client.token
        self.client.post(target, body)
        self.client.forget()
        seen = {'down': False}

        def back(state):
            return state == 'up' and (seen['down'] or self.poller.clock() - started >= self.settle)

        retries, self.client.retries = self.client.retries, 0  # the poller is the retry loop: a probe that retried would hide the downtime
        try:
            reached, last = self.poller.wait(lambda: self._probe(seen), back, started + float(timeout), progress)
        finally:
            self.client.retries = retries
        result.update(went_down=seen['down'], logged_in_again=self.client.token != token,
                      elapsed=round(self.poller.clock() - started, 2))
        if not reached:
            raise IloWaitTimeout('Timed out after %.1f s waiting for the manager %s to come back after its reset '
                                 '(last seen: %s).' % (float(timeout), self.manager_uri, last), result)
        return result
