# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iLO's own settings as desired-state resources, as pure logic on JSON bodies: where each name
lives (read and PATCH body), validation with the messages a person acts on, the DHCP override
decision, the reset prediction, the interface picked, and the facts view. Bodies are iLO 4 style
samples written here and the real iLO 5/6/7 trees under ../shared."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils.manager import (
    DateTime,
    Interface,
    NetworkProtocol,
    facts,
    padded,
    pick_interface,
    real,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.state import message_key, nested, says

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, require_shared  # pylint: disable=import-error

TREES = {'ilo5': ILO5_MOCKUP, 'ilo6': ILO6_MOCKUP, 'ilo7': ILO7_MOCKUP}

ILO4_PROTOCOL = {
    'Type': 'ManagerNetworkService.1.0.0', 'HostName': 'ILOSGH1', 'HTTP': {'Port': 80, 'ProtocolEnabled': True},
    'HTTPS': {'Port': 443, 'ProtocolEnabled': True}, 'IPMI': {'Port': 623, 'ProtocolEnabled': True},
    'SSH': {'Port': 22, 'ProtocolEnabled': True}, 'Status': {'State': 'Enabled'},
    'Oem': {'Hp': {'ConfigurationSettings': 'Current', 'RemoteSyslogEnabled': False, 'RemoteSyslogPort': 514,
                   'RemoteSyslogServer': ''}},
}
ILO4_INTERFACE = {
    'HostName': 'ILOSGH1', 'InterfaceEnabled': True, 'LinkStatus': 'LinkUp',
    'Oem': {'Hp': {'HostName': 'ILOSGH1', 'DomainName': 'example.net', 'ConfigurationSettings': 'Current',
                   'DHCPv4': {'Enabled': True, 'UseDNSServers': True, 'UseNTPServers': True, 'UseDomainName': False},
                   'DHCPv6': {'UseDNSServers': False, 'UseNTPServers': False, 'UseDomainName': False},
                   'IPv4': {'DNSServers': ['10.0.0.53', '0.0.0.0', '0.0.0.0']}, 'IPv6': {'DNSServers': ['::', '::', '::']}}},
}
DATETIME = {
    'ConfigurationSettings': 'Current', 'NTPServers': ['10.0.0.123', ''], 'StaticNTPServers': ['', ''],
    'TimeZone': {'Index': 1, 'Name': 'Hawaii'},
    'TimeZoneList': [{'Index': 0, 'Name': 'International Date Line West'}, {'Index': 1, 'Name': 'Hawaii'},
                     {'Index': 2, 'Name': 'Greenwich Mean Time, Casablanca, Monrovia'}],
}


def load(tree, path):
    with open(os.path.join(require_shared(TREES[tree]), 'redfish', 'v1', path, 'index.json'), encoding='utf-8') as handle:
        return json.load(handle)


def resource(cls, body):
    found = cls(None, '/redfish/v1/Managers/1/x/')
    found.body = body
    return found


# --- values and PATCH bodies --------------------------------------------------------------

def test_ilo4_protocol_values_and_body():
    proto = resource(NetworkProtocol, ILO4_PROTOCOL)
    values = proto.current
    assert values['network_services.IPMI.enabled'] is True and values['network_services.SSH.port'] == 22
    assert values['remote_syslog.server'] == '' and values['remote_syslog.port'] == 514
    assert 'network_services.Status.enabled' not in values and proto.oem == 'Hp'
    body = proto.body_for({'network_services.IPMI.enabled': False, 'network_services.SSH.port': 2222,
                           'remote_syslog.server': 'log.example.com'})
    assert body == {'IPMI': {'ProtocolEnabled': False}, 'SSH': {'Port': 2222},
                    'Oem': {'Hp': {'RemoteSyslogServer': 'log.example.com'}}}


