# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Log services and their entries, read the same way by ilo_logs and the ``logs`` subset of ilo_facts.

- :func:`log_services` finds every log service of a system and of its manager by links
  (``LogServices`` / iLO 4 ``links.LogServices``): HPE's IML, SL and Event (system), IEL (manager),
  and any DMTF log service (``Log1``...), in link order.
- :func:`read_entries` reads a log's entries: the collection (``$expand=.`` where the service
  advertises it), its further pages (``Members@odata.nextLink``, iLO 4 ``links.NextPage``), and
  the members that did not come back expanded, newest first, at most ``limit`` of them, filtered
  by ``since`` and a minimum severity. Members that are only links are read from the newest end in
  batches, so a small ``limit`` reads few entries.
- :func:`entry_of` is the one vocabulary of an entry: ``id``, ``created``, ``severity`` (HPE's
  OEM severity ``informational|repaired|caution|critical`` where iLO gives one, else the Redfish
  ``ok|warning|critical``), ``message`` (the entry's own, else its MessageId resolved through the
  message registries with its MessageArgs), ``message_id``, ``message_args``, HPE ``class``,
  ``code``, ``repaired``, ``categories``, ``count``, ``recommended_action`` and ``uri``.
- :func:`clear_request` says how a log is cleared: iLO 5 and later (and DMTF services)
  ``LogService.ClearLog`` at the target the service advertises, iLO 4 the OEM form (a POST of
  ``{"Action": "ClearLog"}`` to the log service, as its ``AvailableActions`` list it).
- :func:`has_entries`: whether clearing would change anything; the entry iLO writes when a log is
  cleared ("IML Cleared", "Event log cleared") alone does not count, so a second clear is a no-op.

Reads go through a ``get(uri, params=None)`` callable that returns a body (dict) or None: the facts
gatherer passes ``service.Reads.get`` (what fails is left out with a warning), ilo_logs one that
raises. No Ansible import here, and no jmespath.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, hpe_oem, last_segment, link_of, managed_by, members_of, text_of
from ansible_collections.lightsout.ilo.plugins.module_utils.client import EXPAND_MEMBERS
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloValidationError

#: Severity names, each with its rank: a minimum severity keeps entries of that rank and above.
SEVERITY_RANK = {'ok': 0, 'informational': 0, 'repaired': 0, 'warning': 1, 'caution': 1, 'critical': 2, 'failed': 2}
#: What the ``severity`` option accepts (HPE's and Redfish's names for the three ranks).
SEVERITY_CHOICES = ('ok', 'informational', 'warning', 'caution', 'critical')
#: HPE's names of the three logs it adds to every iLO (lower case), and what they are.
HPE_LOGS = {'iml': 'Integrated Management Log', 'iel': 'iLO Event Log', 'sl': 'Security Log', 'event': 'Event log'}
#: At most this many pages of one log are followed (a bound against an endless nextLink chain).
MAX_PAGES = 200
#: An entry iLO writes into a log it has just cleared.
_CLEARED = re.compile(r'\b(iml|iel|log|logs)\b[^.]*\bclear(ed)?\b|\bclear(ed)?\b[^.]*\b(iml|iel|log)\b', re.I)
_TIME = re.compile(r'^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$', re.I)
_RELATIVE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|w|wk)s?\s*$', re.I)
_UNITS = {'s': 1, 'sec': 1, 'm': 60, 'min': 60, 'h': 3600, 'hr': 3600, 'd': 86400, 'day': 86400, 'w': 604800, 'wk': 604800}


# --------------------------------------------------------------------------------------------------
# Time and severity
# --------------------------------------------------------------------------------------------------


def parse_time(text):
    """An aware UTC datetime from ISO 8601 (``2025-05-29T11:00:55Z``, an offset, or no zone = UTC); None if not one."""
    match = _TIME.match(str(text or ''))
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        value = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    offset = 0
    if zone and zone.upper() != 'Z':
        digits = zone[1:].replace(':', '')
        offset = (int(digits[:2]) * 60 + int(digits[2:])) * (1 if zone[0] == '+' else -1)
    return (value - datetime.timedelta(minutes=offset)).replace(tzinfo=_UTC)


