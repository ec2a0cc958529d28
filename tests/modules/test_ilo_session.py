# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_session in-process against the simulator, on every synthetic profile: login returns a working
token, logout removes it, both idempotent; check mode writes nothing; a wrong password fails clearly
after exactly one attempt. The Ansible way (login/logout around a play) is tests/playbooks/test_smoke.py.
"""

from __future__ import annotations

import pytest

from relkit import (GENERATIONS, SYNTHETIC, assert_clear_failure, connection, profile_params, redfish, run_module, serve,  # pylint: disable=import-error
                    sessions, zero_requests)


@pytest.mark.parametrize('profile', profile_params(SYNTHETIC))
def test_login_logout(simulators, profile):
    fleet = serve(simulators, profile, fast=False)
    before = sessions(fleet)

    login = run_module('ilo_session', connection(fleet))
    assert login.get('changed') and not login.get('failed'), login
    session = login['session']
    assert len(session['token']) == 32
    assert '/Sessions/' in session['uri']
    assert session['hostname'] == fleet.urls[0]
    assert login['ilo']['generation'] == GENERATIONS[profile]
    status, _body = redfish(fleet, 'GET', '/redfish/v1/Systems/', token=session['token'])
    assert status == 200
    after_login = sessions(fleet)
    assert len(after_login['open']) == 1
    assert after_login['created_total'] == before['created_total'] + 1

    logout_args = {'state': 'absent', 'session': session, 'ca_path': fleet.ca_path}
    logout_check = run_module('ilo_session', logout_args, check_mode=True)
    assert logout_check.get('changed') and not logout_check.get('failed'), logout_check
    after_check = sessions(fleet)
    assert len(after_check['open']) == 1
    assert after_check['created_total'] == after_login['created_total']

    # logging out is one DELETE (its answer says whether the session was still there)
    zero_requests(fleet)
    logout = run_module('ilo_session', logout_args)
    assert fleet.ilos[0].requests()['by_method'] == {'DELETE': 1}
    logout_again = run_module('ilo_session', logout_args)
    logout_again_check = run_module('ilo_session', logout_args, check_mode=True)
    assert logout.get('changed') and not logout.get('failed'), logout
    assert logout_again.get('changed') is False and not logout_again.get('failed'), logout_again
    assert logout_again_check.get('changed') is False and not logout_again_check.get('failed'), logout_again_check
    after_logout = sessions(fleet)
    assert after_logout['open'] == []

    login_check = run_module('ilo_session', connection(fleet), check_mode=True)
    assert login_check.get('changed') and not login_check.get('failed'), login_check
    assert 'session' not in login_check
    assert sessions(fleet)['created_total'] == after_logout['created_total']


@pytest.mark.parametrize('profile', profile_params(SYNTHETIC))
def test_wrong_password_fails_after_one_attempt(simulators, profile):
    fleet = serve(simulators, profile, fast=False)
    before = sessions(fleet)
    zero_requests(fleet)
    bad = run_module('ilo_session', connection(fleet, password='not-the-password'))
    msg = assert_clear_failure(bad, http=True)
    assert 'rejected the user name or password' in msg
    assert bad['error']['status'] == 401
    assert not bad.get('changed')
    assert 'module_stderr' not in bad
    assert fleet.ilos[0].requests()['by_method']['POST'] == 1
    after = sessions(fleet)
    assert after['failed_logins'] == before['failed_logins'] + 1
    assert after['open'] == []
