# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_virtual_media in-process against the simulator: the iLO 4/5/6/7 profiles and the real iLO 5/6/7 trees.

Per target: check mode writes nothing and predicts the steps; insert (DMTF action on iLO 5+, a PATCH of Image
on iLO 4) with the boot-once flag, verified connected; the same again is a no-op with no write; a different image
is ejected first; eject clears it and the flag. The real iLO 5 tree holds an image on its USB device already
(eject first). An unreachable URL (simulator fault) is accepted by the iLO and reported after the wait; bad
options fail before any write.
"""

from __future__ import annotations

import time

import pytest

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, fresh, require_shared  # pylint: disable=import-error
from relkit import assert_clear_failure, connection, run_module, writes  # pylint: disable=import-error

#: One per generation, the real tree where there is one (the ilo5/ilo6 profiles have the same shapes as the trees).
TARGETS = ['ilo4', 'tree:ilo5', 'tree:ilo6', 'tree:ilo7', 'ilo7']
TREES = {'tree:ilo5': ILO5_MOCKUP, 'tree:ilo6': ILO6_MOCKUP, 'tree:ilo7': ILO7_MOCKUP}
ISO = 'http://repo.example.com/iso/install.iso'
OTHER = 'https://repo.example.com/iso/rescue.iso'


def fleet_for(simulators, target, connect_s=0.0):
    name = 'mockup:' + require_shared(TREES[target]) if target in TREES else target
    fleet = fresh(simulators(name))
    fleet.ilos[0].set_config({'media_connect_s': connect_s})
    return fleet


def device(fleet, number):
    return fleet.ilos[0].body('/redfish/v1/managers/1/virtualmedia/%d' % number)


def sent(fleet):
    """The writes, as 'METHOD last-two-segments', without sessions."""
    found = []
    for key, count in sorted(fleet.ilos[0].requests()['by_endpoint'].items()):
        method, path = key.split(' ', 1)
        if method in ('POST', 'PATCH') and 'sessionservice' not in path:
            found.extend(['%s %s' % (method, path.rstrip('/').rsplit('/', 1)[-1])] * count)
    return found


@pytest.mark.parametrize('target', TARGETS)
def test_insert_boot_once_noop_change_eject(simulators, target):
    fleet = fleet_for(simulators, target)
    oem = 'Hp' if target == 'ilo4' else 'Hpe'
    args = connection(fleet, media='cd', image_url=ISO, boot_on_next_reset=True, wait_timeout=10)
    predicted = run_module('ilo_virtual_media', args, check_mode=True, diff=True)
    assert predicted['changed'] and predicted['steps'] == ['insert', 'boot_on_next_reset'], predicted
    assert predicted['diff']['after'] == {'inserted': True, 'image': ISO, 'write_protected': True, 'boot_on_next_reset': True}
    assert predicted['diff']['before']['inserted'] is False and writes(fleet, exclude_sessions=True) == 0

    result = run_module('ilo_virtual_media', args, diff=True)
    assert result['changed'] and not result.get('failed'), result
    assert result['device']['id'] == '2' and result['device']['method'] == ('patch' if target == 'ilo4' else 'actions')
    assert result['after']['connected'] and result['after']['image'] == ISO and result['after']['boot_on_next_reset'] is True
    # iLO 4: one PATCH carries image and flag; iLO 5+: the DMTF action, then the OEM flag by PATCH
    assert sent(fleet) == (['PATCH 2'] if target == 'ilo4' else ['PATCH 2', 'POST virtualmedia.insertmedia']), sent(fleet)
    cd = device(fleet, 2)
    assert cd['Image'] == ISO and cd['Inserted'] is True and cd['Oem'][oem]['BootOnNextServerReset'] is True
    assert fleet.ilos[0].session_info()['open'] == []

    fleet.ilos[0].clear_requests()
    again = run_module('ilo_virtual_media', args, diff=True)
    assert not again['changed'] and again['steps'] == [] and writes(fleet, exclude_sessions=True) == 0, again
    assert again['diff']['before'] == again['diff']['after']

    other = run_module('ilo_virtual_media', dict(args, image_url=OTHER, boot_on_next_reset=None))
    assert other['changed'] and other['steps'] == ['eject', 'insert'], other
    assert device(fleet, 2)['Image'] == OTHER and other['after']['boot_on_next_reset'] is False  # iLO cleared it at eject

    ejected = run_module('ilo_virtual_media', connection(fleet, media='cd', state='ejected'))
    assert ejected['changed'] and ejected['steps'] == ['eject'] and ejected['after']['inserted'] is False, ejected
    assert device(fleet, 2)['Image'] == '' and device(fleet, 2)['Inserted'] is False
    fleet.ilos[0].clear_requests()
    still = run_module('ilo_virtual_media', connection(fleet, media='cd', state='ejected'))
    assert not still['changed'] and writes(fleet, exclude_sessions=True) == 0, still


def test_real_ilo5_usb_device_holds_an_image_a_new_one_ejects_it_first(simulators):
    fleet = fleet_for(simulators, 'tree:ilo5')
    held = device(fleet, 1)['Image']
    assert held and device(fleet, 1)['Inserted'] is True
    same = run_module('ilo_virtual_media', connection(fleet, media='usb', image_url=held))
    assert not same['changed'] and same['device']['id'] == '1' and writes(fleet, exclude_sessions=True) == 0, same
    result = run_module('ilo_virtual_media', connection(fleet, media='1', image_url=ISO, write_protected=False))
    assert result['changed'] and result['steps'] == ['eject', 'insert'], result
    assert sent(fleet) == ['POST virtualmedia.ejectmedia', 'POST virtualmedia.insertmedia'], sent(fleet)
    assert device(fleet, 1)['Image'] == ISO and device(fleet, 1)['WriteProtected'] is False


@pytest.mark.parametrize('target', ['ilo4', 'tree:ilo6'])
def test_unreachable_image_is_reported_after_the_wait(simulators, target):
    fleet = fleet_for(simulators, target, connect_s=0.3)  # the iLO drops the image 0.3 s after its answer: polled
    fleet.ilos[0].add_fault({'kind': 'unreachable_image', 'image': 'unreachable'})
    url = 'http://unreachable.example.com/boot.iso'
    started = time.monotonic()
    result = run_module('ilo_virtual_media', connection(fleet, image_url=url, wait_timeout=30))
    msg = assert_clear_failure(result)
    assert url in msg and 'did not connect it and then dropped it' in msg and 'reachable from the iLO' in msg, msg
    assert time.monotonic() - started < 5  # reported when the iLO drops it, not at the end of wait_timeout
    assert result['after']['inserted'] is False and device(fleet, 2)['Image'] == ''
    assert fleet.ilos[0].session_info()['open'] == []


@pytest.mark.parametrize('target', ['ilo4', 'ilo7'])
def test_bad_options_fail_before_any_write(simulators, target):
    fleet = fleet_for(simulators, target)
    cases = [
        (dict(image_url='ftp://repo.example.com/x.iso'), 'not an http:// or https:// URL'),
        (dict(image_url='nfs-share:/x.iso'), 'not an http:// or https:// URL'),
        (dict(), 'image_url is required'),
        (dict(media='usb', image_url=ISO, boot_on_next_reset=True), 'has no Oem.'),
        (dict(state='ejected', boot_on_next_reset=True), 'needs an image'),
        (dict(media='bluray', image_url=ISO), "media: cd, floppy, usb or a device id"),
        (dict(image_url=ISO, wait_timeout=0), 'wait_timeout must be a positive'),
    ]
    for extra, expected in cases:
        result = run_module('ilo_virtual_media', connection(fleet, **extra))
        assert expected in assert_clear_failure(result), (extra, result['msg'])
    assert writes(fleet, exclude_sessions=True) == 0
    assert fleet.ilos[0].session_info()['open'] == []
