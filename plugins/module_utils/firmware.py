# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firmware packages, the iLO's firmware inventory, and the plan that compares them (``ilo_firmware``).

- :func:`version_key` / :func:`compare_versions` -- iLO's version strings ("3.11 Feb 25 2025",
  "U46 v2.34 (03/11/2025)", "13.3.0 Build 37", "0x15", "52.28.3-5681", "HPG3", "iLO 6 v1.66")
  reduced to comparable keys: dates dropped, a ROM family ("U46") kept apart, hex read as numbers.
- :func:`read_package` -- a ``.fwpkg``'s own metadata (a zip whose ``payload.json`` names the
  version, the device ``Target`` GUIDs, ``UpdatableBy`` and the image flags); only that member is
  read, never the whole archive. Other images (``.bin``, ``.hpb``, signed iLO images) carry no
  metadata the module can read: their version is given by the user.
- :class:`Inventory` -- ``UpdateService`` and its ``FirmwareInventory`` (iLO 5/6/7), or iLO 4's
  ``FirmwareInventory.Current`` and ``Managers/1/UpdateService``.
- :func:`plan` -- which inventory items the package targets, from which version to which, and
  whether that is an update, nothing, or a downgrade (refused unless allowed, and never against
  the iLO's ``DowngradePolicy``).
- :class:`MultipartFile` -- iLO's upload form (``sessionKey``, ``parameters``, ``compsig``,
  ``file``) as a file-like body that streams the image from disk with a known length.
- :class:`UpdateWait` -- poll ``Oem.Hpe.State`` with a deadline (:class:`state.Poller`), and
  wait for the iLO's own reset after it flashed itself (:class:`state.ManagerReset`'s probe).

No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import uuid
import zipfile

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, hpe_oem, link_of, members_of
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloConnectionError,
    IloDiscoveryError,
    IloError,
    IloHTTPError,
    IloValidationError,
    IloWaitTimeout,
    clean_text,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.state import ManagerReset, Poller

# ---------------------------------------------------------------------------------- versions

_DATES = (
    re.compile(r'\(\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*\)'),                   # (07/14/2022)
    re.compile(r'\b[A-Z][a-z]{2}\s+\d{1,2}\s+\d{4}\b'),                          # Sep 04 2022
    re.compile(r'[_\s]\d{1,2}[-_/]\d{1,2}[-_/]\d{4}\b'),                          # _05-07-2025
    re.compile(r'\b\d{4}[-/]\d{2}[-/]\d{2}\b'),                                   # 2025-05-07
)
_GENERATION = re.compile(r'^\s*iLO\s*\d+\s+', re.I)                                # "iLO 6 v1.66"
_FAMILY = re.compile(r'^\s*([A-Z]\d{2,3})(?:[\s_]+|$)')                            # "U46 v2.34", "U46_2.36"
_NOISE = frozenset(['v', 'ver', 'version', 'build', 'b', 'rev', 'revision', 'fw', 'firmware'])


class Version:
    """A parsed version string: ``family`` (a ROM family such as ``U46``, or None), ``key`` (comparable
    tuple of (kind, value) tokens, trailing zeros dropped) and the original ``text``."""

    def __init__(self, text):
        self.text = '' if text is None else str(text).strip()
        self.family, self.key = _parse(self.text)

    def __repr__(self):
        return 'Version(%r)' % self.text

    def __str__(self):
        return self.text


def _parse(text):
    rest = _GENERATION.sub('', text)
    for pattern in _DATES:
        rest = pattern.sub(' ', rest)
    family = None
    match = _FAMILY.match(rest)
    if match and re.search(r'\d', rest[match.end():]):
        family = match.group(1).upper()
        rest = rest[match.end():]
    tokens = []
    for token in re.findall(r'0[xX][0-9A-Fa-f]+|\d+|[A-Za-z]+', rest):
        if token[:2].lower() == '0x':
            tokens.append((1, int(token, 16)))
        elif token.isdigit():
            tokens.append((1, int(token)))
        elif token.lower() not in _NOISE:
            tokens.append((0, token.lower()))
    while len(tokens) > 1 and tokens[-1] == (1, 0):
        tokens.pop()
    return family, tuple(tokens)


