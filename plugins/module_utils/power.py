# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarative power control of one ComputerSystem: map a state to the reset the service
advertises, send it (at most once per step), and wait until the server got there.

No Ansible import: ``ilo_power`` and ``ilo_bios_settings`` (``reboot: true``) use it.

Restart a server and wait until POST has finished (what ``ilo_bios_settings`` needs)::

    from ansible_collections.lightsout.ilo.plugins.module_utils.power import Power

    power = Power(service, service.system_uri(system_id))
    result = power.ensure('restarted', wait_for='post_complete', wait_timeout=1800)
    # result['after'] == {'power_state': 'On', 'post_state': 'FinishedPost'}
    # result['reset_types'] == ['ForceRestart'] (or ['On'] when the server was Off)

A restart is only reported done once the service shows it happened: PowerState left On, PostState
left and reached ``FinishedPost``, or ``LastResetTime``/``BootProgress`` changed. A service that
reports none of PostState, LastResetTime and BootProgress can only show a power transition; when
none is seen within ``EVIDENCE_GRACE`` seconds the result says ``reset_confirmed: false`` and
``Power.warnings`` explains why (the modules pass it on as an Ansible warning).

``wait_for='post_complete'`` waits whenever POST has not finished, from any start state: ``on``
while the server is On but still in POST waits (and sends nothing).

``ensure()`` raises :class:`IloPowerTimeout` (an IloWaitTimeout from errors.py; ``.result`` holds what was sent
and the last state seen) when the server does not get there within ``wait_timeout``, and
:class:`IloValidationError` (nothing sent) when the service does not advertise what the
state needs. ``Power.restart_and_wait(timeout)`` is a shorthand for the call above.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lightsout.ilo.plugins.module_utils.body import link_of
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloPowerTimeout, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.state import Poller

STATES = ('on', 'off', 'graceful_off', 'restarted', 'graceful_restarted', 'cold_booted', 'nmi',
          'button_pressed', 'button_held')
WAIT_FOR = ('power', 'post_complete')

# The DMTF ResetType values, assumed when a Reset action advertises no list at all.
DMTF_RESET_TYPES = ('On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn',
                    'PushPowerButton', 'PowerCycle')

# What each state sends while the server is On, in order of preference: (action, value).
# ``reset`` = ComputerSystem.Reset ResetType, ``oem_reset`` = HPE SystemReset ResetType,
# ``button`` = HPE PowerButton PushType.
PLANS = {
    'on': (('reset', 'On'), ('reset', 'ForceOn')),
    'off': (('reset', 'ForceOff'),),
    # iLO 4 (and iLO 5 before 2.10) have no GracefulShutdown: a momentary press of the power
    # button is the same request to the OS.
    'graceful_off': (('reset', 'GracefulShutdown'), ('reset', 'PushPowerButton'), ('button', 'Press')),
    'restarted': (('reset', 'ForceRestart'),),
    'graceful_restarted': (('reset', 'GracefulRestart'),),
    'cold_booted': (('oem_reset', 'ColdBoot'), ('reset', 'PowerCycle')),
    'nmi': (('reset', 'Nmi'),),
    'button_pressed': (('reset', 'PushPowerButton'), ('button', 'Press')),
    'button_held': (('button', 'PressAndHold'),),
}
# From Off: what each state does (a plan name), None = nothing to do, 'fail' = refuse.
FROM_OFF = {
    'on': 'on', 'off': None, 'graceful_off': None, 'restarted': 'on', 'graceful_restarted': 'on',
    'cold_booted': 'on', 'nmi': 'fail', 'button_pressed': 'button_pressed', 'button_held': None,
}
# The power state each state ends in (from On), and whether the server passes through a reset.
GOALS = {
    'on': 'On', 'off': 'Off', 'graceful_off': 'Off', 'restarted': 'On', 'graceful_restarted': 'On',
    'cold_booted': 'On', 'nmi': None, 'button_pressed': 'Off', 'button_held': 'Off',
}
RESTARTS = ('restarted', 'graceful_restarted', 'cold_booted')
# What force_after sends when the graceful request was not honoured in time.
FORCE = {'graceful_off': 'off', 'graceful_restarted': 'restarted'}
ACTION_NAMES = {'reset': 'ComputerSystem.Reset', 'oem_reset': 'SystemReset', 'button': 'PowerButton'}
STEADY_POST = ('FinishedPost',)
# Seconds to look for a power transition after a restart on a service that reports no other sign of it.
EVIDENCE_GRACE = 10.0
# Polling a power or POST transition: the first look after POLL_INITIAL s, then 1.5 times longer up to POLL_MAX s.
POLL_INITIAL = 0.2
POLL_MAX = 5.0


