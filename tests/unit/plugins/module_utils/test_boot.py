# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""boot.py on JSON samples: the override names and PATCH body, validation against what a system advertises,
boot options by reference/name/pattern, and the persistent order (HPE pending object and Boot.BootOrder)."""

from __future__ import annotations

from ansible_collections.lightsout.ilo.plugins.module_utils.boot import BootOrder, BootOverride, find_option, hpe_boot_link, resolve_order

ILO5_SYSTEM = {'Oem': {'Hpe': {}}, 'Boot': {
    'BootSourceOverrideEnabled': 'Disabled', 'BootSourceOverrideMode': 'UEFI', 'BootSourceOverrideTarget': 'None',
    'BootSourceOverrideTarget@Redfish.AllowableValues': ['None', 'Cd', 'Pxe', 'UefiTarget', 'UefiHttp'],
    'UefiTargetBootSourceOverride': 'None', 'UefiTargetBootSourceOverride@Redfish.AllowableValues': ['UsbClass(0xFFFF)', 'HD(1)'],
    'BootOrder': ['Boot000E', 'Boot001A']}}
ILO4_SYSTEM = {'Oem': {'Hp': {}}, 'Boot': {'BootSourceOverrideEnabled': 'Disabled', 'BootSourceOverrideTarget': 'None',
                                           'BootSourceOverrideSupported': ['None', 'Cd', 'Hdd', 'Pxe']}}
OPTIONS = [{'reference': 'Boot000E', 'name': 'Generic USB Boot', 'uefi_device_path': 'UsbClass(0xFFFF)'},
           {'reference': 'Boot001A', 'name': 'Red Hat Enterprise Linux', 'uefi_device_path': 'HD(1)'},
           {'reference': 'Boot0010', 'name': 'Slot 1 Port 1 (PXE IPv4)', 'uefi_device_path': 'MAC(1)'}]


def override(body, options=None):
    resource = BootOverride(None, '/redfish/v1/Systems/1', options=options)
    resource.body = body
    return resource


def test_names_values_and_patch_body():
    resource = override(ILO5_SYSTEM)
    assert resource.current['enabled'] == 'disabled' and resource.current['target'] == 'None'
    assert resource.body_for({'enabled': 'once', 'target': 'Cd'}) == {'Boot': {'BootSourceOverrideEnabled': 'Once', 'BootSourceOverrideTarget': 'Cd'}}


def test_desired_defaults_and_problems():
    errors = []
    assert override(ILO5_SYSTEM).desired('cd', None, None, None, None, errors) == {'target': 'Cd', 'enabled': 'once'} and errors == []
    assert override(ILO4_SYSTEM).desired('none', None, None, None, None, errors) == {'target': 'None', 'enabled': 'disabled'}
    errors = []
    override(ILO4_SYSTEM).desired('UefiShell', 'continuous', 'Legacy', None, 'http://x/boot.efi', errors)
    assert len(errors) == 3, errors
    assert "'UefiShell' is not one this system accepts" in errors[0] and 'None, Cd, Hdd, Pxe' in errors[0]
    assert 'has no BootSourceOverrideMode' in errors[1] and 'HttpBootUri' in errors[2]
    errors = []
    override(ILO5_SYSTEM).desired(None, 'once', 'Legacy', None, None, errors)
    assert len(errors) == 2 and 'needs a target' in errors[0] and 'read-only here' in errors[1]
    plain = {'Boot': dict(ILO5_SYSTEM['Boot'])}  # not an iLO: mode is written
    assert override(plain).desired(None, None, 'Legacy', None, None, errors) == {'mode': 'Legacy'}


def test_uefi_target_by_reference_name_pattern_or_device_path():
    for given in ('boot001a', 'Red Hat Enterprise Linux', '*red hat*', 'HD(1)'):
        errors = []
        assert override(ILO5_SYSTEM, OPTIONS).desired(None, None, None, given, None, errors) == {
            'target': 'UefiTarget', 'enabled': 'once', 'uefi_target': 'HD(1)'}, (given, errors)
    errors = []
    override(ILO5_SYSTEM, OPTIONS).desired(None, None, None, '*', None, errors)
    assert 'names 3, not one' in errors[0] and 'Boot000E (Generic USB Boot)' in errors[0]
    errors = []
    override(ILO5_SYSTEM, OPTIONS).desired(None, None, None, 'Boot0010', None, errors)  # its path is not offered
    assert 'is not one the system offers' in errors[0]
    assert [o['reference'] for o in find_option(OPTIONS, '*PXE*')] == ['Boot0010']


def test_order_resolution_named_first_rest_in_order():
    sources = [{'id': 'A', 'reference': 'Boot000A', 'name': 'NIC (PXE IPv4)'}, {'id': 'B', 'reference': None, 'name': 'NIC (PXE IPv6)'},
               {'id': 'C', 'reference': 'Boot000C', 'name': 'Generic USB Boot'}, {'id': 'D', 'reference': None, 'name': 'RAID'}]
    errors = []
    assert resolve_order(['generic usb boot', '*PXE*'], sources, ['D', 'B', 'A', 'C'], errors) == ['C', 'A', 'B', 'D'] and not errors
    assert resolve_order(['boot000a', 'd'], sources, ['D', 'B', 'A', 'C'], errors) == ['A', 'D', 'B', 'C']
    resolve_order(['Nowhere'], sources, ['A'], errors)
    assert 'names no boot option' in errors[0] and 'Boot000A (NIC (PXE IPv4))' in errors[0] and 'B (NIC (PXE IPv6))' in errors[0]


def test_boot_order_hpe_object_and_standard_boot_order():
    hpe = BootOrder(None, '/b', hpe=True)
    hpe.body = {'PersistentBootConfigOrder': ['HD.1', 'NIC.1'], 'BootSources': [
        {'StructuredBootString': 'HD.1', 'BootOptionNumber': '001A', 'BootString': 'RAID'}, {'StructuredBootString': 'NIC.1', 'BootString': 'NIC'}]}
    assert hpe.current == {'order': ['HD.1', 'NIC.1']} and hpe.body_for({'order': ['NIC.1', 'HD.1']}) == {'PersistentBootConfigOrder': ['NIC.1', 'HD.1']}
    assert hpe.sources[0] == {'id': 'HD.1', 'reference': 'Boot001A', 'name': 'RAID'} and hpe.names(['NIC.1', 'X']) == ['NIC', 'X']
    standard = BootOrder(None, '/redfish/v1/Systems/1', hpe=False, options=OPTIONS)
    standard.body = ILO5_SYSTEM
    assert standard.current == {'order': ['Boot000E', 'Boot001A']} and standard.body_for({'order': ['Boot001A']}) == {'Boot': {'BootOrder': ['Boot001A']}}
    errors = []
    assert standard.desired(['Red Hat*'], errors) == {'order': ['Boot001A', 'Boot000E']} and not errors
    assert hpe_boot_link({'Oem': {'Hpe': {'Links': {'Boot': {'@odata.id': '/b/'}}}}}) == '/b/'
    assert hpe_boot_link({'links': {'Boot': {'href': '/rest/v1/systems/1/bios/Boot'}}}) == '/rest/v1/systems/1/bios/Boot'


def test_http_boot_uri_and_listed_modes_where_the_service_has_them():
    body = {'Boot': {'BootSourceOverrideTarget': 'None', 'BootSourceOverrideEnabled': 'Disabled', 'HttpBootUri': None,
                     'BootSourceOverrideMode': 'UEFI', 'BootSourceOverrideMode@Redfish.AllowableValues': ['UEFI'],
                     'BootSourceOverrideTarget@Redfish.AllowableValues': ['None', 'Pxe', 'UefiHttp']}, 'Oem': {'Hpe': {}}}
    errors = []
    wanted = override(body).desired(None, None, None, None, 'https://boot.example.com/grubx64.efi', errors)
    assert wanted == {'target': 'UefiHttp', 'enabled': 'once', 'http_boot_uri': 'https://boot.example.com/grubx64.efi'} and not errors
    assert override(body).body_for(wanted)['Boot']['HttpBootUri'] == 'https://boot.example.com/grubx64.efi'
    override(body).desired('Pxe', None, 'Legacy', None, 'tftp://x/boot.efi', errors)
    assert len(errors) == 2 and 'not offered by this system (UEFI)' in errors[0] and 'not an http:// or https:// URL' in errors[1]