def test_ilo4_interface_values_and_body():
    iface = resource(Interface, ILO4_INTERFACE)
    values = iface.current
    assert values['host_name'] == 'ILOSGH1' and values['domain_name'] == 'example.net'
    assert values['dns_servers'] == ['10.0.0.53'] and values['dhcpv4.use_ntp_servers'] is True
    body = iface.body_for({'dns_servers': ['10.1.1.53', 'fd00::53'], 'dhcpv4.use_dns_servers': False, 'host_name': 'web1-ilo'})
    assert body == {'Oem': {'Hp': {'IPv4': {'DNSServers': ['10.1.1.53', '0.0.0.0', '0.0.0.0']},
                                   'IPv6': {'DNSServers': ['fd00::53', '::', '::']},
                                   'DHCPv4': {'UseDNSServers': False}, 'HostName': 'web1-ilo'}}}


def test_datetime_values_and_body():
    dt = resource(DateTime, dict(DATETIME))
    assert dt.current == {'ntp_servers': [], 'timezone': 'Hawaii'}
    assert dt.body_for({'ntp_servers': ['ntp1.example.com'], 'timezone': 'Greenwich Mean Time, Casablanca, Monrovia'}) == {
        'StaticNTPServers': ['ntp1.example.com', ''], 'TimeZone': {'Index': 2}}


@pytest.mark.parametrize('tree', sorted(TREES))
def test_real_trees_read(tree):
    """The shapes of the real iLO 5/6/7 trees: standard DHCP flags, OEM names and DNS, 0.0.0.0 placeholders."""
    iface = resource(Interface, load(tree, 'Managers/1/EthernetInterfaces/1'))
    values = iface.current
    assert values['host_name'] and 'domain_name' in values and '0.0.0.0' not in values['dns_servers']
    assert values['dhcpv4.use_dns_servers'] is False and iface.dhcp_key('v4') == ('DHCPv4',)
    assert iface.body_for({'dhcpv6.use_ntp_servers': False}) == {'DHCPv6': {'UseNTPServers': False}}
    proto = resource(NetworkProtocol, load(tree, 'Managers/1/NetworkProtocol'))
    services = proto.services()
    assert {'HTTP', 'HTTPS', 'IPMI', 'SSH', 'SNMP', 'SSDP', 'KVMIP', 'VirtualMedia'} <= set(services)
    assert proto.current['remote_syslog.enabled'] is False and proto.current['remote_syslog.port'] == 514
    dt = resource(DateTime, load(tree, 'Managers/1/DateTime'))
    assert dt.current['ntp_servers'] == [] and dt.current['timezone'] in dt.zones().values()
    assert len(dt.zones()) == 41 and not dt.awaiting_reset


def test_ilo5_tree_pads_with_its_own_placeholder():
    dt = resource(DateTime, load('ilo5', 'Managers/1/DateTime'))
    assert dt.body['StaticNTPServers'] == ['0.0.0.0', '0.0.0.0']
    assert dt.body_for({'ntp_servers': ['10.1.1.1']})['StaticNTPServers'] == ['10.1.1.1', '0.0.0.0']


def test_helpers():
    assert real(['10.0.0.1', '0.0.0.0', '', '::', None, 'fd00::1']) == ['10.0.0.1', 'fd00::1']
    assert padded(['a'], ['', '', ''], 'x') == ['a', '', ''] and padded(['a', 'b'], ['0.0.0.0'], '') == ['a', 'b']
    assert nested({}, ('Oem', 'Hpe', 'HostName'), 'x') == {'Oem': {'Hpe': {'HostName': 'x'}}}
    assert message_key({'MessageId': 'iLO.2.18.ResetRequired'}) == 'ResetRequired'
    assert message_key({'MessageID': 'iLO.0.10:ResetRequired'}) == 'ResetRequired'
    assert says([{'MessageId': 'Base.1.0.Success'}, {'MessageId': 'iLO.2.18.ResetRequired'}], 'ResetRequired')
    assert not says([{'MessageId': 'iLO.2.14.SystemResetRequired'}], 'ResetRequired')


