# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks: lightsout.ilo vs community.general's redfish modules on the same simulated iLOs, same run.

Run by ``make bench`` (not part of ``make test``); writes docs/performance.md and docs/performance.svg.

    python tests/bench/run_bench.py --latency-ms 50 --runs 5 --hosts 100 --forks 25 [--scenarios a,b,c,d,e,f,g,i]
    python tests/bench/run_bench.py --update-section inventory   # only (i), spliced into docs/performance.md

What it does:

* installs community.general from the ``ansible`` wheel (``pip download ansible --no-deps``, only
  ``ansible_collections/community/general/`` extracted, cached in .build/bench) and a copy of this work
  tree as lightsout.ilo (tests/utils/collection_copy.py) into .build/bench/collections;
* starts the simulator (tests/simulator) in this process with a per-request latency (each request and
  each new TLS handshake is delayed), HTTPS with keep-alive;
* for each scenario and each run, for each variant (ours and theirs interleaved, so machine noise hits
  both alike): resets the simulated iLO(s), prepares the state, runs ``ansible-playbook`` and collects
  the wall time of the play's tasks (a callback plugin, tests/bench/callback_plugins), the wall time of
  the whole ``ansible-playbook`` process, its CPU time (user+sys of the process tree), requests by
  method and TLS connections seen by the simulator, and sessions created and left open;
* computes the floor of each single-host variant from the requests the simulator saw (see
  ``dependency_depth``);
* (i) the inventory plugin on ``--inventory-count`` simulated iLOs (tests/bench/bench_inventory.py, its own
  simulator process): fingerprint, ``facts: min``, and the per-host ``ilo_facts`` play on the first
  ``--inventory-play-hosts`` of them, scaled. ``--update-section inventory`` runs only (i) and replaces that
  section of the existing page (``make bench-inventory``).
"""

from __future__ import annotations

import argparse
import glob
import gzip
import io
import json
import os
import platform
import pstats
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import ssl
import base64
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'simulator'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))
sys.path.insert(0, HERE)

import bench_inventory  # noqa: E402  pylint: disable=wrong-import-position,import-error
import collection_copy  # noqa: E402  pylint: disable=wrong-import-position,import-error
import ilosim  # noqa: E402  pylint: disable=wrong-import-position,import-error
import svgchart  # noqa: E402  pylint: disable=wrong-import-position,import-error

BUILD = os.path.join(ROOT, '.build', 'bench')
COLLECTIONS = os.path.join(BUILD, 'collections')
CG_DIR = os.path.join(COLLECTIONS, 'ansible_collections', 'community', 'general')
USER, PASSWORD = 'Administrator', 'password'
OURS, THEIRS = 'lightsout.ilo', 'community.general'

# (d): three BIOS attributes of the ilo5/ilo6 profiles and the real mockups; values as first served
BIOS_CURRENT = {'ProcHyperthreading': 'Enabled', 'Sriov': 'Enabled', 'ThermalConfig': 'OptimalCooling'}
BIOS_CHANGED = {'ProcHyperthreading': 'Disabled', 'Sriov': 'Disabled', 'ThermalConfig': 'IncreasedCooling'}

# (a): the redfish_info commands that return what ilo_facts' subsets return (ours -> theirs):
# system -> GetSystemInventory; processors -> GetCpuInventory; memory -> GetMemoryInventory;
# storage -> GetStorageControllerInventory, GetDiskInventory, GetVolumeInventory; network -> GetNicInventory;
# bios -> GetBiosAttributes; boot -> GetBootOrder, GetBootOverride; power -> GetChassisPower, GetPsuInventory;
# thermal -> GetChassisThermals, GetFanInventory; manager -> GetManagerInventory, GetManagerNicInventory;
# logs -> GetLogs; firmware -> GetFirmwareInventory. redfish_info takes one command list for all categories,
# so each category is its own task.
FULL_INVENTORY = (
    ('Systems', ['GetSystemInventory', 'GetCpuInventory', 'GetMemoryInventory', 'GetStorageControllerInventory',
                 'GetDiskInventory', 'GetVolumeInventory', 'GetNicInventory', 'GetBiosAttributes', 'GetBootOrder',
                 'GetBootOverride']),
    ('Chassis', ['GetChassisPower', 'GetPsuInventory', 'GetChassisThermals', 'GetFanInventory']),
    ('Manager', ['GetManagerInventory', 'GetManagerNicInventory', 'GetLogs']),
    ('Update', ['GetFirmwareInventory']),
)


# ----------------------------------------------------------------------------------------------- setup

def ensure_community_general(python):
    """community.general from the ``ansible`` wheel, extracted once into .build/bench/collections."""
    manifest = os.path.join(CG_DIR, 'MANIFEST.json')
    if not os.path.exists(manifest):
        download = os.path.join(BUILD, 'dl')
        os.makedirs(download, exist_ok=True)
        wheels = sorted(glob.glob(os.path.join(download, 'ansible-*.whl')))
        if not wheels:
            print('Downloading the ansible wheel (community.general is inside it) ...', flush=True)
            subprocess.run([python, '-m', 'pip', 'download', 'ansible', '--no-deps', '--disable-pip-version-check',
                            '--quiet', '-d', download], check=True)
            wheels = sorted(glob.glob(os.path.join(download, 'ansible-*.whl')))
        prefix = 'ansible_collections/community/general/'
        with zipfile.ZipFile(wheels[-1]) as wheel:
            for name in wheel.namelist():
                if name.startswith(prefix) and not name.endswith('/') and '..' not in name.split('/'):
                    wheel.extract(name, COLLECTIONS)
    with open(manifest, encoding='utf-8') as handle:
        return json.load(handle)['collection_info']['version']


def ansible_core_version(python):
    return subprocess.run([python, '-c', 'import ansible.release as r; print(r.__version__)'],
                          check=True, capture_output=True, text=True).stdout.strip()


def our_version():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        match = re.search(r'^version:\s*(\S+)', handle.read(), re.M)
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(['git', 'status', '--porcelain', '--', 'plugins'], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    return '%s (git %s%s)' % (match.group(1) if match else '?', commit, ', plugins/ modified' if dirty else '')


def machine():
    model = '?'
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return {'nproc': os.cpu_count(), 'cpu': model, 'python': platform.python_version(), 'os': platform.platform(),
            'load': ' '.join('%.2f' % value for value in os.getloadavg())}


# ------------------------------------------------------------------------------------- the simulator

def norm_path(target):
    path = target.split('?', 1)[0].split('#', 1)[0].lower()
    return path[:-1] if path.endswith('/') and len(path) > 1 else path


def response_text(response):
    headers = dict((name.lower(), value) for name, value in response.headers)
    body = response.body or b''
    if headers.get('content-encoding') == 'gzip':
        try:
            body = gzip.decompress(body)
        except OSError:
            body = b''
    return (body.decode('utf-8', 'replace') + ' ' + headers.get('location', '')).lower(), headers


class Recorder:
    """Wraps each simulated iLO's request handler and TLS accept to log requests and count connections."""

    def __init__(self, fleet, keep_bodies):
        self.fleet = fleet
        self.keep_bodies = keep_bodies
        self.lock = threading.Lock()
        self.logs = [[] for ilo in fleet.ilos]
        self.connections = [0] * len(fleet.ilos)
        for index, ilo in enumerate(fleet.ilos):
            ilo.handle = self._wrap_handle(index, ilo, ilo.handle)
        for index, server in enumerate(fleet.servers):
            server.get_request = self._wrap_accept(index, server.get_request)

    def _wrap_handle(self, index, ilo, original):
        def handle(method, target, headers, data=b'', **kwargs):
            began = time.monotonic() - ilo.config['latency_ms'] / 1000.0
            response = original(method, target, headers, data, **kwargs)
            record = {'start': began, 'end': time.monotonic(), 'method': method, 'path': norm_path(target),
                      'status': response.status}
            if self.keep_bodies:
                record['text'], rheaders = response_text(response)
                record['token'] = headers.get('X-Auth-Token')
                record['new_token'] = rheaders.get('x-auth-token')
            with self.lock:
                self.logs[index].append(record)
            return response
        return handle

    def _wrap_accept(self, index, original):
        def get_request():
            conn = original()
            with self.lock:
                self.connections[index] += 1
            return conn
        return get_request

    def clear(self):
        with self.lock:
            self.logs = [[] for ilo in self.fleet.ilos]
            self.connections = [0] * len(self.fleet.ilos)
        for ilo in self.fleet.ilos:
            ilo.clear_requests()


