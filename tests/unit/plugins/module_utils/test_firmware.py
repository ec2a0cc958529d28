# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firmware logic without an iLO: iLO's version strings compared (every version string of the real iLO 5/6/7
inventories under ../shared parses and equals itself), .fwpkg metadata read from tiny zips built in tmp_path (and
every way one can be wrong), the plan (match by Target, equal / newer / older / incomparable, DowngradePolicy,
SUM-only, iLO 4), the multipart body streamed from disk with an exact length, and iLO's failure as one sentence."""

from __future__ import annotations

import email.parser
import json
import os
import zipfile

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.firmware import (
    Inventory,
    Item,
    MultipartFile,
    Package,
    compare_versions,
    failure_text,
    package_of,
    plan,
    read_package,
    upload_deadline,
    version_key,
)

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, FakeClock, require_shared  # pylint: disable=import-error

ILO_TARGET = '4764a662-b342-4fc7-9ce9-258c5d99e815'
ROM_TARGET = '00000000-0000-0000-0000-000001553436'


@pytest.mark.parametrize('older, newer', [
    ('2.72 Sep 04 2022', '2.78 Jan 10 2023'),
    ('2.72 Sep 04 2022', '3.11 Feb 25 2025'),
    ('U32 v2.68 (07/14/2022)', 'U32 v2.72 (09/01/2023)'),
    ('U46 v1.80 (07/05/2023)', 'U46_2.36_05_07_2025'),
    ('1.50', '1.52'),
    ('1.5', '1.50'),
    ('iLO 5 v2.72', '2.80'),
    ('1.14.00 May 28 2025', '1.15'),
    ('13.3.0 Build 37', '13.3.0 Build 41'),
    ('13.3.0 Build 37', '13.4.0 Build 2'),
    ('0x15', '0x1a'),
    ('52.28.3-5681', '52.30.3-5917'),
    ('4.4.4.300', '4.4.4.1000'),
    ('HPG3', 'HPG4'),
    ('2.10.08', '2.10.10'),
])
def test_versions_order(older, newer):
    assert compare_versions(older, newer) == -1
    assert compare_versions(newer, older) == 1


@pytest.mark.parametrize('first, second', [
    ('2.72 Sep 04 2022', '2.72'),
    ('3.11 Feb 25 2025', 'iLO 5 v3.11'),
    ('U46 v2.34 (03/11/2025)', 'U46 v2.34'),
    ('U46 v2.34 (03/11/2025)', '2.34'),  # a package that names no family
    ('1.14.00 May 28 2025', '1.14'),
    ('1.14.00', '1.14.0'),
    ('0x15', '0x0015'),
    ('HPG3', 'hpg3'),
])
def test_versions_equal_despite_dates_prefixes_and_trailing_zeros(first, second):
    assert compare_versions(first, second) == 0


@pytest.mark.parametrize('first, second', [
    ('U46 v2.34 (03/11/2025)', 'U58 v2.44 (01/17/2025)'),  # different ROM families
    ('', '1.0'),
    ('iLO', '1.0'),
    (None, '2.0'),
])
def test_versions_that_cannot_be_compared(first, second):
    assert compare_versions(first, second) is None


def test_version_key_drops_dates_and_noise():
    assert version_key('2.72 Sep 04 2022') == ((1, 2), (1, 72))
    assert version_key('U32 v2.68 (07/14/2022)') == ((1, 2), (1, 68))
    assert version_key('0x15') == ((1, 21),)


@pytest.mark.parametrize('tree', [ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP])
def test_every_real_inventory_version_parses_and_equals_itself(tree):
    root = os.path.join(require_shared(tree), 'redfish', 'v1', 'UpdateService', 'FirmwareInventory')
    versions = []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name, 'index.json')
        if os.path.isfile(path):
            with open(path, encoding='utf-8') as handle:
                versions.append(json.load(handle)['Version'])
    assert len(versions) > 10
    for version in versions:
        assert version_key(version), version
        assert compare_versions(version, version) == 0, version


# ---------------------------------------------------------------------------------- packages

