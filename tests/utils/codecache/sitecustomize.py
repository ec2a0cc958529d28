# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests only: compile each module file of an AnsiballZ payload once per test run, not once per task.

An Ansible module runs from a zip of its module_utils, and Python cannot keep bytecode for code it
imports from a zip, so every task compiles ansible.module_utils.basic and the collection's
module_utils again: about a third of a second of CPU per task, hundreds of tasks in the suite.
tests/utils/ilotest.py ``ansible_env`` puts this directory on PYTHONPATH with
``ILO_TEST_CODE_CACHE`` naming a directory; this file then memoises zipimport's compile step. The
key is the interpreter's bytecode magic, the file's path inside the zip and the exact source
bytes, so what runs is always the source the task shipped (a different source is a different
key); the cached code gets the current zip path as its file name, so tracebacks read as without it.
Anything unexpected (no such zipimport hook in this Python, an unreadable entry) falls back to compiling.

The controller side (``ILO_TEST_ANSIBALLZ_CACHE``): ansible-playbook builds each module's
zip once per run (parsing the module and every module_utils file it imports to find the next), in a
cache under its per-run temporary directory. Here that ``ansiballz_cache`` directory is a link to one
shared by the runs whose ansible-core and collection sources are the same (the key hashes the ansible-core
version and location and every source file of the plugins/ of the collections on its collections path), so a
zip is built once per test run (tests/conftest.py empties the directory when a run starts).
Ansible's own lock and write-then-rename keep concurrent runs apart; the link goes with the run's
temporary directory. No such directory (another ansible-core layout): nothing is shared.
"""

import glob
import hashlib
import importlib.util
import marshal
import os
import sys
import types
import zipimport

_CACHE = os.environ.get('ILO_TEST_CODE_CACHE')
_COMPILE = getattr(zipimport, '_compile_source', None)


def _renamed(code, filename):
    consts = tuple(_renamed(const, filename) if isinstance(const, types.CodeType) else const for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _compile_once(pathname, source):
    inner = pathname.split('.zip' + os.sep, 1)[-1]
    key = hashlib.sha256(importlib.util.MAGIC_NUMBER + inner.encode('utf-8', 'surrogateescape') + b'\0' + source).hexdigest()
    entry = os.path.join(_CACHE, key)
    try:
        with open(entry, 'rb') as handle:
            return _renamed(marshal.loads(handle.read()), pathname)  # load(handle) reads piecemeal: 6x slower
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = _COMPILE(pathname, source)
    try:
        partial = '%s.%d' % (entry, os.getpid())
        with open(partial, 'wb') as handle:
            marshal.dump(code, handle)
        os.replace(partial, entry)
    except OSError:
        pass
    return code


if _CACHE and _COMPILE is not None:
    try:
        os.makedirs(_CACHE, exist_ok=True)
    except OSError:
        pass
    else:
        zipimport._compile_source = _compile_once  # pylint: disable=protected-access


_ANSIBALLZ = os.environ.get('ILO_TEST_ANSIBALLZ_CACHE')


def _share_ansiballz(constants):
    local_tmp = getattr(constants, 'DEFAULT_LOCAL_TMP', None)
    if not local_tmp or not os.path.isdir(local_tmp):
        return
    digest = hashlib.sha256(('%s %s' % (getattr(sys.modules.get('ansible.release'), '__version__', '?'),
                                        os.path.dirname(constants.__file__))).encode('utf-8'))
    for root in getattr(constants, 'COLLECTIONS_PATHS', None) or os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep):
        for path in sorted(glob.glob(os.path.join(root, 'ansible_collections', '*', '*', 'plugins', '**', '*'), recursive=True)):
            if os.path.isfile(path) and '__pycache__' not in path:  # bytecode the in-process tests write as they go
                with open(path, 'rb') as handle:
                    digest.update(path.encode('utf-8', 'surrogateescape') + b'\0' + handle.read())
    shared = os.path.join(_ANSIBALLZ, digest.hexdigest()[:32])
    os.makedirs(shared, exist_ok=True)
    os.symlink(shared, os.path.join(local_tmp, 'ansiballz_cache'))


class _AfterAnsibleConstants:
    """A meta path finder that runs ``_share_ansiballz`` once ansible.constants (which makes the run's temporary
    directory) has been executed; it takes itself off sys.meta_path at that import."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):  # pylint: disable=unused-argument
        if name != 'ansible.constants':
            return None
        sys.meta_path.remove(cls)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            try:
                _share_ansiballz(module)
            except OSError:
                pass
        spec.loader.exec_module = exec_module
        return spec


if _ANSIBALLZ:
    sys.meta_path.insert(0, _AfterAnsibleConstants)