def version_key(text):
    """The comparable key of a version string (see :class:`Version`)."""
    return Version(text).key


def compare_versions(first, second):
    """-1, 0 or 1 as ``first`` is older than, equal to or newer than ``second``; None when they cannot
    be compared (empty, or ROMs of different families: "U46 v2.34" is not comparable with "U58 v2.44")."""
    a = first if isinstance(first, Version) else Version(first)
    b = second if isinstance(second, Version) else Version(second)
    if not any(kind == 1 for kind, _value in a.key) or not any(kind == 1 for kind, _value in b.key):
        return None  # no number at all: not a version
    if a.family and b.family and a.family != b.family:
        return None
    if a.key == b.key:
        return 0
    for left, right in zip(a.key, b.key):
        if left == right:
            continue
        if left[0] != right[0]:  # a number against a word ("1.0" against "1.a"): numbers are newer
            return 1 if left[0] > right[0] else -1
        return 1 if left[1] > right[1] else -1
    return 1 if len(a.key) > len(b.key) else -1


# ---------------------------------------------------------------------------------- packages

PACKAGE_SUFFIXES = ('.fwpkg',)
IMAGE_SUFFIXES = ('.bin', '.hpb', '.signed', '.flash', '.fwpkg', '.zip', '.exe', '.rpm', '.scexe')
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024


class Package:
    """What a package says of itself. ``kind``: ``direct`` (iLO flashes it now), ``uefi`` (queued,
    applied by UEFI at the next server boot) or ``sum`` (only SUM/SPP can apply it)."""

    def __init__(self, name, version, targets=None, updatable_by=None, direct=None, uefi=None, reset_required=False,
                 description=None, devices=None, size=None, metadata=True):
        self.name = name
        self.version = version
        self.targets = [str(t).lower() for t in targets or []]
        self.updatable_by = list(updatable_by or [])
        self.direct = direct
        self.uefi = uefi
        self.reset_required = bool(reset_required)
        self.description = description
        self.devices = devices or []
        self.size = size
        self.metadata = metadata

    @property
    def kind(self):
        by = set(u.lower() for u in self.updatable_by)
        if not self.metadata:
            return 'direct'  # a bare image: iLO flashes it (iLO, or a component iLO knows)
        if 'bmc' in by and self.direct is not False:
            return 'direct'
        if 'uefi' in by or self.uefi:
            return 'uefi'
        return 'sum'

    def device_version(self, target):
        """The version the package holds for a device ``Target`` (per-device ``Version`` where given)."""
        for device in self.devices:
            if str(device.get('Target', '')).lower() == target and device.get('Version'):
                return str(device['Version'])
        return self.version

    def to_dict(self):
        return {'name': self.name, 'version': self.version, 'targets': self.targets, 'updatable_by': self.updatable_by,
                'kind': self.kind, 'reset_required': self.reset_required, 'size': self.size, 'metadata': self.metadata}


def read_package(path, version=None):
    """The :class:`Package` at ``path``: a ``.fwpkg``'s ``payload.json``, or, for another image,
    ``version`` as given (required then). Raises IloValidationError with a sentence."""
    if not os.path.isfile(path):
        raise IloValidationError('image_path %s does not exist or is not a file.' % path)
    size = os.path.getsize(path)
    name = os.path.basename(path)
    if not name.lower().endswith(PACKAGE_SUFFIXES):
        if not version:
            raise IloValidationError('%s is not a .fwpkg, so it carries no metadata this module can read: give version (the '
                                     'version the image holds) so that it can be compared before anything is sent.' % name)
        return Package(name, str(version), size=size, metadata=False)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = [i for i in archive.infolist() if i.filename.lower().rsplit('/', 1)[-1] == 'payload.json']
            if not entries:
                raise IloValidationError('%s is not a valid .fwpkg: it has no payload.json.' % name)
            if entries[0].file_size > MAX_PAYLOAD_BYTES:
                raise IloValidationError('%s: payload.json is larger than %d bytes; not read.' % (name, MAX_PAYLOAD_BYTES))
            payload = json.loads(archive.read(entries[0]).decode('utf-8-sig'))
    except (zipfile.BadZipfile, OSError) as exc:
        raise IloValidationError('%s is not a valid .fwpkg (a zip archive with payload.json): %s.' % (name, exc))
    except ValueError as exc:
        raise IloValidationError('%s: payload.json is not valid JSON: %s.' % (name, exc))
    return package_of(payload, name, size, version)


