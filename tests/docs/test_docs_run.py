# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The user documentation, run as written (docskit.py has the marker convention).

One read-through walks docs/getting-started.md, README.md, docs/session-pattern.md and docs/awx.md, then
docs/examples/*.yml, the way a new user does: in a fresh checkout (every file git would commit), with
a HOME of its own and the docs venv (``.build/venv-docs``: only the ansible-core and requirements.txt
the install step names) first on PATH, it installs what the page says, builds the tarball with
``make build``, installs it into ``~/.ansible/collections``, starts ``make simulator``, saves its
printed inventory as ``sim.ini``, runs its ``export`` line, and runs every command and playbook. The
tarball the guide built and installed is checked too: what it ships, and that ansible-doc reads it.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import shutil
import ssl
import subprocess
import sys
import tarfile
import time
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'utils'))
import collection_copy  # noqa: E402  pylint: disable=wrong-import-position,import-error
import docskit  # noqa: E402  pylint: disable=wrong-import-position,import-error
from docskit import Block, Server, blocks, run  # noqa: E402  pylint: disable=wrong-import-position,import-error
from ilotest import ROOT, SHARED  # noqa: E402  pylint: disable=wrong-import-position,import-error

SIM_VENV = os.path.join(ROOT, '.build', 'venv-sim')
GUIDE = 'docs/getting-started.md'


def docs_venv():
    return docskit.built_venv('ILO_TEST_VENV_DOCS', 'venv-docs')


def fresh_checkout(tmp_path):
    """tmp/work/lightsout-ilo: what a clone of the work tree holds, the venvs `make` builds linked in, ../shared beside it."""
    copy = collection_copy.refresh(str(tmp_path / 'copy'))
    work = tmp_path / 'work'
    work.mkdir()
    checkout = work / 'lightsout-ilo'
    shutil.move(copy, str(checkout))
    (checkout / '.build').mkdir()
    for venv in (docs_venv(), SIM_VENV):
        if os.path.isdir(venv):
            (checkout / '.build' / os.path.basename(venv)).symlink_to(venv)
    if os.path.isdir(SHARED):
        (work / 'shared').symlink_to(SHARED)
    return str(checkout)


class Walk:
    """The state of one read-through: results, skipped blocks, the simulator the guide started."""

    def __init__(self, checkout, env):
        self.checkout, self.env = checkout, env
        self.results, self.skipped, self.awx, self.problems, self.repeated = [], [], [], [], []
        self.sim, self.servers, self.batch, self.inventories = None, [], [], 0
        self.playbooks = 0
        self.done = {}  # command -> where it ran: a page repeating a step (README's install) is not run twice

    def fail(self, block, text):
        self.problems.append('%s: %s' % (block.where if block else '-', text))

    def record(self, result):
        self.results.append(result)
        if result.what.startswith('ansible-playbook -i'):
            self.playbooks += 1
        if not result.ok:
            self.fail(result.block, '`%s` failed (rc %s):\n%s' % (result.what, result.code, result.output[-3000:]))
        return result

    # -- block kinds ------------------------------------------------------------------------------------

    def command(self, block):
        for command in block.commands():
            if docskit.is_server(command):
                self.server(block, command)
            elif command.startswith('export '):
                self.fail(block, 'an export line the tier cannot run: mark the block')
            elif command.split(' #')[0].strip() in self.done:
                self.repeated.append((block, command, self.done[command.split(' #')[0].strip()]))
            else:
                self.done[command.split(' #')[0].strip()] = block.where
                self.record(run(block, command, ['bash', '-c', command], self.checkout, self.env))

    def server(self, block, command):
        if 'MOCKUP=../shared' in command and not os.path.isdir(SHARED):
            self.skipped.append((block, 'needs ../shared (the real iLO trees): %s' % command))
            return
        count = int((command.split('COUNT=', 1)[1].split() or ['1'])[0]) if 'COUNT=' in command else 1
        for _attempt in range(3):  # the ports were free when chosen; another process may bind one before the simulator
            server = Server(block, docskit.substitute_port(command, docskit.free_port(count)), self.checkout, self.env)
            if server.result.ok or 'Address already in use' not in server.output:
                break
            server.stop()
        self.record(server.result)
        if not server.result.ok:
            server.stop()
            return
        if self.sim is None and block.page == GUIDE:
            self.sim = server  # the guide's simulator serves every playbook below
            with open(os.path.join(self.checkout, 'sim.ini'), 'w', encoding='utf-8') as handle:
                handle.write(server.inventory())
            self.env.update(server.exports())
            self.servers.append(server)
        else:
            server.stop()

    def play(self, block):
        text = block.text
        if self.sim is not None:
            text = text.replace(docskit.DOC_CA_PATH, self.env['ILO_CA_PATH'])
        name = block.file_name() or 'docs-%s-%d.yml' % (os.path.basename(block.page).split('.')[0].lower(), block.line)
        with open(os.path.join(self.checkout, name), 'w', encoding='utf-8') as handle:
            handle.write(text)
        if not block.file_name():
            self.batch.append((block, name))  # the page gives no command: the tier runs it

    def inventory(self, block):
        name = 'docs-inventory-%d.%s' % (block.line, 'ini' if block.lang == 'ini' else 'yml')
        with open(os.path.join(self.checkout, name), 'w', encoding='utf-8') as handle:
            handle.write(block.text)
        result = self.record(run(block, 'ansible-inventory -i %s --list' % name,
                                 ['ansible-inventory', '-i', name, '--list'], self.checkout, self.env, timeout=60))
        if result.ok:
            hosts = json.loads(result.output[result.output.index('{'):])['_meta']['hostvars']
            if not hosts:
                self.fail(block, 'the inventory has no hosts')
            self.inventories += 1

    def output(self, block):
        """The guide's sample of what the simulator prints must be what it prints (CA path and port aside)."""
        if 'Ready to paste' not in block.text or self.sim is None:
            return
        port = self.sim.output.split('https://127.0.0.1:', 1)[1].split()[0]
        printed = self.sim.output.replace(self.env['ILO_CA_PATH'], '/home/you/.local/state/ilosim/ca.pem')
        printed = printed.replace(':%s' % port, ':8443')
        if block.text.strip() not in printed:
            self.fail(block, 'the sample output is not what `make simulator` prints:\n%s' % printed)

    def walk(self, page, text=None):
        for block in blocks(page, text):
            kind = block.kind()
            if kind == 'skip':
                self.skipped.append((block, block.marker[1]))
            elif kind == 'awx':
                self.awx.append((block, block.marker[1]))
            elif kind == 'unknown':
                self.fail(block, 'a %s block the tier cannot run: make it runnable or mark it '
                                 '(<!-- docs-test: skip: REASON -->)' % (block.lang or 'plain'))
            else:
                getattr(self, kind)(block)

    def run_batch(self, inventory):
        """The plays no page gives a command for, in one ansible-playbook run (one at a time if it fails)."""
        names = [name for _block, name in self.batch]
        if os.environ.get('ILO_DOCS_ONE_BY_ONE'):  # to see each playbook's time
            for block, name in self.batch:
                self.record(run(block, 'ansible-playbook -i %s %s' % (inventory, name),
                                ['ansible-playbook', '-i', inventory, name], self.checkout, self.env, timeout=600))
            return
        started = time.monotonic()
        result = run(None, 'ansible-playbook (%d playbooks)' % len(names),
                     ['ansible-playbook', '-i', inventory] + names, self.checkout, self.env, timeout=600)
        result.seconds = time.monotonic() - started
        if result.ok:
            self.results.append(result)
            self.playbooks += len(names)
            return
        for block, name in self.batch:  # which one: each on its own, for the message
            self.record(run(block, 'ansible-playbook -i %s %s' % (inventory, name),
                            ['ansible-playbook', '-i', inventory, name], self.checkout, self.env, timeout=600))
        if not self.problems:
            self.record(result)

    def stop(self):
        for server in self.servers:
            server.stop()


def firmware_example_play(collections):
    """The ilo_facts EXAMPLES "firmware versions as a name -> version dict", from the installed collection, and a check."""
    path = os.path.join(collections, 'ansible_collections', 'lightsout', 'ilo', 'plugins', 'modules', 'ilo_facts.py')
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    examples = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], 'id', '') == 'EXAMPLES')
    tasks = [task for task in yaml.safe_load(examples) if task['name'].startswith('Firmware')]
    assert len(tasks) == 2, tasks
    tasks.append({'name': 'The example gives the dict its title promises', 'ansible.builtin.assert': {'that': [
        'ilo_firmware is mapping', 'ilo_firmware | length > 0',
        "ilo_firmware[fw.query_result[-1].name] == fw.query_result[-1].version"]}})
    return [{'name': 'ilo_facts EXAMPLES: firmware versions as a name -> version dict', 'hosts': 'ilo',
             'gather_facts': False, 'connection': 'local',
             'module_defaults': {'group/lightsout.ilo.ilo': {'hostname': '{{ ansible_host }}'}}, 'tasks': tasks}]


def check_the_tarball(walk, installed):
    """The tarball `make build` wrote, which the install step put in ~/.ansible/collections: it ships what an
    installed collection needs beyond plugins (the roles' argument specs, the EE definition, the docs) and nothing
    of the work tree; ansible-doc, the README's way to read a module's documentation, finds the roles and the
    modules there, not in the checkout. The plays that follow run modules from it."""
    (tarball,) = glob.glob(os.path.join(walk.checkout, '.build', 'dist', 'lightsout-ilo-*.tar.gz'))
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert 'plugins/modules/ilo_session.py' in names and 'meta/runtime.yml' in names, names
    assert not [n for n in names if n.startswith(('.build', '.venv', '.ci', 'tests/output'))], names
    roles = sorted(os.listdir(os.path.join(ROOT, 'roles')))
    shipped = ['meta/execution-environment.yml', 'meta/requirements.txt', 'requirements.txt', 'docs/awx.md',
               'docs/modules/ilo_power.md', 'docs/examples/demo.yml'] + ['roles/%s/meta/argument_specs.yml' % r for r in roles]
    missing = [name for name in shipped if not os.path.isfile(os.path.join(installed, name))]
    assert not missing, 'the installed tarball lacks %s' % missing
    listed = walk.record(run(None, 'ansible-doc -t role -l lightsout.ilo', ['ansible-doc', '-t', 'role', '-l', 'lightsout.ilo'],
                             walk.checkout, walk.env, timeout=120))
    assert [role for role in roles if 'lightsout.ilo.%s' % role not in listed.output] == [], listed.output
    module = walk.record(run(None, 'ansible-doc lightsout.ilo.ilo_power', ['ansible-doc', 'lightsout.ilo.ilo_power'],
                             walk.checkout, walk.env, timeout=120))
    assert os.path.join(installed, 'plugins', 'modules', 'ilo_power.py') in module.output, module.output[:2000]


def open_sessions(sim, ca_path):
    port = sim.output.split('https://127.0.0.1:', 1)[1].split()[0]
    context = ssl.create_default_context(cafile=ca_path)
    with urllib.request.urlopen('https://127.0.0.1:%s/_sim/sessions' % port, context=context, timeout=10) as answer:
        return json.load(answer)['open']


def summary(walk):
    kinds = {}
    for result in walk.results:
        what = result.what.split()[0]
        kinds[what] = kinds.get(what, 0) + 1
    lines = ['docs tier: %d steps run, %d blocks skipped by marker, %d blocks left to the AWX runner test' % (
        len(walk.results), len(walk.skipped), len(walk.awx))]
    lines += ['  %-70s rc %-4s %5.1f s' % (r.what[:70], r.code, r.seconds) for r in walk.results]
    lines += ['  repeat  %s: `%s`, as run at %s' % (block.where, command, first) for block, command, first in walk.repeated]
    lines += ['  skipped %s: %s' % (block.where, reason) for block, reason in walk.skipped]
    lines += ['  awx     %s: %s' % (block.where, reason) for block, reason in walk.awx]
    return '\n'.join(lines)


def freeze(venv):
    """Every distribution installed in ``venv`` with its version (what ``pip freeze --all`` lists, without pip's start-up)."""
    code = ("import importlib.metadata as m; "
            "print('\\n'.join(sorted('%s==%s' % (d.metadata['Name'], d.version) for d in m.distributions())))")
    return subprocess.run([os.path.join(venv, 'bin', 'python'), '-I', '-c', code], check=True, capture_output=True, text=True).stdout


#: Examples another test runs exactly as written: not run twice.
ELSEWHERE = {'docs/examples/fleet_baseline.yml': 'run as the docs/awx.md job template by tests/docs/test_awx_runner.py '
                                                 '(from the tarball), and on a 4-server fleet by tests/playbooks/test_roles.py'}


def read_through(tmp_path, pages, examples):
    """Walk ``pages`` as a new user, then run the plays that have no command.

    The guide comes first (install, simulator); with ``examples``, docs/examples/*.yml run after the pages.
    """
    venv = docs_venv()
    packages = freeze(venv)
    checkout = fresh_checkout(tmp_path)
    home = tmp_path / 'home'
    home.mkdir()
    env = docskit.user_env(venv, str(home))
    walk = Walk(checkout, env)
    started = time.monotonic()
    try:
        for page in pages:
            walk.walk(page)
            if page == GUIDE:
                assert walk.sim is not None and not walk.problems, '\n\n'.join(walk.problems) + '\n' + summary(walk)
        collections = os.path.join(str(home), '.ansible', 'collections')
        installed = os.path.join(collections, 'ansible_collections', 'lightsout', 'ilo', 'MANIFEST.json')
        assert os.path.exists(installed), 'the install steps left no collection in ~/.ansible/collections'
        check_the_tarball(walk, os.path.dirname(installed))
        if examples:
            for name in sorted(os.listdir(os.path.join(ROOT, docskit.EXAMPLES))):
                path = docskit.EXAMPLES + '/' + name
                if path in ELSEWHERE:
                    walk.skipped.append((Block(path, 1, 'yaml', ''), ELSEWHERE[path]))
                elif name.endswith('.yml'):
                    walk.batch.append((Block(path, 1, 'yaml', ''), path))
            with open(os.path.join(checkout, 'docs-ilo_facts-examples.yml'), 'w', encoding='utf-8') as handle:
                yaml.safe_dump(firmware_example_play(collections), handle, sort_keys=False)
            walk.batch.append((Block('plugins/modules/ilo_facts.py', 1, 'yaml', ''), 'docs-ilo_facts-examples.yml'))
        # The pages' own plays, where they name no inventory: the guide's sim.ini, with the names the plays use
        with open(os.path.join(checkout, 'sim.ini'), encoding='utf-8') as handle:
            inventory = handle.read()
        with open(os.path.join(checkout, 'docs-sim.ini'), 'w', encoding='utf-8') as handle:
            handle.write(inventory + 'vault_ilo_user=Administrator\nvault_ilo_password=password\n\n'
                         '[ilo_web:children]\nilo\n')
        if walk.batch:
            walk.run_batch('docs-sim.ini')
        left = open_sessions(walk.sim, env['ILO_CA_PATH'])
        if left:
            walk.problems.append('sessions left open on the simulator by the docs: %s' % left)
    finally:
        walk.stop()
    if freeze(venv) != packages:
        walk.problems.append('a docs step changed the docs venv (install it elsewhere or mark the block):\n%s'
                             % freeze(venv))
    print('\n%s\n  %d playbooks run, %d inventories parsed, %.1f s' % (
        summary(walk), walk.playbooks, walk.inventories, time.monotonic() - started))
    assert not walk.problems, '\n\n'.join(walk.problems) + '\n\n' + summary(walk)
    return walk


def test_docs_run_as_written(tmp_path):
    """README, the guide, the session pattern and the AWX page, every command and playbook; then
    docs/examples/*.yml and the ilo_facts firmware example, with the guide's install and simulator."""
    walk = read_through(tmp_path, [GUIDE] + [page for page in docskit.PAGES if page != GUIDE], examples=True)
    assert walk.playbooks >= 8


def test_every_block_is_run_or_marked():
    """No page has a block the tier would neither run nor account for; the markers say why."""
    kinds, unknown = {}, []
    for page in docskit.PAGES:
        for block in blocks(page):
            kind = block.kind()
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind == 'unknown':
                unknown.append(block.where)
            if block.marker:
                assert len(block.marker[1]) > 10, '%s: a marker needs a reason' % block.where
    assert not unknown, unknown
    assert kinds.get('command', 0) >= 6 and kinds.get('play', 0) >= 5, kinds


def test_a_broken_step_fails_the_tier(tmp_path):
    """The old install line (a tarball path `make build` does not write) fails, and the failure names the block."""
    venv = docs_venv()
    with open(os.path.join(ROOT, GUIDE), encoding='utf-8') as handle:
        text = handle.read()
    broken = text.replace('ansible-galaxy collection install .build/dist/lightsout-ilo-0.1.0.tar.gz',
                          'ansible-galaxy collection install lightsout-ilo-0.1.0.tar.gz')
    assert broken != text
    install = next(b for b in blocks(GUIDE, broken) if 'ansible-galaxy collection install' in b.text)
    checkout = str(tmp_path)
    walk = Walk(checkout, docskit.user_env(venv, str(tmp_path / 'home')))
    for command in install.commands():
        if command.startswith('ansible-galaxy'):
            walk.record(run(install, command, ['bash', '-c', command], checkout, walk.env))
    assert len(walk.problems) == 1 and 'docs/getting-started.md:%d' % install.line in walk.problems[0], walk.problems
    assert 'lightsout-ilo-0.1.0.tar.gz' in walk.problems[0]
