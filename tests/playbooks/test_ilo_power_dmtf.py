# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilo_power through ansible-playbook against a plain DMTF Redfish tree (issue 5, acceptance 5)."""

from __future__ import annotations

import os
import sys

from playkit import run_playbook  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'unit', 'plugins', 'module_utils'))
from test_power import dmtf_tree  # noqa: E402  pylint: disable=import-error,wrong-import-position


def test_ilo_power_on_plain_dmtf_service(tmp_path):
    import ilosim  # pylint: disable=import-outside-toplevel
    tree, sid = dmtf_tree(allowed=['On', 'ForceOff', 'ForceRestart', 'GracefulShutdown'])
    with ilosim.start(tree=tree, state_dir=str(tmp_path / 'sim')) as fleet:
        url = fleet.urls[0]
        run_playbook(os.path.join(HERE, 'ilo_power_dmtf.yml'), {
            'sim-ilo': {'ilo_url': url, 'ilo_ca': fleet.ca_path, 'sim': url + '/_sim', 'system_id': sid},
        }, tmp_path)
        assert fleet.ilos[0].session_info()['created_total'] == 0
