# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Boot of one system: the one-time/continuous override (``ilo_boot``) and the boot options it names.

- :class:`BootOverride` -- the ``Boot`` object of a ComputerSystem on the desired-state layer
  (:class:`~state.SettingsResource`, PATCHed to the system itself, applies at once): the module's names
  ``target`` (``BootSourceOverrideTarget``), ``enabled`` (``BootSourceOverrideEnabled``, lower case
  ``once``/``continuous``/``disabled`` as ``ilo_facts`` shows it), ``mode`` (``BootSourceOverrideMode``),
  ``uefi_target`` (``UefiTargetBootSourceOverride``, a UEFI device path) and ``http_boot_uri``
  (``HttpBootUri``). :meth:`BootOverride.desired` validates what is given against what the system
  advertises (``@Redfish.AllowableValues``; iLO 4 ``BootSourceOverrideSupported``) and the boot options.
- :class:`BootOrder` -- the persistent boot order, pending-aware like BIOS: HPE's ``bios/oem/hpe/boot`` object
  (iLO 4 ``bios/Boot``) and its settings object, ``PersistentBootConfigOrder`` applied at the next POST, where the
  Bios links one; the standard ``Boot.BootOrder`` of the system elsewhere. :func:`resolve_order` turns names,
  references and patterns into the full order (the named ones first, the rest after them in their order).
