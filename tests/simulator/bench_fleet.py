# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet throughput benchmark (not a test): GET/s over TLS keep-alive against N iLOs in one process.

    python tests/simulator/bench_fleet.py --count 100 --seconds 10 --clients 3

The simulator fleet runs in this process; ``--clients`` worker processes each keep one
HTTPS keep-alive connection per iLO they own and GET ``--path`` round-robin with Basic auth.
"""

import argparse
import base64
import http.client
import multiprocessing
import os
import ssl
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ilosim  # noqa: E402  pylint: disable=wrong-import-position

DEFAULT_MOCKUP = os.path.normpath(os.path.join(HERE, *([os.pardir] * 3), "shared", "ilo-mockups", "ilo5-DL360-Gen10Plus"))


def worker(urls, ca_path, path, seconds, results):
    ctx = ssl.create_default_context(cafile=ca_path)
    auth = {"Authorization": "Basic " + base64.b64encode(b"Administrator:password").decode()}
    conns = []
    for url in urls:
        host, port = url[len("https://"):].rsplit(":", 1)
        conns.append(http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30))
    ok = errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for conn in conns:
            try:
                conn.request("GET", path, headers=auth)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    ok += 1
                else:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
    for conn in conns:
        conn.close()
    results.put((ok, errors))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--path", default="/redfish/v1/Systems/1/")
    parser.add_argument("--profile", help="profile to serve (default: the iLO 5 mockup when present, else ilo5)")
    parser.add_argument("--mockup", default=None)
    args = parser.parse_args()
    source = {"profile": args.profile} if args.profile else {}
    if not source:
        mockup = args.mockup or (DEFAULT_MOCKUP if os.path.isdir(DEFAULT_MOCKUP) else None)
        source = {"mockup": mockup} if mockup else {"profile": "ilo5"}
    with tempfile.TemporaryDirectory() as state, ilosim.start(count=args.count, state_dir=state, **source) as fleet:
        results = multiprocessing.Queue()
        shards = [fleet.urls[i::args.clients] for i in range(args.clients)]
        procs = [multiprocessing.Process(target=worker, args=(shard, fleet.ca_path, args.path, args.seconds, results))
                 for shard in shards if shard]
        started = time.monotonic()
        for proc in procs:
            proc.start()
        totals = [results.get(timeout=args.seconds + 120) for _proc in procs]
        for proc in procs:
            proc.join()
        elapsed = time.monotonic() - started
        ok = sum(t[0] for t in totals)
        errors = sum(t[1] for t in totals)
        served = sum(ilo.requests()["total"] for ilo in fleet.ilos)
    print("iLOs: %d  source: %s  clients: %d  path: %s" % (args.count, list(source.values())[0], len(procs), args.path))
    print("GET 200: %d  errors: %d  served: %d  in %.1f s  ->  %.0f GET/s (incl. connection set-up)"
          % (ok, errors, served, elapsed, ok / elapsed))


if __name__ == "__main__":
    main()