def package_of(payload, name, size=None, version=None):
    """A :class:`Package` from a parsed ``payload.json``."""
    if not isinstance(payload, dict):
        raise IloValidationError('%s: payload.json is not a JSON object.' % name)
    devices = dig(payload, 'Devices.Device') or []
    devices = [d for d in (devices if isinstance(devices, list) else [devices]) if isinstance(d, dict)]
    images = [i for i in payload.get('FirmwareImages') or [] if isinstance(i, dict)]
    found = payload.get('Version') or version
    if not found:
        raise IloValidationError('%s: payload.json names no Version; give version.' % name)
    targets = [d.get('Target') for d in devices if d.get('Target')]
    if not targets:
        raise IloValidationError('%s: payload.json names no device Target, so it cannot be matched to the firmware inventory.' % name)
    updatable = payload.get('UpdatableBy') or []
    updatable = updatable if isinstance(updatable, list) else [updatable]

    def flag(key):
        values = [i.get(key) for i in images if key in i]
        return None if not values else any(bool(v) for v in values)

    return Package(name, str(found), targets, updatable, direct=flag('DirectFlashOK'), uefi=flag('UefiFlashable'),
                   reset_required=bool(flag('ResetRequired')), description=payload.get('Description') or payload.get('Name'),
                   devices=devices, size=size)


# ---------------------------------------------------------------------------------- inventory

class Item:
    """One firmware inventory item."""

    def __init__(self, uri, ident, name, version, location=None, targets=None, updateable=True, description=None):
        self.uri = uri
        self.id = ident
        self.name = name
        self.version = version
        self.location = location
        self.targets = [str(t).lower() for t in targets or []]
        self.updateable = updateable
        self.description = description

    @property
    def is_ilo(self):
        return self.description == 'SystemBMC' or bool(re.match(r'^iLO( \d+)?$', self.name or ''))

    def matches(self, wanted):
        wanted = str(wanted).lower()
        return wanted in (str(self.id).lower(), (self.name or '').lower(), (self.location or '').lower())


