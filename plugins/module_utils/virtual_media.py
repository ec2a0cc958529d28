# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual media devices of a manager (``ilo_virtual_media``).

iLO has two devices, by media type, not by name: ``1`` (``MediaTypes`` Floppy/USBStick) and ``2``
(CD/DVD). :func:`pick_device` finds one by ``media`` (``cd``, ``floppy``, ``usb``) or by its id.

How an image is inserted and ejected is chosen by what the device advertises, in this order:

- ``actions``: the DMTF ``#VirtualMedia.InsertMedia``/``#VirtualMedia.EjectMedia`` actions (iLO 5, 6, 7);
- ``oem_actions``: HPE's ``Oem.Hpe.Actions`` ``#HpeiLOVirtualMedia.InsertVirtualMedia``/``EjectVirtualMedia``
  (the same, on early iLO 5 firmware without the DMTF ones);
- ``patch``: a PATCH of ``Image`` (a URL inserts, null ejects), iLO 4's way.

``BootOnNextServerReset`` (boot once from this device at the next server reset, an HPE OEM property of the
CD device) is always a PATCH of ``Oem.Hpe|Hp.BootOnNextServerReset``; iLO clears it when the image is ejected
and after that reset.

iLO answers an insert before it connects the image and reports a URL it cannot reach only by not connecting
it: :meth:`VirtualMedia.wait_for` polls until the device shows the wanted state. No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, hpe_oem, last_segment, link_of, oem_key
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError
from ansible_collections.lightsout.ilo.plugins.module_utils.state import Poller, unique_messages

#: ``media`` option -> the ``MediaTypes`` that name such a device.
MEDIA = {'cd': ('CD', 'DVD'), 'dvd': ('CD', 'DVD'), 'floppy': ('Floppy',), 'usb': ('USBStick',)}
SCHEMES = ('http://', 'https://')


def media_link(manager_body):
    """The manager's ``VirtualMedia`` collection (iLO 4: also ``links.VirtualMedia``), or None."""
    return link_of((manager_body or {}).get('VirtualMedia')) or link_of(dig(manager_body or {}, 'links.VirtualMedia'))


def state_of(body):
    """The device's state in the module's vocabulary (the ``ilo_virtual_media`` before/after)."""
    body = body or {}
    oem = hpe_oem(body)
    image = body.get('Image') or None
    return {
        'inserted': bool(image) or body.get('Inserted') is True,
        'image': image,
        'connected': body.get('Inserted') is True and body.get('ConnectedVia') not in (None, 'NotConnected'),
        'connected_via': body.get('ConnectedVia'),
        'write_protected': body.get('WriteProtected'),
        'boot_on_next_reset': oem.get('BootOnNextServerReset'),
    }


def pick_device(devices, media):
    """``(uri, body)`` of the device ``media`` names (a kind or a device id); raises with the choices otherwise."""
    wanted = str(media).strip()
    kinds = MEDIA.get(wanted.lower())
    for uri, body in devices:
        if kinds is not None and set(kinds) & set(body.get('MediaTypes') or []):
            return uri, body
        if kinds is None and (str(body.get('Id') or '') == wanted or last_segment(uri) == wanted.lower()):
            return uri, body
    choices = ['%s (%s)' % (body.get('Id') or last_segment(uri), '/'.join(body.get('MediaTypes') or []) or 'no media types')
               for uri, body in devices]
    raise IloDiscoveryError('No virtual media device for media %r; this iLO has: %s (media: cd, floppy, usb or a device id).' % (
        media, ', '.join(choices) or 'none'))


