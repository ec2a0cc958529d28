# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local accounts as pure logic on JSON bodies: the vocabulary (privileges, roles, display name) read from the real
iLO 5/6/7 trees under ../shared and an iLO 4 sample written here after the public iLO 4 samples, the desired values
and every validation message, the Redfish bodies written (only what changes; never a password but in the write),
the password policy, iLO's refusals as one sentence, and the last-administrator rule. No HTTP: a small read-only
service over the bodies."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils.accounts import (
    Accounts,
    body_for,
    derived_role,
    password_problems,
    privileges_of,
    role_privileges,
    view,
    write_error,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.body import normalize_uri
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloHTTPError

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, require_shared  # pylint: disable=import-error

TREES = {'ilo5': ILO5_MOCKUP, 'ilo6': ILO6_MOCKUP, 'ilo7': ILO7_MOCKUP}
ALL_TEN = ['login', 'remote_console', 'virtual_power_and_reset', 'virtual_media', 'host_bios', 'host_nic', 'host_storage',
           'configure_ilo', 'administer_users', 'recovery_set']
ILO4_ADMIN = {'UserName': 'Administrator', 'Id': '1', 'Type': 'ManagerAccount.1.0.0', 'links': {'self': {'href': '/rest/v1/AccountService/Accounts/1'}},
              'Oem': {'Hp': {'LoginName': 'Administrator', 'Privileges': {
                  'RemoteConsolePriv': 'true', 'iLOConfigPriv': 'true', 'VirtualMediaPriv': 'true', 'UserConfigPriv': 'true',
                  'VirtualPowerAndResetPriv': 'true', 'LoginPriv': 'true'}}}, 'Password': None}
ILO4_OPERATOR = {'UserName': 'ops', 'Id': '2', 'Oem': {'Hp': {'LoginName': 'Operations', 'Privileges': {
    'RemoteConsolePriv': True, 'iLOConfigPriv': False, 'VirtualMediaPriv': True, 'UserConfigPriv': False,
    'VirtualPowerAndResetPriv': True, 'LoginPriv': True}}}}


class Response:
    def __init__(self, body):
        self.json = body
        self.etag = None
        self.messages = []


class Client:
    """Reads from ``{uri: body}``; nothing else."""

    base_url = 'https://ilo.example'

    def __init__(self, bodies, username='Administrator'):
        self.bodies = dict((normalize_uri(k), v) for k, v in bodies.items())
        self.username = username
        self.password = 'not-used'
        self.session_uri = self.token = None

    def get(self, uri, fresh=False):  # pylint: disable=unused-argument
        return Response(self.bodies[normalize_uri(uri)])

    def forget(self, uri=None):
        pass


class Service:
    def __init__(self, bodies, generation, username='Administrator'):
        self.client = Client(bodies, username)
        self.root = self.client.bodies['/redfish/v1']
        self.generation = generation
        self.oem_key = 'Hp' if generation == 4 else 'Hpe'

    def members(self, uri):
        body = self.client.bodies[normalize_uri(uri)]
        return [m.get('@odata.id') or m.get('href') for m in body.get('Members') or body.get('links', {}).get('Member') or []]


def tree_bodies(path):
    """The AccountService part of a real tree: ``{uri: body}``."""
    bodies = {}
    base = os.path.join(path, 'redfish', 'v1')
    for directory, _dirs, files in os.walk(os.path.join(base, 'AccountService')):
        if 'index.json' in files:
            with open(os.path.join(directory, 'index.json'), encoding='utf-8') as handle:
                body = json.load(handle)
            bodies[body.get('@odata.id') or directory[len(path):]] = body
    with open(os.path.join(base, 'index.json'), encoding='utf-8') as handle:
        bodies['/redfish/v1/'] = json.load(handle)
    return bodies


def ilo4_bodies(*accounts):
    accounts = accounts or (ILO4_ADMIN,)
    bodies = {'/redfish/v1/': {'Oem': {'Hp': {}}, 'AccountService': {'@odata.id': '/redfish/v1/AccountService/'}},
              '/redfish/v1/AccountService/': {'Accounts': {'@odata.id': '/redfish/v1/AccountService/Accounts/'}, 'MinPasswordLength': 8,
                                              'Oem': {'Hp': {'MinPasswordLength': 8}}},
              '/redfish/v1/AccountService/Accounts/': {'Members': [{'@odata.id': '/redfish/v1/AccountService/Accounts/%s/' % a['Id']}
                                                                   for a in accounts]}}
    for item in accounts:
        bodies['/redfish/v1/AccountService/Accounts/%s/' % item['Id']] = item
    return bodies


def params(**given):
    found = dict(name='someone', display_name=None, role=None, privileges=None, enabled=None, locked=None)
    found.update(given)
    return found


@pytest.fixture(params=sorted(TREES))
def real(request):
    """(generation, Accounts) over a real tree's AccountService."""
    path = require_shared(TREES[request.param])
    return int(request.param[-1]), Accounts(Service(tree_bodies(path), int(request.param[-1])))


# ------------------------------------------------------------------ vocabulary on the real trees