def dependency_depth(log):
    """The number of sequential request rounds an ideal client needs for the requests in ``log``.

    A GET of the service root has depth 1. Any other GET depends on the earliest-depth response, among
    those that had completed before it was sent, whose body (or Location header) names its URI, and on the
    login that created the token it carries; a POST/PATCH/PUT/DELETE depends on every request completed
    before it (a write is decided on what was read; a logout comes last). Depth = 1 + the deepest
    dependency. The floor of a variant is (depth + 1) x latency: the +1 is one TLS handshake.
    Repeated reads of one URI get the depth of the first one (an ideal client reads once).
    """
    done = []
    token_depth = {}
    first_depth = {}
    deepest = 0
    for record in sorted(log, key=lambda item: item['start']):
        prior = [item for item in done if item['end'] <= record['start'] + 0.002]
        if record['method'] == 'GET' and record['path'] in first_depth:
            depth = first_depth[record['path']]
        elif record['method'] == 'GET' and record['path'] in ('/redfish/v1', '/rest/v1', '/redfish'):
            depth = 1
        elif record['method'] == 'GET':
            pattern = re.compile(re.escape(record['path']) + r'/?["?#\s]')
            linked = [item['depth'] for item in prior if pattern.search(item['text'])]
            base = min(linked) if linked else max([item['depth'] for item in prior] or [0])
            depth = 1 + max(base, token_depth.get(record.get('token'), 0))
        else:
            depth = 1 + max([item['depth'] for item in prior] or [0])
        if record['method'] == 'GET':
            first_depth.setdefault(record['path'], depth)
        if record.get('new_token'):
            token_depth[record['new_token']] = depth
        done.append(dict(record, depth=depth))
        deepest = max(deepest, depth)
    return deepest


class Simulator:
    """A fleet of ``count`` simulated iLOs in this process, with recording."""

    def __init__(self, count, latency_ms, profile, mockup, keep_bodies, timing=None):
        self.fleet = ilosim.start(profile=profile, mockup=mockup, count=count, latency_ms=latency_ms,
                                  state_dir=os.path.join(BUILD, 'sim-state'), **(timing or {}))
        self.recorder = Recorder(self.fleet, keep_bodies)
        self.latency_ms = latency_ms
        self.context = ssl.create_default_context(cafile=self.fleet.ca_path)

    def close(self):
        self.fleet.close()

    def reset(self):
        for ilo in self.fleet.ilos:
            ilo.reset()

    def call(self, index, method, path, body=None):
        """A Basic-auth request to iLO ``index`` (for preparing states; no session is created)."""
        headers = {'Authorization': 'Basic ' + base64.b64encode(('%s:%s' % (USER, PASSWORD)).encode()).decode(),
                   'Content-Type': 'application/json', 'Accept': 'application/json'}
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.fleet.urls[index] + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, context=self.context, timeout=30) as answer:
            return json.loads(answer.read() or b'null')

    def force_off(self, index=0):
        """Power system 1 of iLO ``index`` off (ForceOff at the advertised target) and wait until it is Off."""
        systems = self.call(index, 'GET', '/redfish/v1/Systems/')
        system = self.call(index, 'GET', systems['Members'][0]['@odata.id'])
        target = system['Actions']['#ComputerSystem.Reset']['target']
        self.call(index, 'POST', target, {'ResetType': 'ForceOff'})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            states = self.fleet.ilos[index].state()['systems']
            if all(item['power_state'] == 'Off' for item in states.values()):
                return
            time.sleep(0.05)
        raise RuntimeError('the simulated system did not power off')

    def snapshot(self):
        sessions = [ilo.session_info() for ilo in self.fleet.ilos]
        return {'created': [item['created_total'] for item in sessions], 'open': [len(item['open']) for item in sessions]}

    def measure(self, before):
        requests = [ilo.requests() for ilo in self.fleet.ilos]
        after = self.snapshot()
        by_method = {}
        for item in requests:
            for method, count in item['by_method'].items():
                by_method[method] = by_method.get(method, 0) + count
        created = [now - then for now, then in zip(after['created'], before['created'])]
        peaks = [ilo.concurrency()['peak'] for ilo in self.fleet.ilos]
        result = {'requests': sum(item['total'] for item in requests), 'by_method': by_method,
                  'peak_connections': max(item['connections'] for item in peaks),
                  'peak_in_service': max(item['in_service'] for item in peaks),
                  'connections': sum(self.recorder.connections), 'sessions_created': sum(created),
                  'sessions_open': sum(after['open']), 'sessions_created_per_host': sorted(set(created)),
                  'by_endpoint': requests[0]['by_endpoint'] if len(requests) == 1 else None}
        if self.recorder.keep_bodies:
            log = self.recorder.logs[0]
            result['depth'] = dependency_depth(log)
            result['wire_s'] = (max(item['end'] for item in log) - min(item['start'] for item in log)) if log else 0.0
        return result


# --------------------------------------------------------------------------------------- playbooks

def ours_defaults():
    return {'hostname': '{{ ilo_url }}', 'username': USER, 'password': PASSWORD, 'ca_path': '{{ ilo_ca }}'}


def theirs_defaults():
    common = {'baseuri': '{{ ilo_baseuri }}', 'validate_certs': True, 'ca_path': '{{ ilo_ca }}'}
    return {'community.general.redfish_%s' % name: dict(common) for name in ('info', 'command', 'config')}


def play(tasks, session_reuse=False):
    defaults = {'group/lightsout.ilo.ilo': ours_defaults()}
    if session_reuse:
        defaults['group/lightsout.ilo.ilo']['session'] = '{{ ilo_login.session | default(omit) }}'
    defaults.update(theirs_defaults())
    for task in tasks:
        task.setdefault('ignore_errors', True)
    return [{'name': 'bench', 'hosts': 'ilo', 'gather_facts': False, 'connection': 'local',
             'module_defaults': defaults, 'tasks': tasks}]


BASIC = {'username': USER, 'password': PASSWORD}
TOKEN = {'auth_token': '{{ cg_login.session.token }}'}


def cg_task(module, category, command, auth=None, **extra):
    args = {'category': category, 'command': command}
    args.update(auth or BASIC)
    args.update(extra)
    return {'name': '%s %s' % (category, command if isinstance(command, str) else ','.join(command)),
            'community.general.redfish_%s' % module: args}


def ours_task(module, **args):
    return {'name': module, 'lightsout.ilo.%s' % module: args}


def four_tasks(side, auth=None):
    """(e): the same four things done by each side."""
    if side == OURS:
        return [ours_task('ilo_facts', gather_subset=['min']), ours_task('ilo_power', state='on'),
                ours_task('ilo_bios_settings', attributes=dict(BIOS_CURRENT)), ours_task('ilo_facts', gather_subset=['firmware'])]
    return [cg_task('info', 'Systems', ['GetSystemInventory'], auth), cg_task('command', 'Systems', ['PowerOn'], auth),
            cg_task('config', 'Systems', ['SetBiosAttributes'], auth, bios_attributes=dict(BIOS_CURRENT)),
            cg_task('info', 'Update', ['GetFirmwareInventory'], auth)]


def fleet_tasks(side):
    """(f): facts (min), power (no-op), BIOS (no-op)."""
    return four_tasks(side)[:3]