def build(tmp_path, payload, name='pkg.fwpkg', raw=None):
    path = tmp_path / name
    with zipfile.ZipFile(path, 'w') as archive:
        if payload is not None:
            archive.writestr('payload.json', raw if raw is not None else json.dumps(payload))
        archive.writestr('image.bin', b'\0' * 100)
    return str(path)


def payload(version='3.12', targets=(ILO_TARGET,), updatable=('Bmc',), direct=True, uefi=False, reset=False, names=None):
    devices = [{'Target': t, 'DeviceName': (names or {}).get(t, 'dev')} for t in targets]
    return {'Version': version, 'UpdatableBy': list(updatable), 'Devices': {'Device': devices},
            'FirmwareImages': [{'FileName': 'image.bin', 'DirectFlashOK': direct, 'UefiFlashable': uefi, 'ResetRequired': reset}]}


def test_read_package_reads_payload_json(tmp_path):
    package = read_package(build(tmp_path, payload(targets=(ILO_TARGET.upper(),))))
    assert package.version == '3.12' and package.targets == [ILO_TARGET] and package.kind == 'direct'
    assert package.size == os.path.getsize(str(tmp_path / 'pkg.fwpkg')) and package.metadata
    assert read_package(build(tmp_path, payload(updatable=('Uefi',), direct=False, uefi=True), 'u.fwpkg')).kind == 'uefi'
    assert read_package(build(tmp_path, payload(updatable=('RuntimeAgent',), direct=False), 's.fwpkg')).kind == 'sum'
    assert read_package(build(tmp_path, payload(reset=True), 'r.fwpkg')).reset_required


@pytest.mark.parametrize('make, words', [
    (lambda p: build(p, None), 'no payload.json'),
    (lambda p: build(p, {}, raw='{not json'), 'not valid JSON'),
    (lambda p: build(p, {}, raw='[1]'), 'not a JSON object'),
    (lambda p: build(p, dict(payload(), Version=None)), 'no Version'),
    (lambda p: build(p, payload(targets=())), 'no device Target'),
    (lambda p: (p / 'x.fwpkg').write_bytes(b'garbage') and str(p / 'x.fwpkg'), 'not a valid .fwpkg'),
    (lambda p: str(p / 'absent.fwpkg'), 'does not exist'),
    (lambda p: (p / 'ilo.bin').write_bytes(b'x') and str(p / 'ilo.bin'), 'give version'),
])
def test_bad_packages_are_refused_with_a_sentence(tmp_path, make, words):
    with pytest.raises(IloValidationError) as caught:
        read_package(make(tmp_path))
    assert words in caught.value.message


def test_bare_image_takes_the_given_version(tmp_path):
    (tmp_path / 'ilo5_312.bin').write_bytes(b'\0' * 10)
    package = read_package(str(tmp_path / 'ilo5_312.bin'), version='3.12')
    assert package.version == '3.12' and not package.metadata and package.kind == 'direct' and package.targets == []


# ---------------------------------------------------------------------------------- plan

class FakeInventory(Inventory):
    def __init__(self, items, generation=5, policy='AllowDowngrade'):  # pylint: disable=super-init-not-called
        self.items = items
        self.generation = generation
        self.body = {'Oem': {'Hpe': {'DowngradePolicy': policy, 'State': 'Idle'}}}


def inventory(**kwargs):
    return FakeInventory([
        Item('/fw/1', '1', 'iLO 5', '3.11 Feb 25 2025', 'System Board', [ILO_TARGET], description='SystemBMC'),
        Item('/fw/2', '2', 'System ROM', 'U46 v2.34 (03/11/2025)', 'System Board', ['00000000-0000-0000-0000-000000000225', ROM_TARGET]),
        Item('/fw/3', '3', 'Intelligent Platform Abstraction Data', '13.3.0 Build 37', 'System Board',
             ['00000000-0000-0000-0000-000000000225', ROM_TARGET]),
        Item('/fw/9', '9', 'TPM Firmware', '73.64', 'System Board', ['1118c237'], updateable=False),
    ], **kwargs)