def test_real_trees_accounts_and_roles_in_the_vocabulary(real):
    _generation, accounts = real
    found = [view(body) for _uri, body in accounts.accounts()]
    assert found and all(a['name'] and a['display_name'] and a['role'] == 'Administrator' and a['enabled'] is True for a in found)
    assert all(set(a['privileges']) <= set(ALL_TEN) and 'login' in a['privileges'] for a in found)
    assert accounts.available() == ALL_TEN
    roles = accounts.roles()
    assert sorted(roles) == ['Administrator', 'Operator', 'ReadOnly']  # directory group roles are not accounts' roles
    assert roles['Administrator'] == [p for p in ALL_TEN if p != 'recovery_set']
    assert roles['Operator'] == ['login', 'remote_console', 'virtual_power_and_reset', 'virtual_media', 'host_bios', 'host_nic', 'host_storage']
    assert roles['ReadOnly'] == ['login']
    assert accounts.policy() == {'min_length': 8, 'complexity': False}
    assert role_privileges({'AssignedPrivileges': ['Login', 'ConfigureSelf'], 'OemPrivileges': ['VirtualMediaPriv', 'NoSuchPriv']}) == [
        'login', 'virtual_media']
    # every account shows a Password of null and the view never has one
    assert all(body['Password'] is None and 'password' not in view(body) for _uri, body in accounts.accounts())


def test_real_ilo7_account_without_recovery_is_still_administrator():
    path = require_shared(ILO7_MOCKUP)
    accounts = Accounts(Service(tree_bodies(path), 7))
    body = accounts.find('ctobmaas')[1]
    assert 'recovery_set' not in privileges_of(body) and body['RoleId'] == 'Administrator'
    assert derived_role(privileges_of(body), accounts.roles()) == 'Administrator'


def test_ilo4_strings_privileges_and_derived_role():
    accounts = Accounts(Service(ilo4_bodies(ILO4_ADMIN, ILO4_OPERATOR), 4))
    assert not accounts.has_roles and accounts.available() == ['login', 'remote_console', 'virtual_power_and_reset', 'virtual_media',
                                                               'configure_ilo', 'administer_users']
    admin, ops = [view(body, accounts.roles(), in_use='ADMINISTRATOR') for _uri, body in accounts.accounts()]
    assert admin['role'] == 'Administrator' and admin['in_use'] and admin['uri'] == '/rest/v1/AccountService/Accounts/1'
    assert ops['role'] == 'Operator' and ops['display_name'] == 'Operations' and not ops['in_use'] and ops['enabled'] is None
    assert accounts.find('OPS')[1] is ILO4_OPERATOR  # login names are found without regard to case


# ------------------------------------------------------------------ desired values and validation


def test_role_only_keeps_recovery_set_and_role_with_agreeing_privileges(real):
    _generation, accounts = real
    errors = []
    current = {'RoleId': 'Administrator', 'Oem': {'Hpe': {'LoginName': 'x', 'Privileges': dict((k, True) for k in (
        'LoginPriv', 'SystemRecoveryConfigPriv', 'UserConfigPriv'))}}}
    assert accounts.desired(params(role='operator'), current, errors) == {
        'role': 'Operator', 'privileges': ['login', 'remote_console', 'virtual_power_and_reset', 'virtual_media', 'host_bios', 'host_nic',
                                           'host_storage', 'recovery_set']}
    wanted = accounts.desired(params(role='ReadOnly', privileges=['recovery_set']), None, errors)
    assert wanted == {'display_name': 'someone', 'role': 'ReadOnly', 'privileges': ['login', 'recovery_set']} and errors == []


def test_contradictions_unknown_names_and_options_the_ilo_lacks_are_all_reported(real):
    _generation, accounts = real
    errors = []
    accounts.desired(params(role='ReadOnly', privileges=['login', 'Administer Users']), None, errors)
    accounts.desired(params(role='Operator', privileges=['login', 'remote_console']), None, errors)
    accounts.desired(params(role='Janitor', privileges=['remote_consol', 'make_coffee'], locked=True, display_name='x' * 40), None, errors)
    assert errors[0] == ('role ReadOnly contradicts privileges: the role does not grant administer_users. Give only the role, or '
                         'privileges that agree with it (only recovery_set may differ).')
    assert 'the role grants virtual_power_and_reset, virtual_media, host_bios, host_nic, host_storage' in errors[1]
    assert "display_name must have 1 to 39 characters, not 40." in errors
    assert "role 'Janitor' is not a role of this iLO; valid: Administrator, Operator, ReadOnly." in errors
    assert any("privilege 'remote_consol' is unknown (did you mean remote_console?)" in e for e in errors)
    assert any("privilege 'make_coffee' is unknown; valid on this iLO: login, remote_console" in e for e in errors)
    assert any('locked cannot be managed on this iLO: its accounts have no Locked property.' == e for e in errors)
    assert len(errors) == 7


