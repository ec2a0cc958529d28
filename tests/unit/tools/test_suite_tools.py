# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The suite's own speed-ups for ansible-playbook runs do not change what a module sees.

- tests/utils/warmpython: the interpreter the suite gives Ansible (``ilotest.module_python``) runs a
  script with the caller's arguments, stdin/stdout/stderr, environment, working directory and exit
  status, in a fresh child of a server that preloaded ansible.module_utils.basic; without the server
  it is the plain interpreter.
- tests/utils/codecache: zip imports compile once per source; a changed source is compiled again; the suite's
  ansible-playbook runs share one module-zip cache per ansible-core and collection source.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
import zipfile

import ilotest  # pylint: disable=import-error
from ilotest import CODE_CACHE_HOOK, cpu_line, heavy_apart_scheduling, module_python  # pylint: disable=import-error

SCRIPT = r'''
import json, os, sys
data = sys.stdin.read()
sys.stderr.write('to stderr\n')
print(json.dumps({'argv': sys.argv, 'cwd': os.getcwd(), 'env': os.environ.get('WARM_TEST'), 'stdin': data,
                  'pid': os.getpid(), 'ppid': os.getppid(), 'name': __name__,
                  'preloaded': 'ansible.module_utils.basic' in sys.modules}))
sys.exit(int(os.environ.get('WARM_EXIT', '0')))
'''


def run(python, env, script, *args, cwd=None, stdin=''):
    return subprocess.run([python, str(script)] + list(args), input=stdin, capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, **env), timeout=60, check=False)


def test_warm_python_runs_a_script_as_a_new_interpreter_would(tmp_path):
    import json  # pylint: disable=import-outside-toplevel
    python, env = module_python(warm=True)
    assert python != sys.executable and env['ILO_TEST_WARM_SOCKET']
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT)
    work = tmp_path / 'work'
    work.mkdir()
    result = run(python, dict(env, WARM_TEST='from the caller', WARM_EXIT='3'), script, 'a b', '--x', cwd=str(work), stdin='in\n')
    assert result.returncode == 3, result.stderr
    assert result.stderr == 'to stderr\n'
    seen = json.loads(result.stdout)
    assert seen['argv'] == [str(script), 'a b', '--x'] and seen['cwd'] == str(work) and seen['env'] == 'from the caller'
    assert seen['stdin'] == 'in\n' and seen['name'] == '__main__'
    # a child of the warm server, which had imported ansible.module_utils.basic: not the client process itself
    assert seen['preloaded'] and seen['ppid'] != os.getpid()
    second = json.loads(run(python, env, script).stdout)
    assert second['pid'] != seen['pid'] and second['ppid'] == seen['ppid'], 'one fresh child per run, of one server'


def test_warm_python_runs_a_script_from_stdin_as_pipelining_sends_it():
    """Ansible's pipelining (tests/utils/ansible.cfg) runs the interpreter with no argument and the module on stdin."""
    import json  # pylint: disable=import-outside-toplevel
    python, env = module_python(warm=True)
    results = [subprocess.run([p], input=SCRIPT, capture_output=True, text=True, env=dict(os.environ, **e, WARM_EXIT='5'),
                              timeout=60, check=False) for p, e in ((python, env), (sys.executable, {}))]
    assert [r.returncode for r in results] == [5, 5] and results[0].stderr == results[1].stderr == 'to stderr\n'
    warm, plain = (json.loads(r.stdout) for r in results)
    assert warm['preloaded'] and not plain['preloaded']
    for key in ('argv', 'stdin', 'name', 'cwd'):
        assert warm[key] == plain[key], key
    assert warm['argv'] == [''] and warm['name'] == '__main__'


def test_warm_python_exceptions_and_exit_messages(tmp_path):
    python, env = module_python(warm=True)
    raising = tmp_path / 'raising.py'
    raising.write_text('raise KeyError("boom")\n')
    result = run(python, env, raising)
    assert result.returncode == 1 and 'KeyError' in result.stderr and 'boom' in result.stderr, result.stderr
    message = tmp_path / 'message.py'
    message.write_text('import sys\nsys.exit("failed: why")\n')
    result = run(python, env, message)
    assert result.returncode == 1 and result.stderr.strip() == 'failed: why'


