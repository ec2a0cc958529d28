#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_boot
short_description: Boot override (one-time or continuous) and persistent boot order on HPE iLO 4 to 7 and Redfish services
version_added: 0.1.0
description:
  - Declares the boot override of a system (the C(Boot) object of its C(ComputerSystem)) and changes only what differs - one
    PATCH of the differing properties to the system, with C(If-Match); on HTTP 412 it is read again and the PATCH retried once.
  - Every given value is checked against what the system advertises before anything is written - the target against
    C(BootSourceOverrideTarget@Redfish.AllowableValues) (iLO 4 C(BootSourceOverrideSupported)), C(uefi_target) against the
    system's boot options and C(UefiTargetBootSourceOverride@Redfish.AllowableValues), C(mode) only where it can be
    written, C(http_boot_uri) only where the system has C(HttpBootUri). All problems are reported together.
  - The override takes effect at the next boot of the server. iLO clears a one-time (V(once)) override after that boot
    (C(BootSourceOverrideEnabled) back to C(Disabled)), so a later run sets it again; that is what V(once) means.
  - O(order) sets the persistent boot order, where each generation expects it - HPE's boot order object
    (C(bios/oem/hpe/boot), iLO 4 C(bios/Boot)) through its pending settings object, where the Bios links one; the
    system's standard C(Boot.BootOrder) elsewhere. Like BIOS settings, the HPE order applies at the next boot - it is
    compared with the current B(and) the pending order, so an order already staged is not written again, and
    RV(pending_reboot) says that a reboot is still needed (reboot with M(lightsout.ilo.ilo_power)).
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
  order:
    description:
      - The persistent boot order - the boot options to boot from first, in this order, each given by its reference
        (V(Boot000E)), its display name (V(Generic USB Boot)), HPE's C(StructuredBootString) (V(NIC.Slot.1.1.IPv4)) or a
        pattern of display names (V(*PXE IPv4*), every option it matches, in their current order).
      - The options not named keep their order after the named ones (iLO needs every option in the list; a shorter list
        is what fails with C(ArrayPropertyOutOfBound) elsewhere). An entry that names no option fails before any write,
        listing the options.
    type: list
    elements: str
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
      - Before and after per override name (C(target), C(enabled), C(mode), C(uefi_target), C(http_boot_uri)) and the
        boot order (C(order), display names, the pending order where one is staged).
