#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_user
short_description: Local iLO accounts (present/absent, role, privileges, password) on HPE iLO 4 to 7
version_added: 0.1.0
description:
  - Creates, changes and deletes one local iLO account, found by its login name in the C(AccountService) C(Accounts)
    collection (linked from the service root).
  - Changes only what differs from what iLO shows, with one C(PATCH) of the differences to the account (with C(If-Match);
    on HTTP 412 the account is read again and the C(PATCH) retried once); creates with one C(POST) to the collection and
    deletes with one C(DELETE) of the account.
  - Every option is validated before anything is written (unknown privilege, a role that contradicts the privileges, a
    password the iLO's policy refuses, too long names, options the iLO does not have); all problems are reported together
    and nothing is written.
  - Never locks the operator out. It refuses to delete or disable the account the task itself is logged in with (the
    C(UserName) of its session, else O(username)), and refuses any change that would leave no enabled account with the
    C(administer_users) privilege.
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  name:
    description:
      - The login name of the account (Redfish C(UserName)), what one logs in with; at most 39 characters.
      - Found without regard to case, as iLO compares login names.
    type: str
    required: true
    aliases: [login_name]
  display_name:
    description:
      - iLO's descriptive name of the account (C(Oem.Hpe.LoginName), iLO 4 C(Oem.Hp.LoginName); the iLO web interface calls it
        C(User Name)); at most 39 characters. Defaults to O(name) when the account is created.
    type: str
  state:
    description:
      - V(present) creates the account or changes it to match; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  account_password:
    description:
      - The password of the account (C(Password)); never read back, never shown in results, warnings or the diff.
      - Named C(account_password) because O(password) is the password this task logs in with.
      - Checked before any write against the iLO's policy - C(MinPasswordLength) of the account service (iLO's default is
        8), at most 39 characters, and three character classes when C(EnforcePasswordComplexity) is on; a refusal by iLO
        after the write is reported as one sentence with iLO's requirement too.
      - Required to create an account.
    type: str
  update_password:
    description:
      - V(on_create) sets O(account_password) only when the account is created; an existing account keeps its password and
        the task stays idempotent.
      - V(always) writes O(account_password) on every run. A password cannot be read back from iLO, so such a task always
        reports changed - use it to rotate a password, not in a task meant to report no change.
    type: str
    choices: [on_create, always]
    default: on_create
  role:
    description:
      - The role of the account. On iLO 5 and later, a C(RoleId) from the iLO's C(AccountService/Roles) (V(Administrator),
        V(Operator), V(ReadOnly), and custom local roles where the iLO has them; directory group roles are not accounts'
        roles); its privileges are the role's C(AssignedPrivileges) and C(OemPrivileges).
      - iLO 4 has no roles; V(Administrator) (all six privileges), V(Operator) (login, remote_console,
        virtual_power_and_reset, virtual_media) and V(ReadOnly) (login) are mapped to privileges.
      - A role decides every privilege but V(recovery_set), which no predefined role lists; with only a role given, an
        account keeps its V(recovery_set).
    type: str
  privileges:
    description:
      - The complete list of privileges of the account (C(Oem.Hpe.Privileges), iLO 4 C(Oem.Hp.Privileges)); V(login) is
        always included, as iLO adds it to every local account.
      - V(login), V(remote_console), V(virtual_power_and_reset), V(virtual_media), V(configure_ilo), V(administer_users)
        on every generation; V(host_bios), V(host_nic), V(host_storage), V(recovery_set) on iLO 5 and later. Which ones an
        iLO has is read from its accounts; a name it does not have fails.
      - With O(role), the privileges must agree with the role (only V(recovery_set) may differ); otherwise the task fails
        naming the contradiction.
    type: list
    elements: str
  enabled:
    description:
      - Whether the account may log in (C(Enabled), iLO 5 and later). Fails on an iLO whose accounts have no C(Enabled).
      - V(false) is refused for the account the task is logged in with.
    type: bool
  locked:
    description:
      - V(false) unlocks an account that the service locked (C(Locked)), on services whose accounts show C(Locked) (iLO
        does not). V(true) is refused - a service locks an account itself.
    type: bool
  system_id:
    description:
      - Accepted and ignored. Accounts belong to the iLO, not to one of its systems; the option exists so that one
        C(module_defaults) block for C(group/lightsout.ilo.ilo) can name the system for every module of the group.
    type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode reads the account service, the accounts, the roles and the task's own session, validates, and predicts
        RV(ignore:changed), RV(action) and the diff; it sends no C(POST), C(PATCH) or C(DELETE).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - Before and after of C(state), C(display_name), C(role), C(privileges), C(enabled) (and C(locked) where shown). A
        password that is written shows as C(password) in RV(ignore:diff.after) with a placeholder, never the password.