def test_without_the_server_it_is_the_plain_interpreter(tmp_path):
    import json  # pylint: disable=import-outside-toplevel
    python, env = module_python(warm=True)
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT)
    result = run(python, dict(env, ILO_TEST_WARM_SOCKET=str(tmp_path / 'gone'), WARM_EXIT='4'), script, 'x')
    assert result.returncode == 4, result.stderr
    seen = json.loads(result.stdout)
    assert seen['argv'] == [str(script), 'x'] and not seen['preloaded']


def test_warm_python_server_keeps_no_descriptor_of_a_broken_request():
    """A request that ends early (a client killed while sending) leaves the server holding none of its descriptors:
    one it kept would hold the task's stdout open, and Ansible would wait for its end forever."""
    import array  # pylint: disable=import-outside-toplevel
    import select  # pylint: disable=import-outside-toplevel
    import socket  # pylint: disable=import-outside-toplevel
    import struct  # pylint: disable=import-outside-toplevel
    _python, env = module_python(warm=True)
    readable, writable = os.pipe()
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(env['ILO_TEST_WARM_SOCKET'])
        conn.sendmsg([struct.pack('!I', 1000)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [writable] * 3))])
        conn.sendall(b'{"argv": ')  # and no more
        conn.close()
        os.close(writable)
        writable = None
        ready, _w, _x = select.select([readable], [], [], 10)
        assert ready and os.read(readable, 1) == b'', 'the server still holds the write end of the pipe'
    finally:
        os.close(readable)
        if writable is not None:
            os.close(writable)


def test_code_cache_compiles_a_zip_module_once_per_source(tmp_path):
    cache = tmp_path / 'cache'
    env = dict(os.environ, PYTHONPATH=CODE_CACHE_HOOK, ILO_TEST_CODE_CACHE=str(cache))

    def import_from_zip(source):
        archive = tmp_path / 'lib.zip'
        with zipfile.ZipFile(str(archive), 'w') as handle:
            handle.writestr('zipped_mod.py', source)
        return subprocess.run([sys.executable, '-c', 'import sys; sys.path.insert(0, sys.argv[1]); import zipped_mod; '
                               'print(zipped_mod.VALUE, zipped_mod.where())', str(archive)],
                              env=env, capture_output=True, text=True, check=True).stdout.split()

    first = 'VALUE = 1\ndef where():\n    return __file__\n'
    assert import_from_zip(first)[0] == '1'
    entries = sorted(os.listdir(str(cache)))
    assert len(entries) == 1
    value, where = import_from_zip(first)
    assert value == '1' and where.endswith(os.path.join('lib.zip', 'zipped_mod.py'))
    assert sorted(os.listdir(str(cache))) == entries, 'the same source is not compiled again'
    assert import_from_zip(first.replace('VALUE = 1', 'VALUE = 2'))[0] == '2', 'a changed source is never served stale'
    assert len(os.listdir(str(cache))) == 2


