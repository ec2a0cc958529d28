# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A few faults end to end through ansible-playbook: what a user sees (a failed task with a
sentence, no traceback, no MODULE FAILURE), and what the iLO saw (no repeated reset, no
session left)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ilotest import ansible_env, fresh, module_python  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))


def test_faults_through_ansible_playbook(simulators, tmp_path):
    fleet = fresh(simulators('ilo5'))
    ilo = fleet.ilos[0]
    ilo.add_fault({'kind': 'http_500', 'count': 1, 'match': {'method': 'GET', 'path': 'systems/1/bios/?$'}})
    ilo.add_fault({'kind': 'drop', 'count': 1, 'match': {'method': 'POST', 'path': 'computersystem.reset'}})
    out = tmp_path / 'out'
    out.mkdir()
    env = ansible_env(tmp_path)
    variables = tmp_path / 'vars.json'
    variables.write_text(json.dumps({'ilo_url': fleet.urls[0], 'ilo_ca': fleet.ca_path, 'out_dir': str(out),
                                     'ansible_python_interpreter': module_python()[0]}))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
               os.path.join(HERE, 'playbooks', 'faults.yml'), '-e', '@' + str(variables)]
    result = subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert 'Traceback' not in output and 'MODULE FAILURE' not in output, output[-5000:]
    results = json.loads((out / 'results.json').read_text())
    assert not results['facts'].get('failed')
    assert results['power']['failed'] and 'whether it took effect is unknown' in results['power']['msg']
    assert results['bios']['failed'] and 'NoSuchAttribute is not an attribute' in results['bios']['msg']
    counts = ilo.requests()['by_endpoint']
    assert sum(v for k, v in counts.items() if k.startswith('POST ') and 'computersystem.reset' in k) == 1
    assert not any(k.startswith(('PATCH ', 'PUT ')) for k in counts)
    info = ilo.session_info()
    assert info['open'] == [] and info['created_total'] == info['deleted_total'] == 3, info
