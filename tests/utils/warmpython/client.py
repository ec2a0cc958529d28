# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests only: the interpreter the suite's ansible-playbook runs give their modules (see server.py).

ilotest.module_python() writes this file with a ``#!<venv python> -IS`` line. It asks the server at
``ILO_TEST_WARM_SOCKET`` to run ``argv`` with this process's stdin/stdout/stderr, environment and
working directory, and exits with the status the server reports. When the server cannot be
reached it becomes the plain interpreter (``ILO_TEST_WARM_PYTHON``) with the same arguments.
"""

import array
import json
import os
import socket
import struct
import sys


def main():
    path = os.environ.get('ILO_TEST_WARM_SOCKET', '')
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        python = os.environ['ILO_TEST_WARM_PYTHON']
        os.execv(python, [python] + sys.argv[1:])
    body = json.dumps({'argv': sys.argv, 'cwd': os.getcwd(), 'env': dict(os.environ)}).encode('utf-8')
    conn.sendmsg([struct.pack('!I', len(body))], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [0, 1, 2]))])
    conn.sendall(body)
    status = b''
    while len(status) < 4:
        chunk = conn.recv(4 - len(status))
        if not chunk:
            sys.stderr.write('warm python: the module process ended without a status (%s)\n' % ' '.join(sys.argv[1:]))
            sys.exit(1)
        status += chunk
    sys.exit(struct.unpack('!i', status)[0] & 0xff)


if __name__ == '__main__':
    main()