class _Utc(datetime.tzinfo):
    def utcoffset(self, dt):
        return datetime.timedelta(0)

    def tzname(self, dt):
        return 'UTC'

    def dst(self, dt):
        return datetime.timedelta(0)


_UTC = _Utc()


def utc_now():
    return datetime.datetime.utcnow().replace(tzinfo=_UTC)


def parse_since(text, now=None):
    """The moment ``since`` names: an ISO 8601 time, or a span back from ``now`` (``30m``, ``2h``, ``7d``, ``1w``).

    Raises IloValidationError for anything else.
    """
    if text is None or str(text).strip() == '':
        return None
    relative = _RELATIVE.match(str(text))
    if relative:
        seconds = float(relative.group(1)) * _UNITS[relative.group(2).lower()]
        return (now or utc_now()) - datetime.timedelta(seconds=seconds)
    moment = parse_time(text)
    if moment is None:
        raise IloValidationError('since: %r is neither an ISO 8601 time (2025-05-29T11:00:00Z) nor a span such as 30m, 2h, 7d or 1w.'
                                 % (text,))
    return moment


def severity_rank(name):
    """The rank of a severity name (0 ok/informational/repaired, 1 warning/caution, 2 critical); None when unknown."""
    return SEVERITY_RANK.get(str(name or '').strip().lower())


# --------------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------------


def _int(value):
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def fill_args(text, args):
    """A registry message with ``%1``... replaced by ``args``."""
    if not text:
        return text
    args = args if isinstance(args, list) else []

    def one(match):
        index = int(match.group(1)) - 1
        return str(args[index]) if 0 <= index < len(args) else match.group(0)
    return re.sub(r'%(\d+)', one, str(text))


def registry_style(message_id):
    """True for a registry MessageId (``iLOEvents.3.15.ServerPoweredOn``), not HPE's ``class.code`` (``17.10``)."""
    return bool(re.match(r'^[A-Za-z][A-Za-z0-9]*\.', str(message_id or '')))


def entry_of(body, message_text=None):
    """The normalised form of one LogEntry (see the module docstring); ``message_text(id)`` -> (text, resolution) or None."""
    body = body if isinstance(body, dict) else {}
    oem = hpe_oem(body)
    message_id = text_of(body.get('MessageId'))
    args = body.get('MessageArgs') if isinstance(body.get('MessageArgs'), list) else []
    message = text_of(body.get('Message'))
    resolution = None
    if message_text is not None and message_id and registry_style(message_id) and (message is None or '%1' in message):
        found = message_text(message_id)
        if found and found[0]:
            message = fill_args(found[0], args)
            resolution = found[1]
    severity = text_of(oem.get('Severity')) or text_of(body.get('Severity'))
    categories = oem.get('Categories')
    return {
        'id': text_of(body.get('Id')) or last_segment(link_of(body)) or None,
        'created': text_of(body.get('Created')) or text_of(body.get('EventTimestamp')),
        'severity': severity.lower() if severity else None,
        'message': message,
        'message_id': message_id,
        'message_args': [str(a) for a in args],
        'class': _int(oem.get('Class')),
        'code': _int(oem.get('Code')),
        'repaired': oem.get('Repaired') if isinstance(oem.get('Repaired'), bool) else None,
        'categories': [str(c) for c in categories] if isinstance(categories, list) else [],
        'count': _int(oem.get('Count')),
        'recommended_action': text_of(oem.get('RecommendedAction')) or resolution,
        'uri': link_of(body),
    }


def _newest_first_key(entry):
    moment = parse_time(entry.get('created'))
    return (moment.isoformat() if moment else '', _int(entry.get('id')) or 0, entry.get('id') or '')


def sort_newest_first(entries):
    return sorted(entries, key=_newest_first_key, reverse=True)


def matches(entry, since=None, min_rank=None):
    """Entry passes the filters: created at or after ``since`` (an entry without a time does not), severity rank >= ``min_rank``."""
    if since is not None:
        moment = parse_time(entry.get('created'))
        if moment is None or moment < since:
            return False
    if min_rank is not None:
        rank = severity_rank(entry.get('severity'))
        if rank is None or rank < min_rank:
            return False
    return True


# --------------------------------------------------------------------------------------------------
# Log services
# --------------------------------------------------------------------------------------------------


