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
#: depth of a few: ansible-test sanity on the lowest ansible-core, pylint over tests/, and the property tests' full
#: example counts.
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
ANSIBALLZ_CACHE = os.path.join(os.path.dirname(os.path.abspath(COLLECTIONS)), 'ansiballz-cache')
WARM_PYTHON = os.path.join(ROOT, 'tests', 'utils', 'warmpython')
_WARM = {}


def code_cache_env(pythonpath=None):
    """The code cache (tests/utils/codecache/sitecustomize.py) for the Ansible runs of the suite, the docs and the AWX
    tiers included: each module file of a task's AnsiballZ zip compiled once per source instead of once per task,
    and each module's zip built once per ansible-core and collection source instead of once per run. Both are keyed
    on the exact sources, so the modules run the code the task shipped.
    ``pythonpath``: what PYTHONPATH holds after the hook (the docs and AWX tiers give their users none)."""
    return {'PYTHONPATH': os.pathsep.join([CODE_CACHE_HOOK] + [p for p in [pythonpath] if p]),
            'ILO_TEST_CODE_CACHE': CODE_CACHE, 'ILO_TEST_ANSIBALLZ_CACHE': ANSIBALLZ_CACHE}


def prune_module_zips(keep=4):
    """Keep the module zips of the ``keep`` most recently used keys (tests/utils/codecache): the zips are kept from
    one test run to the next, and every change to a collection source makes a new key."""
    try:
        keys = [os.path.join(ANSIBALLZ_CACHE, name) for name in os.listdir(ANSIBALLZ_CACHE)]
    except OSError:
        return []
    keys.sort(key=os.path.getmtime, reverse=True)
    for path in keys[keep:]:
        shutil.rmtree(path, ignore_errors=True)
    return keys[keep:]


def module_python(warm=None):
    """The ``ansible_python_interpreter`` of the suite's ansible-playbook runs, and the environment it needs.

    A warm interpreter (tests/utils/warmpython): one server per test process, started on first use, imports
    ansible.module_utils.basic and requests once and forks a child per module task, which runs the AnsiballZ
    file as a new interpreter would (about half of a module task's CPU). ``ILO_TEST_COLD_PYTHON=1`` (or
    ``warm=False``) gives the plain interpreter. Returns ``(interpreter, environment variables)``; the server
    stops with this process.
    """
    if warm is None:
        warm = not os.environ.get('ILO_TEST_COLD_PYTHON')
    if not warm:
        return sys.executable, {}
    if not _WARM or _WARM['server'].poll() is not None:
        import socket  # pylint: disable=import-outside-toplevel
        import subprocess  # pylint: disable=import-outside-toplevel
        import time  # pylint: disable=import-outside-toplevel
        where = tempfile.mkdtemp(prefix='ilo-warm-', dir='/tmp' if os.path.isdir('/tmp') else None)  # AF_UNIX: short paths
        path, client = os.path.join(where, 's'), os.path.join(where, 'python')
        with open(os.path.join(WARM_PYTHON, 'client.py'), encoding='utf-8') as source:
            text = source.read()
        with open(client, 'w', encoding='utf-8') as handle:
            handle.write('#!%s -IS\n%s' % (sys.executable, text))
        os.chmod(client, 0o755)
        server = subprocess.Popen([sys.executable, os.path.join(WARM_PYTHON, 'server.py'), path, str(os.getpid())],
                                  env=dict(os.environ, **code_cache_env(os.environ.get('PYTHONPATH'))), stdin=subprocess.DEVNULL)
        end = time.monotonic() + 30
        while True:
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(path)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > end:
                    raise RuntimeError('the warm Python server did not start (%s)' % path)
                time.sleep(0.02)
            finally:
                probe.close()

        def stop(server=server, where=where):
            server.terminate()
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.kill()
            shutil.rmtree(where, True)
        if _WARM:
            _WARM['stop']()
        _WARM.update(server=server, stop=stop, python=client,
                     env={'ILO_TEST_WARM_SOCKET': path, 'ILO_TEST_WARM_PYTHON': sys.executable})
        atexit.register(stop)
    return _WARM['python'], dict(_WARM['env'])


