# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docs that are tests: the fenced blocks of the user documentation, and running them as a user would.

Marker convention (in the Markdown source, on the line right above the fence):

    <!-- docs-test: skip: REASON -->   the block is not run here (a real iLO, an AWX controller, ...)
    <!-- docs-test: awx: REASON -->    the block is run by tests/docs/test_awx_runner.py

Every other block is run:

- ``bash``/``sh``: each command as written, in a checkout-like working directory, with the docs venv
  first on PATH and a HOME of its own (so ``~/.ansible/collections`` is a clean collections path).
  ``make simulator ...`` starts a server: it runs until it has printed its inventory.
- ``yaml``: a play list is saved (under the name in a first-line ``# NAME.yml`` comment, else one of
  the tier's) and run by ``ansible-playbook``; an ``all:`` mapping is an inventory for ``ansible-inventory``.
- ``ini``: an inventory, parsed by ``ansible-inventory --list``.
- ``text``: output shown to the reader; not run.

The only substitutions: a ``PORT=`` value (a free port), the CA path ``/etc/pki/ilo-ca.pem`` (the
simulator's CA).
"""

from __future__ import annotations

import os
import random
import re
import shlex
import signal
import socket
import subprocess
import time

import pytest
import yaml
from ilotest import code_cache_env  # pylint: disable=import-error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: The pages whose blocks run, in the order a new user reads them.
PAGES = ('docs/getting-started.md', 'README.md', 'docs/session-pattern.md', 'docs/awx.md')
EXAMPLES = 'docs/examples'
DOC_CA_PATH = '/etc/pki/ilo-ca.pem'
MARKER = re.compile(r'<!--\s*docs-test:\s*(skip|awx):\s*(.+?)\s*-->')
FENCE = re.compile(r'^```(\S*)\s*$')
COMMAND_LANGS = ('bash', 'sh', 'shell')
OUTPUT_LANGS = ('text', 'console', 'output', '')


def built_venv(variable, name):
    """The venv `make` builds as .build/NAME (it has a .stamp), or the one VARIABLE names.

    Missing: a failure when VARIABLE was set (make test sets it), else a skip that says how to build it.
    """
    path = os.path.abspath(os.environ.get(variable) or os.path.join(ROOT, '.build', name))
    if not os.path.exists(os.path.join(path, '.stamp')):
        if os.environ.get(variable):
            pytest.fail('%s=%s has no .stamp: make .build/%s/.stamp' % (variable, path, name))
        pytest.skip('%s is missing: `make test` builds it (or make .build/%s/.stamp)' % (path, name))
    return path


class Block:
    """One fenced block of a page."""

    def __init__(self, page, line, lang, text, marker=None):
        self.page, self.line, self.lang, self.text = page, line, lang, text
        self.marker = marker  # (kind, reason) or None

    @property
    def where(self):
        return '%s:%d' % (self.page, self.line)

    def kind(self):
        """command, play, inventory, output, skip, awx or unknown (a block the tier cannot run unmarked)."""
        if self.marker:
            return self.marker[0]
        if self.lang in COMMAND_LANGS:
            return 'command'
        if self.lang == 'ini':
            return 'inventory'
        if self.lang in OUTPUT_LANGS:
            return 'output'
        if self.lang in ('yaml', 'yml'):
            try:
                data = yaml.safe_load(self.text)
            except yaml.YAMLError:
                return 'unknown'
            if isinstance(data, list) and data and all(isinstance(p, dict) and 'hosts' in p for p in data):
                return 'play'
            if isinstance(data, dict) and set(data) == {'all'}:
                return 'inventory'
        return 'unknown'

    def file_name(self):
        """The name a play block asks to be saved under (first line ``# NAME.yml``), or None."""
        match = re.match(r'#\s*([\w.-]+\.ya?ml)\s*$', self.text.split('\n', 1)[0])
        return match.group(1) if match else None

    def commands(self):
        """The commands of a shell block: comments dropped, continuation lines joined."""
        commands, current = [], ''
        for raw in self.text.splitlines():
            line = raw.rstrip()
            if not current and (not line.strip() or line.lstrip().startswith('#')):
                continue
            if line.endswith('\\'):
                current += line[:-1] + ' '
                continue
            commands.append((current + line).strip())
            current = ''
        return commands


def blocks(page, text=None):
    """The fenced blocks of ``page`` (a path relative to the root) with their markers."""
    if text is None:
        with open(os.path.join(ROOT, page), encoding='utf-8') as handle:
            text = handle.read()
    found, lines, index = [], text.split('\n'), 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        start, body = index, []
        index += 1
        while index < len(lines) and lines[index].rstrip() != '```':
            body.append(lines[index])
            index += 1
        previous = lines[start - 1] if start else ''
        marker = MARKER.search(previous)
        found.append(Block(page, start + 1, match.group(1).lower(), '\n'.join(body) + '\n',
                           (marker.group(1), marker.group(2)) if marker else None))
        index += 1
    return found


def ephemeral_start():
    """The first port of the kernel's range for port 0 and outgoing connections (ip_local_port_range); Linux's
    default when it cannot be read."""
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range', encoding='ascii') as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(count=1):
    """A port with ``count`` consecutive free ports from it, below the ephemeral range: there a port is taken only
    when asked for by number, so the servers (port 0) and connections of the tests running alongside cannot take
    one of them between this check and the simulator's bind (a 100-port range from the ephemeral range did)."""
    low = 10000
    high = ephemeral_start() - count
    if high <= low:
        low, high = 1024, 65000 - count
    for _attempt in range(50):
        base = random.randint(low, high)
        held = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                held.append(sock)
                sock.bind(('127.0.0.1', port))
            return base
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError('no %d consecutive free ports' % count)


def user_env(venv, home, extra=None):
    """What a user's shell has after ``. venv/bin/activate``: the venv first on PATH, their HOME, nothing of ours but
    the suite's code cache (``ilotest.code_cache_env``: modules compiled and zipped once per source)."""
    env = {
        'PATH': os.path.join(venv, 'bin') + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin'),
        'VIRTUAL_ENV': venv,
        'HOME': home,
        'LANG': 'C.UTF-8',
        'TMPDIR': os.path.join(home, 'tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'PYTHONDONTWRITEBYTECODE': '1',
    }
    for name in ('PYENV_ROOT', 'PYENV_VERSION', 'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS',
                 'PIP_CONFIG_FILE', 'PIP_TRUSTED_HOST', 'PIP_NO_INDEX'):
        if name in os.environ:
            env[name] = os.environ[name]
    os.makedirs(env['TMPDIR'], exist_ok=True)
    env.update(code_cache_env())
    env.update(extra or {})
    return env


class Result:
    """What one executed step did."""

    def __init__(self, block, what, code, output, seconds):
        self.block, self.what, self.code, self.output, self.seconds = block, what, code, output, seconds

    @property
    def ok(self):
        return self.code == 0

    def __repr__(self):
        return '%s %s -> rc %s (%.1f s)' % (self.block.where if self.block else '-', self.what, self.code, self.seconds)


def run(block, what, argv, cwd, env, timeout=300):
    started = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, check=False)
        code, output = proc.returncode, proc.stdout.decode('utf-8', 'replace')
    except subprocess.TimeoutExpired as exc:
        code, output = 'timeout', (exc.stdout or b'').decode('utf-8', 'replace')
    return Result(block, what, code, output, time.monotonic() - started)


class Server:
    """A command that serves until stopped (``make simulator``): started, read until it printed its inventory."""

    READY = re.compile(r'^export ILO_USERNAME=.*$', re.M)

    def __init__(self, block, command, cwd, env, timeout=120):
        self.block, self.command, self.output = block, command, ''
        started = time.monotonic()
        self.proc = subprocess.Popen(['bash', '-c', 'exec ' + command], cwd=cwd, env=env,  # pylint: disable=consider-using-with
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)
        while time.monotonic() - started < timeout and not self.READY.search(self.output):
            if self.proc.poll() is not None:
                self.output += (self.proc.stdout.read() or b'').decode('utf-8', 'replace')
                break
            chunk = self.proc.stdout.read()
            if chunk:
                self.output += chunk.decode('utf-8', 'replace')
            else:
                time.sleep(0.05)
        ready = bool(self.READY.search(self.output))
        self.result = Result(block, command, 0 if ready else (self.proc.poll() or 'not ready'), self.output,
                             time.monotonic() - started)

    def inventory(self):
        """The printed inventory, from ``[ilo]`` to the interpreter line, as the guide tells the reader to save it."""
        lines = self.output.splitlines()
        start = lines.index('[ilo]')
        end = next(i for i in range(start, len(lines)) if lines[i].startswith('ansible_python_interpreter'))
        return '\n'.join(lines[start:end + 1]) + '\n'

    def exports(self):
        """The variables of the printed ``export`` line."""
        line = self.READY.search(self.output).group(0)
        return dict(word.split('=', 1) for word in shlex.split(line)[1:])

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc.stdout.close()


def substitute_port(command, port):
    """``PORT=8443`` (make) or ``--port 8443`` (python -m ilosim) with a free port."""
    command = re.sub(r'\bPORT=\d+', 'PORT=%d' % port, command)
    return re.sub(r'--port[= ]\d+', '--port %d' % port, command)


def is_server(command):
    return command.startswith('make simulator') or ' -m ilosim' in command