# --- validation ---------------------------------------------------------------------------

def test_services_unknown_read_only_and_bad_values_listed_together():
    proto = resource(NetworkProtocol, ILO4_PROTOCOL)
    errors = []
    wanted = proto.desired({'telnet': {'enabled': False}, 'https': {'enabled': False}, 'ssh': {'port': 70000},
                            'ipmi': {'enabled': 'no'}, 'http': {'colour': 1}}, {}, errors)
    assert wanted == {}
    text = ' '.join(errors)
    assert 'telnet is not a network service of this iLO' in text and 'valid: HTTP, HTTPS, IPMI, SSH' in text
    assert 'network_services.HTTPS.enabled is read-only' in text and 'writable: HTTP.enabled, HTTP.port, HTTPS.port' in text
    assert 'network_services.SSH.port must be a port number from 1 to 65535, not 70000' in text
    assert 'network_services.IPMI.enabled must be true or false' in text and 'network_services.http must be a dict' in text


def test_services_case_insensitive_and_port_clash():
    proto = resource(NetworkProtocol, ILO4_PROTOCOL)
    errors = []
    assert proto.desired({'ipmi': {'enabled': False}, 'ssh': {'port': 2222}}, {'server': '10.0.0.9'}, errors) == {
        'network_services.IPMI.enabled': False, 'network_services.SSH.port': 2222, 'remote_syslog.server': '10.0.0.9'}
    assert not errors
    proto.desired({'SSH': {'port': 80}}, {'port': 0, 'server': 'bad host!'}, errors)
    assert any('Port 80 would be used by several services (HTTP, SSH)' in e for e in errors)
    assert any('remote_syslog.port must be a port number' in e for e in errors)
    assert any("remote_syslog.server 'bad host!'" in e for e in errors)


def test_time_zone_names_exact_or_any_case_else_closest():
    dt = resource(DateTime, dict(DATETIME))
    errors = []
    assert dt.desired(None, 'greenwich mean time, casablanca, monrovia', errors) == {
        'timezone': 'Greenwich Mean Time, Casablanca, Monrovia'}
    dt.desired(None, 'Hawai', errors)
    assert errors and "timezone 'Hawai' is not one of the 3 time zones" in errors[0] and 'closest: Hawaii' in errors[0]


def test_ntp_servers_checked_and_counted():
    dt = resource(DateTime, dict(DATETIME))
    errors = []
    dt.desired(['ntp one'], None, errors)
    dt.desired(['10.0.0.1', '10.0.0.2', '10.0.0.3'], None, errors)
    assert "'ntp one' is neither an IP address nor a host name" in errors[0]
    assert 'at most 2 NTP servers, 3 given' in errors[1]


def test_names_and_dns_checked():
    iface = resource(Interface, ILO4_INTERFACE)
    errors = []
    iface.desired('web_01.x', 'bad..domain', ['10.0.0.1', 'dns.example.com'], [], 'disable', errors)
    text = ' '.join(errors)
    assert "host_name 'web_01.x' is not a valid iLO host name" in text and "domain_name 'bad..domain'" in text
    assert "dns_servers must be IP addresses; not: 'dns.example.com'" in text
    errors = []
    iface.desired(None, None, ['10.0.0.%d' % n for n in range(4)], [], 'disable', errors)
    assert errors == ['dns_servers: this iLO keeps at most 3 IPv4 DNS servers, 4 given.']


def test_dhcp_overrides_disable_turns_off_only_what_dhcp_supplies():
    iface = resource(Interface, ILO4_INTERFACE)
    errors = []
    wanted = iface.desired(None, None, ['10.1.1.53'], ['dns_servers', 'ntp_servers'], 'disable', errors)
    assert not errors
    assert wanted == {'dns_servers': ['10.1.1.53'], 'dhcpv4.use_dns_servers': False, 'dhcpv4.use_ntp_servers': False}
    assert iface.body_for(wanted)['Oem']['Hp']['DHCPv4'] == {'UseDNSServers': False, 'UseNTPServers': False}


