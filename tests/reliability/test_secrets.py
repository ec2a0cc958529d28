# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets through the real Ansible output path: ansible-playbook at -vvvv (and ANSIBLE_DEBUG=1).

The password, its Basic-auth header form and every session token the simulator handed out
must appear nowhere in stdout, stderr, the ANSIBLE_LOG_PATH log or the registered results;
the only exception is ilo_session's own result (registered under no_log, as its docs say).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from ilotest import ansible_env, fresh, module_python  # pylint: disable=import-error
from relkit import SECRET_CHECKS  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
USER = 'relsec'
PASSWORD = 'Xq7-Secret-Pw-91zz'


class RecordingSessions(dict):
    """The simulator's session table, remembering every token it ever held."""

    def __init__(self, seen):
        super().__init__()
        self.seen = seen

    def __setitem__(self, key, value):
        self.seen.append(key)
        super().__setitem__(key, value)


@pytest.fixture
def secret_sim(simulators):
    """A private simulated iLO 5 with a user whose password is distinctive, recording tokens."""
    fleet = fresh(simulators('ilo5', latency_ms=0))
    ilo = fleet.ilos[0]
    ilo.users[USER] = PASSWORD
    tokens = []
    ilo.sessions = RecordingSessions(tokens)
    yield fleet, tokens
    assert ilo.session_info()['open'] == []
    info = ilo.session_info()
    assert info['created_total'] == info['deleted_total'], info


def playbook_env(tmp_path, **extra):
    return ansible_env(tmp_path, ANSIBLE_LOG_PATH=str(tmp_path / 'ansible.log'), **extra)


def run(playbook, tmp_path, variables, env, verbosity='-vvvv'):
    extra = tmp_path / 'vars.json'
    extra.write_text(json.dumps(variables))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', verbosity,
               os.path.join(HERE, 'playbooks', playbook), '-e', '@' + str(extra)]
    return subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)


def secrets_of(tokens):
    basic = base64.b64encode(('%s:%s' % (USER, PASSWORD)).encode()).decode()
    found = {'password': PASSWORD, 'basic-auth': basic}
    for index, token in enumerate(tokens):
        found['token %d' % index] = token
    return found


def leaks(text, secrets):
    return sorted(name for name, value in secrets.items() if value and value in text)


def test_every_module_at_vvvv(secret_sim, tmp_path):
    fleet, tokens = secret_sim
    out = tmp_path / 'out'
    out.mkdir()
    variables = {'ilo_url': fleet.urls[0], 'ilo_ca': fleet.ca_path, 'ilo_user': USER, 'ilo_password': PASSWORD,
                 'out_dir': str(out), 'ansible_python_interpreter': module_python()[0]}
    result = run('secrets.yml', tmp_path, variables, playbook_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert 'Traceback' not in output
    # The play really exercised what it claims: sessions were created (with tokens) and Basic auth was used.
    assert len(tokens) >= 4, tokens
    login = json.loads((out / 'login.json').read_text())
    assert login['session']['token'] in tokens
    results = (out / 'results.json').read_text()
    parsed = json.loads(results)
    assert parsed['fail_power']['failed'] and parsed['fail_bios']['failed'] and parsed['fail_login']['failed']
    assert parsed['bios_session']['changed'] and 'diff' in parsed['bios_session']
    assert [r['action'] for r in parsed['user']['results']] == ['created', 'updated'] and 'diff' in parsed['user']['results'][1]
    secrets = secrets_of(tokens)
    places = {'stdout': result.stdout, 'stderr': result.stderr, 'log file': (tmp_path / 'ansible.log').read_text(),
              'registered results': results}
    for where, text in places.items():
        found = leaks(text, secrets)
        SECRET_CHECKS.append(('-vvvv %s' % where, len(found)))
        assert not found, '%s leaked in %s' % (found, where)
    # The only place the token may be: ilo_session's own result, registered under no_log.
    assert leaks(json.dumps(login), secrets) == ['token %d' % tokens.index(login['session']['token'])]
    # -vvvv really shows module invocations (so the absence above means something).
    assert 'module_args' in result.stdout or 'invocation' in result.stdout


def test_env_credentials_under_ansible_debug(secret_sim, tmp_path):
    fleet, tokens = secret_sim
    variables = {'ilo_url': fleet.urls[0], 'ilo_ca': fleet.ca_path, 'ansible_python_interpreter': module_python()[0]}
    env = playbook_env(tmp_path, ANSIBLE_DEBUG='1', ILO_USERNAME=USER, ILO_PASSWORD=PASSWORD)
    result = run('env_credentials.yml', tmp_path, variables, env, verbosity='-vvv')
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert 'Traceback' not in output
    assert len(tokens) >= 2, tokens
    secrets = secrets_of(tokens)
    places = {'stdout': result.stdout, 'stderr': result.stderr, 'log file': (tmp_path / 'ansible.log').read_text()}
    for where, text in places.items():
        found = leaks(text, secrets)
        SECRET_CHECKS.append(('ANSIBLE_DEBUG env credentials %s' % where, len(found)))
        assert not found, '%s leaked in %s' % (found, where)
    # ANSIBLE_DEBUG does print module arguments: a password given as an argument would be there.
    assert 'ANSIBLE_MODULE_ARGS' in output or 'module_args' in output or 'hostname' in output


def test_ansible_debug_prints_arguments_control(tmp_path):
    """The control for docs/security.md: under ANSIBLE_DEBUG=1 a password passed as a module
    argument IS printed by ansible-core (not by this collection); use ILO_PASSWORD there."""
    playbook = tmp_path / 'control.yml'
    playbook.write_text(
        '- hosts: localhost\n  gather_facts: false\n  connection: local\n  tasks:\n'
        '    - lightsout.ilo.ilo_facts: {hostname: "127.0.0.1:9", username: u, password: "%s", timeout: 1, retries: 0}\n'
        '      ignore_errors: true\n' % PASSWORD)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', str(playbook)]
    result = subprocess.run(command, cwd=str(tmp_path), env=playbook_env(tmp_path, ANSIBLE_DEBUG='1'),
                            capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert 'could not connect' in output, output[-3000:]
    assert PASSWORD in output  # printed by ansible-core's own debug output of _execute_module
