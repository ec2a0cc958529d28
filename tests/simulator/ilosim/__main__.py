# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: ``python -m ilosim --profile ilo5 --port 8443 --count 1``."""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from ilosim.server import DEFAULT_STATE_DIR, ProfileNotFound, start


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ilosim", description="HPE iLO Redfish simulator")
    parser.add_argument("--profile", default="ilo5", help="ilo4, ilo5, ilo6, ilo7 or moonshot (default ilo5)")
    parser.add_argument("--mockup", metavar="DIR", help="serve a DMTF-layout mockup tree instead of a profile")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443, help="first port; 0 = ephemeral ports")
    parser.add_argument("--count", type=int, default=1, help="number of independent iLOs (consecutive ports)")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay added to every request and TLS handshake")
    parser.add_argument("--service-times", default="none", choices=["none", "realistic", "ilo4", "ilo5", "ilo6"],
                        help="per-resource service times from a seeded distribution (realistic = ilo5: median "
                             "0.27 s, p90 0.5 s, rare multi-second stalls, slow logins; ilo4 is slower)")
    parser.add_argument("--workers", type=int, default=0,
                        help="requests (and TLS handshakes) served at once; the others wait (1 = serial BMC, 0 = unlimited)")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply every service time (0.05 = 20x faster)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the service times")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD",
                        help="extra account (Administrator/password always exists)")
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR, help="where the CA and certificate are cached")
    parser.add_argument("--ready-file", help="write {ca_path, urls} as JSON here once listening")
    parser.add_argument("--systems", type=int, help="number of systems (moonshot profile)")
    args = parser.parse_args(argv)
    if args.workers < 0 or args.time_scale < 0:
        parser.error("--workers and --time-scale must be 0 or more")
    if args.count < 1:
        parser.error("--count must be at least 1")
    for user in args.user:
        if ":" not in user:
            parser.error("--user takes NAME:PASSWORD")
    return args


def inventory_text(fleet, source, users):
    """A ready-to-paste INI inventory of the fleet and the environment the modules read credentials from."""
    name = os.path.basename(os.path.normpath(source)).lower().replace("_", "-") if source else "ilo"
    user, password = next(iter(users.items()))
    lines = ["", "# Ready to paste: an inventory (e.g. sim.ini) ...", "[ilo]"]
    for index, url in enumerate(fleet.urls, 1):
        lines.append("sim-%s-%d ansible_host=%s" % (name, index, url.split("://", 1)[1]))
    lines += ["", "[ilo:vars]", "ansible_connection=local",
              'ansible_python_interpreter="{{ ansible_playbook_python }}"',
              "", "# ... and the credentials and CA the modules read from the environment:",
              "export ILO_USERNAME=%s ILO_PASSWORD=%s ILO_CA_PATH=%s" % (user, password, fleet.ca_path)]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    users = {"Administrator": "password"}
    users.update(dict(u.split(":", 1) for u in args.user))
    options = {"systems": args.systems} if args.systems is not None else {}
    try:
        fleet = start(profile=args.profile, mockup=args.mockup, count=args.count, port=args.port, host=args.host,
                      latency_ms=args.latency_ms, service_times=args.service_times, workers=args.workers,
                      time_scale=args.time_scale, seed=args.seed, users=users, state_dir=args.state_dir, **options)
    except (ProfileNotFound, FileNotFoundError, OSError, ValueError) as exc:
        print("ilosim: %s" % exc, file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with fleet:
        print("ca_path: %s" % fleet.ca_path)
        source = args.mockup or args.profile
        for url in fleet.urls:
            print("%s  (%s)" % (url, source))
        print(inventory_text(fleet, source, users))
        sys.stdout.flush()
        if args.ready_file:
            directory = os.path.dirname(os.path.abspath(args.ready_file))
            fd, tmp = tempfile.mkstemp(dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"ca_path": fleet.ca_path, "urls": fleet.urls}, handle)
            os.replace(tmp, args.ready_file)
        while not stop.wait(1.0):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
