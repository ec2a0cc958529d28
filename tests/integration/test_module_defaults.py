# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ``module_defaults`` block for ``group/lightsout.ilo.ilo`` works for the whole play.

Every option users put in the group's defaults (all the connection options and ``system_id``)
is accepted by every module of the action group in meta/runtime.yml: checked on the argument
specs, and by ansible-playbook on a many-system enclosure, where ``system_id`` matters.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.lightsout.ilo.plugins.module_utils.module import COMMON_ARGUMENT_SPEC, IloModule

from ilotest import ROOT, ansible_env, fresh, open_sessions  # pylint: disable=import-error

GROUP_OPTIONS = set(COMMON_ARGUMENT_SPEC) | {'system_id'}

PLAYBOOK = '''---
- name: Every module of the group under one defaults block
  hosts: ilo
  gather_facts: false
  connection: local
  module_defaults:
    group/lightsout.ilo.ilo:
      hostname: "{{ ilo_url }}"
      username: Administrator
      password: password
      session: "{{ ilo_login.session | default(omit) }}"
      auth: session
      validate_certs: true
      ca_path: "{{ ilo_ca }}"
      timeout: 30
      connect_timeout: 10
      retries: 2
      system_id: C2N1
  tasks:
    - name: Log in once (system_id is accepted and ignored)
      lightsout.ilo.ilo_session:
      register: ilo_login
      no_log: true

    - name: Facts of the named system
      lightsout.ilo.ilo_facts:
        gather_subset: [min]
      register: facts

    - name: Power of the named system
      lightsout.ilo.ilo_power:
        state: "on"
      register: power

    - name: BIOS of the named system
      lightsout.ilo.ilo_bios_settings:
        attributes:
          AdminName: Group defaults
      register: bios

    - name: Each module used the system named in the group defaults
      ansible.builtin.assert:
        that:
          - facts.ansible_facts.ilo.systems | length == 1
          - power.system_uri is search('C2N1')
          - power is not changed
          - bios is changed
          - bios.pending_reboot
  post_tasks:
    - name: Log out (system_id is accepted and ignored)
      lightsout.ilo.ilo_session:
        state: absent
      when: ilo_login.session is defined
'''


def group_modules():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['action_groups']['ilo']


def module_class(name):
    module = importlib.import_module('ansible_collections.lightsout.ilo.plugins.modules.%s' % name)
    return next(v for v in vars(module).values() if isinstance(v, type) and issubclass(v, IloModule) and v is not IloModule)


@pytest.mark.parametrize('name', group_modules())
def test_every_module_accepts_every_group_option(name):
    spec = dict(COMMON_ARGUMENT_SPEC)
    spec.update(module_class(name).argument_spec)
    assert GROUP_OPTIONS <= set(spec), sorted(GROUP_OPTIONS - set(spec))


def test_one_defaults_block_for_the_whole_play(simulators, tmp_path):
    fleet = fresh(simulators('moonshot', systems=3))
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    (tmp_path / 'inventory.ini').write_text('[ilo]\nsim-ilo ilo_url=%s ilo_ca=%s ansible_python_interpreter=%s\n'
                                            % (fleet.urls[0], fleet.ca_path, sys.executable))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(tmp_path / 'inventory.ini'),
               str(tmp_path / 'play.yml')]
    result = subprocess.run(command, env=ansible_env(tmp_path), capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert 'Unsupported parameters' not in output and 'Traceback' not in output, output[-6000:]
    assert fleet.ilos[0].state()['systems']['C2N1']['bios_pending'] == {'AdminName': 'Group defaults'}
    assert fleet.ilos[0].session_info()['created_total'] == 1
    assert open_sessions(fleet) == 0