def test_dhcp_overrides_fail_names_the_flags():
    iface = resource(Interface, ILO4_INTERFACE)
    errors = []
    iface.desired(None, None, None, ['ntp_servers'], 'fail', errors)
    assert errors and 'Static NTP servers or a time zone are given but DHCP supplies them (dhcpv4.use_ntp_servers true' in errors[0]


# --- reset, interface choice, facts ---------------------------------------------------------

def test_reset_prediction_and_pending_flag():
    assert resource(NetworkProtocol, ILO4_PROTOCOL).stages({'network_services.SSH.port': 2})
    assert not resource(NetworkProtocol, ILO4_PROTOCOL).stages({'remote_syslog.enabled': True})
    dt = resource(DateTime, dict(DATETIME))
    assert dt.stages({'timezone': 'Hawaii'}) and dt.stages({'ntp_servers': []}) and not dt.stages({'ntp_servers': ['a']})
    assert resource(Interface, ILO4_INTERFACE).stages({'host_name': 'x'})
    assert resource(DateTime, dict(DATETIME, ConfigurationSettings='SomePendingReset')).awaiting_reset
    staged = json.loads(json.dumps(ILO4_PROTOCOL))
    staged['Oem']['Hp']['ConfigurationSettings'] = 'SomePendingReset'
    assert resource(NetworkProtocol, staged).awaiting_reset and not resource(NetworkProtocol, ILO4_PROTOCOL).awaiting_reset
    assert resource(Interface, ILO4_INTERFACE).wrote_staged([{'MessageId': 'iLO.2.18.ResetRequired'}])


@pytest.mark.parametrize('tree', sorted(TREES))
def test_interface_in_use_on_real_trees(tree):
    """Dedicated (1) is enabled and up; Shared (2) is off; the virtual host interface (3) is never picked."""
    bodies = [('/%d' % n, load(tree, 'Managers/1/EthernetInterfaces/%d' % n)) for n in (3, 2, 1)]
    assert pick_interface(bodies) == '/1'
    assert pick_interface(bodies[:2]) is None


def test_facts_view_uses_the_module_names():
    found = facts(ILO4_PROTOCOL, DATETIME, ILO4_INTERFACE)
    assert found['host_name'] == 'ILOSGH1' and found['domain_name'] == 'example.net' and found['dns_servers'] == ['10.0.0.53']
    assert found['ntp_servers'] == [] and found['timezone'] == 'Hawaii'
    assert found['network_services']['SSH'] == {'enabled': True, 'port': 22}
    assert found['remote_syslog'] == {'enabled': False, 'server': '', 'port': 514}
    assert found['dhcp']['dhcpv4'] == {'use_dns_servers': True, 'use_ntp_servers': True, 'use_domain_name': False}
    assert facts(None, None, None)['network_services'] is None


class _Reply:
    def __init__(self, body):
        self.json, self.etag = body, 'W/"1"'


class _Client:
    """Answers every GET with the body it holds (what the iLO shows after its reset)."""

    def __init__(self, body):
        self.body = body

    def get(self, uri, fresh=False):  # pylint: disable=unused-argument
        return _Reply(self.body)


def test_unapplied_names_every_value_the_reset_did_not_apply():
    after_reset = json.loads(json.dumps(ILO4_PROTOCOL))
    after_reset['SSH']['Port'] = 22
    proto = NetworkProtocol(_Client(after_reset), '/redfish/v1/Managers/1/NetworkService/')
    wanted = {'network_services.SSH.port': 2222, 'network_services.IPMI.enabled': True}
    assert proto.unapplied(wanted) == {'network_services.SSH.port': {'desired': 2222, 'current': 22}}
    after_reset['SSH']['Port'] = 2222
    assert proto.unapplied(wanted) == {}
