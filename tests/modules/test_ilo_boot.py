# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_boot (override) in-process against the simulator: the iLO 4/5/6/7 profiles and the real iLO 5/6/7 trees.

Per target: check mode writes nothing and predicts; one PATCH of the system's Boot object sets a one-time Cd boot;
the same again is a no-op; a change writes only what differs; the next server boot uses the one-time override
and clears it (the simulator, as iLO), so the module sets it again. A UEFI target by display name, reference or
pattern becomes the option's device path. Every bad value (target not allowed, mode on iLO, no HttpBootUri,
an ambiguous option) fails before any write, all at once.
"""

from __future__ import annotations

import os

import pytest

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, SHARED, fresh, require_shared  # pylint: disable=import-error
from relkit import FAST, assert_clear_failure, connection, restart_directly, run_module, writes  # pylint: disable=import-error

#: One per generation, the real tree where there is one (the ilo5/ilo6 profiles have the same shapes as the trees).
GENERATIONS = ['ilo4', 'tree:ilo5', 'tree:ilo6', 'ilo7']
TREES = {'tree:ilo5': ILO5_MOCKUP, 'tree:ilo6': ILO6_MOCKUP, 'tree:ilo7': ILO7_MOCKUP}


def fleet_for(simulators, target):
    name = 'mockup:' + require_shared(TREES[target]) if target in TREES else target
    fleet = fresh(simulators(name))
    fleet.ilos[0].set_config(dict(FAST))
    return fleet


def boot(fleet):
    return fleet.ilos[0].body('/redfish/v1/systems/1')['Boot']


def patches(fleet):
    return [k for k, n in fleet.ilos[0].requests()['by_endpoint'].items() for _i in range(n) if k.startswith('PATCH ')]


@pytest.mark.parametrize('target', GENERATIONS)
def test_once_check_mode_set_noop_change_and_consumed_by_the_boot(simulators, target):
    fleet = fleet_for(simulators, target)
    args = connection(fleet, override={'target': 'cd'})
    predicted = run_module('ilo_boot', args, check_mode=True, diff=True)
    assert predicted['changed'] and predicted['changes'] == {'target': 'Cd', 'enabled': 'once'}, predicted
    assert predicted['diff'] == {'before': {'enabled': 'disabled', 'target': 'None'}, 'after': {'enabled': 'once', 'target': 'Cd'}}
    assert writes(fleet, exclude_sessions=True) == 0

    result = run_module('ilo_boot', args, diff=True)
    assert result['changed'] and result['changes'] == predicted['changes'] and not result.get('failed'), result
    assert patches(fleet) == ['PATCH /redfish/v1/systems/1']
    assert boot(fleet)['BootSourceOverrideTarget'] == 'Cd' and boot(fleet)['BootSourceOverrideEnabled'] == 'Once'

    fleet.ilos[0].clear_requests()
    again = run_module('ilo_boot', args, diff=True)
    assert not again['changed'] and writes(fleet, exclude_sessions=True) == 0, again
    assert again['override']['target'] == {'before': 'Cd', 'desired': 'Cd', 'action': 'none'}

    changed = run_module('ilo_boot', connection(fleet, override={'target': 'Pxe', 'enabled': 'continuous'}))
    assert changed['changes'] == {'target': 'Pxe', 'enabled': 'continuous'}, changed
    assert run_module('ilo_boot', connection(fleet, override={'enabled': 'once'}))['changes'] == {'enabled': 'once'}
    restart_directly(fleet)  # the server boots: iLO uses the one-time override and clears it
    assert boot(fleet)['BootSourceOverrideEnabled'] == 'Disabled'
    assert run_module('ilo_boot', connection(fleet, override={'target': 'Pxe'}))['changed']
    cleared = run_module('ilo_boot', connection(fleet, override={'target': 'none'}))
    assert cleared['changes'] == {'target': 'None', 'enabled': 'disabled'}, cleared
    assert fleet.ilos[0].session_info()['open'] == []


@pytest.mark.parametrize('target', ['ilo7', 'tree:ilo5'])
def test_uefi_target_by_name_reference_or_pattern_is_the_option_device_path(simulators, target):
    fleet = fleet_for(simulators, target)
    system = fleet.ilos[0].body('/redfish/v1/systems/1')
    options = [fleet.ilos[0].body(k) for k in fleet.ilos[0].tree.bodies if k.startswith('/redfish/v1/systems/1/bootoptions/')]
    usb = [o for o in options if o.get('DisplayName') == 'Generic USB Boot'][0]
    assert usb['UefiDevicePath'] in system['Boot']['UefiTargetBootSourceOverride@Redfish.AllowableValues']
    for given in ('Generic USB Boot', usb['BootOptionReference'].lower(), '*usb boot*'):
        result = run_module('ilo_boot', connection(fleet, override={'uefi_target': given}), check_mode=True)
        assert result['changes'] == {'target': 'UefiTarget', 'enabled': 'once', 'uefi_target': usb['UefiDevicePath']}, (given, result)
    result = run_module('ilo_boot', connection(fleet, override={'uefi_target': 'Generic USB Boot'}))
    assert result['changed'] and boot(fleet)['UefiTargetBootSourceOverride'] == usb['UefiDevicePath'], result
    assert not run_module('ilo_boot', connection(fleet, override={'uefi_target': usb['BootOptionReference']}))['changed']


@pytest.mark.parametrize('target', ['ilo4', 'tree:ilo7'])
def test_bad_values_fail_together_before_any_write(simulators, target):
    fleet = fleet_for(simulators, target)
    result = run_module('ilo_boot', connection(fleet, override={'target': 'Floppy', 'mode': 'Legacy'}))
    msg = assert_clear_failure(result)
    assert len(result['validation_errors']) == 2, result
    assert "target 'Floppy' is not one this system accepts" in msg and 'Pxe' in msg and 'read-only here' in msg, msg
    cases = [
        ({'target': 'UefiTarget'}, 'needs uefi_target'),
        ({'uefi_target': 'No Such Option'}, 'names no boot option' if target != 'ilo4' else 'names no boot option'),
        ({'http_boot_uri': 'http://10.0.0.1/boot.efi'}, 'has no Boot.HttpBootUri'),
        ({'target': 'Pxe', 'uefi_target': 'x'}, 'uefi_target is used with target: UefiTarget'),
        ({}, 'Nothing to do'),
    ]
    for override, expected in cases:
        result = run_module('ilo_boot', connection(fleet, override=override))
        assert expected in assert_clear_failure(result), (override, result['msg'])
    if target != 'ilo4':
        result = run_module('ilo_boot', connection(fleet, override={'uefi_target': '*Nvidia*'}))
        assert 'names 4, not one' in assert_clear_failure(result), result['msg']
    # the current mode is accepted: nothing to write
    assert not run_module('ilo_boot', connection(fleet, override={'mode': 'UEFI'}))['changed']
    assert writes(fleet, exclude_sessions=True) == 0
    assert fleet.ilos[0].session_info()['open'] == []


def hpe_order(fleet, pending=False):
    ilo = fleet.ilos[0]
    keys = [k for k in ilo.tree.bodies if k.startswith('/redfish/v1/systems/1/bios/') and k.endswith(('/boot', '/boot/settings'))]
    key = [k for k in keys if k.endswith('/settings') == pending][0]
    return ilo.body(key)['PersistentBootConfigOrder']


@pytest.mark.parametrize('target', ['ilo4', 'tree:ilo5', 'tree:ilo6', 'tree:ilo7'])
def test_order_pending_object_staged_idempotent_applied_at_the_next_boot(simulators, target):
    fleet = fleet_for(simulators, target)
    before = hpe_order(fleet)
    sources = fleet.ilos[0].body([k for k in fleet.ilos[0].tree.bodies if k.startswith('/redfish/v1/systems/1/bios/')
                                  and k.endswith('/boot')][0])['BootSources']
    usb = [s for s in sources if s['BootString'] == 'Generic USB Boot'][0]['StructuredBootString']
    pxe = sorted(s['StructuredBootString'] for s in sources if 'PXE IPv4' in s['BootString'] or s['StructuredBootString'].endswith('.IPv4'))
    assert pxe and usb in before
    args = connection(fleet, order=['*PXE IPv4*', 'generic usb boot'] if target != 'ilo4' else [pxe[0], 'Generic USB Boot'])
    predicted = run_module('ilo_boot', args, check_mode=True, diff=True)
    assert predicted['changed'] and predicted['order']['action'] == 'set' and predicted['pending_reboot'], predicted
    assert writes(fleet, exclude_sessions=True) == 0
    result = run_module('ilo_boot', args, diff=True)
    assert result['changed'] and result['pending_reboot'] and not result.get('failed'), result
    staged = hpe_order(fleet, pending=True)
    assert staged[-1:] != [] and usb in staged and len(staged) == len(before) and sorted(staged) == sorted(before)
    assert staged.index(usb) == len([s for s in staged[:staged.index(usb)] if s in pxe]), staged  # the named ones first
    assert hpe_order(fleet) == before and patches(fleet) == ['PATCH ' + result['order']['uri'].lower().rstrip('/')]
    assert result['diff']['after']['order'][0] != result['diff']['before']['order'][0] or staged[0] == before[0]
    again = run_module('ilo_boot', args)
    assert not again['changed'] and again['order']['action'] == 'staged' and again['pending_reboot'], again
    restart_directly(fleet)  # POST applies the pending order
    assert hpe_order(fleet) == staged
    applied = run_module('ilo_boot', args)
    assert not applied['changed'] and applied['order']['action'] == 'none' and not applied['pending_reboot'], applied
    bad = run_module('ilo_boot', connection(fleet, order=['No Such Device'], override={'target': 'Nowhere'}))
    assert len(bad['validation_errors']) == 2 and 'names no boot option' in assert_clear_failure(bad), bad
    assert len(patches(fleet)) == 1 and fleet.ilos[0].session_info()['open'] == []


def test_plain_redfish_service_override_and_writable_mode(simulators):
    """The DMTF rackmount sample: no Oem, so BootSourceOverrideMode is written; no boot order to set there."""
    path = require_shared(os.path.join(SHARED, 'redfish-mockups', 'dmtf-public-rackmount1'))
    fleet = fresh(simulators('mockup:' + path))
    args = connection(fleet, auth='basic', override={'target': 'Cd', 'mode': 'Legacy'})
    result = run_module('ilo_boot', args, diff=True)
    assert result['changed'] and result['changes'] == {'target': 'Cd', 'mode': 'Legacy'}, result  # Once already
    assert result['diff']['after'] == {'enabled': 'once', 'mode': 'Legacy', 'target': 'Cd'}
    assert not run_module('ilo_boot', args)['changed']
    fleet.ilos[0].clear_requests()
    result = run_module('ilo_boot', connection(fleet, auth='basic', order=['Pxe']))
    assert 'neither an HPE boot order object nor Boot.BootOrder' in assert_clear_failure(result)
    assert writes(fleet) == 0
