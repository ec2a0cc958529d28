# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collection-level checks: ansible-test sanity on the lowest and highest supported
ansible-core, with no ignore files, and the plugins on the oldest supported Python. (The galaxy tarball,
built and installed as the guide says, is checked by the docs read-through: tests/docs/test_docs_run.py.)

The venvs come from ``make test`` (ILO_TEST_VENV_MIN / ILO_TEST_VENV_MAX); run without
them, these tests fail and say so rather than skip.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import pytest

from ilotest import ROOT, THOROUGH  # pylint: disable=import-error

sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))
import collection_copy  # noqa: E402  pylint: disable=wrong-import-position,import-error


def venv(variable):
    path = os.environ.get(variable)
    if not path or not os.path.exists(os.path.join(path, 'bin', 'ansible-test')):
        pytest.fail('%s is not set to a venv with ansible-test: run this tier with `make test` (or make sanity).' % variable)
    return path


def python_version(venv_path):
    out = subprocess.run([os.path.join(venv_path, 'bin', 'python'), '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def test_no_sanity_ignore_files():
    assert glob.glob(os.path.join(ROOT, 'tests', 'sanity', 'ignore-*.txt')) == []


# ansible-test sanity on both ansible-core versions, every test. `make test` runs it on the highest core (the newest
# checks: validate-modules, ansible-doc, pylint ...), pylint (most of the time; tests/ is two thirds of the Python it
# reads) over what the collection ships to run (everything but tests/). CI and `make sanity` (ILO_TEST_THOROUGH=1)
# add every test on the lowest core and tests/ to the pylint run; without that, those cases are reported as skipped
# with the reason. `make test` still runs the collection on the lowest core everywhere else: the modules in-process
# and in every playbook, ansible-doc over every module and role (tests/quality/test_surface.py). No two cases run the
# same test on the same core: ansible-test builds each test's venv under ~/.ansible on first use, and two runs building
# one venv at once break each other (a fresh HOME in CI).
SANITY_CASES = {
    'ansible-core-highest': ('ILO_TEST_VENV_MAX', ['--skip-test', 'pylint'], False),
    'ansible-core-highest-pylint': ('ILO_TEST_VENV_MAX', ['--test', 'pylint', 'SHIPPED'], False),
    'ansible-core-lowest': ('ILO_TEST_VENV_MIN', ['--skip-test', 'pylint'], True),
    'ansible-core-lowest-pylint': ('ILO_TEST_VENV_MIN', ['--test', 'pylint'], True),
}


def shipped_python_dirs(collection):
    """The collection's top-level directories with Python in them, tests/ aside (plugins/, extensions/ ...)."""
    found = []
    for name in sorted(os.listdir(collection)):
        top = os.path.join(collection, name)
        if name == 'tests' or name.startswith('.') or not os.path.isdir(top):
            continue
        if any(f.endswith('.py') for _dirs, _subdirs, files in os.walk(top) for f in files):
            found.append(name + '/')
    return found


@pytest.mark.parametrize('case', list(SANITY_CASES))
def test_ansible_test_sanity(case, tmp_path):
    variable, selection, thorough_only = SANITY_CASES[case]
    if thorough_only and not THOROUGH:
        pytest.skip('%s runs in CI and make sanity (ILO_TEST_THOROUGH=1)' % case)
    path = venv(variable)
    collection = collection_copy.refresh(str(tmp_path / 'collections'))
    if 'SHIPPED' in selection:
        selection = selection[:-1] + shipped_python_dirs(collection) + (['tests/'] if THOROUGH else [])
        assert 'plugins/' in selection, selection
    env = dict(os.environ, ANSIBLE_HOME=str(tmp_path / 'ansible-home'))
    command = [os.path.join(path, 'bin', 'ansible-test'), 'sanity', '--python', python_version(path), '--color', 'no'] + selection
    result = subprocess.run(command, cwd=collection, env=env, capture_output=True, text=True, timeout=1500, check=False)
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith(('ERROR', 'FATAL'))]
    assert result.returncode == 0, '\n'.join(errors[:60]) or output[-4000:]


OLDEST_PYTHON = '3.8'


def vermin(paths):
    """vermin (a test requirement) on ``paths``, targeting the oldest Python the modules support; no extra interpreter."""
    command = [os.path.join(os.path.dirname(sys.executable), 'vermin'), '--target=%s-' % OLDEST_PYTHON, '--violations',
               '--no-tips', '--eval-annotations'] + list(paths)
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_plugins_run_on_the_oldest_supported_python():
    """The modules run on the controller or an EE: the README promises Python 3.8+ (syntax and standard library)."""
    sources = sorted(glob.glob(os.path.join(ROOT, 'plugins', '**', '*.py'), recursive=True))
    result = vermin(sources)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.parametrize('snippet', ['def f(x):\n    match x:\n        case 1:\n            return 2\n',
                                     'import functools\n\n@functools.cache\ndef f():\n    return 1\n',
                                     'def f(a: list[int]) -> dict[str, int]:\n    return {}\n'])
def test_the_oldest_python_check_can_fail(tmp_path, snippet):
    path = tmp_path / 'newer.py'
    path.write_text(snippet)
    result = vermin([str(path)])
    assert result.returncode != 0 and 'Target versions not met' in result.stdout, result.stdout