def ansible_env(tmp_path, **extra):
    """The environment for an ansible-playbook run against the simulator.

    The collection under test, a private ANSIBLE_HOME, the test venv's Python (warm: ``module_python``), the
    suite's ansible.cfg (tests/utils/ansible.cfg), and none of the caller's CA-bundle, ILO_* or ANSIBLE_DEBUG
    variables; ``extra`` adds or overrides.
    """
    env = dict(os.environ)
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'ILO_HOST', 'ILO_USERNAME', 'ILO_PASSWORD', 'ILO_CA_PATH',
                 'ILO_VALIDATE_CERTS', 'ANSIBLE_DEBUG'):
        env.pop(name, None)
    python, warm = module_python()
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        'ANSIBLE_PYTHON_INTERPRETER': python,
        'ANSIBLE_CONFIG': os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ansible.cfg'),
    })
    # each task's module compiled once per source, each module's zip built once, and a throttled task waits for a free
    # worker at the ansible.cfg's poll interval (tests/utils/codecache/sitecustomize.py)
    env.update(code_cache_env(os.environ.get('PYTHONPATH')), ILO_TEST_QUEUE_POLL='1')
    env.update(warm)
    env.update(extra)
    return env


def cpu_line(rusages, seconds, cores):
    """What a run's processes used (``resource.getrusage`` results): CPU seconds, and their share of ``cores``
    over ``seconds`` of wall time (near 100%: the run is CPU-bound, its time follows its CPU)."""
    user = sum(r.ru_utime for r in rusages)
    system = sum(r.ru_stime for r in rusages)
    return 'CPU %.0f s (user %.0f, system %.0f): %.0f%% of %d cores over %.0f s' % (
        user + system, user, system, 100.0 * (user + system) / max(seconds * cores, 1e-9), cores, seconds)


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


def heavy_apart_scheduling(config, log, heavy):
    """pytest-xdist's load scheduling in collection order, except that the tests whose node ids start with one of
    ``heavy`` (long, CPU-bound in their subprocesses) are kept apart.

    A worker runs a test once it holds the next (its teardown depends on it), so the scheduler always gives each
    worker one test ahead. In plain load scheduling that test was heavy too while the heavy tests led the queue,
    and waited for the first to finish while other workers ran out of work (ansible-test's pylint, the most CPU of
    any test, started after 90 s behind the rest of sanity); and with every worker on a heavy test, the in-process
    tests, which mostly wait on simulated BMCs, were all left for the end, where they could not keep 2 cores busy.
    Here a worker gets a heavy test only when it is not running one and fewer than two per core (at most all
    workers but two) are; else the first light test. Four CPU-bound runs at once keep 2 cores busy; the other two
    workers meanwhile get through the in-process tests, whose waits overlap the heavy tests' CPU. make test on 2
    cores: 95% of the cores used in two runs, against 91-94% before (and 89% with the heavy tests kept apart only).
    """
    from xdist.scheduler import LoadScheduling  # pylint: disable=import-outside-toplevel,import-error

    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else (os.cpu_count() or 2)

    class HeavyApartScheduling(LoadScheduling):
        def heavy(self, index):
            return self.collection[index].startswith(heavy)

        def _send_tests(self, node, num):
            for _number in range(num):
                if not self.pending:
                    return
                queued = self.node2pending[node]
                busy = sum(1 for indices in self.node2pending.values() if any(self.heavy(i) for i in indices))
                at_once = max(1, min(2 * cores, len(self.node2pending) - 2))
                index = self.pending[0]
                if self.heavy(index) and ((queued and self.heavy(queued[-1])) or busy >= at_once):
                    index = next((i for i in self.pending if not self.heavy(i)), index)
                self.pending.remove(index)
                queued.append(index)
                node.send_runtest_some([index])

    return HeavyApartScheduling(config, log)
