# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Discovery by links from the service root, the iLO generation, message lookup, and the reads of a run.

Nothing here knows a URI but the service root: systems, managers, chassis, registries and
sessions are found through links, compared case-insensitively and without trailing slash.

The one read path: every read goes through the client's single-flight cache (nothing is
fetched twice in one run, also when two threads want it at once) and the host's adaptive
limiter (reads.py). Collections are read with ``$expand=.`` where the service root advertises
it, and the members that come back expanded are remembered by the client as if read on their
own. :class:`Reads` adds what a run that reads many resources needs (the facts gatherer): reads
that may fail without failing the run (a warning and an ``errors`` entry, once), collections
as member bodies, and many reads at once on the bounded thread pool of ``reads.run_all``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import threading

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, is_expanded, last_segment, link_of, hpe_oem, members_of, normalize_uri, oem_key
from ansible_collections.lightsout.ilo.plugins.module_utils.client import EXPAND_MEMBERS, capped
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloDiscoveryError,
    IloError,
    IloNotFoundError,
    IloProtocolError,
    IloSecurityError,
    IloTLSError,
    Notes,
    clean_text,
    split_message_id,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.reads import DEFAULT_CAP, limiter_of, run_all


def remember_expanded(client, members):
    """Let ``client`` keep the members that came back expanded as if each had been read on its own."""
    for member in members:
        if is_expanded(member):
            client.remember(link_of(member), member)


