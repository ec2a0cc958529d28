#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_boot
short_description: One-time or continuous boot override of a server on HPE iLO 4 to 7 and Redfish services
version_added: 0.2.0
description:
  - Declares the boot override of a system (the C(Boot) object of its C(ComputerSystem)) and changes only what differs - one
    PATCH of the differing properties to the system, with C(If-Match); on HTTP 412 it is read again and the PATCH retried once.
  - Every given value is checked against what the system advertises before anything is written - the target against
    C(BootSourceOverrideTarget@Redfish.AllowableValues) (iLO 4 C(BootSourceOverrideSupported)), C(uefi_target) against the
    system's boot options and C(UefiTargetBootSourceOverride@Redfish.AllowableValues), C(mode) only where it can be
    written, C(http_boot_uri) only where the system has C(HttpBootUri). All problems are reported together.
  - The override takes effect at the next boot of the server. iLO clears a one-time (V(once)) override after that boot
    (C(BootSourceOverrideEnabled) back to C(Disabled)), so a later run sets it again; that is what V(once) means.
  - The names and values are those of the O(ignore:ilo_facts) C(boot) subset (C(override_target), C(override_enabled) in lower
    case, C(override_mode), C(uefi_target)).
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  override:
    description:
      - The boot override. Only the suboptions given are managed.
    type: dict
    suboptions:
      target:
        description:
          - The device to boot from - a C(BootSourceOverrideTarget) value the system lists, for example V(Pxe), V(Cd), V(Hdd),
            V(Usb), V(UefiShell), V(UefiTarget), V(UefiHttp), V(BiosSetup), V(None) (any case).
          - Defaults to V(UefiTarget) when O(override.uefi_target) is given and to V(UefiHttp) when O(override.http_boot_uri) is.
          - V(None) with O(override.enabled) not given turns the override off (C(Disabled)).
        type: str
      enabled:
        description:
          - V(once) - at the next boot only; V(continuous) - at every boot until changed; V(disabled) - no override.
          - Defaults to V(once) when a target other than V(None) is given.
        type: str
        choices: [once, continuous, disabled]
      mode:
        description:
          - C(BootSourceOverrideMode), V(UEFI) or V(Legacy). Only where the system lets it be written (it lists
            C(BootSourceOverrideMode@Redfish.AllowableValues), or it is not an HPE iLO); on iLO it follows the BIOS boot
            mode and a different value is refused before any write, naming the BIOS setting to change instead. The current
            value is accepted everywhere.
        type: str
        choices: [UEFI, Legacy]
      uefi_target:
        description:
          - The boot option to boot once from with V(UefiTarget) - its reference (V(Boot000E)), its display name, or a pattern
            of display names (V(*Red Hat*)) that names exactly one; written as the option's C(UefiDevicePath). A device
            path the system lists in C(UefiTargetBootSourceOverride@Redfish.AllowableValues) is accepted as it is.
        type: str
      http_boot_uri:
        description:
          - The URI to boot from with V(UefiHttp) (C(Boot.HttpBootUri)), only where the system has it.
        type: str
  system_id:
    description:
      - The C(Id) of the system, for services with several (Moonshot, Synergy frames). Optional when there is one.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode reads and validates the same way and predicts RV(ignore:changed) and the diff; it sends no PATCH.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - Before and after per override name (C(target), C(enabled), C(mode), C(uefi_target), C(http_boot_uri)).