def _services_link(owner):
    return link_of(dig(owner, 'LogServices')) or link_of(dig(owner, 'links.LogServices'))


def entries_link(service):
    return link_of(dig(service, 'Entries')) or link_of(dig(service, 'links.Entries'))


def log_services(get, members, system, manager=None):
    """``[(source, service body)]``: the log services of ``system`` (``system``) then of its manager (``manager``).

    ``members(collection_uri)`` returns member bodies; ``manager`` defaults to the system's ``ManagedBy``.
    """
    owners = [('system', system)]
    if manager is None and system is not None:
        uri = managed_by(system)
        manager = get(uri) if uri else None
    if manager is not None:
        owners.append(('manager', manager))
    found = []
    for source, owner in owners:
        uri = _services_link(owner)
        for service in members(uri) if uri else []:
            if isinstance(service, dict):
                found.append((source, service))
    return found


def service_id(service):
    return text_of(service.get('Id')) or last_segment(link_of(service))


def describe(source, service):
    """The ``id``, ``name``, ``source`` and ``uri`` of a log service."""
    return {'id': service_id(service), 'name': text_of(service.get('Name')), 'source': source, 'uri': link_of(service)}


def _next_page(body):
    body = body if isinstance(body, dict) else {}
    for found in (body.get('Members@odata.nextLink'), dig(body, 'links.NextPage')):
        uri = link_of(found) if isinstance(found, dict) else found
        if isinstance(uri, str) and uri:
            return uri
    return None


class EntryPages:
    """The entries of one log: its collection and further pages, read lazily.

    ``get(uri, params=None)`` -> body or None; ``get_many(uris)`` -> bodies (None for failed ones).
    """

    def __init__(self, get, get_many, uri, expand=False):
        self.get = get
        self.get_many = get_many
        self.uri = uri
        self.expand = expand
        self.total = None
        self.pages = 0

    def _page(self, uri, first):
        params = EXPAND_MEMBERS if self.expand else None
        body = self.get(uri, params=params) if params else self.get(uri)
        if not isinstance(body, dict):
            return None, None
        if first:
            count = body.get('Members@odata.count', body.get('Total'))
            self.total = _int(count)
        items = members_of(body)
        self.pages += 1
        return (items if isinstance(items, list) else []), _next_page(body)

    def items(self, seen=None):
        """Every member (an expanded body or a link) of every page, in the order served."""
        out = []
        uri, first, visited = self.uri, True, set()
        while uri and self.pages < MAX_PAGES and uri not in visited:
            visited.add(uri)
            items, uri = self._page(uri, first)
            first = False
            if items is None:
                break
            out.extend(items)
            if seen is not None and seen(out):
                break
        return out

    def first_page(self):
        """The members of the first page only (for :func:`has_entries`)."""
        items, _next = self._page(self.uri, True)
        return items or []


def _expanded(item):
    return isinstance(item, dict) and link_of(item) is not None and len(item) > 1 and '#' not in (link_of(item) or '')


def _newest_first_served(items):
    """True when the served order puts the newest entry first (by Created, else by numeric id)."""
    bodies = [i for i in items if _expanded(i)]
    if len(bodies) < 2:
        return False
    head, tail = entry_of(bodies[0]), entry_of(bodies[-1])
    return _newest_first_key(head) > _newest_first_key(tail)


