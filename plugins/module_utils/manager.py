# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iLO's own settings as desired-state resources (``ilo_manager``, ``ilo_facts`` manager subset).

One :class:`~state.SettingsResource` per Redfish resource that holds them, each mapping the
module's names to where iLO keeps the value:

- :class:`NetworkProtocol` -- ``Managers/{id}/NetworkProtocol`` (iLO 4: ``NetworkService``):
  ``network_services.<NAME>.enabled|port`` (``ProtocolEnabled``/``Port`` of every object that has
  them) and ``remote_syslog.enabled|server|port`` (``Oem.Hpe|Hp.RemoteSyslog*``).
- :class:`DateTime` -- the OEM ``DateTime`` service: ``ntp_servers`` (``StaticNTPServers``) and
  ``timezone`` (a ``TimeZoneList`` name, written as ``TimeZone.Index``).
- :class:`Interface` -- the manager's network interface in use: ``host_name``, ``domain_name``,
  ``dns_servers`` (``Oem.Hpe|Hp`` ``HostName``, ``DomainName``, ``IPv4/IPv6.DNSServers``) and the DHCP
  flags ``dhcpv4|dhcpv6.use_dns_servers|use_ntp_servers|use_domain_name``.

iLO shows a written value at once but applies most of them only after an iLO reset: the PATCH
answers ``iLO.x.ResetRequired`` and ``ConfigurationSettings`` reads ``SomePendingReset`` until the
reset. So the values read are current *or staged*, and comparing with them is idempotent on both.
No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import ipaddress
import re

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, hpe_oem, link_of, oem_key
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError
from ansible_collections.lightsout.ilo.plugins.module_utils.state import SettingsResource, nested, says

#: Array slots iLO keeps unused.
PLACEHOLDERS = ('', '0.0.0.0', '::', None)
#: Fields of a network service object, by the module's name.
SERVICE_FIELDS = (('enabled', 'ProtocolEnabled'), ('port', 'Port'))
#: Settings iLO does not let a client change (the client talks to iLO over HTTPS).
READ_ONLY = {('HTTPS', 'enabled'): 'HTTPS carries the Redfish API itself and cannot be turned off'}
SYSLOG_FIELDS = (('enabled', 'RemoteSyslogEnabled'), ('server', 'RemoteSyslogServer'), ('port', 'RemoteSyslogPort'))
DHCP_USES = (('dns_servers', 'UseDNSServers'), ('ntp_servers', 'UseNTPServers'), ('domain_name', 'UseDomainName'))
STATIC = {'dns_servers': 'DNS servers are', 'ntp_servers': 'NTP servers or a time zone are', 'domain_name': 'a domain name is'}
LABEL = re.compile(r'^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$')


def real(values):
    """An iLO server array without its unused slots."""
    return [v for v in (values or []) if v not in PLACEHOLDERS]


def padded(values, current, filler):
    """``values`` in as many slots as iLO has (``current``), the rest cleared with iLO's own placeholder."""
    filler = next((v for v in current or [] if v in PLACEHOLDERS and v is not None), filler)
    return list(values) + [filler] * max(0, len(current or []) - len(values))


def is_ip(text):
    try:
        ipaddress.ip_address(u'%s' % text)
        return True
    except ValueError:
        return False


def is_host(text, dotted=True):
    parts = str(text).rstrip('.').split('.') if dotted else [str(text)]
    return 0 < len(str(text)) <= 253 and all(LABEL.match(p) for p in parts)


class ManagerResource(SettingsResource):
    """A manager resource whose values apply at once or after an iLO reset (never a settings object)."""

    noun = 'iLO settings'

    def __init__(self, client, uri):
        super(ManagerResource, self).__init__(client, uri, direct=True)

    def find_settings_uri(self, body):
        return None

    @property
    def oem(self):
        return oem_key(self.body) or 'Hpe'

    @property
    def awaiting_reset(self):
        """iLO says values shown here wait for an iLO reset (``ConfigurationSettings: SomePendingReset``)."""
        flags = (self.body.get('ConfigurationSettings'), dig(self.body, 'Oem.%s.ConfigurationSettings' % self.oem))
        return 'SomePendingReset' in flags

    def wrote_staged(self, messages):
        """iLO answered a write with ``ResetRequired``: the values wait for an iLO reset."""
        return says(messages, 'ResetRequired')

    def stages(self, changes):
        """The prediction of :meth:`wrote_staged` for check mode: would writing ``changes`` need a reset?"""
        return bool(changes)