class Inventory:
    """The iLO's update service and firmware inventory (read fresh)."""

    def __init__(self, service):
        self.service = service
        self.client = service.client
        self.generation = service.generation
        self.uri = None
        self.body = {}
        self.items = []

    @property
    def oem(self):
        return hpe_oem(self.body) or {}

    def read(self):
        if self.generation == 4:
            return self._read_ilo4()
        try:
            self.uri = self.service.root_link('UpdateService')
        except IloDiscoveryError:
            raise IloDiscoveryError('%s has no UpdateService: its firmware cannot be managed through Redfish.' % self.client.base_url)
        self.body = self.client.get(self.uri, fresh=True).json or {}
        inventory = link_of(self.body.get('FirmwareInventory'))
        if not inventory:
            raise IloDiscoveryError('The UpdateService %s has no FirmwareInventory.' % self.uri)
        self.client.forget()
        self.items = []
        for uri in self.service.members(inventory):
            body = self.client.get(uri).json or {}
            oem = hpe_oem(body) or {}
            self.items.append(Item(uri, body.get('Id') or uri.rstrip('/').rsplit('/', 1)[-1], body.get('Name'), body.get('Version'),
                                   oem.get('DeviceContext'), oem.get('Targets'), body.get('Updateable', True), body.get('Description')))
        return self

    def _read_ilo4(self):
        """iLO 4: ``Systems/1/FirmwareInventory`` (``Current``: lists of {Name, VersionString, Location, Key})
        and ``Managers/1/UpdateService`` (``InstallFromURI`` flashes the iLO itself)."""
        self.client.forget()
        manager = self.service.managers()[0]
        mbody = self.client.get(manager).json or {}
        self.uri = link_of(mbody.get('UpdateService')) or link_of(dig(mbody, 'Oem.Hp.links.UpdateService')) \
            or manager.rstrip('/') + '/UpdateService/'
        self.body = self.client.get(self.uri, fresh=True).json or {}
        system = self.service.systems()[0]
        sbody = self.client.get(system).json or {}
        uri = link_of(dig(sbody, 'Oem.Hp.links.FirmwareInventory')) or system.rstrip('/') + '/FirmwareInventory/'
        current = (self.client.get(uri).json or {}).get('Current') or {}
        self.items = []
        for key, entries in sorted(current.items()):
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                name = entry.get('Name')
                self.items.append(Item(uri, '%s.%d' % (key, index), name, entry.get('VersionString'), entry.get('Location'),
                                       [], True, 'SystemBMC' if re.match(r'^iLO( \d+)?$', name or '') else None))
        return self

    @property
    def ilo(self):
        return next((i for i in self.items if i.is_ilo), None)

    @property
    def state(self):
        """``Oem.Hpe.State`` (iLO 4: ``State``): Idle, Uploading, Progressing, Verifying, Writing, Complete, Error..."""
        return self.oem.get('State') if self.generation >= 5 else self.body.get('State')

    @property
    def downgrade_policy(self):
        return self.oem.get('DowngradePolicy')

    def action(self, name):
        """The target of an advertised action (``UpdateService.SimpleUpdate``, ``HpeiLOUpdateServiceExt.AddFromUri``), or None."""
        for actions in (self.body.get('Actions') or {}, self.oem.get('Actions') or {}):
            for key, spec in actions.items():
                if key.lstrip('#').endswith(name) and isinstance(spec, dict) and spec.get('target'):
                    return spec['target']
        return None

    def repository(self):
        """The ComponentRepository members (``Filename``, ``Version``...) or []."""
        uri = link_of(self.oem.get('ComponentRepository'))
        if not uri:
            return []
        body = self.client.get(uri, fresh=True).json or {}
        found = []
        for member in members_of(body) or []:
            found.append(member if len(member) > 1 else (self.client.get(link_of(member)).json or {}))
        return found

    def tasks(self):
        """The UpdateTaskQueue members, or []."""
        uri = link_of(self.oem.get('UpdateTaskQueue'))
        if not uri:
            return []
        body = self.client.get(uri, fresh=True).json or {}
        return [m if len(m) > 1 else (self.client.get(link_of(m), fresh=True).json or {}) for m in members_of(body) or []]


# ---------------------------------------------------------------------------------- plan

class Plan:
    """What applying a package would do: ``items`` (per inventory item {id, name, location, from, to, action}),
    ``action`` (``none``, ``update``, ``downgrade``), ``errors`` (refusals, sentences)."""

    def __init__(self, package, items, errors, not_applicable=False):
        self.package = package
        self.items = items
        self.errors = errors
        #: No inventory item matches the package (another model's package): the module fails, or skips it.
        self.not_applicable = not_applicable

    @property
    def action(self):
        actions = set(i['action'] for i in self.items)
        if 'downgrade' in actions:
            return 'downgrade'
        if 'update' in actions or 'reinstall' in actions:
            return 'update'
        return 'none'

    @property
    def ilo_reset(self):
        """The iLO resets itself after flashing its own firmware."""
        return self.action != 'none' and self.package.kind == 'direct' and any(i['ilo'] for i in self.items)

    @property
    def pending_reboot(self):
        return self.action != 'none' and (self.package.kind == 'uefi' or self.package.reset_required)

    def to_dict(self):
        return [dict((k, v) for k, v in i.items() if k != 'ilo') for i in self.items]


