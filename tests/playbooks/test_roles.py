# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's roles (power_state, bios_baseline, inventory_report) against a simulated mixed fleet.

Runs docs/examples/fleet_baseline.yml (the example users copy) with ansible-playbook against four
simulated iLOs (one iLO 4, two iLO 5, one iLO 6) and asserts on the simulators' state: power,
BIOS values applied, which servers were rebooted, sessions left open, and on the HTML report.
The starting state of each scenario is set on the simulators directly (not with more playbook
runs), with short power/POST timings (relkit.FAST).
"""

from __future__ import annotations

import os

import pytest

from ilotest import ROOT, fresh  # pylint: disable=import-error
from playkit import run_playbook  # pylint: disable=import-error
from relkit import FAST, restart_directly, stage_bios_directly  # pylint: disable=import-error

PLAYBOOK = os.path.join(ROOT, 'docs', 'examples', 'fleet_baseline.yml')
PROFILE = {'AdminName': 'Lights-Out Ops', 'ProcHyperthreading': 'Disabled'}
MODELS = {'ilo4': 'ProLiant DL380 Gen9', 'ilo5': 'ProLiant DL360 Gen10 Plus', 'ilo6': 'ProLiant DL380a Gen11'}
FIRMWARE = {'ilo4': 'iLO 4 2.80', 'ilo5': 'iLO 5 3.11', 'ilo6': 'iLO 6 1.66'}

# Off, off again, then on and waiting for POST: three plays of one run, one session per iLO for all three.
POWER_PLAYBOOK = '''---
- name: Log in, then power off
  hosts: ilo
  gather_facts: false
  connection: local
  module_defaults: &defaults
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
        power_state_state: "off"
        power_state_throttle: 2

- name: Power off again
  hosts: ilo
  gather_facts: false
  connection: local
  module_defaults: *defaults
  tasks:
    - name: Power state
      ansible.builtin.include_role:
        name: lightsout.ilo.power_state
      vars:
        power_state_state: "off"
        power_state_throttle: 2

- name: Power on, wait for POST, log out
  hosts: ilo
  gather_facts: false
  connection: local
  module_defaults: *defaults
  tasks:
    - name: Power state
      ansible.builtin.include_role:
        name: lightsout.ilo.power_state
      vars:
        power_state_state: "on"
        power_state_wait_for: post_complete
        power_state_throttle: 2
  post_tasks:
    - name: Log out
      lightsout.ilo.ilo_session:
        state: absent
      when: ilo_login.session is defined
'''


@pytest.fixture
def fleet(simulators):
    """Four simulated iLOs: {host name: (profile, Ilo, url, fleet)}, fresh, with FAST timings, and the CA file."""
    ilo5 = fresh(simulators('ilo5', count=2))
    parts = {'ilo4': fresh(simulators('ilo4')), 'ilo6': fresh(simulators('ilo6'))}
    hosts = {
        'gen9-a': ('ilo4', parts['ilo4'].ilos[0], parts['ilo4'].urls[0], parts['ilo4']),
        'gen10p-a': ('ilo5', ilo5.ilos[0], ilo5.urls[0], ilo5),
        'gen10p-b': ('ilo5', ilo5.ilos[1], ilo5.urls[1], ilo5),
        'gen11-a': ('ilo6', parts['ilo6'].ilos[0], parts['ilo6'].urls[0], parts['ilo6']),
    }
    for _profile, ilo, _url, _fleet in hosts.values():
        ilo.set_config(dict(FAST))
    yield hosts, ilo5.ca_path
    left = {name: host[1].session_info()['open'] for name, host in hosts.items() if host[1].session_info()['open']}
    assert not left, 'sessions left open: %s' % left


def run(playbook, hosts, ca_path, tmp_path, *args):
    result = run_playbook(playbook, {name: {'ansible_host': host[2]} for name, host in hosts.items()}, tmp_path, *args,
                          group_vars={'ilo_ca': ca_path}, env={'ILO_USERNAME': 'Administrator', 'ILO_PASSWORD': 'password'})
    return result.stdout + result.stderr


def system(ilo):
    return ilo.state()['systems']['1']


def test_power_state_off_then_on(fleet, tmp_path):
    """power_state across the fleet: off (4 changed), off again (4 already there), on with POST (4 changed)."""
    hosts, ca_path = fleet
    playbook = tmp_path / 'power.yml'
    playbook.write_text(POWER_PLAYBOOK)
    output = run(str(playbook), hosts, ca_path, tmp_path)
    assert output.index('power off: 4 changed, 0 already there of 4') < output.index('power off: 0 changed, 4 already there of 4') \
        < output.index('power on: 4 changed'), output[-4000:]
    # exactly one ForceOff and one On each: the second play sent nothing
    assert {name: system(host[1])['resets'] for name, host in hosts.items()} == dict.fromkeys(hosts, ['ForceOff', 'On'])
    assert all(system(host[1])['power_state'] == 'On' and system(host[1])['post_state'] == 'FinishedPost' for host in hosts.values())
    assert all(host[1].session_info()['created_total'] == 1 for host in hosts.values())


def test_fleet_baseline_example(fleet, tmp_path):
    """An Off server is powered on; a server already on the profile is not rebooted; the report lists everyone."""
    hosts, ca_path = fleet
    report = tmp_path / 'report' / 'fleet.html'
    extra = ['-e', 'fleet_report_path=%s' % report]
    # gen9-a already has the profile (applied by a restart, flat iLO 4 BIOS), gen11-a is switched off
    gen9 = hosts['gen9-a']
    stage_bios_directly(gen9[3], PROFILE, flat=True)
    restart_directly(gen9[3])
    assert {k: system(gen9[1])['bios_current'].get(k) for k in PROFILE} == PROFILE
    hosts['gen11-a'][1].set_state('1', 'Off')
    assert system(hosts['gen11-a'][1])['power_state'] == 'Off'
    resets_before = {name: len(system(host[1])['resets']) for name, host in hosts.items()}

    output = run(PLAYBOOK, hosts, ca_path, tmp_path, *extra)
    assert 'BIOS baseline (2 attributes) on 4 host(s): 4 compliant, 0 pending a reboot, 0 drifting; 3 rebooted.' in output, output[-4000:]
    for name, host in hosts.items():
        state = system(host[1])
        assert state['power_state'] == 'On', name
        assert {k: state['bios_current'].get(k) for k in PROFILE} == PROFILE, name
        assert not state['bios_pending'], name
    resets = {name: len(system(host[1])['resets']) for name, host in hosts.items()}
    assert resets['gen9-a'] == resets_before['gen9-a'], 'gen9-a already had the profile and was rebooted again'
    assert all(resets[name] > resets_before[name] for name in ('gen10p-a', 'gen10p-b', 'gen11-a')), resets

    html = report.read_text(encoding='utf-8')
    assert html.startswith('<!DOCTYPE html>')
    for name, (profile, _ilo, _url, _fleet) in hosts.items():
        assert name in html
        assert MODELS[profile] in html
        assert FIRMWARE[profile] in html
    assert '<svg' in html and '<script' not in html and 'http://' not in html.replace('http://www.w3.org/2000/svg', '')
    assert '4 iLOs, 4 servers' in html

    # a second run changes nothing and reboots nobody
    output = run(PLAYBOOK, hosts, ca_path, tmp_path, *extra)
    assert "0 rebooted" in output, output[-4000:]
    assert {name: len(system(host[1])['resets']) for name, host in hosts.items()} == resets
