# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many reads to send to one BMC at the same time: adaptive concurrency for the one read path.

A BMC serves few requests at once (some exactly one), and iLO 4 is slow. Opening many
connections to a BMC that serializes only queues them: every answer gets slower, new TLS
handshakes wait behind the requests in service and time out. A BMC that does serve in
parallel, on the other hand, answers a whole inventory several times faster with parallel
reads. The :class:`Limiter` finds out which one it is talking to, per host and per run:

- it starts small (``INITIAL`` requests in flight) and never exceeds ``cap`` (the user's
  per-host cap, ilo_facts ``max_concurrency``);
- requests that were alone in flight give the reference latency (the BMC unloaded), per kind
  of request (an expanded collection costs more than a plain read and is compared with its like);
- after a window of requests that ran at the current limit it takes the median of their
  latencies relative to the reference. Grown with concurrency (``SHRINK_ABOVE`` times or more)
  -> down in proportion, at once. Flat (at most ``GROW_BELOW`` times) -> double, but above one
  request only if requests overtook ones sent earlier (finished first) ``OVERTAKES`` times since
  the last decision: proof that the BMC serves requests at the same time. A serial BMC answers
  in order, so it never gets more than two requests in flight, however its latencies happen to
  fall; one overtaking alone is not proof, since a controller short of CPU can send a request
  later than it took its turn at the gate. Without a reference yet, overtaking alone lets it grow;
- once the BMC was seen serving two at once (``OVERTAKES`` overtakings), latency alone never
  brings it below two;
- a request that timed out or whose connection broke halves the limit at once;
- after queueing was seen at a limit, it is probed again only after ``PROBE_AFTER`` windows
  (twice as long after each probe that queued again).

The limit bounds requests in flight, and so the connections: a keep-alive pool hands an idle
kept-alive connection to the next request before it opens another, so the connections a run
opens are the most requests it ever had in flight; a serial BMC sees one or two.

:meth:`Limiter.observe` holds every decision and is pure (latencies in, limit out), so it is
tested by feeding it latencies. :meth:`Limiter.call` is the gate around one request and
:func:`run_all` runs a function over many items on threads that wait at that gate.

No Ansible import here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

DEFAULT_CAP = 8
INITIAL = 2
GROW_BELOW = 1.35
SHRINK_ABOVE = 1.7
MIN_WINDOW = 4
REFERENCE_SAMPLES = 16
REFERENCE_MIN = 2
CONFIRM = 1
GROWTH = 2.0
PROBE_AFTER = 6
OVERTAKE_MARGIN = 0.25
OVERTAKES = 2

_ATTRIBUTE = '_lightsout_reads_limiter'
_CREATE_LOCK = threading.Lock()


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


class _Token:
    __slots__ = ('start', 'load', 'seq', 'fresh')

    def __init__(self, start, load, seq, fresh):
        self.start = start
        self.load = load
        self.seq = seq
        self.fresh = fresh


