# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hostile Redfish server for the transport-security tests (tests/reliability/test_hostile.py).

It answers like the simulated iLO 5 (the ilosim engine in-process) except where a test
installs a *trap*: a function that may rewrite the engine's answer (links to another host,
a Location elsewhere, a hostile body) or take the socket over (drip bytes, an endless body,
never answer). Every request is logged with its headers and body, so a test can prove what
the client sent to whom. A second server on another port is "the neighbour": another origin
that must never receive anything.

Import as ``from hostile import Hostile`` (this directory is on sys.path under pytest).
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ilosim import tls  # pylint: disable=import-error
from ilosim.engine import Ilo, Tree  # pylint: disable=import-error
from ilosim.server import build_tree  # pylint: disable=import-error


class Reply:
    """What a trap answers: status, headers (list of pairs) and a body (bytes or JSON-able)."""

    def __init__(self, status=200, headers=None, body=b''):
        self.status = status
        self.headers = list(headers or [])
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode('utf-8')


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'HostileRedfish/1.0'

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _dispatch(self):
        length = int(self.headers.get('Content-Length') or 0)
        data = self.rfile.read(length) if length else b''
        owner = self.server.owner
        entry = {'method': self.command, 'path': self.path, 'headers': dict(self.headers.items()), 'body': data}
        with owner.lock:
            owner.log.append(entry)
        trap = owner.trap_for(self.command, self.path)
        default = self._engine_reply(data)
        if trap is None:
            reply = default
        else:
            reply = trap(self, default)
            if reply is None:  # the trap wrote to (or closed) the socket itself
                self.close_connection = True
                return
        self.send_reply(reply)

    def _engine_reply(self, data):
        response = self.server.owner.ilo.handle(self.command, self.path, self.headers, data,
                                                host=self.server.owner.authority, client=self.client_address[0])
        return Reply(response.status, response.headers, response.body)

    def send_reply(self, reply, length=None):
        lines = ['HTTP/1.1 %d X' % reply.status]
        has_length = False
        for name, value in reply.headers:
            if name.lower() == 'content-length':
                has_length = True
            lines.append('%s: %s' % (name, value))
        if not has_length:
            lines.append('Content-Length: %d' % (len(reply.body) if length is None else length))
        self.wfile.write(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + reply.body)
        self.wfile.flush()

    do_GET = do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client hanging up on a trap is the point of most traps


class Hostile:
    """One hostile HTTPS server on 127.0.0.1 (certificate from the simulator's CA)."""

    def __init__(self, state_dir):
        ca_path, cert_path, key_path = tls.ensure_certificates(state_dir)
        self.ca_path = ca_path
        self.ilo = Ilo(Tree(build_tree('ilo5')))
        self.log = []
        self.lock = threading.Lock()
        self.traps = []
        self.reset()
        self.httpd = _Server(('127.0.0.1', 0), Handler)
        self.httpd.owner = self
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.authority = '127.0.0.1:%d' % self.port
        self.url = 'https://' + self.authority
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        self._thread.start()

    def reset(self):
        """Back to a fresh iLO 5 that does not advertise ``$expand``, so that each resource is its own GET
        (a trap on ``/Systems/1`` then sees the read of the system)."""
        with self.lock:
            self.log = []
            self.traps = []
        self.ilo = Ilo(Tree(build_tree('ilo5')))
        self.trap('GET', r'^/redfish/v1/?$', rewrite_json(_no_expand))

    def trap(self, method, path_pattern, func):
        """Answer requests whose method matches and whose path matches ``path_pattern`` (a regex, case-insensitive)."""
        self.traps.append((method, re.compile(path_pattern, re.IGNORECASE), func))

    def trap_for(self, method, path):
        for wanted, pattern, func in self.traps:
            if wanted in ('*', method) and pattern.search(path):
                return func
        return None

    def requests(self, method=None):
        with self.lock:
            return [e for e in self.log if method is None or e['method'] == method]

    def with_credentials(self, password):
        """Requests that carried the password, an Authorization header or an X-Auth-Token."""
        found = []
        for entry in self.requests():
            headers = set(k.lower() for k in entry['headers'])
            if 'authorization' in headers or 'x-auth-token' in headers or password.encode() in entry['body']:
                found.append('%s %s' % (entry['method'], entry['path']))
        return found

    def open_sessions(self):
        return len(self.ilo.session_info()['open'])

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Sniffer:
    """The neighbour: a plain TCP listener on 127.0.0.1 that records every connection and its first bytes
    (a TLS ClientHello or a request in clear text), answers nothing and closes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.authority = '127.0.0.1:%d' % self.port
        self.connections = []
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop:
            try:
                conn, _addr = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(0.5)
            try:
                data = conn.recv(4096)
            except (socket.timeout, OSError):
                data = b''
            self.connections.append(data)
            conn.close()

    def reset(self):
        self.connections = []

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()


def _no_expand(body):
    (body.get('ProtocolFeaturesSupported') or {}).pop('ExpandQuery', None)


# ------------------------------------------------------------------------------------------------
# Traps: functions (handler, default Reply) -> Reply, or None after writing to the socket itself.


def rewrite_json(change):
    """A trap that applies ``change(body)`` to the engine's JSON answer (the body may be replaced)."""
    def trap(_handler, default):
        body = json.loads(default.body.decode('utf-8')) if default.body else {}
        body = change(body) or body
        headers = [(k, v) for k, v in default.headers if k.lower() not in ('content-length', 'etag')]
        return Reply(default.status, headers, body)
    return trap


def raw_body(data, content_type='application/json', status=200):
    """A trap that answers ``data`` (bytes) as it is."""
    def trap(_handler, _default):
        return Reply(status, [('Content-Type', content_type)], data)
    return trap


def drip(head_interval=0.0, body_interval=0.5, total_seconds=30.0):
    """A trap that sends a valid head and then one byte of a JSON body every ``body_interval`` s."""
    def trap(handler, _default):
        body = b'{"Id": "1", "Padding": "' + b'x' * 100000 + b'"}'
        head = ('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' % len(body)).encode()
        end = time.monotonic() + total_seconds
        try:
            for byte in head:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                if head_interval:
                    time.sleep(head_interval)
            for index in range(len(body)):
                if time.monotonic() > end:
                    break
                handler.wfile.write(body[index:index + 1])
                handler.wfile.flush()
                time.sleep(body_interval)
        except OSError:
            pass
        return None
    return trap


def endless(declare_length=None, seconds=30.0):
    """A trap that streams JSON-looking bytes for ``seconds`` (optionally announcing a Content-Length)."""
    def trap(handler, _default):
        head = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
        if declare_length is not None:
            head += 'Content-Length: %d\r\n' % declare_length
        else:
            head += 'Transfer-Encoding: chunked\r\n'
        handler.wfile.write((head + '\r\n').encode())
        chunk = b'[' + b'0,' * 32767 + b'0'
        end = time.monotonic() + seconds
        sent = 0
        try:
            while time.monotonic() < end:
                if declare_length is None:
                    handler.wfile.write(b'%x\r\n' % len(chunk) + chunk + b'\r\n')
                else:
                    handler.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        handler.server.owner.endless_sent = sent
        return None
    return trap


def silent(seconds=30.0):
    """A trap that reads the request and never answers (until ``seconds`` pass or the client hangs up)."""
    def trap(handler, _default):
        handler.connection.settimeout(seconds)
        try:
            handler.connection.recv(1)
        except (OSError, socket.timeout):
            pass
        return None
    return trap
