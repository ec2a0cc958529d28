# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's demo: start simulated iLO 4, 5 and 6 servers and run docs/examples/demo.yml against them.

Run by `make demo` with the docs venv (.build/venv-docs: ansible-core and requirements.txt, what the docs
tell a user to install; the simulator's one package, cryptography, comes with ansible-core), whose
ansible-playbook runs the play. The simulators listen on 127.0.0.1 ephemeral ports and use a CA generated
for the run. Everything of the run (inventory, CA, ANSIBLE_HOME, temporary files) is in a directory under
.build/demo that is removed when the playbook ends; only the report stays.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'simulator'))

import ilosim  # noqa: E402  pylint: disable=wrong-import-position,import-error

PROFILES = (('ilo4-gen9', 'ilo4'), ('ilo5-gen10p', 'ilo5'), ('ilo6-gen11', 'ilo6'))


def main():
    collections = os.environ.get('ILO_TEST_COLLECTIONS') or os.path.join(ROOT, '.build', 'collections')
    os.makedirs(os.path.join(ROOT, '.build', 'demo'), exist_ok=True)
    workdir = tempfile.mkdtemp(prefix='run-', dir=os.path.join(ROOT, '.build', 'demo'))
    os.makedirs(os.path.join(workdir, 'tmp'))
    fleets = []
    try:
        lines = ['[ilo]']
        for name, profile in PROFILES:
            fleet = ilosim.start(profile=profile, state_dir=os.path.join(workdir, 'sim'))
            fleets.append(fleet)
            lines.append('%s ansible_host=%s ilo_profile=%s' % (name, fleet.urls[0], profile))
            ca_path = fleet.ca_path
        lines += ['', '[ilo:vars]', 'ansible_python_interpreter="{{ ansible_playbook_python }}"']
        inventory = os.path.join(workdir, 'inventory.ini')
        with open(inventory, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(lines) + '\n')
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_LOCALHOST_WARNING='0',
                   ILO_USERNAME='Administrator', ILO_PASSWORD='password', ILO_CA_PATH=ca_path,
                   ANSIBLE_HOME=os.path.join(workdir, 'ansible-home'), TMPDIR=os.path.join(workdir, 'tmp'),
                   ANSIBLE_REMOTE_TMP=os.path.join(workdir, 'remote-tmp'))
        report = os.path.join(ROOT, '.build', 'demo', 'inventory-report.html')
        if os.path.exists(report):
            os.remove(report)
        print('Simulated iLOs:\n  ' + '\n  '.join(lines[1:len(PROFILES) + 1]) + '\n')
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
                   os.path.join(ROOT, 'docs', 'examples', 'demo.yml'), '-e', 'demo_report_path=%s' % report] + sys.argv[1:]
        code = subprocess.call(command, env=env)
        left = sum(len(f.ilos[0].session_info()['open']) for f in fleets)
        print('\nSessions left open on the simulated iLOs: %d' % left)
        if os.path.exists(report):
            print('HTML inventory report: %s' % report)
        return code or (1 if left else 0)
    finally:
        for fleet in fleets:
            fleet.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
