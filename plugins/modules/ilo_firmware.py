#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_firmware
short_description: Firmware updates on HPE iLO 5/6/7 that compare versions before anything is sent
version_added: 0.1.0
description:
  - Applies one firmware package (a C(.fwpkg), or an iLO image such as C(.bin)/C(.hpb)) to the server or the iLO, only when the
    installed version differs.
  - Before anything is sent, the package's own metadata is read (a C(.fwpkg) is a zip whose C(payload.json) names the version,
    the device C(Target) GUIDs and C(UpdatableBy)) and matched to the iLO's C(UpdateService) C(FirmwareInventory)
    (C(Oem.Hpe.Targets), C(Version)). When every matched item already has the version, nothing is uploaded and the task
    reports no change. An older package is refused unless O(allow_downgrade); a downgrade is never sent when the iLO's
    C(DowngradePolicy) is C(NoDowngrade).
  - "Three kinds of packages: iLO-flashable (C(UpdatableBy) Bmc with C(DirectFlashOK)): the iLO applies it at once; when it
    is the iLO's own firmware the iLO then resets itself: the task waits for it, logs in again and verifies the new version.
    UEFI-applied (C(UpdatableBy) Uefi): put into the iLO Repository and queued in the C(UpdateTaskQueue); it is applied at
    the next server boot and reported as RV(pending_reboot). Packages only SUM can apply (C(UpdatableBy) RuntimeAgent only)
    are refused with a clear message."
  - O(image_url) is pulled by the iLO (C(UpdateService.SimpleUpdate), or the OEM C(AddFromUri) into the iLO Repository for
    UEFI packages and O(stage_only)). O(image_path) is pushed from the controller to C(HttpPushUri) with iLO's multipart
    form (session key, JSON parameters, optional signature file), streamed from disk with a timeout sized to the file.
  - The update state (C(Oem.Hpe.State)) is polled until done, with a deadline; iLO's reason for a failure (file not
    reachable, signature invalid, flash failed) is reported as one sentence.
  - A package already queued in the C(UpdateTaskQueue) is not queued again (no change, still RV(pending_reboot)); a file
    the iLO Repository already holds is reused instead of uploaded again.
  - iLO 4 supports only reading the inventory and flashing the iLO's own firmware from O(image_url)
    (C(Managers/1/UpdateService) C(InstallFromURI)).
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  image_url:
    description:
      - An http(s) URL of the package that the iLO downloads itself. The iLO must reach it.
      - Give O(image_path) too (a local copy of the same file) so that the package's metadata can be read; the local copy is
        then only read for its C(payload.json), never uploaded. Without it, give O(version) (and O(components) unless it is
        iLO firmware).
    type: str
  image_path:
    description:
      - A package on the controller. Without O(image_url), it is pushed to the iLO (C(HttpPushUri)), streamed from disk.
      - A C(.fwpkg) carries its own metadata; for other images (C(.bin), C(.hpb)), give O(version).
      - Needs a Redfish session (O(auth=session)), as iLO's upload form carries the session key.
    type: path
  signature_path:
    description:
      - A component signature file (C(.compsig)) uploaded with O(image_path).
    type: path
  version:
    description:
      - The version the image holds, for images whose metadata cannot be read (O(image_url) without O(image_path), or an
        image that is not a C(.fwpkg)). Ignored for a C(.fwpkg) read from O(image_path).
    type: str
  components:
    description:
      - Limits the update to these firmware inventory items (by C(Id), C(Name) or C(DeviceContext) location, any case).
      - For an image without metadata, names the items it updates; the default is the iLO itself.
    type: list
    elements: str
  allow_downgrade:
    description:
      - Apply a package older than what is installed (or whose version cannot be compared). Still refused when the iLO's
        C(Oem.Hpe.DowngradePolicy) is C(NoDowngrade).
    type: bool
    default: false
  stage_only:
    description:
      - Put the package into the iLO Repository without applying it now (C(UpdateTarget) false). UEFI packages are always
        staged and queued, whatever this option.
    type: bool
    default: false
  wait:
    description:
      - Wait until the iLO finished the update (and, after its own firmware, its reset), then verify the version.
      - With V(false), the task returns once the iLO accepted the package.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the update, and again for the iLO's reset after an iLO firmware flash.
    type: int
    default: 1200
  if_not_applicable:
    description:
      - What to do when no item of the firmware inventory matches the package (a package for another model or component).
      - V(fail) fails before anything is sent. V(skip) returns without a change, RV(action=not_applicable) and the reason in
        C(msg), for a list of packages across a fleet of mixed models (the role C(lightsout.ilo.firmware_baseline) does).
    type: str
    choices: [fail, skip]
    default: fail
  system_id:
    description:
      - Accepted and ignored, so that one C(module_defaults) block for C(group/lightsout.ilo.ilo) can name the system for every
        module of the group.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode reads the package metadata and the inventory and returns the plan (RV(components), from and to,
        RV(ilo_reset), RV(pending_reboot)); it sends nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - Before and after version per inventory item the package targets.