class Power:
    """Power state and reset actions of one system.

    ``clock`` (monotonic seconds) and ``sleep`` are injectable for tests; polling starts at
    ``poll_initial`` seconds and grows by half each time up to ``poll_max``.
    """

    def __init__(self, service, system_uri, clock=None, sleep=None, poll_initial=None, poll_max=None, evidence_grace=None):
        self.service = service
        self.client = service.client
        self.system_uri = system_uri
        self.poller = Poller(clock=clock, sleep=sleep, initial=POLL_INITIAL if poll_initial is None else poll_initial,
                             maximum=POLL_MAX if poll_max is None else poll_max)
        self.clock = self.poller.clock
        self.evidence_grace = float(EVIDENCE_GRACE if evidence_grace is None else evidence_grace)
        self.warnings = []  # sentences for the module to pass on as warnings
        self._actions = None

    # ------------------------------------------------------------------ reading

    def system(self, fresh=False):
        return self.client.get(self.system_uri, fresh=fresh).json or {}

    def status(self, fresh=True):
        """``{'power_state': 'On'|'Off'|..., 'post_state': 'FinishedPost'|...|None}`` (None: not reported)."""
        return self.observe(fresh)[0]

    def observe(self, fresh=True):
        """``(status(), marks)``: ``marks`` are what changes at each reset, None where not reported:
        ``last_reset`` (``LastResetTime``) and ``boot_progress`` (``BootProgress`` LastState, LastStateTime,
        LastBootTimeSeconds)."""
        body = self.system(fresh=fresh)
        post = self.service.oem(body).get('PostState')
        progress = body.get('BootProgress')
        marks = {'last_reset': body.get('LastResetTime'),
                 'boot_progress': (progress.get('LastState'), progress.get('LastStateTime'), progress.get('LastBootTimeSeconds'))
                 if isinstance(progress, dict) else None}
        return {'power_state': body.get('PowerState') or body.get('Power'), 'post_state': post}, marks

    @staticmethod
    def reports_resets(status, marks):
        """True when the service reports something besides PowerState that changes at a reset."""
        return status.get('post_state') is not None or any(v is not None for v in marks.values())

    @staticmethod
    def shows_reset(before, before_marks, status, marks):
        """True when ``status``/``marks`` prove a reset since ``before``: power left On, PostState moved
        into POST, or LastResetTime/BootProgress changed."""
        if status.get('power_state') != 'On':
            return True
        post = status.get('post_state')
        if before.get('post_state') is not None and post is not None and post != before.get('post_state') and post not in STEADY_POST:
            return True
        return any(marks[k] is not None and before_marks.get(k) is not None and marks[k] != before_marks[k] for k in marks)

    # ------------------------------------------------------------------ capabilities

    def actions(self):
        """What the system advertises: ``{kind: {'values': [...] or None, 'uri': ..., 'legacy': bool, 'extra': {...}}}``.

        ``kind`` is ``reset`` (ComputerSystem.Reset), ``oem_reset`` (HPE SystemReset) or ``button``
        (HPE PowerButton). ``values`` None means the action lists no allowed values.
        """
        if self._actions is not None:
            return self._actions
        body = self.system()
        found = {}
        spec = (body.get('Actions') or {}).get('#ComputerSystem.Reset')
        if isinstance(spec, dict) and spec.get('target'):
            found['reset'] = {'uri': spec['target'], 'values': self._allowed(spec, 'ResetType'), 'legacy': False, 'extra': {}}
        oem = self.service.oem(body)
        for name, spec in (oem.get('Actions') or {}).items():
            if not isinstance(spec, dict) or not spec.get('target'):
                continue
            if name.endswith('ComputerSystemExt.SystemReset'):
                found['oem_reset'] = {'uri': spec['target'], 'values': self._allowed(spec, 'ResetType'), 'legacy': False, 'extra': {}}
            elif name.endswith('ComputerSystemExt.PowerButton'):
                found['button'] = {'uri': spec['target'], 'values': self._allowed(spec, 'PushType'), 'legacy': False, 'extra': {}}
        # iLO 4 before Redfish: AvailableActions, POSTed to the system itself with an "Action" key.
        legacy = [(a, False) for a in body.get('AvailableActions') or []] + [(a, True) for a in oem.get('AvailableActions') or []]
        for action, is_oem in legacy:
            if not isinstance(action, dict):
                continue
            caps = dict((c.get('PropertyName'), c.get('AllowableValues')) for c in action.get('Capabilities') or [] if isinstance(c, dict))
            name = action.get('Action')
            kind = {'Reset': 'reset', 'SystemReset': 'oem_reset', 'PowerButton': 'button'}.get(name)
            if kind is None or kind in found:
                continue
            if kind == 'reset' and is_oem:
                continue
            extra = {'Action': name}
            if caps.get('Target'):
                extra['Target'] = caps['Target'][0]
            param = 'PushType' if kind == 'button' else 'ResetType'
            found[kind] = {'uri': self.system_uri, 'values': caps.get(param), 'legacy': True, 'extra': extra}
        self._actions = found
        return found

    def _allowed(self, spec, param):
        values = spec.get('%s@Redfish.AllowableValues' % param)
        if isinstance(values, list):
            return values
        info = link_of(spec.get('@Redfish.ActionInfo'))
        if info:
            body = self.client.get(info).json or {}
            for parameter in body.get('Parameters') or []:
                if isinstance(parameter, dict) and parameter.get('Name') == param and isinstance(parameter.get('AllowableValues'), list):
                    return parameter['AllowableValues']
        return None

    def _find(self, plan):
        """The first (kind, value) of a plan the service advertises, else None."""
        actions = self.actions()
        for kind, value in PLANS[plan]:
            action = actions.get(kind)
            if action is None:
                continue
            values = action['values']
            if values is None and kind == 'reset':
                values = DMTF_RESET_TYPES
            if values is not None and value in values:
                return kind, value
        return None

    def advertised(self):
        """A sentence listing what the system advertises, for error messages."""
        parts = []
        for kind in ('reset', 'oem_reset', 'button'):
            action = self.actions().get(kind)
            if action is None:
                continue
            param = 'PushType' if kind == 'button' else 'ResetType'
            values = action['values']
            parts.append('%s %s: %s' % (ACTION_NAMES[kind], param, ', '.join(values) if values is not None else 'any (no list)'))
        return '; '.join(parts) or 'no reset action at all'

    def supported_states(self):
        return [s for s in STATES if self._find(s if s in PLANS else 'on') is not None]

    def _require(self, state, plan):
        found = self._find(plan)
        if found is None:
            wanted = ' or '.join('%s %s' % (ACTION_NAMES[k], v) for k, v in PLANS[plan])
            raise IloValidationError(
                'state=%s needs %s, which %s does not advertise. It advertises %s. States this system supports: %s. '
                'Nothing was sent.' % (state, wanted, self.system_uri, self.advertised(), ', '.join(self.supported_states()) or 'none'))
        return found

    # ------------------------------------------------------------------ acting

    def send(self, kind, value):
        """POST one reset/button action (never repeated by the client once it reached the iLO)."""
        action = self.actions()[kind]
        param = 'PushType' if kind == 'button' else 'ResetType'
        body = dict(action['extra'])
        body[param] = value
        self.client.post(action['uri'], body=body)
        return value

    def restart_and_wait(self, timeout=1800):
        """Restart (or power on, when Off) and return once POST has finished: ``ensure('restarted', wait_for='post_complete')``."""
        return self.ensure('restarted', wait=True, wait_for='post_complete', wait_timeout=timeout)

    def ensure(self, state, wait=True, wait_for='power', wait_timeout=900, force_after=None, check_mode=False):
        """Bring the system to ``state`` (one of STATES) and, with ``wait``, wait until it got there.

        - ``wait_for``: ``power`` (the power state is reached; after a restart, once the reset was seen)
          or ``post_complete`` (also PostState ``FinishedPost``).
        - ``force_after`` (graceful_off, graceful_restarted): seconds to let the OS act before a
          forced off (ForceOff) or restart (ForceRestart); implies waiting that long.
        - ``check_mode``: read only, predict the result.

        Returns ``{changed, state, system_uri, reset_types, forced, before, after, elapsed, waited}``
        where before/after are ``status()`` dicts. Raises IloValidationError before sending anything
        when the service does not advertise what is needed, IloPowerTimeout on a timeout.
        """
        if state not in STATES:
            raise IloValidationError('state must be one of %s, not %r.' % (', '.join(STATES), state))
        if wait_for not in WAIT_FOR:
            raise IloValidationError('wait_for must be one of %s, not %r.' % (', '.join(WAIT_FOR), wait_for))
        wait_timeout = float(wait_timeout)
        if wait_timeout <= 0:
            raise IloValidationError('wait_timeout must be a positive number of seconds, not %s.' % wait_timeout)
        if force_after is not None:
            force_after = float(force_after)
            if state not in FORCE:
                raise IloValidationError('force_after only applies to %s, not to state=%s.' % (' and '.join(sorted(FORCE)), state))
            if not 0 <= force_after < wait_timeout:
                raise IloValidationError('force_after (%s s) must be at least 0 and less than wait_timeout (%s s).' % (force_after, wait_timeout))

        started = self.clock()
        before, before_marks = self.observe(fresh=False)
        result = {'changed': False, 'state': state, 'system_uri': self.system_uri, 'reset_types': [], 'forced': False,
                  'before': before, 'after': dict(before), 'elapsed': 0.0, 'waited': False}

        # Everything this state could need is checked before anything is sent.
        step = self._require(state, state)
        force_step = self._require(state, FORCE[state]) if force_after is not None else None
        on_step = self._require(state, 'on') if FROM_OFF[state] == 'on' else None
        if wait and wait_for == 'post_complete' and before['post_state'] is None:
            raise IloValidationError('wait_for=post_complete needs the POST state, which %s does not report '
                                     '(no Oem PostState); use wait_for=power. Nothing was sent.' % self.system_uri)

        is_off = before['power_state'] == 'Off'
        goal = GOALS[state]
        transition = state in RESTARTS
        if is_off:
            plan = FROM_OFF[state]
            if plan == 'fail':
                raise IloValidationError('state=%s needs the server On; %s is Off. Nothing was sent.' % (state, self.system_uri))
            if plan is None:
                return self._finish(result, started)
            step = on_step or step
            goal, transition, force_step = 'On', False, None
        result['changed'] = True
        if state == 'on' and not is_off:
            result['changed'] = False
            if wait and wait_for == 'post_complete' and before['post_state'] not in STEADY_POST:
                # Already On but still in POST (or resetting): nothing to send, but POST must finish.
                return self._wait_for_post(result, started, wait_timeout, check_mode)
            return self._finish(result, started)

        if check_mode:
            result['reset_types'] = [step[1]]
            if goal is not None:
                result['after'] = {'power_state': goal,
                                   'post_state': before['post_state'] and ('PowerOff' if goal == 'Off' else 'FinishedPost')}
            return self._finish(result, started)

        sent_at = self.clock()
        result['reset_types'].append(self.send(*step))
        if goal is None or not (wait or force_step):
            result['after'] = self.status()
            return self._finish(result, started)

        deadline = sent_at + wait_timeout
        # Without PostState, LastResetTime or BootProgress only a power transition can show the reset:
        # look for one for evidence_grace seconds, then stop waiting for it and say so.
        grace = None if not transition or self.reports_resets(before, before_marks) else sent_at + self.evidence_grace
        watch = {'before': before, 'marks': before_marks, 'grace': grace, 'seen': not transition, 'unconfirmed': False}
        if force_step is not None:
            # First give the OS until force_after to honour the graceful request (power state reached).
            reached, last = self._wait(goal, 'power', min(deadline, sent_at + force_after), watch)
            if reached:
                watch['seen'] = True
            else:
                result['forced'] = True
                result['reset_types'].append(self.send(*force_step))
            if wait or not reached:
                reached, last = self._wait(goal, wait_for if wait else 'power', deadline, watch)
        else:
            reached, last = self._wait(goal, wait_for, deadline, watch)
        result['after'] = last
        result['waited'] = True
        if transition:
            result['reset_confirmed'] = watch['seen'] and not watch['unconfirmed']
            if watch['unconfirmed']:
                self.warnings.append(
                    '%s reports no PostState, LastResetTime or BootProgress, and its PowerState stayed %s for %.0f s after '
                    '%s was accepted: nothing shows that the server restarted. Check the server; the result says '
                    'reset_confirmed: false.' % (self.system_uri, last.get('power_state'), self.evidence_grace,
                                                 ', '.join(result['reset_types'])))
        self._finish(result, started)
        if not reached:
            if not watch['seen']:
                what = 'any sign of the reset (PowerState stayed On, PostState, LastResetTime and BootProgress did not change)'
            elif wait_for == 'post_complete' and goal == 'On':
                what = 'POST to finish'
            else:
                what = 'power state %s' % goal
            self._timeout(result, wait_timeout, what, last)
        return result

    def _wait_for_post(self, result, started, wait_timeout, check_mode):
        """``on`` + ``post_complete`` on a server that is On but not done with POST: wait, send nothing."""
        if check_mode:
            result['after'] = dict(result['before'], post_state=STEADY_POST[0])
            return self._finish(result, started)
        reached, last = self._wait('On', 'post_complete', started + wait_timeout, None)
        result['after'] = last
        result['waited'] = True
        self._finish(result, started)
        if not reached:
            self._timeout(result, wait_timeout, 'POST to finish', last)
        return result

    def _timeout(self, result, wait_timeout, what, last):
        raise IloPowerTimeout(
            'Timed out after %.1f s waiting for %s on %s (sent %s). Last seen: PowerState %s, PostState %s.'
            % (wait_timeout, what, self.system_uri, ', '.join(result['reset_types']) or 'nothing',
               last.get('power_state'), last.get('post_state') or 'not reported'), result)

    def _finish(self, result, started):
        result['elapsed'] = round(self.clock() - started, 2)
        return result

    def reached(self, status, goal, wait_for):
        if status.get('power_state') != goal:
            return False
        return goal == 'Off' or wait_for != 'post_complete' or status.get('post_state') in STEADY_POST

    def _wait(self, goal, wait_for, deadline, watch):
        """Poll until ``goal`` is reached or the deadline; returns ``(reached, last status)``.

        ``watch`` (None: no reset to see) holds ``before``/``marks`` (the state before the request),
        ``seen`` (the reset was shown) and ``grace`` (the time after which, on a service that reports
        nothing but PowerState, the wait goes on without proof, marking ``unconfirmed``).
        """
        def done(observed):
            status, marks = observed
            if watch is not None and not watch['seen']:
                if self.shows_reset(watch['before'], watch['marks'], status, marks):
                    watch['seen'] = True
                elif watch['grace'] is not None and self.clock() >= watch['grace']:
                    watch['seen'] = watch['unconfirmed'] = True
                else:
                    return False
            return self.reached(status, goal, wait_for)

        reached, last = self.poller.wait(lambda: self.observe(fresh=True), done, deadline)
        return reached, last[0]
