#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_bios_settings
short_description: Validated, pending-aware, idempotent BIOS settings on HPE iLO 4 to 7
version_added: 0.1.0
description:
  - Sets BIOS attributes of a server managed by an HPE iLO 4, 5, 6 or 7 (or another Redfish service with a Bios
    resource and a settings object).
  - Before anything is written, every name and value in O(attributes) is checked against the BIOS attribute
    registry the iLO publishes (found by link, read once per run). It refuses unknown names (the error names the closest
    valid ones), read-only and immutable attributes, enumeration values (the error lists the allowed ones), integer bounds
    and increments, string lengths and patterns, and type mistakes such as V(true) for V(Enabled) or V(1) for
    V("1"). All problems are reported together and nothing is written.
  - Desired values are compared with the B(current) values and with the values already B(pending) (staged for the
    next boot, by this module or anyone else). Nothing is written when every value is already current with nothing
    else pending for it, or already pending. Otherwise only the attributes that differ are PATCHed to the settings
    object, with C(If-Match) set to the ETag of a fresh read; if another client changed the settings object in
    between (HTTP 412), it is read again and the PATCH is retried once.
  - BIOS changes take effect at the next boot. The module never reboots unless O(reboot=true).
  - On iLO 4 the flat C(HpBios) layout (attributes at the top level of the resource and its C(Settings)) is handled.
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  attributes:
    description:
      - BIOS attribute names and the values wanted, for example C(WorkloadProfile=Virtualization-MaxPerformance).
      - Names and enumeration values are case-sensitive, as in the registry. Quote values that YAML would turn into
        booleans or numbers (V("Enabled"), not V(yes)); integer attributes take unquoted integers.
      - May be empty only with O(reset_to_defaults=true).
    type: dict
    default: {}
  system_id:
    description:
      - The C(Id) of the system (computer) whose BIOS to configure, for example V(1).
      - Required when the iLO manages several systems (Moonshot); optional when it manages one.
    type: str
  validate:
    description:
      - Validate O(attributes) against the BIOS attribute registry before writing.
      - Attributes that already have the wanted value, with nothing else pending, are not validated (the BIOS accepted
        that value and nothing is written for them); when all have, the registry is not read at all.
      - With V(false) names and values are sent as given; iLO validates BIOS settings only at the next boot, so
        mistakes then show up as attributes not applied (see O(reboot)). Use it for attributes a registry describes
        wrongly, or when the registry cannot be read.
      - When the iLO publishes no registry, or lists one that cannot be read (its file answers an HTTP error, times
        out, is not JSON or defines no attributes), names and value types are checked against the current settings
        instead, with a warning that names the cause.
    type: bool
    default: true
  reset_to_defaults:
    description:
      - Stage the BIOS defaults before applying O(attributes) (which then override the defaults).
      - Uses the C(Bios.ResetBios) action at the target the iLO advertises (on the settings object on iLO 5, on the
        Bios resource on iLO 6 and 7) with an empty body; where no such action exists (iLO 4) it PATCHes C(BaseConfig=default)
        to the settings object.
      - Idempotence. The defaults are taken from the registry's C(DefaultValue)s (read-only, immutable and
        system-unique attributes such as the serial number are left out). When every attribute already has its
        default as its current value or pending value, nothing is sent and RV(ignore:changed=false). When the
        registry is not available the defaults cannot be known, and the reset is sent on every run.
    type: bool
    default: false
  reboot:
    description:
      - After staging, restart the server when anything is pending, wait for POST to finish, then read the settings
        result and the current values. The task fails naming every attribute that was not applied, with iLO's
        C(MessageId) and reason; the others are reported in RV(applied).
      - Nothing pending means no restart, so a second run does not reboot again.
    type: bool
    default: false
  reboot_type:
    description:
      - How to restart with O(reboot=true).
      - V(graceful) asks the operating system to restart (C(GracefulRestart)) and forces a restart (C(ForceRestart))
        when the server has not gone down after O(force_after) seconds. Where the iLO advertises no graceful restart
        (iLO 4, early iLO 5) a forced restart is sent, with a warning.
      - V(force) sends C(ForceRestart) at once.
    type: str
    choices: [graceful, force]
    default: graceful
  force_after:
    description:
      - With O(reboot_type=graceful), seconds to let the operating system shut down before forcing the restart.
    type: int
    default: 300
  wait_timeout:
    description:
      - With O(reboot=true), seconds to wait for the restart and POST to finish.
    type: int
    default: 1800
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode reads the same resources and predicts RV(ignore:changed), RV(pending_reboot) and the diff exactly;
        it sends no PATCH, action or reset.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - The diff shows, for each managed attribute, its current value and its pending value (when one is staged),
        before and after the task.
