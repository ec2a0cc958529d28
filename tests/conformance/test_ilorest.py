# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HPE's python-ilorest-library (its own venv) logs in, reads, PATCHes BIOS settings and logs out.

The library's logout URL is only right on port 443 (toolchain notes), so the simulator binds
127.0.0.1:443 (CI runs as root); a busy or forbidden port 443 fails the test with the reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess

import pytest

import ilosim
from ilosim import tls

from ilotest import ROOT  # pylint: disable=import-error

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ilorest_client.py')
ATTRIBUTE, VALUE = 'WorkloadProfile', 'Virtualization-MaxPerformance'


@contextlib.contextmanager
def on_443(profile, state_dir):
    """The simulator on 127.0.0.1:443, for one test at a time across pytest-xdist's workers (a lock file)."""
    lock_dir = os.path.join(ROOT, 'tests', 'output')
    os.makedirs(lock_dir, exist_ok=True)
    with open(os.path.join(lock_dir, 'port-443.lock'), 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            fleet = ilosim.start(profile=profile, port=443, state_dir=state_dir)
        except OSError as exc:
            pytest.fail('python-ilorest-library needs the simulator on 127.0.0.1:443 (its logout URL is wrong '
                        'on any other port); binding it failed: %s. Run as root and free port 443.' % exc)
        try:
            yield fleet
        finally:
            fleet.close()


def run_client(python, env, ca_path, timeout=60):
    return subprocess.run([python, SCRIPT, 'https://127.0.0.1', ca_path, ATTRIBUTE, VALUE], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.parametrize('profile', ['ilo5', 'ilo6'])
def test_ilorest_session_bios_patch_logout(profile, ilorest_python, clean_env, tmp_path, record_property):
    with on_443(profile, str(tmp_path / 'state')) as fleet:
        ilo = fleet.ilos[0]
        assert ilo.state()['systems']['1']['bios_current'][ATTRIBUTE] != VALUE
        proc = run_client(ilorest_python, clean_env, fleet.ca_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out['system']['status'] == 200 and out['system']['Id'] == '1' and out['system']['Model']
        assert out['patch']['status'] == 200, out
        assert [mid.rsplit('.', 1)[-1] for mid in out['patch']['message_ids']] == ['SystemResetRequired'], out
        assert out['patch']['uri'].lower().rstrip('/').endswith('/bios/settings'), out
        # on the simulator: pending, not applied; the one session was created by POST and deleted by logout
        system = ilo.state()['systems']['1']
        assert system['bios_pending'] == {ATTRIBUTE: VALUE}
        assert system['bios_current'][ATTRIBUTE] != VALUE
        sessions = ilo.session_info()
        assert sessions['open'] == [] and sessions['created_total'] == 1 and sessions['deleted_total'] == 1, sessions
        assert out['session_location'].startswith('/redfish/v1/SessionService/Sessions/') and out['logged_out'], out
        deletes = {k: n for k, n in ilo.requests()['by_endpoint'].items() if k.startswith('DELETE ')}
        assert list(deletes.values()) == [1] and list(deletes)[0] == 'DELETE ' + out['session_location'].lower().rstrip('/'), deletes
        record_property('conformance', 'python-ilorest-library %s: session login, GET system, BIOS PATCH -> pending, '
                                       'logout: OK' % profile)


def test_ilorest_verifies_the_server_certificate(ilorest_python, clean_env, tmp_path):
    """With a CA that did not sign the simulator's certificate the library must refuse to talk."""
    other_ca = tls.ensure_certificates(str(tmp_path / 'other-ca'), hosts=['127.0.0.1'])[0]
    with on_443('ilo5', str(tmp_path / 'state')) as fleet:
        proc = run_client(ilorest_python, clean_env, other_ca)
        assert proc.returncode != 0, proc.stdout
        assert 'CERTIFICATE_VERIFY_FAILED' in proc.stderr or 'certificate verify failed' in proc.stderr, proc.stderr[-3000:]
        sessions = fleet.ilos[0].session_info()
        assert sessions['created_total'] == 0 and sessions['open'] == []
