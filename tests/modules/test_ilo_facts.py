# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_facts in-process against the simulator, on every profile and the real iLO trees: gather
everything and check the schema's main values, a JMESPath query, ``min`` is cheap (check mode,
Basic auth), an unknown subset fails clearly. Every Redfish tree under ../shared, compared with
its own JSON files, is test_facts_on_every_tree.py; the Ansible way is tests/playbooks/test_smoke.py.
"""

from __future__ import annotations

import pytest

from ilotest import open_sessions  # pylint: disable=import-error
from relkit import GENERATIONS, REAL_TREES, SYNTHETIC, connection, profile_params, run_module, serve, zero_requests  # pylint: disable=import-error


@pytest.mark.parametrize('profile', profile_params(SYNTHETIC + ('moonshot',) + REAL_TREES))
def test_facts(simulators, profile):
    fleet = serve(simulators, profile, fast=False)
    generation = GENERATIONS[profile]

    everything = run_module('ilo_facts', connection(fleet, query='systems[].system.serial_number'))
    assert not everything.get('failed') and not everything['changed'], everything
    ilo = everything['ansible_facts']['ilo']
    assert ilo['service']['generation'] == generation
    assert len(ilo['systems']) >= 1
    assert ilo['systems'][0]['system']['model']
    assert ilo['systems'][0]['system']['power_state'] in ('on', 'off')
    assert ilo['systems'][0]['memory']['total_gib'] > 0
    assert len(ilo['systems'][0]['bios']['attributes']) > 0
    assert ilo['manager']['generation'] == generation
    assert len(ilo['firmware']) > 0
    assert everything['query_result'] == [s['system']['serial_number'] for s in ilo['systems']]
    assert (ilo['system'] is None) == (len(ilo['systems']) != 1)

    # min with Basic auth, in check mode: at most 4 requests, only the system subset
    zero_requests(fleet)
    minimal = run_module('ilo_facts', connection(fleet, auth='basic', gather_subset=['min']), check_mode=True)
    assert not minimal.get('failed') and not minimal['changed'], minimal
    assert fleet.ilos[0].requests()['total'] <= 4, fleet.ilos[0].requests()
    facts = minimal['ansible_facts']['ilo']
    assert facts['gather_subset'] == ['system']
    assert facts['systems'][0]['bios'] is None
    assert facts['systems'][0]['system']['serial_number'] == ilo['systems'][0]['system']['serial_number']

    bad = run_module('ilo_facts', connection(fleet, gather_subset=['cpus']))
    assert bad.get('failed') and 'crash' not in bad, bad
    assert 'cpus' in bad['msg']
    assert open_sessions(fleet) == 0