def best_matches(package, items):
    """The inventory items a package targets. Real inventories share platform GUIDs between items (System ROM,
    Intelligent Platform Abstraction Data and SPS firmware list the same board GUID), so among the items that share
    a Target with the package, those named like one of its devices (``DeviceName``) win, else those sharing the most."""
    wanted = set(package.targets)
    scored = [(len(set(i.targets) & wanted), i) for i in items if set(i.targets) & wanted]
    if not scored:
        return []
    names = set(str(d.get('DeviceName') or '').lower() for d in package.devices) - set([''])
    named = [i for _score, i in scored if (i.name or '').lower() in names]
    if named:
        return named
    best = max(score for score, _i in scored)
    return [i for score, i in scored if score == best]


def plan(package, inventory, components=None, allow_downgrade=False):
    """Match ``package`` to ``inventory`` and compare versions: a :class:`Plan`."""
    errors = []
    wanted = [str(c) for c in components or []]
    if package.targets:
        matched = best_matches(package, inventory.items)
        if wanted:
            matched = [i for i in matched if any(i.matches(w) for w in wanted)]
    elif wanted:
        matched = [i for i in inventory.items if any(i.matches(w) for w in wanted)]
        missing = [w for w in wanted if not any(i.matches(w) for i in inventory.items)]
        if missing:
            errors.append('No firmware inventory item is named %s (known: %s).' % (
                ', '.join(repr(m) for m in missing), ', '.join(sorted(set(repr(i.name) for i in inventory.items)))))
    else:
        matched = [inventory.ilo] if inventory.ilo is not None else []
    not_applicable = not matched and not errors
    if not_applicable:
        what = 'targets %s' % ', '.join(package.targets) if package.targets else 'is taken as iLO firmware'
        errors.append('%s %s, but no item of the firmware inventory matches%s; it is not for this server.' % (
            package.name, what, ' the components given (%s)' % ', '.join(wanted) if wanted else ''))
    if package.kind == 'sum':
        errors.append('%s can only be applied by SUM or the SPP (UpdatableBy %s: neither iLO nor UEFI applies it); '
                      'it was not sent.' % (package.name, ', '.join(package.updatable_by) or 'empty'))
    if inventory.generation == 4 and (package.kind != 'direct' or any(not i.is_ilo for i in matched)):
        errors.append('On iLO 4 only the iLO firmware itself can be updated through this module (%s targets %s).' % (
            package.name, ', '.join(sorted(set(i.name or i.id for i in matched))) or 'nothing found'))
    items = []
    for item in matched:
        offered = package.device_version(item.targets[0]) if item.targets and package.targets else package.version
        order = compare_versions(offered, item.version)
        if order == 0:
            action = 'none'
        elif order is None:
            action = 'downgrade' if allow_downgrade else 'unknown'
        else:
            action = 'update' if order > 0 else 'downgrade'
        if item.updateable is False and action != 'none':
            errors.append('%s (%s) is not updateable on this iLO (Updateable: false).' % (item.name, item.id))
        items.append({'id': item.id, 'name': item.name, 'location': item.location, 'from': item.version, 'to': offered,
                      'action': action, 'ilo': item.is_ilo})
    unknown = [i for i in items if i['action'] == 'unknown']
    if unknown:
        errors.append('Cannot compare %s with the installed %s; set allow_downgrade: true to apply it anyway.' % (
            ', '.join(repr(i['to']) for i in unknown[:1]), ', '.join('%s %r' % (i['name'], i['from']) for i in unknown)))
    downgrades = [i for i in items if i['action'] == 'downgrade' and i not in unknown]
    if downgrades and not allow_downgrade:
        errors.append('%s would downgrade %s; refused (set allow_downgrade: true to allow it).' % (
            package.name, ', '.join('%s from %s to %s' % (i['name'], i['from'], i['to']) for i in downgrades)))
    elif (downgrades or unknown) and allow_downgrade and inventory.downgrade_policy in ('NoDowngrade',):
        errors.append('allow_downgrade is true, but the iLO refuses downgrades (UpdateService Oem.Hpe.DowngradePolicy is '
                      '%s): %s was not sent.' % (inventory.downgrade_policy, package.name))
    return Plan(package, items, errors, not_applicable)


