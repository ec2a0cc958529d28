# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EventService as iLO behaves: subscriptions checked against what it advertises, PATCH of ``Context`` only,
``SubmitTestEvent``, and delivery: the iLO POSTs each event to every subscriber whose filters take it.

- POST to the subscriptions collection: ``Destination`` must be an https URL (400 ``PropertyValueFormatError``),
  ``Protocol`` ``Redfish``; ``EventTypes`` must be among ``EventTypesForSubscription`` and ``RegistryPrefixes`` among
  ``RegistryPrefixes`` where the service advertises them (400 ``PropertyValueNotInList``). (routing.py stores it.)
- PATCH of a subscription: ``Context`` only (DMTF makes the filters and the destination create-time only: 400
  ``PropertyNotWritable``); iLO 4's subscriptions take no PATCH at all (405, their ``Allow`` lists none) - *assumed*,
  no public capture shows iLO answering a subscription PATCH.
- Delivery (:func:`emit`): a Redfish ``Event`` body (``Context`` of the subscription, one record) POSTed by a background
  thread to each matching destination, TLS not verified (real iLO verifies against the CA certificates imported into
  its EventService; the simulator has none), at most ``DeliveryRetryAttempts`` tries. Every try is recorded in
  ``ilo.deliveries`` (``/_sim/events`` GET). Emitted by ``SubmitTestEvent``, by a power change (``ServerPoweredOn`` /
  ``ServerPoweredOff``) and by an injected fault (``/_sim/events`` POST ``{"kind": "fan_failed", "fan": 3}``: the
  IML gets the entry and subscribers ``iLOEvents.FanFailed``).

Wired into the engine by: :func:`check_subscription` (routing.py POST), :func:`patch` (settings.py),
:func:`action` (routing.py actions), :func:`on_power` (power.py) and :func:`inject` (control.py).
"""

import json
import ssl
import threading
import time
import urllib.request
from urllib.parse import urlsplit

from ilosim import logs as sim_logs
from ilosim.base import HttpError, dig, key_of, link_of, now_iso

#: Registry versions iLO names event MessageIds with, per generation (the tree's own registry wins).
EVENT_VERSIONS = {4: "1.0", 5: "2.1", 6: "6.3", 7: "7.3"}
FAULTS = {
    "fan_failed": ("iLOEvents", "FanFailed", "Fan %1 has failed.", "Critical", "Alert", "System Fan Failure (Fan %s)", 6),
    "fan_ok": ("iLOEvents", "FanStatusOK", "Fan %1 is OK.", "OK", "StatusChange", "System Fan OK (Fan %s)", 6),
    "drive_predictive_failure": ("iLOEvents", "DrivePredictiveFailure", "Drive %1 has a predictive failure.", "Warning", "Alert",
                                 "Drive predictive failure (Drive %s)", 11),
}


def _service(ilo):
    root = ilo.body("/redfish/v1") or {}
    key = key_of(link_of(root.get("EventService")) or link_of(dig(root, "links", "EventService")))
    return key, (ilo.body(key) if key else None)


def _bad(ilo, key, args, related, status=400):
    return HttpError(status, [ilo._info(ilo.msg(key), args, related)])  # pylint: disable=protected-access


def check_subscription(ilo, payload):
    """Raise the iLO's 400 for a subscription the EventService would refuse."""
    destination = payload.get("Destination")
    try:
        parts = urlsplit(destination) if isinstance(destination, str) else None
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() != "https" or not parts.hostname:
        raise _bad(ilo, "PropertyValueFormatError", [str(destination), "Destination"], ["#/Destination"])
    _key, service = _service(ilo)
    for prop, advertised in (("EventTypes", "EventTypesForSubscription"), ("RegistryPrefixes", "RegistryPrefixes")):
        allowed = (service or {}).get(advertised)
        values = payload.get(prop)
        if values is None or not isinstance(allowed, list):
            continue
        if not isinstance(values, list):
            raise _bad(ilo, "PropertyValueTypeError", [json.dumps(values), prop], ["#/" + prop])
        for value in values:
            if value not in allowed:
                raise _bad(ilo, "PropertyValueNotInList", [str(value), prop], ["#/" + prop])


def is_subscription(ilo, key):
    subs = ilo.tree.subscriptions_key
    return bool(subs and key.startswith(subs + "/") and isinstance(ilo.body(key), dict))


def allow(ilo, key):
    """The ``Allow`` of a subscription: iLO 4's take no PATCH."""
    del key
    return "GET, HEAD, DELETE" if ilo.generation == 4 else "GET, HEAD, PATCH, DELETE"


def patch(ilo, method, key, payload):
    """The answer to a PATCH of a subscription (Context only), or None when ``key`` is not one."""
    if not is_subscription(ilo, key):
        return None
    if method != "PATCH" or ilo.generation == 4:
        raise HttpError(405, [ilo._info(ilo.msg("OperationNotAllowed"))], [("Allow", allow(ilo, key))])  # pylint: disable=protected-access
    body = ilo.body(key)
    for name, value in payload.items():
        if name.startswith("@"):
            continue
        if name != "Context":
            raise _bad(ilo, "PropertyNotWritable" if name in body else "PropertyUnknown", [name], ["#/" + name])
        if not isinstance(value, str):
            raise _bad(ilo, "PropertyValueTypeError", [json.dumps(value), name], ["#/" + name])
    target = ilo.mutable(key)
    target.update({k: v for k, v in payload.items() if not k.startswith("@")})
    return ilo._ext(200, [ilo._info(ilo.msg("Success"))])  # pylint: disable=protected-access