def test_ansible_runs_share_module_zips_per_ansible_core_and_collection_source(tmp_path):
    """Each Ansible process's ansiballz_cache is the shared directory of its ansible-core release and collection
    sources: the same sources, the same directory, wherever the collection is installed; a changed module_utils
    file, another one (a zip is never served stale)."""
    import ansible.executor.module_common  # pylint: disable=import-outside-toplevel
    with open(ansible.executor.module_common.__file__, encoding='utf-8') as handle:
        assert "os.path.join(C.DEFAULT_LOCAL_TMP, 'ansiballz_cache')" in handle.read(), \
            'this ansible-core keeps its module zips elsewhere: tests/utils/codecache shares nothing any more'
    shared = tmp_path / 'shared'

    def collection(where, value):
        helper = tmp_path / where / 'ansible_collections' / 'ns' / 'col' / 'plugins' / 'module_utils' / 'helper.py'
        helper.parent.mkdir(parents=True, exist_ok=True)
        helper.write_text('VALUE = %d\n' % value)
        return helper

    def cache_of_a_run(where='collections'):
        env = dict(os.environ, PYTHONPATH=CODE_CACHE_HOOK, ILO_TEST_ANSIBALLZ_CACHE=str(shared),
                   ANSIBLE_COLLECTIONS_PATH=str(tmp_path / where), ANSIBLE_HOME=str(tmp_path / 'home'))
        code = "import os, ansible.constants as C; print(os.path.realpath(os.path.join(C.DEFAULT_LOCAL_TMP, 'ansiballz_cache')))"
        return subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, check=True).stdout.strip()

    helper = collection('collections', 1)
    first = cache_of_a_run()
    assert os.path.dirname(first) == os.path.realpath(str(shared)) and os.path.isdir(first)
    assert cache_of_a_run() == first
    collection('installed-elsewhere', 1)
    assert cache_of_a_run('installed-elsewhere') == first, 'the same sources at another path share the zips'
    (helper.parent / '__pycache__').mkdir()
    (helper.parent / '__pycache__' / 'helper.cpython-311.pyc').write_bytes(b'bytecode written by a test')
    assert cache_of_a_run() == first, 'bytecode is no source: the zips stay shared'
    helper.write_text('VALUE = 2\n')
    second = cache_of_a_run()
    assert second not in (first, ''), 'a changed collection source shares the old zips'
    assert sorted(os.listdir(str(shared))) == sorted(os.path.basename(p) for p in (first, second))


def test_module_zip_keys_are_pruned_least_recently_used_first(tmp_path, monkeypatch):
    """A run keeps the zips of the few keys used last (each source change makes a key) and removes the others."""
    monkeypatch.setattr(ilotest, 'ANSIBALLZ_CACHE', str(tmp_path))
    for age, name in enumerate(['newest', 'second', 'third', 'oldest']):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'ansible.modules.ping-ZIP_DEFLATED-none').write_text('zip')
        os.utime(str(tmp_path / name), (1e9 - age * 60, 1e9 - age * 60))
    assert [os.path.basename(p) for p in ilotest.prune_module_zips(keep=2)] == ['third', 'oldest']
    assert sorted(os.listdir(str(tmp_path))) == ['newest', 'second']
    monkeypatch.setattr(ilotest, 'ANSIBALLZ_CACHE', str(tmp_path / 'absent'))
    assert ilotest.prune_module_zips() == []


def test_a_throttled_task_waits_for_a_free_worker_at_the_poll_interval(tmp_path):
    """With every worker a task may use busy, ansible-core's strategy looks for a free one every 0.1 ms; in the suite's
    runs (ILO_TEST_QUEUE_POLL) every sleep of its module lasts at least internal_poll_interval, and time is time."""
    import inspect  # pylint: disable=import-outside-toplevel
    import ansible.plugins.strategy  # pylint: disable=import-outside-toplevel
    assert 'time.sleep(0.0001)' in inspect.getsource(ansible.plugins.strategy.StrategyBase._queue_task), \
        'this ansible-core queues tasks another way: tests/utils/codecache/sitecustomize.py _queue_at_poll_interval is moot'
    code = ('import time, ansible.plugins.strategy as s; start = time.monotonic(); s.time.sleep(0.0001); '
            'print(time.monotonic() - start, abs(s.time.time() - time.time()) < 5)')

    config = tmp_path / 'ansible.cfg'
    config.write_text('[defaults]\ninternal_poll_interval = 0.3\n')  # no environment variable sets it

    def sleep_of_the_queue(**extra):
        env = dict(os.environ, PYTHONPATH=CODE_CACHE_HOOK, ANSIBLE_HOME=str(tmp_path / 'home'), ANSIBLE_CONFIG=str(config))
        env.pop('ILO_TEST_QUEUE_POLL', None)
        env.update(extra)
        out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, check=True).stdout.split()
        assert out[1] == 'True', out
        return float(out[0])

    assert sleep_of_the_queue(ILO_TEST_QUEUE_POLL='1') >= 0.3
    assert sleep_of_the_queue() < 0.2, 'without ILO_TEST_QUEUE_POLL (the docs and AWX tiers) Ansible is left as it is'