def test_plan_update_equal_and_downgrade():
    update = plan(package_of(payload('3.12'), 'ilo.fwpkg'), inventory())
    assert update.action == 'update' and update.ilo_reset and not update.pending_reboot and not update.errors
    assert update.to_dict() == [{'id': '1', 'name': 'iLO 5', 'location': 'System Board', 'from': '3.11 Feb 25 2025',
                                 'to': '3.12', 'action': 'update'}]
    same = plan(package_of(payload('3.11'), 'ilo.fwpkg'), inventory())
    assert same.action == 'none' and not same.errors and not same.ilo_reset
    older = plan(package_of(payload('2.72'), 'ilo.fwpkg'), inventory())
    assert older.errors and 'downgrade iLO 5 from 3.11 Feb 25 2025 to 2.72' in older.errors[0]
    allowed = plan(package_of(payload('2.72'), 'ilo.fwpkg'), inventory(), allow_downgrade=True)
    assert allowed.action == 'downgrade' and not allowed.errors
    policy = plan(package_of(payload('2.72'), 'ilo.fwpkg'), inventory(policy='NoDowngrade'), allow_downgrade=True)
    assert policy.errors and 'NoDowngrade' in policy.errors[0]


def test_plan_shared_platform_targets_pick_the_named_device():
    rom = payload('U46 v2.36', targets=('00000000-0000-0000-0000-000000000225', ROM_TARGET), updatable=('Uefi',), direct=False,
                  uefi=True, names={ROM_TARGET: 'System ROM', '00000000-0000-0000-0000-000000000225': 'System ROM'})
    found = plan(package_of(rom, 'rom.fwpkg'), inventory())
    assert [i['name'] for i in found.items] == ['System ROM'] and found.pending_reboot and not found.ilo_reset


def test_plan_refusals():
    assert 'SUM' in plan(package_of(payload(updatable=('RuntimeAgent',), direct=False), 's.fwpkg'), inventory()).errors[0]
    assert 'not for this server' in plan(package_of(payload(targets=('ffff',)), 'x.fwpkg'), inventory()).errors[0]
    unknown = plan(package_of(payload('U58 v1.00', targets=(ROM_TARGET,), names={ROM_TARGET: 'System ROM'}), 'r.fwpkg'), inventory())
    assert 'Cannot compare' in unknown.errors[0] and 'allow_downgrade' in unknown.errors[0]
    tpm = plan(package_of(payload('80.1', targets=('1118c237',)), 't.fwpkg'), inventory())
    assert 'not updateable' in tpm.errors[0]
    bare = Package('rom.bin', '9.9', metadata=False)
    assert "'No Such'" in plan(bare, inventory(), components=['No Such']).errors[0]
    assert [i['name'] for i in plan(bare, inventory()).items] == ['iLO 5']  # a bare image is the iLO's by default
    ilo4 = plan(bare, inventory(generation=4), components=['System ROM'])
    assert 'iLO 4' in ilo4.errors[-1]


# ---------------------------------------------------------------------------------- upload and messages

def test_multipart_streams_from_disk_with_an_exact_length(tmp_path):
    image = tmp_path / 'image.fwpkg'
    image.write_bytes(os.urandom(700 * 1024))
    sig = tmp_path / 'image.compsig'
    sig.write_bytes(b'SIGNATURE')
    form = MultipartFile([('sessionKey', 'tok123', None), ('parameters', json.dumps({'UpdateTarget': True}), 'application/json')],
                         [('compsig', str(sig)), ('file', str(image))])
    chunks = []
    while True:
        chunk = form.read(8192)
        if not chunk:
            break
        assert len(chunk) <= 8192
        chunks.append(chunk)
    body = b''.join(chunks)
    assert len(body) == len(form) == form.sent
    message = email.parser.BytesParser().parsebytes(b'Content-Type: ' + form.content_type.encode() + b'\r\n\r\n' + body)
    parts = {p.get_param('name', header='content-disposition'): p for p in message.get_payload()}
    assert list(parts) == ['sessionKey', 'parameters', 'compsig', 'file']
    assert parts['sessionKey'].get_payload(decode=True) == b'tok123'
    assert json.loads(parts['parameters'].get_payload(decode=True)) == {'UpdateTarget': True}
    assert parts['file'].get_filename() == 'image.fwpkg' and parts['file'].get_payload(decode=True) == image.read_bytes()


