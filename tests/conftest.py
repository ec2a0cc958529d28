# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest fixtures for every tier. Shared helpers live in tests/utils/ilotest.py."""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'utils'))
import ilotest  # noqa: E402  pylint: disable=wrong-import-position,import-error
from ilotest import COLLECTION, fresh, open_sessions  # noqa: E402  pylint: disable=wrong-import-position,import-error


@pytest.fixture(autouse=True)
def _no_ca_bundle_env(monkeypatch):
    """This machine (and many users') set REQUESTS_CA_BUNDLE; tests decide TLS explicitly."""
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)


@pytest.fixture(autouse=True)
def _module_side():
    """Every test starts with ansible-core's module_utils acting as in a module's process.

    Importing ansible-core's controller code (the inventory plugin's tests, tests/utils/invkit.py) marks
    the whole process as the controller, and from then on module_utils' warn() goes to the controller's
    display instead of the module result: the in-process module tests that run later in the same worker
    (tests/utils/relkit.py) would lose their warnings. Tests that need the controller side ask for it
    (invkit.controller_side()).
    """
    from ansible.module_utils import _internal  # pylint: disable=import-outside-toplevel
    _internal.is_controller = False
    yield


# Longest first, so that pytest-xdist's workers do not end on one long test: the docs read-through, ansible-test sanity,
# the peers of the conformance tier and ansible-playbook runs (HEAVY: long, and CPU-bound in their subprocesses), then
# the in-process tests that wait longest (simulated power and POST transitions, latency, deadlines, Moonshot's 45
# systems), so that they overlap the heavy ones and the run ends on short tests; then everything else.
HEAVY = ('tests/docs/test_docs_run.py::test_docs_run_as_written',
         'tests/quality/test_quality.py::test_ansible_test_sanity', 'tests/conformance/', 'tests/playbooks/', 'tests/docs/',
         'tests/quality/', 'tests/reliability/test_secrets.py', 'tests/reliability/test_end_to_end.py')
LONG_WAITS = ('tests/modules/test_ilo_power.py', 'tests/reliability/test_concurrency.py', 'tests/reliability/test_hostile.py',
              'tests/unit/plugins/module_utils/test_facts.py', 'tests/simulator/tests/test_walk.py')
SLOW_FIRST = HEAVY + LONG_WAITS


def pytest_collection_modifyitems(items):
    def rank(item):
        nodeid = item.nodeid
        for index, prefix in enumerate(SLOW_FIRST):
            if nodeid.startswith(prefix):
                return index
        return len(SLOW_FIRST)
    items.sort(key=rank)  # stable: the order within a rank is kept


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown when it is not loaded (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """Load scheduling with the HEAVY tests kept apart (ilotest.heavy_apart_scheduling says why)."""
    if config.getoption('dist') != 'load':
        return None  # --dist loadfile and the others as pytest-xdist has them
    return ilotest.heavy_apart_scheduling(config, log, HEAVY)


# The in-process tests make millions of short-lived objects (JSON bodies, simulated trees, requests' machinery) in a
# process that also holds the collected tests, the simulator profiles and the imported toolchain: with Python's
# default thresholds the cyclic collector keeps walking those. Freezing what collection made and collecting the
# youngest generation every 50,000 allocations instead of 700 cut the CPU of tests/modules plus tests/unit by about
# 9% (93 -> 84 CPU-s, one process); every object is still collected.
GC_THRESHOLDS = (50000, 20, 100)


def pytest_collection_finish(session):  # pylint: disable=unused-argument
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


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
        ilotest.account_open_sessions(fleet)
        fleet.close()
    assert not ilotest.LEFT_OPEN, 'sessions left open on the simulators by the suite: %s' % ilotest.LEFT_OPEN[:20]


def _findings():
    """What this process found that the terminal summary reports (JSON-able)."""
    data = {'left_open': ilotest.LEFT_OPEN}
    if 'relkit' in sys.modules:
        data['relkit'] = sys.modules['relkit'].state()
    return data


def pytest_sessionfinish(session):
    """Under pytest-xdist a worker hands its findings to the controller (pytest_testnodedown)."""
    output = getattr(session.config, 'workeroutput', None)
    if output is not None:
        output['ilo_findings'] = json.dumps(_findings(), default=list)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # pylint: disable=unused-argument
    text = getattr(node, 'workeroutput', {}).get('ilo_findings')
    if not text:
        return
    data = json.loads(text)
    ilotest.LEFT_OPEN.extend(tuple(x) for x in data['left_open'])
    if 'relkit' in data:
        _relkit().merge(data['relkit'])


def _relkit():
    # tests/utils is on sys.path (above)
    import relkit  # pylint: disable=import-outside-toplevel,import-error
    return relkit


# Time per tier (tests/unit, tests/modules, ...), printed at the end of the run: setup, call and
# teardown of every test summed (under pytest-xdist the controller sees every worker's reports).
TIER_TIMES = {}
SESSION_START = []


def tier_of(nodeid):
    parts = nodeid.split('::')[0].split('/')
    return '/'.join(parts[:2]) if len(parts) > 2 else parts[0]


def pytest_runtest_logreport(report):
    entry = TIER_TIMES.setdefault(tier_of(report.nodeid), [0.0, 0])
    entry[0] += report.duration
    if report.when == 'teardown':
        entry[1] += 1


def pytest_sessionstart(session):
    SESSION_START.append(time.monotonic())
    if not hasattr(session.config, 'workerinput'):  # module zips of sources long changed (tests/utils/codecache)
        ilotest.prune_module_zips()


def _report_tier_times(terminalreporter):
    if not TIER_TIMES:
        return
    terminalreporter.write_sep('-', 'time per tier (test time summed over the workers)')
    for tier, (seconds, count) in sorted(TIER_TIMES.items(), key=lambda item: -item[1][0]):
        terminalreporter.write_line('%-24s %7.1f s  %4d tests' % (tier, seconds, count))
    if SESSION_START:
        # This process and the ones it has waited for (pytest-xdist's workers and what they ran): on a machine
        # whose cores are near 100% busy the run is CPU-bound and its time follows the CPU it uses.
        cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else (os.cpu_count() or 1)
        terminalreporter.write_line(ilotest.cpu_line([resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)],
                                                     time.monotonic() - SESSION_START[0], cores))


def pytest_terminal_summary(terminalreporter):
    """The reliability findings, the conformance counts, and the sessions left open (it must be zero)."""
    if 'relkit' in sys.modules:
        sys.modules['relkit'].report(terminalreporter)
    lines = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, 'when', None) == 'call':
                lines.update(value for name, value in getattr(report, 'user_properties', ()) if name == 'conformance')
    if lines:
        terminalreporter.write_sep('-', 'conformance')
        for line in sorted(lines):
            terminalreporter.write_line(line)
    terminalreporter.write_line('sessions left open on the simulators by the collection: %d' % len(ilotest.LEFT_OPEN))
    _report_tier_times(terminalreporter)


@pytest.fixture
def ilo5(simulators):
    """A fresh simulated iLO 5; the test fails if it leaves a session open."""
    fleet = fresh(simulators('ilo5'))
    yield fleet
    assert open_sessions(fleet) == 0, 'the test left sessions open: %s' % fleet.ilos[0].session_info()['open']
