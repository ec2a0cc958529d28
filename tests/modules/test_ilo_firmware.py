# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_firmware in-process against the simulator (iLO 4/5/6/7 profiles and the real iLO 5/6/7 trees).

Packages are tiny synthetic ``.fwpkg`` zips built in ``tmp_path`` (never downloaded). Per generation: check mode
plans and sends nothing; the iLO firmware is pushed (iLO's multipart form), flashed, the iLO resets itself and the
task logs in again and verifies; the same run again uploads zero bytes (the simulator's upload log). A UEFI package
pulled from a loopback HTTP server ends ``pending_reboot`` and is applied by a server restart. Downgrades are
refused (and never against ``DowngradePolicy: NoDowngrade``); an unreachable URL, a bad signature and a failed
flash fail with iLO's reason; SUM-only and foreign packages fail before anything is sent.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import zipfile

import pytest

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, fresh, require_shared  # pylint: disable=import-error
from relkit import assert_clear_failure, connection, restart_directly, run_module, writes  # pylint: disable=import-error

TREES = {'tree:ilo5': ILO5_MOCKUP, 'tree:ilo6': ILO6_MOCKUP, 'tree:ilo7': ILO7_MOCKUP}
FAST = {'manager_reset_down_s': 0.1, 'manager_reset_not_ready_s': 0.1, 'firmware_step_s': 0.02,
        'post_duration_s': 0.2, 'power_duration_s': 0.05, 'graceful_shutdown_s': 0.1}


def fleet_for(simulators, target, **config):
    name = 'mockup:' + require_shared(TREES[target]) if target in TREES else target
    fleet = fresh(simulators(name))
    fleet.ilos[0].set_config(dict(FAST, **config))
    return fleet


def fwpkg(tmp_path, name, version, targets, updatable_by=('Bmc',), direct=True, uefi=False, size=2048, reset=False):
    """A small synthetic .fwpkg: payload.json (HPE's field names) and a payload image of ``size`` bytes."""
    payload = {'PackageFormat': 'FWPKG-v2', 'Name': name, 'Description': 'synthetic test package', 'Version': version,
               'UpdatableBy': list(updatable_by), 'Devices': {'Device': [{'DeviceName': name, 'Target': t} for t in targets]},
               'FirmwareImages': [{'FileName': name + '.bin', 'DirectFlashOK': direct, 'UefiFlashable': uefi,
                                   'ResetRequired': reset, 'InstallDurationSec': 60}]}
    path = tmp_path / re.sub(r'[^A-Za-z0-9_.-]', '_', '%s_%s.fwpkg' % (name, version))
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('payload.json', json.dumps(payload))
        archive.writestr(name + '.bin', b'\x5a' * size)
    return str(path)


def items(fleet):
    """The simulated iLO's own firmware inventory: [(key, body)]."""
    return fleet.ilos[0]._fw_items()  # pylint: disable=protected-access


def item_named(fleet, test):
    found = [body for _key, body in items(fleet) if test(body)]
    assert found, [b.get('Name') for _k, b in items(fleet)]
    return found[0]


def ilo_item(fleet):
    return item_named(fleet, lambda b: b.get('Description') == 'SystemBMC' or b.get('Name', '').startswith('iLO '))


def rom_item(fleet):
    return item_named(fleet, lambda b: b.get('Name') == 'System ROM')


def targets(body):
    return (body.get('Oem') or {}).get('Hpe', {}).get('Targets')


def bumped(version):
    """A version newer than ``version``: its first ``major.minor`` with the minor raised, nothing else
    ("3.11 Feb 25 2025" -> "3.12", "iLO 5 v3.11" -> "3.12", "U46 v2.34 (03/11/2025)" -> "U46 v2.35")."""
    family = re.match(r'^(U\d+) ', version)
    major, minor = re.search(r'(\d+)\.(\d+)', version).groups()
    return '%s%s.%0*d' % (family.group(1) + ' v' if family else '', major, len(minor), int(minor) + 1)


def plain(version):
    """The bare number of an inventory version, as a package names it ("iLO 5 v3.11" -> "3.11")."""
    return re.search(r'\d+(\.\d+)+', version).group()


@pytest.fixture(name='web')
def web_fixture(tmp_path):
    """A loopback HTTP server over tmp_path, the repository an iLO pulls from."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/' % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize('target', ['ilo5', 'ilo6', 'ilo7', 'tree:ilo7'])
def test_ilo_flash_plans_then_pushes_resets_verifies_then_uploads_nothing(simulators, tmp_path, target):
    fleet = fleet_for(simulators, target)
    ilo = ilo_item(fleet)
    before, newer = ilo['Version'], bumped(ilo['Version'])
    args = connection(fleet, image_path=fwpkg(tmp_path, ilo['Name'], newer, targets(ilo)))

    plan = run_module('ilo_firmware', args, check_mode=True, diff=True)
    assert plan['changed'] and not plan.get('failed'), plan
    assert plan['action'] == 'update' and plan['ilo_reset'] and not plan['pending_reboot'] and plan['uploaded_bytes'] == 0
    assert [(c['name'], c['from'], c['to'], c['action']) for c in plan['components']] == [(ilo['Name'], before, newer, 'update')]
    assert writes(fleet, exclude_sessions=True) == 0 and fleet.ilos[0].fw_log()['bytes_uploaded'] == 0
    assert list(plan['diff']['after'].values()) == [newer]

    result = run_module('ilo_firmware', args)
    assert result['changed'] and not result.get('failed'), result
    log = fleet.ilos[0].fw_log()
    assert log['uploads'] and log['uploads'][0]['parameters']['UpdateTarget'] is True
    assert result['uploaded_bytes'] == log['bytes_uploaded'] > 2048
    assert result['state'] == 'Complete' and result['reset']['went_down'] and result['reset']['logged_in_again']
    assert fleet.ilos[0].state()['manager_resets'] == ['FirmwareUpdate']
    assert ilo_item(fleet)['Version'] == newer and result['components'][0]['now'] == newer
    assert fleet.ilos[0].session_info()['open'] == []

    again = run_module('ilo_firmware', args)
    assert not again['changed'] and again['action'] == 'none' and again['uploaded_bytes'] == 0, again
    assert fleet.ilos[0].fw_log()['bytes_uploaded'] == log['bytes_uploaded']  # zero bytes uploaded by the second run


@pytest.mark.parametrize('target', ['ilo5', 'tree:ilo5'])
def test_equal_version_is_a_no_op_and_older_is_refused_before_anything_is_sent(simulators, tmp_path, target):
    fleet = fleet_for(simulators, target)
    ilo = ilo_item(fleet)
    same = run_module('ilo_firmware', connection(fleet, image_path=fwpkg(tmp_path, ilo['Name'], plain(ilo['Version']), targets(ilo))))
    assert not same['changed'] and same['action'] == 'none' and same['components'][0]['action'] == 'none', same

    older = fwpkg(tmp_path, ilo['Name'], '1.01', targets(ilo))
    refused = run_module('ilo_firmware', connection(fleet, image_path=older))
    assert_clear_failure(refused)
    assert 'downgrade' in refused['msg'] and 'allow_downgrade' in refused['msg'] and ilo['Version'] in refused['msg']
    assert writes(fleet, exclude_sessions=True) == 0 and fleet.ilos[0].fw_log()['bytes_uploaded'] == 0

    allowed = run_module('ilo_firmware', connection(fleet, image_path=older, allow_downgrade=True), check_mode=True)
    assert allowed['changed'] and allowed['action'] == 'downgrade', allowed


def test_no_downgrade_policy_wins_over_allow_downgrade(simulators, tmp_path):
    fleet = fleet_for(simulators, 'ilo6')
    ilo_ = fleet.ilos[0]
    service = ilo_.mutable(ilo_._fw_service_key())  # pylint: disable=protected-access
    service['Oem']['Hpe']['DowngradePolicy'] = 'NoDowngrade'
    ilo = ilo_item(fleet)
    result = run_module('ilo_firmware', connection(fleet, image_path=fwpkg(tmp_path, ilo['Name'], '1.01', targets(ilo)),
                                                   allow_downgrade=True))
    assert_clear_failure(result)
    assert 'NoDowngrade' in result['msg'] and writes(fleet, exclude_sessions=True) == 0


@pytest.mark.parametrize('target', ['ilo5', 'tree:ilo6'])
def test_uefi_package_is_pulled_queued_pending_reboot_and_applied_by_a_restart(simulators, tmp_path, web, target):
    fleet = fleet_for(simulators, target)
    rom = rom_item(fleet)
    newer = bumped(rom['Version'])
    path = fwpkg(tmp_path, 'System ROM', newer, targets(rom), updatable_by=('Uefi',), direct=False, uefi=True)
    name = path.rsplit('/', 1)[-1]
    args = connection(fleet, image_url=web + name, image_path=path)

    plan = run_module('ilo_firmware', args, check_mode=True)
    assert plan['changed'] and plan['pending_reboot'] and not plan['ilo_reset'] and plan['package']['kind'] == 'uefi', plan
    assert writes(fleet, exclude_sessions=True) == 0 and fleet.ilos[0].fw_log()['pulls'] == []

    result = run_module('ilo_firmware', args)
    assert not result.get('failed') and result['changed'] and result['pending_reboot'], result.get('msg')
    assert result['task']['Filename'] == name and result['task']['State'] == 'Pending'
    assert fleet.ilos[0].fw_log()['pulls'] == [web + name] and fleet.ilos[0].fw_log()['bytes_uploaded'] == 0
    assert rom_item(fleet)['Version'] == rom['Version']  # not before the next boot

    again = run_module('ilo_firmware', args)
    assert not again['changed'] and again['pending_reboot'] and again['components'][0]['action'] == 'staged', again
    assert fleet.ilos[0].fw_log()['pulls'] == [web + name]  # queued once

    restart_directly(fleet)
    assert rom_item(fleet)['Version'] == newer
    done = run_module('ilo_firmware', args)
    assert not done['changed'] and done['action'] == 'none' and not done['pending_reboot'], done


def test_unreachable_url_fails_with_ilos_reason(simulators, tmp_path, web):
    fleet = fleet_for(simulators, 'ilo5')
    ilo = ilo_item(fleet)
    path = fwpkg(tmp_path, ilo['Name'], bumped(ilo['Version']), targets(ilo))
    result = run_module('ilo_firmware', connection(fleet, image_url=web + 'missing.fwpkg', image_path=path))
    assert_clear_failure(result)
    assert 'SimpleUpdateInvalidImageURI' in result['msg'] and 'missing.fwpkg' in result['msg'], result['msg']
    assert ilo_item(fleet)['Version'] == ilo['Version'] and fleet.ilos[0].state()['manager_resets'] == []


@pytest.mark.parametrize('fault, words', [('bad_signature', 'signature'), ('flash_failed', 'flash write failed')])
def test_signature_and_flash_failures_fail_with_ilos_reason(simulators, tmp_path, fault, words):
    fleet = fleet_for(simulators, 'ilo6', firmware_fault=fault)
    ilo = ilo_item(fleet)
    result = run_module('ilo_firmware', connection(fleet, image_path=fwpkg(tmp_path, ilo['Name'], bumped(ilo['Version']),
                                                                           targets(ilo))))
    assert_clear_failure(result)
    assert words in result['msg'] and 'UpdateFailed' in result['msg'], result['msg']
    assert result['msg'].count('. ') <= 2 and ilo_item(fleet)['Version'] == ilo['Version']


def test_a_component_flashed_by_the_ilo_that_activates_at_the_next_reset_is_pending_reboot(simulators, tmp_path):
    fleet = fleet_for(simulators, 'ilo6')
    psu = item_named(fleet, lambda b: b.get('Name') == 'Power Supply Firmware')
    args = connection(fleet, image_path=fwpkg(tmp_path, 'Power Supply Firmware', '9.99', targets(psu), reset=True))
    result = run_module('ilo_firmware', args)
    assert result['changed'] and result['pending_reboot'] and not result['ilo_reset'] and result['state'] == 'Complete', result
    assert fleet.ilos[0].fw_log()['flashes'][0]['version'] == '9.99' and fleet.ilos[0].state()['manager_resets'] == []


def test_failure_reason_is_the_registrys_sentence_on_a_real_tree(simulators, tmp_path):
    fleet = fleet_for(simulators, 'tree:ilo5', firmware_fault='bad_signature')
    ilo = ilo_item(fleet)
    result = run_module('ilo_firmware', connection(fleet, image_path=fwpkg(tmp_path, ilo['Name'], bumped(ilo['Version']), targets(ilo))))
    assert_clear_failure(result)
    assert ('The iLO reported the firmware update as Error: The update failed with a component specific error (the component '
            'signature is not valid) (iLO.2.') in result['msg'], result['msg']
    assert ilo_item(fleet)['Version'] == ilo['Version'] and fleet.ilos[0].state()['manager_resets'] == []


def test_bad_packages_fail_before_anything_is_sent(simulators, tmp_path):
    fleet = fleet_for(simulators, 'ilo7')
    ilo = ilo_item(fleet)
    newer = bumped(ilo['Version'])
    sum_only = fwpkg(tmp_path, 'NIC', '9.9', targets(ilo), updatable_by=('RuntimeAgent',), direct=False)
    foreign = fwpkg(tmp_path, 'Other', '9.9', ['00000000-dead-beef-0000-000000000000'])
    not_zip = tmp_path / 'broken.fwpkg'
    not_zip.write_bytes(b'not a zip')
    bare = tmp_path / 'ilo.bin'
    bare.write_bytes(b'ILOSIM-IMAGE version=%s\n' % newer.encode())
    cases = [
        (dict(image_path=sum_only), 'SUM'),
        (dict(image_path=foreign), 'not for this server'),
        (dict(image_path=str(not_zip)), 'not a valid .fwpkg'),
        (dict(image_path=str(bare)), 'give version'),
        (dict(image_url='https://repo.example.com/x.fwpkg'), 'give image_path'),
        (dict(image_url='ftp://repo.example.com/x.fwpkg', version='1.0'), 'http'),
        (dict(image_path=str(bare), version=newer, components=['No Such Thing']), 'No Such Thing'),
        (dict(image_path=str(bare), version=newer, auth='basic'), 'session'),
    ]
    for extra, words in cases:
        result = run_module('ilo_firmware', connection(fleet, **extra))
        assert_clear_failure(result)
        assert words in result['msg'], (extra, result['msg'])
    assert writes(fleet, exclude_sessions=True) == 0 and fleet.ilos[0].fw_log()['bytes_uploaded'] == 0
    skipped = run_module('ilo_firmware', connection(fleet, image_path=foreign, if_not_applicable='skip'))
    assert not skipped['failed'] and not skipped['changed'] and skipped['action'] == 'not_applicable', skipped
    assert 'not for this server' in skipped['msg'] and writes(fleet, exclude_sessions=True) == 0


def test_bare_ilo_image_with_version_is_flashed(simulators, tmp_path):
    fleet = fleet_for(simulators, 'ilo5')
    newer = bumped(ilo_item(fleet)['Version'])
    bare = tmp_path / 'ilo5_new.bin'
    bare.write_bytes(b'ILOSIM-IMAGE version=%s\n' % newer.encode() + b'\0' * 4096)
    result = run_module('ilo_firmware', connection(fleet, image_path=str(bare), version=newer, wait_timeout=60))
    assert result['changed'] and result['ilo_reset'] and result['reset']['logged_in_again'], result
    assert ilo_item(fleet)['Version'] == newer


def test_ilo4_refuses_everything_but_its_own_firmware(simulators, tmp_path):
    fleet = fleet_for(simulators, 'ilo4')
    other = run_module('ilo_firmware', connection(fleet, image_url='https://repo.example.com/rom.bin', version='9.9',
                                                  components=['System ROM']), check_mode=True)
    assert_clear_failure(other)
    assert 'iLO 4' in other['msg'] and writes(fleet, exclude_sessions=True) == 0
    image = tmp_path / 'ilo4.bin'
    image.write_bytes(b'ILOSIM-IMAGE version=2.99\n')
    for extra in (dict(image_path=str(image), version='2.99'), dict(image_url='https://repo.example.com/ilo4.bin', version='2.99', stage_only=True)):
        refused = run_module('ilo_firmware', connection(fleet, **extra))
        assert_clear_failure(refused)
        assert 'iLO 4 only flashes its own firmware from image_url' in refused['msg'], refused['msg']
    assert writes(fleet, exclude_sessions=True) == 0


def test_an_upload_the_ilo_does_not_confirm_says_how_far_it_got(simulators, tmp_path):
    fleet = fleet_for(simulators, 'ilo5')
    ilo = ilo_item(fleet)
    fleet.ilos[0].add_fault({'kind': 'drop', 'match': {'method': 'POST', 'path': 'uploadfile'}})
    result = run_module('ilo_firmware', connection(fleet, image_path=fwpkg(tmp_path, ilo['Name'], bumped(ilo['Version']), targets(ilo))))
    assert_clear_failure(result)
    assert 'bytes of %s were sent but the iLO did not confirm the upload' % result['package']['name'] in result['msg'], result['msg']
    assert result['uploaded_bytes'] > 2048 and ilo_item(fleet)['Version'] == ilo['Version']


def test_stage_only_puts_the_package_in_the_repository_once_and_a_cleared_queue_reuses_it(simulators, tmp_path):
    fleet = fleet_for(simulators, 'ilo7')
    sim = fleet.ilos[0]
    ilo = ilo_item(fleet)
    args = connection(fleet, image_path=fwpkg(tmp_path, ilo['Name'], bumped(ilo['Version']), targets(ilo)), stage_only=True)
    staged = run_module('ilo_firmware', args)
    assert staged['changed'] and staged['staged'] and not staged['ilo_reset'] and staged['uploaded_bytes'] > 0, staged
    assert sim.fw_log()['uploads'][0]['parameters']['UpdateTarget'] is False and sim.fw_log()['flashes'] == []
    assert ilo_item(fleet)['Version'] == ilo['Version'] and sim.state()['manager_resets'] == []
    again = run_module('ilo_firmware', args)
    assert not again['changed'] and again['staged'] and again['components'][0]['action'] == 'staged', again
    assert len(sim.fw_log()['uploads']) == 1

    # A UEFI package whose queue item was deleted (someone cleared the queue): the repository copy is queued again.
    rom = rom_item(fleet)
    uefi = fwpkg(tmp_path, 'System ROM', bumped(rom['Version']), targets(rom), updatable_by=('Uefi',), direct=False, uefi=True)
    first = run_module('ilo_firmware', connection(fleet, image_path=uefi))
    assert first['changed'] and first['pending_reboot'] and first['uploaded_bytes'] > 0, first
    queue = sim._fw_link('UpdateTaskQueue')  # pylint: disable=protected-access
    sim.mutable(queue)['Members'] = []
    second = run_module('ilo_firmware', connection(fleet, image_path=uefi))
    assert second['changed'] and second['reused'] and second['uploaded_bytes'] == 0 and second['task']['State'] == 'Pending', second
    assert len(sim.fw_log()['uploads']) == 2


def test_ilo4_flashes_its_own_firmware_from_a_url(simulators, tmp_path, web):
    fleet = fleet_for(simulators, 'ilo4')
    image = tmp_path / 'ilo4_299.bin'
    image.write_bytes(b'ILOSIM-IMAGE version=2.99\n' + b'\0' * 1024)
    args = connection(fleet, image_url=web + 'ilo4_299.bin', version='2.99')
    result = run_module('ilo_firmware', args)
    assert result['changed'] and result['ilo_reset'] and result['reset']['went_down'], result
    assert result['components'][0]['now'] == '2.99' and fleet.ilos[0].fw_log()['pulls'] == [web + 'ilo4_299.bin']
    assert not run_module('ilo_firmware', args)['changed']