notes:
  - The simulator and the tests build small synthetic C(.fwpkg) files; the C(payload.json) fields used are those of HPE's
    packages (C(Version), C(Devices.Device[].Target), C(UpdatableBy), C(FirmwareImages[].DirectFlashOK), C(UefiFlashable),
    C(ResetRequired)).
  - iLO 4 shapes (C(InstallFromURI), C(FirmwareInventory.Current)) follow HPE's iLO 4 documentation.
seealso:
  - module: lightsout.ilo.ilo_facts
    description: C(gather_subset=firmware) reports the same inventory.
  - module: lightsout.ilo.ilo_power
    description: Restart the server to apply RV(pending_reboot) packages.
'''

EXAMPLES = r'''
- name: Bring the iLO firmware to 3.12 (nothing is sent where it is already 3.12)
  lightsout.ilo.ilo_firmware:
    hostname: "{{ ansible_host }}"
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    image_path: files/ilo5_312.fwpkg
  delegate_to: localhost

- name: Let each iLO pull the System ROM from the repository server; the local copy is read for its metadata only
  lightsout.ilo.ilo_firmware:
    hostname: "{{ ansible_host }}"
    image_url: https://repo.example.com/fw/U46_2.36_05_07_2025.fwpkg
    image_path: files/U46_2.36_05_07_2025.fwpkg
  register: rom

- name: Restart only where a UEFI package waits
  lightsout.ilo.ilo_power:
    hostname: "{{ ansible_host }}"
    state: restarted
  when: rom.pending_reboot

- name: What would change (check mode plans and sends nothing)
  lightsout.ilo.ilo_firmware:
    hostname: "{{ ansible_host }}"
    image_path: files/ilo5_312.fwpkg
  check_mode: true
  register: plan
'''

RETURN = r'''
package:
  description: What the package says of itself (C(name), C(version), C(targets), C(updatable_by), C(kind) V(direct), V(uefi) or V(sum)).
  returned: always
  type: dict
components:
  description: Per firmware inventory item the package targets, C(id), C(name), C(location), C(from), C(to) and C(action)
    (V(none), V(update), V(downgrade), V(staged)).
  returned: success
  type: list
  elements: dict
  sample: [{id: "1", name: iLO 5, location: System Board, from: "3.11 Feb 25 2025", to: "3.12", action: update}]
action:
  description: V(none) (already at the version or already queued), V(update), V(downgrade), or V(not_applicable) (with
    O(if_not_applicable=skip)).
  returned: success
  type: str
ilo_reset:
  description: The iLO resets itself after this update (it flashes its own firmware); in check mode, whether it would.
  returned: success
  type: bool