def scenarios():
    """Each scenario: key, title, variants (label, side, playbook, setup), the ours/theirs pair for the ratio."""
    login = {'name': 'ilo_session', 'lightsout.ilo.ilo_session': {}, 'register': 'ilo_login', 'no_log': True}
    logout = {'name': 'ilo_session absent', 'lightsout.ilo.ilo_session': {'state': 'absent'}, 'when': 'ilo_login.session is defined'}
    cg_login = dict(cg_task('command', 'Sessions', ['CreateSession']), register='cg_login', no_log=True)
    cg_logout = cg_task('command', 'Sessions', ['DeleteSession'], TOKEN, session_uri='{{ cg_login.session.uri }}')
    inventory = [cg_task('info', category, commands) for category, commands in FULL_INVENTORY]
    return [
        {'key': 'a', 'title': '(a) full inventory', 'variants': [
            ('ilo_facts (all)', OURS, play([ours_task('ilo_facts')]), None),
            ('redfish_info x4 categories', THEIRS, play(inventory), None)]},
        {'key': 'b', 'title': '(b) minimum facts', 'variants': [
            ('ilo_facts (min)', OURS, play([ours_task('ilo_facts', gather_subset=['min'])]), None),
            ('redfish_info GetSystemInventory', THEIRS, play([cg_task('info', 'Systems', ['GetSystemInventory'])]), None),
            ('ilo_facts (min), auth: basic', OURS, play([ours_task('ilo_facts', gather_subset=['min'], auth='basic')]), None)]},
        {'key': 'c1', 'title': '(c) power on, already on', 'noop': True, 'variants': [
            ('ilo_power on', OURS, play([ours_task('ilo_power', state='on')]), None),
            ('redfish_command PowerOn', THEIRS, play([cg_task('command', 'Systems', ['PowerOn'])]), None),
            ('ilo_power on, auth: basic', OURS, play([ours_task('ilo_power', state='on', auth='basic')]), None)]},
        {'key': 'c2', 'title': '(c) power off -> on', 'variants': [
            ('ilo_power on (waits for On)', OURS, play([ours_task('ilo_power', state='on')]), 'off'),
            ('redfish_command PowerOn (no wait)', THEIRS, play([cg_task('command', 'Systems', ['PowerOn'])]), 'off'),
            ('ilo_power on, wait: false', OURS, play([ours_task('ilo_power', state='on', wait=False)]), 'off')]},
        {'key': 'd1', 'title': '(d) BIOS 3 attributes, already set', 'noop': True, 'variants': [
            ('ilo_bios_settings', OURS, play([ours_task('ilo_bios_settings', attributes=dict(BIOS_CURRENT))]), None),
            ('redfish_config SetBiosAttributes', THEIRS,
             play([cg_task('config', 'Systems', ['SetBiosAttributes'], bios_attributes=dict(BIOS_CURRENT))]), None),
            ('ilo_bios_settings, auth: basic', OURS, play([ours_task('ilo_bios_settings', attributes=dict(BIOS_CURRENT), auth='basic')]), None)]},
        {'key': 'd2', 'title': '(d) BIOS 3 attributes, changed', 'variants': [
            ('ilo_bios_settings', OURS, play([ours_task('ilo_bios_settings', attributes=dict(BIOS_CHANGED))]), None),
            ('redfish_config SetBiosAttributes', THEIRS,
             play([cg_task('config', 'Systems', ['SetBiosAttributes'], bios_attributes=dict(BIOS_CHANGED))]), None)]},
        {'key': 'e', 'title': '(e) 4-task play, one session', 'variants': [
            ('ilo_session + 4 tasks + logout', OURS, play([login] + four_tasks(OURS) + [logout], session_reuse=True), None),
            ('CreateSession + 4 tasks + DeleteSession', THEIRS, play([cg_login] + four_tasks(THEIRS, TOKEN) + [cg_logout]), None),
            ('4 tasks, each logs in (ours)', OURS, play(four_tasks(OURS)), None),
            ('4 tasks, Basic auth (theirs)', THEIRS, play(four_tasks(THEIRS)), None)]},
    ]


# (g): the same full inventory on three models of a BMC with realistic service times (ilosim timing).
BMC_MODELS = (('serial BMC (1 worker)', 1), ('4-worker BMC', 4), ('unlimited BMC', 0))
BMC_SEED = 24


def bmc_scenario():
    full = scenarios()[0]
    return {'key': 'g', 'title': '(g) full inventory, realistic service times', 'variants': full['variants']}


def fleet_scenario():
    return {'key': 'f', 'title': '(f) fleet: facts min + power no-op + BIOS no-op', 'variants': [
        ('3 tasks per host', OURS, play(fleet_tasks(OURS)), None),
        ('3 tasks per host', THEIRS, play(fleet_tasks(THEIRS)), None)]}


def calibration_plays():
    """Same fleet shape, trivial tasks: what Ansible itself costs per host-task."""
    return [('ansible.builtin.debug x3 (controller only)', play([{'name': 'debug', 'ansible.builtin.debug': {'msg': 'x'}}] * 3)),
            ('ansible.builtin.ping x3 (module process)', play([{'name': 'ping', 'ansible.builtin.ping': {}}] * 3))]


# ----------------------------------------------------------------------------------------- running

