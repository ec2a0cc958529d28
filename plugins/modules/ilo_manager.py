#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_manager
short_description: The iLO's own settings (names, DNS, NTP, time zone, network services, remote syslog) on HPE iLO 4 to 7
version_added: 0.1.0
description:
  - Declares the settings of the iLO itself and changes only what differs. Each option is managed only when given.
  - Reads the manager's C(NetworkProtocol) (iLO 4 C(NetworkService)), its OEM C(DateTime) service and the network interface
    in use (enabled, not the virtual host interface, link up first), found by links from the manager.
  - Every given value is validated before anything is written (unknown or read-only network service, invalid IP
    address or host name, a time zone the iLO does not list, a port out of range, more servers than the iLO has slots
    for); all problems are reported together and nothing is written.
  - Values are compared with what iLO shows, which is the current value or the value staged for the next iLO reset;
    so a setting already staged is not written again. Each resource gets at most one PATCH of only the
    differences, with C(If-Match); on HTTP 412 it is read again and the PATCH retried once.
  - Most of these settings take effect only after an iLO reset; iLO then answers the PATCH with C(iLO.x.ResetRequired)
    and shows C(ConfigurationSettings=SomePendingReset). See O(reset).
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  host_name:
    description:
      - The iLO's host name (C(Oem.Hpe.HostName) of the network interface; C(Oem.Hp) on iLO 4), without the domain.
      - Named C(host_name) because O(hostname) is the address used to reach the iLO. O(ignore:ilo_facts) reports it as
        C(ilo.manager.host_name).
      - Letters, digits and hyphens, at most 49 characters.
    type: str
  domain_name:
    description:
      - The iLO's DNS domain name (C(Oem.Hpe.DomainName)). An empty string clears it.
    type: str
  dns_servers:
    description:
      - The static DNS servers, IPv4 and IPv6 addresses in order of preference (C(Oem.Hpe.IPv4.DNSServers) and
        C(IPv6.DNSServers), three slots each). Slots not given are cleared. An empty list clears them all.
    type: list
    elements: str
  ntp_servers:
    description:
      - The static NTP servers (C(StaticNTPServers) of the C(DateTime) service), IP addresses or host names; iLO keeps two.
        Slots not given are cleared. An empty list clears them (iLO then needs a reset).
    type: list
    elements: str
  timezone:
    description:
      - The time zone, one of the names the iLO lists in C(TimeZoneList) (for example V(Greenwich Mean Time, Casablanca,
        Monrovia)); compared without regard to case. Written as C(TimeZone.Index). An unknown name fails, naming the
        closest ones.
    type: str
  network_services:
    description:
      - Network services by the name C(NetworkProtocol) gives them (V(HTTP), V(HTTPS), V(SSH), V(IPMI), V(SNMP), V(SSDP),
        V(KVMIP), V(VirtualMedia), ...; any case), each a dict with C(enabled) (bool) and/or C(port) (1-65535).
      - A name the iLO does not list fails, naming the valid ones. C(HTTPS.enabled) is refused (the module talks to the
        iLO over HTTPS). Two services on one port are refused.
    type: dict
  remote_syslog:
    description:
      - Remote syslog (C(Oem.Hpe.RemoteSyslogEnabled), C(RemoteSyslogServer), C(RemoteSyslogPort) of C(NetworkProtocol)).
    type: dict
    suboptions:
      enabled:
        description: Send the iLO's log to the syslog server.
        type: bool
      server:
        description: The syslog server, an IP address or host name (empty string clears it).
        type: str
      port:
        description: The syslog server's port.
        type: int
  dhcp_overrides:
    description:
      - What to do when static DNS servers, NTP servers, a time zone or a domain name are given while DHCP supplies them (the
        interface's C(DHCPv4)/C(DHCPv6) C(UseDNSServers), C(UseNTPServers) (time settings, that is NTP servers and time zone),
        C(UseDomainName)); iLO uses DHCP-supplied values instead of static ones, and refuses NTP servers and a time zone
        while DHCP supplies time settings (C(SNTPConfigurationManagedByDHCPAndIsReadOnly)).
      - V(disable) (default) sets those C(Use*) flags to false in the same interface PATCH, so the static values take
        effect; the diff shows them as C(dhcpv4.use_ntp_servers) and so on. Empty lists turn nothing off.
      - V(fail) fails before any write, naming the flags.
    type: str
    choices: [disable, fail]
    default: disable
  manager_id:
    description:
      - The C(Id) of the manager, for services with several. Optional when there is one.
    type: str
  system_id:
    description:
      - Accepted and ignored. The settings belong to the iLO (the manager), not to one of its systems; the option exists
        so that one C(module_defaults) block for C(group/lightsout.ilo.ilo) can name the system for every module of the
        group, this one included. Use O(manager_id) to pick a manager.
    type: str
  reset:
    description:
      - V(when_required) resets the iLO when a write was answered with C(ResetRequired), or when a resource holding a given
        setting shows C(SomePendingReset) (staged earlier, for example with V(never)); then waits for it to come back, logs in
        again and verifies every value.
      - V(never) does not reset; RV(reset_required) and RV(pending) tell a later task or role.
      - V(always) also resets after any write iLO did not ask a reset for.
      - Never resets in check mode, and never when nothing was written and nothing is staged.
      - The reset drops every iLO session and connection (a session given in O(session) cannot be renewed, so give
        O(username) and O(password)).
    type: str
    choices: [when_required, never, always]
    default: when_required
  wait_timeout:
    description:
      - Seconds to wait for the iLO to come back after a reset.
    type: int
    default: 600
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode reads the same resources, validates, and predicts RV(ignore:changed), RV(reset_required) and the diff;
        it sends no PATCH and no reset. Whether iLO will ask for a reset is predicted (network interface and service
        changes, time zone and clearing NTP servers do; remote syslog and setting NTP servers do not).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - Before and after per setting name (C(host_name), C(network_services.SSH.port), ...), and whether a reset is pending.
