#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_power
short_description: Power a server on, off or through a restart and wait until it got there
version_added: 0.1.0
description:
  - Brings the server managed by an HPE iLO 4, 5, 6 or 7 (or any Redfish service) to a declared power state and,
    by default, waits until it is there, optionally until POST has finished, instead of sending a reset and
    returning.
  - Each state is mapped to what the system advertises (C(ResetType@Redfish.AllowableValues), C(@Redfish.ActionInfo),
    iLO 4 C(AvailableActions), the HPE C(SystemReset) and C(PowerButton) OEM actions). When the system does not
    advertise what a state needs, the task fails naming what it does advertise, and nothing is sent.
  - V(on), V(off), V(graceful_off) and V(button_held) are idempotent. Restarts, V(nmi) and V(button_pressed) are
    actions and always report RV(ignore:changed=true).
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  state:
    description:
      - V(on) powers the server on (ResetType C(On), else C(ForceOn)). Nothing is sent when it is already On.
      - V(off) powers it off at once, without asking the OS (C(ForceOff)). Nothing is sent when it is Off.
      - V(graceful_off) asks the OS to shut down (C(GracefulShutdown); where that is not advertised, as on iLO 4 and
        iLO 5 before 2.10, a momentary power-button press, C(PushPowerButton) or the HPE C(PowerButton) C(Press),
        which is the same request). See O(force_after). Nothing is sent when the server is Off.
      - V(restarted) restarts at once (C(ForceRestart)).
      - V(graceful_restarted) asks the OS to restart (C(GracefulRestart)). iLO 5 advertises it from 2.4x but
        performs a forced restart; iLO 6 restarts gracefully. Where it is not advertised (iLO 4, early iLO 5) the
        task fails; use V(graceful_off) then V(on) instead.
      - V(cold_booted) removes power fully and boots again (HPE C(SystemReset) C(ColdBoot); on other Redfish
        services C(PowerCycle)).
      - V(restarted), V(graceful_restarted) and V(cold_booted) power the server on (C(On)) when it is Off.
      - V(nmi) sends a non-maskable interrupt (C(Nmi)), for example to make the OS write a crash dump. The server
        must be On; nothing is awaited.
      - V(button_pressed) presses the power button briefly (C(PushPowerButton), else the HPE C(PowerButton)
        C(Press)). An On server is asked to shut down, an Off server powers on. With O(wait) the task waits for
        the opposite power state.
      - V(button_held) presses and holds the power button (HPE C(PowerButton) C(PressAndHold)), a forced off.
        Nothing is sent when the server is Off.
    type: str
    choices: ['on', 'off', graceful_off, restarted, graceful_restarted, cold_booted, nmi, button_pressed, button_held]
    default: 'on'
  system_id:
    description:
      - The C(Id) of the system to manage (the last segment of its URI, for example V(1)).
      - Required when the service has several systems (for example a Moonshot chassis); the module refuses to guess.
    type: str
  wait:
    description:
      - Wait until the server reached the state (see O(wait_for)) before returning.
      - With V(false), the task returns after the iLO accepted the request (except with O(force_after)).
    type: bool
    default: true
  wait_for:
    description:
      - V(power) waits for the power state (On or Off). After a restart it waits until the reset was seen and the
        power is On again; the server may still be in POST. A reset is seen when PowerState leaves On, the iLO
        PostState enters POST, or C(LastResetTime) or C(BootProgress) changes. A service that reports none of
        PostState, C(LastResetTime) and C(BootProgress) can only show a power transition; when none shows within
        10 seconds the task returns with RV(reset_confirmed=false) and a warning instead of a silent success.
      - V(post_complete) also waits until the iLO PostState is C(FinishedPost), as needed before changing boot
        order or reading BIOS settings results, whatever the start state (so O(state=on) on a server that is On but
        still in POST sends nothing and waits for POST to finish). Needs an iLO (a service that reports PostState).
      - Ignored for states that end Off and for V(nmi).
    type: str
    choices: [power, post_complete]
    default: power
  wait_timeout:
    description:
      - Seconds to wait, counted from when the request was sent. On a timeout the task fails naming the last
        power and POST state seen. A physical server can take several minutes to finish POST.
    type: int
    default: 900
  force_after:
    description:
      - With O(state=graceful_off) or O(state=graceful_restarted), when the server has not gone Off (or restarted)
        this many seconds after the graceful request, send C(ForceOff) (or C(ForceRestart)). RV(reset_types)
        then lists both requests and RV(forced) is true.
      - Must be less than O(wait_timeout). Implies waiting that long even with O(wait=false).
    type: int
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode reads the power state only and reports exactly whether a request would be sent and which
        (RV(reset_types)); nothing is written. A forced step after O(force_after) cannot be predicted.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - The diff shows the power state (and PostState) before and after.