notes:
  - B(The account the task is logged in with.) Changing its password (V(update_password=always)) works and then keeps the
    task working - with a session this task created, it logs in again with the new password and deletes the old session
    (RV(logged_in_again)); with O(auth=basic) it sends the new password from then on; a session given in O(session) is kept
    (iLO keeps sessions of an account whose password changes). Later tasks that log in with O(username)/O(password) need
    the new password - update the variable (for example the vault) in the same play, or use one session from
    M(lightsout.ilo.ilo_session) for the whole play.
  - iLO has 12 local accounts at most; creating a 13th fails before the write.
  - iLO 4 shapes (C(Oem.Hp), six privileges, no C(RoleId)) follow HPE's iLO 4 documentation and public iLO 4 samples.
seealso:
  - module: lightsout.ilo.ilo_facts
    description: C(gather_subset=users) lists the accounts under the same names.
  - module: lightsout.ilo.ilo_session
    description: One session for a whole play.
'''

EXAMPLES = r'''
- name: A read-only monitoring account on every iLO
  lightsout.ilo.ilo_user:
    hostname: "{{ ansible_host }}"
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"
    name: monitoring
    display_name: Monitoring (Prometheus)
    role: ReadOnly
    account_password: "{{ vault_monitoring_password }}"
  delegate_to: localhost

- name: Operators may use the console and virtual media, nothing else
  lightsout.ilo.ilo_user:
    hostname: "{{ ansible_host }}"
    name: ops
    privileges: [login, remote_console, virtual_media, virtual_power_and_reset]
    account_password: "{{ vault_ops_password }}"

- name: Rotate the password of the break-glass account (always reports changed)
  lightsout.ilo.ilo_user:
    hostname: "{{ ansible_host }}"
    name: breakglass
    account_password: "{{ vault_breakglass_password }}"
    update_password: always
  no_log: true

- name: Remove a leaver
  lightsout.ilo.ilo_user:
    hostname: "{{ ansible_host }}"
    name: jdoe
    state: absent
'''

RETURN = r'''
action:
  description: What was done (or would be, in check mode) - V(created), V(updated), V(deleted) or V(none).
  returned: success
  type: str
  sample: updated
user:
  description:
    - The account after the task (predicted in check mode), as M(lightsout.ilo.ilo_facts) lists it in C(users); null when
      it does not exist. Never a password.
  returned: success
  type: dict
  sample: {id: '3', uri: /redfish/v1/AccountService/Accounts/3, name: monitoring, display_name: Monitoring, role: ReadOnly,
           privileges: [login], enabled: true, locked: null, service_account: false}
changes:
  description: The values written (or that would be), by name; a password shows as a placeholder.
  returned: success
  type: dict
  sample: {privileges: [login, remote_console], password: '(new password, not shown)'}
logged_in_again:
  description: True when the task changed the password of the account it was logged in with and logged in again with it.
  returned: success
  type: bool
messages:
  description: The messages iLO answered to the write.
  returned: success
  type: list
  elements: dict
validation_errors:
  description: Every problem found in the options (the task fails and writes nothing).
  returned: failure of validation
  type: list
  elements: str