def action(ilo, owner, name, payload):
    """``EventService.SubmitTestEvent``: one event to the subscribers it matches; None for another action."""
    if name.split(".")[-1] != "SubmitTestEvent":
        return None
    del owner
    record = {
        "EventType": payload.get("EventType") or "Alert",
        "MessageId": payload.get("MessageId") or "%s.TestEvent" % _prefixed(ilo, "iLOEvents"),
        "Message": payload.get("Message") or "Test event.",
        "MessageArgs": list(payload.get("MessageArgs") or []),
        "Severity": payload.get("Severity") or "OK",
        "OriginOfCondition": payload.get("OriginOfCondition") or {"@odata.id": "/redfish/v1/Systems/1/"},
    }
    emit(ilo, [record])
    return ilo._ext(200, [ilo._info(ilo.msg("Success"))])  # pylint: disable=protected-access


def _prefixed(ilo, registry):
    """``iLOEvents.7.3`` for the tree's own registry version, else the generation's."""
    for body in ilo.tree.registry_files:
        name = str(body.get("Registry") or "")
        if name.split(".", 1)[0] == registry and name.count(".") >= 2:
            return ".".join(name.split(".")[:3])
    return "%s.%s" % (registry, EVENT_VERSIONS.get(ilo.generation, "1.0"))


def on_power(ilo, state, before):
    """A power change: ``ServerPoweredOn`` / ``ServerPoweredOff`` to the subscribers."""
    if state.power == before or state.power not in ("On", "Off"):
        return
    registry = "iLOResourceEvents" if ilo.generation >= 6 else "iLOEvents"
    key = "ServerPoweredOn" if state.power == "On" else "ServerPoweredOff"
    emit(ilo, [{"EventType": "StatusChange", "MessageId": "%s.%s" % (_prefixed(ilo, registry), key),
                "Message": "The server has been powered %s." % state.power.lower(), "MessageArgs": [], "Severity": "OK",
                "OriginOfCondition": {"@odata.id": ilo.uri(state.info.key)}}])


def inject(ilo, spec):
    """An injected hardware event (``{"kind": "fan_failed", "fan": 3}``): an IML entry and the event; returns the record."""
    kind = spec.get("kind")
    if kind not in FAULTS:
        raise ValueError("event kind must be one of %s" % ", ".join(sorted(FAULTS)))
    registry, key, message, severity, event_type, iml_text, iml_class = FAULTS[kind]
    arg = str(spec.get("fan", spec.get("drive", spec.get("arg", "1"))))
    iml = sim_logs.find_service(ilo, "iml")
    if iml:
        sim_logs.add_entry(ilo, iml, iml_text % arg, "Critical" if severity == "Critical" else "Caution" if severity == "Warning" else "Informational",
                           cls=iml_class, code=1, categories=["Hardware"])
    record = {"EventType": event_type, "MessageId": "%s.%s" % (_prefixed(ilo, registry), key), "Message": message.replace("%1", arg),
              "MessageArgs": [arg], "Severity": severity, "OriginOfCondition": {"@odata.id": "/redfish/v1/Chassis/1/"}}
    emit(ilo, [record])
    return record


def _takes(sub, record):
    types = sub.get("EventTypes")
    if types and record["EventType"] not in types:
        return False
    prefixes = sub.get("RegistryPrefixes")
    if prefixes and record["MessageId"].split(".")[0] not in prefixes:
        return False
    ids = sub.get("MessageIds")
    if ids:
        registry, key = record["MessageId"].split(".")[0], record["MessageId"].rsplit(".", 1)[-1]
        if not any(i.split(".")[0] == registry and i.rsplit(".", 1)[-1] == key for i in ids):
            return False
    return True


def subscriptions(ilo):
    subs = ilo.tree.subscriptions_key
    coll = ilo.body(subs) if subs else None
    out = []
    for member in (coll or {}).get("Members") or []:
        body = ilo.body(key_of(member))
        if isinstance(body, dict):
            out.append(body)
    return out


def emit(ilo, records):
    """Send ``records`` to every subscription that takes them (each subscriber one POST per record), in the background."""
    if not hasattr(ilo, "deliveries"):
        ilo.deliveries = []
    _key, service = _service(ilo)
    attempts = int((service or {}).get("DeliveryRetryAttempts") or 1)
    for record in records:
        ilo.event_seq = getattr(ilo, "event_seq", 0) + 1
        item = dict(record, EventId=str(ilo.event_seq), EventTimestamp=now_iso())
        item["MemberId"] = "0"
        for sub in subscriptions(ilo):
            if not _takes(sub, item):
                continue
            body = {"@odata.type": "#Event.v1_7_0.Event", "Id": str(ilo.event_seq), "Name": "Events",
                    "Context": sub.get("Context") or "", "Events": [item]}
            thread = threading.Thread(target=_post, args=(ilo, sub.get("Destination"), body, max(1, min(attempts, 3))), daemon=True)
            thread.start()


def _post(ilo, destination, body, attempts):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    data = json.dumps(body).encode("utf-8")
    for attempt in range(attempts):
        status, error = None, None
        try:
            request = urllib.request.Request(destination, data=data, method="POST",
                                             headers={"Content-Type": "application/json", "User-Agent": "iLO-simulator"})
            with urllib.request.urlopen(request, context=context, timeout=5) as reply:  # nosec - to the test's own listener
                status = reply.status
        except Exception as exc:  # pylint: disable=broad-except
            status = getattr(exc, "code", None)
            error = str(exc)
        with ilo.lock:
            ilo.deliveries.append({"destination": destination, "status": status, "error": error, "attempt": attempt + 1,
                                   "message_id": body["Events"][0]["MessageId"]})
        if status is not None and 200 <= status < 300:
            return
        time.sleep(0.2)
