# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base class of every lightsout.ilo module.

A module is a small subclass with ``argument_spec``, ``module_kwargs`` and ``run()``. The
base holds the shared connection options (documented once in the ``lightsout.ilo.ilo`` doc
fragment), builds the client, owns its lifecycle (an owned session is deleted on every
path, failure included) and turns every IloError into one ``fail_json`` with a sentence in
``msg`` and the details (HTTP status, URI, MessageIds, resolution) in ``error``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import signal
import threading

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.lightsout.ilo.plugins.module_utils.client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    RedfishClient,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, clean_text
from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService

COMMON_ARGUMENT_SPEC = dict(
    hostname=dict(type='str', fallback=(env_fallback, ['ILO_HOST'])),
    username=dict(type='str', fallback=(env_fallback, ['ILO_USERNAME'])),
    password=dict(type='str', no_log=True, fallback=(env_fallback, ['ILO_PASSWORD'])),
    session=dict(type='dict', options=dict(
        hostname=dict(type='str'),
        token=dict(type='str', no_log=True, required=True),
        uri=dict(type='str'),
    )),
    auth=dict(type='str', choices=['session', 'basic'], default='session'),
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['ILO_VALIDATE_CERTS'])),
    ca_path=dict(type='path', fallback=(env_fallback, ['ILO_CA_PATH'])),
    timeout=dict(type='int', default=60),
    connect_timeout=dict(type='int', default=10),
    retries=dict(type='int', default=3),
)


# What timeout(1), CI cancellation, AWX/AAP job cancel and Ctrl-C send.
TERMINATING_SIGNALS = ('SIGTERM', 'SIGHUP', 'SIGINT')


class Terminated(BaseException):
    """A terminating signal arrived: unwind (deleting the owned session) and report it.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` swallows it.
    """

    def __init__(self, name):
        super(Terminated, self).__init__(name)
        self.name = name


class IloModule:
    """Subclass, set ``argument_spec`` / ``module_kwargs``, implement ``run()``, call ``main()``."""

    argument_spec = {}
    module_kwargs = {}
    #: False for modules that manage the login themselves (ilo_session).
    login_on_start = True

    def __init__(self):
        spec = dict(COMMON_ARGUMENT_SPEC)
        spec.update(self.argument_spec)
        kwargs = dict(self.module_kwargs)
        kwargs.setdefault('supports_check_mode', True)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        self.result = {'changed': False}
        self.client = None
        self.service = None
        self._terminating = False
        self._session_outcome = 'no session of this task was open.'
        # Text in warnings may come from the BMC: one printable line, bounded (errors.clean_text).
        self.module.warn = self._clean_warn(self.module.warn)

    @staticmethod
    def _clean_warn(warn):
        def clean(text):
            return warn(clean_text(text, 1000))
        return clean

    @property
    def check_mode(self):
        return self.module.check_mode

    def make_client(self, session=None):
        p = self.params
        for name in ('timeout', 'connect_timeout'):
            if p[name] is not None and p[name] <= 0:
                self.module.fail_json(msg='%s must be a positive number of seconds, not %s.' % (name, p[name]))
        if p['retries'] is not None and not 0 <= p['retries'] <= 10:
            self.module.fail_json(msg='retries must be between 0 and 10, not %s.' % p['retries'])
        return RedfishClient(
            hostname=p['hostname'],
            username=p['username'],
            password=p['password'],
            session=session if session is not None else p['session'],
            auth=p['auth'],
            validate_certs=p['validate_certs'],
            ca_path=p['ca_path'],
            timeout=p['timeout'],
            connect_timeout=p['connect_timeout'],
            retries=p['retries'],
        )

    def run(self):
        raise NotImplementedError

    def main(self):
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        error = None
        interrupted = None
        previous = self._trap_signals()
        try:
            self.client = self.make_client()
            self.service = IloService(self.client)
            if self.login_on_start:
                self.client.open()
            self.run()
        except IloError as exc:
            error = exc
            if self.service is not None and (self.client.token or self.client.auth == 'basic'):
                self.service.describe(exc)
        except (Terminated, KeyboardInterrupt) as exc:
            interrupted = getattr(exc, 'name', 'SIGINT')
        finally:
            self._close()
            self._restore_signals(previous)
        if interrupted:
            self.module.fail_json(msg='Stopped by %s before the task finished; %s' % (interrupted, self._session_outcome),
                                  **dict((k, v) for k, v in self.result.items() if k != 'msg'))
        if error is not None:
            self.fail(error)
        self.module.exit_json(**self.result)

    def _trap_signals(self):
        """Turn SIGTERM/SIGHUP into Terminated so that ``finally`` deletes the owned session."""
        previous = {}
        if threading.current_thread() is not threading.main_thread():
            return previous
        for name in TERMINATING_SIGNALS:
            number = getattr(signal, name, None)
            if number is not None:
                try:
                    previous[number] = signal.signal(number, self._on_signal)
                except (ValueError, OSError):
                    pass
        return previous

    @staticmethod
    def _restore_signals(previous):
        for number, handler in previous.items():
            signal.signal(number, handler)

    def _on_signal(self, number, _frame):
        if self._terminating:
            return  # already unwinding: let the session be deleted
        self._terminating = True
        if self.client is not None:
            self.client.abort()  # end requests in flight in other threads now
        raise Terminated(signal.Signals(number).name)

    def _close(self):
        if self.client is None:
            return
        self._terminating = True  # a signal while the session is being deleted must not stop that
        owned = self.client.owns_session and self.client.session_uri
        try:
            self.client.close()
            if owned:
                self._session_outcome = 'the session this task created was deleted.'
        except IloError as exc:
            self._session_outcome = 'the session this task created could not be deleted (see the warning).'
            self.module.warn('Could not delete the session this task created (%s): %s' % (self.client.session_uri, exc))
        for warning in self.client.warnings:
            self.module.warn(warning)

    def fail(self, error, **extra):
        result = dict(self.result)
        result.update(extra)
        result['error'] = error.to_dict()
        message = error.message
        resolutions = [m.get('Resolution') for m in error.messages if m.get('Resolution')]
        if resolutions and resolutions[0] not in message:
            message = '%s Resolution: %s' % (message.rstrip('.') + '.', resolutions[0])
        result.pop('msg', None)
        self.module.fail_json(msg=message, **result)