notes:
  - Validation uses the registry C(Attributes) entries; registry C(Dependencies) (values that become read-only or
    forced when another attribute has some value) are not evaluated. iLO reports such conflicts after the reboot,
    and O(reboot=true) turns them into a failure naming the attribute.
  - Attributes of type C(Password) are refused; use the C(Bios.ChangePassword) action.
  - RV(pending_reboot) is true when the settings object holds any value that differs from the current one, whether
    this task or someone else staged it; a reboot applies all of them.
seealso:
  - module: lightsout.ilo.ilo_session
'''

EXAMPLES = r'''
- name: Stage BIOS settings (no reboot yet)
  lightsout.ilo.ilo_bios_settings:
    hostname: ilo-web01.example.com
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    attributes:
      WorkloadProfile: Virtualization-MaxPerformance
      AdminName: Jane Doe
      AdminEmail: jane@example.com
  register: bios

- name: Reboot only where a change is pending, wait for POST
  lightsout.ilo.ilo_power:
    hostname: ilo-web01.example.com
    state: restarted
    wait_for: post_complete
  when: bios.pending_reboot

- name: Set, restart and verify in one task (fails naming any attribute the BIOS did not apply)
  lightsout.ilo.ilo_bios_settings:
    hostname: ilo-web01.example.com
    attributes:
      ProcTurbo: Disabled
      NetworkBootRetryCount: 5     # integer attributes take integers
    reboot: true
    reboot_type: graceful
    force_after: 600

- name: Back to factory defaults, then one site setting on top
  lightsout.ilo.ilo_bios_settings:
    hostname: ilo-web01.example.com
    reset_to_defaults: true
    attributes:
      TimeZone: UtcP1

# ansible-playbook site.yml --check --diff shows, for each managed attribute, its current value and
# what is (or would be) pending for the next boot. Here AdminEmail was already staged by someone else
# with another value, which the task sets back:
#
# TASK [Stage BIOS settings (no reboot yet)] ****************************************
# --- before
# +++ after
# @@ -1,12 +1,14 @@
#  {
#      "AdminEmail": {
#          "current": "",
# -        "pending": "someone@else.example.com"
# +        "pending": "jane@example.com"
#      },
#      "AdminName": {
# -        "current": ""
# +        "current": "",
# +        "pending": "Jane Doe"
#      },
#      "WorkloadProfile": {
#          "current": "Virtualization-MaxPerformance"
#      }
#  }
# changed: [ilo-web01]
'''

RETURN = r'''
pending_reboot:
  description:
    - True when, after this task, the settings object holds values that differ from the current ones (staged by this
      task or by anyone else), so that a reboot would change the BIOS.
    - In check mode, the prediction.
  returned: success
  type: bool
  sample: true
attributes:
  description:
    - Per managed attribute, as read before this task wrote anything, and what the task did.
  returned: success
  type: dict
  sample:
    AdminName: {current: "", pending: null, desired: Jane Doe, action: set}
    WorkloadProfile: {current: Virtualization-MaxPerformance, pending: null, desired: Virtualization-MaxPerformance, action: none}
  contains:
    current:
      description: The value the BIOS uses now.
      type: raw
    pending:
      description: The value staged for the next boot before this task, or null when none differs from the current one.
      type: raw
    desired:
      description: The value asked for.
      type: raw
    action:
      description:
        - V(none) (already current, nothing else pending), V(staged) (already pending) or V(set) (written by this task,
          or would be in check mode).
      type: str
