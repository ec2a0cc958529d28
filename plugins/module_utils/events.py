# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redfish event subscriptions (EventService): what the service advertises, validation, matching, and the
requests that bring one subscription to the desired state. Used by ilo_event_subscription and by the
Event-Driven Ansible source ``lightsout.ilo.ilo_events`` (its ``subscribe`` list).

- What a service takes: iLO 4 and 5 filter by ``EventTypes`` (``EventTypesForSubscription``), iLO 6 and 7
  by ``RegistryPrefixes`` (and ``MessageIds`` of those registries). Every filter value is checked against what
  the EventService advertises before anything is written; a filter the service does not take is refused.
- Identity: the ``Destination`` (compared as a URL: scheme and host in any case, no trailing slash); when
  several subscriptions share it, the ``Context`` tells them apart.
- Changing one: the DMTF schema makes ``Destination``, ``EventTypes``, ``RegistryPrefixes`` and
  ``MessageIds`` create-time only, so a different filter replaces the subscription (DELETE, then POST);
  only ``Context`` is PATCHed, and only where the subscription's ``Allow`` lists PATCH (iLO 4's does not:
  replaced there too).

No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.lightsout.ilo.plugins.module_utils.body import link_of, members_of
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError, split_message_id

#: Filters: option name -> (EventDestination property, what the EventService advertises for it).
FILTERS = (('event_types', 'EventTypes', 'EventTypesForSubscription'),
           ('registry_prefixes', 'RegistryPrefixes', 'RegistryPrefixes'),
           ('message_ids', 'MessageIds', None))
#: EventTypes a subscription takes by default where the service filters by type and none is given.
DEFAULT_SKIP_TYPES = ('MetricReport',)


def norm_destination(url):
    """The comparison form of a destination URL: scheme and host lower case, no trailing slash."""
    text = str(url or '').strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    path = parts.path.rstrip('/')
    return '%s://%s%s%s' % (parts.scheme.lower(), parts.netloc.lower(), path, ('?' + parts.query) if parts.query else '')


def check_destination(url):
    """An error sentence for a destination that is not an https URL with a host, else None."""
    try:
        parts = urlsplit(str(url or ''))
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() != 'https' or not host:
        return 'destination must be an https URL with a host (iLO delivers events over HTTPS only), not %r.' % (url,)
    return None


class EventService:
    """The EventService of one iLO, read once: what it advertises and its subscriptions."""

    def __init__(self, service):
        self.service = service
        self.client = service.client
        root = service.root
        uri = link_of(root.get('EventService')) or link_of((root.get('links') or {}).get('EventService'))
        if not uri:
            raise IloDiscoveryError('%s has no EventService: it cannot send events.' % self.client.base_url)
        self.uri = uri
        self.body = self.client.get(uri).json or {}
        self.subscriptions_uri = link_of(self.body.get('Subscriptions')) or link_of((self.body.get('links') or {}).get('Subscriptions'))
        if not self.subscriptions_uri:
            raise IloDiscoveryError('The EventService of %s links no Subscriptions collection.' % self.client.base_url)

    def advertised(self, prop):
        values = self.body.get(prop)
        return [str(v) for v in values] if isinstance(values, list) else None

    @property
    def takes(self):
        """The filter options this service takes (``event_types``, ``registry_prefixes``, ``message_ids``)."""
        out = []
        if self.advertised('EventTypesForSubscription') is not None:
            out.append('event_types')
        if self.advertised('RegistryPrefixes') is not None:
            out.extend(['registry_prefixes', 'message_ids'])
        return out

    def subscriptions(self):
        """Every subscription body, with ``_allow`` (the methods its ``Allow`` header lists; None when not said)."""
        body = self.client.get(self.subscriptions_uri, fresh=True).json or {}
        out = []
        for member in members_of(body) if isinstance(members_of(body), list) else []:
            uri = link_of(member)
            if not uri:
                continue
            response = self.client.get(uri, fresh=True)
            item = dict(response.json or {})
            allow = (response.headers or {}).get('Allow')
            item['_allow'] = [m.strip().upper() for m in allow.split(',')] if allow else None
            item.setdefault('@odata.id', uri)
            out.append(item)
        return out

    def validate(self, desired):
        """Canonical filter values for ``desired`` (option name -> list or None) and the problems found (sentences)."""
        problems, out = [], {}
        for option, prop, advertised_prop in FILTERS:
            values = desired.get(option)
            if values is None:
                continue
            if option not in self.takes:
                problems.append('%s: this EventService does not take %s (it advertises %s); use %s.' % (
                    option, prop, advertised_prop or 'no registry prefixes', ' or '.join(self.takes) or 'no filter'))
                continue
            if option == 'message_ids':
                out[option] = self._message_ids(values, problems)
                continue
            allowed = self.advertised(advertised_prop)
            lookup = dict((a.lower(), a) for a in allowed)
            unknown = [v for v in values if str(v).lower() not in lookup]
            if unknown:
                problems.append('%s: %s not advertised by the EventService (%s: %s).' % (
                    option, ', '.join(unknown), advertised_prop, ', '.join(allowed) or 'none'))
            out[option] = [lookup.get(str(v).lower(), v) for v in values]
        return out, problems

    def _message_ids(self, values, problems):
        prefixes = dict((p.lower(), p) for p in self.advertised('RegistryPrefixes') or [])
        out = []
        for value in values:
            registry, _version, key = split_message_id(value)
            if not registry or not key or registry.lower() not in prefixes:
                problems.append('message_ids: %s is not REGISTRY.KEY of a registry the EventService advertises (%s).' % (
                    value, ', '.join(sorted(prefixes.values())) or 'none'))
                continue
            if self.service.message_text(value) is None and self._registry_published(registry):
                problems.append('message_ids: %s is not a message of the %s registry.' % (value, registry))
                continue
            out.append(value)
        return out

    def _registry_published(self, registry):
        try:
            found = self.service.registry_file(lambda names: any(n == registry.lower() or n.startswith(registry.lower() + '.') for n in names))
        except Exception:  # pylint: disable=broad-except
            return False
        return found is not None

    def defaults(self, filters):
        """Where the service filters by EventTypes only and no filter is given: every advertised type but MetricReport."""
        if not any(filters.get(o) is not None for o, _p, _a in FILTERS) and self.takes == ['event_types']:
            return {'event_types': [t for t in self.advertised('EventTypesForSubscription') if t not in DEFAULT_SKIP_TYPES]}
        return filters


