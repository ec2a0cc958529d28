# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_manager in-process against the simulator: the iLO 4/5/6/7 profiles and the real iLO 5/6/7 trees.

Every option set in one task, check mode first (no write, the same changes predicted), then the real run:
one PATCH per resource, the iLO reset iLO asks for, the values verified after it and the session of
the task deleted (the reset ended the first one); a second run changes and writes nothing. ``reset: never``
stages and reports, a later run applies the staged values; remote syslog alone needs no reset; every bad
input fails before any write (counted in relkit's bad-input summary). The simulator's manager reset is
shortened (0.2 s down, 0.2 s not ready) so the file stays well under a minute.
"""

from __future__ import annotations

import pytest

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, fresh, require_shared  # pylint: disable=import-error
from relkit import BAD_INPUTS, assert_clear_failure, connection, run_module, writes  # pylint: disable=import-error

TARGETS = ['ilo4', 'ilo5', 'ilo6', 'ilo7', 'tree:ilo5', 'tree:ilo6', 'tree:ilo7']
TREES = {'tree:ilo5': ILO5_MOCKUP, 'tree:ilo6': ILO6_MOCKUP, 'tree:ilo7': ILO7_MOCKUP}
EVERYTHING = dict(
    host_name='web01-ilo', domain_name='mgmt.example.com', dns_servers=['10.1.1.53', '10.1.2.53', 'fd00::53'],
    ntp_servers=['10.1.1.123', 'ntp2.example.com'], timezone='hawaii',
    network_services={'IPMI': {'enabled': False}, 'ssdp': {'enabled': False}, 'SSH': {'port': 2222}, 'SNMP': {'enabled': False}},
    remote_syslog={'enabled': True, 'server': 'syslog.example.com', 'port': 5514},
)


def fleet_for(simulators, target):
    name = 'mockup:' + require_shared(TREES[target]) if target in TREES else target
    fleet = fresh(simulators(name))
    fleet.ilos[0].set_config({'manager_reset_down_s': 0.2, 'manager_reset_not_ready_s': 0.2})
    return fleet


def body(fleet, fragment):
    """The simulated iLO's own body of the manager resource whose key ends with ``fragment``."""
    ilo = fleet.ilos[0]
    keys = [k for k in ilo.tree.bodies if k.startswith('/redfish/v1/managers/1/') and k.endswith(fragment.lower())]
    assert len(keys) == 1, keys
    return ilo.body(keys[0])


def resets(fleet):
    return fleet.ilos[0].state()['manager_resets']


def patches(fleet):
    return sorted(k.split(' ', 1)[1] for k, v in fleet.ilos[0].requests()['by_endpoint'].items() for _n in range(v)
                  if k.startswith('PATCH '))


@pytest.mark.parametrize('target', TARGETS)
def test_every_option_check_mode_then_apply_reset_verify_then_idempotent(simulators, target):
    fleet = fleet_for(simulators, target)
    args = connection(fleet, **EVERYTHING)
    predicted = run_module('ilo_manager', args, check_mode=True, diff=True)
    assert predicted['changed'] and not predicted.get('failed'), predicted
    assert writes(fleet, exclude_sessions=True) == 0 and resets(fleet) == []
    # Predicted exactly: the reset it would send, nothing pending after it.
    assert not predicted['reset_required'] and predicted['reset']['reset']['target'].rstrip('/').lower().endswith('manager.reset')
    assert not predicted['reset']['went_down'] and predicted['pending'] == {}
    assert predicted['diff']['after']['network_services.SSH.port'] == 2222 and not predicted['diff']['after']['pending_reset']
    assert predicted['diff']['before']['network_services.SSH.port'] == 22 and not predicted['diff']['before']['pending_reset']

    fleet.ilos[0].clear_requests()
    result = run_module('ilo_manager', args, diff=True)
    assert result['changed'] and not result.get('failed'), result
    assert result['changes'] == predicted['changes'] and len(result['changes']) == 3
    assert patches(fleet) == sorted(set(patches(fleet))) and len(patches(fleet)) == 3  # one PATCH per resource
    assert resets(fleet) and len(resets(fleet)) == 1
    assert result['reset']['went_down'] and result['reset']['logged_in_again'] and not result['reset_required']
    assert result['pending'] == {} and any(m['MessageId'].endswith('.ResetRequired') for m in result['messages'])
    assert fleet.ilos[0].session_info()['open'] == []
    # What the iLO shows after its reset (read from the simulator, not through the module).
    iface = body(fleet, 'ethernetinterfaces/1')
    oem = iface['Oem']['Hp' if target == 'ilo4' else 'Hpe']
    assert oem['HostName'] == 'web01-ilo' and oem['DomainName'] == 'mgmt.example.com' and oem['ConfigurationSettings'] == 'Current'
    assert oem['IPv4']['DNSServers'][:2] == ['10.1.1.53', '10.1.2.53'] and oem['IPv6']['DNSServers'][0] == 'fd00::53'
    assert iface['FQDN'] == 'web01-ilo.mgmt.example.com' and iface['NameServers'] == ['10.1.1.53', '10.1.2.53', 'fd00::53']
    proto = body(fleet, 'networkservice' if target == 'ilo4' else 'networkprotocol')
    assert proto['SSH']['Port'] == 2222 and proto['IPMI']['ProtocolEnabled'] is False and proto['SSDP']['ProtocolEnabled'] is False
    assert proto['HostName'] == 'web01-ilo'
    dt = body(fleet, 'datetime')
    assert dt['TimeZone']['Name'] == 'Hawaii' and dt['ConfigurationSettings'] == 'Current'
    assert dt['NTPServers'] == ['10.1.1.123', 'ntp2.example.com']

    fleet.ilos[0].clear_requests()
    again = run_module('ilo_manager', args, check_mode=False, diff=True)
    assert not again['changed'] and not again['reset_required'] and again['reset'] is None, again
    assert writes(fleet, exclude_sessions=True) == 0 and len(resets(fleet)) == 1
    assert all(s['action'] == 'none' for s in again['settings'].values())
    assert again['diff']['before'] == again['diff']['after']


@pytest.mark.parametrize('target', ['ilo4', 'ilo7', 'tree:ilo6'])
def test_reset_never_stages_and_reports_a_later_run_applies(simulators, target):
    fleet = fleet_for(simulators, target)
    args = connection(fleet, timezone='Hawaii', network_services={'IPMI': {'enabled': True}}, reset='never')
    staged = run_module('ilo_manager', args)
    assert staged['changed'] and staged['reset_required'] and staged['reset'] is None, staged
    pending = dict(staged['pending'])
    assert pending.pop('timezone') == 'Hawaii' and pending.pop('network_services.IPMI.enabled') is True
    # Time settings from DHCP are turned off on the profiles (DHCP on); the real tree's DHCP is off already.
    assert pending == ({} if target.startswith('tree:') else {'dhcpv4.use_ntp_servers': False, 'dhcpv6.use_ntp_servers': False})
    assert resets(fleet) == [] and body(fleet, 'datetime')['ConfigurationSettings'] == 'SomePendingReset'
    # Idempotent on the staged values: nothing written, still reported.
    fleet.ilos[0].clear_requests()
    still = run_module('ilo_manager', args, check_mode=True)
    assert not still['changed'] and still['reset_required'] and writes(fleet, exclude_sessions=True) == 0, still
    # when_required applies what is staged: a reset, no PATCH, verified.
    applied = run_module('ilo_manager', dict(args, reset='when_required'))
    assert applied['changed'] and not applied['reset_required'] and applied['changes'] == {}, applied
    assert len(resets(fleet)) == 1 and patches(fleet) == [] and body(fleet, 'datetime')['ConfigurationSettings'] == 'Current'
    assert fleet.ilos[0].session_info()['open'] == []


def test_remote_syslog_applies_without_a_reset_unless_always(simulators):
    fleet = fleet_for(simulators, 'ilo5')
    args = connection(fleet, remote_syslog={'enabled': True, 'server': '10.9.9.9'})
    result = run_module('ilo_manager', args)
    assert result['changed'] and not result['reset_required'] and result['reset'] is None, result
    assert [m['MessageId'].split('.')[-1] for m in result['messages']] == ['Success'] and resets(fleet) == []
    result = run_module('ilo_manager', dict(args, remote_syslog={'port': 1514}, reset='always'))
    assert result['changed'] and result['reset'] and len(resets(fleet)) == 1, result
    assert run_module('ilo_manager', dict(args, reset='always'))['changed'] is False and len(resets(fleet)) == 1


def test_dhcp_supplied_ntp_blocks_static_servers_unless_turned_off(simulators):
    """The simulator refuses StaticNTPServers while DHCP supplies NTP; the module turns that off first (same run)."""
    fleet = fleet_for(simulators, 'ilo6')
    failed = run_module('ilo_manager', connection(fleet, ntp_servers=['10.1.1.1'], dhcp_overrides='fail'))
    assert 'dhcpv4.use_ntp_servers' in assert_clear_failure(failed) and writes(fleet, exclude_sessions=True) == 0
    result = run_module('ilo_manager', connection(fleet, ntp_servers=['10.1.1.1'], reset='never'))
    assert result['changes']['/redfish/v1/Managers/1/EthernetInterfaces/1/'] == {
        'dhcpv4.use_ntp_servers': False, 'dhcpv6.use_ntp_servers': False}, result
    assert body(fleet, 'datetime')['StaticNTPServers'] == ['10.1.1.1', '']


BAD = [
    ('unknown network service', {'network_services': {'telnet': {'enabled': False}}}, 'telnet is not a network service'),
    ('read-only service setting', {'network_services': {'HTTPS': {'enabled': False}}}, 'HTTPS.enabled is read-only'),
    ('service port out of range', {'network_services': {'SSH': {'port': 65536}}}, 'port number from 1 to 65535'),
    ('two services on one port', {'network_services': {'SSH': {'port': 443}}}, 'Port 443 would be used'),
    ('service spec not a dict', {'network_services': {'SSH': 22}}, 'must be a dict'),
    ('invalid DNS server address', {'dns_servers': ['10.0.0.300']}, 'dns_servers must be IP addresses'),
    ('too many DNS servers', {'dns_servers': ['10.0.0.%d' % n for n in range(1, 5)]}, 'at most 3 IPv4 DNS servers'),
    ('invalid NTP server', {'ntp_servers': ['ntp server']}, 'neither an IP address nor a host name'),
    ('too many NTP servers', {'ntp_servers': ['10.0.0.1', '10.0.0.2', '10.0.0.3']}, 'at most 2 NTP servers'),
    ('unknown time zone', {'timezone': 'Mars/Olympus Mons'}, 'is not one of the'),
    ('invalid host name', {'host_name': 'web_01'}, 'not a valid iLO host name'),
    ('host name with a domain', {'host_name': 'web01.example.com'}, 'not a valid iLO host name'),
    ('invalid domain name', {'domain_name': '-bad-.example'}, 'not a valid DNS domain name'),
    ('syslog port out of range', {'remote_syslog': {'port': 0}}, 'remote_syslog.port must be a port number'),
    ('syslog server invalid', {'remote_syslog': {'server': 'log server'}}, 'neither an IP address nor a host name'),
    ('nothing to do', {}, 'Nothing to do'),
    ('wait_timeout zero', {'timezone': 'Hawaii', 'wait_timeout': 0}, 'wait_timeout must be a positive'),
    ('unknown manager', {'timezone': 'Hawaii', 'manager_id': '9'}, "No manager with id '9'"),
    ('reset not a choice', {'timezone': 'Hawaii', 'reset': 'sometimes'}, 'value of reset must be one of'),
    ('several problems at once', {'timezone': 'Nowhere', 'network_services': {'gopher': {}}, 'host_name': 'a b'}, '3 problems'),
]


@pytest.mark.parametrize('what,extra,expected', BAD, ids=[b[0] for b in BAD])
def test_bad_input_fails_before_any_write(simulators, what, extra, expected):
    fleet = fleet_for(simulators, 'ilo5')
    result = run_module('ilo_manager', connection(fleet, **extra))
    msg = assert_clear_failure(result)
    assert expected in msg, msg
    assert writes(fleet, exclude_sessions=True) == 0 and fleet.ilos[0].session_info()['open'] == []
    BAD_INPUTS.append(('ilo_manager', what, msg))


@pytest.mark.parametrize('target', ['ilo4', 'tree:ilo7'])
def test_facts_read_what_the_module_sets_under_the_same_names(simulators, target):
    """One vocabulary: ilo_facts' manager subset shows each option's value under the option's name."""
    fleet = fleet_for(simulators, target)
    wanted = dict(EVERYTHING)
    wanted.update(timezone='Hawaii', reset='never')
    assert run_module('ilo_manager', connection(fleet, **wanted))['changed']
    facts = run_module('ilo_facts', connection(fleet, gather_subset=['manager']))['ansible_facts']['ilo']['manager']
    for name in ('host_name', 'domain_name', 'dns_servers', 'ntp_servers', 'timezone'):
        assert facts[name] == wanted[name], name
    assert facts['network_services']['SSH'] == {'enabled': True, 'port': 2222}
    assert facts['network_services']['IPMI']['enabled'] is False and facts['network_services']['SSDP']['enabled'] is False
    assert facts['remote_syslog'] == wanted['remote_syslog']
    assert facts['dhcp']['dhcpv4']['use_ntp_servers'] is False


def test_a_412_rereads_and_writes_once_more_with_the_new_etag(simulators):
    """Another client changed NetworkProtocol between the read and the PATCH: read again, re-plan, one more PATCH."""
    fleet = fleet_for(simulators, 'ilo6')
    fleet.ilos[0].add_fault({'kind': 'etag_412', 'match': {'method': 'PATCH', 'path': 'networkprotocol'}, 'count': 1})
    result = run_module('ilo_manager', connection(fleet, network_services={'SSH': {'port': 2200}}, reset='never'))
    assert result['changed'] and result['reset_required'] and not result.get('failed'), result
    assert patches(fleet) == ['/redfish/v1/managers/1/networkprotocol'] * 2
    assert body(fleet, 'networkprotocol')['SSH']['Port'] == 2200


def test_a_shared_session_ended_by_the_reset(simulators):
    """A play's ilo_session: the reset ends it; with credentials the task logs in again and deletes only its own session;
    without them it fails saying so (nothing is left open either way)."""
    fleet = fleet_for(simulators, 'ilo5')
    session = run_module('ilo_session', connection(fleet))['session']
    result = run_module('ilo_manager', connection(fleet, session=session, timezone='Hawaii'))
    assert result['changed'] and result['reset']['logged_in_again'] and not result.get('failed'), result
    assert fleet.ilos[0].session_info()['open'] == []
    assert run_module('ilo_session', connection(fleet, session=session, state='absent'))['changed'] is False
    session = run_module('ilo_session', connection(fleet))['session']
    failed = run_module('ilo_manager', dict(connection(fleet, session=session, timezone='Pacific Time (US & Canada)'),
                                            username=None, password=None))
    assert 'give username and password' in assert_clear_failure(failed)
    assert fleet.ilos[0].session_info()['open'] == []
