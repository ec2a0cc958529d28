# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs/awx.md job template, run by ansible-runner (the engine AWX and AAP run jobs with).

A private data directory as AWX hands it to the execution environment:

- ``project/ilo/fleet_baseline.yml``: the project's playbook (docs/examples/fleet_baseline.yml);
- ``inventory/hosts.yml``: the inventory of docs/awx.md section 3, its hosts replaced by the simulator;
- ``env/envvars``: the credential type's injectors (docs/awx.md section 2, read from the page and rendered
  with the credential's inputs like AWX does, the CA written to a private file for ``tower.filename``);
- ``env/extravars``: the template's extra variables (``/runner`` is the private data directory here);
- ``env/cmdline``: the template's forks and *Show changes*.

The execution environment is ``.build/venv-ee`` (ansible-core, ansible-runner and requirements.txt, the
Python side of meta/execution-environment.yml) with the collection installed from the tarball. The job must
succeed, produce job events, and the password must appear in no artifact but the process environment
ansible-runner records in ``artifacts/<id>/command`` (AWX keeps that file inside the job's private data
directory, which it deletes; the job's stored environment is redacted).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys

import jinja2
import jinja2.sandbox
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import docskit  # noqa: E402  pylint: disable=wrong-import-position,import-error
from ilotest import COLLECTION, ROOT, code_cache_env  # noqa: E402  pylint: disable=wrong-import-position,import-error

PAGE = 'docs/awx.md'


def ee_venv():
    return docskit.built_venv('ILO_TEST_VENV_EE', 'venv-ee')


def page_block(starts_with):
    """The block of docs/awx.md whose text starts with ``starts_with``."""
    found = [b for b in docskit.blocks(PAGE) if b.text.lstrip().startswith(starts_with)]
    assert len(found) == 1, 'docs/awx.md: expected one block starting with %r' % starts_with
    return found[0]


def credential_env(inputs, files_dir):
    """The credential type's injectors, rendered as AWX renders them (file injectors first, then env)."""
    types = yaml.safe_load(page_block('fields:').text)
    injectors = yaml.safe_load(page_block('file:').text)
    missing = [field for field in types['required'] if field not in inputs]
    assert not missing, missing
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.ChainableUndefined)
    filenames = {}
    for key, template in injectors.get('file', {}).items():
        name = key.split('.', 1)[1]  # template.NAME
        path = os.path.join(files_dir, 'tmp_%s' % name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(environment.from_string(template).render(**inputs))
        os.chmod(path, 0o600)
        filenames[name] = path
    context = dict(inputs, tower={'filename': filenames})
    return {name: environment.from_string(template).render(**context) for name, template in injectors['env'].items()}


def job_template():
    """The job template's fields from the table of docs/awx.md section 4."""
    with open(os.path.join(ROOT, PAGE), encoding='utf-8') as handle:
        text = handle.read()
    rows = dict(re.findall(r'^\| ([^|`]+?) \| (.+?) \|$', text, re.M))
    return {'forks': int(rows['Forks'].split()[0]),
            'playbook': re.search(r'`([^`]+\.yml)`', rows['Project / Playbook']).group(1),
            'extra_vars': yaml.safe_load(rows['Extra variables'].strip('`'))}


def install_tarball(tmp_path, venv):
    """ansible-galaxy collection build of the collection under test, installed where the EE keeps collections."""
    galaxy = os.path.join(venv, 'bin', 'ansible-galaxy')
    dist, collections = tmp_path / 'dist', tmp_path / 'ee-collections'
    subprocess.run([galaxy, 'collection', 'build', '--output-path', str(dist)], cwd=COLLECTION, check=True,
                   capture_output=True)
    tarball = str(next(dist.glob('lightsout-ilo-*.tar.gz')))
    subprocess.run([galaxy, 'collection', 'install', '-p', str(collections), tarball], check=True, capture_output=True,
                   env=dict(os.environ, ANSIBLE_HOME=str(tmp_path / 'ansible-home')))
    return str(collections)


def test_job_template_runs_under_ansible_runner(tmp_path, ilo5):
    venv = ee_venv()
    password = 'awx-%s' % secrets.token_hex(12)
    ilo = ilo5.ilos[0]
    ilo.users['awx-job'] = password
    try:
        _run_job(tmp_path, venv, ilo5, password)
    finally:
        ilo.users.pop('awx-job', None)


def _run_job(tmp_path, venv, fleet, password):
    template = job_template()
    pdd = tmp_path / 'pdd'
    for name in ('project', 'inventory', 'env'):
        (pdd / name).mkdir(parents=True)
    # project: the playbook at the path the template names
    playbook = pdd / 'project' / template['playbook']
    playbook.parent.mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, 'docs', 'examples', os.path.basename(template['playbook'])), str(playbook))
    # inventory: section 3, hosts replaced by the simulator
    inventory = yaml.safe_load(page_block('all:').text)
    group = inventory['all']['children']['ilo']
    group['hosts'] = {'sim-ilo5': {'ansible_host': fleet.urls[0].split('://', 1)[1]}}
    with open(str(pdd / 'inventory' / 'hosts.yml'), 'w', encoding='utf-8') as handle:
        yaml.safe_dump(inventory, handle)
    # env: the credential's injectors, the template's extra variables and options
    with open(fleet.ca_path, encoding='utf-8') as handle:
        ca_pem = handle.read()
    envvars = credential_env({'ilo_username': 'awx-job', 'ilo_password': password, 'ilo_ca': ca_pem}, str(pdd / 'env'))
    assert envvars['ILO_PASSWORD'] == password and os.path.isfile(envvars['ILO_CA_PATH'])
    extravars = {k: v.replace('/runner/', str(pdd) + '/') if isinstance(v, str) else v
                 for k, v in template['extra_vars'].items()}
    for name, data in (('envvars', envvars), ('extravars', extravars)):
        with open(str(pdd / 'env' / name), 'w', encoding='utf-8') as handle:
            json.dump(data, handle)
    with open(str(pdd / 'env' / 'cmdline'), 'w', encoding='utf-8') as handle:
        handle.write('--forks %d --diff' % template['forks'])

    env = {'PATH': os.path.join(venv, 'bin') + os.pathsep + os.environ['PATH'], 'HOME': str(tmp_path / 'home'),
           'LANG': 'C.UTF-8', 'ANSIBLE_COLLECTIONS_PATH': install_tarball(tmp_path, venv),
           'ANSIBLE_HOME': str(tmp_path / 'ansible-home'), 'TMPDIR': str(tmp_path), **code_cache_env()}
    proc = subprocess.run([os.path.join(venv, 'bin', 'ansible-runner'), 'run', str(pdd), '-p', template['playbook'],
                           '--ident', 'job1'], env=env, capture_output=True, text=True, timeout=600, check=False)
    artifacts = pdd / 'artifacts' / 'job1'
    stdout = (artifacts / 'stdout').read_text(encoding='utf-8') if (artifacts / 'stdout').exists() else proc.stdout
    assert proc.returncode == 0, stdout[-4000:] + proc.stderr[-2000:]
    assert (artifacts / 'status').read_text(encoding='utf-8') == 'successful'
    assert (artifacts / 'rc').read_text(encoding='utf-8') == '0'

    events = [json.loads(p.read_text(encoding='utf-8')) for p in sorted((artifacts / 'job_events').glob('*.json'))]
    kinds = [e.get('event') for e in events]
    assert 'playbook_on_start' in kinds and 'playbook_on_stats' in kinds, kinds
    stats = next(e for e in events if e.get('event') == 'playbook_on_stats')['event_data']
    assert not stats.get('failures') and not stats.get('dark') and stats.get('ok', {}).get('sim-ilo5'), stats
    assert any(e.get('event') == 'runner_on_ok' and e['event_data'].get('task_action') == 'lightsout.ilo.ilo_session'
               for e in events)
    assert os.path.exists(extravars['fleet_report_path']), 'the report the template asks for was not written'

    # The password: nowhere in the events, the output, the facts, the report; the process environment
    # ansible-runner records holds it only where the credential put it
    leaks = []
    for path in artifacts.rglob('*'):
        if path.is_file() and password in path.read_text(encoding='utf-8', errors='replace'):
            leaks.append(str(path.relative_to(artifacts)))
    with open(extravars['fleet_report_path'], encoding='utf-8') as handle:
        assert password not in handle.read()
    assert leaks == ['command'], leaks
    command = json.loads((artifacts / 'command').read_text(encoding='utf-8'))
    assert [k for k, v in command['env'].items() if password in str(v)] == ['ILO_PASSWORD']
    assert password not in ' '.join(command['command'])
    assert fleet.ilos[0].session_info()['open'] == []
    print('\nansible-runner job: %d job events, status successful, password in no artifact but the recorded '
          'process environment (ILO_PASSWORD); forks %d, playbook %s' % (len(events), template['forks'], template['playbook']))


def test_the_runner_venv_is_the_ee_definition():
    """.build/venv-ee has what meta/execution-environment.yml puts in the image (Python side): what is checked here."""
    venv = ee_venv()
    with open(os.path.join(ROOT, 'meta', 'execution-environment.yml'), encoding='utf-8') as handle:
        ee = yaml.safe_load(handle)
    deps = ee['dependencies']
    assert deps['ansible_runner']['package_pip'] == 'ansible-runner'
    code = ('import importlib.metadata as m, json; print(json.dumps({n: m.version(n) for n in '
            '("ansible-core", "ansible-runner", "requests", "jmespath")}))')
    versions = json.loads(subprocess.run([os.path.join(venv, 'bin', 'python'), '-c', code], check=True,
                                         capture_output=True, text=True).stdout)
    from packaging.specifiers import SpecifierSet  # pylint: disable=import-outside-toplevel
    assert versions['ansible-core'] in SpecifierSet(deps['ansible_core']['package_pip'].split('ansible-core', 1)[1])
    assert versions['ansible-runner'].startswith('2.4.')
