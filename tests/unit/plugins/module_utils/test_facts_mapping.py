# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mapping rules of facts.py on hand-made bodies: normalised values, placeholders, the RAID
vocabulary, device identity by URI, chassis by links, partial failure (issue 15)."""

from __future__ import annotations

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils import facts as facts_mod
from ansible_collections.lightsout.ilo.plugins.module_utils.body import identity, norm_mac
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloHTTPError,
    IloNotFoundError,
    IloProtocolError,
    IloSecurityError,
    IloTimeoutError,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.facts import Gatherer, apply_map


@pytest.mark.parametrize('value,expected', [
    ('94:40:C9:37:7D:87', '94:40:c9:37:7d:87'),
    (' 94-40-c9-37-7d-87 ', '94:40:c9:37:7d:87'),
    ('9440.c937.7d87', '94:40:c9:37:7d:87'),
    ('9440C9377D87', '94:40:c9:37:7d:87'),
    ('51:40:2E:C0:20:89:B2:A0', None),  # a Fibre Channel WWN
    ('00:00:00:00:00:00', None),
    ('94:40:c9:37:7d', None),
    ('94:40-c9:37:7d:87', None),
    ('', None),
    ('   ', None),
    (None, None),
    (12, None),
])
def test_mac_addresses_are_lower_case_colon_form_or_null(value, expected):
    assert norm_mac(value) == expected


@pytest.mark.parametrize('value', ['N/A', 'n/a', 'Not Available', 'NotAvailable', 'REMOVED', 'REMOVED_123', '', '   ', None,
                                   'Unknown', '0000', 'To Be Filled By O.E.M.'])
def test_placeholders_identify_nothing(value):
    assert identity(value) is None


def test_real_values_identify():
    assert identity(' s4zp8x13p9gb3j ') == identity('S4ZP8X13P9GB3J') == 'S4ZP8X13P9GB3J'


@pytest.mark.parametrize('body,expected', [
    ({'RAIDType': 'RAID10'}, 'RAID10'),
    ({'RAIDType': 'raid1triple'}, 'RAID1Triple'),
    ({'RAIDType': 'None', 'VolumeType': 'Mirrored'}, 'RAID1'),
    ({'Raid': '1ADM'}, 'RAID1Triple'),
    ({'Raid': '5'}, 'RAID5'),
    ({'Raid': '1+0'}, 'RAID10'),
    ({'VolumeType': 'NonRedundant'}, 'RAID0'),
    ({'VolumeType': 'SpannedStripesWithParity'}, 'RAID50'),
    ({'VolumeType': 'RawDevice'}, None),
    ({}, None),
])
def test_raid_has_one_vocabulary(body, expected):
    assert apply_map('volume', body)['raid'] == expected


def test_strings_are_trimmed_and_whitespace_is_null():
    item = apply_map('drive', {'Model': '  MK000480GWSSC ', 'SerialNumber': '   ', 'Revision': 'HPD3'})
    assert item['model'] == 'MK000480GWSSC'
    assert item['serial_number'] is None
    system = apply_map('system', {'HostName': ' ', 'AssetTag': '', 'Model': 'DL360'})
    assert system['hostname'] is None and system['asset_tag'] is None


def test_documented_text_is_text():
    """DMTF's Location is an object: the controller's location is its ServiceLabel (a string), else null."""
    assert apply_map('storage_controller', {'Location': {'PartLocation': {'ServiceLabel': 'Slot=12'}}})['location'] == 'Slot=12'
    assert apply_map('storage_controller', {'Location': {'PartLocation': {}}})['location'] is None
    assert apply_map('storage_controller', {'Location': 'Slot 0'})['location'] == 'Slot 0'
    assert apply_map('drive', {'Location': ['not', 'text']})['location'] is None


def test_dimm_locator_prefers_the_service_label():
    body = {'DeviceLocator': 'PROC 1 DIMM 1', 'Location': {'PartLocation': {'ServiceLabel': 'CPU1 DIMM A1'}}}
    assert apply_map('dimm', body)['locator'] == 'CPU1 DIMM A1'
    assert apply_map('dimm', {'DeviceLocator': 'PROC 1 DIMM 1'})['locator'] == 'PROC 1 DIMM 1'


def test_thresholds_warning_is_non_critical_critical_is_critical():
    legacy = apply_map('temperature', {'UpperThresholdNonCritical': 42, 'UpperThresholdCritical': 45, 'UpperThresholdFatal': 48})
    assert (legacy['warning_celsius'], legacy['critical_celsius'], legacy['fatal_celsius']) == (42, 45, 48)
    sensor = apply_map('temperature', {'Reading': 30, 'Thresholds': {'UpperCaution': {'Reading': 40}, 'UpperCritical': {'Reading': 50}}})
    assert (sensor['reading_celsius'], sensor['warning_celsius'], sensor['critical_celsius']) == (30, 40, 50)


def test_an_invalid_mac_falls_back_to_the_next_field():
    item = apply_map('interface', {'MACAddress': 'not-a-mac', 'PermanentMACAddress': 'AA:BB:CC:DD:EE:FF'})
    assert item['mac_address'] == 'aa:bb:cc:dd:ee:ff'


# ------------------------------------------------------------------ the Gatherer on a fake client


class FakeService:
    expand_supported = False

    def __init__(self, root):
        self.root = root

    @staticmethod
    def info():
        return dict((k, None) for k in ('generation', 'oem', 'manager_type', 'firmware', 'product', 'vendor', 'redfish_version'))


class Reply:
    def __init__(self, body):
        self.json = body


class FakeClient:
    base_url = 'https://ilo.example'

    def __init__(self, tree, errors=None):
        self.tree = dict((k.rstrip('/').lower(), v) for k, v in tree.items())
        self.errors = errors or {}
        self.sent = []
        self.cache = {}

    @staticmethod
    def key(uri):
        return uri.split('#')[0].rstrip('/').lower()

    def get(self, uri, params=None):  # pylint: disable=unused-argument
        key = self.key(uri)
        if key in self.cache:  # like RedfishClient.get: each resource read once
            return self.cache[key]
        self.sent.append(key)
        if key in self.errors:
            raise self.errors[key]
        if key not in self.tree:
            raise IloNotFoundError('GET %s: HTTP 404' % uri, uri=uri, status=404)
        self.cache[key] = Reply(self.tree[key])
        return self.cache[key]

    def cached(self, uri, params=None):  # pylint: disable=unused-argument
        return self.cache.get(self.key(uri))

    @staticmethod
    def local_path(uri, what=None):  # pylint: disable=unused-argument
        return uri


def gatherer(tree, errors=None):
    client = FakeClient(tree, errors)
    gath = Gatherer.__new__(Gatherer)
    Gatherer.__init__(gath, client, FakeService(tree.get('/redfish/v1')), workers=1)
    return gath, client


def collection(*uris):
    return {'Members': [{'@odata.id': u} for u in uris]}


SYSTEM = '/redfish/v1/Systems/1'


def two_drives_one_serial():
    return {
        '/redfish/v1': {'Systems': {'@odata.id': '/redfish/v1/Systems'}, 'Chassis': {'@odata.id': '/redfish/v1/Chassis'}},
        '/redfish/v1/Systems': collection(SYSTEM),
        SYSTEM: {'@odata.id': SYSTEM, 'Id': '1', 'Storage': {'@odata.id': SYSTEM + '/Storage'}},
        SYSTEM + '/Storage': collection(SYSTEM + '/Storage/A', SYSTEM + '/Storage/B'),
        SYSTEM + '/Storage/A': {'@odata.id': SYSTEM + '/Storage/A', 'StorageControllers': [{'SerialNumber': 'SAME'}],
                                'Drives': [{'@odata.id': '/redfish/v1/Chassis/1/Drives/1'}, {'@odata.id': '/redfish/v1/Chassis/1/Drives/2'}],
                                'Volumes': {'@odata.id': SYSTEM + '/Storage/A/Volumes'}},
        SYSTEM + '/Storage/B': {'@odata.id': SYSTEM + '/Storage/B', 'StorageControllers': [{'SerialNumber': 'SAME'}],
                                'Drives': [{'@odata.id': '/redfish/v1/Chassis/1/Drives/2'}],
                                'Volumes': {'@odata.id': SYSTEM + '/Storage/A/Volumes'}},
        SYSTEM + '/Storage/A/Volumes': collection(SYSTEM + '/Storage/A/Volumes/1'),
        SYSTEM + '/Storage/A/Volumes/1': {'@odata.id': SYSTEM + '/Storage/A/Volumes/1', 'RAIDType': 'RAID1'},
        '/redfish/v1/Chassis/1/Drives/1': {'@odata.id': '/redfish/v1/Chassis/1/Drives/1', 'SerialNumber': 'N/A'},
        '/redfish/v1/Chassis/1/Drives/2': {'@odata.id': '/redfish/v1/Chassis/1/Drives/2', 'SerialNumber': 'N/A'},
    }


def test_devices_are_identified_by_uri_not_serial():
    tree = two_drives_one_serial()
    gath, _client = gatherer(tree)
    storage = gath._sys_storage(tree[SYSTEM], 5)  # pylint: disable=protected-access
    assert [d['uri'] for d in storage['drives']] == ['/redfish/v1/Chassis/1/Drives/1', '/redfish/v1/Chassis/1/Drives/2']
    assert len(storage['controllers']) == 2  # same serial, two controllers
    assert [v['raid'] for v in storage['volumes']] == ['RAID1']  # linked from both subsystems, listed once


def chassis_tree(system_links, chassis):
    tree = {
        '/redfish/v1': {'Systems': {'@odata.id': '/redfish/v1/Systems'}, 'Chassis': {'@odata.id': '/redfish/v1/Chassis'}},
        '/redfish/v1/Chassis': collection(*sorted(chassis)),
        SYSTEM: {'@odata.id': SYSTEM, 'Id': '1', 'Links': system_links},
    }
    for uri, body in chassis.items():
        tree[uri] = dict(body, **{'@odata.id': uri})
    return tree


def test_the_chassis_is_found_by_its_links_never_the_first():
    card = {'Links': {}}
    own = {'Links': {'ComputerSystems': [{'@odata.id': SYSTEM}]}}
    tree = chassis_tree({}, {'/redfish/v1/Chassis/A-card': card, '/redfish/v1/Chassis/Z-own': own})
    gath, _client = gatherer(tree)
    assert gath._chassis_of(tree[SYSTEM])['@odata.id'] == '/redfish/v1/Chassis/Z-own'  # pylint: disable=protected-access


def test_a_blade_is_the_innermost_claiming_chassis():
    enclosure = {'Links': {'ComputerSystems': [{'@odata.id': SYSTEM}]}}
    blade = {'Links': {'ComputerSystems': [{'@odata.id': SYSTEM}], 'ContainedBy': {'@odata.id': '/redfish/v1/Chassis/Encl'}}}
    tree = chassis_tree({'Chassis': [{'@odata.id': '/redfish/v1/Chassis/Encl'}, {'@odata.id': '/redfish/v1/Chassis/Blade'}]},
                        {'/redfish/v1/Chassis/Encl': enclosure, '/redfish/v1/Chassis/Blade': blade})
    gath, _client = gatherer(tree)
    assert gath._chassis_of(tree[SYSTEM])['@odata.id'] == '/redfish/v1/Chassis/Blade'  # pylint: disable=protected-access


def test_an_undecidable_chassis_is_a_warning_not_a_guess():
    tree = chassis_tree({}, {'/redfish/v1/Chassis/A': {'Links': {}}, '/redfish/v1/Chassis/B': {'Links': {}}})
    gath, _client = gatherer(tree)
    assert gath._chassis_of(tree[SYSTEM]) is None  # pylint: disable=protected-access
    assert gath._power(tree[SYSTEM], 5) is None  # pylint: disable=protected-access
    assert len([w for w in gath.warnings if 'cannot be decided' in w]) == 1, gath.warnings


@pytest.mark.parametrize('error,status', [
    (IloHTTPError('GET x: HTTP 500', status=500), 500),
    (IloHTTPError('GET x: HTTP 503', status=503), 503),
    (IloNotFoundError('GET x: HTTP 404', status=404), 404),
    (IloTimeoutError('no answer within 10 s'), None),
    (IloProtocolError('the reply is not JSON'), None),
])
def test_an_optional_resource_that_fails_is_left_out_and_listed(error, status):
    tree = two_drives_one_serial()
    gath, _client = gatherer(tree, errors={(SYSTEM + '/storage/b').lower(): error})
    storage = gath._sys_storage(tree[SYSTEM], 5)  # pylint: disable=protected-access
    assert len(storage['drives']) == 2
    assert gath.errors == [{'uri': SYSTEM + '/Storage/B', 'status': status, 'message': error.message}]
    assert len(gath.warnings) == 1 and SYSTEM + '/Storage/B' in gath.warnings[0]


@pytest.mark.parametrize('error', [IloSecurityError('a link to another origin'), IloAuthError('HTTP 403', status=403)])
def test_security_and_auth_errors_still_fail(error):
    tree = two_drives_one_serial()
    gath, _client = gatherer(tree, errors={(SYSTEM + '/storage/b').lower(): error})
    with pytest.raises(type(error)):
        gath._sys_storage(tree[SYSTEM], 5)  # pylint: disable=protected-access


def test_a_body_that_is_not_an_object_is_left_out():
    tree = two_drives_one_serial()
    tree[SYSTEM + '/Storage/B'] = ['not', 'an', 'object']
    gath, _client = gatherer(tree)
    gath._sys_storage(tree[SYSTEM], 5)  # pylint: disable=protected-access
    assert [e['uri'] for e in gath.errors] == [SYSTEM + '/Storage/B']


def test_the_system_is_essential():
    tree = two_drives_one_serial()
    gath, _client = gatherer(tree, errors={SYSTEM.lower(): IloHTTPError('HTTP 500', status=500)})
    with pytest.raises(IloHTTPError):
        gath.gather(['system'])


def test_generic_adapter_names_give_way_to_the_model():
    assert facts_mod._adapter_name({'name': 'NetworkAdapter', 'model': 'SuperNIC 2000'}) == 'SuperNIC 2000'  # pylint: disable=protected-access
    assert facts_mod._adapter_name({'name': 'Network Adapter', 'model': None}) == 'Network Adapter'  # pylint: disable=protected-access
    assert facts_mod._adapter_name({'name': 'HPE SN1610Q', 'model': 'X'}) == 'HPE SN1610Q'  # pylint: disable=protected-access


def subsystems_tree():
    chassis = '/redfish/v1/Chassis/1U'
    return chassis_tree({'Chassis': [{'@odata.id': chassis}]}, {
        chassis: {'PowerSubsystem': {'@odata.id': chassis + '/PowerSubsystem'},
                  'ThermalSubsystem': {'@odata.id': chassis + '/ThermalSubsystem'},
                  'EnvironmentMetrics': {'@odata.id': chassis + '/EnvironmentMetrics'}},
        chassis + '/PowerSubsystem': {'CapacityWatts': 2000, 'PowerSupplyRedundancy': [{'RedundancyType': 'Failover'}],
                                      'PowerSupplies': {'@odata.id': chassis + '/PowerSubsystem/PowerSupplies'}},
        chassis + '/PowerSubsystem/PowerSupplies': collection(chassis + '/PowerSubsystem/PowerSupplies/Bay1',
                                                              chassis + '/PowerSubsystem/PowerSupplies/Bay2'),
        chassis + '/PowerSubsystem/PowerSupplies/Bay1': {'Id': 'Bay1', 'PowerCapacityWatts': 1000, 'SerialNumber': ' 123 '},
        chassis + '/PowerSubsystem/PowerSupplies/Bay2': {'Id': 'Bay2', 'Status': {'State': 'Absent'}},
        chassis + '/EnvironmentMetrics': {'PowerWatts': {'Reading': 374}},
        chassis + '/ThermalSubsystem': {'Fans': {'@odata.id': chassis + '/ThermalSubsystem/Fans'},
                                        'ThermalMetrics': {'@odata.id': chassis + '/ThermalSubsystem/ThermalMetrics'}},
        chassis + '/ThermalSubsystem/Fans': collection(chassis + '/ThermalSubsystem/Fans/1'),
        chassis + '/ThermalSubsystem/Fans/1': {'Name': 'Fan 1', 'SpeedPercent': {'Reading': 45, 'SpeedRPM': 2200}},
        chassis + '/ThermalSubsystem/ThermalMetrics': {'TemperatureReadingsCelsius': [
            {'DeviceName': 'Intake', 'Reading': 24.8, 'DataSourceUri': chassis + '/Sensors/Intake'},
            {'DeviceName': 'Exhaust', 'Reading': 40.5}]},
        chassis + '/Sensors/Intake': {'Name': 'Intake Temp', 'Reading': 24.8, 'PhysicalContext': 'Intake',
                                      'Thresholds': {'UpperCaution': {'Reading': 35}, 'UpperCritical': {'Reading': 40}}},
    })


def test_power_and_thermal_subsystems_when_power_and_thermal_are_absent():
    tree = subsystems_tree()
    gath, _client = gatherer(tree)
    power = gath._power(tree[SYSTEM], 0)  # pylint: disable=protected-access
    assert (power['consumed_watts'], power['capacity_watts'], power['redundancy']) == (374, 2000, 'failover')
    assert [(p['id'], p['capacity_watts'], p['serial_number'], p['state']) for p in power['supplies']] == [
        ('Bay1', 1000, '123', None), ('Bay2', None, None, 'absent')]
    thermal = gath._thermal(tree[SYSTEM], 0)  # pylint: disable=protected-access
    assert [(f['name'], f['reading'], f['reading_units']) for f in thermal['fans']] == [('Fan 1', 45, 'percent')]
    assert [(t['name'], t['reading_celsius'], t['warning_celsius'], t['critical_celsius'], t['location'])
            for t in thermal['temperatures']] == [('Intake Temp', 24.8, 35, 40, 'Intake'), ('Exhaust', 40.5, None, None, None)]
    assert gath.errors == [] and gath.warnings == []


def test_a_resource_that_failed_is_neither_read_nor_reported_twice():
    tree = two_drives_one_serial()
    gath, client = gatherer(tree, errors={(SYSTEM + '/storage/b').lower(): IloHTTPError('GET x: HTTP 500', status=500)})
    gath._sys_storage(tree[SYSTEM], 5)  # pylint: disable=protected-access
    gath._sys_storage(tree[SYSTEM], 5)  # pylint: disable=protected-access
    assert client.sent.count((SYSTEM + '/storage/b').lower()) == 1
    assert len(gath.errors) == 1 and len(gath.warnings) == 1, (gath.errors, gath.warnings)