def test_upload_deadline_grows_with_the_file():
    assert upload_deadline(0) == 120.0
    assert upload_deadline(100 * 1024 * 1024) == 220.0


def test_failure_text_is_one_sentence_with_the_registry_text():
    body = {'Oem': {'Hpe': {'State': 'Error', 'Result': {'MessageId': 'iLO.2.25.UpdateFailed', 'MessageArgs': ['flash write failed']}}}}
    registry = {'iLO.2.25.UpdateFailed': ('The update failed with a component specific error (%1).', 'Retry.')}
    assert failure_text(body, registry.get) == 'The update failed with a component specific error (flash write failed) (iLO.2.25.UpdateFailed)'
    assert failure_text(body) == 'Update Failed (flash write failed) (iLO.2.25.UpdateFailed)'
    assert failure_text({'Oem': {'Hpe': {'State': 'Error'}}}) == 'no reason given'


# ---------------------------------------------------------------------------------- waiting

class ScriptedClient:
    """Answers each GET of the update service with the next state of ``script`` (an exception is raised)."""

    base_url = 'https://ilo.example'
    retries = 3

    def __init__(self, script):
        self.script = list(script)
        self.gets = 0

    def get(self, uri, fresh=False):  # pylint: disable=unused-argument
        self.gets += 1
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        result = {'MessageId': 'iLO.2.25.UpdateFailed', 'MessageArgs': ['flash write failed']}
        return type('R', (), {'json': {'Oem': {'Hpe': {'State': step, 'Result': result}}}})()


def waiter(script, clock):
    from ansible_collections.lightsout.ilo.plugins.module_utils.firmware import UpdateWait  # pylint: disable=import-outside-toplevel
    from ansible_collections.lightsout.ilo.plugins.module_utils.state import Poller  # pylint: disable=import-outside-toplevel
    inv = FakeInventory([])
    inv.client = ScriptedClient(script)
    inv.service = type('S', (), {'message_text': staticmethod(lambda message_id: None)})()
    inv.uri = '/redfish/v1/UpdateService'
    return UpdateWait(inv, Poller(clock=clock, sleep=clock.sleep, initial=1.0, maximum=1.0))


def test_wait_ignores_the_previous_updates_end_state_until_the_new_one_runs():
    from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloConnectionError, IloError, IloWaitTimeout  # noqa
    clock = FakeClock()
    assert waiter(['Complete', 'Complete', 'Uploading', 'Writing', 'Complete'], clock).until_done(60, prior='Complete') == 'Complete'
    assert clock.now == 4.0  # the first two Completes were the previous update's
    # the iLO resets itself before a poll saw Complete: that ends an update that flashes the iLO
    clock = FakeClock()
    down = IloConnectionError('GET /redfish/v1/UpdateService: could not connect')
    assert waiter(['Uploading', 'Writing', down], clock).until_done(60, expect_reset=True, prior='Idle') == 'Unreachable'
    # ... but is only a transient otherwise
    clock = FakeClock()
    assert waiter(['Uploading', down, 'Complete'], clock).until_done(60, prior='Idle') == 'Complete'
    # a failure is one sentence with iLO's reason; a previous Error is not this update's until grace passed
    clock = FakeClock()
    with pytest.raises(IloError) as failed:
        waiter(['Error', 'Error', 'Verifying', 'Error'], clock).until_done(60, prior='Error')
    assert 'as Error: Update Failed (flash write failed) (iLO.2.25.UpdateFailed).' in failed.value.message and clock.now == 3.0
    clock = FakeClock()
    with pytest.raises(IloWaitTimeout) as late:
        waiter(['Uploading'], clock).until_done(10, prior='Idle')
    assert 'last state: Uploading' in late.value.message and clock.now == 10.0