# ---------------------------------------------------------------------------------- upload

class MultipartFile:
    """iLO's upload form as a file-like request body read from disk in blocks (``read``) with a
    known length (``len``), so requests sends it with a Content-Length and never holds the image."""

    def __init__(self, fields, files, boundary=None):
        """``fields``: [(name, value, content_type or None)]; ``files``: [(name, path)]."""
        self.boundary = boundary or uuid.uuid4().hex
        self._parts = []
        for name, value, content_type in fields:
            head = self._head(name, None, content_type)
            self._parts.append((head + value.encode('utf-8') + b'\r\n', None))
        for name, path in files:
            head = self._head(name, os.path.basename(path), 'application/octet-stream')
            self._parts.append((head, path))
        self._tail = ('--%s--\r\n' % self.boundary).encode('ascii')
        self.len = sum(len(h) + (os.path.getsize(p) + 2 if p else 0) for h, p in self._parts) + len(self._tail)
        self.sent = 0
        self._chunks = self._generate()
        self._chunk = b''
        self._pos = 0

    def _head(self, name, filename, content_type):
        text = '--%s\r\nContent-Disposition: form-data; name="%s"' % (self.boundary, name)
        if filename is not None:
            text += '; filename="%s"' % filename.replace('"', '')
        if content_type:
            text += '\r\nContent-Type: %s' % content_type
        return (text + '\r\n\r\n').encode('utf-8')

    @property
    def content_type(self):
        return 'multipart/form-data; boundary=%s' % self.boundary

    def __len__(self):
        return self.len

    def _generate(self):
        for head, path in self._parts:
            yield head
            if path:
                with open(path, 'rb') as handle:
                    while True:
                        block = handle.read(256 * 1024)
                        if not block:
                            break
                        yield block
                yield b'\r\n'
        yield self._tail

    def read(self, size=-1):
        """Up to ``size`` bytes of the form (the whole next block when ``size`` is negative); b'' at the end."""
        if size is None or size < 0:
            size = 256 * 1024
        pieces = []
        need = size
        while need > 0:
            if self._pos >= len(self._chunk):
                self._chunk = next(self._chunks, None)
                self._pos = 0
                if self._chunk is None:
                    self._chunk = b''
                    break
            piece = self._chunk[self._pos:self._pos + need]
            self._pos += len(piece)
            need -= len(piece)
            pieces.append(piece)
        found = pieces[0] if len(pieces) == 1 else b''.join(pieces)
        self.sent += len(found)
        return found


def upload_deadline(size, base=120.0, floor_rate=1024 * 1024):
    """Seconds allowed for pushing ``size`` bytes: ``base`` plus the time at ``floor_rate`` bytes/s (1 MiB/s,
    well under an iLO's upload rate), so a large image is not cut by the per-request timeout."""
    return float(base) + float(size or 0) / float(floor_rate)


# ---------------------------------------------------------------------------------- waiting

BUSY_STATES = ('Uploading', 'Progressing', 'Verifying', 'Writing', 'Updating', 'Flashing', 'Downloading', 'AwaitingComplete')
DONE_STATES = ('Complete', 'Completed', 'Idle')
FAILED_STATES = ('Error', 'Failed', 'Exception')