class IloService:
    """What the service is and where things are, for one client (one run)."""

    def __init__(self, client):
        self.client = client
        self._generation = None
        self._registries = {}

    # ------------------------------------------------------------------ identity

    @property
    def root(self):
        return self.client.get_root()

    @property
    def oem_key(self):
        """``Hp`` (iLO 4), ``Hpe`` (iLO 5/6/7) or None (not an HPE service)."""
        return oem_key(self.root)

    def oem(self, body):
        """The HPE OEM block of a resource, whichever key this generation uses."""
        return hpe_oem(body, self.oem_key)

    @property
    def generation(self):
        """4, 5, 6, 7... (iLO generation), or 0 for a service that is not an HPE iLO."""
        if self._generation is None:
            self._generation = self._detect_generation()
        return self._generation

    def _detect_generation(self):
        """The generation from text that names it ("iLO 7"), never from a version number.

        iLO 7's ``FirmwareVersion`` is "1.14.00 May 28 2025": its first digit is not the
        generation, so only an explicit "iLO <n>" counts: the root's ``ManagerType`` or
        ``Moniker.PRODGEN``, else the manager's ``Model`` or firmware strings.
        """
        oem = self.oem(self.root)
        for text in (dig(oem, 'Manager.0.ManagerType'), dig(oem, 'Moniker.PRODGEN')):
            found = _generation_from_text(text)
            if found:
                return found
        if self.oem_key == 'Hp':
            return 4
        if self.oem_key is None:
            return 0
        # Some iLO 5 builds omit ManagerType: fall back to what the manager says of itself.
        for uri in self.members(self.root_link('Managers')):
            body = self.client.get(uri).json or {}
            for text in (body.get('Model'), body.get('FirmwareVersion'), dig(self.oem(body), 'Firmware.Current.VersionString')):
                found = _generation_from_text(text)
                if found:
                    return found
        return 5

    def info(self):
        """A summary of the service: generation, OEM key, firmware, product and Redfish version."""
        manager = dig(self.oem(self.root), 'Manager.0') or {}
        return {
            'generation': self.generation,
            'oem': self.oem_key,
            'manager_type': manager.get('ManagerType') or ('iLO %d' % self.generation if self.generation else None),
            'firmware': manager.get('ManagerFirmwareVersion'),
            'product': self.root.get('Product'),
            'vendor': self.root.get('Vendor') or ('HPE' if self.oem_key else None),
            'redfish_version': self.root.get('RedfishVersion'),
        }

    # ------------------------------------------------------------------ links

    def root_link(self, name):
        uri = link_of(self.root.get(name)) or link_of(dig(self.root, 'links.%s' % name))
        if not uri:
            raise IloDiscoveryError('The service root of %s has no %s link.' % (self.client.base_url, name))
        return uri

    @property
    def expand_supported(self):
        """True when the root advertises ``$expand`` of at least one level (iLO 5, 6 and 7; not iLO 4)."""
        feature = dig(self.root, 'ProtocolFeaturesSupported.ExpandQuery')
        return bool(isinstance(feature, dict) and (feature.get('Levels') or feature.get('ExpandAll'))
                    and (feature.get('MaxLevels') or 1) >= 1)

    def collection(self, collection_uri):
        """A collection's body, read with ``$expand=.`` where supported.

        Expanded members are remembered by the client as if read on their own, so the member a
        module picks next costs no request: one answer instead of two, latency being what bounds a
        BMC. A member that came back as a bare link (a service that ignores ``$expand``) is not.
        """
        if not self.expand_supported:
            return self.client.get(collection_uri).json or {}
        body = self.client.get(collection_uri, params=EXPAND_MEMBERS).json or {}
        members = members_of(body)
        remember_expanded(self.client, members if isinstance(members, list) else [])
        return body

    def members(self, collection_uri):
        return capped(members_of(self.collection(collection_uri)), collection_uri, self.client.warn)

    def systems(self):
        return self.members(self.root_link('Systems'))

    def managers(self):
        return self.members(self.root_link('Managers'))

    def chassis(self):
        return self.members(self.root_link('Chassis'))

    def select(self, uris, wanted, kind):
        """Pick the member whose id (last URI segment) is ``wanted``, or the only one.

        Refuses to guess when there are several and none was named.
        """
        ids = [last_segment(u) for u in uris]
        if wanted is not None and str(wanted) != '':
            for uri, ident in zip(uris, ids):
                if ident == str(wanted).lower():
                    return uri
            raise IloDiscoveryError('No %s with id %r on %s; it has: %s.' % (kind, wanted, self.client.base_url, ', '.join(ids) or 'none'))
        if len(uris) == 1:
            return uris[0]
        if not uris:
            raise IloDiscoveryError('%s lists no %s.' % (self.client.base_url, kind))
        raise IloDiscoveryError('%s has %d %ss (%s); name one with %s_id.' % (
            self.client.base_url, len(uris), kind, ', '.join(ids[:20]) + (', ...' if len(ids) > 20 else ''), kind))

    def system_uri(self, system_id=None):
        return self.select(self.systems(), system_id, 'system')

    # ------------------------------------------------------------------ messages

    def message_text(self, message_id):
        """(Message, Resolution) from the service's message registry, or None. Each registry read once.

        Never raises: it fills in text on the way to reporting an error, which must not fail instead.
        """
        try:
            return self._message_text(message_id)
        except Exception:  # pylint: disable=broad-except
            return None

    def _message_text(self, message_id):
        registry, version, key = split_message_id(message_id)
        if not registry:
            return None
        body = self._message_registry(registry, version)
        entry = dig(body or {}, 'Messages.%s' % key) if body else None
        if not isinstance(entry, dict):
            return None
        text = entry.get('Message') or entry.get('Description')
        return (text, entry.get('Resolution'))

    def registry_file(self, matches, likely=None):
        """``(uri, body)`` of the registry whose Registries member ``matches(names)``, else None.

        ``names`` are the member's lower-cased ``Registry``, ``Id`` and last URI segment. The
        member whose last segment is ``likely`` is read first; the registry itself is the
        member's English (or language-less) ``Location[].Uri`` (``Uri.extref`` on some iLOs).
        """
        members = self.members(self.root_link('Registries'))
        for uri in sorted(members, key=lambda u: last_segment(u) != likely):
            entry = self.client.get(uri).json or {}
            names = [str(entry.get(k) or '').lower() for k in ('Registry', 'Id')] + [last_segment(uri)]
            if not matches(names):
                continue
            locations = [loc for loc in entry.get('Location') or [] if isinstance(loc, dict)]
            locations.sort(key=lambda loc: loc.get('Language') not in (None, 'en'))
            for location in locations:
                target = location.get('Uri')
                target = target.get('extref') if isinstance(target, dict) else target
                if not target:
                    continue
                body = self.client.get(target).json
                if isinstance(body, dict):
                    return target, body
            return None
        return None

    def _message_registry(self, registry, version):
        wanted = ('%s.%s' % (registry, version)).lower() if version else registry.lower()
        if wanted not in self._registries:
            prefix = registry.lower() + '.'

            def matches(names):
                return any(n == wanted or n.startswith(wanted + '.') or (not version and n.startswith(prefix)) for n in names if n)

            try:
                found = self.registry_file(matches)
            except IloError:
                found = None
            self._registries[wanted] = found[1] if found else None
        return self._registries[wanted]

    def describe(self, error):
        """Fill in Message/Resolution that iLO left out, from the registry. Never raises."""
        for message in error.messages:
            if message.get('Message') and message.get('Resolution'):
                continue
            text = self.message_text(message.get('MessageId'))
            if text:
                message.setdefault('Message', text[0])
                if text[1]:
                    message.setdefault('Resolution', text[1])
        return error


