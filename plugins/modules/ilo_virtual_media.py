#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_virtual_media
short_description: Insert or eject a virtual media image (ISO over HTTP) on HPE iLO 4 to 7
version_added: 0.1.0
description:
  - Declares what a virtual media device of the iLO holds - an image URL, or nothing - and changes only what differs.
  - The device is chosen by media type (iLO's ids are by type, V(1) floppy/USB and V(2) CD/DVD, not by name).
  - How the image is inserted and ejected is chosen by what the device advertises - the DMTF C(VirtualMedia.InsertMedia) and
    C(EjectMedia) actions (iLO 5, 6, 7), else HPE's C(Oem.Hpe) C(InsertVirtualMedia)/C(EjectVirtualMedia) actions, else a
    PATCH of C(Image) (iLO 4, with C(Oem.Hp.BootOnNextServerReset) in the same PATCH).
  - The same image already inserted (and, when O(write_protected) is given, with that protection) is a no-op. A
    B(different image is ejected first), then the new one inserted - iLO refuses a second insert into a device that
    holds one (C(MaxVirtualMediaConnectionEstablished)).
  - iLO answers an insert before it connects the image, and reports an image URL it cannot reach only by not
    connecting it. After every change the module reads the device again until it shows the wanted state (image
    connected, C(Inserted) true, or ejected), up to O(wait_timeout) seconds, and fails naming the URL when the
    iLO did not connect it (at once when the iLO drops the image, as it does when it cannot reach the URL).
  - Every problem with the options (an image URL that is not http/https, a device that does not exist, a boot flag on
    a device without one) is reported before anything is written.
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  media:
    description:
      - The device - V(cd) (also V(dvd)), V(floppy), V(usb) (the device whose C(MediaTypes) lists C(CD)/C(DVD), C(Floppy)
        or C(USBStick)) - or a device id as the iLO lists it (V(1), V(2)).
    type: str
    default: cd
  image_url:
    description:
      - The image to insert, an C(http://) or C(https://) URL the iLO can reach (iLO fetches it itself, from its own
        network). Required with O(state=inserted).
    type: str
  state:
    description:
      - V(inserted) - the device holds O(image_url), connected. V(ejected) - the device holds nothing.
    type: str
    choices: [inserted, ejected]
    default: inserted
  write_protected:
    description:
      - Insert the image read-only (V(true), iLO's default) or writable. Only compared when given; a change ejects and
        inserts again (iLO refuses to change it while an image is inserted).
    type: bool
  boot_on_next_reset:
    description:
      - HPE OEM C(BootOnNextServerReset) of the device (the CD/DVD device has it) - the server boots once from this image
        at its next reset, then iLO clears the flag. Only managed when given.
      - For a one-time boot through the standard override instead, use M(lightsout.ilo.ilo_boot) with C(target=Cd).
    type: bool
  wait_timeout:
    description:
      - Seconds to wait for the iLO to show the image connected (or ejected) after the change.
    type: int
    default: 60
  manager_id:
    description:
      - The C(Id) of the manager, for services with several. Optional when there is one.
    type: str
  system_id:
    description:
      - Accepted and ignored (the devices belong to the manager); the option exists so that one C(module_defaults) block
        for C(group/lightsout.ilo.ilo) can name the system for every module of the group.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode reads the device, validates and predicts the steps and the state after them; it sends no POST or PATCH.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - Before and after - C(inserted), C(image), C(write_protected), C(boot_on_next_reset).
notes:
  - iLO 4 shapes (no actions, C(Oem.Hp), a PATCH of C(Image)) follow HPE's iLO 4 documentation and the captured iLO 4
    bodies in proliantutils; iLO 5, 6 and 7 shapes follow real captures.
  - Scripted virtual media needs an iLO Advanced license (or higher); without one iLO answers C(LicenseKeyRequired), which the
    task reports.
seealso:
  - module: lightsout.ilo.ilo_boot
    description: One-time or persistent boot (C(target=Cd) boots from the inserted image).
  - module: lightsout.ilo.ilo_facts
'''

EXAMPLES = r'''
- name: Mount the installer ISO on the virtual CD and boot from it once at the next reset
  lightsout.ilo.ilo_virtual_media:
    hostname: "{{ ansible_host }}"
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    media: cd
    image_url: http://repo.example.com/iso/rhel-9.4-x86_64-boot.iso
    boot_on_next_reset: true
  delegate_to: localhost

- name: Eject whatever is on the virtual CD
  lightsout.ilo.ilo_virtual_media:
    hostname: "{{ ansible_host }}"
    media: cd
    state: ejected
  delegate_to: localhost
'''

RETURN = r'''
device:
  description: The device managed - its C(id), C(uri), C(media_types) and how it inserts (C(method) - V(actions), V(oem_actions) or V(patch)).
  returned: success
  type: dict
  sample: {id: '2', uri: /redfish/v1/Managers/1/VirtualMedia/2, media_types: [CD, DVD], method: actions}
before:
  description: The device before the task - C(inserted), C(image), C(connected), C(connected_via), C(write_protected), C(boot_on_next_reset).
  returned: success
  type: dict
  sample: {inserted: false, image: null, connected: false, connected_via: NotConnected, write_protected: true, boot_on_next_reset: false}
after:
  description: The device after the task as read back from the iLO (in check mode, as predicted).
  returned: success
  type: dict
  sample: {inserted: true, image: http://repo.example.com/iso/boot.iso, connected: true, connected_via: URI, write_protected: true,
           boot_on_next_reset: true}
steps:
  description: What was done (or would be, in check mode), in order - V(eject), V(insert), V(boot_on_next_reset).
  returned: success
  type: list
  elements: str
  sample: [eject, insert, boot_on_next_reset]
messages:
  description: The messages iLO answered to the writes.
  returned: success
  type: list
  elements: dict
validation_errors:
  description: Every problem found in the options (the task fails and writes nothing).
  returned: failure of validation
  type: list
  elements: str
'''

from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError, IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule
from ansible_collections.lightsout.ilo.plugins.module_utils.virtual_media import VirtualMedia, media_link, pick_device

DIFF_KEYS = ('inserted', 'image', 'write_protected', 'boot_on_next_reset')


class IloVirtualMediaModule(IloModule):
    argument_spec = dict(
        media=dict(type='str', default='cd'),
        image_url=dict(type='str'),
        state=dict(type='str', choices=['inserted', 'ejected'], default='inserted'),
        write_protected=dict(type='bool'),
        boot_on_next_reset=dict(type='bool'),
        wait_timeout=dict(type='int', default=60),
        manager_id=dict(type='str'),
        system_id=dict(type='str'),  # accepted for module_defaults of the action group, not used
    )

    def run(self):
        p = self.params
        if p['wait_timeout'] <= 0:
            raise IloValidationError('wait_timeout must be a positive number of seconds, not %s.' % p['wait_timeout'])
        device = self._device()
        errors = device.problems(p['state'], p['image_url'], p['write_protected'], p['boot_on_next_reset'])
        if errors:
            self.result['validation_errors'] = errors
            raise IloValidationError('%d problem%s with the options, nothing was written: %s' % (
                len(errors), '' if len(errors) == 1 else 's', ' '.join(errors)))
        wanted = (p['state'], p['image_url'], p['write_protected'], p['boot_on_next_reset'])
        steps = device.plan(*wanted)
        before = device.state
        self.result.update(device={'id': device.id, 'uri': device.uri, 'media_types': device.media_types, 'method': device.method},
                           before=before, steps=steps, messages=[], changed=bool(steps))
        if self.check_mode or not steps:
            after = device.predicted(steps, p['image_url'], p['write_protected'], p['boot_on_next_reset'])
            if not steps and p['state'] == 'inserted' and not before['connected'] and not self.check_mode:
                after = self._wait(device, True)  # the same image, still connecting: wait for it like after an insert
        else:
            after = self._apply(device, steps)
        self.result['after'] = after
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = {'before': dict((k, before[k]) for k in DIFF_KEYS), 'after': dict((k, after[k]) for k in DIFF_KEYS)}

    def _device(self):
        manager_uri = self.service.select(self.service.managers(), self.params['manager_id'], 'manager')
        collection = media_link(self.client.get(manager_uri).json)
        if not collection:
            raise IloDiscoveryError('The manager %s links no VirtualMedia collection; this iLO offers no virtual media.' % manager_uri)
        uris = self.service.members(collection)
        devices = [(uri, self.client.get(uri, fresh=True).json or {}) for uri in uris]
        uri, body = pick_device(devices, self.params['media'])
        return VirtualMedia(self.client, uri, body)

    def _apply(self, device, steps):
        p = self.params
        messages = self.result['messages']
        flag_sent = False
        if 'eject' in steps:
            messages.extend(device.eject())
            if 'insert' not in steps:
                return self._wait(device, False)
            self._wait(device, False)
        if 'insert' in steps:
            sent, flag_sent = device.insert(p['image_url'], p['write_protected'], p['boot_on_next_reset'])
            messages.extend(sent)
            self._wait(device, True)
        if 'boot_on_next_reset' in steps and not flag_sent:
            messages.extend(device.set_boot(p['boot_on_next_reset']))
            device.reload()
            if device.state['boot_on_next_reset'] != p['boot_on_next_reset']:
                raise IloError('The iLO accepted BootOnNextServerReset=%s for %s but shows %s.' % (
                    p['boot_on_next_reset'], device.uri, device.state['boot_on_next_reset']), uri=device.uri)
        return device.state

    def _wait(self, device, inserted):
        p = self.params
        reached, state = device.wait_for(inserted, p['image_url'], p['wait_timeout'])
        if reached:
            return state
        self.result['after'] = state
        if inserted:
            shown = 'it shows no image' if not state['image'] else 'it shows %s, Inserted %s, ConnectedVia %s' % (
                state['image'], str(state['connected']).lower(), state['connected_via'])
            when = 'and then dropped it' if not state['image'] else 'within %d s' % p['wait_timeout']
            raise IloError('The iLO accepted the image %s for virtual media device %s but did not connect it %s (%s): '
                           'the iLO cannot reach or read the URL. Check that the URL is served and reachable from the iLO\'s own '
                           'network (not only from the controller), and that the file is an ISO/IMG image.' % (
                               p['image_url'], device.id, when, shown), uri=device.uri)
        raise IloError('The iLO did not eject the image %s from virtual media device %s within %d s.' % (
            state['image'], device.id, p['wait_timeout']), uri=device.uri)


def main():
    IloVirtualMediaModule().main()


if __name__ == '__main__':
    main()
