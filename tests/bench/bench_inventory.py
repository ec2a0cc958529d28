# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the inventory plugin (issue 21; not a test): a fleet of simulated iLOs with per-request latency,

1. fingerprinted and grouped by ``ansible-inventory`` with the ``lightsout.ilo.ilo`` plugin;
2. the same, enriched with ``facts: min`` (one session per iLO);
3. the per-host way to the same facts: ``ansible-playbook`` with one ``ilo_facts`` (``gather_subset: min``) task on
   the same fleet (``--play-hosts`` of them: the play costs about 0.3 s of CPU per host);

each with its wall time, CPU seconds (user+sys of the process tree) and requests per host (what the simulator saw).

It is section (i) of ``make bench`` (tests/bench/run_bench.py calls ``run``, which writes it into
docs/performance.md); ``make bench-inventory`` runs only that section and replaces it in the page. Alone:

    python tests/bench/bench_inventory.py --count 1000 --latency-ms 50 --play-hosts 100 --forks 25

The simulator runs in its own process (its CPU is not counted), on ephemeral ports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))

import collection_copy  # noqa: E402  pylint: disable=wrong-import-position,import-error

BUILD = os.path.join(ROOT, '.build', 'bench-inventory')
USER, PASSWORD = 'Administrator', 'password'


