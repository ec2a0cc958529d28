# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by every test tier: where the collection under test is, and simulator helpers.

Import this (``from ilotest import fresh``), never ``conftest``: with several conftest.py files
in the tree, the name ``conftest`` means whichever was imported last.

The collection is imported as ``ansible_collections.lightsout.ilo`` from a copy of the work
tree (``collection_copy.py``). ``make`` passes the copy in ILO_TEST_COLLECTIONS; a pytest run
by hand gets a private fresh copy, so concurrent runs never share one and never test stale code.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

import collection_copy  # pylint: disable=import-error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIMULATOR = os.path.join(ROOT, 'tests', 'simulator')
if os.environ.get('ILO_TEST_COLLECTIONS'):
    COLLECTIONS = os.environ['ILO_TEST_COLLECTIONS']
else:
    os.makedirs(os.path.join(ROOT, '.build'), exist_ok=True)
    COLLECTIONS = tempfile.mkdtemp(prefix='pytest-collections-', dir=os.path.join(ROOT, '.build'))
    atexit.register(shutil.rmtree, COLLECTIONS, True)
    collection_copy.refresh(COLLECTIONS)
COLLECTION = os.path.join(COLLECTIONS, 'ansible_collections', 'lightsout', 'ilo')

for _path in (SIMULATOR, COLLECTIONS):
    if _path not in sys.path:
        sys.path.insert(0, _path)


#: ``make test`` runs every test; CI (.ci/run) and ``make sanity`` set ``ILO_TEST_THOROUGH=1`` for the costlier
#: depth of a few: pylint over tests/ and on the lowest ansible-core, and the property tests' full example counts.
THOROUGH = bool(os.environ.get('ILO_TEST_THOROUGH'))


def examples(count):
    """Hypothesis examples for a property test: ``count`` when thorough (CI), a quarter (at least 25) otherwise."""
    return count if THOROUGH else max(25, count // 4)


#: ../shared (the real iLO trees and DMTF mockups; never copied into the project). ``ILO_TEST_SHARED``
#: names another place; with ``ILO_TEST_REQUIRE_SHARED`` (CI) a missing tree fails instead of skipping.
SHARED = os.path.abspath(os.environ.get('ILO_TEST_SHARED') or os.path.join(ROOT, os.pardir, 'shared'))
REQUIRE_SHARED = bool(os.environ.get('ILO_TEST_REQUIRE_SHARED'))
ILO_MOCKUPS = os.path.join(SHARED, 'ilo-mockups')
ILO5_MOCKUP = os.path.join(ILO_MOCKUPS, 'ilo5-DL360-Gen10Plus')
ILO6_MOCKUP = os.path.join(ILO_MOCKUPS, 'ilo6-DL380a-Gen11')
ILO7_MOCKUP = os.path.join(ILO_MOCKUPS, 'ilo7-DL360-Gen12')


def shared_missing(path):
    """Raise for an absent tree under ../shared at import or collection time: None when it is there."""
    if os.path.isdir(path):
        return None
    if REQUIRE_SHARED:
        raise RuntimeError('ILO_TEST_REQUIRE_SHARED is set but %s is missing' % path)
    return '%s is not present (../shared)' % path


def require_shared(path):
    """``path`` under ../shared, for a test: skipped when absent, failed when ILO_TEST_REQUIRE_SHARED is set."""
    import pytest  # pylint: disable=import-outside-toplevel
    if os.path.isdir(path):
        return path
    if REQUIRE_SHARED:
        pytest.fail('ILO_TEST_REQUIRE_SHARED is set but %s is missing' % path)
    pytest.skip('%s is not present (../shared)' % path)
    return None


#: Sessions found open when a shared simulator was reset or stopped: (test id, session) pairs.
#: The simulators fixture fails the run at its end when this is not empty.
LEFT_OPEN = []


def account_open_sessions(fleet):
    """Record sessions still open on a fleet (before a reset would hide them)."""
    where = os.environ.get('PYTEST_CURRENT_TEST', '?').rsplit(' (', 1)[0]
    for ilo in fleet.ilos:
        for session in ilo.session_info()['open']:
            LEFT_OPEN.append((where, session.get('uri') or session.get('id')))


def fresh(fleet):
    """Reset every iLO of a fleet to its initial state (resources, sessions, counters, faults).

    Sessions left open by the previous user of the fleet are recorded first (``LEFT_OPEN``).
    """
    account_open_sessions(fleet)
    for ilo in fleet.ilos:
        ilo.reset()
    return fleet


def open_sessions(fleet):
    """How many sessions are open on all iLOs of a fleet."""
    return sum(len(ilo.session_info()['open']) for ilo in fleet.ilos)


CODE_CACHE_HOOK = os.path.join(ROOT, 'tests', 'utils', 'codecache')
CODE_CACHE = os.path.join(os.path.dirname(os.path.abspath(COLLECTIONS)), 'code-cache')


def ansible_env(tmp_path, **extra):
    """The environment for an ansible-playbook run against the simulator.

    The collection under test, a private ANSIBLE_HOME, the test venv's Python, and none of the
    caller's CA-bundle, ILO_* or ANSIBLE_DEBUG variables; ``extra`` adds or overrides.
    """
    env = dict(os.environ)
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'ILO_HOST', 'ILO_USERNAME', 'ILO_PASSWORD', 'ILO_CA_PATH',
                 'ILO_VALIDATE_CERTS', 'ANSIBLE_DEBUG'):
        env.pop(name, None)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        # each task's module compiled once per source, not once per task (tests/utils/codecache/sitecustomize.py)
        'PYTHONPATH': os.pathsep.join([CODE_CACHE_HOOK] + [p for p in [env.get('PYTHONPATH')] if p]),
        'ILO_TEST_CODE_CACHE': CODE_CACHE,
    })
    env.update(extra)
    return env


class FakeClock:
    """A monotonic clock and its sleep for code that waits (state.Poller and its users): sleeping moves time on."""

    def __init__(self, start=0.0):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds
