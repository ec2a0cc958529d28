# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_power and ilo_bios_settings on every Redfish tree under ../shared (issue 15, acceptance).

The same trees as test_facts_on_every_tree.py, each served by the simulator's mockup mode, every
system of each tree. What the modules do is checked against the raw JSON of the tree (the
system's PowerState and its Reset target, the BIOS attributes and the settings object the
tree names) and against the simulator's request log: a no-op writes nothing, a restart is one
POST to the tree's own Reset target, a BIOS change is one PATCH of the settings object and a
second run changes nothing. A system without a Bios resource fails clearly and writes nothing.
"""

from __future__ import annotations

import os

import pytest

from test_facts_on_every_tree import TREES, RawTree  # pylint: disable=import-error

from ilotest import SHARED, fresh  # pylint: disable=import-error
from relkit import assert_clear_failure, connection, run_module  # pylint: disable=import-error,wrong-import-order

FAST = {'post_duration_s': 0.2, 'power_duration_s': 0.05, 'graceful_shutdown_s': 0.1}
CASES = [(name, system['Id']) for name in TREES for system in RawTree(os.path.join(SHARED, name)).systems()]


def serve(simulators, name, system_id):
    """The raw tree, the raw system and a fresh simulator serving the tree."""
    tree = RawTree(os.path.join(SHARED, name))
    system = [s for s in tree.systems() if s['Id'] == system_id][0]
    fleet = fresh(simulators('mockup:' + os.path.join(SHARED, name)))
    fleet.ilos[0].set_config(dict(FAST))
    return tree, system, fleet


@pytest.fixture
def short_evidence_grace(monkeypatch):
    """A tree that shows no reset evidence (no PostState, BootProgress or LastResetTime change) makes
    ilo_power wait EVIDENCE_GRACE (10 s) before it reports reset_confirmed: false; 1 s shows the same."""
    from ansible_collections.lightsout.ilo.plugins.module_utils import power  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(power, 'EVIDENCE_GRACE', 1.0)


def writes(fleet):
    return sorted(k for k, n in fleet.ilos[0].requests()['by_endpoint'].items()
                  for _index in range(n) if k.split(' ')[0] in ('POST', 'PATCH', 'PUT', 'DELETE')
                  and 'sessionservice/sessions' not in k)


def norm(uri):
    return uri.lower().rstrip('/')


@pytest.mark.skipif(not CASES, reason='no Redfish trees under %s' % SHARED)
@pytest.mark.parametrize('name,system_id', CASES or [('none', 'none')])
def test_power_on_every_tree(simulators, name, system_id, short_evidence_grace):  # pylint: disable=redefined-outer-name,unused-argument
    _tree, system, fleet = serve(simulators, name, system_id)
    state = 'on' if system.get('PowerState') == 'On' else 'off'
    result = run_module('ilo_power', connection(fleet, state=state, system_id=system_id))
    assert not result.get('failed') and result['changed'] is False, result
    assert writes(fleet) == []
    result = run_module('ilo_power', connection(fleet, state='restarted', system_id=system_id, wait_timeout=60))
    assert not result.get('failed') and result['changed'] is True, result
    target = system['Actions']['#ComputerSystem.Reset']['target']
    assert writes(fleet) == ['POST ' + norm(target)], writes(fleet)
    # a tree with PostState, BootProgress or LastResetTime shows the reset; on one without, that is said, not hidden
    shows = bool({'BootProgress', 'LastResetTime'} & set(system)) or 'PostState' in ((system.get('Oem') or {}).get('Hpe') or {})
    assert result['reset_confirmed'] is shows, result
    if not result['reset_confirmed']:
        assert any('reset_confirmed' in w for w in result.get('warnings', [])), result


@pytest.mark.skipif(not CASES, reason='no Redfish trees under %s' % SHARED)
@pytest.mark.parametrize('name,system_id', CASES or [('none', 'none')])
def test_bios_on_every_tree(simulators, name, system_id):
    tree, system, fleet = serve(simulators, name, system_id)
    bios_link = (system.get('Bios') or {}).get('@odata.id')
    if not bios_link:
        result = run_module('ilo_bios_settings', connection(fleet, system_id=system_id, attributes={'AdminName': 'x'}))
        assert 'Bios' in assert_clear_failure(result) or 'BIOS' in result['msg'], result['msg']
        assert writes(fleet) == []
        return
    bios = tree.get(bios_link)
    # a string attribute (free text on every tree): the new value is valid whatever the registry says
    name_, current = [(k, v) for k, v in sorted(bios['Attributes'].items()) if isinstance(v, str) and k.startswith('Admin')][0]
    wanted = (current + ' lightsout')[:14] if current else 'lightsout'
    args = connection(fleet, system_id=system_id, attributes={name_: wanted})
    assert run_module('ilo_bios_settings', args, check_mode=True)['changed'] is True
    assert writes(fleet) == []
    result = run_module('ilo_bios_settings', args)
    assert not result.get('failed') and result['changed'] is True, result
    settings = ((bios.get('@Redfish.Settings') or {}).get('SettingsObject') or {}).get('@odata.id') or bios_link
    assert writes(fleet) == ['PATCH ' + norm(settings)], writes(fleet)
    again = run_module('ilo_bios_settings', args)
    assert not again.get('failed') and again['changed'] is False, again
    assert writes(fleet) == ['PATCH ' + norm(settings)]