notes:
  - iLO 4 shapes (C(Oem.Hp), C(links.NetworkService), C(links.DateTimeService)) follow HPE's iLO 4 documentation; there is
    no public iLO 4 capture of these resources.
seealso:
  - module: lightsout.ilo.ilo_facts
    description: C(gather_subset=manager) reads the same settings under the same names.
'''

EXAMPLES = r'''
- name: Baseline NTP, DNS and time zone on every iLO (one reset per iLO, only where something changed)
  lightsout.ilo.ilo_manager:
    hostname: "{{ ansible_host }}"
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    domain_name: mgmt.example.com
    dns_servers: [10.0.0.53, 10.0.1.53]
    ntp_servers: [ntp1.example.com, ntp2.example.com]
    timezone: Greenwich Mean Time, Casablanca, Monrovia
  delegate_to: localhost

- name: Lock down services and send the log to the collector; stage only, reset later
  lightsout.ilo.ilo_manager:
    hostname: "{{ ansible_host }}"
    network_services:
      IPMI: {enabled: false}
      SSDP: {enabled: false}
      SNMP: {enabled: false}
      SSH: {port: 2222}
    remote_syslog: {enabled: true, server: syslog.example.com, port: 514}
    reset: never
  register: ilo_settings

- name: Name the iLO after the inventory
  lightsout.ilo.ilo_manager:
    hostname: "{{ ansible_host }}"
    host_name: "{{ inventory_hostname_short }}-ilo"
'''

RETURN = r'''
settings:
  description: Per setting given, C(before) (shown by iLO, current or staged), C(desired) and C(action) (V(none) or V(set)).
  returned: success
  type: dict
  sample: {network_services.SSH.port: {before: 22, desired: 2222, action: set}}
changes:
  description: What was written (or would be, in check mode), by resource URI.
  returned: success
  type: dict
  sample: {/redfish/v1/Managers/1/NetworkProtocol: {network_services.SSH.port: 2222}}
reset_required:
  description: True when settings wait for an iLO reset after this task (false after a reset this task did, or would do in check mode).
  returned: success
  type: bool
pending:
  description: The given settings that wait for an iLO reset (with RV(reset_required)).
  returned: success
  type: dict
  sample: {timezone: Greenwich Mean Time, Casablanca, Monrovia}
reset:
  description:
    - The reset sent (C(reset.target), C(reset.ResetType)) and what was seen (C(went_down), C(logged_in_again), C(elapsed)); null without a reset.
    - In check mode, the reset that would be sent.
  returned: success
  type: dict
messages:
  description: The messages iLO answered to the writes (for example C(iLO.2.18.ResetRequired)).
  returned: success
  type: list
  elements: dict
not_applied:
  description: After a reset, the settings iLO does not show as wanted (the task fails).
  returned: failure after a reset
  type: dict
validation_errors:
  description: Every problem found in the options (the task fails and writes nothing).
  returned: failure of validation
  type: list
  elements: str