- :func:`find_option` -- a boot option by reference (``Boot000E``), display name, or a pattern
  (``*PXE*IPv4*``), as :func:`option_view` shows it (the ``ilo_facts`` boot subset's ``options``).

No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, link_of, oem_key
from ansible_collections.lightsout.ilo.plugins.module_utils.state import SettingsResource

#: The module's names -> the ``Boot`` properties.
FIELDS = (('target', 'BootSourceOverrideTarget'), ('enabled', 'BootSourceOverrideEnabled'), ('mode', 'BootSourceOverrideMode'),
          ('uefi_target', 'UefiTargetBootSourceOverride'), ('http_boot_uri', 'HttpBootUri'))
#: DMTF's BootSourceOverrideTarget values, for a service that lists none.
DMTF_TARGETS = ('None', 'Pxe', 'Floppy', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'Utilities', 'Diags', 'UefiShell', 'UefiTarget',
                'SDCard', 'UefiHttp', 'RemoteDrive', 'UefiBootNext', 'Recovery')
ENABLED = {'once': 'Once', 'continuous': 'Continuous', 'disabled': 'Disabled'}
MODES = ('UEFI', 'Legacy')


def option_view(body):
    """A boot option as ``ilo_facts`` and ``ilo_boot`` show it: reference, name, enabled, device path."""
    body = body or {}
    return {'reference': body.get('BootOptionReference'), 'name': body.get('DisplayName') or body.get('Name'),
            'enabled': body.get('BootOptionEnabled'), 'uefi_device_path': body.get('UefiDevicePath'),
            'uri': link_of(body)}


def find_option(options, wanted):
    """The options ``wanted`` names: its reference, its display name (exact, else in any case), else a ``*`` pattern
    of names (any case)."""
    text = str(wanted)
    found = [o for o in options if str(o.get('reference') or '').lower() == text.lower()]
    found = found or [o for o in options if o.get('name') == text]
    found = found or [o for o in options if str(o.get('name') or '').lower() == text.lower()]
    if not found and any(c in text for c in '*?['):
        found = [o for o in options if o.get('name') and fnmatch.fnmatchcase(o['name'].lower(), text.lower())]
    return found


def _choices(options):
    return '; '.join('%s (%s)' % (o['reference'], o['name']) for o in options if o.get('reference')) or 'none listed'


class BootOverride(SettingsResource):
    """The boot override of one system (``Boot`` of the ComputerSystem), written to the system at once."""

    noun = 'boot override'

    def __init__(self, client, uri, options=None):
        super(BootOverride, self).__init__(client, uri, direct=True)
        self.options = options or []

    def find_settings_uri(self, body):
        return None  # the override is PATCHed to the system itself, even where the system has a settings object

    @property
    def boot(self):
        return self.body.get('Boot') if isinstance(self.body.get('Boot'), dict) else {}

    def values_of(self, body):
        boot = (body or {}).get('Boot') if isinstance((body or {}).get('Boot'), dict) else {}
        values = {}
        for name, key in FIELDS:
            if key in boot:
                value = boot[key]
                values[name] = str(value).lower() if name == 'enabled' and value is not None else value
        return values

    def body_for(self, values):
        boot = {}
        for name, key in FIELDS:
            if name in values:
                boot[key] = ENABLED.get(values[name], values[name]) if name == 'enabled' else values[name]
        return {'Boot': boot}

    def allowed(self, key):
        """The advertised values of ``Boot.<key>`` (iLO 4 lists the targets as ``BootSourceOverrideSupported``), or None."""
        values = self.boot.get(key + '@Redfish.AllowableValues')
        if values is None and key == 'BootSourceOverrideTarget':
            values = self.boot.get('BootSourceOverrideSupported')
        return list(values) if isinstance(values, list) else None

    def desired(self, target, enabled, mode, uefi_target, http_boot_uri, errors):
        """The override values to reach, validated; every problem goes to ``errors``."""
        boot = self.boot
        wanted = {}
        if not boot:
            errors.append('The system %s has no Boot object; its boot override cannot be set.' % self.uri)
            return wanted
        if uefi_target is not None and target is None:
            target = 'UefiTarget'
        if http_boot_uri is not None and target is None:
            target = 'UefiHttp'
        if target is not None:
            targets = self.allowed('BootSourceOverrideTarget') or list(DMTF_TARGETS)
            match = [t for t in targets if str(t).lower() == str(target).lower()]
            if not match:
                errors.append('target %r is not one this system accepts (BootSourceOverrideTarget@Redfish.AllowableValues): %s.' % (
                    target, ', '.join(str(t) for t in targets)))
            else:
                target = match[0]
                wanted['target'] = target
                if enabled is None:
                    enabled = 'disabled' if target == 'None' else 'once'
        if enabled is not None:
            allowed = self.allowed('BootSourceOverrideEnabled')
            if allowed is not None and ENABLED[enabled] not in allowed:
                errors.append('enabled: %s is not offered by this system (%s).' % (enabled, ', '.join(allowed)))
            else:
                wanted['enabled'] = enabled
            if target is None and enabled != 'disabled' and self.current.get('target') in (None, 'None'):
                errors.append('enabled: %s needs a target (the system has none set).' % enabled)
        if mode is not None:
            current = boot.get('BootSourceOverrideMode')
            allowed = self.allowed('BootSourceOverrideMode')
            if 'BootSourceOverrideMode' not in boot:
                errors.append('mode: the system %s has no BootSourceOverrideMode.' % self.uri)
            elif mode != current and allowed is None and oem_key(self.body):
                errors.append('mode: %s cannot be set on this iLO: BootSourceOverrideMode is read-only here (it follows the BIOS '
                              'boot mode, now %s); change BootMode with lightsout.ilo.ilo_bios_settings.' % (mode, current))
            elif allowed is not None and mode not in allowed:
                errors.append('mode: %s is not offered by this system (%s).' % (mode, ', '.join(allowed)))
            else:
                wanted['mode'] = mode
        if uefi_target is not None:
            self._uefi_target(target, uefi_target, wanted, errors)
        elif target == 'UefiTarget':
            errors.append('target: UefiTarget needs uefi_target (a boot option reference or display name).')
        if http_boot_uri is not None:
            if 'HttpBootUri' not in boot:
                errors.append('http_boot_uri: the system %s has no Boot.HttpBootUri (this firmware does not support a one-time HTTP '
                              'boot URI); boot from a URI with lightsout.ilo.ilo_virtual_media or a BIOS UrlBootFile setting.' % self.uri)
            elif not str(http_boot_uri).lower().startswith(('http://', 'https://')):
                errors.append('http_boot_uri %r is not an http:// or https:// URL.' % http_boot_uri)
            elif target != 'UefiHttp':
                errors.append('http_boot_uri is used with target: UefiHttp, not %s.' % target)
            else:
                wanted['http_boot_uri'] = http_boot_uri
        return wanted

    def _uefi_target(self, target, uefi_target, wanted, errors):
        if target != 'UefiTarget':
            errors.append('uefi_target is used with target: UefiTarget, not %s.' % target)
            return
        allowed = self.allowed('UefiTargetBootSourceOverride')
        if allowed is not None and uefi_target in allowed:
            wanted['uefi_target'] = uefi_target  # a device path given as such
            return
        found = find_option(self.options, uefi_target)
        if len(found) != 1:
            errors.append('uefi_target %r %s boot option of this system; its options: %s.' % (
                uefi_target, 'names no' if not found else 'names %d, not one' % len(found), _choices(self.options)))
            return
        path = found[0].get('uefi_device_path')
        if not path:
            errors.append('uefi_target %r: the boot option %s has no UefiDevicePath to boot once from.' % (uefi_target, found[0]['reference']))
        elif allowed is not None and path not in allowed:
            errors.append('uefi_target %r: its device path %s is not one the system offers (UefiTargetBootSourceOverride@Redfish.'
                          'AllowableValues).' % (uefi_target, path))
        else:
            wanted['uefi_target'] = path


def override_facts(body):
    """The override in the module's vocabulary, from a system body (``ilo_boot`` before/after)."""
    return BootOverride(None, None).values_of(body)


# ---------------------------------------------------------------------------------- persistent order

def hpe_boot_link(bios_body):
    """HPE's boot order object of a Bios resource (iLO 5+ ``Oem.Hpe.Links.Boot``, iLO 4 ``links.Boot``), or None."""
    return link_of(dig(bios_body or {}, 'Oem.Hpe.Links.Boot')) or link_of(dig(bios_body or {}, 'links.Boot'))


def resolve_order(given, sources, effective, errors):
    """The full order (source ids) that puts the sources ``given`` names first, in that order, the others after
    them in their ``effective`` order. ``sources``: ``[{id, reference, name}]``. Problems go to ``errors``."""
    chosen = []
    for entry in given:
        found = [s for s in sources if str(entry).lower() in (str(s['id']).lower(), str(s.get('reference') or '').lower())]
        found = found or find_option(sources, entry)
        if not found:
            errors.append('order: %r names no boot option of this system; its options: %s.' % (entry, '; '.join(
                '%s (%s)' % (s.get('reference') or s['id'], s.get('name')) for s in sources) or 'none listed'))
        chosen.extend(s['id'] for s in found if s['id'] not in chosen)
    rest = [i for i in effective if i not in chosen]
    return chosen + rest


class BootOrder(SettingsResource):
    """The persistent boot order: HPE's pending object (``PersistentBootConfigOrder`` of ``StructuredBootString``
    values, iLO 4 to 7) or, elsewhere, the system's standard ``Boot.BootOrder`` (boot option references)."""

    noun = 'boot order'

    def __init__(self, client, uri, hpe, options=None):
        super(BootOrder, self).__init__(client, uri, direct=not hpe)
        self.hpe = hpe
        self.options = options or []

    def missing_settings_object(self):
        return ('The boot order object %s advertises no settings object (@Redfish.Settings.SettingsObject); the '
                'boot order cannot be changed through Redfish.' % self.uri)

    def values_of(self, body):
        body = body or {}
        order = body.get('PersistentBootConfigOrder') if self.hpe else dig(body, 'Boot.BootOrder')
        return {'order': list(order)} if isinstance(order, list) else {}

    def body_for(self, values):
        if self.hpe:
            return {'PersistentBootConfigOrder': list(values['order'])}
        return {'Boot': {'BootOrder': list(values['order'])}}

    @property
    def sources(self):
        """``[{id, reference, name}]``: what an order entry can name (HPE ``BootSources``, else the boot options)."""
        if self.hpe:
            found = []
            for source in self.body.get('BootSources') or []:
                if isinstance(source, dict) and source.get('StructuredBootString'):
                    number = source.get('BootOptionNumber')
                    found.append({'id': source['StructuredBootString'], 'reference': 'Boot%s' % number if number else None,
                                  'name': source.get('BootString')})
            return found
        return [{'id': o['reference'], 'reference': o['reference'], 'name': o.get('name')} for o in self.options if o.get('reference')]

    def names(self, order):
        """An order as display names (the id where a source has none)."""
        by_id = dict((s['id'], s.get('name') or s['id']) for s in self.sources)
        return [by_id.get(i, i) for i in order or []]

    def desired(self, given, errors):
        current = self.current.get('order')
        if current is None:
            errors.append('The system shows no boot order here (%s); it cannot be set.' % self.uri)
            return {}
        effective = self.pending.get('order', current)
        return {'order': resolve_order(given, self.sources, effective, errors)}
