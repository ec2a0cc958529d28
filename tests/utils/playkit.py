# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ``ansible-playbook`` against simulated iLOs (the tests/playbooks tier).

``run_playbook(playbook, hosts, tmp_path)`` writes an inventory with one host per entry of ``hosts``
(``{name: {variable: value}}``, all in group ``ilo``; ``groups={group: hosts}`` adds other groups),
runs the playbook with the collection under
test and the test venv's Python, and returns the output; a failed run, a traceback or an
``Unsupported parameters`` error fails the test with the end of the output.

Import as ``from playkit import ...`` (tests/utils is on sys.path); never import ``conftest``.
"""

from __future__ import annotations

import os
import subprocess
import sys

from ilotest import ansible_env, module_python  # pylint: disable=import-error


def inventory(hosts, group_vars=None, groups=None):
    """INI inventory text: group ``ilo`` with ``hosts`` ({name: {var: value}}) and optional group vars (for
    every group), ``groups`` ({group: {name: {var: value}}}) more groups."""
    lines = []
    group_vars = dict(group_vars or {}, ansible_python_interpreter=module_python()[0])
    for group, members in dict(groups or {}, ilo=hosts).items():
        lines += ['[%s]' % group]
        lines += ['%s %s' % (name, ' '.join('%s=%s' % kv for kv in sorted(variables.items()))) for name, variables in members.items()]
        lines += ['', '[%s:vars]' % group] + ['%s=%s' % kv for kv in sorted(group_vars.items())] + ['']
    return '\n'.join(lines)


def run_playbook(playbook, hosts, tmp_path, *args, group_vars=None, groups=None, env=None, check=True, cwd=None):
    """Run ``playbook`` on ``hosts``; returns the CompletedProcess (``check``: assert it succeeded cleanly)."""
    path = tmp_path / 'inventory.ini'
    path.write_text(inventory(hosts, group_vars, groups))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(path), str(playbook)] + list(args)
    result = subprocess.run(command, cwd=cwd, env=ansible_env(tmp_path, **(env or {})), capture_output=True, text=True,
                            timeout=600, check=False)
    if check:
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-8000:]
        assert 'Traceback' not in output, output[-8000:]
        assert 'Unsupported parameters' not in output, output[-8000:]
    return result