'''

from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.manager import Manager
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule
from ansible_collections.lightsout.ilo.plugins.module_utils.state import ManagerReset

SETTINGS = ('host_name', 'domain_name', 'dns_servers', 'ntp_servers', 'timezone', 'network_services', 'remote_syslog')


class IloManagerModule(IloModule):
    argument_spec = dict(
        host_name=dict(type='str'),
        domain_name=dict(type='str'),
        dns_servers=dict(type='list', elements='str'),
        ntp_servers=dict(type='list', elements='str'),
        timezone=dict(type='str'),
        network_services=dict(type='dict'),
        remote_syslog=dict(type='dict', options=dict(enabled=dict(type='bool'), server=dict(type='str'), port=dict(type='int'))),
        dhcp_overrides=dict(type='str', choices=['disable', 'fail'], default='disable'),
        manager_id=dict(type='str'),
        system_id=dict(type='str'),  # accepted for module_defaults of the action group, not used
        reset=dict(type='str', choices=['when_required', 'never', 'always'], default='when_required'),
        wait_timeout=dict(type='int', default=600),
    )

    def run(self):
        p = self.params
        if all(p[name] is None for name in SETTINGS):
            raise IloValidationError('Nothing to do: give at least one of %s.' % ', '.join(SETTINGS))
        if p['wait_timeout'] <= 0:
            raise IloValidationError('wait_timeout must be a positive number of seconds, not %s.' % p['wait_timeout'])
        manager = Manager(self.service, p['manager_id'])
        plans = self._plans(manager)
        self.result.update(settings={}, changes={}, messages=[], pending={}, reset=None)
        staged = False
        for resource, desired in plans:
            predicted = resource.stages(resource.plan(desired).changes)
            outcome = resource.converge(desired, check_mode=self.check_mode)
            self.result['messages'].extend(outcome.messages)
            for name, item in outcome.report.items():
                self.result['settings'][name] = {'before': item['current'], 'desired': item['desired'],
                                                 'action': 'none' if item['action'] == 'none' else 'set'}
            if outcome.changes:
                self.result['changes'][resource.uri] = outcome.changes
            waits = resource.awaiting_reset or (resource.wrote_staged(outcome.messages) if not self.check_mode else predicted)
            if waits or (p['reset'] == 'always' and outcome.changes):
                staged = True
                # iLO shows staged values like current ones: all given values of a resource staged before may be pending.
                self.result['pending'].update(desired if resource.awaiting_reset else outcome.changes)
        self.result['changed'] = bool(self.result['changes'])
        self.result['reset_required'] = staged
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = self._diff(plans, staged)
        if staged and p['reset'] != 'never':
            self.result['changed'] = True
            if self.check_mode:  # what the reset would send, and the state after it
                self.result.update(reset=ManagerReset(self.service, manager.uri).run(check_mode=True), reset_required=False, pending={})
            else:
                self._reset_and_verify(manager, plans)

    def _plans(self, manager):
        """[(resource, desired values)] of every resource with something given, validated: nothing is written on a problem."""
        p = self.params
        errors = []
        plans = []
        static = [n for n in ('dns_servers', 'ntp_servers', 'domain_name') if p[n] or (n == 'ntp_servers' and p['timezone'])]
        if any(p[n] is not None for n in ('host_name', 'domain_name', 'dns_servers')) or ('ntp_servers' in static and manager.interface_uri):
            interface = manager.resource('interface')
            plans.append((interface, interface.desired(p['host_name'], p['domain_name'], p['dns_servers'], static,
                                                       p['dhcp_overrides'], errors)))
        if p['ntp_servers'] is not None or p['timezone'] is not None:
            datetime = manager.resource('datetime')
            plans.append((datetime, datetime.desired(p['ntp_servers'], p['timezone'], errors)))
        if p['network_services'] is not None or p['remote_syslog'] is not None:
            protocol = manager.resource('protocol')
            syslog = dict((k, v) for k, v in (p['remote_syslog'] or {}).items() if v is not None)
            plans.append((protocol, protocol.desired(p['network_services'], syslog, errors)))
        if errors:
            self.result['validation_errors'] = errors
            raise IloValidationError('%d problem%s with the settings, nothing was written: %s' % (
                len(errors), '' if len(errors) == 1 else 's', ' '.join(errors)))
        return plans

    def _diff(self, plans, staged):
        before, after = {}, {}
        for name, value in sorted((n, v) for _resource, desired in plans for n, v in desired.items()):
            before[name] = self.result['settings'][name]['before']
            after[name] = value
        before['pending_reset'] = any(r.awaiting_reset for r, _d in plans)
        after['pending_reset'] = staged and self.params['reset'] == 'never'
        return {'before': before, 'after': after}

    def _reset_and_verify(self, manager, plans):
        self.result['reset'] = ManagerReset(self.service, manager.uri).run(timeout=self.params['wait_timeout'])
        failed = {}
        for resource, desired in plans:
            failed.update(resource.unapplied(desired))
            if resource.awaiting_reset:
                failed['%s ConfigurationSettings' % resource.uri] = {'desired': 'Current', 'current': 'SomePendingReset'}
        if failed:
            self.result['not_applied'] = failed
            raise IloError('After the iLO reset, %d setting%s did not take effect: %s.' % (
                len(failed), '' if len(failed) == 1 else 's',
                '; '.join('%s is %r, not %r' % (n, f['current'], f['desired']) for n, f in sorted(failed.items()))), uri=manager.uri)
        self.result['reset_required'] = False
        self.result['pending'] = {}


def main():
    IloManagerModule().main()


if __name__ == '__main__':
    main()
