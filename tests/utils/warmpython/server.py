# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests only: a warm Python for the modules of the suite's ansible-playbook runs (a fork server).

Every module task of an ``ansible-playbook`` run starts a new Python that imports
ansible.module_utils.basic and requests before the module's first line runs: about 0.3 s of CPU
of the ~0.5 s a task costs its module process, and the suite runs hundreds of such tasks. This
process imports those once and forks a child per task. ``client.py`` is the interpreter the
runs name (``ansible_python_interpreter``): it hands its stdin, stdout and stderr, arguments,
environment and working directory over a UNIX socket, and exits with the status of the child,
which runs the AnsiballZ file as ``python AnsiballZ_x.py`` would (or, pipelined, the script on its stdin): same wrapper, same zip, the
collection's code imported from the zip the controller built. What is preloaded comes from the
same venv as the controller, so it is the code the zip carries. Without the server (not
started, gone) the client runs the plain interpreter instead.

Usage: python server.py SOCKET PARENT_PID; it stops when the parent process is gone.
"""

import builtins
import gc
import json
import os
import runpy
import socket
import struct
import sys
import traceback

HEADER = struct.Struct('!I')
STATUS = struct.Struct('!i')


def preload():
    """What every module imports first (a fresh interpreter would import these from the zip or site-packages)."""
    # pylint: disable=import-outside-toplevel,unused-import
    import ansible.module_utils.basic  # noqa: F401
    from ansible.module_utils._internal._ansiballz import _loader  # noqa: F401
    from ansible.module_utils.common import json as _json  # noqa: F401
    try:
        import requests  # noqa: F401
        import requests.adapters  # noqa: F401
        import concurrent.futures  # noqa: F401
        import ssl  # noqa: F401
    except ImportError:
        pass


def receive(conn):
    """The request a client sent: its three descriptors and (argv, cwd, env)."""
    data, ancillary, _flags, _addr = conn.recvmsg(HEADER.size, socket.CMSG_SPACE(3 * 4))
    fds = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(struct.unpack('%di' % (len(payload) // 4), payload[:len(payload) - len(payload) % 4]))
    try:
        while len(data) < HEADER.size:
            chunk = conn.recv(HEADER.size - len(data))
            if not chunk:
                raise EOFError('short header')
            data += chunk
        (size,) = HEADER.unpack(data)
        body = b''
        while len(body) < size:
            chunk = conn.recv(min(65536, size - len(body)))
            if not chunk:
                raise EOFError('short request')
            body += chunk
        if len(fds) != 3:
            raise ValueError('expected 3 descriptors, got %d' % len(fds))
        return fds, json.loads(body.decode('utf-8'))
    except BaseException:
        # a descriptor kept here would hold the task's stdout open: Ansible would wait for its end forever
        for fd in fds:
            os.close(fd)
        raise


def exit_code(exc):
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    sys.stderr.write('%s\n' % exc.code)
    return 1


def child(conn, fds, request):
    """Become the module process the client stands for; never returns."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.environ.clear()
        os.environ.update(request['env'])
        os.chdir(request['cwd'])
        sys.argv = list(request['argv'][1:])
        try:
            if sys.argv and sys.argv[0] != '-':
                runpy.run_path(sys.argv[0], run_name='__main__')
            else:  # the script on stdin, as Ansible's pipelining sends a module: read whole, then run, as python does
                sys.argv = sys.argv or ['']
                source = sys.stdin.buffer.read()
                exec(compile(source, '<stdin>', 'exec'), {'__name__': '__main__', '__builtins__': builtins})  # pylint: disable=exec-used
            code = 0
        except SystemExit as exc:
            code = exit_code(exc)
        except BaseException:  # pylint: disable=broad-except
            traceback.print_exc()
            code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        conn.sendall(STATUS.pack(code))
    finally:
        os._exit(code & 0xff)  # pylint: disable=protected-access


def reap():
    """Collect the children that ended (waited for, so their CPU time counts in this process's children's)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(path, parent):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    listener.settimeout(0.5)
    while os.getppid() == parent:
        reap()
        try:
            conn, _addr = listener.accept()
        except socket.timeout:
            continue
        conn.settimeout(None)
        try:
            fds, request = receive(conn)
        except (OSError, ValueError, EOFError):
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            listener.close()
            child(conn, fds, request)
        conn.close()
        for fd in fds:
            os.close(fd)


def main():
    path, parent = sys.argv[1], int(sys.argv[2])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != here]
    preload()
    gc.freeze()  # what preload imported is never scanned by the children's collector (nor copied by it, page by page)
    serve(path, parent)


if __name__ == '__main__':
    main()
