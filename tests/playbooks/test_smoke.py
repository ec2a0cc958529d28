# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One smoke per module x generation through ansible-playbook (smoke.yml): iLO 4, 5, 6, 7 and a
Moonshot enclosure as five hosts of ONE run (forks 6), one simulator each; in the same run, a
second play runs ilo_power on a plain DMTF Redfish service (UUID system id, no Oem, Basic auth only).

It proves what only ansible-playbook shows: the plugins load through AnsiballZ, one
``module_defaults`` block for ``group/lightsout.ilo.ilo`` with every group option (all the
connection options and ``system_id``) is accepted by every module of the action group, the
session from ilo_session is used by the other modules, check mode and ``--diff`` reach the modules.
The playbook asserts on the results; this test on what reached each simulator. The scenarios are
tested in-process by tests/modules; that every module takes every group option is also checked on
the argument specs (tests/modules/test_module_defaults.py).
"""

from __future__ import annotations

import os
import re
import sys

import ilosim  # pylint: disable=import-error

from ilotest import fresh, open_sessions  # pylint: disable=import-error
from playkit import run_playbook  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'unit', 'plugins', 'module_utils'))
from test_power import dmtf_tree  # noqa: E402  pylint: disable=import-error,wrong-import-position
PROFILES = {'ilo4': 4, 'ilo5': 5, 'ilo6': 6, 'ilo7': 7, 'moonshot': 5}
SYSTEM_ID = {'moonshot': 'C2N1'}


def test_smoke_every_module_every_generation(simulators, tmp_path):
    fleets = {profile: fresh(simulators(profile)) for profile in PROFILES}
    hosts = {}
    for profile, fleet in fleets.items():
        hosts['smoke-' + profile] = dict(ilo_url=fleet.urls[0], ilo_ca=fleet.ca_path, ilo_generation=PROFILES[profile])
        if profile in SYSTEM_ID:
            hosts['smoke-' + profile]['ilo_system_id'] = SYSTEM_ID[profile]
    tree, sid = dmtf_tree(allowed=['On', 'ForceOff', 'ForceRestart', 'GracefulShutdown'])
    with ilosim.start(tree=tree, state_dir=str(tmp_path / 'sim')) as dmtf:
        result = run_playbook(os.path.join(HERE, 'smoke.yml'), hosts, tmp_path, '--forks', '6', groups={
            'dmtf': {'smoke-dmtf': {'ilo_url': dmtf.urls[0], 'ilo_ca': dmtf.ca_path, 'system_id': sid}}})
        dmtf_system = dmtf.ilos[0].state()['systems'][sid]
        assert dmtf_system['resets'] == ['ForceOff', 'On', 'ForceRestart'] and dmtf_system['power_state'] == 'On', dmtf_system
        assert dmtf.ilos[0].requests()['by_method']['POST'] == 3
        assert dmtf.ilos[0].session_info()['created_total'] == 0
    # The one warning: a module warning reaching Ansible's output, from the DMTF service's restart it cannot prove
    warnings = [line for line in (result.stdout + result.stderr).splitlines() if '[WARNING]' in line]
    assert len(warnings) == 1 and sid in warnings[0] and 'reset_confirmed: false' in warnings[0], warnings
    recap = result.stdout.rsplit('PLAY RECAP', 1)[-1]
    assert re.search(r'^smoke-dmtf +: ok=2 +changed=1 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=1', recap, re.M), recap
    for name in hosts:
        # smoke-ilo5 runs each module in check mode, for real and again, and asserts on all three (one more task)
        ok, skipped = (14, 0) if name == 'smoke-ilo5' else (13, 1)
        assert re.search(r'^%s +: ok=%d +changed=\d+ +unreachable=0 +failed=0 +skipped=%d' % (name, ok, skipped), recap, re.M), recap

    for profile, fleet in fleets.items():
        ilo = fleet.ilos[0]
        system_id = SYSTEM_ID.get(profile, '1')
        systems = ilo.state()['systems']
        # one ForceOff of the named system only; one BIOS PATCH staged the value there
        assert systems[system_id]['resets'] == ['ForceOff'], (profile, systems[system_id])
        assert systems[system_id]['power_state'] == 'Off', profile
        assert [s for s, state in systems.items() if state['resets']] == [system_id], profile
        assert systems[system_id]['bios_pending'] == {'AdminName': 'Smoke Test'}, profile
        patches = {k: n for k, n in ilo.requests()['by_endpoint'].items() if k.startswith('PATCH ') and 'virtualmedia' not in k
                   and not k.rstrip('/').endswith('/systems/' + system_id.lower())}
        # one ilo_boot PATCH of the system's Boot object
        assert ilo.requests()['by_endpoint'].get('PATCH /redfish/v1/systems/' + system_id.lower()) == 1, profile
        # one ilo_virtual_media insert: iLO 4 a PATCH of Image, iLO 5+ the InsertMedia action
        inserts = [k for k in ilo.requests()['by_endpoint'] if 'virtualmedia' in k and k.split(' ')[0] in ('PATCH', 'POST')]
        assert inserts == ['PATCH /redfish/v1/managers/1/virtualmedia/2' if profile == 'ilo4' else
                           'POST /redfish/v1/managers/1/virtualmedia/2/actions/virtualmedia.insertmedia'], (profile, inserts)
        # and one ilo_manager PATCH of the network protocol resource (iLO 4: NetworkService)
        assert sorted(patches.values()) == [1, 1], (profile, patches)
        assert [k for k in patches if 'bios/settings' in k] and [k for k in patches if 'network' in k], (profile, patches)
        # one ilo_user POST that created the account (check mode and the second run sent none)
        assert ilo.requests()['by_endpoint'].get('POST /redfish/v1/accountservice/accounts') == 1 and ilo.users.get('smoke'), profile
        # one session for the whole play, logged out at the end
        info = ilo.session_info()
        assert info['created_total'] == 1 and info['deleted_total'] == 1, (profile, info)
        assert open_sessions(fleet) == 0
