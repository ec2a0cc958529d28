# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: ilo
short_description: A fleet of HPE iLOs from address lists and networks, fingerprinted, grouped and cached
version_added: 0.1.0
description:
  - Builds an inventory whose hosts are HPE iLOs (4, 5, 6 and 7) from a list of addresses (O(hosts)) and
    networks in CIDR notation (O(networks), minus O(exclude)), read from one process with a bounded pool
    of O(concurrency) probes.
  - Each address is fingerprinted from its B(unauthenticated) Redfish service root C(/redfish/v1/), where iLO
    publishes its generation, firmware, product and UUID, so no credential is sent to find a fleet.
    Addresses that answer but are not an iLO (another Redfish service, another web server) are skipped;
    addresses that do not answer are counted as failed. Neither is an error; the counts are shown at C(-v).
  - With O(facts), every iLO found is also read with credentials (O(username)/O(password) or the
    E(ILO_USERNAME)/E(ILO_PASSWORD) variables an AWX/AAP credential type injects), with the same client and
    the same schema as M(lightsout.ilo.ilo_facts); the result is the host variable C(ilo_facts). One session
    per iLO, always deleted.
  - 'Host variables: C(ansible_host) (C(host) or C(host:port), what the modules'' O(lightsout.ilo.ilo_facts#module:hostname) takes),
    C(ilo_address), C(ilo_port), C(ilo_url), C(ilo_generation), C(ilo_manager_type), C(ilo_firmware), C(ilo_model),
    C(ilo_uuid), C(ilo_hostname), C(ilo_fqdn), C(ilo_health) (the iLO''s own health: V(ok), V(warning), V(critical)),
    C(ilo_redfish_version), C(ilo_serial) (only with O(facts)), and with O(facts) also C(ilo_facts), C(ilo_server_health)
    and C(ilo_power_state).'
  - Default groups (O(default_groups)) are C(ilo) (every iLO), C(ilo4) to C(ilo7) by generation and
    C(ilo_model_<model>) by product (for example C(ilo_model_proliant_dl380a_gen11),
    C(ilo_model_hpe_proliant_compute_dl360_gen12)); group names are lower case, letters, digits and underscores.
    O(keyed_groups), O(groups) and O(compose) add anything else.
  - The inventory file must end in C(.ilo.yml) or C(.ilo.yaml).
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
requirements:
  - requests
  - jmespath (only with O(facts))
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; makes Ansible use it for the file.
    type: str
    required: true
    choices: [lightsout.ilo.ilo]
  hosts:
    description:
      - iLOs to probe by name or address, as C(host), C(host:port), an IPv6 address, C([ipv6]:port) or C(https://host:port).
      - A host without a port uses O(port).
    type: list
    elements: str
    default: []
  networks:
    description:
      - Networks to scan, in CIDR notation (C(10.0.40.0/24), C(2001:db8::/120)). Every host address of each
        network is probed on O(port).
      - At most 65536 addresses in all (a C(/16)); more are refused with an error before any probe.
    type: list
    elements: str
    default: []
  exclude:
    description:
      - Addresses or networks (CIDR) not to probe, taken out of O(networks) and O(hosts) (hosts given as addresses).
    type: list
    elements: str
    default: []
  port:
    description: The HTTPS port of the iLOs whose entry names none.
    type: int
    default: 443
  concurrency:
    description:
      - How many addresses are probed (and, with O(facts), read) at the same time, between 1 and 256.
      - Each iLO read with O(facts) has up to 4 requests in flight of its own.
    type: int
    default: 32
  timeout:
    description:
      - Seconds one request may take in all (connect, TLS, reading the reply), between 1 and 600.
    type: int
    default: 10
  connect_timeout:
    description:
      - Seconds to wait for a TCP connection, between 1 and O(timeout). Most addresses of a scanned network do not
        answer; this bounds what each of them costs.
    type: int
    default: 3
  validate_certs:
    description:
      - Verify the iLO certificates. Addresses whose certificate does not verify are counted as failed, with the
        reason at C(-vvv).
      - With V(false) and O(facts), the credentials are sent to whatever answers like an iLO in O(networks).
    type: bool
    default: true
    env:
      - name: ILO_VALIDATE_CERTS
  ca_path:
    description:
      - The CA certificate file (PEM) or directory that signed the iLO certificates. When set, it is the only
        trust anchor (E(REQUESTS_CA_BUNDLE) is ignored), as in the modules.
    type: path
    env:
      - name: ILO_CA_PATH
  facts:
    description:
      - Read every iLO found with credentials and set C(ilo_facts) to what M(lightsout.ilo.ilo_facts) returns for
        these subsets (its O(lightsout.ilo.ilo_facts#module:gather_subset) values, for example V(min) or
        V([min, firmware])).
      - Empty (the default) sends no credential anywhere and reads fingerprints only.
    type: list
    elements: str
    default: []
  username:
    description: The iLO user name for O(facts).
    type: str
    env:
      - name: ILO_USERNAME
  password:
    description:
      - The password of O(username), for O(facts). Never cached, never shown.
    type: str
    env:
      - name: ILO_PASSWORD
  auth:
    description: How O(facts) authenticates, as in the modules (V(session) creates one session per iLO and deletes it).
    type: str
    choices: [session, basic]
    default: session
  hostname_from:
    description:
      - How each iLO's inventory host name is chosen; the first of these that gives a valid and unique name wins.
      - V(fqdn) and V(hostname) are the iLO's own names from its service root (C(Oem.Hpe.Manager[0].FQDN) and
        C(HostName); an iLO's default host name is C(ILO) and the server serial number). V(uuid) is the service
        root's UUID. V(serial) is the server serial number (only with O(facts)). V(address) is the address probed,
        with C(_port) when the port is not 443 (for example C(10.0.40.21) or C(127.0.0.1_8443)).
      - V(address) is always tried last, so every iLO gets a name. A name the iLO gives itself is used only when no
        other iLO of this inventory gives the same name for that choice, when it is no address of this inventory and no
        host another inventory source already has, and when it is a valid host name (not an IP address, not
        C(localhost)); otherwise the next choice is tried. So an iLO cannot take another host's name.
    type: list
    elements: str
    default: [fqdn, hostname, address]
  default_groups:
    description: Add the groups C(ilo), C(ilo<generation>) and C(ilo_model_<model>).
    type: bool
    default: true
notes:
  - The cache holds what was read (fingerprints and facts), never credentials or session tokens. A cache written
    for other sources or O(facts) is not used.
  - At C(-v) one line sums the scan up (addresses probed, iLOs found, skipped, failed, seconds); at C(-vvv) each
    skipped or failed address is listed with its reason.
seealso:
  - module: lightsout.ilo.ilo_facts
'''

EXAMPLES = r'''
# fleet.ilo.yml: scan two networks and a few named iLOs, fingerprints only (no credential sent)
plugin: lightsout.ilo.ilo
networks:
  - 10.0.40.0/24
  - 10.0.41.0/24
exclude:
  - 10.0.40.1
hosts:
  - ilo-db01.example.net
  - 10.0.50.7:8443
ca_path: /etc/pki/ilo-ca.pem
concurrency: 64
keyed_groups:
  - key: ilo_firmware
    prefix: firmware
groups:
  ilo5_below_2_90: ilo_generation == 5 and ilo_firmware is version('2.90', '<')
  unhealthy: ilo_health != 'ok'

---
# enriched.ilo.yml: also read the system summary of each iLO (credentials from ILO_USERNAME/ILO_PASSWORD)
plugin: lightsout.ilo.ilo
networks: [10.0.40.0/24]
facts: min
hostname_from: [serial, hostname, address]
groups:
  powered_off: ilo_power_state == 'off'
  server_unhealthy: ilo_server_health not in ['ok', None]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ilo-inventory
cache_timeout: 3600
'''

import hashlib
import ipaddress
import os
import re
import threading
import time
from urllib.parse import urlsplit

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, hpe_oem, oem_key
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloSecurityError, IloTLSError, IloValidationError, clean_text
from ansible_collections.lightsout.ilo.plugins.module_utils.client import (
    HAS_REQUESTS, MAX_BODY_BYTES as DEFAULT_MAX_BODY, RedfishClient, normalize_base_url, origin_of, tls_context)
from ansible_collections.lightsout.ilo.plugins.module_utils.facts import HAS_JMESPATH, Gatherer, resolve_subsets
from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService, _generation_from_text

#: The most addresses one inventory source may scan (a /16): a larger network is refused before any probe.
MAX_ADDRESSES = 65536
#: The largest service root read (an iLO's is 5-7 KB): a probe never holds more than this per address.
MAX_ROOT_BYTES = 1024 * 1024
#: Requests in flight per iLO while reading its facts, and their retries (a probe is not retried).
FACTS_WORKERS = 4
FACTS_RETRIES = 2
#: Warnings shown one by one (a fleet-wide problem, such as a wrong password, is then one line more, not thousands).
MAX_WARNINGS = 10
#: Bumped when what the cache holds changes shape: an older cache is then not used.
CACHE_FORMAT = 1
HOSTNAME_CHOICES = ('fqdn', 'hostname', 'uuid', 'serial', 'address')
_HOST_NAME = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9_.\-]{0,251}[A-Za-z0-9])?$')
_GROUP_UNSAFE = re.compile(r'[^a-z0-9]+')


# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------


class Target:
    """One address to probe: its base URL and the parts the host variables need."""

    __slots__ = ('url', 'host', 'port', 'default_port', 'listed')

    def __init__(self, url, listed=False):
        self.url = url
        self.listed = listed  # named in ``hosts`` (not found by a network scan)
        scheme, host, port = origin_of(url)
        self.host = host.strip('[]')
        self.port = port
        self.default_port = (scheme == 'https' and port == 443) or (scheme == 'http' and port == 80)

    @property
    def netloc(self):
        """``host`` or ``host:port``: what the modules' ``hostname`` takes (``ansible_host``)."""
        host = '[%s]' % self.host if ':' in self.host else self.host
        netloc = host if self.default_port else '%s:%d' % (host, self.port)
        return ('http://' + netloc) if self.url.startswith('http://') else netloc

    @property
    def name(self):
        """The inventory name of this address: ``host`` or ``host_port``."""
        return self.host if self.default_port else '%s_%d' % (self.host, self.port)


def _network(text, what):
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError as exc:
        raise AnsibleParserError('%s: %r is not an address or a network in CIDR notation (%s).' % (what, text, exc))


def _address_of(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def expand_sources(hosts, networks, exclude, port, limit=MAX_ADDRESSES):
    """The Targets to probe, in order (``hosts`` as given, then every host address of ``networks``), without
    duplicates or excluded addresses. A source that is not valid, or more than ``limit`` network addresses,
    raise AnsibleParserError before anything is probed."""
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise AnsibleParserError('port must be between 1 and 65535, not %r.' % (port,))
    excluded = [_network(item, 'exclude') for item in exclude or []]
    nets = [_network(item, 'networks') for item in networks or []]
    total = sum(n.num_addresses for n in nets)
    if total > limit:
        raise AnsibleParserError(
            'networks hold %d addresses; one inventory source scans at most %d (a /16). Split the networks over several '
            'inventory files or narrow them.' % (total, limit))

    def is_excluded(address):
        return address is not None and any(address.version == n.version and address in n for n in excluded)

    seen = set()
    targets = []

    def add(url, listed=False):
        target = Target(url, listed)
        key = (target.url.split('://', 1)[0], target.host.lower(), target.port)
        if key in seen or is_excluded(_address_of(target.host)):
            return
        seen.add(key)
        targets.append(target)

    for item in hosts or []:
        text = str(item).strip()
        bare = _address_of(text)
        if bare is not None and bare.version == 6:
            text = '[%s]' % bare  # a bare IPv6 address: its colons are not a port
        try:
            base = normalize_base_url(text)
            given = urlsplit(base).port
        except (IloValidationError, ValueError) as exc:
            raise AnsibleParserError('hosts: %s' % getattr(exc, 'message', exc))
        add(base if given is not None or base.startswith('http://') else '%s:%d' % (base, port), listed=True)
    for net in nets:
        addresses = net.hosts() if net.num_addresses > 2 else iter(net)
        for address in addresses:
            host = '[%s]' % address if address.version == 6 else str(address)
            add('https://%s:%d' % (host, port))
    return targets


# --------------------------------------------------------------------------------------------------
# Fingerprint
# --------------------------------------------------------------------------------------------------


def _text(value, limit=255):
    """A string from a reply, cleaned and bounded, or None."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = clean_text(value, limit).strip()
    return text or None


def fingerprint(root):
    """What an unauthenticated service root says: ``(kind, facts)`` with kind ``ilo``, ``redfish`` (a Redfish
    service that is not an iLO) or ``other`` (not a Redfish service root)."""
    if not isinstance(root, dict) or not ('RedfishVersion' in root or str(root.get('@odata.type', '')).startswith('#ServiceRoot')
                                          or isinstance(root.get('links'), dict) and 'Systems' in root['links']):
        return 'other', None
    oem = root.get('Oem')
    key = oem_key(root) if isinstance(oem, dict) else None
    block = hpe_oem(root, key) if key else {}
    manager = dig(block, 'Manager.0')
    manager = manager if isinstance(manager, dict) else {}
    manager_type = _text(manager.get('ManagerType'))
    generation = None
    for text in (manager_type, _text(dig(block, 'Moniker.PRODGEN'))):
        generation = _generation_from_text(text)
        if generation:
            break
    if not generation and key == 'Hp':
        generation = 4
    if not key or not (generation or manager_type or manager.get('ManagerFirmwareVersion')):
        return 'redfish', None
    health = _text(dig(manager, 'Status.Health'))
    return 'ilo', {
        'generation': generation,
        'manager_type': manager_type or ('iLO %d' % generation if generation else None),
        'firmware': _text(manager.get('ManagerFirmwareVersion')),
        'model': _text(root.get('Product')),
        'uuid': _text(root.get('UUID'), 64),
        'hostname': _text(manager.get('HostName')),
        'fqdn': _text(manager.get('FQDN')),
        'health': health.lower() if health else None,
        'redfish_version': _text(root.get('RedfishVersion'), 32),
    }


# --------------------------------------------------------------------------------------------------
# Names and groups
# --------------------------------------------------------------------------------------------------


def valid_host_name(name):
    """True for a name an iLO may give itself as an inventory host: a host name, not an IP address, not localhost."""
    if not name or not _HOST_NAME.match(name) or _address_of(name) is not None:
        return False
    return name.lower().split('.', 1)[0] != 'localhost'


def group_name(text):
    """``ProLiant DL360 Gen10 Plus`` -> ``proliant_dl360_gen10_plus``: lower case, letters, digits and ``_``."""
    name = _GROUP_UNSAFE.sub('_', str(text or '').lower()).strip('_')
    return name[:200] if name else None


def candidate(record, choice):
    """The name ``choice`` gives ``record`` (a host record of the scan), or None."""
    if choice == 'address':
        return record['name']
    value = record.get(choice)
    value = str(value) if value is not None else None
    return value if valid_host_name(value) else None


def assign_names(records, choices, taken=None):
    """``{address name: inventory name}`` for ``records``, choosing by ``choices`` in order (``address`` last).

    A name given by the iLO is used only when no other record gives the same name for that choice (two iLOs that
    claim one name both fall through), when it is not the address name of any record and not in ``taken`` (hosts
    the inventory already has, names given at earlier steps); names compare without case. Deterministic: the same
    records give the same names whatever order the probes ended in.
    """
    taken = set(t.lower() for t in taken or ())
    addresses = set(r['name'].lower() for r in records)
    names = {}
    pending = list(records)
    for choice in list(choices) + ['address']:
        if not pending:
            break
        counts = {}
        for name in (candidate(r, choice) for r in records):
            if name:
                counts[name.lower()] = counts.get(name.lower(), 0) + 1
        proposals = [(r, candidate(r, choice)) for r in pending]
        left = []
        for record, name in proposals:
            if choice == 'address':
                names[record['name']] = name
                continue
            usable = name and counts[name.lower()] == 1 and name.lower() not in taken and name.lower() not in addresses
            if usable:
                names[record['name']] = name
                taken.add(name.lower())
            else:
                left.append(record)
        pending = left
    return names


# --------------------------------------------------------------------------------------------------
# The scan
# --------------------------------------------------------------------------------------------------


class Scan:
    """Probe targets on a bounded pool of threads; read facts of the iLOs found when ``subsets`` are given.

    Holds one client per thread at a time (each closed before the next address), so memory is bounded by
    ``concurrency``, not by the number of addresses. ``stop()`` ends the scan early: requests in flight are
    cut, sessions are still deleted.
    """

    def __init__(self, targets, concurrency=32, timeout=10, connect_timeout=3, validate_certs=True, ca_path=None,
                 subsets=None, username=None, password=None, auth='session', environ=None):
        self.targets = list(targets)
        self.concurrency = max(1, min(int(concurrency), len(self.targets) or 1))
        self.options = dict(timeout=timeout, connect_timeout=connect_timeout, validate_certs=validate_certs,
                            ca_path=ca_path, environ=environ)
        self.subsets = list(subsets or [])
        self.username = username
        self.password = password
        self.auth = auth
        self.records = []
        self.skipped = []   # (address name, reason)
        self.failed = []    # (address name, reason)
        self.warnings = []
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._next = 0
        self._active = set()
        self._stopped = threading.Event()
        self._tls = {}  # requests' verify value -> the SSL context every client with it shares (tls_context)

    def run(self):
        started = time.monotonic()
        threads = [threading.Thread(target=self._work, name='ilo-inventory-%d' % i) for i in range(self.concurrency)]
        for thread in threads:
            thread.daemon = True
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)
        except BaseException:  # Ctrl-C, a job cancel: cut what is in flight, let the threads delete their sessions
            self.stop()
            deadline = time.monotonic() + self.options['timeout'] + 5
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            raise
        finally:
            self.seconds = time.monotonic() - started
        order = dict((t.name, i) for i, t in enumerate(self.targets))
        self.records.sort(key=lambda r: order[r['name']])
        self.skipped.sort(key=lambda r: order[r[0]])
        self.failed.sort(key=lambda r: order[r[0]])
        return self

    def stop(self):
        self._stopped.set()
        with self._lock:
            active = list(self._active)
        for client in active:
            client.abort()

    def _take(self):
        with self._lock:
            if self._stopped.is_set() or self._next >= len(self.targets):
                return None
            target = self.targets[self._next]
            self._next += 1
            return target

    def _work(self):
        while True:
            target = self._take()
            if target is None:
                return
            try:
                self._probe(target)
            except Exception as exc:  # pylint: disable=broad-except
                self._note(self.failed, target, 'unexpected error: %s' % clean_text(to_native(exc), 300))

    def _note(self, where, target, reason):
        with self._lock:
            where.append((target.name, reason))

    def _client(self, target):
        """One client per address, for the probe and the facts: the credentials (when ``subsets``) are only sent
        after the unauthenticated root said it is an iLO."""
        credentials = dict(username=self.username, password=self.password, auth=self.auth) if self.subsets else {}
        client = RedfishClient(target.url, retries=0, **dict(self.options, **credentials))
        client.max_body = MAX_ROOT_BYTES
        if client.origin[0] == 'https':
            self._share_tls(client)
        with self._lock:
            self._active.add(client)
        return client

    def _share_tls(self, client):
        verify = client.http.verify
        with self._lock:
            if verify not in self._tls:
                self._tls[verify] = tls_context(verify)
            context = self._tls[verify]
        if context is not None:
            client.share_tls_context(context, FACTS_WORKERS * 2)

    def _probe(self, target):
        try:
            client = self._client(target)
        except IloError as exc:
            self._note(self.failed, target, exc.message)
            return
        try:
            record = self._fingerprint(target, client)
            if record is not None and self.subsets and not self._stopped.is_set():
                self._enrich(target, client, record)
        finally:
            with self._lock:
                self._active.discard(client)
            try:
                client.close()  # deletes the session of _enrich, if one is still open
            except IloError as exc:
                self._warn('%s: the session could not be deleted: %s' % (target.name, exc.message))
        if record is not None:
            with self._lock:
                self.records.append(record)

    def _fingerprint(self, target, client):
        """The record of an iLO from its unauthenticated service root, or None (noted as skipped or failed)."""
        try:
            root = client.get_root()
        except IloError as exc:
            # It answered, but not as a Redfish service: an HTTP error, a reply that is not JSON or too large, a
            # redirect to another server (refused by the client's same-origin check), a port that does not speak TLS.
            answered = (exc.status is not None or isinstance(exc, IloSecurityError)
                        or (isinstance(exc, IloTLSError) and 'does not speak TLS' in exc.message))
            self._note(self.skipped if answered else self.failed, target, clean_text(exc.message, 300))
            return None
        kind, found = fingerprint(root)
        if kind != 'ilo':
            self._note(self.skipped, target, 'a Redfish service that is not an HPE iLO' if kind == 'redfish'
                       else 'not a Redfish service: /redfish/v1/ is not a service root')
            return None
        record = {'name': target.name, 'url': target.url, 'address': target.host, 'port': target.port,
                  'ansible_host': target.netloc, 'serial': None, 'server_health': None, 'power_state': None,
                  'facts': None, 'facts_error': None}
        record.update(found)
        return record

    def _enrich(self, target, client, record):
        """Read facts with credentials on the probe's client: one session, deleted by _probe's close()."""
        client.max_body = DEFAULT_MAX_BODY
        client.retries = FACTS_RETRIES
        try:
            client.open()
            facts = Gatherer(client, IloService(client), workers=FACTS_WORKERS).gather(self.subsets)
        except IloError as exc:
            record['facts_error'] = clean_text(exc.message, 500)
            self._warn('%s: facts not read: %s' % (target.name, record['facts_error']))
            return
        finally:
            for warning in client.warnings:
                if 'validate_certs is false' not in warning and 'plain http' not in warning:
                    self._warn('%s: %s' % (target.name, warning))
        system = (facts.get('system') or {}).get('system') or {}
        record['facts'] = facts
        record['serial'] = system.get('serial_number')
        record['server_health'] = system.get('health')
        record['power_state'] = system.get('power_state')
        record['model'] = record['model'] or system.get('model')
        if not record['generation']:
            record['generation'] = dig(facts, 'service.generation') or None

    def _warn(self, text):
        with self._lock:
            self.warnings.append(text)

    def summary(self):
        unreachable = sum(1 for _n, reason in self.failed if 'could not connect' in reason.lower() or 'connect timeout' in reason)
        text = ('lightsout.ilo.ilo: probed %d address(es) in %.1f s: %d iLO(s) found, %d skipped (not an iLO), %d failed'
                % (len(self.targets), self.seconds, len(self.records), len(self.skipped), len(self.failed)))
        if self.failed:
            text += ' (%d unreachable)' % unreachable
        if self.subsets:
            read = sum(1 for r in self.records if r['facts'] is not None)
            text += ', facts read from %d, not read from %d' % (read, sum(1 for r in self.records if r['facts_error']))
        return text + '.'


# --------------------------------------------------------------------------------------------------
# The plugin
# --------------------------------------------------------------------------------------------------


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = 'lightsout.ilo.ilo'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(('.ilo.yml', '.ilo.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        settings = self._settings()
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        payload = None
        if use_cache:
            try:
                payload = self._cache[cache_key]
            except KeyError:
                payload = None
            if not isinstance(payload, dict) or payload.get('format') != CACHE_FORMAT or payload.get('config') != settings['key']:
                payload = None
                update_cache = True
            else:
                self.display.v('lightsout.ilo.ilo: %d iLO(s) from the inventory cache (no request sent).' % len(payload['hosts']))
        if payload is None:
            payload = self._scan(settings)
        if update_cache and self.get_option('cache'):
            self._cache[cache_key] = payload
        self._populate(payload['hosts'])

    # ---------------------------------------------------------------- options

    def _settings(self):
        """Every option checked before any probe; ``key`` names what the cache must have been made from."""
        if not HAS_REQUESTS:
            raise AnsibleError('The lightsout.ilo.ilo inventory plugin requires the Python library requests (pip install requests).')
        get = self.get_option
        for name, low, high in (('concurrency', 1, 256), ('timeout', 1, 600)):
            if not low <= get(name) <= high:
                raise AnsibleParserError('%s must be between %d and %d, not %s.' % (name, low, high, get(name)))
        if not 1 <= get('connect_timeout') <= get('timeout'):
            raise AnsibleParserError('connect_timeout must be between 1 and timeout (%s), not %s.' % (get('timeout'), get('connect_timeout')))
        choices = [str(c).strip() for c in get('hostname_from') or []]
        unknown = [c for c in choices if c not in HOSTNAME_CHOICES]
        if unknown:
            raise AnsibleParserError('hostname_from: unknown choice %s; choose from %s.' % (', '.join(repr(c) for c in unknown), ', '.join(HOSTNAME_CHOICES)))
        subsets = []
        if get('facts'):
            if not HAS_JMESPATH:
                raise AnsibleError('facts needs the Python library jmespath (pip install jmespath).')
            try:
                subsets = resolve_subsets(get('facts'))
            except IloValidationError as exc:
                raise AnsibleParserError(exc.message.replace('gather_subset:', 'facts:'))
            if not get('username') or get('password') is None:
                raise AnsibleParserError('facts needs credentials: set username and password (or ILO_USERNAME and ILO_PASSWORD).')
        ca_path = get('ca_path')
        if ca_path:
            if not os.path.exists(ca_path):
                raise AnsibleParserError('ca_path %s does not exist: give the CA certificate file (PEM) or directory that signed '
                                         'the iLO certificates.' % ca_path)
        targets = expand_sources(get('hosts'), get('networks'), get('exclude'), get('port'))
        if not targets:
            raise AnsibleParserError('Nothing to probe: give hosts or networks (what exclude leaves of them is empty).')
        made_from = dict(targets=[t.url for t in targets], facts=subsets, validate_certs=bool(get('validate_certs')),
                         ca_path=ca_path or '', username=get('username') if subsets else '')
        key = repr(sorted(made_from.items()))
        return {'targets': targets, 'subsets': subsets, 'choices': choices, 'ca_path': ca_path,
                'key': '%d:%s' % (CACHE_FORMAT, _digest(key))}

    # ---------------------------------------------------------------- scan

    def _scan(self, settings):
        get = self.get_option
        scan = Scan(settings['targets'], concurrency=get('concurrency'), timeout=get('timeout'),
                    connect_timeout=get('connect_timeout'), validate_certs=get('validate_certs'),
                    ca_path=settings['ca_path'], subsets=settings['subsets'], username=get('username'),
                    password=None if get('password') is None else to_native(get('password')), auth=get('auth'))
        scan.run()
        self.display.v(scan.summary())
        for name, reason in scan.skipped:
            self.display.vvv('lightsout.ilo.ilo: %s skipped: %s' % (name, reason))
        for name, reason in scan.failed:
            self.display.vvv('lightsout.ilo.ilo: %s failed: %s' % (name, reason))
        for warning in scan.warnings[:MAX_WARNINGS]:
            self.display.warning('lightsout.ilo.ilo: %s' % warning)
        if len(scan.warnings) > MAX_WARNINGS:
            self.display.warning('lightsout.ilo.ilo: %d more warnings like these.' % (len(scan.warnings) - MAX_WARNINGS))
        listed = set(t.name for t in scan.targets if t.listed)
        missing = [(n, reason) for n, reason in scan.skipped + scan.failed if n in listed]
        if missing:
            self.display.warning('lightsout.ilo.ilo: %d of the hosts listed are not iLOs that answered: %s%s' % (
                len(missing), '; '.join('%s: %s' % item for item in missing[:5]), '; ...' if len(missing) > 5 else ''))
        tls = [n for n, reason in scan.failed if reason.startswith('TLS')]
        if tls:
            self.display.warning('lightsout.ilo.ilo: TLS failed on %d address(es) (for example %s): check ca_path, or set '
                                 'validate_certs: false for a lab. Details at -vvv.' % (len(tls), tls[0]))
        return {'format': CACHE_FORMAT, 'config': settings['key'], 'hosts': scan.records,
                'summary': {'probed': len(scan.targets), 'ilos': len(scan.records), 'skipped': len(scan.skipped),
                            'failed': len(scan.failed), 'seconds': round(scan.seconds, 2)}}

    # ---------------------------------------------------------------- populate

    def _populate(self, records):
        choices = [str(c).strip() for c in self.get_option('hostname_from') or []]
        taken = set(h.lower() for h in self.inventory.hosts)
        names = assign_names(records, choices, taken=taken)
        strict = self.get_option('strict')
        for record in records:
            name = names[record['name']]
            self.inventory.add_host(name)
            for key, value in host_vars(record).items():
                self.inventory.set_variable(name, key, value)
            if self.get_option('default_groups'):
                for group in default_groups(record):
                    self.inventory.add_group(group)
                    self.inventory.add_child(group, name)
            variables = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option('compose'), variables, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), variables, name, strict=strict)


def host_vars(record):
    """The host variables of one iLO record."""
    variables = {
        'ansible_host': record['ansible_host'],
        'ilo_address': record['address'],
        'ilo_port': record['port'],
        'ilo_url': record['url'],
        'ilo_generation': record['generation'],
        'ilo_manager_type': record['manager_type'],
        'ilo_firmware': record['firmware'],
        'ilo_model': record['model'],
        'ilo_uuid': record['uuid'],
        'ilo_hostname': record['hostname'],
        'ilo_fqdn': record['fqdn'],
        'ilo_health': record['health'],
        'ilo_redfish_version': record['redfish_version'],
        'ilo_serial': record['serial'],
    }
    if record.get('facts') is not None or record.get('facts_error'):
        variables.update({'ilo_facts': record['facts'], 'ilo_server_health': record['server_health'],
                          'ilo_power_state': record['power_state']})
        if record.get('facts_error'):
            variables['ilo_facts_error'] = record['facts_error']
    return variables


def default_groups(record):
    """``ilo``, ``ilo<generation>`` and ``ilo_model_<model>`` for one record."""
    groups = ['ilo']
    if record.get('generation'):
        groups.append('ilo%d' % int(record['generation']))
    model = group_name(record.get('model'))
    if model:
        groups.append('ilo_model_' + model)
    return groups


def _digest(text):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]