def read_entries(get, get_many, service, limit=None, since=None, min_rank=None, expand=False, message_text=None):
    """``(entries, info)``: the log's entries newest first, filtered, at most ``limit`` (None: all).

    ``info``: ``total`` (Members@odata.count of the log, when it says), ``pages`` read, ``read`` (entries looked at).
    """
    uri = entries_link(service)
    if not uri or limit == 0:
        return [], {'total': None, 'pages': 0, 'read': 0}
    pages = EntryPages(get, get_many, uri, expand=expand)

    def enough(items):
        # Stop following pages early only where the service serves the newest entries first.
        if not _newest_first_served(items):
            return False
        bodies = [entry_of(i) for i in items if _expanded(i)]
        if since is not None and bodies and any(parse_time(b['created']) and parse_time(b['created']) < since for b in bodies):
            return True
        return limit is not None and len([b for b in bodies if matches(b, since, min_rank)]) >= limit
    items = pages.items(seen=enough)
    bodies = [i for i in items if _expanded(i)]
    links = [link_of(i) for i in items if not _expanded(i) and link_of(i)]
    entries = [entry_of(b, message_text) for b in bodies]
    read = len(bodies)
    if links:
        # Members served as links only (iLO 4): read from the newest end (the last ids) in batches of ``limit``.
        ordered = links if _numeric_order(links) >= 0 else list(reversed(links))
        step = max(limit or len(ordered), 1)
        end = len(ordered)
        while end > 0:
            batch = ordered[max(0, end - step):end]
            end -= len(batch)
            fetched = [entry_of(b, message_text) for b in get_many(batch) if isinstance(b, dict)]
            read += len(batch)
            entries.extend(fetched)
            kept = [e for e in entries if matches(e, since, min_rank)]
            oldest = min((parse_time(e['created']) for e in fetched if parse_time(e['created'])), default=None)
            if limit is not None and len(kept) >= limit:
                break
            if since is not None and oldest is not None and oldest < since:
                break
    kept = sort_newest_first([e for e in entries if matches(e, since, min_rank)])
    if limit is not None:
        kept = kept[:limit]
    return kept, {'total': pages.total, 'pages': pages.pages, 'read': read}


def _numeric_order(links):
    """1 when member ids ascend (oldest first, as iLO serves them), -1 when they descend, 0 when unknown."""
    ids = [_int(last_segment(u)) for u in links]
    ids = [i for i in ids if i is not None]
    if len(ids) < 2 or ids[0] == ids[-1]:
        return 0
    return 1 if ids[0] < ids[-1] else -1


def is_clear_marker(entry):
    """The entry iLO writes into a log it has just cleared ("IML Cleared (iLO user: ...)", "Event log cleared...")."""
    return bool(_CLEARED.search(entry.get('message') or ''))


def has_entries(get, service, expand=False):
    """``(True|False, count)``: whether the log holds entries other than the one iLO writes when it is cleared."""
    uri = entries_link(service)
    if not uri:
        return False, 0
    pages = EntryPages(get, None, uri, expand=expand)
    items = pages.first_page()
    count = pages.total if pages.total is not None else len(items)
    if count == 0 or not items:
        return False, 0
    if count > 1 or len(items) > 1:
        return True, count
    body = items[0] if _expanded(items[0]) else get(link_of(items[0]))
    return not is_clear_marker(entry_of(body)), count


def clear_request(service):
    """``(uri, body)`` of the request that clears the log, or None when the service offers none.

    ``Actions."#LogService.ClearLog".target`` (iLO 5+ and DMTF) gets ``{}``; iLO 4, whose log services list
    ``AvailableActions: [{"Action": "ClearLog"}]``, gets ``{"Action": "ClearLog"}`` at the service itself.
    """
    for holder in (service, hpe_oem(service)):
        actions = holder.get('Actions') if isinstance(holder, dict) else None
        spec = actions.get('#LogService.ClearLog') if isinstance(actions, dict) else None
        target = link_of(spec.get('target')) if isinstance(spec, dict) else None
        if target:
            return target, {}
    available = service.get('AvailableActions') if isinstance(service, dict) else None
    for action in available if isinstance(available, list) else []:
        if isinstance(action, dict) and str(action.get('Action') or '').lower() in ('clearlog', 'logservice.clearlog'):
            return link_of(service), {'Action': 'ClearLog'}
    return None


def select(services, wanted):
    """The ``(source, body)`` pairs named in ``wanted`` (log service ids, any case; ``all``), in link order.

    Raises IloValidationError naming the logs there are when a name matches none.
    """
    wanted = [str(w).strip() for w in (wanted or ['all']) if str(w).strip()]
    if not wanted or any(w.lower() == 'all' for w in wanted):
        return list(services)
    ids = [service_id(body) for _source, body in services]
    unknown = [w for w in wanted if w.lower() not in [i.lower() for i in ids]]
    if unknown:
        raise IloValidationError('logs: %s %s not on this iLO; it has %s (or all).' % (
            ', '.join(unknown), 'is' if len(unknown) == 1 else 'are', ', '.join(ids) or 'no log services'))
    lowered = [w.lower() for w in wanted]
    return [(source, body) for source, body in services if service_id(body).lower() in lowered]
