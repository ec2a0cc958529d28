# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Realistic service times, the worker limit (serial / N / unlimited BMC) and the concurrency counters."""

import json
import threading
import time

import pytest
import requests

from ilosim.__main__ import parse_args
from ilosim.timing import Load, ServiceTimes

SYSTEM = "/redfish/v1/Systems/1/"
AUTH = ("Administrator", "password")


def _quantile(values, q):
    values = sorted(values)
    return values[int(q * (len(values) - 1))]


def test_service_times_are_per_resource_seeded_and_realistic():
    times = ServiceTimes("ilo5", seed=7)
    keys = ["/redfish/v1/systems/1/memory/proc%d_dimm%d" % (p, d) for p in range(4) for d in range(250)]
    typical = [times.typical(k) for k in keys]
    assert typical == [ServiceTimes("ilo5", seed=7).typical(k) for k in keys]  # same seed, same BMC
    assert typical != [ServiceTimes("ilo5", seed=8).typical(k) for k in keys]
    assert 0.24 <= _quantile(typical, 0.5) <= 0.30
    assert 0.42 <= _quantile(typical, 0.9) <= 0.60
    ilo4 = ServiceTimes("ilo4", seed=7)
    assert _quantile([ilo4.typical(k) for k in keys], 0.5) > 0.4
    answers = [times.service("GET", k) for k in keys]
    assert max(answers) > 1.5  # the rare multi-second stall
    assert 0.22 <= _quantile(answers, 0.5) <= 0.33
    logins = [times.service("POST", "/redfish/v1/SessionService/Sessions/") for _index in range(50)]
    assert _quantile(logins, 0.5) > 0.8


def test_time_scale_and_expanded_collections():
    fast = ServiceTimes("ilo5", seed=1, time_scale=0.05)
    slow = ServiceTimes("ilo5", seed=1)
    assert fast.typical("/x") == slow.typical("/x")
    samples = [fast.service("GET", "/redfish/v1/systems/1") for _index in range(200)]
    assert _quantile(samples, 0.5) < 0.05 * 0.5
    body = json.dumps({"Members": [{"@odata.id": "/m/%d" % i} for i in range(20)]}).encode()
    plain = [slow.service("GET", "/redfish/v1/systems/1/memory") for _index in range(30)]
    expanded = [slow.service("GET", "/redfish/v1/systems/1/memory?$expand=.", 200, body) for _index in range(30)]
    assert _quantile(expanded, 0.5) > _quantile(plain, 0.5) + 1.0
    with pytest.raises(ValueError):
        ServiceTimes("ilo3")


def test_load_worker_limit_counts_and_peaks():
    load = Load(workers=1)
    load.acquire()
    entered = threading.Event()

    def second():
        load.acquire()
        entered.set()
        load.release()

    thread = threading.Thread(target=second)
    thread.start()
    assert not entered.wait(0.2)  # the serial BMC serves one at a time
    load.release()
    assert entered.wait(5)
    thread.join()
    snap = load.snapshot()
    assert snap["peak"]["in_service"] == 1 and snap["waited"] == 1 and snap["now"]["in_service"] == 0
    load.set_workers(0)
    load.acquire()
    load.acquire()
    assert load.snapshot()["peak"]["in_service"] == 2
    load.release()
    load.release()
    load.clear()
    assert load.snapshot()["peak"]["in_service"] == 0


def test_serial_worker_serves_in_order_of_arrival():
    """A serial BMC takes requests off its queue in arrival order: waiters never jump the queue however the threads
    are scheduled (a bare condition variable woke them in any order, and a later request was served first)."""
    load = Load(workers=1)
    load.acquire()
    served, threads = [], []

    def request(number):
        load.acquire()
        served.append(number)
        time.sleep(0.001)
        load.release()

    for number in range(12):
        threads.append(threading.Thread(target=request, args=(number,)))
        threads[-1].start()
        deadline = time.monotonic() + 5
        while load.snapshot()["waited"] < number + 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # this one is queued before the next arrives
    load.release()
    for thread in threads:
        thread.join(5)
    assert served == list(range(12))
    load.set_workers(0)  # unlimited again: nobody waits for a turn
    load.acquire()
    load.acquire()
    assert load.snapshot()["now"]["in_service"] == 2


def _burst(fleet, count):
    """``count`` clients, each on its own connection, GET the system at the same moment."""
    barrier = threading.Barrier(count)
    done = threading.Barrier(count)
    statuses = []

    def one():
        with requests.Session() as http:
            http.trust_env = False
            barrier.wait(5)
            statuses.append(http.get(fleet.urls[0] + SYSTEM, auth=AUTH, verify=fleet.ca_path, timeout=20).status_code)
            done.wait(30)  # keep the connection open until every client has its answer

    threads = [threading.Thread(target=one) for _index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def settled(fleet):
    """The counters once the server has seen the clients' connections close (a moment after they do)."""
    deadline = time.monotonic() + 5
    seen = fleet.ilos[0].concurrency()
    while seen["now"]["connections"] and time.monotonic() < deadline:
        time.sleep(0.02)
        seen = fleet.ilos[0].concurrency()
    return seen


@pytest.mark.parametrize("workers, most", [(1, 1), (2, 2), (0, 6)])
def test_worker_limit_bounds_requests_in_service(sim, workers, most):
    fleet = sim(profile="ilo5", service_times="realistic", workers=workers, time_scale=0.2, seed=3)
    assert _burst(fleet, 6) == [200] * 6
    seen = settled(fleet)
    assert seen["workers"] == workers
    assert seen["peak"]["connections"] == 6
    assert seen["now"]["connections"] == 0 and seen["now"]["in_service"] == 0
    if workers:
        assert seen["peak"]["in_service"] == most and seen["waited"] >= 1
    else:
        assert seen["peak"]["in_service"] >= 3 and seen["waited"] == 0


def test_concurrency_control_endpoint_and_config(sim):
    fleet = sim(profile="ilo5", workers=1)
    url = fleet.urls[0]
    with requests.Session() as control:
        control.trust_env = False
        control.verify = fleet.ca_path
        assert control.get(url + "/_sim/config").json()["workers"] == 1
        assert _burst(fleet, 2) == [200, 200]
        settled(fleet)
        seen = control.get(url + "/_sim/concurrency").json()
        assert seen["peak"]["connections"] == 2 and seen["peak"]["in_service"] == 1
        assert seen["now"]["connections"] == 0  # the control connection is not one of the BMC's clients
        cleared = control.delete(url + "/_sim/concurrency").json()
        assert cleared["peak"] == {"connections": 0, "handshakes": 0, "in_progress": 0, "in_service": 0}
        assert control.post(url + "/_sim/config", json={"service_times": "ilo4", "workers": 0}).status_code == 200
        assert fleet.ilos[0].times.profile == "ilo4" and fleet.ilos[0].load.workers == 0
        assert control.post(url + "/_sim/config", json={"service_times": "slow"}).status_code == 400
        assert control.post(url + "/_sim/reset").status_code == 200
        assert fleet.ilos[0].times is None and fleet.ilos[0].load.workers == 1


def test_start_and_cli_options(sim):
    with pytest.raises(ValueError):
        sim(profile="ilo5", service_times="ilo9")
    args = parse_args(["--service-times", "ilo4", "--workers", "1", "--time-scale", "0.05", "--seed", "4"])
    assert (args.service_times, args.workers, args.time_scale, args.seed) == ("ilo4", 1, 0.05, 4)
    with pytest.raises(SystemExit):
        parse_args(["--workers", "-1"])