notes:
  - iLO 4 lists the targets as C(BootSourceOverrideSupported) (HPE's iLO 4 documentation); iLO 5, 6 and 7 shapes follow
    real captures.
seealso:
  - module: lightsout.ilo.ilo_virtual_media
    description: Insert the ISO that V(Cd) then boots from.
  - module: lightsout.ilo.ilo_power
    description: Reboot so that a staged boot order applies.
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

- name: PXE over IPv4 first, then the RAID volume; the rest after them (applies at the next boot on iLO)
  lightsout.ilo.ilo_boot:
    hostname: "{{ ansible_host }}"
    order:
      - "*PXE IPv4*"
      - "Embedded RAID 1*"
  register: boot_order

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
  description: What was written (or would be, in check mode), by name (C(order) as display names).
  returned: success
  type: dict
  sample: {target: Cd, enabled: once}
order:
  description:
    - The boot order as display names - C(before) (current), C(pending) (staged for the next boot, or null), C(desired),
      C(action) (V(none), V(staged) - already pending -, V(set)) and the C(uri) written to.
  returned: when O(order) is given
  type: dict
  sample: {before: [Generic USB Boot, 'NIC (PXE IPv4)'], pending: null, desired: ['NIC (PXE IPv4)', Generic USB Boot], action: set,
           uri: /redfish/v1/systems/1/bios/oem/hpe/boot/settings/}
pending_reboot:
  description: True when a boot order waits for the next boot of the server (written now or before).
  returned: success
  type: bool
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

from ansible_collections.lightsout.ilo.plugins.module_utils.body import bios_link, dig, link_of
from ansible_collections.lightsout.ilo.plugins.module_utils.boot import BootOrder, BootOverride, hpe_boot_link, option_view
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
        order=dict(type='list', elements='str'),
        system_id=dict(type='str'),
    )

    def run(self):
        p = self.params
        given = dict((k, v) for k, v in (p['override'] or {}).items() if v is not None)
        if not given and not p['order']:
            raise IloValidationError('Nothing to do: give order or at least one of override.%s.' % ', override.'.join(OVERRIDE))
        system_uri = self.service.system_uri(p['system_id'])
        resource = BootOverride(self.client, system_uri).reload()
        options = None
        if 'uefi_target' in given or p['order']:
            link = link_of(dig(resource.body, 'Boot.BootOptions'))
            options = [option_view(self.client.get(u).json) for u in self.service.members(link)] if link else []
            resource.options = options
        errors = []
        desired = {}
        if given:
            desired = resource.desired(given.get('target'), given.get('enabled'), given.get('mode'), given.get('uefi_target'),
                                       given.get('http_boot_uri'), errors)
        order = self._order_resource(resource, options, errors) if p['order'] else None
        wanted_order = order.desired(p['order'], errors) if order is not None else {}
        if errors:
            self.result['validation_errors'] = errors
            raise IloValidationError('%d problem%s with the boot settings, nothing was written: %s' % (
                len(errors), '' if len(errors) == 1 else 's', ' '.join(errors)))
        self.result.update(system_uri=system_uri, changes={}, messages=[], override={}, pending_reboot=False)
        diff = {'before': {}, 'after': {}}
        if desired:
            self._override(resource, desired, diff)
        if order is not None:
            self._order(order, wanted_order, diff)
        self.result['changed'] = bool(self.result['changes'])
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = diff

    def _override(self, resource, desired, diff):
        outcome = resource.converge(desired, check_mode=self.check_mode)
        self.result['changes'].update(outcome.changes)
        self.result['messages'].extend(outcome.messages)
        self.result['override'] = dict((n, {'before': r['current'], 'desired': r['desired'], 'action': 'none' if r['action'] == 'none' else 'set'})
                                       for n, r in outcome.report.items())
        diff['before'].update((n, outcome.current.get(n)) for n in sorted(desired))
        diff['after'].update((n, outcome.after_current.get(n)) for n in sorted(desired))
        if outcome.changes and not self.check_mode:
            failed = resource.unapplied(desired)
            if failed:
                self.result['not_applied'] = failed
                raise IloError('The iLO accepted the boot override but shows %s.' % '; '.join(
                    '%s %r, not %r' % (n, f['current'], f['desired']) for n, f in sorted(failed.items())), uri=resource.uri)

    def _order_resource(self, system, options, errors):
        """HPE's boot order object where the Bios links one (pending, applied at the next boot), else Boot.BootOrder."""
        bios = bios_link(system.body)
        hpe = hpe_boot_link(self.client.get(bios).json) if bios else None
        if hpe:
            order = BootOrder(self.client, hpe, hpe=True).reload()
        elif isinstance(dig(system.body, 'Boot.BootOrder'), list):
            order = BootOrder(self.client, system.uri, hpe=False, options=options).reload()
        else:
            errors.append('The system %s has neither an HPE boot order object nor Boot.BootOrder; its boot order cannot be set.' % system.uri)
            return None
        order.read_settings()
        return order

    def _order(self, order, desired, diff):
        outcome = order.converge(desired, check_mode=self.check_mode)
        report = outcome.report['order']
        self.result['messages'].extend(outcome.messages)
        if outcome.changes:
            self.result['changes']['order'] = order.names(outcome.changes['order'])
        self.result['order'] = {'before': order.names(report['current']),
                                'pending': order.names(report['pending']) if report['pending'] is not None else None,
                                'desired': order.names(report['desired']), 'action': report['action'], 'uri': order.write_uri}
        self.result['pending_reboot'] = bool(outcome.after.get('order'))
        for side, view in outcome.diff(['order']).items():
            diff[side]['order'] = order.names(view['order'].get('pending', view['order']['current']))
        if outcome.changes and not self.check_mode:
            order.read_settings()
            shown = order.pending.get('order', order.current.get('order'))
            if shown != desired['order']:
                self.result['not_applied'] = {'order': {'desired': desired['order'], 'current': shown}}
                raise IloError('The iLO accepted the boot order but shows %s, not %s.' % (
                    ', '.join(order.names(shown)), ', '.join(order.names(desired['order']))), uri=order.write_uri)


def main():
    IloBootModule().main()


if __name__ == '__main__':
    main()