def test_cpu_line_sums_the_processes_and_relates_them_to_the_cores():
    """The run summary's CPU line: user and system time of every process given, and their share of cores x wall."""
    class Usage:  # the two fields of resource.struct_rusage the line reads
        def __init__(self, user, system):
            self.ru_utime, self.ru_stime = user, system
    assert cpu_line([Usage(20.4, 2.0), Usage(280.0, 37.6)], 200.0, 2) == \
        'CPU 340 s (user 300, system 40): 85% of 2 cores over 200 s'
    assert cpu_line([Usage(1.0, 0.0)], 0.0, 2).startswith('CPU 1 s (user 1, system 0): ')


class FakeConfig:
    """What pytest-xdist's load scheduling reads of the configuration: ``-n`` (as the --tx it makes), --maxschedchunk 1."""

    def __init__(self, workers):
        self.options = {'tx': ['popen'] * workers, 'numprocesses': workers, 'maxschedchunk': 1, 'dist': 'load'}

    def getoption(self, name):
        return self.options[name]

    getvalue = getoption


class FakeWorker:
    """A pytest-xdist worker as the scheduler sees it: the tests it was sent, in order."""

    def __init__(self, name, sent):
        self.gateway, self.sent, self.shutting_down = types.SimpleNamespace(id=name), sent, False

    def send_runtest_some(self, indices):
        self.sent.extend(indices)  # one list for all workers: the order the tests went out in

    def shutdown(self):
        self.shutting_down = True


def test_heavy_tests_are_kept_apart_and_at_most_four_run_at_once():
    """Six workers, the heavy tests first in the queue (as tests/conftest.py orders them): no worker holds two heavy
    tests at once, at most four workers hold one, every test runs once, and the heavy ones still go out first.
    pytest-xdist's own load scheduling gives the first worker two heavy tests (checked, so the test can fail)."""
    collection = ['heavy/%d' % i for i in range(10)] + ['light/%d' % i for i in range(60)]

    def run(scheduler):
        sent = []
        workers = [FakeWorker('gw%d' % i, sent) for i in range(6)]
        for worker in workers:
            scheduler.add_node(worker)
            scheduler.add_node_collection(worker, collection)
        scheduler.schedule()
        per_worker, workers_on_heavy, ran = 0, 0, []
        while scheduler.pending or any(scheduler.node2pending[w] for w in workers):
            holding = [[collection[i] for i in scheduler.node2pending[w]] for w in workers]
            per_worker = max([per_worker] + [sum(t.startswith('heavy') for t in held) for held in holding])
            workers_on_heavy = max(workers_on_heavy, sum(any(t.startswith('heavy') for t in held) for held in holding))
            # the first worker that holds a test finishes the one it runs
            worker = next(w for w in workers if scheduler.node2pending[w])
            index = scheduler.node2pending[worker][0]
            ran.append(collection[index])
            scheduler.mark_test_complete(worker, index, duration=1.0)
        return (per_worker, workers_on_heavy), ran, [collection[i] for i in sent]

    (per_worker, workers_on_heavy), ran, sent = run(heavy_apart_scheduling(FakeConfig(6), None, ('heavy/',)))
    assert per_worker == 1 and workers_on_heavy == 4
    assert sorted(ran) == sorted(sent) == sorted(collection)
    assert [t for t in sent if t.startswith('heavy')] == collection[:10]
    assert max(i for i, t in enumerate(sent) if t.startswith('heavy')) < 40, sent

    from xdist.scheduler import LoadScheduling  # pylint: disable=import-outside-toplevel,import-error
    (per_worker, _workers_on_heavy), _ran, _sent = run(LoadScheduling(FakeConfig(6), None))
    assert per_worker == 2
