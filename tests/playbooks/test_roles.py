# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's roles (power_state, bios_baseline, inventory_report, boot_from_iso, firmware_baseline) against a simulated mixed fleet.

Runs docs/examples/fleet_baseline.yml (the example users copy) with ansible-playbook against four
simulated iLOs (one iLO 4, two iLO 5, one iLO 6) and asserts on the simulators' state: power,
BIOS values applied, which servers were rebooted, sessions left open, and on the HTML report.
The starting state of each scenario is set on the simulators directly (not with more playbook
runs), with short power/POST timings (relkit.FAST).
"""

from __future__ import annotations

import base64
import json
import os
import zipfile

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

- name: Accounts across the fleet (the accounts role)
  hosts: ilo
  gather_facts: false
  connection: local
  module_defaults: *defaults
  tasks:
    - name: Accounts
      ansible.builtin.include_role:
        name: lightsout.ilo.accounts
      vars:
        accounts_users:
          - {name: monitor, display_name: Monitoring, role: ReadOnly, password: "{{ accounts_test_password }}"}
          - {name: ops, privileges: [login, remote_console, virtual_media], password: "{{ accounts_test_password }}"}
        accounts_remove_unlisted: true
        accounts_keep: [administrator]

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

- name: Boot once from an ISO (the boot_from_iso role, in check mode and for real), log out
  hosts: ilo
  gather_facts: false
  connection: local
  module_defaults: *defaults
  tasks:
    - name: Boot from the ISO, check mode
      ansible.builtin.include_role:
        name: lightsout.ilo.boot_from_iso
        apply:
          check_mode: true
      vars: &iso
        boot_from_iso_url: http://repo.example.com/iso/installer.iso
        boot_from_iso_throttle: 2
        boot_from_iso_wait_timeout: 60
    - name: Boot from the ISO, then wait for a condition of our own
      ansible.builtin.include_role:
        name: lightsout.ilo.boot_from_iso
      vars:
        <<: *iso
        boot_from_iso_wait_tasks: "{{ playbook_dir }}/installer_up.yml"
  post_tasks:
    - name: Log out
      lightsout.ilo.ilo_session:
        state: absent
      when: ilo_login.session is defined

- name: Firmware baseline (the firmware_baseline role) on three more iLOs, two at a time; each task logs in itself
  hosts: firmware
  gather_facts: false
  connection: local
  module_defaults:
    group/lightsout.ilo.ilo:
      hostname: "{{ ansible_host }}"
      ca_path: "{{ ilo_ca }}"
  tasks:
    - name: Firmware baseline
      ansible.builtin.include_role:
        name: lightsout.ilo.firmware_baseline
      vars:
        firmware_baseline_packages:
          - image_path: "{{ firmware_test_ilo_package }}"
          - image_path: "{{ firmware_test_rom_package }}"
        firmware_baseline_batch: 2
        firmware_baseline_wait_timeout: 120
'''

# boot_from_iso_wait_tasks: the user's own condition after the restart (here: the facts show POST finished)
INSTALLER_UP = '''---
- name: Wait until the facts show the server out of POST
  lightsout.ilo.ilo_facts:
    gather_subset: [min]
  register: installer_up
  until: installer_up.ansible_facts.ilo.systems[0].system.post_state == 'finished_post'
  retries: 5
  delay: 1
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


def run(playbook, hosts, ca_path, tmp_path, *args, groups=None):
    result = run_playbook(playbook, {name: {'ansible_host': host[2]} for name, host in hosts.items()}, tmp_path, *args,
                          group_vars={'ilo_ca': ca_path}, env={'ILO_USERNAME': 'Administrator', 'ILO_PASSWORD': 'password'},
                          groups=dict((group, {name: {'ansible_host': host[2]} for name, host in members.items()})
                                      for group, members in (groups or {}).items()))
    return result.stdout + result.stderr


def system(ilo):
    return ilo.state()['systems']['1']


def fwpkg(path, version, targets, uefi=False):
    """A tiny synthetic .fwpkg (payload.json with HPE's field names, a small image)."""
    payload = {'Version': version, 'UpdatableBy': ['Uefi' if uefi else 'Bmc'],
               'Devices': {'Device': [{'DeviceName': 'System ROM' if uefi else 'iLO', 'Target': t} for t in targets]},
               'FirmwareImages': [{'FileName': 'image.bin', 'DirectFlashOK': not uefi, 'UefiFlashable': uefi}]}
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('payload.json', json.dumps(payload))
        archive.writestr('image.bin', b'\0' * 4096)
    return str(path)


@pytest.fixture
def firmware_fleet(simulators, tmp_path):
    """Three more iLOs for the firmware_baseline play ({name: (profile, Ilo, url, fleet)}) and its -e arguments: an iLO 7
    firmware package (fw7-a gets it, fw7-b is already at its version) and a UEFI System ROM package for the iLO 5 (fw5-c)."""
    ilo7 = fresh(simulators('ilo7', count=2))
    ilo5 = fresh(simulators('ilo5'))
    hosts = {'fw7-a': ('ilo7', ilo7.ilos[0], ilo7.urls[0], ilo7), 'fw7-b': ('ilo7', ilo7.ilos[1], ilo7.urls[1], ilo7),
             'fw5-c': ('ilo5', ilo5.ilos[0], ilo5.urls[0], ilo5)}
    for _profile, ilo, _url, _fleet in hosts.values():
        ilo.set_config(dict(FAST, firmware_step_s=0.05, manager_reset_down_s=0.2, manager_reset_not_ready_s=0.2))
    items = {name: dict((body['Name'], (key, body)) for key, body in host[1]._fw_items())  # pylint: disable=protected-access
             for name, host in hosts.items()}
    ilo_key, ilo_body = items['fw7-a']['iLO 7']
    hosts['fw7-b'][1].mutable(ilo_key)['Version'] = '1.15.00'
    rom = items['fw5-c']['System ROM'][1]
    arguments = ['-e', 'firmware_test_ilo_package=%s' % fwpkg(tmp_path / 'ilo7_1.15.00.fwpkg', '1.15.00', ilo_body['Oem']['Hpe']['Targets']),
                 '-e', 'firmware_test_rom_package=%s' % fwpkg(tmp_path / 'U46_2.99.fwpkg', 'U46 v2.99', rom['Oem']['Hpe']['Targets'], uefi=True)]
    yield hosts, arguments, items
    left = {name: host[1].session_info()['open'] for name, host in hosts.items() if host[1].session_info()['open']}
    assert not left, 'sessions left open: %s' % left


def test_power_state_off_then_on(fleet, firmware_fleet, tmp_path):
    """power_state across the fleet: off (4 changed), off again (4 already there), on with POST (4 changed);
    between them the accounts role: two accounts created on every iLO, one unlisted account removed; then
    boot_from_iso in check mode (nothing written) and for real: the ISO inserted, one boot from it, ejected, override off."""
    hosts, ca_path = fleet
    playbook = tmp_path / 'power.yml'
    playbook.write_text(POWER_PLAYBOOK)
    (tmp_path / 'installer_up.yml').write_text(INSTALLER_UP)
    leaver = hosts['gen10p-b']
    answer = leaver[1].handle('POST', '/redfish/v1/AccountService/Accounts/', {'Authorization': 'Basic ' + base64.b64encode(
        b'Administrator:password').decode()}, json.dumps({'UserName': 'leaver', 'Password': 'Leaver-Passw0rd'}).encode())
    assert answer.status == 201 and leaver[1].users.get('leaver')
    firmware_hosts, firmware_arguments, firmware_items = firmware_fleet
    output = run(str(playbook), hosts, ca_path, tmp_path, '-e', 'accounts_test_password=Acc0unt-Secret-42', *firmware_arguments,
                 groups={'firmware': firmware_hosts})
    # firmware_baseline: fw7-a flashed (its iLO reset itself), fw7-b already at version (nothing uploaded), fw5-c's UEFI
    # package queued, that server alone rebooted and the ROM applied; each package not for a server skipped
    assert ('firmware baseline (2 packages) on 3 host(s): 3 compliant, 0 pending a reboot, 0 drifting; 2 updated, 1 rebooted. '
            'fw7-a: compliant, updated ilo7_1.15.00.fwpkg; fw7-b: compliant, at version; fw5-c: compliant (reboot), updated '
            'U46_2.99.fwpkg') in output, output[-4000:]
    fw = dict((name, host[1]) for name, host in firmware_hosts.items())
    assert [f['name'] for f in fw['fw7-a'].fw_log()['uploads']] == ['ilo7_1.15.00.fwpkg'] and fw['fw7-b'].fw_log()['uploads'] == []
    assert fw['fw7-a'].state()['manager_resets'] == ['FirmwareUpdate'] and fw['fw7-b'].state()['manager_resets'] == []
    assert fw['fw7-a'].body(firmware_items['fw7-a']['iLO 7'][0])['Version'] == '1.15.00'
    assert fw['fw5-c'].body(firmware_items['fw5-c']['System ROM'][0])['Version'] == 'U46 v2.99'
    assert {name: len(system(ilo)['resets']) for name, ilo in fw.items()} == {'fw7-a': 0, 'fw7-b': 0, 'fw5-c': 1}
    assert 'accounts (2 listed) on 4 iLOs: 8 created, 0 updated, 0 deleted, 0 unchanged; 1 unlisted removed' in output, output[-4000:]
    assert 'Acc0unt-Secret-42' not in output
    for name, host in hosts.items():
        assert host[1].users.get('monitor') == host[1].users.get('ops') == 'Acc0unt-Secret-42', name
        assert 'leaver' not in host[1].users and host[1].users.get('Administrator') == 'password', name
    assert output.index('power off: 4 changed, 0 already there of 4') < output.index('power off: 0 changed, 4 already there of 4') \
        < output.index('power on: 4 changed'), output[-4000:]
    # exactly one ForceOff and one On each: the second play sent nothing
    # then boot_from_iso: one ForceRestart each, that boot from the ISO on the virtual CD, then ejected, override off
    assert {name: system(host[1])['resets'] for name, host in hosts.items()} == dict.fromkeys(hosts, ['ForceOff', 'On', 'ForceRestart'])
    iso = 'http://repo.example.com/iso/installer.iso'
    assert output.count('would insert installer.iso on 2, one-time boot Cd, would restart, would eject, override would be off') == 4
    assert output.count('inserted installer.iso on 2, one-time boot Cd, restarted, FinishedPost, ejected, override off, '
                        'waited for installer_up.yml') == 4, output[-4000:]
    for name, host in hosts.items():
        assert host[1].boot_log['1'] == ['BootOrder', 'Cd ' + iso], name
        cd = host[1].body('/redfish/v1/managers/1/virtualmedia/2')
        assert cd['Image'] == '' and not cd['Inserted'], name
        boot = host[1].body('/redfish/v1/systems/1')['Boot']
        assert boot['BootSourceOverrideEnabled'] == 'Disabled' and boot['BootSourceOverrideTarget'] == 'None', name
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