def failure_text(body, resolve=None):
    """iLO's reason for a failed update, as one sentence, from ``Oem.Hpe.Result`` (or iLO 4's ``Result``).

    ``resolve(message_id)`` -> (text, resolution) or None: the service's registry (``IloService.message_text``);
    its ``%1``... are filled with ``MessageArgs``. Without it, the id's last part and the arguments.
    """
    oem = hpe_oem(body) or body or {}
    result = oem.get('Result') or body.get('Result') or {}
    if not isinstance(result, dict) or not (result.get('MessageId') or result.get('Message')):
        return 'no reason given'
    message_id = str(result.get('MessageId') or '')
    args = [str(a) for a in result.get('MessageArgs') or []]
    known = resolve(message_id) if resolve and message_id else None
    text = result.get('Message') or (known[0] if known else None)
    if text:
        text = re.sub(r'%(\d+)', lambda m: args[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(args) else m.group(0), text)
    else:
        text = re.sub(r'(?<=[a-z])(?=[A-Z])', ' ', re.split(r'[.:]', message_id)[-1])
        text += ' (%s)' % ', '.join(args) if args else ''
    text = text.strip().rstrip('.')
    return clean_text('%s%s' % (text, ' (%s)' % message_id if message_id else ''), 400)


UNREACHABLE = 'Unreachable'


class UpdateWait:
    """Poll the update service until the update leaves its busy states, with a deadline."""

    def __init__(self, inventory, poller=None):
        self.inventory = inventory
        self.service = inventory.service
        self.client = inventory.client
        self.poller = poller or Poller(initial=0.2, maximum=5.0)
        self.last_error = None

    def _probe(self):
        try:
            body = self.client.get(self.inventory.uri, fresh=True).json or {}
        except (IloConnectionError, IloAuthError) as exc:
            self.last_error = exc
            return UNREACHABLE
        except IloHTTPError as exc:
            if exc.status is None or exc.status < 500:
                raise
            self.last_error = exc
            return UNREACHABLE
        self.inventory.body = body
        return self.inventory.state

    def until_done(self, timeout, expect_reset=False, prior=None, grace=20.0):
        """Wait until the state is done or failed; returns the final state. Raises IloError (failed) or IloWaitTimeout.

        ``prior``: the state before the request. An end state (Complete, Error) that was already there is
        the previous update's until the iLO has been seen busy, the state changed, or ``grace`` seconds
        passed (an iLO may take a moment to start). An iLO that stops answering is waited for (a transient);
        with ``expect_reset`` (it flashes itself) that is the reset that ends the update: :data:`UNREACHABLE`.
        """
        seen = {'busy': False}
        started = self.poller.clock()

        def done(state):
            if state in BUSY_STATES:
                seen['busy'] = True
            if state == UNREACHABLE:
                return expect_reset
            if state not in FAILED_STATES and state not in DONE_STATES:
                return False
            if seen['busy'] or state != (prior or 'Idle'):
                return True
            return self.poller.clock() - started >= grace

        reached, state = self.poller.wait(self._probe, done, self.poller.deadline(timeout))
        if not reached:
            raise IloWaitTimeout('Timed out after %s s waiting for the firmware update on %s (last state: %s); the update may '
                                 'still be running on the iLO.' % (timeout, self.client.base_url, state), {'state': state})
        if state in FAILED_STATES:
            raise IloError('The iLO reported the firmware update as %s: %s.' % (state, failure_text(self.inventory.body, self.service.message_text)),
                           uri=self.inventory.uri)
        return state

    def ilo_reset(self, manager_uri, timeout, down=False):
        """Wait for the iLO's own reset after it flashed itself (it was not sent by us), log in again when needed.

        Returns ``{went_down, logged_in_again, elapsed}``. Uses :class:`state.ManagerReset`'s probe.
        """
        waiter = ManagerReset(self.inventory.service, manager_uri, poller=self.poller, settle=0.0)
        started = self.poller.clock()
        token = self.client.token
        seen = {'down': bool(down)}
        self.client.forget()

        def back(state):
            if state == 'relogged':  # the session is gone: the iLO has reset
                return True
            return state == 'up' and seen['down']

        retries, self.client.retries = self.client.retries, 0
        try:
            reached, last = self.poller.wait(lambda: waiter._probe(seen), back, started + float(timeout))  # pylint: disable=protected-access
        finally:
            self.client.retries = retries
        result = {'went_down': seen['down'], 'logged_in_again': self.client.token != token,
                  'elapsed': round(self.poller.clock() - started, 2)}
        if not reached:
            raise IloWaitTimeout('Timed out after %s s waiting for the iLO to reset itself after flashing its firmware (last seen: '
                                 '%s).' % (timeout, last), result)
        return result