class Limiter:
    """The number of requests one host gets at the same time, adapted to how it answers."""

    def __init__(self, cap=DEFAULT_CAP, initial=INITIAL, clock=None):
        self.cap = max(1, int(cap))
        self.limit = max(1, min(int(initial), self.cap))
        self.clock = clock if clock is not None else time.monotonic
        self.in_flight = 0
        self.peak = 0
        self._sent = 0
        self.decisions = []
        self._cond = threading.Condition()
        self._active = []
        self._solo = {}
        self._window = []
        self.parallel = False
        self._overtakes = 0
        self._flat = 0
        self._overtaken = 0
        self._ceiling = None
        self._since_queueing = 0
        self._probe_after = PROBE_AFTER
        self._probing = False

    # ------------------------------------------------------------------ decisions

    def reference(self, kind=None):
        """The median latency of the latest requests of ``kind`` that were alone in flight (None before
        ``REFERENCE_MIN`` of them). Kinds keep apart requests that cost systematically more (an expanded
        collection answers with all its members), so that they are compared with their like."""
        solo = self._solo.get(kind) or []
        return _median(solo) if len(solo) >= REFERENCE_MIN else None

    def set_cap(self, cap):
        with self._cond:
            self.cap = max(1, int(cap))
            self.limit = min(self.limit, self.cap)

    def observe(self, latency, load, failed=False, overtook=False, kind=None):
        """Take one finished request into account and return the new limit.

        ``latency``: seconds it took; ``load``: the most requests in flight while it was
        (itself included); ``failed``: it timed out or its connection broke; ``overtook``: it
        finished before a request sent earlier (so the BMC served both at once); ``kind``: what
        sort of request it was (see :meth:`reference`).
        """
        with self._cond:
            self._observe(float(latency), int(load), failed, overtook, kind)
            self._cond.notify_all()
            return self.limit

    def _decide(self, what, limit):
        limit = max(1, min(limit, self.cap))
        if limit != self.limit:
            self.decisions.append((what, self.limit, limit))
            self.limit = limit

    def _restart_streak(self):
        self._flat = 0
        self._overtaken = 0

    def _observe(self, latency, load, failed, overtook=False, kind=None):
        if failed:
            self._window = []
            self._restart_streak()
            if self.limit > 1:
                self._ceiling = self.limit
                self._since_queueing = 0
            self._decide('failure', self.limit // 2)
            return
        if overtook:
            self._overtakes += 1
            self.parallel = self._overtakes >= OVERTAKES
        if load <= 1:
            self._solo[kind] = (self._solo.get(kind, []) + [latency])[-REFERENCE_SAMPLES:]
        if load < self.limit:
            return  # says nothing about the current limit
        reference = self.reference(kind)
        self._window.append(latency / reference if reference else None)
        self._overtaken += 1 if overtook else 0
        if len(self._window) < max(MIN_WINDOW, self.limit):
            return
        ratios = [value for value in self._window if value is not None]
        self._window = []
        self._since_queueing += 1
        ratio = _median(ratios) if ratios else None
        if ratio is not None and ratio >= SHRINK_ABOVE and self.limit > 1:
            self._restart_streak()
            # Never below 2 on latency alone once the BMC was seen serving two requests at once.
            target = max(2 if self.parallel else 1, min(self.limit - 1, int(self.limit * GROW_BELOW / ratio)))
            if target < self.limit:
                if self._probing:  # the probe queued again: probe less often
                    self._probe_after *= 2
                self._probing = False
                self._ceiling = self.limit
                self._since_queueing = 0
                self._decide('queueing', target)
        elif (ratio is None or ratio <= GROW_BELOW) and self.limit < self.cap:
            if ratio is None and self.limit < 2:
                return  # nothing to compare with yet
            self._flat += 1
            if self._flat < CONFIRM:
                return
            if self.limit >= 2 and self._overtaken < OVERTAKES:
                return  # flat, but nothing (or once) overtook: a BMC serving one request at a time looks like that
            target = max(self.limit + 1, int(self.limit * GROWTH))
            probing = False
            if self._ceiling is not None:
                if self.limit + 1 < self._ceiling:
                    target = min(target, self._ceiling - 1)
                elif self._since_queueing < self._probe_after:
                    return
                else:  # probe the limit that queued once more: the BMC may have been busy with someone else
                    target = min(target, self._ceiling)
                    self._ceiling = None
                    probing = True
            self._restart_streak()
            self._probing = probing
            self._decide('flat' if ratio is not None else 'overtaken', target)
        else:
            self._restart_streak()

    # ------------------------------------------------------------------ the gate

    def acquire(self):
        """Wait until one more request may be sent; returns the token for :meth:`release`."""
        with self._cond:
            while self.in_flight >= self.limit:
                self._cond.wait()
            self.in_flight += 1
            # More in flight than ever before: this request most likely opens a new connection.
            fresh = self.in_flight > self.peak
            self.peak = max(self.peak, self.in_flight)
            self._sent += 1
            token = _Token(self.clock(), self.in_flight, self._sent, fresh)
            for other in self._active:
                other.load = max(other.load, self.in_flight)
                # Which of the requests in flight takes the new connection is a race between their threads.
                other.fresh = other.fresh or fresh
            self._active.append(token)
            return token

    def release(self, token, failed=False, kind=None):
        with self._cond:
            self.in_flight -= 1
            self._active.remove(token)
            latency = self.clock() - token.start
            # Overtaking counts only when this request was sent well after the one it overtook, and that
            # one did not open a new connection: the BMC may have served this request during that
            # one's TLS handshake, or two sent at nearly the same moment may reach it in either order.
            overtook = any(other.seq < token.seq and not other.fresh
                           and token.start - other.start >= OVERTAKE_MARGIN * latency for other in self._active)
            self._observe(latency, token.load, failed, overtook, kind)
            self._cond.notify_all()

    def call(self, func, args=(), kwargs=None, congestion=(), kind=None):
        """``func(*args, **kwargs)`` as one request of ``kind`` through the gate; an exception of a
        ``congestion`` class (a timeout, a broken connection) counts as a failure."""
        token = self.acquire()
        failed = False
        try:
            return func(*args, **(kwargs or {}))
        except congestion:
            failed = True
            raise
        finally:
            self.release(token, failed, kind)


def limiter_of(owner, cap=None):
    """The limiter of a client (one per client, so one per host and run), created on first use."""
    limiter = getattr(owner, _ATTRIBUTE, None)
    if limiter is None:
        with _CREATE_LOCK:
            limiter = getattr(owner, _ATTRIBUTE, None)
            if limiter is None:
                limiter = Limiter(cap=DEFAULT_CAP if cap is None else cap)
                setattr(owner, _ATTRIBUTE, limiter)
                return limiter
    if cap is not None and cap != limiter.cap:
        limiter.set_cap(cap)
    return limiter


def run_all(func, items, limiter):
    """``[func(item) for item in items]`` on up to ``limiter.cap`` threads, in order.

    The threads only wait at the limiter's gate for each request they send, so the limiter,
    not the number of threads, decides how many requests are in flight. The first exception
    is raised (items not started yet are dropped; the ones running finish first).
    """
    items = list(items)
    if len(items) <= 1 or limiter.cap <= 1:
        return [func(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel
    with ThreadPoolExecutor(max_workers=min(limiter.cap, len(items))) as pool:
        return list(pool.map(func, items))
