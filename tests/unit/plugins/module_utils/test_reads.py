# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The adaptive read limiter's decisions, fed latencies (no network, no clock, deterministic)."""

from __future__ import annotations

import random
import threading

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils import reads
from ansible_collections.lightsout.ilo.plugins.module_utils.reads import Limiter, limiter_of, run_all


def bmc(workers, seed=1, median=0.27, sigma=0.5):
    """A closed-loop model of a BMC with ``workers`` (0 = unlimited): (latency, overtook) at a given load.

    Service times vary per request (sigma); a request overtakes an earlier one only where two are
    served at once (never on a serial BMC, which answers in order).
    """
    rng = random.Random(seed)

    def answer(load):
        queue = 1.0 if not workers else max(1.0, load / float(workers))
        overtook = load > 1 and workers != 1 and rng.random() < 0.3
        return median * rng.lognormvariate(0.0, sigma) * queue, overtook

    return answer


def drive(limiter, answer, requests=400, solo=3):
    """``solo`` sequential reads, then ``requests`` reads always at the limiter's limit; the limits seen."""
    for _index in range(solo):
        limiter.observe(answer(1)[0], 1)
    seen = []
    done = 0
    while done < requests:
        load = limiter.limit
        for _index in range(load):
            latency, overtook = answer(load)
            limiter.observe(latency, load, overtook=overtook)
        done += load
        seen.append(limiter.limit)
    return seen


@pytest.mark.parametrize('seed', range(20))
def test_serial_bmc_never_gets_more_than_two(seed):
    limiter = Limiter(cap=8)
    seen = drive(limiter, bmc(1, seed=seed))
    assert max(seen) <= 2
    assert seen.count(1) > 0.7 * len(seen)  # mostly sequential; 2 only for the occasional probe
    assert ('queueing', 2, 1) in limiter.decisions


def test_parallel_bmc_grows_to_the_cap():
    finals = []
    for seed in range(20):
        seen = drive(Limiter(cap=8), bmc(0, seed=seed))
        assert min(seen[3:]) >= 2  # once it served two at once, latency alone never brings it back to 1
        finals.append(sum(seen[-10:]) / 10.0)
    assert sum(1 for value in finals if value >= 6) >= 15  # a thin reference can hold a few runs back
    assert sum(finals) / len(finals) >= 6