class NetworkProtocol(ManagerResource):
    noun = 'network services'

    def stages(self, changes):
        return any(name.startswith('network_services.') for name in changes)

    def services(self):
        """``{NAME: {field: Redfish key}}`` of every object with ``ProtocolEnabled`` or ``Port``."""
        found = {}
        for name, value in sorted(self.body.items()):
            if isinstance(value, dict):
                fields = dict((f, k) for f, k in SERVICE_FIELDS if k in value)
                if fields:
                    found[name] = fields
        return found

    def values_of(self, body):
        values = {}
        for name, value in body.items():
            for field, key in SERVICE_FIELDS:
                if isinstance(value, dict) and key in value:
                    values['network_services.%s.%s' % (name, field)] = value[key]
        oem = hpe_oem(body)
        for field, key in SYSLOG_FIELDS:
            if key in oem:
                values['remote_syslog.%s' % field] = oem[key]
        return values

    def body_for(self, values):
        body = {}
        for name, value in values.items():
            head, _sep, rest = name.partition('.')
            if head == 'network_services':
                service, field = rest.rsplit('.', 1)
                nested(body, (service, dict(SERVICE_FIELDS)[field]), value)
            else:
                nested(body, ('Oem', self.oem, dict(SYSLOG_FIELDS)[rest]), value)
        return body

    def desired(self, services, syslog, errors):
        """Names and values for ``network_services`` and ``remote_syslog``; problems go to ``errors``."""
        wanted = {}
        known = self.services()
        by_lower = dict((n.lower(), n) for n in known)
        valid = ', '.join(sorted(known))
        ports = dict(((n, self.current.get('network_services.%s.port' % n))) for n in known)
        for given, spec in sorted((services or {}).items()):
            name = by_lower.get(str(given).lower())
            if name is None:
                errors.append('%s is not a network service of this iLO (%s); valid: %s.' % (given, self.uri, valid))
                continue
            if not isinstance(spec, dict) or set(spec) - set(dict(SERVICE_FIELDS)) or not spec:
                errors.append('network_services.%s must be a dict with enabled and/or port, not %r.' % (given, spec))
                continue
            for field, value in sorted(spec.items()):
                if value is None:
                    continue
                if (name, field) in READ_ONLY or field not in known[name]:
                    why = READ_ONLY.get((name, field), 'this iLO offers no %s for it' % dict(SERVICE_FIELDS)[field])
                    writable = sorted('%s.%s' % (n, f) for n in known for f in known[n] if (n, f) not in READ_ONLY)
                    errors.append('network_services.%s.%s is read-only (%s); writable: %s.' % (name, field, why, ', '.join(writable)))
                elif field == 'enabled' and not isinstance(value, bool):
                    errors.append('network_services.%s.enabled must be true or false, not %r.' % (name, value))
                elif field == 'port' and not _port(value):
                    errors.append('network_services.%s.port must be a port number from 1 to 65535, not %r.' % (name, value))
                else:
                    wanted['network_services.%s.%s' % (name, field)] = value
                    if field == 'port':
                        ports[name] = value
        clashes = sorted(set(p for p in ports.values() if p is not None and list(ports.values()).count(p) > 1))
        for port in clashes:
            errors.append('Port %s would be used by several services (%s).' % (
                port, ', '.join(sorted(n for n, p in ports.items() if p == port))))
        if syslog:
            if not any(k.startswith('remote_syslog.') for k in self.current):
                errors.append('%s has no remote syslog settings (Oem.%s.RemoteSyslog*).' % (self.uri, self.oem))
            for field, value in sorted(syslog.items()):
                if value is None:
                    continue
                if field == 'port' and not _port(value):
                    errors.append('remote_syslog.port must be a port number from 1 to 65535, not %r.' % value)
                elif field == 'server' and value != '' and not (is_ip(value) or is_host(value)):
                    errors.append('remote_syslog.server %r is neither an IP address nor a host name.' % value)
                else:
                    wanted['remote_syslog.%s' % field] = value
        return wanted


