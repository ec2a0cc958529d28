# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""body.py, the ground floor: links, URIs, paths, text, placeholders, MAC addresses and the BIOS attribute view,
each read the same way by the client, discovery, BIOS, power and facts."""

from __future__ import annotations

import ast
import pathlib

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils import body
from ansible_collections.lightsout.ilo.plugins.module_utils.body import (  # pylint: disable=unused-import
    bios_attributes, bios_link, dig, identity, is_expanded, is_flat, last_segment, link_of, links_named, managed_by, members_of,
    norm_mac, norm_macs, normalize_uri, same_uri, settings_link, text_of)


def test_body_imports_nothing_from_the_collection_nor_ansible():
    tree = ast.parse(pathlib.Path(body.__file__).read_text(encoding='utf-8'))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + \
        [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m and ('ansible' in m or 'module_utils' in m)], imported


@pytest.mark.parametrize('value,expected', [
    ({'@odata.id': '/redfish/v1/Systems/1'}, '/redfish/v1/Systems/1'),
    ({'href': '/rest/v1/Systems/1'}, '/rest/v1/Systems/1'),
    ({'@odata.id': '/a', 'href': '/b'}, '/a'),
    ('/redfish/v1/', '/redfish/v1/'),
    ('redfish/v1', None),
    ({'Name': 'x'}, None),
    (None, None),
    (['/a'], None),
    (7, None),
])
def test_link_of(value, expected):
    assert link_of(value) == expected


@pytest.mark.parametrize('uri,expected', [
    ('/redfish/v1/Systems/1/', '/redfish/v1/systems/1'),
    ('/redfish/v1//', '/redfish/v1'),
    ('/', '/'),
    ('https://ilo.example:8443/redfish/v1/Chassis/?$expand=.', '/redfish/v1/chassis?$expand=.'),
    ('https://[::1/redfish/v1/Systems', '/redfish/v1/systems'),  # malformed IPv6: the path after the host
    ('/A?Q=B', '/a?Q=B'),  # the query keeps its case
    (None, None),
])
def test_normalize_uri(uri, expected):
    assert normalize_uri(uri) == expected


def test_same_uri_and_last_segment():
    assert same_uri('/redfish/v1/Systems/1/', 'https://ilo/redfish/v1/systems/1')
    assert not same_uri('/redfish/v1/Systems/1', '/redfish/v1/Systems/2')
    assert last_segment('/redfish/v1/Systems/System.Embedded.1/') == 'system.embedded.1'
    assert last_segment(None) == last_segment('') == ''


def test_dig_walks_keys_and_indexes_without_raising():
    doc = {'Oem': {'Hpe': {'Manager': [{'ManagerType': 'iLO 6'}]}}, 'Zero': 0, 'Null': None}
    assert dig(doc, 'Oem.Hpe.Manager.0.ManagerType') == 'iLO 6'
    assert dig(doc, 'Oem.Hpe.Manager.1.ManagerType', 'none') == 'none'
    assert dig(doc, 'Oem.Hpe.Manager.x') is None
    assert dig(doc, 'Zero') == 0
    assert dig(doc, 'Null', 'default') == 'default'
    assert dig('not a dict', 'a.b') is None
    assert dig(doc, 'Oem.Hpe.Manager.0.ManagerType.deeper') is None


def test_links_named_reads_redfish_and_ilo4_forms():
    assert links_named({'Links': {'Chassis': [{'@odata.id': '/c/1'}, {'Name': 'no link'}, {'@odata.id': '/c/2'}]}}, 'Chassis') == ['/c/1', '/c/2']
    assert links_named({'links': {'Chassis': [{'href': '/rest/v1/Chassis/1'}]}}, 'Chassis') == ['/rest/v1/Chassis/1']
    assert links_named({'Links': {'ContainedBy': {'@odata.id': '/c/encl'}}}, 'ContainedBy') == ['/c/encl']
    assert links_named({'Links': {'Chassis': 'garbage'}}, 'Chassis') == []
    assert links_named(None, 'Chassis') == []


def test_managed_by_is_the_first_manager_link():
    assert managed_by({'Links': {'ManagedBy': [{'@odata.id': '/redfish/v1/Managers/1'}, {'@odata.id': '/m/2'}]}}) == '/redfish/v1/Managers/1'
    assert managed_by({'links': {'ManagedBy': [{'href': '/rest/v1/Managers/1'}]}}) == '/rest/v1/Managers/1'
    assert managed_by({'Links': {'ManagedBy': []}}) is None
    assert managed_by({}) is None and managed_by(None) is None


def test_members_of_and_is_expanded():
    assert members_of({'Members': [{'@odata.id': '/a'}]}) == [{'@odata.id': '/a'}]
    assert members_of({'links': {'Member': [{'href': '/a'}]}}) == [{'href': '/a'}]
    assert members_of({'Members': {'not': 'a list'}}) == {'not': 'a list'}  # the caller decides what that means
    assert members_of({}) == [] and members_of(['x']) == []
    assert is_expanded({'@odata.id': '/a', 'Id': 'a'})
    assert not is_expanded({'@odata.id': '/a'})
    assert not is_expanded({'@odata.id': '/a#/Fans/0', 'Name': 'fan'})
    assert not is_expanded('/a')


def test_bios_and_settings_links_in_every_form():
    assert bios_link({'Bios': {'@odata.id': '/redfish/v1/Systems/1/Bios'}}) == '/redfish/v1/Systems/1/Bios'
    assert bios_link({'Oem': {'Hp': {'links': {'BIOS': {'href': '/rest/v1/systems/1/bios'}}}}}) == '/rest/v1/systems/1/bios'
    assert bios_link({'Oem': {'Hpe': {'Links': {'BIOS': {'@odata.id': '/redfish/v1/systems/1/bios'}}}}}) == '/redfish/v1/systems/1/bios'
    assert bios_link({'Oem': 'garbage'}) is None and bios_link({}) is None
    assert settings_link({'@Redfish.Settings': {'SettingsObject': {'@odata.id': '/b/Settings'}}}) == '/b/Settings'
    assert settings_link({'links': {'Settings': {'href': '/rest/v1/systems/1/bios/Settings'}}}) == '/rest/v1/systems/1/bios/Settings'
    assert settings_link({'@Redfish.Settings': 'garbage'}) is None and settings_link(None) is None


@pytest.mark.parametrize('value,expected', [
    (' text ', 'text'), (12, '12'), (1.5, '1.5'), ('   ', None), (None, None), (True, None), ({'a': 1}, None), ([1], None),
])
def test_text_of(value, expected):
    assert text_of(value) == expected


@pytest.mark.parametrize('value', ['N/A', 'na', 'Not Available', 'not specified', 'Unknown', 'none', 'NULL', 'Removed 2021',
                                   'To be filled by O.E.M.', '0000', 'XXXX', '---', '...', '??', ' ', None, True])
def test_placeholders_identify_nothing(value):
    assert identity(value) is None


def test_identity_is_trimmed_and_upper_case():
    assert identity(' s4zp8x13p9gb3j ') == 'S4ZP8X13P9GB3J'
    assert identity(1234) == '1234'


@pytest.mark.parametrize('value,expected', [
    ('AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'),
    ('aa-bb-cc-dd-ee-ff', 'aa:bb:cc:dd:ee:ff'),
    ('aabb.ccdd.eeff', 'aa:bb:cc:dd:ee:ff'),
    (' AABBCCDDEEFF ', 'aa:bb:cc:dd:ee:ff'),
    ('aa:bb-cc:dd:ee:ff', None),  # mixed separators
    ('00:00:00:00:00:00', None),
    ('ff:ff:ff:ff:ff:ff', None),
    ('20:00:00:25:b5:00:00:0f', None),  # a WWN
    (None, None),
    (42, None),
])
def test_norm_mac(value, expected):
    assert norm_mac(value) == expected


def test_norm_macs_keeps_distinct_valid_addresses_in_order():
    assert norm_macs(['AA:BB:CC:DD:EE:FF', 'garbage', 'aabbccddeeff', '11:22:33:44:55:66']) == ['aa:bb:cc:dd:ee:ff', '11:22:33:44:55:66']
    assert norm_macs('AA:BB:CC:DD:EE:FF') == ['aa:bb:cc:dd:ee:ff']
    assert norm_macs(None) == []


def test_bios_attributes_from_attributes_or_the_flat_ilo4_layout():
    redfish = {'@odata.id': '/b', 'Id': 'Bios', 'Attributes': {'ProcTurbo': 'Enabled', 'Nested': {'kept': True}}}
    assert bios_attributes(redfish) == {'ProcTurbo': 'Enabled', 'Nested': {'kept': True}}
    assert not is_flat(redfish)
    flat = {'@odata.etag': 'W/"1"', 'Type': 'HpBios.1.2.0', 'Name': 'BIOS Current Settings', 'Id': 'bios', 'Modified': 'x',
            'AttributeRegistry': 'HpBiosAttributeRegistryP89.1.1.00', 'SettingsResult': {'Messages': []}, 'Description': 'd',
            'links': {'self': {'href': '/rest/v1/systems/1/bios'}}, 'Oem': {}, 'Actions': {}, 'SettingsObject': {},
            'Attributes': None, 'AdminName': '', 'PowerRegulator': 'DynamicPowerSavings', 'ThermalShutdown': 1, 'Blob': [1]}
    assert is_flat(flat)
    assert bios_attributes(flat) == {'AdminName': '', 'PowerRegulator': 'DynamicPowerSavings', 'ThermalShutdown': 1}
    assert bios_attributes(None) == {} and bios_attributes(['x']) == {} and is_flat(None)


def test_oem_key_and_hpe_oem_by_generation():
    assert body.oem_key({'Oem': {'Hpe': {'a': 1}}}) == 'Hpe' and body.hpe_oem({'Oem': {'Hpe': {'a': 1}}}) == {'a': 1}
    assert body.oem_key({'Oem': {'Hp': {'b': 2}}}) == 'Hp' and body.hpe_oem({'Oem': {'Hp': {'b': 2}}}) == {'b': 2}
    assert body.oem_key({'Oem': {'Hp': {}, 'Hpe': {'c': 3}}}) == 'Hpe' and body.hpe_oem({'Oem': {'Hp': {}, 'Hpe': {'c': 3}}}) == {'c': 3}
    for plain in (None, {}, {'Oem': None}, {'Oem': {'Contoso': {}}}):
        assert body.oem_key(plain) is None and body.hpe_oem(plain) == {}
    assert body.hpe_oem({'Oem': {'Hpe': 'not a block'}}) == {}


def test_hpe_oem_prefers_the_services_key():
    both = {'Oem': {'Hp': {'h': 1}, 'Hpe': {'e': 2}}}
    assert body.hpe_oem(both, 'Hp') == {'h': 1} and body.hpe_oem(both) == {'e': 2}
    assert body.hpe_oem({'Oem': {'Hp': {'h': 1}}}, 'Hpe') == {'h': 1}
