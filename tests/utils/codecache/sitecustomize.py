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
"""

import hashlib
import importlib.util
import marshal
import os
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
            return _renamed(marshal.load(handle), pathname)
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