class DateTime(ManagerResource):
    noun = 'date and time settings'

    def stages(self, changes):
        return 'timezone' in changes or changes.get('ntp_servers') == []

    def zones(self):
        return dict((z.get('Index'), z.get('Name')) for z in self.body.get('TimeZoneList') or [] if isinstance(z, dict))

    def values_of(self, body):
        values = {}
        if 'StaticNTPServers' in body:
            values['ntp_servers'] = real(body['StaticNTPServers'])
        zone = body.get('TimeZone')
        if isinstance(zone, dict):
            names = dict((z.get('Index'), z.get('Name')) for z in body.get('TimeZoneList') or [] if isinstance(z, dict))
            values['timezone'] = names.get(zone.get('Index'), zone.get('Name'))
        return values

    def body_for(self, values):
        body = {}
        if 'ntp_servers' in values:
            body['StaticNTPServers'] = padded(values['ntp_servers'], self.body.get('StaticNTPServers'), '')
        if 'timezone' in values:
            index = next(i for i, n in self.zones().items() if n == values['timezone'])
            body['TimeZone'] = {'Index': index}
        return body

    def desired(self, ntp_servers, timezone, errors):
        wanted = {}
        if ntp_servers is not None:
            slots = len(self.body.get('StaticNTPServers') or [])
            bad = [s for s in ntp_servers if not (is_ip(s) or is_host(s))]
            if 'StaticNTPServers' not in self.body:
                errors.append('%s has no StaticNTPServers; NTP servers cannot be set here.' % self.uri)
            elif bad:
                verb = 'is' if len(bad) == 1 else 'are'
                errors.append('ntp_servers: %s %s neither an IP address nor a host name.' % (', '.join(map(repr, bad)), verb))
            elif len(ntp_servers) > slots:
                errors.append('ntp_servers: this iLO keeps at most %d NTP servers, %d given.' % (slots, len(ntp_servers)))
            else:
                wanted['ntp_servers'] = list(ntp_servers)
        if timezone is not None:
            names = list(self.zones().values())
            match = [n for n in names if n == timezone] or [n for n in names if n.lower() == timezone.strip().lower()]
            if match:
                wanted['timezone'] = match[0]
            else:
                close = difflib.get_close_matches(timezone, names, 3, 0.4)
                errors.append('timezone %r is not one of the %d time zones this iLO offers (TimeZoneList)%s.' % (
                    timezone, len(names), '; closest: %s' % '; '.join(close) if close else ''))
        return wanted


class Interface(ManagerResource):
    noun = 'network interface settings'

    def dhcp_key(self, version):
        """Where the DHCP flags are: the standard ``DHCPv4``/``DHCPv6`` (iLO 5+) or the OEM ones (iLO 4)."""
        if isinstance(self.body.get('DHCP%s' % version), dict):
            return ('DHCP%s' % version,)
        return ('Oem', self.oem, 'DHCP%s' % version)

    def values_of(self, body):
        oem = hpe_oem(body)
        values = {}
        if 'HostName' in oem or 'HostName' in body:
            values['host_name'] = oem.get('HostName', body.get('HostName'))
        if 'DomainName' in oem:
            values['domain_name'] = oem['DomainName']
        if 'IPv4' in oem or 'IPv6' in oem:
            values['dns_servers'] = real(dig(oem, 'IPv4.DNSServers')) + real(dig(oem, 'IPv6.DNSServers'))
        for version in ('v4', 'v6'):
            flags = body.get('DHCP%s' % version)
            if not isinstance(flags, dict):
                flags = oem.get('DHCP%s' % version) or {}
            for name, key in DHCP_USES:
                if key in flags:
                    values['dhcp%s.use_%s' % (version, name)] = flags[key]
        return values

    def body_for(self, values):
        body = {}
        oem = hpe_oem(self.body)
        for name, value in values.items():
            if name == 'host_name':
                nested(body, ('Oem', self.oem, 'HostName'), value)
            elif name == 'domain_name':
                nested(body, ('Oem', self.oem, 'DomainName'), value)
            elif name == 'dns_servers':
                for family, filler in (('IPv4', '0.0.0.0'), ('IPv6', '::')):
                    mine = [s for s in value if (':' in s) == (family == 'IPv6')]
                    nested(body, ('Oem', self.oem, family, 'DNSServers'), padded(mine, dig(oem, family + '.DNSServers'), filler))
            else:
                version, use = name.split('.')
                key = dict(DHCP_USES)[use[len('use_'):]]
                nested(body, self.dhcp_key(version[len('dhcp'):]) + (key,), value)
        return body

    def desired(self, host_name, domain_name, dns_servers, static, dhcp_overrides, errors):
        wanted = {}
        have = self.current
        oem = hpe_oem(self.body)
        if host_name is not None:
            if not is_host(host_name, dotted=False) or len(host_name) > 49:
                errors.append('host_name %r is not a valid iLO host name (letters, digits and hyphens, at most 49, '
                              'no dots: the domain goes in domain_name).' % host_name)
            else:
                wanted['host_name'] = host_name
        if domain_name is not None:
            if domain_name != '' and not is_host(domain_name):
                errors.append('domain_name %r is not a valid DNS domain name.' % domain_name)
            else:
                wanted['domain_name'] = domain_name
        if dns_servers is not None:
            bad = [s for s in dns_servers if not is_ip(s)]
            if 'dns_servers' not in have:
                errors.append('%s has no DNS server settings (Oem.%s.IPv4.DNSServers).' % (self.uri, self.oem))
            elif bad:
                errors.append('dns_servers must be IP addresses; not: %s.' % ', '.join(map(repr, bad)))
            else:
                for family in ('IPv4', 'IPv6'):
                    mine = [s for s in dns_servers if (':' in s) == (family == 'IPv6')]
                    slots = len(dig(oem, family + '.DNSServers') or [])
                    if len(mine) > slots:
                        errors.append('dns_servers: this iLO keeps at most %d %s DNS servers, %d given.' % (slots, family, len(mine)))
                wanted['dns_servers'] = list(dns_servers)
        for what in static:
            supplied = sorted(n for n in have if n.endswith('.use_' + what) and have[n])
            if supplied and dhcp_overrides == 'fail':
                errors.append('Static %s given but DHCP supplies them (%s true on %s); with dhcp_overrides: disable the '
                              'module turns that off.' % (STATIC[what], ', '.join(supplied), self.uri))
            for name in supplied:
                wanted[name] = False
        return wanted