def view(body):
    """A subscription as the module reports it."""
    if not body:
        return None
    return {
        'uri': link_of(body),
        'id': body.get('Id'),
        'destination': body.get('Destination'),
        'context': body.get('Context') or '',
        'event_types': list(body.get('EventTypes') or []),
        'registry_prefixes': list(body.get('RegistryPrefixes') or []),
        'message_ids': list(body.get('MessageIds') or []),
        'protocol': body.get('Protocol'),
    }


def matching(subscriptions, destination, context=None, strict=False):
    """The subscriptions to ``destination``. With ``context``: those with that context when any has it; else
    (one subscription to change) all of them, unless ``strict`` (what to delete: only that context's)."""
    wanted = norm_destination(destination)
    found = [s for s in subscriptions if norm_destination(s.get('Destination')) == wanted]
    if context is not None:
        same = [s for s in found if (s.get('Context') or '') == context]
        if same or strict:
            return same
    return found


def differences(current, filters, context):
    """``{property: (current, desired)}`` of what differs; lists compared as sets, unmanaged ones ignored."""
    out = {}
    for option, prop, _advertised in FILTERS:
        desired = filters.get(option)
        if desired is None:
            continue
        have = list(current.get(prop) or [])
        if sorted(set(x.lower() for x in have)) != sorted(set(str(x).lower() for x in desired)):
            out[prop] = (have, list(desired))
    if context is not None and (current.get('Context') or '') != context:
        out['Context'] = (current.get('Context') or '', context)
    return out


def create_body(destination, filters, context):
    body = {'Destination': destination, 'Protocol': 'Redfish'}
    for option, prop, _advertised in FILTERS:
        if filters.get(option) is not None:
            body[prop] = list(filters[option])
    if context is not None:
        body['Context'] = context
    return body


def patchable(current, diff):
    """True when ``diff`` can be PATCHed: only Context differs and the subscription allows PATCH."""
    allow = current.get('_allow')
    return set(diff) == {'Context'} and (allow is None or 'PATCH' in allow)


def ensure(events, destination, filters, context=None, state='present', check_mode=False):
    """Bring the subscription to ``destination`` to ``state``; return ``(action, before, after)`` views.

    ``action``: ``none``, ``created``, ``updated`` (PATCH of Context), ``replaced`` (DELETE + POST) or ``deleted``.
    """
    client = events.client
    found = matching(events.subscriptions(), destination, context, strict=state == 'absent')
    if state == 'absent':
        if not found:
            return 'none', None, None
        if not check_mode:
            for sub in found:
                client.delete(link_of(sub))
        return 'deleted', view(found[0]), None
    body = create_body(destination, filters, context)
    if not found:
        return 'created', None, _create(client, events, body, check_mode)
    current = next((s for s in found if not differences(s, filters, context)), found[0])
    diff = differences(current, filters, context)
    if not diff:
        return 'none', view(current), view(current)
    if patchable(current, diff):
        after = dict(current, Context=context)
        if not check_mode:
            client.patch(link_of(current), {'Context': context})
            after = client.get(link_of(current), fresh=True).json or after
        return 'updated', view(current), view(after)
    if not check_mode:
        client.delete(link_of(current))
    merged = dict(body)
    if context is None and current.get('Context'):
        merged['Context'] = current['Context']
    return 'replaced', view(current), _create(client, events, merged, check_mode)


def _create(client, events, body, check_mode):
    if check_mode:
        return view(dict(body, **{'@odata.id': None}))
    response = client.post(events.subscriptions_uri, body)
    uri = response.headers.get('Location') if response.headers else None
    created = response.json if isinstance(response.json, dict) and response.json.get('Destination') else None
    if created is None and uri:
        created = client.get(uri, fresh=True).json
    return view(created or dict(body, **{'@odata.id': uri}))