changes:
  description: The attributes written to the settings object (or that would be, in check mode).
  returned: success
  type: dict
  sample: {AdminName: Jane Doe}
pending:
  description: Every value pending for the next boot after this task (managed or not), when nothing was rebooted.
  returned: success
  type: dict
  sample: {AdminName: Jane Doe, ProcTurbo: Disabled}
reset:
  description: What O(reset_to_defaults) did or would do.
  returned: when O(reset_to_defaults=true)
  type: dict
  contains:
    needed:
      description: Whether some attribute was away from its default.
      type: bool
    sent:
      description: The request sent (V(null) when none, or in check mode).
      type: str
    differing:
      description: Attributes whose effective value differed from the default, with both values (null when the defaults are unknown).
      type: dict
messages:
  description: The messages iLO answered to the writes (for example C(iLO.2.14.SystemResetRequired)) and, after a reboot, the settings result.
  returned: success
  type: list
  elements: dict
  sample: [{MessageId: iLO.2.14.SystemResetRequired}]
rebooted:
  description: Whether the server was restarted (or would be, in check mode).
  returned: when O(reboot=true)
  type: bool
power:
  description: What the restart sent and saw (reset types, whether it was forced, elapsed seconds).
  returned: when the server was restarted
  type: dict
applied:
  description: The attributes the BIOS applied at the reboot.
  returned: when the server was restarted
  type: list
  elements: str
  sample: [AdminEmail, AdminName]
not_applied:
  description: The attributes the BIOS did not apply at the reboot, with the value wanted, the current value and iLO's messages (the task fails).
  returned: failure after a reboot
  type: dict
  sample: {ServiceName: {desired: Ops, current: "", message_ids: [Base.1.4.PropertyNotWritable]}}
validation_errors:
  description: Every problem found in O(attributes) by validation (the task fails and writes nothing).
  returned: failure of validation
  type: list
  elements: str
  sample: ["ProcTurbo2 is not an attribute of the BIOS attribute registry BiosAttributeRegistryU46.v1_2_34; closest valid names: ProcTurbo."]
registry:
  description:
    - The name of the BIOS attribute registry used for validation.
    - Null when none was used, also when every attribute already had its value (nothing was validated).
  returned: success
  type: str
  sample: BiosAttributeRegistryU46.v1_2_34