pending_reboot:
  description: The package waits in the update task queue for the next server boot (UEFI-applied, or a direct package that
    needs a reset to activate).
  returned: success
  type: bool
uploaded_bytes:
  description: Bytes of the multipart form sent to C(HttpPushUri) (0 when nothing was uploaded).
  returned: success
  type: int
staged:
  description: The package is (or, in check mode, would be) in the iLO Repository or the task queue rather than applied now
    (UEFI packages, O(stage_only)).
  returned: success
  type: bool
reused:
  description: The iLO Repository already held the file; it was not sent again, only queued.
  returned: when the repository copy was used
  type: bool
state:
  description: The update service's last C(Oem.Hpe.State) (V(Complete) after a finished update).
  returned: when something was sent
  type: str
reset:
  description: What was seen of the iLO's own reset (C(went_down), C(logged_in_again), C(elapsed)).
  returned: after an iLO firmware flash
  type: dict
task:
  description: The C(UpdateTaskQueue) item that applies the package at the next boot.
  returned: when a package was queued
  type: dict
validation_errors:
  description: Every reason the package was refused (the task fails and sends nothing).
  returned: failure of validation
  type: list
  elements: str
'''

import json
import os
import uuid

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.firmware import (
    BUSY_STATES,
    UNREACHABLE,
    Inventory,
    MultipartFile,
    Package,
    UpdateWait,
    compare_versions,
    plan,
    read_package,
    upload_deadline,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule


class IloFirmwareModule(IloModule):
    argument_spec = dict(
        image_url=dict(type='str'),
        image_path=dict(type='path'),
        signature_path=dict(type='path'),
        version=dict(type='str'),
        components=dict(type='list', elements='str'),
        allow_downgrade=dict(type='bool', default=False),
        stage_only=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1200),
        if_not_applicable=dict(type='str', choices=['fail', 'skip'], default='fail'),
        system_id=dict(type='str'),
    )
    module_kwargs = dict(required_one_of=[('image_url', 'image_path')])

    def run(self):
        p = self.params
        package = self._package()
        self.result.update(package=package.to_dict(), components=[], action='none', ilo_reset=False, pending_reboot=False,
                           uploaded_bytes=0)
        inventory = Inventory(self.service).read()
        if inventory.generation == 4 and (not p['image_url'] or p['stage_only']):
            self.result['validation_errors'] = ['iLO 4 only flashes its own firmware from image_url (InstallFromURI): it has no '
                                                'HttpPushUri for image_path and no iLO Repository for stage_only.']
            raise IloValidationError(self.result['validation_errors'][0])
        found = plan(package, inventory, p['components'], p['allow_downgrade'])
        self.result['components'] = found.to_dict()
        if found.not_applicable and p['if_not_applicable'] == 'skip':
            self.result['action'] = 'not_applicable'
            self.result['msg'] = found.errors[0]
            return
        if found.errors:
            self.result['validation_errors'] = found.errors
            raise IloValidationError(' '.join(found.errors) + ('' if len(found.errors) == 1 else ' Nothing was sent.'))
        stage = package.kind == 'uefi' or p['stage_only']
        held = stage and found.action != 'none' and self._held(inventory, package)
        if stage and found.action != 'none':
            queued = self._queued(inventory, package) if package.kind == 'uefi' else None
            if queued is not None or (held and package.kind != 'uefi'):
                for item in found.items:  # already where this task would put it: in the queue, or in the repository
                    item['action'] = 'staged' if item['action'] != 'none' else 'none'
                self.result.update(components=found.to_dict(), staged=True, pending_reboot=package.kind == 'uefi')
                if queued is not None:
                    self.result['task'] = queued
                return
        self.result.update(action=found.action, ilo_reset=found.ilo_reset and not p['stage_only'],
                           pending_reboot=found.pending_reboot, staged=stage and found.action != 'none')
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = {'before': dict((i['name'] + ' (%s)' % i['id'], i['from']) for i in found.items),
                                   'after': dict((i['name'] + ' (%s)' % i['id'], i['to']) for i in found.items)}
        if found.action == 'none':
            return
        self.result['changed'] = True
        if self.check_mode:
            return
        if inventory.state in BUSY_STATES:
            raise IloError('The iLO is busy with another firmware update (UpdateService state %s); nothing was sent. Retry when '
                           'it is done.' % inventory.state, uri=inventory.uri)
        waiter = UpdateWait(inventory)
        manager_uri = self.service.managers()[0] if found.ilo_reset and not stage else None  # read while the iLO answers
        if held:
            self.result['reused'] = True  # the iLO Repository holds the file: only the task is added
        else:
            prior = inventory.state
            self._send(inventory, stage)
            if not p['wait']:
                return
            self.result['state'] = waiter.until_done(p['wait_timeout'], expect_reset=found.ilo_reset and not stage, prior=prior)
        if stage:
            if package.kind == 'uefi':
                self.result['task'] = self._queue(inventory, package)
            return
        if found.ilo_reset:
            self.result['reset'] = waiter.ilo_reset(manager_uri, p['wait_timeout'],
                                                    down=self.result.get('state') == UNREACHABLE)
        if package.reset_required:
            return  # flashed, active after the server's next reset (pending_reboot): the inventory shows it then
        self._verify(package, found)

    # ------------------------------------------------------------------ inputs
    def _package(self):
        p = self.params
        errors = []
        if p['wait_timeout'] <= 0:
            errors.append('wait_timeout must be a positive number of seconds, not %s.' % p['wait_timeout'])
        if p['image_url']:
            parts = urlsplit(p['image_url'])
            if parts.scheme not in ('http', 'https') or not parts.netloc:
                errors.append('image_url must be an http:// or https:// URL the iLO can reach, not %r.' % p['image_url'])
            if p['signature_path']:
                errors.append('signature_path goes with an uploaded image_path; with image_url the iLO fetches the package itself.')
        elif p['auth'] == 'basic' and not p['session']:
            errors.append('image_path is uploaded with iLO\'s form, which carries a session key: use auth: session (the default).')
        if p['signature_path'] and not os.path.isfile(p['signature_path']):
            errors.append('signature_path %s does not exist or is not a file.' % p['signature_path'])
        if errors:
            self.result['validation_errors'] = errors
            raise IloValidationError(' '.join(errors))
        if p['image_path']:
            return read_package(p['image_path'], p['version'])
        name = os.path.basename(urlsplit(p['image_url']).path) or p['image_url']
        if not p['version']:
            raise IloValidationError('With image_url alone the package cannot be read before it is sent: give image_path (a local '
                                     'copy, read only for its metadata) or version.')
        return Package(name, p['version'], metadata=False)

    # ------------------------------------------------------------------ queue
    @staticmethod
    def _queued(inventory, package):
        """The pending UpdateTaskQueue item that already applies ``package`` at the next boot, or None."""
        for task in inventory.tasks():
            if task.get('Filename') == package.name and task.get('State') in ('Pending', 'Waiting', None):
                return dict((k, task.get(k)) for k in ('@odata.id', 'Name', 'Filename', 'State', 'UpdatableBy'))
        return None

    @staticmethod
    def _held(inventory, package):
        """True when the iLO Repository already holds this file at this version (it is reused, not uploaded)."""
        for component in inventory.repository():
            if component.get('Filename') == package.name and (
                    not component.get('Version') or compare_versions(component['Version'], package.version) == 0):
                return True
        return False

    def _queue(self, inventory, package):
        uri = inventory.oem.get('UpdateTaskQueue', {}).get('@odata.id')
        if not uri:
            raise IloError('The UpdateService %s has no UpdateTaskQueue: the UEFI package %s is in the iLO Repository but cannot '
                           'be queued for the next boot.' % (inventory.uri, package.name), uri=inventory.uri)
        body = {'Name': 'Update-%s' % package.name, 'Command': 'ApplyUpdate', 'Filename': package.name,
                'UpdatableBy': ['Uefi'], 'TPMOverride': True}
        response = self.client.post(uri, body)
        task = response.json if isinstance(response.json, dict) and response.json.get('Filename') else dict(body)
        return dict((k, task.get(k)) for k in ('@odata.id', 'Name', 'Filename', 'State', 'UpdatableBy') if k in task)

    # ------------------------------------------------------------------ send
    def _send(self, inventory, stage):
        if self.params['image_url']:
            return self._pull(inventory, stage)
        return self._push(inventory, stage)

    def _pull(self, inventory, stage):
        url = self.params['image_url']
        if inventory.generation == 4:
            target = inventory.action('InstallFromURI')
            body = {'FirmwareURI': url}
        elif stage:
            target = inventory.action('AddFromUri')
            body = {'ImageURI': url, 'UpdateRepository': True, 'UpdateTarget': False}
        else:
            target = inventory.action('SimpleUpdate')
            body = {'ImageURI': url}
        if not target:
            raise IloError('The UpdateService %s does not advertise the action this update needs (%s).' % (
                inventory.uri, 'AddFromUri' if stage else 'SimpleUpdate'), uri=inventory.uri)
        self.result['messages'] = self.client.post(target, body).messages

    def _push(self, inventory, stage):
        push = inventory.body.get('HttpPushUri')
        if not push:
            raise IloError('The UpdateService %s advertises no HttpPushUri: give image_url instead.' % inventory.uri, uri=inventory.uri)
        token = self.client.token
        parameters = {'UpdateRepository': True, 'UpdateTarget': not stage, 'ETag': 'lightsout-%s' % uuid.uuid4().hex[:12],
                      'Section': 0}
        files = []
        if self.params['signature_path']:
            files.append(('compsig', self.params['signature_path']))
        files.append(('file', self.params['image_path']))
        form = MultipartFile([('sessionKey', token, None), ('parameters', json.dumps(parameters), 'application/json')], files)
        retries, self.client.retries = self.client.retries, 0  # a half-sent form is never sent again on its own
        try:
            response = self.client.request('POST', push, data=form, deadline=upload_deadline(len(form)),
                                           headers={'Content-Type': form.content_type, 'Cookie': 'sessionKey=%s' % token})
        except IloError as exc:
            name = os.path.basename(self.params['image_path'])
            if form.sent < len(form):
                note = ('The upload of %s stopped after %d of %d bytes; the iLO discards an incomplete upload, nothing was '
                        'applied.' % (name, form.sent, len(form)))
            else:
                note = ('All %d bytes of %s were sent but the iLO did not confirm the upload; look at its update state and '
                        'repository before trying again.' % (len(form), name))
            exc.message = '%s %s' % (exc.message.rstrip('.') + '.', note)
            exc.args = (exc.message,)
            raise
        finally:
            self.client.retries = retries
            self.result['uploaded_bytes'] = form.sent
        self.result['messages'] = response.messages

    # ------------------------------------------------------------------ verify
    def _verify(self, package, found):
        after = Inventory(self.service).read()
        wrong = []
        for item in found.items:
            now = next((i for i in after.items if i.id == item['id']), None)
            version = now.version if now is not None else None
            item_after = dict(item, now=version)
            if compare_versions(version, item['to']) != 0:
                wrong.append(item_after)
        self.result['components'] = [dict(i, now=next((a.version for a in after.items if a.id == i['id']), None))
                                     for i in self.result['components']]
        if wrong:
            raise IloError('The iLO finished the update but %s.' % '; '.join(
                '%s (%s) shows %s, not %s' % (w['name'], w['id'], w['now'], w['to']) for w in wrong), uri=after.uri)


def main():
    IloFirmwareModule().main()


if __name__ == '__main__':
    main()