notes:
  - The client never repeats a reset request that reached the iLO, even when the connection broke afterwards;
    the task then fails saying the outcome is unknown.
  - Polling starts every 0.2 seconds and slows down to every 5 seconds, so short transitions are seen quickly and
    long ones do not load the iLO.
  - On a plain DMTF Redfish service that advertises no allowed values for C(ComputerSystem.Reset), the standard
    ResetType values are assumed and the service decides.
'''

EXAMPLES = r'''
- name: Power on and wait until POST has finished
  lightsout.ilo.ilo_power:
    hostname: ilo-web01.example.com
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    state: 'on'
    wait_for: post_complete

- name: Shut down through the OS, force it off after 5 minutes
  lightsout.ilo.ilo_power:
    hostname: ilo-web01.example.com
    state: graceful_off
    force_after: 300

- name: Reboot where a BIOS change is pending, wait for POST (connection from module_defaults)
  lightsout.ilo.ilo_power:
    state: restarted
    wait_for: post_complete
    wait_timeout: 1800
  when: bios.pending_reboot | default(false)

- name: Power off cartridge node c3n1 of a Moonshot chassis, do not wait
  lightsout.ilo.ilo_power:
    state: 'off'
    system_id: c3n1
    wait: false

- name: Make the OS write a crash dump
  lightsout.ilo.ilo_power:
    state: nmi
'''

RETURN = r'''
state:
  description: The requested state.
  returned: always
  type: str
  sample: restarted
system_uri:
  description: The URI of the system that was managed.
  returned: always
  type: str
  sample: /redfish/v1/Systems/1/
reset_types:
  description:
    - The values sent, in order (C(ResetType) or C(PushType)); empty when nothing was sent.
    - In check mode, what would be sent.
  returned: always
  type: list
  elements: str
  sample: [GracefulShutdown, ForceOff]
forced:
  description: True when O(force_after) expired and a forced off (or restart) was sent after the graceful request.
  returned: always
  type: bool
  sample: false
before:
  description: The power state and iLO PostState before the task.
  returned: always
  type: dict
  contains:
    power_state:
      description: C(PowerState) of the system (C(On), C(Off), C(Reset), ...).
      type: str
      sample: 'Off'
    post_state:
      description: The iLO C(Oem.Hpe.PostState) (C(Oem.Hp) on iLO 4); null on services that do not report it.
      type: str
      sample: PowerOff
  sample: {power_state: 'Off', post_state: PowerOff}
after:
  description:
    - The power state and PostState when the task ended (the last state read); in check mode, the predicted state.
    - With O(wait=false), what the iLO reported right after accepting the request.
  returned: always
  type: dict
  contains:
    power_state:
      description: C(PowerState) of the system.
      type: str
      sample: 'On'
    post_state:
      description: The iLO PostState, or null.
      type: str
      sample: FinishedPost
  sample: {power_state: 'On', post_state: FinishedPost}
elapsed:
  description: Seconds the task spent, waiting included.
  returned: always
  type: float
  sample: 41.3
reset_confirmed:
  description:
    - For a restart that was waited for, whether the service showed that the reset happened (see O(wait_for)).
      V(false) only on a service that reports no PostState, LastResetTime or BootProgress and whose PowerState
      stayed On; a warning says so.
  returned: when a restart was sent and waited for
  type: bool
  sample: true
waited:
  description: Whether the task waited for the state to be reached.
  returned: always
  type: bool
  sample: true
'''

from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloPowerTimeout
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule
from ansible_collections.lightsout.ilo.plugins.module_utils.power import STATES, WAIT_FOR, Power


class IloPowerModule(IloModule):
    argument_spec = dict(
        state=dict(type='str', choices=list(STATES), default='on'),
        system_id=dict(type='str'),
        wait=dict(type='bool', default=True),
        wait_for=dict(type='str', choices=list(WAIT_FOR), default='power'),
        wait_timeout=dict(type='int', default=900),
        force_after=dict(type='int'),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        p = self.params
        power = Power(self.service, self.service.system_uri(p['system_id']))
        try:
            result = power.ensure(p['state'], wait=p['wait'], wait_for=p['wait_for'], wait_timeout=p['wait_timeout'],
                                  force_after=p['force_after'], check_mode=self.check_mode)
        except IloPowerTimeout as exc:
            self.result.update(exc.result)
            raise
        finally:
            for warning in power.warnings:
                self.module.warn(warning)
        self.result.update(result)
        if self.module._diff:
            self.result['diff'] = {'before': dict(result['before']), 'after': dict(result['after'])}


def main():
    IloPowerModule().main()


if __name__ == '__main__':
    main()
