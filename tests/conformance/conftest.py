# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Conformance tier: independent Redfish clients, each in its own venv, against the simulator.

``make test`` (or ``make conformance``) builds the venvs (``.build/venv-rfpv``,
``.build/venv-ilorest``, pins in ``requirements-*.txt`` here) and passes their paths as
``ILO_TEST_VENV_RFPV`` / ``ILO_TEST_VENV_ILOREST``. A missing venv is a failure, never a skip.
"""

from __future__ import annotations

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def peer_executable(name, executable):
    """Path of ``executable`` in the peer venv ``name`` (rfpv, ilorest); fails when it is missing."""
    venv = os.environ.get('ILO_TEST_VENV_%s' % name.upper()) or os.path.join(ROOT, '.build', 'venv-%s' % name)
    path = os.path.join(venv, 'bin', executable)
    if not os.access(path, os.X_OK):
        pytest.fail('%s not found: run `make test` (or `make peers`) to create the %s venv' % (path, name))
    return path


def peer_env():
    """The environment for a peer process: no CA-bundle overrides, so TLS uses the CA the test passes."""
    env = dict(os.environ)
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'PYTHONPATH'):
        env.pop(name, None)
    return env


@pytest.fixture(scope='session')
def rfpv_executable():
    """``rf_protocol_validator`` of the DMTF validator venv."""
    return peer_executable('rfpv', 'rf_protocol_validator')


@pytest.fixture(scope='session')
def ilorest_python():
    """The python of the python-ilorest-library venv."""
    return peer_executable('ilorest', 'python')


@pytest.fixture(scope='session')
def clean_env():
    return peer_env()