def test_ilo4_role_mapping_and_refusals():
    accounts = Accounts(Service(ilo4_bodies(), 4))
    errors = []
    assert accounts.desired(params(role='Operator'), None, errors) == {
        'display_name': 'someone', 'privileges': ['login', 'remote_console', 'virtual_power_and_reset', 'virtual_media']}
    assert accounts.desired(params(privileges=['virtual_media']), ILO4_OPERATOR, errors) == {'privileges': ['login', 'virtual_media']}
    accounts.desired(params(privileges=['host_bios'], enabled=False), None, errors)
    assert errors == ['privilege host_bios does not exist on this iLO (generation 4); it has: login, remote_console, virtual_power_and_reset, '
                      'virtual_media, configure_ilo, administer_users.',
                      'enabled cannot be managed on this iLO: its accounts have no Enabled property.']


def test_privileges_alone_on_create_name_the_matching_role(real):
    _generation, accounts = real
    errors = []
    assert accounts.desired(params(privileges=['login']), None, errors)['role'] == 'ReadOnly'
    assert accounts.desired(params(), None, errors) == {'display_name': 'someone', 'privileges': ['login'], 'role': 'ReadOnly'}
    assert not errors


# ------------------------------------------------------------------ bodies written


def test_patch_body_sends_only_changed_privileges_and_the_password_only_when_asked():
    current = ['login', 'remote_console', 'administer_users']
    body = body_for({'privileges': ['login', 'virtual_media'], 'display_name': 'Ops'}, 'Hpe', current=current)
    assert body == {'Oem': {'Hpe': {'LoginName': 'Ops', 'Privileges': {
        'RemoteConsolePriv': False, 'VirtualMediaPriv': True, 'UserConfigPriv': False}}}}
    assert body_for({'password': '(new password, not shown)', 'enabled': False}, 'Hp', password='S3cret-Pass') == {
        'Password': 'S3cret-Pass', 'Enabled': False}
    assert 'Password' not in json.dumps(body_for({'role': 'Operator'}, 'Hpe', password='S3cret-Pass'))


def test_create_body_has_every_privilege_of_the_ilo():
    accounts = Accounts(Service(ilo4_bodies(), 4))
    body = accounts.create_body('ops', {'display_name': 'Ops', 'privileges': ['login', 'virtual_media']}, 'S3cret-Pass')
    assert body == {'UserName': 'ops', 'Password': 'S3cret-Pass', 'Oem': {'Hp': {'LoginName': 'Ops', 'Privileges': {
        'LoginPriv': True, 'RemoteConsolePriv': False, 'VirtualPowerAndResetPriv': False, 'VirtualMediaPriv': True,
        'iLOConfigPriv': False, 'UserConfigPriv': False}}}}


# ------------------------------------------------------------------ password policy and iLO's refusals


def test_password_policy():
    assert password_problems('Abcdef1!', {'min_length': 8, 'complexity': True}) == []
    assert password_problems('short', {'min_length': 8}) == ['the password has 5 characters; this iLO requires 8 to 39 (MinPasswordLength 8)']
    assert password_problems('x' * 40, {'min_length': 0})[0].startswith('the password has 40 characters')
    problems = password_problems('alllowercase', {'min_length': 8, 'complexity': True})
    assert len(problems) == 1 and 'three of upper case, lower case, digits and other characters, it has 1' in problems[0]


def test_ilo_refusals_are_one_sentence_with_arguments_and_never_the_password():
    exc = IloHTTPError('PATCH /x failed with HTTP 400: iLO.2.14.InvalidPasswordLength', method='PATCH', uri='/x', status=400, messages=[
        {'MessageId': 'iLO.2.14.InvalidPasswordLength', 'MessageArgs': ['8', '39'],
         'Message': 'A valid password must contain between %1 to %2 characters.'},
        {'MessageId': 'Base.1.4.PropertyValueTypeError', 'MessageArgs': ['tiny', 'Password'],
         'Message': 'The value %1 for the property %2 is of a different type than the property can accept.'}])
    error = write_error(exc, 'change', 'ops', 'tiny')
    assert error.message == ('iLO refused the password of account ops: A valid password must contain between 8 to 39 characters; The value '
                             '******** for the property Password is of a different type than the property can accept. Nothing was changed '
                             'by this request.')
    assert 'tiny' not in json.dumps(error.to_dict()) and error.status == 400 and error.uri == '/x'
    other = write_error(IloHTTPError('x', status=400, messages=[{'MessageId': 'iLO.2.30.UserAlreadyExist',
                                                                 'Message': 'The user or login user name already exists.'}]),
                        'create', 'a2')
    assert other.message == 'iLO refused to create account a2 (HTTP 400): The user or login user name already exists.'
    assert write_error(IloHTTPError('x', status=500), 'delete', 'a2') is None


# ------------------------------------------------------------------ the last user administrator


def test_last_administrator():
    accounts = Accounts(Service(ilo4_bodies(ILO4_ADMIN, ILO4_OPERATOR), 4))
    assert accounts.administrators() == ['Administrator']
    assert accounts.administrators(exclude='administrator') == []
    assert accounts.administrators(replace=('Administrator', {'privileges': ['login']})) == []
    assert accounts.administrators(replace=('ops', {'privileges': ['login', 'administer_users']})) == ['Administrator', 'ops']