'''

import re

from ansible_collections.lightsout.ilo.plugins.module_utils.accounts import (
    HIDDEN,
    MAX_ACCOUNTS,
    MAX_NAME,
    Accounts,
    derived_role,
    password_problems,
    same_name,
    scrub,
    sorted_privileges,
    view,
    write_error,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloError, IloHTTPError, IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule
from ansible_collections.lightsout.ilo.plugins.module_utils.state import unique_messages

PRINTABLE = re.compile(r'^[^\x00-\x1f\x7f]+$')


class IloUserModule(IloModule):
    argument_spec = dict(
        name=dict(type='str', required=True, aliases=['login_name']),
        display_name=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        account_password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
        role=dict(type='str'),
        privileges=dict(type='list', elements='str'),
        enabled=dict(type='bool'),
        locked=dict(type='bool'),
        system_id=dict(type='str'),  # accepted for module_defaults of the action group, not used
    )

    def run(self):
        p = self.params
        name = p['name']
        errors = []
        if not name or len(name) > MAX_NAME or not PRINTABLE.match(name):
            errors.append('name must be 1 to %d printable characters, not %r.' % (MAX_NAME, name))
        if p['display_name'] is not None and not PRINTABLE.match(p['display_name'] or 'x'):
            errors.append('display_name must be printable characters.')
        self.result.update(action='none', user=None, changes={}, messages=[], logged_in_again=False)
        accounts = Accounts(self.service)
        found = accounts.find(name) if not errors else None
        in_use = accounts.in_use()
        if p['state'] == 'absent':
            self._absent(accounts, found, in_use, errors)
        else:
            self._present(accounts, found, in_use, errors)

    def _fail_validation(self, errors):
        self.result['validation_errors'] = errors
        raise IloValidationError('%d problem%s with the account options, nothing was written: %s' % (
            len(errors), '' if len(errors) == 1 else 's', ' '.join(errors)))

    # ------------------------------------------------------------------ absent
    def _absent(self, accounts, found, in_use, errors):
        if found is not None:
            uri, body = found
            account_name = body.get('UserName')
            if same_name(account_name, in_use):
                errors.append('Refusing to delete %s: this task is logged in with that account. Log in with another account '
                              'with the administer_users privilege to delete it.' % account_name)
            elif accounts.administrators() and not accounts.administrators(exclude=account_name):
                errors.append('Refusing to delete %s: it is the last enabled account with the administer_users privilege.'
                              % account_name)
        if errors:
            self._fail_validation(errors)
        if found is None:
            self._diff({'state': 'absent'}, {'state': 'absent'})
            return
        before = view(body, None if accounts.has_roles else accounts.roles())
        if not self.check_mode:
            try:
                response = self.client.delete(uri)
            except IloHTTPError as exc:
                raise write_error(self.service.describe(exc), 'delete', account_name) or exc
            self.result['messages'] = unique_messages(response.messages)
        self.result.update(changed=True, action='deleted', changes={'state': 'absent'})
        self._diff(dict(self._shown(before), state='present'), {'state': 'absent'})

    # ------------------------------------------------------------------ present
    def _present(self, accounts, found, in_use, errors):
        p = self.params
        password = p['account_password']
        body = found[1] if found is not None else None
        desired = accounts.desired(p, body, errors)
        writes_password = password is not None and (found is None or p['update_password'] == 'always')
        if found is None and password is None:
            errors.append('account_password is required to create the account %s.' % p['name'])
        if found is None and len(accounts.accounts()) >= MAX_ACCOUNTS:
            errors.append('This iLO already has %d local accounts, the most it keeps; delete one before creating %s.' % (
                len(accounts.accounts()), p['name']))
        if writes_password:
            for problem in password_problems(password, accounts.policy()):
                errors.append('account_password: %s.' % problem)
        if found is not None:
            account_name = body.get('UserName')
            if same_name(account_name, in_use) and desired.get('enabled') is False:
                errors.append('Refusing to disable %s: this task is logged in with that account.' % account_name)
            before_admins = accounts.administrators()
            after_admins = accounts.administrators(replace=(account_name, desired))
            if before_admins and not after_admins:
                errors.append('Refusing to change %s: no enabled account with the administer_users privilege would be left.'
                              % account_name)
        if errors:
            self._fail_validation([scrub(e, password) for e in errors])
        if found is None:
            self._create(accounts, desired, password)
        else:
            self._update(accounts, found, desired, password if writes_password else None, in_use)

    def _create(self, accounts, desired, password):
        p = self.params
        body = accounts.create_body(p['name'], desired, password)
        changes = dict(desired, password=HIDDEN)
        shows_enabled = any('Enabled' in item for _uri, item in accounts.accounts())
        user = {'id': None, 'uri': None, 'name': p['name'], 'display_name': desired.get('display_name'),
                'role': desired.get('role') or derived_role(desired.get('privileges') or [], accounts.roles()),
                'privileges': desired.get('privileges'), 'enabled': desired.get('enabled', True if shows_enabled else None),
                'locked': None, 'service_account': None}
        if not self.check_mode:
            try:
                response = self.client.post(accounts.collection, body)
            except IloHTTPError as exc:
                raise write_error(self.service.describe(exc), 'create', p['name'], password) or exc
            self.result['messages'] = unique_messages(response.messages)
            # The new account: where the reply's Location says (through the client's same-origin check), else found again.
            location = response.headers.get('Location') if response.headers is not None else None
            created = None
            if location:
                created = self.client.get(self.client.local_path(location, "the creation reply's Location"), fresh=True).json
            if not isinstance(created, dict) or not same_name(created.get('UserName'), p['name']):
                found = accounts.find(p['name']) if accounts.accounts(fresh=True) is not None else None
                created = found[1] if found else None
            if created is None:
                raise IloError('iLO answered the creation of account %s with HTTP %s, but the account is not in %s.' % (
                    p['name'], response.status, accounts.collection), method='POST', uri=accounts.collection)
            user = view(created, None if accounts.has_roles else accounts.roles())
        self.result.update(changed=True, action='created', changes=changes, user=user)
        after = dict(self._shown(user), state='present', password=HIDDEN)
        self._diff({'state': 'absent'}, after)

    def _update(self, accounts, found, desired, password, in_use):
        uri, body = found
        account = accounts.account(uri)
        if password is not None:
            account.password = password
            desired['password'] = HIDDEN
        before = view(account.body, None if accounts.has_roles else accounts.roles())
        try:
            outcome = account.converge(desired, check_mode=self.check_mode)
        except IloHTTPError as exc:
            raise write_error(self.service.describe(exc), 'change', body.get('UserName'), password) or exc
        changes = dict(outcome.changes)
        after = dict(before)
        after.update((k, v) for k, v in changes.items() if k != 'password')
        if not self.check_mode and changes:
            after = view(account.reload().body, None if accounts.has_roles else accounts.roles())
        if 'privileges' in changes and not accounts.has_roles:
            after['role'] = derived_role(after['privileges'], accounts.roles())
        self.result.update(changed=bool(changes), action='updated' if changes else 'none', changes=changes, user=after,
                           messages=outcome.messages)
        if 'password' in changes and same_name(body.get('UserName'), in_use) and not self.check_mode:
            # the task's own account has a new password: go on with it (see the module notes)
            self.result['logged_in_again'] = self.client.use_new_password(password)
        shown_after = dict(self._shown(after), state='present')
        if 'password' in changes:
            shown_after['password'] = HIDDEN
        self._diff(dict(self._shown(before), state='present'), shown_after)

    # ------------------------------------------------------------------ diff
    @staticmethod
    def _shown(user):
        shown = dict((k, user.get(k)) for k in ('display_name', 'role', 'privileges', 'enabled'))
        if user.get('locked') is not None:
            shown['locked'] = user['locked']
        if shown.get('privileges') is not None:
            shown['privileges'] = sorted_privileges(shown['privileges'])
        return shown

    def _diff(self, before, after):
        if self.module._diff:  # pylint: disable=protected-access
            self.result['diff'] = {'before': before, 'after': after}


def main():
    IloUserModule().main()


if __name__ == '__main__':
    main()
