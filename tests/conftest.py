# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest set-up for every tier.

The collection is imported as ``ansible_collections.lightsout.ilo`` from a copy of the work
tree under ``.build/collections`` (``tests/utils/collection_copy.py``, what ``make collection``
runs). When pytest is run by hand, the copy is refreshed here first so tests never run stale code.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'utils'))
import collection_copy  # noqa: E402  pylint: disable=wrong-import-position

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIMULATOR = os.path.join(ROOT, 'tests', 'simulator')
if os.environ.get('ILO_TEST_COLLECTIONS'):
    COLLECTIONS = os.environ['ILO_TEST_COLLECTIONS']
else:
    # Run by hand: a private, fresh copy for this run, so concurrent runs never share one.
    os.makedirs(os.path.join(ROOT, '.build'), exist_ok=True)
    COLLECTIONS = tempfile.mkdtemp(prefix='pytest-collections-', dir=os.path.join(ROOT, '.build'))
    atexit.register(shutil.rmtree, COLLECTIONS, True)
    collection_copy.refresh(COLLECTIONS)
COLLECTION = os.path.join(COLLECTIONS, 'ansible_collections', 'lightsout', 'ilo')

for path in (SIMULATOR, COLLECTIONS):
    if path not in sys.path:
        sys.path.insert(0, path)


@pytest.fixture(autouse=True)
def _no_ca_bundle_env(monkeypatch):
    """This machine (and many users') set REQUESTS_CA_BUNDLE; tests decide TLS explicitly."""
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)


def pytest_report_header(config):  # pylint: disable=unused-argument
    return 'lightsout.ilo collection under test: %s' % COLLECTION


@pytest.fixture(scope='session')
def simulators(tmp_path_factory):
    """Start simulators on demand, one per (profile, options), shared by the whole run."""
    import ilosim  # pylint: disable=import-outside-toplevel
    state_dir = str(tmp_path_factory.mktemp('ilosim-state'))
    started = {}

    def get(profile='ilo5', **options):
        key = (profile, tuple(sorted(options.items())))
        if key not in started:
            if profile.startswith('mockup:'):
                started[key] = ilosim.start(mockup=profile.split(':', 1)[1], state_dir=state_dir, **options)
            else:
                started[key] = ilosim.start(profile=profile, state_dir=state_dir, **options)
        return started[key]

    yield get
    for fleet in started.values():
        fleet.close()


def fresh(fleet):
    """Reset every iLO of a fleet to its initial state (resources, sessions, counters, faults)."""
    for ilo in fleet.ilos:
        ilo.reset()
    return fleet


def open_sessions(fleet):
    return sum(len(ilo.session_info()['open']) for ilo in fleet.ilos)


@pytest.fixture
def ilo5(simulators):
    """A fresh simulated iLO 5; the test fails if it leaves a session open."""
    fleet = fresh(simulators('ilo5'))
    yield fleet
    assert open_sessions(fleet) == 0, 'the test left sessions open: %s' % fleet.ilos[0].session_info()['open']
