# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local iLO accounts (``ilo_user``, the ``ilo_facts`` users subset, the ``accounts`` role).

One vocabulary for what an account is, on every generation:

- ``name`` -- the login name, Redfish ``UserName``; ``display_name`` -- iLO's descriptive name,
  ``Oem.Hpe.LoginName`` (iLO 4 ``Oem.Hp.LoginName``; iLO's web UI calls it "User Name").
- ``privileges`` -- iLO's named privileges (``Oem.Hpe|Hp.Privileges``) under snake-case names
  (:data:`PRIVILEGES`); iLO 4 has six of them, iLO 5 and later ten. Which ones an iLO has is read
  from its accounts, never assumed from the generation when an account shows them.
- ``role`` -- iLO 5+ ``RoleId``; a role's privileges are read from ``AccountService/Roles``
  (``AssignedPrivileges`` + ``OemPrivileges``). iLO 4 has no roles: the three predefined ones are
  mapped to privileges here (:data:`ILO4_ROLES`, after HPE's iLO 4 user guide) and ``role`` is derived.
  A role decides every privilege but ``recovery_set`` (no predefined role lists it).
- ``enabled`` (``Enabled``, iLO 5+) and ``locked`` (``Locked``, where an account shows it; only ``false``,
  unlock, is writable in Redfish).

:class:`Account` is an existing account as a :class:`~state.SettingsResource` (PATCH with If-Match,
re-plan once on 412); :class:`Accounts` finds the service, reads accounts, roles and the password
policy, validates a desired account and answers the safety questions (which account is in use, is
an account the last user administrator). No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

from ansible_collections.lightsout.ilo.plugins.module_utils.body import dig, hpe_oem, link_of, oem_key
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError, IloError, IloHTTPError
from ansible_collections.lightsout.ilo.plugins.module_utils.state import SettingsResource, nested

#: module name -> iLO privilege key (Oem.Hpe|Hp.Privileges), in iLO's UI order.
PRIVILEGES = (
    ('login', 'LoginPriv'),
    ('remote_console', 'RemoteConsolePriv'),
    ('virtual_power_and_reset', 'VirtualPowerAndResetPriv'),
    ('virtual_media', 'VirtualMediaPriv'),
    ('host_bios', 'HostBIOSConfigPriv'),
    ('host_nic', 'HostNICConfigPriv'),
    ('host_storage', 'HostStorageConfigPriv'),
    ('configure_ilo', 'iLOConfigPriv'),
    ('administer_users', 'UserConfigPriv'),
    ('recovery_set', 'SystemRecoveryConfigPriv'),
)
NAMES = dict((key, name) for name, key in PRIVILEGES)
KEYS = dict(PRIVILEGES)
ORDER = dict((name, index) for index, (name, _key) in enumerate(PRIVILEGES))
#: The privileges of iLO 4 (Gen8/Gen9); iLO 5 and later add the host and recovery ones.
ILO4_PRIVILEGES = ('login', 'remote_console', 'virtual_power_and_reset', 'virtual_media', 'configure_ilo', 'administer_users')
#: Privileges no predefined role decides: kept as they are when only a role is given.
UNDECIDED = ('recovery_set',)
#: iLO 4 has no Roles collection: its predefined roles as privileges (HPE iLO 4 user guide, "User privileges").
ILO4_ROLES = {
    'Administrator': ILO4_PRIVILEGES,
    'Operator': ('login', 'remote_console', 'virtual_power_and_reset', 'virtual_media'),
    'ReadOnly': ('login',),
}
#: Redfish AssignedPrivileges that stand for an iLO privilege (ConfigureSelf/ConfigureComponents do not).
ASSIGNED = {'Login': 'login', 'ConfigureManager': 'configure_ilo', 'ConfigureUsers': 'administer_users'}
#: iLO's limits (HPE iLO 5/6 user guides): 39 characters for login name, display name and password; 12 local accounts.
MAX_NAME = 39
MAX_PASSWORD = 39
MAX_ACCOUNTS = 12
#: What a reply about a password policy says (iLO registry keys).
PASSWORD_MESSAGES = ('InvalidPasswordLength', 'InvalidPasswordComplexity', 'PasswordComplexity', 'PasswordLength')
FIELDS = ('display_name', 'privileges', 'role', 'enabled', 'locked')
#: What the diff and the results show instead of a password.
HIDDEN = '(new password, not shown)'


def sorted_privileges(names):
    return sorted(set(names), key=lambda n: ORDER.get(n, 99))


def privileges_of(body):
    """The privilege names an account body grants, in iLO's order."""
    block = hpe_oem(body).get('Privileges') or {}
    return sorted_privileges(NAMES[k] for k, v in block.items() if k in NAMES and _true(v))


def _true(value):
    """iLO 4 compat bodies say ``"true"`` in strings."""
    return value is True or (isinstance(value, str) and value.lower() == 'true')


def role_privileges(body):
    """The privilege names a Role body decides (AssignedPrivileges + OemPrivileges)."""
    found = [ASSIGNED[p] for p in body.get('AssignedPrivileges') or [] if p in ASSIGNED]
    found += [NAMES[p] for p in body.get('OemPrivileges') or [] if p in NAMES]
    return sorted_privileges(found)


def derived_role(privileges, roles):
    """The role whose privileges are exactly ``privileges`` (recovery_set aside), or None."""
    mine = set(privileges) - set(UNDECIDED)
    for name, granted in roles.items():
        if set(granted) - set(UNDECIDED) == mine:
            return name
    return None


def view(body, roles=None, in_use=None):
    """The facts view of an account body (the vocabulary of ``ilo_user``); no password, ever."""
    privileges = privileges_of(body)
    role = body.get('RoleId')
    if role is None and roles is not None:
        role = derived_role(privileges, roles)
    oem = hpe_oem(body)
    found = {
        'id': body.get('Id') or str(link_of(body) or '').rstrip('/').rsplit('/', 1)[-1] or None,
        'uri': link_of(body) or dig(body, 'links.self.href'),
        'name': body.get('UserName'),
        'display_name': oem.get('LoginName'),
        'role': role,
        'privileges': privileges,
        'enabled': body.get('Enabled'),
        'locked': body.get('Locked'),
        'service_account': oem.get('ServiceAccount'),
    }
    if in_use is not None:
        found['in_use'] = same_name(body.get('UserName'), in_use)
    return found


def same_name(first, second):
    """iLO compares login names without regard to case."""
    return first is not None and second is not None and str(first).lower() == str(second).lower()


def password_problems(password, policy):
    """What is wrong with ``password`` for this iLO's policy (``min_length``, ``complexity``); [] when fine."""
    problems = []
    low, high = policy.get('min_length') or 0, MAX_PASSWORD
    if not low <= len(password) <= high:
        problems.append('the password has %d characters; this iLO requires %d to %d (MinPasswordLength %d)' % (
            len(password), low, high, low))
    if policy.get('complexity'):
        classes = sum(bool(re.search(p, password)) for p in (r'[A-Z]', r'[a-z]', r'[0-9]', r'[^A-Za-z0-9]'))
        if classes < 3:
            problems.append('this iLO enforces password complexity (EnforcePasswordComplexity): the password needs three '
                            'of upper case, lower case, digits and other characters, it has %d' % classes)
    return problems


def write_error(exc, verb, name, password=None):
    """An iLO refusal of an account write as one sentence with iLO's own messages (arguments filled in), or None
    when ``exc`` carries no message. A password-policy refusal says so with iLO's requirement. Never the password."""
    if not isinstance(exc, IloHTTPError) or not exc.messages:
        return None
    texts = []
    for message in exc.messages:
        text = message.get('Message') or message.get('MessageId')
        for index, arg in enumerate(message.get('MessageArgs') or [], start=1):
            text = text.replace('%%%d' % index, str(arg))
        texts.append(scrub(text, password).rstrip('.'))
    if any(exc.has_message(key) for key in PASSWORD_MESSAGES):
        text = 'iLO refused the password of account %s: %s. Nothing was changed by this request.' % (name, '; '.join(texts))
    else:
        text = 'iLO refused to %s account %s (HTTP %s): %s.' % (verb, name, exc.status, '; '.join(texts))
    for message in exc.messages:
        for key in ('Message', 'Resolution'):
            if key in message:
                message[key] = scrub(message[key], password)
        if 'MessageArgs' in message:
            message['MessageArgs'] = [scrub(a, password) if isinstance(a, str) else a for a in message['MessageArgs']]
    return type(exc)(text, method=exc.method, uri=exc.uri, status=exc.status, messages=exc.messages)


def scrub(text, *secrets):
    """``text`` with every given secret replaced (a BMC may echo a value back in a message argument)."""
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, '********')
    return text


class Account(SettingsResource):
    """An existing account: its values in the module's vocabulary and the PATCH that sets them.

    ``password`` (when set) is written with the next PATCH under the value name ``password``, which is
    never read back: a desired ``password`` is always a change.
    """

    noun = 'account'

    def __init__(self, client, uri, roles, role_ids):
        super(Account, self).__init__(client, uri, direct=True)
        self.roles = roles
        self.role_ids = role_ids
        self.password = None

    def find_settings_uri(self, body):
        return None

    @property
    def oem(self):
        return oem_key(self.body) or 'Hpe'

    def values_of(self, body):
        values = {'display_name': hpe_oem(body).get('LoginName'), 'privileges': privileges_of(body)}
        if self.role_ids:
            values['role'] = body.get('RoleId')
        for field, key in (('enabled', 'Enabled'), ('locked', 'Locked')):
            if key in body:
                values[field] = body[key]
        return values

    def body_for(self, values):
        return body_for(values, self.oem, self.password, current=privileges_of(self.body))


def body_for(values, oem, password=None, current=None):
    """The Redfish body that sets ``values`` (module names) on an account; ``current`` privileges: only changed keys are sent."""
    body = {}
    for name, value in values.items():
        if name == 'display_name':
            nested(body, ('Oem', oem, 'LoginName'), value)
        elif name == 'privileges':
            granted = set(value)
            names = [n for n in KEYS if n in granted or current is None or n in current]
            for priv in names:
                if current is None or (priv in granted) != (priv in current):
                    nested(body, ('Oem', oem, 'Privileges', KEYS[priv]), priv in granted)
        elif name == 'role':
            body['RoleId'] = value
        elif name == 'enabled':
            body['Enabled'] = value
        elif name == 'locked':
            body['Locked'] = value
        elif name == 'password':
            body['Password'] = password
        elif name == 'name':
            body['UserName'] = value
    return body


class Accounts:
    """The account service of one iLO: accounts, roles, password policy, and the account in use."""

    def __init__(self, service):
        self.service = service
        self.client = service.client
        root = service.root or {}
        self.uri = link_of(root.get('AccountService')) or link_of(dig(root, 'links.AccountService'))
        if not self.uri:
            raise IloDiscoveryError('The service root of %s links no AccountService; local accounts cannot be managed.'
                                    % self.client.base_url)
        self.body = self.client.get(self.uri, fresh=True).json or {}
        self.collection = link_of(self.body.get('Accounts')) or link_of(dig(self.body, 'links.Accounts'))
        if not self.collection:
            raise IloDiscoveryError('The account service %s links no Accounts collection.' % self.uri)
        self.generation = service.generation
        self._accounts = None
        self._roles = None

    # ------------------------------------------------------------------ reads
    def accounts(self, fresh=False):
        """``[(uri, body)]`` of every local account, read once (``fresh`` reads again)."""
        if self._accounts is None or fresh:
            if fresh:
                self.client.forget(self.collection)
            uris = self.service.members(self.collection)
            self._accounts = [(uri, self.client.get(uri, fresh=fresh).json or {}) for uri in uris]
        return self._accounts

    def find(self, name):
        """``(uri, body)`` of the account whose login name is ``name`` (exact first, then any case), or None."""
        found = [item for item in self.accounts() if item[1].get('UserName') == name]
        found = found or [item for item in self.accounts() if same_name(item[1].get('UserName'), name)]
        return found[0] if found else None

    @property
    def has_roles(self):
        """iLO 5+: accounts carry ``RoleId`` and the service links ``Roles``."""
        return bool(link_of(self.body.get('Roles'))) or any('RoleId' in body for _uri, body in self.accounts())

    def roles(self):
        """``{role id: [privilege names]}`` of the roles a local account can have."""
        if self._roles is None:
            uri = link_of(self.body.get('Roles'))
            if not uri:
                self._roles = dict((k, list(v)) for k, v in ILO4_ROLES.items())
            else:
                found = {}
                for member in self.service.members(uri):
                    body = self.client.get(member).json or {}
                    if hpe_oem(body).get('GroupDn') is not None or str(body.get('Id', '')).startswith('dirgroup'):
                        continue  # a directory group's role, not one for local accounts
                    found[body.get('RoleId') or body.get('Id')] = role_privileges(body)
                self._roles = found
        return self._roles

    def available(self):
        """The privilege names this iLO has: the keys its accounts show, else those of its generation."""
        keys = set()
        for _uri, body in self.accounts():
            keys.update(NAMES[k] for k in (hpe_oem(body).get('Privileges') or {}) if k in NAMES)
        if not keys:
            keys = set(ILO4_PRIVILEGES) if self.generation == 4 else set(KEYS)
        return sorted_privileges(keys)

    def policy(self):
        """``{min_length, complexity}`` from the account service (top level, or its OEM block)."""
        oem = hpe_oem(self.body)
        low = self.body.get('MinPasswordLength', oem.get('MinPasswordLength'))
        return {'min_length': low if isinstance(low, int) else 8, 'complexity': oem.get('EnforcePasswordComplexity') is True}

    def in_use(self):
        """The login name this task is authenticated as: the session's ``UserName``, else the user name given."""
        if self.client.session_uri and self.client.token:
            try:
                body = self.client.get(self.client.session_uri).json or {}
            except IloError:
                body = {}
            name = body.get('UserName') or hpe_oem(body).get('UserAccount')
            if name:
                return name
        return self.client.username

    def facts(self):
        """The ``ilo_facts`` users subset: every local account in the module's vocabulary, ``in_use`` marked."""
        roles = None if self.has_roles else self.roles()
        in_use = self.in_use()
        return [view(body, roles, in_use) for _uri, body in self.accounts()]

    # ------------------------------------------------------------------ desired state
    def desired(self, params, current_body, errors):
        """The desired values (module vocabulary) for an account, from the module's ``params``; problems go to ``errors``.

        ``current_body`` is the account as it is, or None when it is to be created.
        """
        wanted = {}
        available = self.available()
        roles = self.roles()
        role = params.get('role')
        privileges = params.get('privileges')
        if params.get('display_name') is not None:
            if not 0 < len(params['display_name']) <= MAX_NAME:
                errors.append('display_name must have 1 to %d characters, not %d.' % (MAX_NAME, len(params['display_name'])))
            else:
                wanted['display_name'] = params['display_name']
        elif current_body is None:
            wanted['display_name'] = params['name']
        decided = None
        if role is not None:
            match = [r for r in roles if r == role] or [r for r in roles if r.lower() == str(role).lower()]
            if not match:
                errors.append('role %r is not a role of this iLO; valid: %s.' % (role, ', '.join(sorted(roles))))
            else:
                role = match[0]
                decided = set(roles[role]) & set(available)
                if self.has_roles:
                    wanted['role'] = role
        given = None
        if privileges is not None:
            given = set()
            for item in privileges:
                name = str(item).strip().lower().replace(' ', '_').replace('-', '_')
                if name in available:
                    given.add(name)
                elif name in KEYS:
                    errors.append('privilege %s does not exist on this iLO (generation %s); it has: %s.' % (
                        item, self.generation, ', '.join(available)))
                else:
                    close = difflib.get_close_matches(name, list(KEYS), 2, 0.6)
                    errors.append('privilege %r is unknown%s; valid on this iLO: %s.' % (
                        item, ' (did you mean %s?)' % ' or '.join(close) if close else '', ', '.join(available)))
            given.add('login')  # iLO adds the login privilege to every local account
        current = set(privileges_of(current_body)) if current_body is not None else set()
        if decided is not None and given is not None:
            undecided = set(UNDECIDED) & set(available)
            extra = sorted_privileges((given - decided) - undecided)
            missing = sorted_privileges((decided - given) - undecided)
            if extra or missing:
                errors.append('role %s contradicts privileges: the role %s%s%s. Give only the role, or privileges that agree '
                              'with it (only %s may differ).' % (
                                  role, 'does not grant %s' % ', '.join(extra) if extra else '',
                                  ' and ' if extra and missing else '',
                                  'grants %s' % ', '.join(missing) if missing else '',
                                  ', '.join(sorted_privileges(undecided)) or 'none'))
            else:
                wanted['privileges'] = sorted_privileges(decided | (given & undecided))
        elif decided is not None:
            keep = current & set(UNDECIDED) & set(available)
            wanted['privileges'] = sorted_privileges(decided | keep)
        elif given is not None:
            wanted['privileges'] = sorted_privileges(given)
            if self.has_roles and current_body is None:
                wanted['role'] = derived_role(given, roles) or 'ReadOnly'
        elif current_body is None:
            wanted['privileges'] = ['login']
            if self.has_roles:
                wanted['role'] = 'ReadOnly'
        for field, key in (('enabled', 'Enabled'), ('locked', 'Locked')):
            value = params.get(field)
            if value is None:
                continue
            shown = current_body if current_body is not None else (self.accounts()[0][1] if self.accounts() else {})
            if key not in shown:
                errors.append('%s cannot be managed on this iLO: its accounts have no %s property.' % (field, key))
            elif field == 'locked' and value:
                errors.append('locked: true is not possible; iLO locks an account itself, a client can only unlock it (locked: false).')
            elif current_body is not None or field == 'enabled':
                wanted[field] = value
        return wanted

    def administrators(self, exclude=None, replace=None):
        """Login names of the enabled accounts with administer_users, ``exclude`` left out, ``replace`` = (name, values) applied."""
        found = []
        for _uri, body in self.accounts():
            name = body.get('UserName')
            if exclude is not None and same_name(name, exclude):
                continue
            privileges, enabled = privileges_of(body), body.get('Enabled', True)
            if replace is not None and same_name(name, replace[0]):
                privileges = replace[1].get('privileges', privileges)
                enabled = replace[1].get('enabled', enabled)
            if 'administer_users' in privileges and enabled is not False:
                found.append(name)
        return found

    def account(self, uri):
        """The :class:`Account` at ``uri``, read fresh (its ETag is current)."""
        return Account(self.client, uri, self.roles(), self.has_roles).reload()

    def create_body(self, name, values, password):
        """The POST body that creates account ``name`` with ``values``."""
        oem = self.service.oem_key or 'Hpe'
        body = {'UserName': name, 'Password': password}
        body.update(body_for(dict((k, v) for k, v in values.items() if k != 'privileges'), oem))
        granted = set(values.get('privileges') or ['login'])
        nested(body, ('Oem', oem, 'Privileges'), dict((KEYS[p], p in granted) for p in self.available()))
        return body


def gather_users(gatherer):
    """The ``ilo_facts`` users subset through a facts ``Gatherer`` (its tolerant reads: what fails is left out with a
    warning): every local account in ``ilo_user``'s vocabulary, ``in_use`` marking the account of this task; None
    when the service links no AccountService."""
    client = gatherer.client
    root = gatherer.service.root or {}
    uri = link_of(root.get('AccountService')) or link_of(dig(root, 'links.AccountService'))
    service_body = gatherer.get(uri) if uri else None
    if service_body is None:
        return None
    collection = link_of(service_body.get('Accounts')) or link_of(dig(service_body, 'links.Accounts'))
    bodies = gatherer.members(collection) if collection else []
    roles = None
    if not link_of(service_body.get('Roles')) and not any('RoleId' in body for body in bodies):
        roles = dict((k, list(v)) for k, v in ILO4_ROLES.items())
    in_use = client.username
    if client.session_uri and client.token:
        session = gatherer.get(client.session_uri) or {}
        in_use = session.get('UserName') or hpe_oem(session).get('UserAccount') or in_use
    return [view(body, roles, in_use or '') for body in bodies]