def _port(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def pick_interface(bodies):
    """The manager's interface in use: enabled, not the host (virtual NIC) interface, link up first."""
    def usable(item):
        body = item[1]
        oem = hpe_oem(body)
        if oem.get('InterfaceType') == 'HostInterface' or oem.get('NICEnabled') is False:
            return False
        return body.get('InterfaceEnabled') is not False and dig(body, 'Status.State') != 'Disabled'
    candidates = [item for item in bodies if usable(item)]
    candidates.sort(key=lambda item: item[1].get('LinkStatus') != 'LinkUp')
    return candidates[0][0] if candidates else None


def settings_links(manager):
    """(NetworkProtocol URI, DateTime URI) of a manager body; iLO 4 compat links too; None where not linked."""
    oem = hpe_oem(manager)
    links = oem.get('Links') or oem.get('links') or {}
    return (link_of(manager.get('NetworkProtocol')) or link_of(dig(manager, 'links.NetworkService')),
            link_of(links.get('DateTimeService')))


class Manager:
    """Where one manager keeps the settings: found by links from the manager resource."""

    def __init__(self, service, manager_id=None):
        self.service = service
        self.client = service.client
        self.uri = service.select(service.managers(), manager_id, 'manager')
        body = self.client.get(self.uri).json or {}
        self.body = body
        self.protocol_uri, self.datetime_uri = settings_links(body)
        self._interface_uri = False

    @property
    def interface_uri(self):
        """The interface in use (read on first use: every member is read to choose it)."""
        if self._interface_uri is False:
            nics = link_of(self.body.get('EthernetInterfaces')) or link_of(dig(self.body, 'links.EthernetNICs'))
            uris = self.service.members(nics) if nics else []
            self._interface_uri = pick_interface([(u, self.client.get(u).json or {}) for u in uris])
        return self._interface_uri

    def resource(self, kind):
        """The :class:`ManagerResource` of ``kind`` ('protocol', 'datetime', 'interface'), read fresh."""
        uri = getattr(self, kind + '_uri')
        if uri is None:
            raise IloDiscoveryError('The manager %s links no %s resource; its %s cannot be managed.' % (
                self.uri, {'protocol': 'NetworkProtocol', 'datetime': 'DateTime', 'interface': 'EthernetInterface'}[kind],
                {'protocol': 'network services and remote syslog', 'datetime': 'NTP servers and time zone',
                 'interface': 'host name, domain name and DNS servers'}[kind]))
        cls = {'protocol': NetworkProtocol, 'datetime': DateTime, 'interface': Interface}[kind]
        return cls(self.client, uri).reload()


def facts(protocol, datetime, interface):
    """The ``ilo_facts`` manager subset's view of the settings ``ilo_manager`` manages (same names).

    Each argument is a resource body or None.
    """
    out = {'host_name': None, 'domain_name': None, 'dns_servers': None, 'ntp_servers': None, 'timezone': None,
           'network_services': None, 'remote_syslog': None, 'dhcp': None}
    values = {}
    for cls, body in ((NetworkProtocol, protocol), (DateTime, datetime), (Interface, interface)):
        if isinstance(body, dict):
            values.update(cls(None, None).values_of(body))
    for name, value in values.items():
        head, _sep, rest = name.partition('.')
        if head in ('network_services', 'remote_syslog'):
            out[head] = out[head] or {}
            nested(out[head], tuple(rest.rsplit('.', 1)), value)
        elif head.startswith('dhcpv'):
            out['dhcp'] = out['dhcp'] or {}
            nested(out['dhcp'], (head, rest), value)
        else:
            out[name] = value
    return out
