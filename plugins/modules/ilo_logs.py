#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_logs
short_description: Read and clear the IML, iLO Event Log, Security Log and other log services of HPE iLO 4 to 7
version_added: 0.1.0
description:
  - Finds every log service of the system and of its manager by links (C(LogServices)); HPE's Integrated Management
    Log (V(IML)), Security Log (V(SL), iLO 5 and later) and Event log (V(Event)) of the system, the iLO Event Log
    (V(IEL)) of the manager, and any DMTF log service (V(Log1), ...).
  - With O(state=read), returns each selected log's entries newest first, at most O(limit) per log, filtered by O(since)
    and O(severity). Entries have one vocabulary, the one O(ignore:ilo_facts) returns in its C(logs) subset. An entry
    without text of its own (the Event log's) gets its C(MessageId) resolved through the iLO's message registries,
    with its C(MessageArgs) filled in.
  - Entries are read from the collection (C($expand=.) where the iLO advertises it, so one request per page) and its
    further pages (C(Members@odata.nextLink), iLO 4 C(links.NextPage)). Where members are only links (iLO 4), they
    are read from the newest end in batches of O(limit) until enough match.
  - With O(state=cleared), clears each selected log that holds entries, and only those. The entry iLO writes into a
    log it has just cleared (C(IML Cleared ...), C(Event log cleared ...)) does not count, so a second run changes
    nothing. iLO 5 and later are cleared with the C(LogService.ClearLog) action the log service advertises; iLO 4
    with its OEM form, a POST of C({"Action":"ClearLog"}) to the log service, as its C(AvailableActions) list it.
    Check mode reads and predicts which logs would be cleared.
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  logs:
    description:
      - The log services to read or clear, by id (case-insensitive), for example V(IML), V(IEL), V(SL), V(Event) or a
        DMTF id such as V(Log1); V(all) selects every log service of the system and of its manager.
      - An id the iLO does not have fails, naming the ones it has.
    type: list
    elements: str
    default: [all]
  since:
    description:
      - Only entries created at or after this time, an ISO 8601 time (V(2025-05-29T11:00:00Z); without a zone, UTC)
        or a span back from the iLO's clock (the log service's C(DateTime), else the controller's), such as V(30m),
        V(2h), V(7d) or V(1w).
      - An entry without a creation time is left out when O(since) is given.
      - Only with O(state=read).
    type: str
  severity:
    description:
      - The minimum severity of the entries returned. V(ok) and V(informational) keep everything (repaired entries
        included), V(warning) and V(caution) keep warnings, cautions and critical entries, V(critical) only critical
        ones. HPE's OEM severity is used where iLO gives one, else the Redfish C(Severity).
      - Only with O(state=read).
    type: str
    choices: [ok, informational, warning, caution, critical]
  limit:
    description:
      - At most this many entries per log (the newest that match), and in RV(entries).
    type: int
    default: 50
  state:
    description:
      - V(read) returns the entries; V(cleared) clears the selected logs that hold entries.
    type: str
    choices: [read, cleared]
    default: read
  system_id:
    description:
      - The system whose log services (and whose manager's) are used, by id, when the iLO has several.
    type: str
notes:
  - Check mode is supported; with O(state=cleared) it reports which logs would be cleared and sends only GETs.
  - Diff mode shows, per selected log, the number of entries before and after.
'''

EXAMPLES = r'''
- name: Critical and warning entries of the last 24 hours from the IML and the iLO Event Log
  lightsout.ilo.ilo_logs:
    hostname: "{{ ansible_host }}"
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    logs: [IML, IEL]
    since: 24h
    severity: warning
    limit: 20
  delegate_to: localhost
  register: recent

- name: Show them
  ansible.builtin.debug:
    msg: "{{ recent.entries | map(attribute='message') | list }}"

- name: Clear the IML after the maintenance window (changed only where it held entries)
  lightsout.ilo.ilo_logs:
    hostname: "{{ ansible_host }}"
    logs: [IML]
    state: cleared
  delegate_to: localhost
'''

RETURN = r'''
logs:
  description: The selected log services, in link order (the system's, then its manager's).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Log service id (HPE V(IML), V(IEL), V(SL), V(Event); DMTF V(Log1) ...).
      type: str
      sample: IML
    name:
      description: Log service name.
      type: str
      sample: Integrated Management Log
    source:
      description: V(system) or V(manager).
      type: str
      sample: system
    uri:
      description: URI of the log service.
      type: str
      sample: /redfish/v1/Systems/1/LogServices/IML
    total:
      description: The number of entries the log holds (C(Members@odata.count)), null when the iLO does not say.
      type: int
      sample: 142
    entries:
      description: With O(state=read), the newest entries that match, newest first, at most O(limit); empty with O(state=cleared).
      type: list
      elements: dict
      contains:
        id:
          description: Entry id.
          type: str
          sample: '142'
        created:
          description: Creation time (ISO 8601).
          type: str
          sample: '2025-05-29T11:00:55Z'
        severity:
          description: Severity, lower case; HPE's V(informational), V(repaired), V(caution), V(critical) where iLO gives it,
            else the Redfish V(ok), V(warning), V(critical).
          type: str
          sample: critical
        message:
          description: The entry's text, or its message id resolved through the iLO's registries with its arguments.
          type: str
          sample: 'System Power Supply: General Failure (Power Supply 2)'
        message_id:
          description: The entry's C(MessageId) (HPE's C(class.code) such as V(17.10), or a registry id).
          type: str
          sample: iLOEvents.3.15.ServerFirmwareInventoryComplete
        message_args:
          description: The entry's C(MessageArgs).
          type: list
          elements: str
          sample: []
        class:
          description: HPE event class (null elsewhere).
          type: int
          sample: 5
        code:
          description: HPE event code (null elsewhere).
          type: int
          sample: 2
        repaired:
          description: HPE's repair status of the event (C(Oem.Hpe.Repaired)); null where iLO does not say.
          type: bool
          sample: false
        categories:
          description: HPE event categories.
          type: list
          elements: str
          sample: [Hardware]
        count:
          description: How many times HPE consolidated the event into this entry.
          type: int
          sample: 1
        recommended_action:
          description: HPE's recommended action, else the registry's resolution; null when none.
          type: str
          sample: Check the power supply.
        uri:
          description: URI of the entry.
          type: str
          sample: /redfish/v1/Systems/1/LogServices/IML/Entries/142
    cleared:
      description: With O(state=cleared), whether this log was cleared (in check mode, would be).
      type: bool
      sample: true
entries:
  description: With O(state=read), the entries of all selected logs merged, newest first, at most O(limit); each also has C(log), the log
    service id.
  returned: success
  type: list
  elements: dict
  sample: [{"log": "IML", "id": "142", "created": "2025-05-29T11:00:55Z", "severity": "critical", "message": "..."}]
cleared:
  description: The ids of the logs cleared (in check mode, that would be cleared).
  returned: success
  type: list
  elements: str
  sample: [IML]
'''

from ansible_collections.lightsout.ilo.plugins.module_utils import logs
from ansible_collections.lightsout.ilo.plugins.module_utils.body import link_of, managed_by
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule


class IloLogsModule(IloModule):
    argument_spec = dict(
        logs=dict(type='list', elements='str', default=['all']),
        since=dict(type='str'),
        severity=dict(type='str', choices=list(logs.SEVERITY_CHOICES)),
        limit=dict(type='int', default=50),
        state=dict(type='str', choices=['read', 'cleared'], default='read'),
        system_id=dict(type='str'),
    )

    def get(self, uri, params=None):
        body = self.client.get(uri, params=params).json
        return body if isinstance(body, dict) else {}

    def get_many(self, uris):
        return [r.json for r in self.client.get_many(uris)]

    def members(self, uri):
        return [self.get(u) for u in self.service.members(uri)]

    def run(self):
        p = self.params
        errors = []
        if p['limit'] < 1:
            errors.append('limit must be 1 or more, not %s.' % p['limit'])
        if p['state'] == 'cleared':
            errors.extend('%s filters what is read; state=cleared empties whole logs, so it cannot be given with it.' % name
                          for name in ('since', 'severity') if p[name] not in (None, ''))
        since_text = p['since'] if p['state'] == 'read' else None
        if since_text:
            try:
                logs.parse_since(since_text)
            except IloValidationError as exc:
                errors.append(exc.message)
        if errors:
            raise IloValidationError(' '.join(errors))
        system = self.get(self.service.system_uri(p['system_id']))
        manager_uri = managed_by(system)
        manager = self.get(manager_uri) if manager_uri else None
        selected = logs.select(logs.log_services(self.get, self.members, system, manager), p['logs'])
        if p['state'] == 'cleared':
            self._clear(selected)
        else:
            self._read(selected, since_text)

    def _read(self, selected, since_text):
        p = self.params
        min_rank = logs.severity_rank(p['severity']) if p['severity'] else None
        out, merged = [], []
        for source, service in selected:
            item = logs.describe(source, service)
            since = logs.parse_since(since_text, now=logs.parse_time(service.get('DateTime'))) if since_text else None
            entries, info = logs.read_entries(self.get, self.get_many, service, limit=p['limit'], since=since, min_rank=min_rank,
                                              expand=self.service.expand_supported, message_text=self.service.message_text)
            item.update(total=info['total'], entries=entries, cleared=False)
            out.append(item)
            merged.extend(dict(e, log=item['id']) for e in entries)
        self.result.update(logs=out, entries=logs.sort_newest_first(merged)[:p['limit']], cleared=[])

    def _clear(self, selected):
        plans, problems = [], []
        for source, service in selected:
            item = logs.describe(source, service)
            holds, count = logs.has_entries(self.get, service)  # a plain read: Members@odata.count decides, no entry bodies
            item.update(total=count, entries=[], cleared=holds)
            request = logs.clear_request(service) if holds else None
            if holds and request is None:
                problems.append('%s (%s) holds %d entries but advertises no way to clear it (no LogService.ClearLog action).'
                                % (item['id'], item['uri'], count))
            plans.append((item, request))
        if problems:
            raise IloError('Nothing was cleared: ' + ' '.join(problems), uri=link_of(selected[0][1]) if selected else None)
        to_clear = [(item, request) for item, request in plans if item['cleared']]
        if not self.check_mode:
            for item, (uri, body) in to_clear:
                self.client.post(uri, body)
        items = [item for item, _request in plans]
        self.result.update(logs=items, entries=[], cleared=[item['id'] for item, _r in to_clear], changed=bool(to_clear))
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = {
                'before': dict((i['id'], {'entries': i['total']}) for i in items),
                'after': dict((i['id'], {'entries': 0 if i['cleared'] else i['total']}) for i in items),
            }


def main():
    IloLogsModule().main()


if __name__ == '__main__':
    main()
