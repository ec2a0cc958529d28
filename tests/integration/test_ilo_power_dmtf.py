# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_power through ansible-playbook against a plain DMTF Redfish tree (issue 5, acceptance 5)."""

from __future__ import annotations

import os
import sys

from test_integration import HERE, run_playbook  # pylint: disable=import-error

sys.path.insert(0, os.path.join(HERE, '..', 'unit', 'plugins', 'module_utils'))
from test_power import dmtf_tree  # noqa: E402  pylint: disable=import-error,wrong-import-position


def test_ilo_power_on_plain_dmtf_service(tmp_path):
    import ilosim  # pylint: disable=import-outside-toplevel
    tree, sid = dmtf_tree(allowed=['On', 'ForceOff', 'ForceRestart', 'GracefulShutdown'])
    with ilosim.start(tree=tree, state_dir=str(tmp_path / 'sim')) as fleet:
        url = fleet.urls[0]
        result = run_playbook('ilo_power_dmtf.yml', {
            'ilo_url': url, 'ilo_ca': fleet.ca_path, 'sim': url + '/_sim', 'system_id': sid,
            'ansible_python_interpreter': sys.executable,
        }, tmp_path)
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-6000:]
        assert 'Traceback' not in output, output[-6000:]
        assert fleet.ilos[0].session_info()['created_total'] == 0
