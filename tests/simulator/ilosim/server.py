# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS transport: a threaded HTTP/1.1 keep-alive server per simulated iLO, fleets, ``start()``."""

import logging
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ilosim import control, tls
from ilosim.engine import Ilo, Tree
from ilosim.profiles import ProfileNotFound
from ilosim.profiles import build as load_profile
from ilosim.profiles import load as build_tree
from ilosim.timing import PROFILES

LOG = logging.getLogger("ilosim")
# The CA and certificate are cached outside the source tree (an installed collection is read-only):
# $ILOSIM_STATE_DIR, else $XDG_STATE_HOME/ilosim, else ~/.local/state/ilosim.
DEFAULT_STATE_DIR = os.environ.get("ILOSIM_STATE_DIR") or os.path.join(
    os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state"), "ilosim")
IDLE_TIMEOUT_S = 300
REASONS = BaseHTTPRequestHandler.responses


class Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into :meth:`Ilo.handle` / control calls; one thread per connection."""

    protocol_version = "HTTP/1.1"
    server_version = "HPE-iLO-Server/1.30"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S

    classified = False

    def setup(self):
        ilo = self.server.ilo
        latency = ilo.config["latency_ms"] / 1000.0
        if latency > 0:
            time.sleep(latency)
        self.request.settimeout(self.timeout)
        # A handshake needs a worker like a request does: on a serial BMC it waits for the answer in service.
        ilo.load.acquire("handshakes")
        try:
            times = ilo.times
            if times is not None:
                time.sleep(times.handshake())
            self.request.do_handshake()
        finally:
            ilo.load.release("handshakes")
        super().setup()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        LOG.debug("%s - %s", self.address_string(), format % args)

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self):
        ilo = self.server.ilo
        method = self.command
        data = self._read_body()
        if self.path.startswith("/_sim"):
            self.classified = True  # a connection whose first request is /_sim is not one of the BMC's clients
            self._send(control.handle(ilo, method, self.path, data), method)
            return
        if not self.classified:
            self.classified = True
            self.server.count(self.request)
        load = ilo.load
        load.up("in_progress")
        try:
            latency = ilo.config["latency_ms"] / 1000.0
            if latency > 0:
                time.sleep(latency)
            load.acquire()
            try:
                response = self._serve(ilo, method, data)
            finally:
                load.release()
            if response is not None:
                self._send(response, method)
        finally:
            load.down("in_progress")

    def _serve(self, ilo, method, data):
        """Answer while holding a worker: faults, the engine, then the rest of the service time."""
        delay, fault = ilo.begin(method, self.path)
        if fault is not None and fault["kind"] == "drop":
            self.close_connection = True  # pylint: disable=attribute-defined-outside-init
            try:
                self.request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        if delay > 0:
            time.sleep(delay)
        started = time.monotonic()
        host = self.headers.get("Host") or self.server.url_host
        try:
            response = ilo.handle(method, self.path, self.headers, data, host=host, client=self.client_address[0], fault=fault)
        except Exception:  # pylint: disable=broad-exception-caught
            LOG.exception("%s %s failed", method, self.path)
            response = ilo.internal_error()
        times = ilo.times
        if times is not None:
            rest = times.service(method, self.path, response.status, response.body) - (time.monotonic() - started)
            if rest > 0:
                time.sleep(rest)
        return response

    do_GET = do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = do_OPTIONS = _dispatch

    def _send(self, response, method):
        lines = ["HTTP/1.1 %d %s" % (response.status, REASONS.get(response.status, ("",))[0]),
                 "Server: " + self.server_version, "Date: " + self.date_time_string()]
        has_length = False
        for name, value in response.headers:
            has_length = has_length or name == "Content-Length"
            lines.append("%s: %s" % (name, value))
        if not has_length:
            lines.append("Content-Length: %d" % len(response.body))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if method == "HEAD" else head + response.body)


class IloServer(ThreadingHTTPServer):
    """One HTTPS listener serving one :class:`Ilo`; TLS handshakes run in the connection threads."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, ilo, context):
        self.ilo = ilo
        self.context = context
        self.connections = set()
        self.counted = set()
        self.conn_lock = threading.Lock()
        super().__init__(address, Handler)
        host, port = self.server_address[:2]
        self.url_host = "%s:%d" % ("127.0.0.1" if host in ("0.0.0.0", "") else host, port)

    def get_request(self):
        sock, addr = self.socket.accept()
        conn = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self.conn_lock:
            self.connections.add(conn)
        return conn, addr

    def count(self, conn):
        """A connection becomes one of the simultaneous connections with its first request to the Redfish service."""
        with self.conn_lock:
            self.counted.add(conn)
        self.ilo.load.up("connections")

    def shutdown_request(self, request):
        with self.conn_lock:
            counted = request in self.counted
            self.connections.discard(request)
            self.counted.discard(request)
        if counted:
            self.ilo.load.down("connections")
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        LOG.debug("connection from %s ended with an error", client_address, exc_info=True)

    def poke(self):
        """Wake ``serve_forever`` at once (instead of after its poll interval) so shutdown is quick."""
        host, port = self.server_address[:2]
        try:
            socket.create_connection(("127.0.0.1" if host in ("0.0.0.0", "") else host, port), timeout=1).close()
        except OSError:
            pass

    def close_connections(self):
        with self.conn_lock:
            conns = list(self.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Fleet:
    """N simulated iLOs, each on its own port, in this process. Use as a context manager."""

    def __init__(self, ilos, host="127.0.0.1", port=0, cert_paths=None):
        self.ilos = ilos
        self.ca_path, cert, key = cert_paths
        self.context = tls.server_context(cert, key)
        self.servers = []
        self.urls = []
        self.threads = []
        self.host = host
        self.port = port

    def start(self):
        try:
            for index, ilo in enumerate(self.ilos):
                port = self.port + index if self.port else 0
                srv = IloServer((self.host, port), ilo, self.context)
                self.servers.append(srv)
                self.urls.append("https://" + srv.url_host)
        except OSError:
            self.close()
            raise
        for srv in self.servers:
            thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.5},
                                      name="ilosim-%s" % srv.url_host, daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def close(self):
        """Stop listening and end open connections."""
        stoppers = [threading.Thread(target=srv.shutdown, daemon=True) for srv in self.servers] if self.threads else []
        for stopper in stoppers:
            stopper.start()
        for srv in self.servers if stoppers else ():
            srv.poke()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for srv in self.servers:
            srv.server_close()
            srv.close_connections()
        for thread in self.threads:
            thread.join(timeout=5)
        self.threads = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def start(profile=None, mockup=None, tree=None, count=1, port=0, host="127.0.0.1", latency_ms=0,
          users=None, state_dir=None, config=None, service_times=None, workers=None, time_scale=None, seed=None,
          **options):
    """Start ``count`` iLOs serving a profile, mockup or tree; returns a running :class:`Fleet`.

    ``options`` go to the profile's ``build()`` (e.g. ``systems=45`` for moonshot); ``config``
    seeds the ``/_sim/config`` values (``latency_ms``, ``service_times`` (``none``, ``realistic``,
    ``ilo4``, ``ilo5``, ``ilo6``), ``workers`` (0 = unlimited, 1 = serial), ``time_scale`` and
    ``seed`` are shortcuts for some of them).
    """
    shared = Tree(build_tree(profile, mockup, tree, **options))
    settings = dict(config or {})
    settings.setdefault("latency_ms", latency_ms)
    for name, value in (("service_times", service_times), ("workers", workers), ("time_scale", time_scale),
                        ("seed", seed)):
        if value is not None:
            settings.setdefault(name, value)
    kind = settings.get("service_times")
    if kind not in (None, "", "none") and kind not in PROFILES:
        raise ValueError("service_times must be one of none, %s; not %r" % (", ".join(sorted(PROFILES)), kind))
    ilos = [Ilo(shared, users=users, config=settings) for _index in range(count)]
    paths = tls.ensure_certificates(state_dir or DEFAULT_STATE_DIR, hosts=[host])
    return Fleet(ilos, host, port, paths).start()


__all__ = ["Fleet", "IloServer", "ProfileNotFound", "build_tree", "load_profile", "start"]
