# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's roles (power_state, bios_baseline, inventory_report) against a simulated mixed fleet.

Runs docs/examples/fleet_baseline.yml (the example users copy) with ansible-playbook against four
simulated iLOs (one iLO 4, two iLO 5, one iLO 6) and asserts on the simulators' state: power,
BIOS values applied, which servers were rebooted, sessions left open, and on the HTML report.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ilotest import ROOT, ansible_env, fresh  # pylint: disable=import-error

PLAYBOOK = os.path.join(ROOT, 'docs', 'examples', 'fleet_baseline.yml')
PROFILE = {'AdminName': 'Lights-Out Ops', 'ProcHyperthreading': 'Disabled'}
MODELS = {'ilo4': 'ProLiant DL380 Gen9', 'ilo5': 'ProLiant DL360 Gen10 Plus', 'ilo6': 'ProLiant DL380a Gen11'}
FIRMWARE = {'ilo4': 'iLO 4 2.80', 'ilo5': 'iLO 5 3.11', 'ilo6': 'iLO 6 1.66'}

POWER_PLAYBOOK = '''---
- name: Power
  hosts: ilo
  gather_facts: false
  connection: local
  module_defaults:
    group/lightsout.ilo.ilo:
      hostname: "{{ ansible_host }}"
      session: "{{ ilo_login.session | default(omit) }}"
      ca_path: "{{ ilo_ca }}"
  tasks:
    - name: Log in
      lightsout.ilo.ilo_session:
      register: ilo_login
      no_log: true
    - name: Power state
      ansible.builtin.include_role:
        name: lightsout.ilo.power_state
      vars:
        power_state_throttle: 2
  post_tasks:
    - name: Log out
      lightsout.ilo.ilo_session:
        state: absent
      when: ilo_login.session is defined
'''


@pytest.fixture
def fleet(simulators):
    """Four simulated iLOs: {host name: (profile, Ilo, url)}, fresh, and the CA file."""
    ilo5 = fresh(simulators('ilo5', count=2))
    parts = {'ilo4': fresh(simulators('ilo4')), 'ilo6': fresh(simulators('ilo6'))}
    hosts = {
        'gen9-a': ('ilo4', parts['ilo4'].ilos[0], parts['ilo4'].urls[0]),
        'gen10p-a': ('ilo5', ilo5.ilos[0], ilo5.urls[0]),
        'gen10p-b': ('ilo5', ilo5.ilos[1], ilo5.urls[1]),
        'gen11-a': ('ilo6', parts['ilo6'].ilos[0], parts['ilo6'].urls[0]),
    }
    yield hosts, ilo5.ca_path
    left = {name: ilo.session_info()['open'] for name, (_profile, ilo, _url) in hosts.items() if ilo.session_info()['open']}
    assert not left, 'sessions left open: %s' % left


def run(playbook, hosts, ca_path, tmp_path, *args):
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text('[ilo]\n%s\n\n[ilo:vars]\nilo_ca=%s\nansible_python_interpreter=%s\n' % (
        '\n'.join('%s ansible_host=%s' % (name, url) for name, (_profile, _ilo, url) in hosts.items()), ca_path, sys.executable))
    env = ansible_env(tmp_path, ILO_USERNAME='Administrator', ILO_PASSWORD='password')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory), playbook] + list(args)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    assert 'Traceback' not in output, output[-8000:]
    return output


def system(ilo):
    return ilo.state()['systems']['1']


def test_power_state_off_then_on(fleet, tmp_path):
    hosts, ca_path = fleet
    playbook = tmp_path / 'power.yml'
    playbook.write_text(POWER_PLAYBOOK)
    output = run(str(playbook), hosts, ca_path, tmp_path, '-e', 'power_state_state=off')
    assert 'power off: 4 changed, 0 already there of 4' in output, output[-4000:]
    assert {name: system(ilo)['power_state'] for name, (_p, ilo, _u) in hosts.items()} == dict.fromkeys(hosts, 'Off')
    output = run(str(playbook), hosts, ca_path, tmp_path, '-e', 'power_state_state=off')
    assert 'power off: 0 changed, 4 already there of 4' in output, output[-4000:]
    output = run(str(playbook), hosts, ca_path, tmp_path, '-e', 'power_state_state=on', '-e', 'power_state_wait_for=post_complete')
    assert 'power on: 4 changed' in output, output[-4000:]
    assert all(system(ilo)['power_state'] == 'On' and system(ilo)['post_state'] == 'FinishedPost' for _p, ilo, _u in hosts.values())


def test_fleet_baseline_example(fleet, tmp_path):
    """An Off server is powered on; a server already on the profile is not rebooted; the report lists everyone."""
    hosts, ca_path = fleet
    report = tmp_path / 'report' / 'fleet.html'
    extra = ['-e', 'fleet_report_path=%s' % report]
    # gen9-a gets the profile first, gen11-a is switched off
    run(PLAYBOOK, hosts, ca_path, tmp_path, '--limit', 'gen9-a', *extra)
    assert system(hosts['gen9-a'][1])['resets'], 'gen9-a was not rebooted to apply the profile'
    playbook = tmp_path / 'power.yml'
    playbook.write_text(POWER_PLAYBOOK)
    run(str(playbook), hosts, ca_path, tmp_path, '--limit', 'gen11-a', '-e', 'power_state_state=off')
    assert system(hosts['gen11-a'][1])['power_state'] == 'Off'
    resets_before = {name: len(system(ilo)['resets']) for name, (_p, ilo, _u) in hosts.items()}

    output = run(PLAYBOOK, hosts, ca_path, tmp_path, *extra)
    assert 'BIOS baseline (2 attributes) on 4 host(s): 4 compliant, 0 pending a reboot, 0 drifting; 3 rebooted.' in output, output[-4000:]
    for name, (_profile, ilo, _url) in hosts.items():
        state = system(ilo)
        assert state['power_state'] == 'On', name
        assert {k: state['bios_current'].get(k) for k in PROFILE} == PROFILE, name
        assert not state['bios_pending'], name
    resets = {name: len(system(ilo)['resets']) for name, (_p, ilo, _u) in hosts.items()}
    assert resets['gen9-a'] == resets_before['gen9-a'], 'gen9-a already had the profile and was rebooted again'
    assert all(resets[name] > resets_before[name] for name in ('gen10p-a', 'gen10p-b', 'gen11-a')), resets

    html = report.read_text(encoding='utf-8')
    assert html.startswith('<!DOCTYPE html>')
    for name, (profile, _ilo, _url) in hosts.items():
        assert name in html
        assert MODELS[profile] in html
        assert FIRMWARE[profile] in html
    assert '<svg' in html and '<script' not in html and 'http://' not in html.replace('http://www.w3.org/2000/svg', '')
    assert '4 iLO(s), 4 server(s)' in html

    # a second run changes nothing and reboots nobody
    output = run(PLAYBOOK, hosts, ca_path, tmp_path, *extra)
    assert "0 rebooted" in output, output[-4000:]
    assert {name: len(system(ilo)['resets']) for name, (_p, ilo, _u) in hosts.items()} == resets
