# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The users' surface: generated module reference up to date, ansible-lint (production profile) clean over
the roles and examples, the execution environment definition builds a context, the changelog is generated
from fragments, and the roles' argument specs load.

The tools (ansible-lint, ansible-builder, antsibull-changelog) come from test-requirements.txt and are
run from the venv of the Python running the tests (``make test`` uses .venv).
"""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys

import pytest

from ilotest import ROOT  # pylint: disable=import-error

sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))
import collection_copy  # noqa: E402  pylint: disable=wrong-import-position,import-error
import gen_module_docs  # noqa: E402  pylint: disable=wrong-import-position,import-error

BIN = os.path.dirname(sys.executable)
ROLES = ('accounts', 'bios_baseline', 'boot_from_iso', 'firmware_baseline', 'inventory_report', 'power_state')
MODULES = ('ilo_bios_settings', 'ilo_boot', 'ilo_event_subscription', 'ilo_facts', 'ilo_firmware', 'ilo_logs', 'ilo_manager',
           'ilo_power', 'ilo_session', 'ilo_user', 'ilo_virtual_media')


def tool(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        pytest.fail('%s is not installed beside %s: run this tier with `make test` (it installs test-requirements.txt).' % (name, sys.executable))
    return path


def copy(tmp_path):
    """A fresh collection copy: (collections path, collection path)."""
    collections = str(tmp_path / 'collections')
    return collections, collection_copy.refresh(collections)


def tool_env(tmp_path, collections):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_HOME=str(tmp_path / 'ansible-home'), NO_COLOR='1',
               ANSIBLE_NOCOLOR='1', PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    return env


def test_module_reference_is_generated_and_up_to_date(tmp_path):
    """docs/modules/ is what tests/utils/gen_module_docs.py makes from the modules' documentation."""
    written = gen_module_docs.generate(str(tmp_path / 'modules'))
    assert sorted(written) == sorted(['README.md'] + ['%s.md' % m for m in MODULES])
    committed = os.path.join(ROOT, 'docs', 'modules')
    assert sorted(os.listdir(committed)) == sorted(written), 'docs/modules has files the generator does not write'
    _match, mismatch, errors = filecmp.cmpfiles(committed, str(tmp_path / 'modules'), written, shallow=False)
    assert not mismatch and not errors, (
        'docs/modules is out of date for %s: run `.venv/bin/python tests/utils/gen_module_docs.py` and commit docs/modules'
        % ', '.join(mismatch + errors))


def test_ansible_lint_production_profile(tmp_path):
    collections, collection = copy(tmp_path)
    result = subprocess.run([tool('ansible-lint'), '--offline', '--profile', 'production', '--nocolor', 'roles', 'docs/examples'],
                            cwd=collection, env=tool_env(tmp_path, collections), capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Profile 'production' was required, and it passed" in output, output[-3000:]


def test_execution_environment_definition(tmp_path):
    """`ansible-builder create` writes a build context (no container engine needed), with the Python requirements;
    a collection installed into any EE brings the same requirements through introspection."""
    with open(os.path.join(ROOT, 'requirements.txt'), encoding='utf-8') as handle:
        root_requirements = [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    with open(os.path.join(ROOT, 'meta', 'requirements.txt'), encoding='utf-8') as handle:
        meta_requirements = [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    assert meta_requirements == root_requirements, 'meta/requirements.txt must list what requirements.txt lists'

    collections, collection = copy(tmp_path)
    context = tmp_path / 'context'
    result = subprocess.run([tool('ansible-builder'), 'create', '-f', os.path.join(collection, 'meta', 'execution-environment.yml'),
                             '-c', str(context), '--output-filename', 'Containerfile'],
                            cwd=str(tmp_path), env=tool_env(tmp_path, collections), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = (context / 'Containerfile').read_text(encoding='utf-8')
    assert 'ansible-galaxy' in containerfile and 'introspect' in containerfile
    requirements = (context / '_build' / 'requirements.txt').read_text(encoding='utf-8')
    assert all(r in requirements for r in root_requirements), requirements
    assert 'lightsout.ilo' in (context / '_build' / 'requirements.yml').read_text(encoding='utf-8')

    introspect = context / '_build' / 'scripts' / 'introspect.py'
    result = subprocess.run([sys.executable, str(introspect), 'introspect', collections], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    for requirement in root_requirements:
        assert '%s  # from collection lightsout.ilo' % requirement in result.stdout, result.stdout


def test_changelog_generated_from_fragments(tmp_path):
    """The release changelog names every module, plugin and role (the fragments are linted by ansible-test sanity's
    changelog test, which runs antsibull-changelog lint on them: tests/quality/test_quality.py)."""
    collections, collection = copy(tmp_path)
    env = tool_env(tmp_path, collections)
    result = subprocess.run([tool('antsibull-changelog'), 'release'], cwd=collection, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(os.path.join(collection, 'CHANGELOG.rst'), encoding='utf-8') as handle:
        changelog = handle.read()
    assert 'v0.1.0' in changelog
    inventory = changelog.split('New Plugins', 1)[1].split('New Modules', 1)[0]
    assert 'Inventory' in inventory and '- ilo - ' in inventory, changelog
    new_modules = changelog.split('New Modules', 1)[1]
    for module in MODULES:
        assert '- %s - ' % module in new_modules, changelog
    for role in ROLES:
        assert '``%s``' % role in changelog, changelog


def test_role_argument_specs_load(tmp_path):
    """Every role's meta/argument_specs.yml loads: one ``ansible-doc -t role --json`` run for all of them."""
    collections, _collection = copy(tmp_path)
    result = subprocess.run([tool('ansible-doc'), '-t', 'role', '--json'] + ['lightsout.ilo.%s' % role for role in ROLES],
                            env=tool_env(tmp_path, collections), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    docs = json.loads(result.stdout)
    missing = [role for role in ROLES if not docs.get('lightsout.ilo.%s' % role, {}).get('entry_points', {}).get('main', {}).get('options')]
    assert not missing, 'no main entry point with options for %s in: %s' % (missing, result.stdout[:3000])


def test_troubleshooting_messages_exist_in_the_code():
    """Every message quoted in the first column of docs/troubleshooting.md is produced by plugins/ (parts between … are)."""
    import re  # pylint: disable=import-outside-toplevel
    source = []
    for directory, _dirs, files in os.walk(os.path.join(ROOT, 'plugins')):
        for name in files:
            if name.endswith('.py'):
                with open(os.path.join(directory, name), encoding='utf-8') as handle:
                    source.append(handle.read())
    # join string literals continued on the next line ('abc '\n    'def' -> 'abc def')
    code = ' '.join(re.sub(r"(['\"])\s*\n\s*\1", '', '\n'.join(source)).split())
    with open(os.path.join(ROOT, 'docs', 'troubleshooting.md'), encoding='utf-8') as handle:
        text = handle.read().split('\n## Roles', 1)[0]
    lines = [line for line in text.splitlines() if line.startswith('| ') and not line.startswith(('| message', '|---'))]
    missing = []
    checked = 0
    for line in lines:
        first = line.split(' | ')[0]
        for quoted in re.findall(r'`([^`]+)`', first):
            for piece in re.split(r'…|\.\.\.', quoted):
                piece = piece.strip(' .()')
                if len(piece) < 12 or piece.startswith('Failed to import'):
                    continue
                checked += 1
                if piece not in code and piece.replace("'", "\\'") not in code:
                    missing.append(piece)
    assert checked > 50
    assert not missing, 'docs/troubleshooting.md quotes text the modules do not produce: %s' % missing
