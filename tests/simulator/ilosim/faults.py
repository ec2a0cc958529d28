# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Injected faults (README "Control API", ``/_sim/faults``): specs, matching, consumption and the answers
they give; a mixin of :class:`ilosim.engine.Ilo` (uses ``self.lock``, ``self.faults`` and the request counters)."""

import re
import time

from ilosim.base import BODY_METHODS, norm

FAULT_KINDS = ("http_500", "http_503", "drop", "slow", "etag_412", "not_ready", "expire_sessions", "reject_bios_attribute",
               "unreachable_image")
REQUEST_FAULTS = ("http_500", "http_503", "drop", "slow", "etag_412", "not_ready")


class Faults:
    """Fault specs and how a request meets them."""

    def add_fault(self, spec):
        """Add a fault (see README); ``expire_sessions`` acts at once. Raises ValueError on a bad spec."""
        if not isinstance(spec, dict) or spec.get("kind") not in FAULT_KINDS:
            raise ValueError("fault kind must be one of %s" % ", ".join(FAULT_KINDS))
        fault = dict(spec)
        fault.setdefault("count", 1)
        match = fault.get("match") or {}
        if not isinstance(match, dict):
            raise ValueError("match must be an object")
        if match.get("path"):
            re.compile(match["path"])
        if fault["kind"] == "reject_bios_attribute" and not fault.get("name"):
            raise ValueError("reject_bios_attribute needs a name")
        with self.lock:
            if fault["kind"] == "expire_sessions":
                self._forget_sessions()
            else:
                self.faults.append(fault)
        return fault

    def clear_faults(self):
        with self.lock:
            self.faults = []

    def begin(self, method, path):
        """Count a request and take the faults matching it: ``(delay_s, terminal_fault)``."""
        with self.lock:
            self.total += 1
            self.by_method[method] += 1
            self.by_endpoint["%s %s" % (method, norm(path))] += 1
            now = time.monotonic()
            if now < self.manager_down_until:
                return 0.0, {"kind": "drop"}  # the iLO is restarting: no answer at all
            if now < self.manager_ready_at:
                return 0.0, {"kind": "not_ready", "retry_after": max(1, int(self.manager_ready_at - now + 0.999))}
            delay, terminal = 0.0, None
            for fault in list(self.faults):
                if fault["kind"] not in REQUEST_FAULTS or not self._fault_matches(fault, method, path):
                    continue
                if fault["kind"] == "slow":
                    delay += float(fault.get("delay_s", 1.0))
                elif terminal is None:
                    terminal = fault
                else:
                    continue
                self._consume(fault)
            return delay, terminal

    @staticmethod
    def _fault_matches(fault, method, path):
        match = fault.get("match") or {}
        want = match.get("method")
        if want:
            if method.upper() not in [m.upper() for m in ([want] if isinstance(want, str) else want)]:
                return False
        elif fault["kind"] == "etag_412" and method not in BODY_METHODS + ("DELETE",):
            return False
        if not match.get("path"):
            return True
        raw = path.split("?", 1)[0]
        return any(re.search(match["path"], candidate, re.I) for candidate in (raw, norm(raw)))

    def _bios_rejects(self, pending):
        """``{attribute: message id}`` the ``reject_bios_attribute`` faults impose on this BIOS apply (consumed)."""
        rejects = {}
        for fault in [f for f in self.faults if f["kind"] == "reject_bios_attribute"]:
            if fault["name"] in pending:
                rejects[fault["name"]] = self.msg(fault.get("message_id") or "PropertyNotWritable")
                self._consume(fault)
        return rejects

    def _consume(self, fault):
        if fault.get("count", 1) == -1:
            return
        fault["count"] = fault.get("count", 1) - 1
        if fault["count"] <= 0 and fault in self.faults:
            self.faults.remove(fault)

    def _fault_response(self, fault, method, key):
        kind = fault["kind"]
        retry = str(int(fault.get("retry_after", 5)))
        if kind == "http_500":
            return self.internal_error()
        if kind == "http_503":
            return self._ext(503, [self._info(self.msg("ServiceTemporarilyUnavailable"), [retry])], [("Retry-After", retry)])
        if kind == "not_ready":
            return self._ext(503, [self._info(self.msg("ResourceNotReadyRetry", "iLO"), [retry])], [("Retry-After", retry)])
        del method, key
        return self._ext(412, [self._info(self.msg("PreconditionFailed"))])
