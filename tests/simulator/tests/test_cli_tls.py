# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates, the command line (ready file, SIGTERM) and profile loading."""

import json
import os
import signal
import ssl
import subprocess
import sys
import time

import pytest
import requests

from simclient import ILO5_MOCKUP, require_shared
from ilosim import tls

SIM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_certificates_are_cached_and_verify(tmp_path):
    ca, cert, key = tls.ensure_certificates(str(tmp_path))
    stamps = [os.stat(p).st_mtime_ns for p in (ca, cert, key)]
    assert tls.ensure_certificates(str(tmp_path)) == (ca, cert, key)
    assert [os.stat(p).st_mtime_ns for p in (ca, cert, key)] == stamps
    ctx = ssl.create_default_context(cafile=ca)
    assert ctx.cert_store_stats()["x509_ca"] == 1
    # a new host name re-issues the server certificate, signed by the same CA
    tls.ensure_certificates(str(tmp_path), hosts=["ilo.example.test"])
    assert os.stat(ca).st_mtime_ns == stamps[0] and os.stat(cert).st_mtime_ns != stamps[1]


def test_tls_verification_uses_the_sim_ca(sim, tmp_path):
    fleet = sim(tree={"/redfish/v1/": {"@odata.id": "/redfish/v1/", "Name": "Root"}})
    assert requests.get(fleet.urls[0] + "/redfish/v1/", verify=fleet.ca_path, timeout=5).status_code == 200
    other_ca = tls.ensure_certificates(str(tmp_path))[0]
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(fleet.urls[0] + "/redfish/v1/", verify=other_ca, timeout=5)


def run_cli(tmp_path, *args):
    ready = tmp_path / "ready.json"
    env = dict(os.environ, PYTHONPATH=SIM_DIR)
    command = [sys.executable, "-m", "ilosim", "--port", "0", "--state-dir", str(tmp_path / "state"),
               "--ready-file", str(ready)] + list(args)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # pylint: disable=consider-using-with
                            env=env, cwd=str(tmp_path))
    deadline = time.monotonic() + 20
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("simulator did not start: %s" % proc.communicate()[1].decode())
        time.sleep(0.05)
    return proc, json.loads(ready.read_text())


def test_cli_mockup_fleet_and_sigterm(tmp_path):
    require_shared(ILO5_MOCKUP)
    proc, info = run_cli(tmp_path, "--mockup", ILO5_MOCKUP, "--count", "2", "--user", "ops:secret", "--latency-ms", "1")
    try:
        assert len(info["urls"]) == 2 and os.path.exists(info["ca_path"])
        for url in info["urls"]:
            resp = requests.get(url + "/redfish/v1/Systems/1/", auth=("ops", "secret"), verify=info["ca_path"], timeout=5)
            assert resp.status_code == 200
        config = requests.get(info["urls"][1] + "/_sim/config", verify=info["ca_path"], timeout=5).json()
        assert config["latency_ms"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=15)
    assert proc.returncode == 0
    text = out.decode()
    assert "ca_path: " + info["ca_path"] in text and info["urls"][0] in text


def test_cli_unknown_profile_fails_clearly(tmp_path):
    env = dict(os.environ, PYTHONPATH=SIM_DIR)
    proc = subprocess.run([sys.executable, "-m", "ilosim", "--profile", "nosuch", "--port", "0",
                           "--state-dir", str(tmp_path)], capture_output=True, env=env, timeout=30, check=False)
    assert proc.returncode == 2
    assert b"profile 'nosuch' is not available" in proc.stderr


def test_cli_prints_a_ready_inventory_and_keeps_state_outside_the_tree(tmp_path):
    """No --state-dir: the CA goes under $XDG_STATE_HOME/ilosim; the printed inventory and exports work as they are."""
    ready = tmp_path / "ready.json"
    env = dict(os.environ, PYTHONPATH=SIM_DIR, XDG_STATE_HOME=str(tmp_path / "xdg"))
    env.pop("ILOSIM_STATE_DIR", None)
    proc = subprocess.Popen([sys.executable, "-m", "ilosim", "--port", "0", "--count", "2", "--ready-file", str(ready)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1].decode()
            time.sleep(0.05)
        info = json.loads(ready.read_text())
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=15)[0].decode()
    assert info["ca_path"] == str(tmp_path / "xdg" / "ilosim" / "ca.pem")
    hosts = [line.split("ansible_host=")[1] for line in out.splitlines() if line.startswith("sim-ilo5-")]
    assert hosts == [url.split("://")[1] for url in info["urls"]]
    exports = [line for line in out.splitlines() if line.startswith("export ")][0]
    values = dict(item.split("=", 1) for item in exports.split()[1:])
    assert values == {"ILO_USERNAME": "Administrator", "ILO_PASSWORD": "password", "ILO_CA_PATH": info["ca_path"]}


def test_make_simulator_needs_only_the_simulator_venv():
    """`make simulator` builds .build/venv-sim from tests/simulator/requirements.txt, not the test toolchain."""
    root = os.path.dirname(os.path.dirname(SIM_DIR))
    out = subprocess.run(["make", "-n", "-B", "simulator"], cwd=root, capture_output=True, text=True, check=True,
                         env=dict(os.environ, MAKEFLAGS="")).stdout
    assert "tests/simulator/requirements.txt" in out and "venv-sim/bin/python -m ilosim" in out, out
    assert "test-requirements" not in out and ".venv/" not in out and ".venv-latest" not in out, out
    with open(os.path.join(SIM_DIR, "requirements.txt"), encoding="utf-8") as handle:
        wanted = [line.split(">")[0].split("=")[0].strip() for line in handle if line.strip() and not line.startswith("#")]
    assert wanted == ["cryptography"]