'''

from ansible_collections.lightsout.ilo.plugins.module_utils.bios import (
    BiosSettings,
    check_desired,
    describe_failures,
    validate,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule
from ansible_collections.lightsout.ilo.plugins.module_utils.power import Power
from ansible_collections.lightsout.ilo.plugins.module_utils.state import merged, view


class IloBiosSettingsModule(IloModule):
    argument_spec = dict(
        attributes=dict(type='dict', default={}),
        system_id=dict(type='str'),
        validate=dict(type='bool', default=True),
        reset_to_defaults=dict(type='bool', default=False),
        reboot=dict(type='bool', default=False),
        reboot_type=dict(type='str', choices=['graceful', 'force'], default='graceful'),
        force_after=dict(type='int', default=300),
        wait_timeout=dict(type='int', default=1800),
    )

    def run(self):
        p = self.params
        desired = p['attributes'] or {}
        check_desired(desired)
        if not desired and not p['reset_to_defaults']:
            raise IloValidationError('Nothing to do: give attributes, or reset_to_defaults: true.')
        if p['reboot'] and (p['wait_timeout'] <= 0 or p['force_after'] < 0):
            raise IloValidationError('wait_timeout must be positive and force_after not negative.')

        bios = BiosSettings(self.service, self.service.system_uri(p['system_id']))
        bios.read_settings()
        self.result.update(registry=None, messages=[], changes={})
        if p['validate']:
            self._validate(bios, bios.plan(desired).unsettled)
        defaults = self._reset_to_defaults(bios) if p['reset_to_defaults'] else {}
        outcome = bios.converge(desired, check_mode=self.check_mode)
        self.result['messages'].extend(outcome.messages)
        self.result.update(changed=outcome.changed or self.result.get('reset', {}).get('needed', False),
                           changes=outcome.changes, attributes=outcome.report, pending=outcome.after,
                           pending_reboot=bool(outcome.after))
        names = sorted(set(desired) | set(defaults))
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = outcome.diff(names)
        if p['reboot']:
            self.result['rebooted'] = bool(outcome.after)
            if outcome.after:
                self.result['changed'] = True
                if self.check_mode:
                    self.result['pending_reboot'] = False
                    if 'diff' in self.result:
                        self.result['diff'] = outcome.diff(names, applied=True)
                else:
                    self._reboot_and_verify(bios, merged(defaults, desired), names)

    def _validate(self, bios, unsettled):
        """Validate what is not already current: a value the BIOS already uses is not checked, and when
        every wanted value is such, the registry (up to 3 reads, about 1 MB) is not read."""
        if not unsettled:
            return
        registry = bios.registry()
        if registry is None:
            self.module.warn(bios.registry_warning())
        else:
            self.result['registry'] = registry.name
        errors = validate(registry, unsettled, bios.current)
        if errors:
            self.result['validation_errors'] = errors
            raise IloValidationError('%d problem%s with attributes, nothing was written: %s' % (
                len(errors), '' if len(errors) == 1 else 's', ' '.join(errors)))

    def _reset_to_defaults(self, bios):
        """Stage the defaults when some attribute is away from them (predict it in check mode); returns them."""
        differing = bios.differs_from_defaults()
        needed = differing is None or bool(differing)
        if differing is None and bios.registry_problem is not None:
            self.module.warn('The BIOS defaults are unknown because %s; the reset to defaults is sent without comparing.'
                             % bios.registry_problem)
        self.result['reset'] = {'needed': needed, 'sent': None, 'differing': differing}
        defaults = dict((k, v['default']) for k, v in (differing or {}).items()) if needed else {}
        if needed and self.check_mode:
            bios.assume(defaults)
        elif needed:
            self.result['reset']['sent'], messages = bios.reset_to_defaults()
            self.result['messages'].extend(messages)
            bios.read_settings()
        return defaults

    def _reboot_and_verify(self, bios, expected, names):
        p = self.params
        power = Power(self.service, bios.system_uri)
        state = 'restarted'
        force_after = None
        if p['reboot_type'] == 'graceful':
            if 'graceful_restarted' in power.supported_states():
                state, force_after = 'graceful_restarted', p['force_after']
            else:
                self.module.warn('%s advertises no graceful restart; a forced restart (ForceRestart) was sent instead.' % bios.system_uri)
        if force_after is not None and force_after >= p['wait_timeout']:
            force_after = max(0, p['wait_timeout'] - 1)
        try:
            self.result['power'] = power.ensure(state, wait=True, wait_for='post_complete', wait_timeout=p['wait_timeout'],
                                                force_after=force_after)
        finally:
            for warning in power.warnings:
                self.module.warn(warning)
        applied, failed = bios.verify_applied(expected)
        self.result['messages'].extend(bios.settings_result[1])
        self.result['applied'] = applied
        self.result['pending'] = bios.read_settings()
        self.result['pending_reboot'] = bool(self.result['pending'])
        if 'diff' in self.result:
            self.result['diff']['after'] = view(names, bios.current, self.result['pending'])
        if failed:
            self.result['not_applied'] = failed
            all_messages = [m for info in failed.values() for m in info['messages']]
            raise IloError(describe_failures(failed, self.service), uri=bios.bios_uri, messages=all_messages)


def main():
    IloBiosSettingsModule().main()


if __name__ == '__main__':
    main()