notes:
  - iLO 4 lists the targets as C(BootSourceOverrideSupported) (HPE's iLO 4 documentation); iLO 5, 6 and 7 shapes follow
    real captures.
seealso:
  - module: lightsout.ilo.ilo_virtual_media
    description: Insert the ISO that V(Cd) then boots from.
  - module: lightsout.ilo.ilo_facts
    description: C(gather_subset=boot) shows the override, the boot order and the boot options in the same vocabulary.
'''

EXAMPLES = r'''
- name: Boot once from the virtual CD at the next reset
  lightsout.ilo.ilo_boot:
    hostname: "{{ ansible_host }}"
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    override:
      target: Cd
  delegate_to: localhost

- name: PXE boot at every boot until told otherwise
  lightsout.ilo.ilo_boot:
    hostname: "{{ ansible_host }}"
    override:
      target: Pxe
      enabled: continuous

- name: Boot once from the RHEL boot loader's UEFI boot option, by display name
  lightsout.ilo.ilo_boot:
    hostname: "{{ ansible_host }}"
    override:
      uefi_target: Red Hat Enterprise Linux

- name: Clear the override
  lightsout.ilo.ilo_boot:
    hostname: "{{ ansible_host }}"
    override:
      target: None
'''

RETURN = r'''
override:
  description: Per override name given (or implied), C(before), C(desired) and C(action) (V(none) or V(set)).
  returned: success
  type: dict
  sample: {target: {before: None, desired: Cd, action: set}, enabled: {before: disabled, desired: once, action: set}}
changes:
  description: What was written (or would be, in check mode), by module name.
  returned: success
  type: dict
  sample: {target: Cd, enabled: once}
system_uri:
  description: The system whose boot override was managed.
  returned: success
  type: str
  sample: /redfish/v1/Systems/1
messages:
  description: The messages the iLO answered to the PATCH.
  returned: success
  type: list
  elements: dict
not_applied:
  description: After the PATCH, the override values the system does not show as wanted (the task fails).
  returned: failure after a write
  type: dict
validation_errors:
  description: Every problem found in the options (the task fails and writes nothing).
  returned: failure of validation
  type: list
  elements: str
'''

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, link_of
from ansible_collections.lightsout.ilo.plugins.module_utils.boot import BootOverride, option_view
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule

OVERRIDE = ('target', 'enabled', 'mode', 'uefi_target', 'http_boot_uri')


class IloBootModule(IloModule):
    argument_spec = dict(
        override=dict(type='dict', options=dict(
            target=dict(type='str'),
            enabled=dict(type='str', choices=['once', 'continuous', 'disabled']),
            mode=dict(type='str', choices=['UEFI', 'Legacy']),
            uefi_target=dict(type='str'),
            http_boot_uri=dict(type='str'),
        )),
        system_id=dict(type='str'),
    )

    def run(self):
        p = self.params
        given = dict((k, v) for k, v in (p['override'] or {}).items() if v is not None)
        if not given:
            raise IloValidationError('Nothing to do: give at least one of override.%s.' % ', override.'.join(OVERRIDE))
        system_uri = self.service.system_uri(p['system_id'])
        resource = BootOverride(self.client, system_uri).reload()
        if 'uefi_target' in given:
            options = link_of(dig(resource.body, 'Boot.BootOptions'))
            resource.options = [option_view(self.client.get(u).json) for u in self.service.members(options)] if options else []
        errors = []
        desired = resource.desired(given.get('target'), given.get('enabled'), given.get('mode'), given.get('uefi_target'),
                                   given.get('http_boot_uri'), errors)
        if errors:
            self.result['validation_errors'] = errors
            raise IloValidationError('%d problem%s with the override, nothing was written: %s' % (
                len(errors), '' if len(errors) == 1 else 's', ' '.join(errors)))
        outcome = resource.converge(desired, check_mode=self.check_mode)
        self.result.update(
            system_uri=system_uri, changed=outcome.changed, changes=outcome.changes, messages=outcome.messages,
            override=dict((n, {'before': r['current'], 'desired': r['desired'], 'action': 'none' if r['action'] == 'none' else 'set'})
                          for n, r in outcome.report.items()))
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = {'before': dict((n, outcome.current.get(n)) for n in sorted(desired)),
                                   'after': dict((n, outcome.after_current.get(n)) for n in sorted(desired))}
        if outcome.changes and not self.check_mode:
            failed = resource.unapplied(desired)
            if failed:
                self.result['not_applied'] = failed
                raise IloError('The iLO accepted the boot override but shows %s.' % '; '.join(
                    '%s %r, not %r' % (n, f['current'], f['desired']) for n, f in sorted(failed.items())), uri=system_uri)


def main():
    IloBootModule().main()


if __name__ == '__main__':
    main()
