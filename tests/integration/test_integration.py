# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every integration target (tests/integration/targets/*) with ansible-playbook against
the simulator, once per profile, and check that no session was left open afterwards.

A target is a role-like directory with ``tasks/main.yml``. It gets these variables:
``ilo_url`` (https://127.0.0.1:PORT), ``ilo_ca`` (the simulator's CA file), ``sim`` (the
control API base URL, for asserting the simulator's state), ``ilo_profile`` and
``ilo_generation``. A target can list the profiles it runs on in ``profiles.txt``
(default: ilo4, ilo5, ilo6, ilo7). ``mockup-ilo5``, ``mockup-ilo6`` and ``mockup-ilo7`` name the real iLO trees in
``../shared/ilo-mockups``: those cases exist only when that folder does (CI has it; set
``ILO_TEST_REQUIRE_SHARED=1`` to make its absence an error instead).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, ansible_env, fresh, open_sessions, shared_missing  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = sorted(d for d in os.listdir(os.path.join(HERE, 'targets'))
                 if os.path.isfile(os.path.join(HERE, 'targets', d, 'tasks', 'main.yml')))
DEFAULT_PROFILES = ('ilo4', 'ilo5', 'ilo6', 'ilo7')
GENERATIONS = {'ilo4': 4, 'ilo5': 5, 'ilo6': 6, 'ilo7': 7, 'moonshot': 5, 'mockup-ilo5': 5, 'mockup-ilo6': 6, 'mockup-ilo7': 7}
MOCKUPS = {'mockup-ilo5': ILO5_MOCKUP, 'mockup-ilo6': ILO6_MOCKUP, 'mockup-ilo7': ILO7_MOCKUP}


def simulator_name(profile):
    """The simulators() key of a profile name from profiles.txt."""
    return 'mockup:' + MOCKUPS[profile] if profile in MOCKUPS else profile


def profiles_of(target):
    path = os.path.join(HERE, 'targets', target, 'profiles.txt')
    if not os.path.exists(path):
        return DEFAULT_PROFILES
    with open(path, encoding='utf-8') as handle:
        return tuple(line.strip() for line in handle if line.strip() and not line.startswith('#'))


CASES = [(t, p) for t in TARGETS for p in profiles_of(t) if p not in MOCKUPS or shared_missing(MOCKUPS[p]) is None]


def run_playbook(playbook, inventory_vars, tmp_path, extra_args=()):
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text('[ilo]\nsim-ilo %s\n' % ' '.join('%s=%s' % kv for kv in inventory_vars.items()))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory), playbook] + list(extra_args)
    return subprocess.run(command, cwd=HERE, env=ansible_env(tmp_path), capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize('target,profile', CASES, ids=['%s-%s' % c for c in CASES])
def test_target(target, profile, simulators, tmp_path):
    fleet = fresh(simulators(simulator_name(profile)))
    url = fleet.urls[0]
    result = run_playbook('run_target.yml', {
        'ilo_url': url,
        'ilo_ca': fleet.ca_path,
        'sim': url + '/_sim',
        'ilo_profile': profile,
        'ilo_generation': GENERATIONS.get(profile, 0),
        'ansible_python_interpreter': sys.executable,
    }, tmp_path, extra_args=['-e', 'target=%s' % target])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert 'Traceback' not in output, output[-6000:]
    assert open_sessions(fleet) == 0, 'sessions left open: %s' % fleet.ilos[0].session_info()['open']