class VirtualMedia:
    """One virtual media device: its state, how it inserts and ejects, and the wait for the result."""

    def __init__(self, client, uri, body):
        self.client = client
        self.uri = uri
        self.body = body or {}

    @property
    def oem(self):
        return oem_key(self.body) or 'Hpe'

    @property
    def id(self):
        return self.body.get('Id') or last_segment(self.uri)

    @property
    def media_types(self):
        return list(self.body.get('MediaTypes') or [])

    @property
    def state(self):
        return state_of(self.body)

    def _action(self, which):
        """The advertised target of ``which`` ('Insert' or 'Eject'): (target, how) or (None, 'patch')."""
        spec = (self.body.get('Actions') or {}).get('#VirtualMedia.%sMedia' % which)
        if isinstance(spec, dict) and spec.get('target'):
            return spec['target'], 'actions'
        for name, spec in (hpe_oem(self.body).get('Actions') or {}).items():
            if name.endswith('.%sVirtualMedia' % which) and isinstance(spec, dict) and spec.get('target'):
                return spec['target'], 'oem_actions'
        return None, 'patch'

    @property
    def method(self):
        """How this device inserts: ``actions``, ``oem_actions`` or ``patch``."""
        return self._action('Insert')[1]

    @property
    def has_boot_flag(self):
        return 'BootOnNextServerReset' in hpe_oem(self.body)

    def reload(self):
        self.body = self.client.get(self.uri, fresh=True).json or {}
        return self

    def problems(self, state, image_url, write_protected, boot_on_next_reset):
        """Every problem with the wanted state, before anything is written."""
        errors = []
        if state == 'inserted':
            if not image_url:
                errors.append('image_url is required with state: inserted.')
            elif not str(image_url).lower().startswith(SCHEMES) or len(str(image_url).split('://', 1)[1].strip('/')) == 0:
                errors.append('image_url %r is not an http:// or https:// URL; iLO mounts images over HTTP(S) only.' % image_url)
            elif any(c.isspace() for c in str(image_url)):
                errors.append('image_url %r contains white space; encode it (%%20).' % image_url)
        else:
            if image_url:
                errors.append('image_url is only for state: inserted (state: ejected ejects whatever is inserted).')
            if boot_on_next_reset:
                errors.append('boot_on_next_reset: true needs an image: iLO clears it when the image is ejected.')
            if write_protected is not None:
                errors.append('write_protected is only for state: inserted.')
        if boot_on_next_reset is not None and not self.has_boot_flag:
            errors.append('boot_on_next_reset: device %s (%s) has no Oem.%s.BootOnNextServerReset; on iLO it is the CD/DVD '
                          'device (media: cd).' % (self.id, '/'.join(self.media_types), self.oem))
        return errors

    def plan(self, state, image_url, write_protected, boot_on_next_reset):
        """The steps (``eject``, ``insert``, ``boot_on_next_reset``) that reach the wanted state, in order."""
        now = self.state
        steps = []
        if state == 'ejected':
            if now['inserted']:
                steps.append('eject')
            return steps
        same = now['inserted'] and now['image'] == image_url
        protect_ok = write_protected is None or now['write_protected'] == write_protected
        if now['inserted'] and not (same and protect_ok):
            steps.append('eject')  # a different image (or protection) is ejected first: iLO refuses a second insert
        if not (same and protect_ok):
            steps.append('insert')
        flag = now['boot_on_next_reset'] if 'insert' not in steps else False
        if boot_on_next_reset is not None and bool(flag) != boot_on_next_reset:
            steps.append('boot_on_next_reset')
        return steps

    def predicted(self, steps, image_url, write_protected, boot_on_next_reset):
        """The state after ``steps`` (check mode, and the wanted state to verify)."""
        after = dict(self.state)
        if 'eject' in steps:
            after.update(inserted=False, image=None, connected=False, connected_via='NotConnected')
            if after['boot_on_next_reset'] is not None:
                after['boot_on_next_reset'] = False
        if 'insert' in steps:
            after.update(inserted=True, image=image_url, connected=True, connected_via='URI')
            after['write_protected'] = True if write_protected is None else write_protected
        if 'boot_on_next_reset' in steps:
            after['boot_on_next_reset'] = boot_on_next_reset
        return after

    # ------------------------------------------------------------------ writes
    def eject(self):
        target, how = self._action('Eject')
        if how == 'patch':
            return unique_messages(self.client.patch(self.uri, {'Image': None}).messages)
        return unique_messages(self.client.post(target, {}).messages)

    def insert(self, image_url, write_protected, boot_on_next_reset=None):
        """Insert; on iLO 4 the boot flag goes in the same PATCH (returns (messages, flag_sent))."""
        target, how = self._action('Insert')
        if how == 'patch':
            body = {'Image': image_url}
            if write_protected is not None:
                body['WriteProtected'] = write_protected
            if boot_on_next_reset:
                body['Oem'] = {self.oem: {'BootOnNextServerReset': True}}
            return unique_messages(self.client.patch(self.uri, body).messages), bool(boot_on_next_reset)
        body = {'Image': image_url, 'Inserted': True, 'WriteProtected': True if write_protected is None else write_protected}
        return unique_messages(self.client.post(target, body).messages), False

    def set_boot(self, value):
        return unique_messages(self.client.patch(self.uri, {'Oem': {self.oem: {'BootOnNextServerReset': value}}}).messages)

    def wait_for(self, inserted, image_url, timeout, poller=None):
        """Poll until the device shows ``inserted`` (and ``image_url`` connected). Returns (reached, state);
        ``reached`` is False also when the iLO dropped the image (an unreachable URL) before the deadline."""
        poller = poller or Poller(initial=0.2, maximum=2.0)

        def done(state):
            if not inserted:
                return not state['inserted']
            # connected, or the iLO gave the image up (it shows another image or none): no reason to wait longer
            return (state['connected'] and state['image'] == image_url) or state['image'] != image_url

        def probe():
            return self.reload().state

        reached, state = poller.wait(probe, done, poller.deadline(timeout))
        if inserted and state['image'] != image_url:
            reached = False
        return reached, state
