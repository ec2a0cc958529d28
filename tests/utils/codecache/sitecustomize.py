# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests only: compile each module file of an AnsiballZ payload once, not once per task; build each module's zip once.

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
zip once per run (parsing the module and every module_utils file it imports to find the next: about 0.7 s
of CPU per module), in a cache under its per-run temporary directory. Here that ``ansiballz_cache`` directory
is a link to one shared by every run whose ansible-core release and collection sources are the same
(``_ansiballz_key``), so a zip is built once and kept from one test run to the next, like bytecode; a changed
source is a new key, so a zip is never served stale (tests/conftest.py keeps the few most recently used keys).
Ansible's own lock and write-then-rename keep concurrent runs apart; the link goes with the run's
temporary directory. No such directory (another ansible-core layout): nothing is shared.

The suite's own runs (``ILO_TEST_QUEUE_POLL``, not the docs and AWX tiers): a task waiting for a free worker
(``throttle``) is queued at the ansible.cfg's ``internal_poll_interval`` (``_queue_at_poll_interval``).
"""

import glob
import hashlib
import importlib.util
import marshal
import os
import sys
import time
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


def _ansiballz_key(constants):
    """What a module's zip is made of: the ansible-core version with the size of each of its module_utils and
    executor files (the same release installed in two venvs has one key; an edited install gets another), and every
    source file under the plugins/ of the collections on the collections path, by its path inside the collection
    root and its bytes (the same collection installed elsewhere has the same key; bytecode is no source)."""
    digest = hashlib.sha256(('zips-2 %s\0' % getattr(sys.modules.get('ansible.release'), '__version__', '?')).encode('utf-8'))
    package = os.path.dirname(constants.__file__)  # ansible.constants is a module of the ansible package itself
    for part in ('module_utils', 'executor'):
        for path in sorted(glob.glob(os.path.join(package, part, '**', '*.py'), recursive=True)):
            digest.update(('%s %d\0' % (os.path.relpath(path, package), os.path.getsize(path))).encode('utf-8', 'surrogateescape'))
    for root in getattr(constants, 'COLLECTIONS_PATHS', None) or os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep):
        for path in sorted(glob.glob(os.path.join(root, 'ansible_collections', '*', '*', 'plugins', '**', '*'), recursive=True)):
            if os.path.isfile(path) and '__pycache__' not in path:  # bytecode the in-process tests write as they go
                with open(path, 'rb') as handle:
                    digest.update(os.path.relpath(path, root).encode('utf-8', 'surrogateescape') + b'\0' + handle.read())
    return digest.hexdigest()[:32]


def _share_ansiballz(constants):
    local_tmp = getattr(constants, 'DEFAULT_LOCAL_TMP', None)
    if not local_tmp or not os.path.isdir(local_tmp):
        return
    shared = os.path.join(_ANSIBALLZ, _ansiballz_key(constants))
    os.makedirs(shared, exist_ok=True)
    os.utime(shared)  # last used: tests/conftest.py keeps the most recently used keys
    os.symlink(shared, os.path.join(local_tmp, 'ansiballz_cache'))


def _queue_at_poll_interval(strategy):
    """The suite's own runs (``ILO_TEST_QUEUE_POLL``): when every worker a task may use is busy (``throttle``, or
    fewer forks than hosts), ansible-core's strategy looks for a free one every 0.1 ms, in a loop that kept a core
    busy for as long as the slowest server took (a role waiting on POST two servers at a time). Here it looks every
    ``internal_poll_interval`` (tests/utils/ansible.cfg: 10 ms), the interval of its other waits."""
    constants = sys.modules['ansible.constants']

    class _Time(object):
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds):
            time.sleep(max(seconds, constants.DEFAULT_INTERNAL_POLL_INTERVAL))

    strategy.time = _Time()


class _AfterImport:
    """A meta path finder that runs a function on a module once the module has been executed (``HOOKS``: module name
    to function; each runs once); it takes itself off sys.meta_path when none is left."""

    HOOKS = {}

    @classmethod
    def find_spec(cls, name, path=None, target=None):  # pylint: disable=unused-argument
        hook = cls.HOOKS.pop(name, None)
        if hook is None:
            return None
        if not cls.HOOKS:
            sys.meta_path.remove(cls)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            try:
                hook(module)
            except (OSError, AttributeError, KeyError):
                pass
        spec.loader.exec_module = exec_module
        return spec


if _ANSIBALLZ:
    _AfterImport.HOOKS['ansible.constants'] = _share_ansiballz  # it makes the run's temporary directory
if os.environ.get('ILO_TEST_QUEUE_POLL'):
    _AfterImport.HOOKS['ansible.plugins.strategy'] = _queue_at_poll_interval
if _AfterImport.HOOKS:
    sys.meta_path.insert(0, _AfterImport)