@pytest.mark.parametrize('seed', range(10))
def test_four_worker_bmc_is_noticed_queueing(seed):
    limiter = Limiter(cap=16)
    seen = drive(limiter, bmc(4, seed=seed), requests=1200)
    tail = seen[len(seen) // 2:]
    assert 2 <= sum(tail) / float(len(tail)) <= 9
    assert any(what == 'queueing' for what, _old, _new in limiter.decisions)


def test_grows_after_a_flat_window_with_overtaking_only():
    limiter = Limiter(cap=8)
    assert limiter.limit == reads.INITIAL == 2
    for _index in range(3):
        limiter.observe(0.3, 1)
    for _index in range(12):
        limiter.observe(0.3, 2)
    assert limiter.limit == 2  # flat, but in order: a serial BMC can look like that
    for _index in range(3):
        limiter.observe(0.3, 2)
    limiter.observe(0.3, 2, overtook=True)
    assert limiter.limit == 2  # one overtaking is not proof: a client short of CPU can send late
    for _index in range(3):
        limiter.observe(0.3, 2)
    limiter.observe(0.3, 2, overtook=True)
    assert limiter.limit == 4  # doubles on the second
    assert limiter.decisions == [('flat', 2, 4)]
    for _index in range(4):
        limiter.observe(0.3, 4, overtook=True)
    assert limiter.limit == 8


def test_from_one_to_two_needs_only_a_flat_window():
    limiter = Limiter(cap=8, initial=1)
    for _index in range(reads.MIN_WINDOW):
        limiter.observe(0.3, 1)
    assert limiter.limit == 2


def test_latency_growing_with_concurrency_shrinks_at_once_in_proportion():
    limiter = Limiter(cap=8, initial=8)
    for _index in range(3):
        limiter.observe(0.2, 1)
    for _index in range(8):
        limiter.observe(0.4, 8)  # twice the unloaded time: about 5 of the 8 would have been served
    assert limiter.limit == 5
    assert limiter.decisions == [('queueing', 8, 5)]


def test_a_timeout_halves_and_the_limit_that_failed_is_probed_only_later():
    limiter = Limiter(cap=8, initial=8)
    for _index in range(3):
        limiter.observe(0.2, 1)
    limiter.observe(10.0, 8, failed=True)
    assert limiter.limit == 4
    for _index in range(24):
        limiter.observe(0.2, limiter.limit, overtook=True)
    assert limiter.limit == 7  # grows back below the limit that failed
    for _index in range(reads.PROBE_AFTER * 8):
        limiter.observe(0.2, limiter.limit, overtook=True)
    assert limiter.limit == 8  # then probes it again
    limiter2 = Limiter(cap=8, initial=1)
    limiter2.observe(5.0, 1, failed=True)
    assert limiter2.limit == 1


def test_without_a_reference_only_overtaking_grows_it():
    limiter = Limiter(cap=8)
    for _index in range(8):
        limiter.observe(0.5, 2)
    assert limiter.limit == 2 and limiter.decisions == []
    for _index in range(2):
        limiter.observe(0.5, 2)
    limiter.observe(0.5, 2, overtook=True)
    limiter.observe(0.5, 2, overtook=True)
    assert limiter.limit == 4 and limiter.decisions == [('overtaken', 2, 4)]


def test_requests_are_compared_with_their_kind():
    limiter = Limiter(cap=8)
    for _index in range(3):
        limiter.observe(0.1, 1)  # plain reads alone
    for _index in range(4):
        limiter.observe(0.5, 2, kind='expand', overtook=True)  # expanded collections: no reference of their own yet
    assert limiter.decisions == [('overtaken', 2, 4)]  # not taken for queueing against the plain reads
    for _index in range(2):
        limiter.observe(0.5, 1, kind='expand')
    for _index in range(4):
        limiter.observe(0.55, 4, kind='expand', overtook=True)
    assert limiter.decisions[-1] == ('flat', 4, 8)
    for _index in range(8):
        limiter.observe(1.1, 8, kind='expand')
    assert limiter.decisions[-1] == ('queueing', 8, 4)


def test_latency_never_brings_a_bmc_that_served_two_at_once_below_two():
    limiter = Limiter(cap=8)
    for _index in range(3):
        limiter.observe(0.1, 1)
    for _index in range(2):
        limiter.observe(0.5, 2)
    limiter.observe(0.5, 2, overtook=True)
    assert not limiter.parallel  # once is not proof
    limiter.observe(0.5, 2, overtook=True)
    assert limiter.parallel and limiter.limit == 2 and limiter.decisions == []
    limiter.observe(9.0, 2, failed=True)
    assert limiter.limit == 1  # a timeout still does


def test_requests_below_the_limit_say_nothing_about_it():
    limiter = Limiter(cap=8, initial=4)
    for _index in range(3):
        limiter.observe(0.2, 1)
    for _index in range(50):
        limiter.observe(5.0, 2)
    assert limiter.limit == 4 and limiter.decisions == []


def test_cap_bounds_the_limit():
    limiter = Limiter(cap=3)
    drive(limiter, bmc(0), requests=200)
    assert limiter.limit == 3
    limiter.set_cap(1)
    assert limiter.limit == 1
    assert Limiter(cap=0).cap == 1


def test_gate_tracks_load_and_counts_congestion_as_failure():
    now = [0.0]
    limiter = Limiter(cap=4, initial=2, clock=lambda: now[0])
    first = limiter.acquire()
    second = limiter.acquire()
    assert first.load == 2 and second.load == 2 and limiter.in_flight == 2 and limiter.peak == 2
    blocked = threading.Event()

    def third():
        token = limiter.acquire()
        blocked.set()
        limiter.release(token)

    thread = threading.Thread(target=third)
    thread.start()
    assert not blocked.wait(0.1)  # the limit is 2
    now[0] = 1.0
    limiter.release(first)
    assert blocked.wait(5)
    thread.join()
    limiter.release(second)
    assert limiter.in_flight == 0 and limiter.peak == 2

    def timeout():
        raise TimeoutError('slow')

    with pytest.raises(TimeoutError):
        limiter.call(timeout, congestion=(TimeoutError,))
    assert limiter.decisions[-1] == ('failure', 2, 1)
    assert limiter.call(lambda a, b=0: a + b, (1,), {'b': 2}, congestion=(TimeoutError,)) == 3
    with pytest.raises(KeyError):
        limiter.call({}.__getitem__, ('x',), congestion=(TimeoutError,))  # not congestion: no failure recorded
    assert limiter.decisions[-1] == ('failure', 2, 1) and limiter.in_flight == 0


def test_run_all_keeps_order_and_raises_the_first_error():
    limiter = Limiter(cap=4)
    assert run_all(lambda x: x * 2, range(10), limiter) == list(range(0, 20, 2))
    finished = []

    def work(x):
        if x == 3:
            raise ValueError(x)
        finished.append(x)
        return x

    with pytest.raises(ValueError):
        run_all(work, range(8), limiter)
    assert {0, 1, 2} <= set(finished) and 3 not in finished
    names = set()
    run_all(lambda x: names.add(threading.current_thread().name), range(5), Limiter(cap=1))
    assert names == {threading.current_thread().name}


def test_limiter_of_is_one_per_owner():
    class Owner:
        pass

    owner = Owner()
    first = limiter_of(owner)
    assert limiter_of(owner) is first and first.cap == reads.DEFAULT_CAP
    assert limiter_of(owner, cap=2) is first and first.cap == 2
    assert limiter_of(Owner()) is not first


def test_gate_sees_overtaking_but_not_around_a_new_connection():
    now = [0.0]
    limiter = Limiter(cap=4, initial=4, clock=lambda: now[0])
    seen = []
    observe = limiter._observe

    def spy(latency, load, failed, overtook=False, kind=None):
        seen.append(overtook)
        observe(latency, load, failed, overtook, kind)

    limiter._observe = spy
    first, second = limiter.acquire(), limiter.acquire()  # two new connections
    assert first.fresh and second.fresh
    limiter.release(second)
    limiter.release(first)
    now[0] = 1.0
    old, same_time = limiter.acquire(), limiter.acquire()  # kept-alive connections
    assert not old.fresh and not same_time.fresh
    now[0] = 1.5
    limiter.release(same_time)  # sent together with `old`: either may reach the BMC first
    later = limiter.acquire()
    now[0] = 1.6
    limiter.release(later)  # sent 0.5 s after `old`, answered first: served at the same time
    assert seen[-2:] == [False, True]
    another, third = limiter.acquire(), limiter.acquire()  # a third connection opens now
    assert third.fresh and old.fresh and another.fresh
    now[0] = 1.8
    limiter.release(third)
    assert seen[-1] is False  # `old` may have been the one waiting for the new connection