def start_simulator(count, latency_ms, profile, work):
    ready = os.path.join(work, 'ready.json')
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'tests', 'simulator'))
    log = open(os.path.join(work, 'simulator.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
    process = subprocess.Popen([sys.executable, '-m', 'ilosim', '--profile', profile, '--port', '0', '--count', str(count),
                                '--latency-ms', str(latency_ms), '--state-dir', os.path.join(work, 'sim-state'),
                                '--ready-file', ready], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not os.path.exists(ready):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit('the simulator did not start: see %s' % log.name)
        time.sleep(0.2)
    with open(ready, encoding='utf-8') as handle:
        return process, json.load(handle)


def sim_counters(urls, ca_path, what='requests', method='GET'):
    """Each iLO's ``/_sim/<what>`` (``requests``: counters, DELETE clears them; ``sessions``)."""
    context = ssl.create_default_context(cafile=ca_path)

    def one(url):
        request = urllib.request.Request(url + '/_sim/' + what, method=method)
        with urllib.request.urlopen(request, context=context, timeout=60) as answer:
            return json.loads(answer.read() or b'{}')

    with ThreadPoolExecutor(32) as pool:
        return list(pool.map(one, urls))


def measured(command, env, log_path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    with open(log_path, 'w', encoding='utf-8') as log:
        code = subprocess.call(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return code, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def per_host(counters):
    totals = [c['total'] for c in counters]
    methods = {}
    for counter in counters:
        for method, number in counter['by_method'].items():
            methods[method] = methods.get(method, 0) + number
    return sum(totals) / float(len(totals) or 1), dict((m, round(n / float(len(counters)), 2)) for m, n in sorted(methods.items()))


def run(count=1000, latency_ms=50, profile='ilo5', concurrency=128, play_hosts=None, forks=25, python=None):
    """Start a simulator with ``count`` iLOs, run the three measurements, stop it: the results (a dict, see main)."""
    os.makedirs(BUILD, exist_ok=True)
    work = tempfile.mkdtemp(prefix='run-', dir=BUILD)
    collections = os.path.join(work, 'collections')
    collection_copy.refresh(collections)
    bindir = os.path.dirname(python or sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_HOME=os.path.join(work, 'ansible-home'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORKS=str(forks), ANSIBLE_LOCALHOST_WARNING='False', ANSIBLE_RETRY_FILES_ENABLED='False',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='False', ILO_USERNAME=USER, ILO_PASSWORD=PASSWORD)
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        env.pop(name, None)
    simulator, ready = start_simulator(count, latency_ms, profile, work)
    urls, ca_path = ready['urls'], ready['ca_path']
    hosts = [u.split('://', 1)[1] for u in urls]
    results = {'count': count, 'latency_ms': latency_ms, 'profile': profile, 'concurrency': concurrency,
               'forks': forks, 'cpus': os.cpu_count(), 'load_start': ' '.join('%.2f' % v for v in os.getloadavg()), 'runs': {}}
    try:
        for name, extra in (('fingerprint', {}), ('facts_min', {'facts': ['min']})):
            source = os.path.join(work, '%s.ilo.yml' % name)
            with open(source, 'w', encoding='utf-8') as handle:
                json.dump(dict({'plugin': 'lightsout.ilo.ilo', 'hosts': hosts, 'ca_path': ca_path, 'concurrency': concurrency,
                                'hostname_from': ['address']}, **extra), handle)
            sim_counters(urls, ca_path, method='DELETE')
            code, wall, cpu = measured([os.path.join(bindir, 'ansible-inventory'), '-i', source, '--graph', '-v'], env,
                                       os.path.join(work, name + '.log'))
            average, methods = per_host(sim_counters(urls, ca_path))
            left_open = sum(len(s['open']) for s in sim_counters(urls, ca_path, 'sessions'))
            with open(os.path.join(work, name + '.log'), encoding='utf-8') as handle:
                summary = [line.strip() for line in handle if line.startswith('lightsout.ilo.ilo: probed')]
            results['runs'][name] = {'exit': code, 'wall_s': round(wall, 2), 'cpu_s': round(cpu, 2), 'hosts': len(hosts),
                                     'requests_per_host': round(average, 2), 'by_method_per_host': methods,
                                     'sessions_left_open': left_open, 'summary': summary[0] if summary else None}
        play_hosts = hosts[:play_hosts or len(hosts)]
        inventory = os.path.join(work, 'hosts.ini')
        with open(inventory, 'w', encoding='utf-8') as handle:
            handle.write('[ilo]\n' + ''.join('h%04d ansible_host=%s\n' % (i, h) for i, h in enumerate(play_hosts)))
            handle.write('\n[ilo:vars]\nansible_connection=local\nansible_python_interpreter=%s\n' % (python or sys.executable))
        book = os.path.join(work, 'facts.yml')
        with open(book, 'w', encoding='utf-8') as handle:
            json.dump([{'hosts': 'ilo', 'gather_facts': False, 'tasks': [{
                'lightsout.ilo.ilo_facts': {'hostname': '{{ ansible_host }}', 'ca_path': ca_path, 'gather_subset': ['min']}}]}], handle)
        sim_counters(urls, ca_path, method='DELETE')
        code, wall, cpu = measured([os.path.join(bindir, 'ansible-playbook'), '-i', inventory, book], env, os.path.join(work, 'play.log'))
        average, methods = per_host(sim_counters(urls[:len(play_hosts)], ca_path))
        results['runs']['ilo_facts_play'] = {'exit': code, 'wall_s': round(wall, 2), 'cpu_s': round(cpu, 2), 'hosts': len(play_hosts),
                                             'requests_per_host': round(average, 2), 'by_method_per_host': methods}
    finally:
        simulator.terminate()
        simulator.wait(30)
        shutil.rmtree(collections, ignore_errors=True)
    play = results['runs']['ilo_facts_play']
    enriched = results['runs']['facts_min']
    per_host_play = play['wall_s'] / play['hosts']
    results['enriched_speedup'] = round(per_host_play * enriched['hosts'] / enriched['wall_s'], 1)
    results['load_end'] = ' '.join('%.2f' % v for v in os.getloadavg())
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=1000)
    parser.add_argument('--latency-ms', type=float, default=50)
    parser.add_argument('--profile', default='ilo5')
    parser.add_argument('--concurrency', type=int, default=128, help='the plugin\'s concurrency')
    parser.add_argument('--play-hosts', type=int, default=None, help='hosts of the per-host ilo_facts play (default: all)')
    parser.add_argument('--forks', type=int, default=25)
    parser.add_argument('--output', help='also write the results as JSON here')
    args = parser.parse_args(argv)
    results = run(args.count, args.latency_ms, args.profile, args.concurrency, args.play_hosts, args.forks)
    enriched = results['runs']['facts_min']
    print('| run | hosts | wall s | CPU s | requests/host | by method/host |')
    print('|---|---|---|---|---|---|')
    for name, item in results['runs'].items():
        methods = ', '.join('%s %s' % kv for kv in item['by_method_per_host'].items())
        print('| %s | %d | %.1f | %.1f | %.2f | %s |' % (name, item['hosts'], item['wall_s'], item['cpu_s'], item['requests_per_host'], methods))
    print('enriched inventory vs per-host play (wall per host, scaled to %d hosts): %.1fx' % (enriched['hosts'], results['enriched_speedup']))
    for name in ('fingerprint', 'facts_min'):
        print(results['runs'][name]['summary'])
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as handle:
            json.dump(results, handle, indent=1)
    return 0 if all(item['exit'] == 0 for item in results['runs'].values()) else 1


if __name__ == '__main__':
    sys.exit(main())