class Runner:
    def __init__(self, args):
        self.args = args
        self.python = sys.executable
        self.playbook_bin = os.path.join(os.path.dirname(self.python), 'ansible-playbook')
        self.work = os.path.join(BUILD, 'work')
        os.makedirs(self.work, exist_ok=True)
        self.counter = 0

    def inventory(self, sim):
        lines = ['[ilo]']
        for index, url in enumerate(sim.fleet.urls):
            lines.append('h%03d ilo_url=%s ilo_baseuri=%s' % (index, url, url[len('https://'):]))
        lines += ['', '[ilo:vars]', 'ansible_connection=local', 'ansible_python_interpreter=%s' % self.python,
                  'ilo_ca=%s' % sim.fleet.ca_path]
        path = os.path.join(self.work, 'inventory-%d.ini' % len(sim.fleet.urls))
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(lines) + '\n')
        return path

    def playbook(self, inventory, plays, forks):
        self.counter += 1
        name = 'run-%04d' % self.counter
        book = os.path.join(self.work, name + '.yml')
        with open(book, 'w', encoding='utf-8') as handle:
            json.dump(plays, handle, indent=1)  # JSON is YAML
        timer = os.path.join(self.work, name + '.timer.json')
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='False',
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'), ANSIBLE_CALLBACKS_ENABLED='bench_timer',
                   BENCH_TIMER_FILE=timer, ANSIBLE_HOME=os.path.join(BUILD, 'ansible-home'), ANSIBLE_FORKS=str(forks),
                   ANSIBLE_LOCALHOST_WARNING='False', ANSIBLE_RETRY_FILES_ENABLED='False', ANSIBLE_NOCOLOR='1',
                   ANSIBLE_DEPRECATION_WARNINGS='False', ANSIBLE_SYSTEM_WARNINGS='False')
        for variable in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
            env.pop(variable, None)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        with open(os.path.join(self.work, name + '.log'), 'w', encoding='utf-8') as log:
            code = subprocess.call([self.playbook_bin, '-i', inventory, book], env=env, stdout=log, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        try:
            with open(timer, encoding='utf-8') as handle:
                timing = json.load(handle)
        except (OSError, ValueError):
            timing = {'tasks': []}
        return summarise(timing, wall, cpu, code, os.path.join(self.work, name + '.log'))


def summarise(timing, wall, cpu, code, log):
    tasks = timing['tasks']
    ends = [host['end'] for task in tasks for host in task['hosts'].values()]
    tasks_s = (max(ends) - tasks[0]['start']) if tasks and ends else None
    failures, changed = [], 0
    for task in tasks:
        for host, record in task['hosts'].items():
            changed += 1 if record.get('changed') else 0
            if record['status'] in ('failed', 'unreachable'):
                failures.append('%s on %s: %s' % (task['name'], host, record.get('msg', '')))
    host_tasks = sum(len(task['hosts']) for task in tasks)
    return {'tasks_s': tasks_s, 'wall_s': wall, 'cpu_s': cpu, 'rc': code, 'failures': failures, 'changed': changed,
            'host_tasks': host_tasks, 'log': log}


def run_scenario(runner, sim, scenario, runs, forks):
    inventory = runner.inventory(sim)
    results = {label_side(variant): [] for variant in scenario['variants']}
    for run in range(runs):
        for variant in scenario['variants']:
            label, side, plays, setup = variant
            sim.reset()
            if setup == 'off':
                for index in range(len(sim.fleet.ilos)):
                    sim.force_off(index)
            sim.recorder.clear()
            before = sim.snapshot()
            sim_cpu = time.process_time()
            outcome = runner.playbook(inventory, plays, forks)
            outcome['sim_cpu_s'] = time.process_time() - sim_cpu
            outcome.update(sim.measure(before))
            results[label_side(variant)].append(outcome)
            print('  %-4s run %d  %-20s %-45s tasks %6.2fs  wall %6.2fs  %4d requests%s' % (
                scenario['key'], run + 1, side, label, outcome['tasks_s'] or -1, outcome['wall_s'], outcome['requests'],
                '  FAILED: %s' % outcome['failures'][0][:150] if outcome['failures'] else ''), flush=True)
    return results


def label_side(variant):
    return '%s|%s' % (variant[1], variant[0])


def stats(values):
    values = [value for value in values if value is not None]
    if not values:
        return None
    return (statistics.median(values), min(values), max(values))


# ------------------------------------------------------------------------------------------ profile

PROFILE_RUNNER = """
import cProfile, runpy, sys, time
path, argfile, out = sys.argv[1:4]
sys.argv = [path, argfile]
prof = cProfile.Profile(time.process_time)
try:
    prof.runcall(runpy.run_path, path, run_name='__main__')
except SystemExit:
    pass
prof.dump_stats(out)
"""


def child_cpu(command, env=None):
    """CPU seconds (user+sys) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    answer = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall, answer


def profile_module(sim, module, args, top=15):
    """One module run outside Ansible: CPU of the process, of its imports, and a CPU-time cProfile."""
    out = os.path.join(BUILD, 'work', 'profile-%s.prof' % module)
    argfile = os.path.join(BUILD, 'work', 'profile-%s.json' % module)
    module_args = dict(args, hostname=sim.fleet.urls[0], username=USER, password=PASSWORD, ca_path=sim.fleet.ca_path)
    with open(argfile, 'w', encoding='utf-8') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': module_args}, handle)
    path = os.path.join(COLLECTIONS, 'ansible_collections', 'lightsout', 'ilo', 'plugins', 'modules', module + '.py')
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    for variable in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        env.pop(variable, None)
    cpu, wall, answer = child_cpu([sys.executable, path, argfile], env)
    base_cpu = child_cpu([sys.executable, '-c', 'import ansible.module_utils.basic'], env)[0]
    import_cpu = child_cpu([sys.executable, '-c', 'import ansible_collections.lightsout.ilo.plugins.modules.%s' % module], env)[0]
    child_cpu([sys.executable, '-c', PROFILE_RUNNER, path, argfile, out], env)
    if not os.path.exists(out):
        return {'module': module, 'error': (answer.stdout + answer.stderr)[-500:]}
    text = io.StringIO()
    prof = pstats.Stats(out, stream=text)
    prof.sort_stats('tottime').print_stats(top)
    return {'module': module, 'args': args, 'wall_s': wall, 'cpu_s': cpu, 'python_plus_basic_cpu_s': base_cpu,
            'import_cpu_s': import_cpu, 'buckets': profile_buckets(prof), 'top': text.getvalue(),
            'ok': '"failed": true' not in answer.stdout}


def profile_buckets(prof):
    """Self time (tottime) grouped by what the code does."""
    groups = {}
    total = 0.0
    for (filename, line, func), row in prof.stats.items():  # pylint: disable=unused-variable
        total += row[2]
        key = bucket(filename, func)
        groups[key] = groups.get(key, 0.0) + row[2]
    return {'total_s': total, 'groups': sorted(groups.items(), key=lambda item: -item[1])}


def bucket(filename, func):
    if func == '<module>' or 'importlib' in filename or 'marshal' in func or '_imp.' in func or 'builtins.compile' in func:
        return 'imports (module bodies, unmarshalling)'
    if filename.endswith('/ssl.py') or '_ssl.' in func or 'SSLContext' in func:
        return 'TLS (CA loading, handshake, encryption)'
    if 'lightsout' in filename:
        return 'lightsout.ilo code'
    if '_socket' in func or 'select' in func or 'thread.lock' in func or 'sleep' in func:
        return 'sockets, threads, locks'
    if '/json/' in filename or 'json' in func:
        return 'JSON'
    if '/re/' in filename or 'sre_' in filename or '_sre' in func:
        return 'regular expressions'
    if 'ansible/module_utils' in filename:
        return 'AnsibleModule (arguments, exit_json)'
    if 'requests' in filename or 'urllib3' in filename or 'http/client' in filename or '/email/' in filename:
        return 'requests / urllib3 / http.client'
    if 'concurrent' in filename or 'threading' in filename:
        return 'thread pools'
    return 'other (stdlib)'


# ------------------------------------------------------------------------------------------- report

WRITE_METHODS = ('POST', 'PATCH', 'PUT', 'DELETE')


def writes_besides_sessions(outcome):
    """Writes other than the login POST and the logout DELETE (single-host variants only)."""
    endpoints = outcome.get('by_endpoint') or {}
    count = 0
    for key, value in endpoints.items():
        method, path = key.split(' ', 1)
        if method in WRITE_METHODS and 'session' not in path:
            count += value
    return count


def fmt_s(value):
    return '-' if value is None else ('%.2f' % value if value < 100 else '%.0f' % value)


def fmt_stats(triple):
    if not triple:
        return '-'
    return '%s (%s–%s)' % (fmt_s(triple[0]), fmt_s(triple[1]), fmt_s(triple[2]))


def methods_text(by_method):
    return ' '.join('%s %d' % (method, by_method[method]) for method in ('GET', 'POST', 'PATCH', 'PUT', 'DELETE') if by_method.get(method)) or '0'


def variant_summary(scenario, variant, outcomes, latency_s):
    label, side = variant[0], variant[1]
    last = outcomes[-1]
    requests = [item['requests'] for item in outcomes]
    summary = {'label': label, 'side': side, 'tasks': stats([item['tasks_s'] for item in outcomes]),
               'wall': stats([item['wall_s'] for item in outcomes]), 'cpu': stats([item['cpu_s'] for item in outcomes]),
               'sim_cpu': stats([item['sim_cpu_s'] for item in outcomes]),
               'requests': statistics.median(requests), 'requests_range': (min(requests), max(requests)),
               'by_method': last['by_method'], 'connections': last['connections'],
               'sessions_created': last['sessions_created'], 'sessions_open': max(item['sessions_open'] for item in outcomes),
               'sessions_per_host': last['sessions_created_per_host'],
               'changed': last['changed'], 'failures': sorted(set(f for item in outcomes for f in item['failures'])),
               'host_tasks': last['host_tasks'], 'writes': writes_besides_sessions(last),
               'by_endpoint': last.get('by_endpoint'),
               'peak_connections': max(item.get('peak_connections', 0) for item in outcomes),
               'peak_in_service': max(item.get('peak_in_service', 0) for item in outcomes)}
    if 'depth' in last:
        summary['depth'] = last['depth']
        summary['floor_s'] = (last['depth'] + 1) * latency_s
        summary['wire'] = stats([item['wire_s'] for item in outcomes])
    return summary


def pair(summaries):
    ours = next((item for item in summaries if item['side'] == OURS), None)
    theirs = next((item for item in summaries if item['side'] == THEIRS), None)
    return ours, theirs


def ratio(first, second):
    if first is None or second in (None, 0):
        return None
    return first / second


def build_report(data):
    args = data['args']
    latency_s = args['latency_ms'] / 1000.0
    lines = []
    add = lines.append
    add('# Performance: lightsout.ilo vs community.general')
    add('')
    add('Generated by `make bench` (tests/bench/run_bench.py) on %s. Numbers from one run of the harness: both '
        'collections ran against the same simulated iLOs (`ilosim`, profile `%s`) in the same run, '
        'each request and each new TLS handshake delayed by **%d ms**. Runs were interleaved '
        '(ours, theirs, ours, ...) so that machine noise hits both alike.'
        % (data['date'], args['mockup'] or args['profile'], args['latency_ms']))
    add('')
    add('Command:')
    add('')
    add('```')
    add(data['command'])
    add('```')
    add('')
    add('Options (Makefile variables): `BENCH_LATENCY_MS` per request and per TLS handshake, `BENCH_RUNS` runs per '
        'measurement, `BENCH_FLEET_RUNS`, `BENCH_HOSTS`, `BENCH_FORKS`, `BENCH_SCENARIOS` (a-g, comma-separated, or '
        '`all`), `BENCH_BMC_RUNS` and `BENCH_BMC_SCALE` (runs and time scale of (g)), `BENCH_INVENTORY_COUNT` and '
        '`BENCH_INVENTORY_PLAY_HOSTS` (iLOs of (i), and how many of them the per-host play runs on), `BENCH_MOCKUP` (a mockup '
        'tree served instead of the `ilo5` profile), `BENCH_OUTPUT`. It needs no '
        'hardware and no network beyond the package index (community.general comes from the `ansible` wheel, cached in '
        '.build/bench). Raw results are kept in .build/bench/results.json; '
        '`python tests/bench/run_bench.py --from-json .build/bench/results.json` rewrites this page from them.')
    add('')
    mach = data['machine']
    busy = float(str(mach['load']).split()[0]) > 0.5 * int(mach['nproc'])
    add('Machine: %s CPUs (`nproc`), %s; %s; Python %s; ansible-core %s. Load average at start / end: %s / %s (%s; '
        'the end figure includes the benchmark\'s own fleet play, %d forks). Runs of the two collections are interleaved, '
        'so ratios are the more robust figure.'
        % (mach['nproc'], mach['cpu'], mach['os'], mach['python'], data['ansible_core'], mach['load'], data['load_end'],
           'the machine was busy with other work when the run started: absolute times are noisy' if busy
           else 'nothing else was running when the run started', args['forks']))
    add('')
    add('Versions: lightsout.ilo %s; community.general %s (from the `ansible` %s wheel).'
        % (data['ours_version'], data['cg_version'], data.get('ansible_wheel', '?')))
    add('')
    add('## What is measured')
    add('')
    add('- **task s**: wall time of the play\'s tasks (first task start to last result, from a callback plugin), '
        'median of %d runs with (min–max). This excludes `ansible-playbook` start-up, which is the same for both '
        '(see **playbook s**, the whole process).' % args['runs'])
    add('- **requests**: requests the simulated iLO answered (`/_sim/requests`), by method; **TLS**: TLS connections it '
        'accepted (each costs a handshake, delayed like a request).')
    add('- **sessions**: sessions created during the play / left open after it (`/_sim/sessions`).')
    add('- **floor**: (dependency depth + 1) × latency. The depth is computed from the requests the simulator saw: the '
        'service root has depth 1; any other GET depends on the shallowest earlier response whose body (or `Location`) '
        'names its URI, and on the login that issued its token; a write (POST/PATCH/DELETE) depends on everything '
        'answered before it (it is decided on what was read; logout comes last). A repeated read of a URI counts once. '
        'The +1 is one TLS handshake. It is the time an ideal client with unlimited parallelism and zero CPU would '
        'need for the same requests: each side\'s floor is computed from its own requests. **wire s** is the time '
        'from the first request\'s arrival to the last answer.')
    add('- **ratio**: ours / theirs, for task time and requests.')
    add('')
    add('![task wall time per scenario](performance.svg)')
    add('')
    add('## Results (single iLO, %d ms per request)' % args['latency_ms'])
    add('')
    add('| scenario | collection | variant | task s, median (min–max) | playbook s | requests | by method | TLS | sessions created / open '
        '| changed | wire s | floor s (depth) | ratio time | ratio requests |')
    add('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for scenario in data['scenarios']:
        ours, theirs = pair(scenario['summaries'])
        for item in scenario['summaries']:
            rt = rq = ''
            if item is ours and theirs:
                value = ratio(ours['tasks'] and ours['tasks'][0], theirs['tasks'] and theirs['tasks'][0])
                rt = '**%.2f**' % value if value is not None else '-'
                value = ratio(ours['requests'], theirs['requests'])
                rq = '**%.2f**' % value if value is not None else '-'
            req = '%g' % item['requests'] if item['requests_range'][0] == item['requests_range'][1] else \
                '%g (%d–%d)' % (item['requests'], item['requests_range'][0], item['requests_range'][1])
            fail = ' ⚠ failed' if item['failures'] else ''
            add('| %s | %s | %s%s | %s | %s | %s | %s | %d | %d / %d | %d | %s | %s | %s | %s |' % (
                scenario['title'], item['side'], item['label'], fail, fmt_stats(item['tasks']), fmt_s(item['wall'][0]), req,
                methods_text(item['by_method']), item['connections'], item['sessions_created'], item['sessions_open'],
                item['changed'], fmt_s(item['wire'][0]) if item.get('wire') else '-',
                '%s (%d)' % (fmt_s(item['floor_s']), item['depth']) if 'depth' in item else '-', rt, rq))
    add('')
    failures = [(scenario['title'], item) for scenario in data['scenarios'] + data.get('fleet', []) for item in scenario['summaries'] if item['failures']]
    if failures:
        add('### Failures (recorded, not hidden)')
        add('')
        for title, item in failures:
            for failure in item['failures'][:5]:
                add('- %s, %s %s: `%s`' % (title, item['side'], item['label'], failure.replace('`', "'")[:400]))
        add('')
    bmc_lines(data, add)
    fleet_lines(data, add)
    add(inventory_section(data).rstrip('\n'))
    add('')
    targets_lines(data, add)
    profile_lines(data, add)
    details_lines(data, add)
    return '\n'.join(lines) + '\n'


def bmc_lines(data, add):
    """(g): ours vs theirs on a serial, a 4-worker and an unlimited BMC with realistic service times."""
    if not data.get('bmc'):
        return
    args = data['args']
    add('## BMC models: realistic service times, serial / 4 workers / unlimited')
    add('')
    add('Scenario (a) again (`ilo_facts` all vs `redfish_info` for the same categories), on a simulated iLO with '
        'realistic service times (`ilosim` `service_times: realistic`, seed %d: each resource\'s typical GET time drawn '
        'from a lognormal with median 0.27 s and p90 0.5 s, answers jittered around it, rare 2–8 s stalls, logins '
        '1.2 s, TLS handshakes 0.08 s), all scaled by **%s** (`BENCH_BMC_SCALE`; 1 = real time), no added latency. '
        'The BMC serves 1, 4 or unlimited requests and TLS handshakes at once; the others wait. Median of %d runs '
        '(`BENCH_BMC_RUNS`). **peak conn.** / **peak served**: the most simultaneous connections / requests in '
        'service the simulator saw (`/_sim/concurrency`). **speed-up** = theirs / ours, task time.'
        % (BMC_SEED, args.get('bmc_scale'), args.get('bmc_runs') or 1))
    add('')
    add('| BMC | collection | variant | task s, median (min–max) | requests | TLS | peak conn. | peak served | failures '
        '| speed-up |')
    add('|---|---|---|---|---|---|---|---|---|---|')
    for model in data['bmc']:
        ours, theirs = pair(model['summaries'])
        for item in model['summaries']:
            speed = ''
            if item is ours and theirs:
                value = ratio(theirs['tasks'] and theirs['tasks'][0], ours['tasks'] and ours['tasks'][0])
                speed = '**%.1f×**' % value if value is not None else '-'
            add('| %s | %s | %s | %s | %g | %d | %d | %d | %d | %s |' % (
                model['model'], item['side'], item['label'], fmt_stats(item['tasks']), item['requests'],
                item['connections'], item.get('peak_connections', 0), item.get('peak_in_service', 0),
                len(item['failures']), speed))
    add('')
    add('Targets (issue 24): zero failures on every model; on the serial BMC no slower than community.general; on a '
        'parallel one at least 5× faster.')
    add('')
    for model in data['bmc']:
        ours, theirs = pair(model['summaries'])
        if not (ours and theirs and ours['tasks'] and theirs['tasks']):
            continue
        speed = theirs['tasks'][0] / ours['tasks'][0]
        target = 1.0 if model['workers'] == 1 else 5.0
        add('- %s: %.1f× (target ≥ %g×: %s); failures ours %d, theirs %d.' % (
            model['model'], speed, target, 'met' if speed >= target else 'NOT met', len(ours['failures']),
            len(theirs['failures'])))
    add('')


def fleet_lines(data, add):
    if not data.get('fleet'):
        return
    args = data['args']
    add('## Fleet (%d simulated iLOs in one process, forks %d, %d ms)' % (args['hosts'], args['forks'], args['latency_ms']))
    add('')
    add('Three tasks per host, each logging in on its own (ours: session login/logout; theirs: Basic auth): facts (min), '
        'power on (already on), BIOS 3 attributes (already set). Median of %d runs (min–max). host-tasks/min counts the whole '
        '`ansible-playbook` process (start-up included). CPU is user+sys of `ansible-playbook` and every process it started; '
        'the simulator (this process) is reported apart.' % args['fleet_runs'])
    add('')
    add('| collection / play | playbook s | host-tasks | host-tasks/min | CPU s | CPU s per host-task | simulator CPU s | requests '
        '| sessions created / open | failures |')
    add('|---|---|---|---|---|---|---|---|---|---|')
    for scenario in data['fleet']:
        for item in scenario['summaries']:
            per_min = item['host_tasks'] / item['wall'][0] * 60 if item['wall'] and item['host_tasks'] else 0
            add('| %s %s | %s | %d | %.0f | %s | %.3f | %s | %g | %d / %d | %d |' % (
                item['side'], item['label'], fmt_stats(item['wall']), item['host_tasks'], per_min, fmt_s(item['cpu'][0]),
                item['cpu'][0] / item['host_tasks'] if item['host_tasks'] else 0, fmt_s(item['sim_cpu'][0]), item['requests'],
                item['sessions_created'], item['sessions_open'], len(item['failures'])))
    add('')


INVENTORY_HEADING = '## Fleet inventory (i): the inventory plugin'


def inventory_section(data):
    """(i), issue 21: the ``lightsout.ilo.ilo`` inventory plugin vs the per-host ``ilo_facts`` play (markdown, '' if not run)."""
    inv = data.get('inventory')
    if not inv:
        return ''
    lines = []
    add = lines.append
    runs = inv['runs']
    play, fingerprint, enriched = runs['ilo_facts_play'], runs['fingerprint'], runs['facts_min']
    scale = float(inv['count']) / play['hosts']
    add('%s, %d simulated iLOs, %g ms' % (INVENTORY_HEADING, inv['count'], inv['latency_ms']))
    add('')
    add('Measured %s on %s CPUs (load average at start / end: %s / %s) by `%s`. One simulator process serves the '
        'fleet (profile `%s`, each request and each new TLS handshake delayed by %g ms; its CPU is not counted). '
        '**fingerprint** and **facts: min** are one `ansible-inventory -i <source> --graph -v` each, the plugin with '
        '`concurrency: %d`; **ilo_facts play** is `ansible-playbook` with one `lightsout.ilo.ilo_facts` task '
        '(`gather_subset: min`, connection local, %d forks) per host, run on the first %d of the %d iLOs '
        '(`BENCH_INVENTORY_PLAY_HOSTS`) because its cost is per host; the row **scaled** multiplies its wall and CPU '
        'time by %g (an estimate, not a measurement). CPU s is user+sys of the process and every process it started; '
        'requests per host are what the simulator answered.'
        % (inv.get('date', '?'), inv['cpus'], inv.get('load_start', '?'), inv.get('load_end', '?'), inv.get('command', 'make bench'),
           inv['profile'], inv['latency_ms'], inv['concurrency'], inv['forks'], play['hosts'], inv['count'], scale))
    add('')
    add('| run | hosts | wall s | CPU s | CPU ms per host | requests per host | by method per host | sessions left open | exit |')
    add('|---|---|---|---|---|---|---|---|---|')
    rows = [('fingerprint', fingerprint), ('facts: min', enriched), ('ilo_facts play, measured', play)]
    for label, item in rows:
        add('| %s | %d | %.1f | %.1f | %.1f | %.2f | %s | %s | %d |' % (
            label, item['hosts'], item['wall_s'], item['cpu_s'], 1000.0 * item['cpu_s'] / item['hosts'], item['requests_per_host'],
            methods_text(item['by_method_per_host']), item.get('sessions_left_open', '-'), item['exit']))
    add('| ilo_facts play, **scaled** ×%g (estimate) | %d | %.0f | %.0f | %.1f | %.2f | %s | - | - |' % (
        scale, inv['count'], play['wall_s'] * scale, play['cpu_s'] * scale, 1000.0 * play['cpu_s'] / play['hosts'],
        play['requests_per_host'], methods_text(play['by_method_per_host'])))
    add('')
    speedup = play['wall_s'] * scale / enriched['wall_s'] if enriched['wall_s'] else 0
    add('Targets (issue 21):')
    add('')
    add('- fingerprint %d iLOs in ≤ 10 s on 2 cores: %.1f s wall, %.1f CPU s on %s CPUs: %s.' % (
        inv['count'], fingerprint['wall_s'], fingerprint['cpu_s'], inv['cpus'], 'met' if fingerprint['wall_s'] <= 10 else '**NOT met**'))
    add('- enriched inventory (`facts: min`) at least 10× faster than the per-host play: %.1f s against %.0f s (scaled) = '
        '%.1f×: %s.' % (enriched['wall_s'], play['wall_s'] * scale, speedup, 'met' if speedup >= 10 else '**NOT met**'))
    add('')
    add('The plugin\'s own summary lines (`-v`):')
    add('')
    add('```')
    for name in ('fingerprint', 'facts_min'):
        add(runs[name].get('summary') or '(none)')
    add('```')
    add('')
    return '\n'.join(lines).rstrip('\n') + '\n\n'


def splice_inventory_section(page, section):
    """``page`` with its (i) section replaced by ``section`` (or inserted before the Targets section)."""
    start = page.find(INVENTORY_HEADING)
    if start >= 0:
        end = page.find('\n## ', start + 1)
        return page[:start] + section + (page[end + 1:] if end >= 0 else '')
    anchor = page.find('## Targets (issue 7)')
    if anchor < 0:
        return page.rstrip('\n') + '\n\n' + section
    return page[:anchor] + section + page[anchor:]


def inventory_run(args, python):
    command = 'make bench%s BENCH_INVENTORY_COUNT=%d BENCH_INVENTORY_PLAY_HOSTS=%d BENCH_LATENCY_MS=%d BENCH_FORKS=%d' % (
        '-inventory' if args.update_section else '', args.inventory_count, args.inventory_play_hosts, args.latency_ms, args.forks)
    print('  i    inventory plugin: %d iLOs (play on %d)' % (args.inventory_count, args.inventory_play_hosts), flush=True)
    result = bench_inventory.run(args.inventory_count, args.latency_ms, args.profile, args.inventory_concurrency,
                                 args.inventory_play_hosts, args.forks, python=python)
    result['date'] = time.strftime('%Y-%m-%d %H:%M %Z')
    result['command'] = command
    return result


def targets_lines(data, add):
    add('## Targets (issue 7): where we stand')
    add('')
    add('| target | measured | met |')
    add('|---|---|---|')
    by_key = {scenario['key']: scenario for scenario in data['scenarios']}
    if 'a' in by_key:
        ours, theirs = pair(by_key['a']['summaries'])
        time_ratio = ratio(ours['tasks'][0], theirs['tasks'][0])
        req_ratio = ratio(ours['requests'], theirs['requests'])
        add('| full inventory at %d ms: ≤ 1/4 of community.general\'s wall time | task time %.2f s vs %.2f s = %.2f '
            '(whole playbook %.2f s vs %.2f s = %.2f) | %s |' % (
                data['args']['latency_ms'], ours['tasks'][0], theirs['tasks'][0], time_ratio, ours['wall'][0], theirs['wall'][0],
                ours['wall'][0] / theirs['wall'][0], yes(time_ratio <= 0.25)))
        add('| full inventory: ≤ 1/2 of its requests | %g vs %g = %.2f | %s |' % (ours['requests'], theirs['requests'], req_ratio, yes(req_ratio <= 0.5)))
        add('| full inventory: within 2× of the floor | floor %.2f s (depth %d); on the wire %.2f s = %.1f×; task time %.2f s = %.1f× '
            '(includes module start-up CPU, see the profile) | wire: %s; task: %s |' % (
                ours['floor_s'], ours['depth'], ours['wire'][0], ours['wire'][0] / ours['floor_s'], ours['tasks'][0],
                ours['tasks'][0] / ours['floor_s'], yes(ours['wire'][0] <= 2 * ours['floor_s']), yes(ours['tasks'][0] <= 2 * ours['floor_s'])))
    for key in ('b', 'c1', 'd1'):
        if key not in by_key:
            continue
        theirs = pair(by_key[key]['summaries'])[1]
        for ours in [item for item in by_key[key]['summaries'] if item['side'] == OURS]:
            add('| no-op %s: zero writes, no more requests than community.general | ours %d writes besides login/logout, %g requests '
                '(%s); theirs %d writes, %g requests (%s); changed: ours %d, theirs %d | %s |' % (
                    by_key[key]['title'] + ', ' + ours['label'], ours['writes'], ours['requests'], methods_text(ours['by_method']),
                    theirs['writes'], theirs['requests'], methods_text(theirs['by_method']), ours['changed'], theirs['changed'],
                    yes(ours['writes'] == 0 and ours['requests'] <= theirs['requests'])))
    if 'e' in by_key:
        ours = by_key['e']['summaries'][0]
        add('| session-reuse play: exactly one session per host, none left open | %d created (per host: %s), %d open | %s |' % (
            ours['sessions_created'], ours['sessions_per_host'], ours['sessions_open'],
            yes(ours['sessions_per_host'] == [1] and ours['sessions_open'] == 0)))
    for scenario in data.get('fleet', []):
        ours = scenario['summaries'][0]
        per_min = ours['host_tasks'] / ours['wall'][0] * 60
        add('| fleet: ≥ 300 host-tasks per minute on %d cores | %.0f host-tasks/min (%d hosts × 3 tasks, median playbook %.1f s); '
            'CPU %.3f s per host-task | %s |' % (data['machine']['nproc'], per_min, data['args']['hosts'], ours['wall'][0],
                                                 ours['cpu'][0] / ours['host_tasks'], yes(per_min >= 300)))
    add('')


def yes(flag):
    return 'yes' if flag else '**no**'


def profile_lines(data, add):
    calib = data.get('calibration') or []
    fleet = data.get('fleet') or []
    if calib and fleet:
        add('## Where the CPU goes (per host-task)')
        add('')
        add('The same fleet play with trivial tasks shows what Ansible itself costs: `debug` runs only in the controller, '
            '`ping` adds a module process (interpreter start-up, AnsiballZ unpacking, `AnsibleModule`).')
        add('')
        add('| play | CPU s per host-task (median) | playbook s |')
        add('|---|---|---|')
        rows = [(item['label'], item['cpu'][0] / item['host_tasks'], item['wall'][0]) for item in calib if item['host_tasks']]
        for scenario in fleet:
            for item in scenario['summaries']:
                if item['host_tasks']:
                    rows.append(('%s: %s' % (item['side'], item['label']), item['cpu'][0] / item['host_tasks'], item['wall'][0]))
        for label, per_task, wall in rows:
            add('| %s | %.3f | %.1f |' % (label, per_task, wall))
        add('')
        if len(calib) == 2 and calib[0]['host_tasks'] and calib[1]['host_tasks']:
            debug = calib[0]['cpu'][0] / calib[0]['host_tasks']
            ping = calib[1]['cpu'][0] / calib[1]['host_tasks']
            ours = fleet[0]['summaries'][0]
            total = ours['cpu'][0] / ours['host_tasks']
            add('Split of our %.3f CPU s per host-task: controller (task queueing, templating, forks, results) ≈ %.3f s '
                '(%.0f%%); module process start-up (Python, AnsiballZ, AnsibleModule) ≈ %.3f s (%.0f%%); our module code, '
                'imports (requests), TLS and JSON ≈ %.3f s (%.0f%%).' % (
                    total, debug, 100 * debug / total, ping - debug, 100 * (ping - debug) / total, total - ping,
                    100 * (total - ping) / total))
            add('')
    for prof in data.get('profiles', []):
        add('### cProfile of one `%s` run (%s), outside Ansible' % (prof['module'], json.dumps(prof.get('args'))))
        add('')
        if prof.get('error'):
            add('Profile failed: `%s`' % prof['error'])
            add('')
            continue
        add('The module run as a plain process (no Ansible worker): CPU %.3f s, wall %.3f s. Of the CPU, the interpreter and '
            '`import ansible.module_utils.basic` take %.3f s; importing the module with everything it imports (requests, urllib3, '
            'jmespath, our module_utils) %.3f s; the run itself the remaining %.3f s. CPU-time profile (cProfile with a '
            'process-time clock, which counts the CPU of every thread of the process, so time the main thread spends in a '
            'lock waiting for the worker threads shows up as lock time; profiling inflates it), self time by area:' % (
                prof['cpu_s'], prof['wall_s'], prof['python_plus_basic_cpu_s'], prof['import_cpu_s'],
                prof['cpu_s'] - prof['import_cpu_s']))
        add('')
        add('| area | self s | share |')
        add('|---|---|---|')
        total = prof['buckets']['total_s'] or 1
        for name, value in prof['buckets']['groups']:
            add('| %s | %.3f | %.0f%% |' % (name, value, 100 * value / total))
        add('')
        add('<details><summary>top functions by self CPU time</summary>')
        add('')
        add('```')
        add('\n'.join(line for line in prof['top'].splitlines() if line.strip())[:6000])
        add('```')
        add('</details>')
        add('')


def details_lines(data, add):
    add('## Requests per URI (last run)')
    add('')
    add('Endpoints read more than once in a task set show where requests go; "x N" is the count.')
    add('')
    for scenario in data['scenarios']:
        for item in scenario['summaries']:
            endpoints = item.get('by_endpoint') or {}
            repeated = sorted(((count, key) for key, count in endpoints.items() if count > 1), reverse=True)
            add('- %s, %s %s: %d distinct URIs; repeated: %s' % (
                scenario['title'], item['side'], item['label'], len(endpoints),
                ', '.join('`%s` x %d' % (key, count) for count, key in repeated[:8]) or 'none'))
    add('')
    add('## Cheap speedups found')
    add('')
    for note in SPEEDUPS:
        add('- ' + note)
    add('')
    add('## Notes')
    add('')
    for note in NOTES:
        add('- ' + note)
    add('')


SPEEDUPS = [
    'APPLIED (measured in the table above): `ilo_facts` gathers every (system, subset) pair and every service subset in '
    'one bounded pool (`workers`), so (a) is on the wire for 0.70 s against a floor of 0.40 s; the storage chains '
    '(Storage -> Drives -> Volumes, SmartStorage -> ArrayControllers -> DiskDrives -> LogicalDrives) stay sequential '
    'inside their subset, which is what sets the depth.',
    'APPLIED: collections are read with `$expand=.` where the service root advertises '
    '`ProtocolFeaturesSupported.ExpandQuery` (iLO 5 and 6, not iLO 4) and the expanded members are remembered, so finding '
    'and reading the system is one GET: (b) and (c) no-ops are 2 GETs against community.general\'s 3.',
    'APPLIED: `ilo_bios_settings` does not read the attribute registry when every wanted value is already current with '
    'nothing pending (it has nothing to validate): the (d) no-op is 4 GETs, as many as community.general, and pending '
    'values are still checked.',
    'APPLIED: `ilo_session state: absent` sends one DELETE (a 401/404 answer means the session was already gone); check '
    'mode still GETs the session. (e) is 15 requests against community.general\'s 29.',
    'By design, not changed: with the default `auth: session` every task logs in and out (POST + DELETE), 2 requests more '
    'than community.general\'s Basic auth on a no-op. `auth: basic` or one `ilo_session` per play (scenario e) removes '
    'them; sessions are the default because iLO creates and deletes a transient session behind every Basic-authenticated '
    'request (reference/ilo-api-notes.md), which costs time on slow iLOs and the simulator does not model.',
    'Left as is: `ilo_power on` with `wait: false` reads the system once more after the reset to report the state it '
    'returns (login, 3 GETs, the reset, logout: 6 requests; community.general: 3 GETs and the reset).',
    'Fleet: the play is CPU-bound (0.395 CPU s x 300 host-tasks / 2 cores = 59 s of the 61.5 s), so only less CPU per '
    'task makes it faster. Ansible itself costs 0.266 s per host-task (`ping`), which caps any module-running play at '
    'about 450 host-tasks/min here. Measured outside Ansible (best of 15): `import ansible.module_utils.basic` 0.081 CPU '
    's; adding `import requests` 0.135 s (+0.054 s, mostly urllib3); adding the stdlib `http.client`, `ssl` and '
    '`urllib.request` instead 0.093 s (+0.012 s). A stdlib transport would save about 0.04 s per host-task (about 10%, '
    'enough for 300/min) but would replace `requests`, a declared runtime dependency whose TLS and proxy environment '
    'variables (`REQUESTS_CA_BUNDLE`, `HTTPS_PROXY`) users rely on: not done.',
    'Tried, no gain: `ANSIBLE_PIPELINING=True` for both sides (one fleet run each: ours 66.5 s, community.general 70.6 s, '
    '`ping` 41.6 s); with the `local` connection the module is already run from a local file, so there is no transfer '
    'to save.',
]

NOTES = [
    'community.general\'s redfish modules use `open_url` without keep-alive: every request opens a new TLS connection '
    '(the **TLS** column), so each costs a handshake plus the request; they authenticate with HTTP Basic on every request '
    'unless given `auth_token` (scenario (e) shows both). lightsout.ilo keeps one keep-alive connection pool per task and '
    'reads in parallel (`workers`, default 8).',
    'Coverage of (a): redfish_info takes one command list for all categories, so the full inventory is four tasks '
    '(Systems, Chassis, Manager, Update) with the commands that return what `ilo_facts` returns (mapping in '
    'tests/bench/run_bench.py). `GetLogs` reads every entry of every log service; `ilo_facts` reads the latest 10 IML/IEL '
    'entries (`log_entries`).',
    '(c) off → on: `ilo_power` waits until the server is On by default (it polls); `redfish_command PowerOn` returns '
    'when the iLO accepted the reset. The `wait: false` row is the like-for-like comparison.',
    '(d): `ilo_bios_settings` validates names and values against the BIOS attribute registry before writing and compares '
    'with pending values too, which costs reads community.general does not make; it sends `If-Match`.',
    'The simulator is a model of iLO, not an iLO: real iLOs add CPU time per request on their side and limit concurrent '
    'sessions; latency here is a fixed delay per request and per handshake.',
]


# ---------------------------------------------------------------------------------------------- main

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--latency-ms', type=int, default=50)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--fleet-runs', type=int, default=None)
    parser.add_argument('--hosts', type=int, default=100)
    parser.add_argument('--forks', type=int, default=25)
    parser.add_argument('--scenarios', default='all', help='comma-separated: a,b,c,d,e,f,g,i or all')
    parser.add_argument('--inventory-count', type=int, default=1000, help='(i): simulated iLOs')
    parser.add_argument('--inventory-play-hosts', type=int, default=100, help='(i): hosts of the per-host ilo_facts play')
    parser.add_argument('--inventory-concurrency', type=int, default=128, help='(i): the plugin\'s concurrency')
    parser.add_argument('--update-section', choices=['inventory'], default=None,
                        help='run only this section and replace it in the existing --output page (and in results.json)')
    parser.add_argument('--bmc-scale', type=float, default=0.25, help='(g): time scale of the realistic service times')
    parser.add_argument('--bmc-runs', type=int, default=None, help='(g): runs per BMC model (default: --runs)')
    parser.add_argument('--profile', default='ilo5')
    parser.add_argument('--mockup', default=None)
    parser.add_argument('--output', default=os.path.join('docs', 'performance.md'))
    parser.add_argument('--from-json', default=None, help='rewrite the report from a saved results.json, run nothing')
    args = parser.parse_args(argv)
    if args.fleet_runs is None:
        args.fleet_runs = args.runs
    if args.bmc_runs is None:
        args.bmc_runs = args.runs
    return args


def wanted(args, key):
    keys = [item.strip() for item in args.scenarios.split(',')]
    return 'all' in keys or key in keys or key[0] in keys


def write_outputs(data, output):
    output = os.path.join(ROOT, output) if not os.path.isabs(output) else output
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, 'w', encoding='utf-8') as handle:
        handle.write(build_report(data))
    groups = []
    for scenario in data['scenarios']:
        ours, theirs = pair(scenario['summaries'])
        groups.append({'label': scenario['title'], 'floor': ours.get('floor_s') if ours else None,
                       'values': {OURS: ours and ours['tasks'], THEIRS: theirs and theirs['tasks']}})
    svg = svgchart.grouped_bars('Task wall time, single iLO, %d ms per request (median, min-max)' % data['args']['latency_ms'],
                                'seconds', groups, [OURS, THEIRS], floor_label='floor (ours)')
    with open(os.path.splitext(output)[0] + '.svg', 'w', encoding='utf-8') as handle:
        handle.write(svg)
    print('Wrote %s and %s' % (output, os.path.splitext(output)[0] + '.svg'))


def update_inventory_section(args, results_path):
    """Run only (i) and replace its section of the page (the rest of the page and its date stay as they were)."""
    output = os.path.join(ROOT, args.output) if not os.path.isabs(args.output) else args.output
    inventory = inventory_run(args, sys.executable)
    if os.path.exists(results_path):
        with open(results_path, encoding='utf-8') as handle:
            data = json.load(handle)
        data['inventory'] = inventory
        with open(results_path, 'w', encoding='utf-8') as handle:
            json.dump(data, handle, indent=1)
    with open(output, encoding='utf-8') as handle:
        page = handle.read()
    with open(output, 'w', encoding='utf-8') as handle:
        handle.write(splice_inventory_section(page, inventory_section({'inventory': inventory})))
    print(inventory_section({'inventory': inventory}))
    print('Updated the inventory section of %s' % output)
    runs = inventory['runs'].values()
    return 0 if all(item['exit'] == 0 for item in runs) else 1


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results_path = os.path.join(BUILD, 'results.json')
    if args.from_json:
        with open(args.from_json, encoding='utf-8') as handle:
            data = json.load(handle)
        write_outputs(data, args.output)
        return 0
    if args.update_section == 'inventory':
        return update_inventory_section(args, results_path)
    os.makedirs(BUILD, exist_ok=True)
    cg_version = ensure_community_general(sys.executable)
    collection_copy.refresh(COLLECTIONS)
    wheel = sorted(glob.glob(os.path.join(BUILD, 'dl', 'ansible-*.whl')))
    data = {'args': vars(args), 'date': time.strftime('%Y-%m-%d %H:%M %Z'), 'machine': machine(),
            'command': 'make bench BENCH_LATENCY_MS=%d BENCH_RUNS=%d BENCH_FLEET_RUNS=%d BENCH_HOSTS=%d BENCH_FORKS=%d '
                       'BENCH_BMC_RUNS=%d BENCH_BMC_SCALE=%g%s%s' % (
                           args.latency_ms, args.runs, args.fleet_runs, args.hosts, args.forks, args.bmc_runs, args.bmc_scale,
                           '' if args.scenarios == 'all' else ' BENCH_SCENARIOS=%s' % args.scenarios,
                           ' BENCH_MOCKUP=%s' % args.mockup if args.mockup else ''),
            'ansible_core': ansible_core_version(sys.executable), 'cg_version': cg_version, 'ours_version': our_version(),
            'ansible_wheel': os.path.basename(wheel[-1]).split('-')[1] if wheel else '?', 'scenarios': [], 'fleet': [],
            'calibration': [], 'profiles': [], 'bmc': []}
    runner = Runner(args)
    latency_s = args.latency_ms / 1000.0
    print('lightsout.ilo %s vs community.general %s, ansible-core %s, latency %d ms' % (
        data['ours_version'], cg_version, data['ansible_core'], args.latency_ms), flush=True)
    sim = Simulator(1, args.latency_ms, args.profile, args.mockup, keep_bodies=True)
    try:
        for scenario in scenarios():
            if not wanted(args, scenario['key']):
                continue
            results = run_scenario(runner, sim, scenario, args.runs, 1)
            data['scenarios'].append({'key': scenario['key'], 'title': scenario['title'], 'summaries': [
                variant_summary(scenario, variant, results[label_side(variant)], latency_s) for variant in scenario['variants']]})
        if wanted(args, 'f'):
            sim.reset()
            for module, module_args in (('ilo_facts', {}), ('ilo_facts', {'gather_subset': ['min']})):
                data['profiles'].append(profile_module(sim, module, module_args))
    finally:
        sim.close()
    if wanted(args, 'g'):
        scenario = bmc_scenario()
        for model, workers in BMC_MODELS:
            timing = {'service_times': 'realistic', 'workers': workers, 'time_scale': args.bmc_scale, 'seed': BMC_SEED}
            sim = Simulator(1, 0, args.profile, args.mockup, keep_bodies=False, timing=timing)
            try:
                print('  g    %s' % model, flush=True)
                results = run_scenario(runner, sim, scenario, args.bmc_runs, 1)
            finally:
                sim.close()
            data['bmc'].append({'model': model, 'workers': workers, 'summaries': [
                variant_summary(scenario, variant, results[label_side(variant)], 0.0) for variant in scenario['variants']]})
    if wanted(args, 'f'):
        sim = Simulator(args.hosts, args.latency_ms, args.profile, args.mockup, keep_bodies=False)
        try:
            scenario = fleet_scenario()
            results = run_scenario(runner, sim, scenario, args.fleet_runs, args.forks)
            data['fleet'].append({'key': 'f', 'title': scenario['title'], 'summaries': [
                variant_summary(scenario, variant, results[label_side(variant)], latency_s) for variant in scenario['variants']]})
            calibration = {'key': 'f0', 'title': 'calibration', 'variants': [
                (label, 'ansible-core', plays, None) for label, plays in calibration_plays()]}
            results = run_scenario(runner, sim, calibration, max(1, min(3, args.fleet_runs)), args.forks)
            data['calibration'] = [variant_summary(calibration, variant, results[label_side(variant)], latency_s)
                                   for variant in calibration['variants']]
        finally:
            sim.close()
    if wanted(args, 'i'):
        data['inventory'] = inventory_run(args, sys.executable)
    data['load_end'] = ' '.join('%.2f' % value for value in os.getloadavg())
    with open(results_path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1)
    print('Results: %s' % results_path)
    write_outputs(data, args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
