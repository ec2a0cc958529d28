#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_event_subscription
short_description: Redfish event subscriptions (where iLO pushes its events) on HPE iLO 4 to 7
version_added: 0.1.0
description:
  - Makes sure the iLO's C(EventService) has, or has not, a subscription that sends Redfish events to O(destination).
  - The subscription is identified by its C(Destination); when several subscriptions go to the same destination,
    O(context) tells them apart.
  - Filters are validated against what the EventService advertises before anything is written, all problems reported
    together. iLO 4 and 5 filter by event type (C(EventTypesForSubscription)); iLO 6 and 7 by message registry
    (C(RegistryPrefixes)) and message id. A filter the service does not take fails, naming the ones it takes.
  - A subscription whose filters differ is replaced (DELETE, then POST), since Redfish makes the filters create-time
    only; a different O(context) alone is PATCHed where the subscription allows PATCH, else it is replaced too.
  - Use it with the Event-Driven Ansible source C(lightsout.ilo.ilo_events), which can also subscribe by itself.
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  destination:
    description:
      - The https URL iLO posts its events to (an event receiver, such as the C(lightsout.ilo.ilo_events) source).
      - Compared without regard to the case of the scheme and host, and without a trailing slash.
    type: str
    required: true
  event_types:
    description:
      - Event types to send (C(EventTypes)), among the iLO's C(EventTypesForSubscription), for example V(Alert) and
        V(StatusChange); compared without regard to case.
      - On a service that filters by event type only (iLO 4 and 5), when no filter is given, every advertised type but
        V(MetricReport) is subscribed.
    type: list
    elements: str
  registry_prefixes:
    description:
      - Message registries whose events to send (C(RegistryPrefixes)), among the iLO's C(RegistryPrefixes), for example
        V(iLOEvents) and V(ResourceEvent) (iLO 6 and 7).
    type: list
    elements: str
  message_ids:
    description:
      - Only these messages (C(MessageIds)), as C(REGISTRY.KEY) or C(REGISTRY.MAJOR.MINOR.KEY) of a registry the
        EventService advertises; checked against the registry where the iLO publishes it (iLO 6 and 7).
    type: list
    elements: str
  context:
    description:
      - The C(Context) iLO sends back with every event of this subscription; the C(ilo_events) source can require it.
      - When given, it is managed, and it picks the subscription among several to the same O(destination); when not given, an
        existing subscription's context is kept.
    type: str
  state:
    description:
      - V(present) creates or fixes the subscription; V(absent) deletes every subscription to O(destination) (with
        O(context) when given).
    type: str
    choices: [present, absent]
    default: present
  system_id:
    description:
      - Accepted and ignored. Subscriptions belong to the iLO's EventService, not to one of its systems; the option exists
        so that one C(module_defaults) block for C(group/lightsout.ilo.ilo) can name the system for every module of the
        group, this one included.
    type: str
notes:
  - Check mode is supported (GETs only); diff mode shows the subscription before and after.
  - iLO delivers events over HTTPS and verifies the receiver's certificate against the CA certificates imported into
    the EventService (C(Oem.Hpe) C(ImportCACertificate)); importing them is not part of this module.
'''

EXAMPLES = r'''
- name: Send alerts and status changes to the EDA listener (iLO 4 and 5)
  lightsout.ilo.ilo_event_subscription:
    hostname: "{{ ansible_host }}"
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    destination: https://eda.example.com:5443/events
    event_types: [Alert, StatusChange]
    context: "{{ vault_eda_token }}"
  delegate_to: localhost

- name: Hardware events by registry (iLO 6 and 7)
  lightsout.ilo.ilo_event_subscription:
    hostname: "{{ ansible_host }}"
    destination: https://eda.example.com:5443/events
    registry_prefixes: [iLOEvents, ResourceEvent]
  delegate_to: localhost

- name: Stop sending events there
  lightsout.ilo.ilo_event_subscription:
    hostname: "{{ ansible_host }}"
    destination: https://eda.example.com:5443/events
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
action:
  description: What was done (in check mode, would be) to the subscription.
  returned: success
  type: str
  choices: [none, created, updated, replaced, deleted]
  sample: created
subscription:
  description: The subscription after the task; null with O(state=absent).
  returned: success
  type: dict
  contains:
    uri:
      description: URI of the subscription (null in check mode when it would be created).
      type: str
      sample: /redfish/v1/EventService/Subscriptions/1
    id:
      description: Subscription id.
      type: str
      sample: '1'
    destination:
      description: Where iLO sends the events.
      type: str
      sample: https://eda.example.com:5443/events
    context:
      description: The subscription's context.
      type: str
      sample: rack12
    event_types:
      description: Event types subscribed.
      type: list
      elements: str
      sample: [Alert, StatusChange]
    registry_prefixes:
      description: Message registries subscribed.
      type: list
      elements: str
      sample: []
    message_ids:
      description: Message ids subscribed.
      type: list
      elements: str
      sample: []
    protocol:
      description: Delivery protocol.
      type: str
      sample: Redfish
advertised:
  description: What the EventService advertises (C(EventTypesForSubscription), C(RegistryPrefixes)); null where it does not say.
  returned: success
  type: dict
  sample: {"event_types": ["StatusChange", "Alert"], "registry_prefixes": null}
validation_errors:
  description: Every problem found with the options; nothing was written.
  returned: failure of validation
  type: list
  elements: str
'''

from ansible_collections.lightsout.ilo.plugins.module_utils import events
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule


class IloEventSubscriptionModule(IloModule):
    argument_spec = dict(
        destination=dict(type='str', required=True),
        event_types=dict(type='list', elements='str'),
        registry_prefixes=dict(type='list', elements='str'),
        message_ids=dict(type='list', elements='str'),
        context=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        system_id=dict(type='str'),  # accepted for module_defaults of the action group, not used
    )

    def run(self):
        p = self.params
        problems = []
        bad = events.check_destination(p['destination'])
        if bad:
            problems.append(bad)
        service = events.EventService(self.service)
        self.result['advertised'] = {'event_types': service.advertised('EventTypesForSubscription'),
                                     'registry_prefixes': service.advertised('RegistryPrefixes')}
        filters = {}
        if p['state'] == 'present':
            filters, found = service.validate(dict((o, p[o]) for o, _prop, _adv in events.FILTERS))
            problems.extend(found)
            filters = service.defaults(filters)
        if problems:
            self.result['validation_errors'] = problems
            raise IloValidationError('%d problem%s with the subscription, nothing was written: %s' % (
                len(problems), '' if len(problems) == 1 else 's', ' '.join(problems)))
        action, before, after = events.ensure(service, p['destination'], filters, context=p['context'], state=p['state'],
                                              check_mode=self.check_mode)
        self.result.update(action=action, subscription=after, changed=action != 'none')
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = {'before': before or {}, 'after': after or {}}


def main():
    IloEventSubscriptionModule().main()


if __name__ == '__main__':
    main()
