# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control API under ``/_sim/`` (no auth; one per simulated iLO): a thin HTTP face of :class:`Ilo`."""

import json

from ilosim import events as sim_events
from ilosim.base import JSON_TYPE, Response, norm


def _reply(status, body):
    return Response(status, [("Content-Type", JSON_TYPE), ("Cache-Control", "no-cache")],
                    json.dumps(body, separators=(",", ":")).encode("utf-8"))


def handle(ilo, method, path, data):
    """Answer a ``/_sim/...`` request for ``ilo`` (see the README "Control API" table)."""
    key = norm(path)
    try:
        payload = json.loads(data.decode("utf-8")) if data and data.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return _reply(400, {"error": "body is not JSON"})
    try:
        if key == "/_sim/reset" and method == "POST":
            ilo.reset()
            return _reply(200, {"reset": True})
        if key == "/_sim/requests":
            if method == "GET":
                return _reply(200, ilo.requests())
            if method == "DELETE":
                with ilo.lock:
                    ilo.clear_requests()
                return _reply(200, ilo.requests())
        if key == "/_sim/concurrency":
            if method == "GET":
                return _reply(200, ilo.concurrency())
            if method == "DELETE":
                ilo.load.clear()
                return _reply(200, ilo.concurrency())
        if key == "/_sim/sessions" and method == "GET":
            return _reply(200, ilo.session_info())
        if key == "/_sim/faults":
            if method == "POST":
                return _reply(201, ilo.add_fault(payload))
            if method == "DELETE":
                ilo.clear_faults()
                return _reply(200, {"faults": []})
            if method == "GET":
                with ilo.lock:
                    return _reply(200, {"faults": [dict(f) for f in ilo.faults]})
        if key == "/_sim/config":
            if method == "GET":
                return _reply(200, ilo.get_config())
            if method == "POST":
                return _reply(200, ilo.set_config(payload))
        if key == "/_sim/events":
            if method == "POST":
                with ilo.lock:
                    return _reply(201, sim_events.inject(ilo, payload))
            if method == "GET":
                with ilo.lock:
                    return _reply(200, {"deliveries": list(ilo.deliveries)})
        if key == "/_sim/state" and method == "GET":
            return _reply(200, ilo.state())
        if key == "/_sim/state" and method == "POST":
            return _reply(200, ilo.set_state(payload.get("system", "1"), payload.get("power_state"), payload.get("post_state"),
                                             payload.get("finish_post_s")))
    except (ValueError, TypeError) as exc:
        return _reply(400, {"error": str(exc)})
    return _reply(404, {"error": "no control endpoint %s %s" % (method, key)})
