#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_session
short_description: Log in to an HPE iLO once and reuse the session for a whole play
version_added: 0.1.0
description:
  - Creates a Redfish session on an HPE iLO 4, 5, 6 or 7 (or any Redfish service) and returns it, so that every
    later task of the play uses it instead of logging in and out on its own. iLOs allow few concurrent
    sessions and each login costs time; one session per host per play is the fast and polite way.
  - With O(state=absent), deletes the session given in O(session).
  - Also reports the iLO generation and firmware, read from the service root.
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  state:
    description:
      - V(present) logs in with O(username)/O(password) and returns RV(session). It always creates a new session
        (RV(ignore:changed=true)); a O(session) given to it, typically by C(module_defaults), is ignored and left
        alone, because Ansible masks every value of a C(no_log) option in results and could not hand it back.
      - V(absent) deletes O(session) (logs out). A session that is already gone is not an error
        (RV(ignore:changed=false)).
    type: str
    choices: [present, absent]
    default: present
  system_id:
    description:
      - Accepted and ignored. A session belongs to the iLO, not to one of its systems; the option exists so that one
        C(module_defaults) block for C(group/lightsout.ilo.ilo) can name the system for every module of the group,
        this one included.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - With O(state=present), check mode creates no session and returns no RV(session); later tasks then log
        in on their own with the credentials from C(module_defaults) or the E(ILO_USERNAME)/E(ILO_PASSWORD)
        environment variables.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - Register the result with C(no_log) or keep it out of logs otherwise; RV(session.token) grants access to the iLO
    until the session is deleted or times out (30 minutes of inactivity by default).
  - The session returned by O(state=present) is never deleted by other modules of this collection; delete it with
    O(state=absent), ideally in a C(post_tasks) or C(always) section.
'''

EXAMPLES = r'''
# The whole-play pattern: one login per iLO, every task reuses it, always log out.
- name: Baseline the web tier
  hosts: ilo_web
  gather_facts: false
  connection: local
  module_defaults:
    group/lightsout.ilo.ilo:
      hostname: "{{ ansible_host }}"
      session: "{{ ilo_login.session | default(omit) }}"
      ca_path: /etc/pki/ilo-ca.pem
  tasks:
    - name: Log in once for the whole play
      lightsout.ilo.ilo_session:
        username: "{{ vault_ilo_user }}"
        password: "{{ vault_ilo_password }}"
      register: ilo_login
      no_log: true

    - name: Show what we are talking to
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }} is {{ ilo_login.ilo.manager_type }} firmware {{ ilo_login.ilo.firmware }}"

  post_tasks:
    - name: Log out
      lightsout.ilo.ilo_session:
        state: absent
      when: ilo_login.session is defined
      tags: always

# Credentials injected by an AWX/AAP credential type as ILO_USERNAME / ILO_PASSWORD:
- name: Log in with environment credentials
  lightsout.ilo.ilo_session:
    hostname: ilo-db01.example.com
  register: ilo_login
  no_log: true
'''

RETURN = r'''
session:
  description:
    - The session to pass as O(session) to every other module of this collection (for example through
      C(module_defaults)). Keys are exactly the ones O(session) accepts.
    - Not returned in check mode or with O(state=absent).
  returned: success and state is present and not check mode
  type: dict
  contains:
    hostname:
      description: The iLO, normalised to C(https://host[:port]).
      type: str
      sample: https://ilo-web01.example.com
    token:
      description: The X-Auth-Token. Keep it out of logs (C(no_log)).
      type: str
      sample: 0123456789abcdef0123456789abcdef
    uri:
      description: The session's URI on the iLO, deleted by O(state=absent).
      type: str
      sample: /redfish/v1/SessionService/Sessions/administrator000000006859b3f1c51eb85/
ilo:
  description: What the service root says about the iLO (read without authentication).
  returned: success and state is present
  type: dict
  contains:
    generation:
      description: iLO generation (4, 5, 6 or 7); 0 for a Redfish service that is not an HPE iLO.
      type: int
      sample: 5
    manager_type:
      description: The manager type, for example C(iLO 5).
      type: str
      sample: iLO 5
    firmware:
      description: iLO firmware version from the service root, when the iLO publishes it there.
      type: str
      sample: '3.11'
    oem:
      description: The OEM key of this generation, C(Hp) on iLO 4, C(Hpe) on iLO 5, 6 and 7, null elsewhere.
      type: str
      sample: Hpe
    product:
      description: The product name of the service root.
      type: str
      sample: ProLiant DL360 Gen10 Plus
    vendor:
      description: The vendor.
      type: str
      sample: HPE
    redfish_version:
      description: The Redfish version the service implements.
      type: str
      sample: 1.13.0
'''

from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloAuthError, IloError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule


class IloSessionModule(IloModule):
    argument_spec = dict(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        # Ignored: accepted so that group/lightsout.ilo.ilo module_defaults naming a system work for this module too.
        system_id=dict(type='str'),
    )
    login_on_start = False

    def run(self):
        if self.params['state'] == 'present':
            self.present()
        else:
            self.absent()

    def session_alive(self, uri):
        """True when the given session still works (one authenticated GET of the session itself)."""
        try:
            self.client.get(uri, fresh=True)
        except IloAuthError:
            return False
        return True

    def present(self):
        if self.params['session']:
            # A session from module_defaults: log in afresh with the credentials, leave that one alone.
            self.client = self.make_client(session={})
            self.service.client = self.client
        self.result['ilo'] = self.service.info()
        if self.check_mode:
            if not self.params['username'] or self.params['password'] is None:
                raise IloValidationError('No credentials: give username and password (or ILO_USERNAME/ILO_PASSWORD).')
            self.result['changed'] = True
            return
        session = self.client.login()
        self.result['changed'] = True
        if not session.get('uri'):
            # Never hand back a session nobody could delete: this task owns it and fails.
            raise IloError('%s created a session but did not say where it is (no Location, no @odata.id, no MySession '
                           'mark): ilo_session cannot return a session that it could not delete.' % self.client.base_url)
        # Hand the session to the play: this client must not delete it when the task ends.
        self.client.owns_session = False
        self.result['session'] = session

    def absent(self):
        given = self.params['session']
        if not given:
            raise IloValidationError('state=absent needs session: the value registered from ilo_session (state=present).')
        if not given.get('uri'):
            raise IloValidationError('The session given has no uri; pass the whole session returned by ilo_session.')
        # A session of another iLO (session.hostname), or a session.uri on another origin, was refused by the
        # client before anything was sent: the DELETE below only goes to the session's own iLO.
        if self.check_mode:
            # Nothing is deleted: one GET of the session tells whether a run would change anything.
            self.result['changed'] = self.session_alive(given['uri'])
            return
        # The DELETE itself says whether the session was still there (404 or 401 when it was not).
        self.result['changed'] = self.client.logout(given['uri'])


def main():
    IloSessionModule().main()


if __name__ == '__main__':
    main()
