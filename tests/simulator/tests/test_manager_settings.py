# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iLO's own settings in the simulator (ilosim/manager.py), over HTTP: a PATCH that iLO applies at its
reset answers ResetRequired and shows SomePendingReset until Manager.Reset, which applies the staged values
(host name and FQDN everywhere, name and NTP servers in use) and drops the sessions; NTP servers and remote
syslog apply at once; DHCP-supplied time settings refuse static NTP servers and the time zone; what iLO
refuses (HTTPS off, a port out of range, more servers than slots, an unknown zone) answers 400."""

import time

import pytest

from simclient import FAST, ILO6_MOCKUP, Client, load_mockup, message_ids

DATETIME = "/redfish/v1/Managers/1/DateTime/"
IFACE = "/redfish/v1/Managers/1/EthernetInterfaces/1/"


@pytest.fixture
def ilo5p(sim):
    return Client(sim(profile="ilo5", config=dict(FAST, manager_reset_down_s=0.1, manager_reset_not_ready_s=0.1)))


@pytest.fixture
def tree6(sim):
    return Client(sim(tree=load_mockup(ILO6_MOCKUP), config=dict(FAST, manager_reset_down_s=0.1, manager_reset_not_ready_s=0.1)))


def keys(resp):
    return [m.split(".")[-1] for m in message_ids(resp)]


def reset_and_wait(client):
    assert client.post("/redfish/v1/Managers/1/Actions/Manager.Reset/", {"ResetType": "GracefulRestart"}).status_code == 200
    time.sleep(0.5)


def test_services_staged_until_the_manager_reset(tree6):
    proto = "/redfish/v1/Managers/1/NetworkProtocol"
    resp = tree6.patch(proto, {"IPMI": {"ProtocolEnabled": True}, "SSH": {"Port": 2222}})
    assert resp.status_code == 200 and keys(resp) == ["ResetRequired"]
    body = tree6.get(proto).json()
    assert body["IPMI"]["ProtocolEnabled"] is True and body["SSH"]["Port"] == 2222
    assert body["Oem"]["Hpe"]["ConfigurationSettings"] == "SomePendingReset"
    assert "PATCH" in tree6.get(proto).headers["Allow"]
    reset_and_wait(tree6)
    assert tree6.get(proto).json()["Oem"]["Hpe"]["ConfigurationSettings"] == "Current"


def test_the_same_values_again_are_a_plain_success(tree6):
    resp = tree6.patch("/redfish/v1/Managers/1/NetworkProtocol", {"SSH": {"Port": 22}})
    assert keys(resp) == ["Success"]
    assert tree6.get("/redfish/v1/Managers/1/NetworkProtocol").json()["Oem"]["Hpe"]["ConfigurationSettings"] == "Current"


def test_remote_syslog_and_ntp_servers_apply_at_once(tree6):
    resp = tree6.patch("/redfish/v1/Managers/1/NetworkProtocol", {"Oem": {"Hpe": {"RemoteSyslogEnabled": True,
                                                                                  "RemoteSyslogServer": "10.9.9.9"}}})
    assert keys(resp) == ["Success"]
    resp = tree6.patch("/redfish/v1/Managers/1/DateTime", {"StaticNTPServers": ["10.1.1.1", None]})
    assert keys(resp) == ["Success"]
    body = tree6.get("/redfish/v1/Managers/1/DateTime").json()
    assert body["StaticNTPServers"] == ["10.1.1.1", ""] and body["NTPServers"] == ["10.1.1.1", ""]
    assert body["ConfigurationSettings"] == "Current"
    resp = tree6.patch("/redfish/v1/Managers/1/DateTime", {"StaticNTPServers": ["", ""]})
    assert keys(resp) == ["ResetRequired"], "clearing the NTP servers needs a reset (HPE docs)"


def test_refusals(tree6):
    proto = "/redfish/v1/Managers/1/NetworkProtocol"
    assert keys(tree6.patch(proto, {"HTTPS": {"ProtocolEnabled": False}})) == ["PropertyNotWritableOrUnknown"]
    assert keys(tree6.patch(proto, {"SSH": {"Port": 70000}})) == ["PropertyValueNotInList"]
    assert keys(tree6.patch(proto, {"Telnet": {"ProtocolEnabled": False}})) == ["PropertyUnknown"]
    assert keys(tree6.patch(proto, {"HostName": "x"})) == ["PropertyNotWritable"]
    dt = "/redfish/v1/Managers/1/DateTime"
    assert keys(tree6.patch(dt, {"StaticNTPServers": ["1.1.1.1", "2.2.2.2", "3.3.3.3"]})) == ["ArrayPropertyOutOfBound"]
    assert keys(tree6.patch(dt, {"TimeZone": {"Index": 999}})) == ["PropertyValueNotInList"]
    iface = "/redfish/v1/Managers/1/EthernetInterfaces/1"
    assert keys(tree6.patch(iface, {"Oem": {"Hpe": {"IPv4": {"DNSServers": ["not-an-ip"]}}}})) == ["PropertyValueFormatError"]
    assert tree6.patch(iface, {"Oem": {"Hpe": {"HostName": "x"}}}).status_code == 200


def test_dhcp_time_settings_refuse_static_ntp_until_turned_off(ilo5p):
    resp = ilo5p.patch(DATETIME, {"StaticNTPServers": ["10.1.1.1"]})
    assert resp.status_code == 400 and keys(resp) == ["SNTPConfigurationManagedByDHCPAndIsReadOnly"]
    assert keys(ilo5p.patch(DATETIME, {"TimeZone": {"Index": 1}})) == ["SNTPConfigurationManagedByDHCPAndIsReadOnly"]
    assert keys(ilo5p.patch(IFACE, {"DHCPv4": {"UseNTPServers": False}, "DHCPv6": {"UseNTPServers": False}})) == ["ResetRequired"]
    assert keys(ilo5p.patch(DATETIME, {"TimeZone": {"Index": 1}})) == ["ResetRequired"]
    assert ilo5p.get(DATETIME).json()["TimeZone"]["Name"] == "Hawaii"


def test_reset_applies_names_and_dns_everywhere_and_ends_sessions(ilo5p):
    token = ilo5p.login().headers["X-Auth-Token"]
    resp = ilo5p.patch(IFACE, {"Oem": {"Hpe": {"HostName": "web01-ilo", "DomainName": "mgmt.example.com",
                                               "IPv4": {"DNSServers": ["10.1.1.53"]}}},
                               "DHCPv4": {"UseDNSServers": False}, "DHCPv6": {"UseDNSServers": False}})
    assert keys(resp) == ["ResetRequired"]
    assert ilo5p.get(IFACE).json()["FQDN"] != "web01-ilo.mgmt.example.com", "not in effect before the reset"
    reset_and_wait(ilo5p)
    body = ilo5p.get(IFACE).json()
    assert body["FQDN"] == "web01-ilo.mgmt.example.com" and body["NameServers"] == ["10.1.1.53"]
    assert body["Oem"]["Hpe"]["ConfigurationSettings"] == "Current"
    assert body["Oem"]["Hpe"]["IPv4"]["DNSServers"] == ["10.1.1.53", "0.0.0.0", "0.0.0.0"]
    assert ilo5p.get("/redfish/v1/Managers/1/NetworkProtocol/").json()["HostName"] == "web01-ilo"
    assert ilo5p.get("/redfish/v1/").json()["Oem"]["Hpe"]["Manager"][0]["HostName"] == "web01-ilo"
    assert ilo5p.get(IFACE, auth=None, headers={"X-Auth-Token": token}).status_code == 401