class Reads:
    """The reads of one run that gathers many resources, over the client's single-flight cache.

    - :meth:`get` returns a body (dict) or None: only what ``optional=False`` names is essential.
      Any other resource that answers an HTTP error, does not answer in time or answers something
      that is not a JSON object is left out: one warning names its URI and status and one entry
      is added to ``errors``, and it is not read again. A link to another origin
      (IloSecurityError), a TLS failure and 401/403 (credentials or privileges) still fail.
    - :meth:`members` reads a collection (``$expand=.`` where ``expand_supported``) and returns
      its member bodies in member order, at most MAX_MEMBERS of them; members that did not come
      back expanded are read at once through :meth:`run`.
    - :meth:`run` calls a function over many items on up to ``workers`` threads; how many requests
      are in flight is decided by the host's adaptive limiter, below ``workers``.
    """

    def __init__(self, client, service, workers=DEFAULT_CAP):
        self.client = client
        self.service = service
        self.limiter = limiter_of(client, cap=max(1, int(workers)))
        self.warnings = Notes()
        self.warn = self.warnings.add
        self.errors = []
        self._failed = set()
        self._lock = threading.Lock()

    def run(self, func, items):
        return run_all(func, items, self.limiter)

    def get(self, uri, params=None, optional=True):
        """The JSON body of ``uri`` (dict), or None when it cannot be had and ``optional`` (see the class)."""
        if not uri:
            return None
        key = (normalize_uri(uri), bool(params))
        if key in self._failed:
            return None
        try:
            body = self.client.get(uri, params=params).json
        except (IloSecurityError, IloTLSError, IloAuthError):
            raise
        except IloError as exc:
            if not optional:
                raise
            self._fail(key, uri, exc.status, exc.message, missing=isinstance(exc, IloNotFoundError))
            return None
        if isinstance(body, dict):
            return body
        if body is None or not optional:
            return {}
        self._fail(key, uri, None, 'the reply is JSON but not an object')
        return None

    def get_many(self, uris):
        """The bodies of ``uris`` (None for an empty URI or one that failed), in order, read at once."""
        return self.run(self.get, uris)

    def member_uris(self, collection_uri):
        """The member URIs of a collection, read plain (not expanded)."""
        members = members_of(self.get(collection_uri))
        return capped(members if isinstance(members, list) else [], collection_uri, self.warn)

    def members(self, collection_uri, limit_last=None, optional=True):
        """Member bodies of a collection (optionally only the last ``limit_last``), in member order."""
        if not collection_uri:
            return []
        # Expanded where supported: one (larger) answer instead of one request per member; latency, not size, bounds a BMC.
        body = self.get(collection_uri, params=EXPAND_MEMBERS if self.service.expand_supported else None, optional=optional)
        if not body:
            return []
        items = members_of(body)
        if not isinstance(items, list):
            if not optional:
                raise IloProtocolError('%s is not a collection: its Members is not a list.' % collection_uri, uri=collection_uri)
            self._fail(('members', normalize_uri(collection_uri)), collection_uri, None, 'the collection\'s Members is not a list')
            return []
        if limit_last is not None:
            items = items[-limit_last:] if limit_last else []
        remember_expanded(self.client, items)
        uris = capped(items, collection_uri, self.warn)
        self.run(lambda uri: self.get(uri, optional=optional), [u for u in uris if self.client.cached(u) is None])
        return [b for b in (self.get(u, optional=optional) for u in uris) if b]

    def _fail(self, key, uri, status, message, missing=False):
        """Record a resource left out: one warning and one ``errors`` entry, the first time only."""
        message = clean_text(message, 300)
        with self._lock:
            if key in self._failed:
                return
            self._failed.add(key)
            self.errors.append({'uri': uri, 'status': status, 'message': message})
            if missing:
                self.warnings.append('%s is linked but missing (HTTP %s); its facts are left out.' % (uri, status))
            elif status:
                self.warnings.append('%s answered HTTP %s; its facts are left out: %s' % (uri, status, message))
            else:
                self.warnings.append('%s could not be read; its facts are left out: %s' % (uri, message))


def _generation_from_text(text):
    """``7`` from "iLO 7" or "iLO 7 v1.14"; None from a bare version such as "1.14.00 May 28 2025"."""
    match = re.search(r'\biLO\s*(\d+)\b', str(text or ''), re.IGNORECASE)
    return int(match.group(1)) if match else None
