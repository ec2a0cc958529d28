# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Log services as iLO serves them: entries paged, logs cleared, new entries written.

- Paging: with ``log_page_size`` (config, 0 = off, as the real trees show every entry in one body) a
  log's entry collection longer than that is served in pages: ``?page=N``, ``Members@odata.count`` the
  whole log, ``Members@odata.nextLink`` to the next page (iLO 4 adds its compat ``links.NextPage``).
  ``$expand=.`` expands the page's members only.
- Clearing: iLO 5 and later ``POST`` to the ``LogService.ClearLog`` target the service advertises; iLO 4
  (whose log services list ``AvailableActions: [{"Action": "ClearLog"}]``) a ``POST`` of
  ``{"Action": "ClearLog"}`` to the log service itself; iLO 5+ answer that form 405. The entries are gone
  (their URIs answer 404) and, as real iLO does, the IML, IEL and SL get one entry saying they were cleared
  ("IML Cleared (iLO 5 user: Administrator)"); other (DMTF) logs stay empty.
- :func:`add_entry` writes a new entry (newest last), for faults and events (ilosim/events.py).

Wired into the engine by four calls: :func:`page` (resources.py GET), :func:`action` (routing.py actions),
:func:`post` (routing.py POST, iLO 4) and :func:`is_service` (resources.py ``Allow``).
"""

import re

from ilosim.base import key_of, link_of, now_iso

_ENTRIES = re.compile(r"^/redfish/v1/(systems|managers)/[^/]+/logservices/[^/]+/entries$")
_SERVICE = re.compile(r"^/redfish/v1/(systems|managers)/[^/]+/logservices/[^/]+$")
MARKERS = {"iml": ("IML Cleared (iLO %d user: %s)", 34, 1),
           "iel": ("Event log cleared by: %s.", 35, 1003),
           "sl": ("Security log cleared by: %s.", 55, 1)}


def is_service(ilo, key):
    body = ilo.body(key)
    return bool(_SERVICE.match(key)) and isinstance(body, dict) and link_of(body.get("Entries")) is not None


def page(ilo, key, body, query):
    """The page of a log's entries that ``?page=N`` asks for (a new body), or None when not paged."""
    size = int(ilo.config.get("log_page_size") or 0)
    if size <= 0 or not _ENTRIES.match(key) or not isinstance(body, dict):
        return None
    members = body.get("Members") or []
    if len(members) <= size:
        return None
    try:
        number = max(1, int((query.get("page") or ["1"])[0]))
    except ValueError as exc:
        raise ilo.error(400, "QueryParameterValueTypeError", args=[str(query.get("page")), "page"]) from exc
    out = dict(body)
    out["Members"] = members[(number - 1) * size:number * size]
    out["Members@odata.count"] = len(members)
    if number * size < len(members):
        nxt = "%s?page=%d" % (ilo.uri(key).split("?")[0], number + 1)
        out["Members@odata.nextLink"] = nxt
        if ilo.generation == 4:
            out["links"] = dict(out.get("links") or {}, NextPage={"href": nxt, "page": number + 1})
    elif ilo.generation == 4 and isinstance(out.get("links"), dict):
        out["links"] = {k: v for k, v in out["links"].items() if k != "NextPage"}
    if ilo.generation == 4 and isinstance(out.get("links"), dict):
        out["links"]["Member"] = [{"href": link_of(m)} for m in out["Members"]]
    return out


def action(ilo, owner, name, payload):  # pylint: disable=unused-argument
    """The answer to ``LogService.ClearLog`` (iLO 5+), or None for another action."""
    if name.split(".")[-1] != "ClearLog" or not is_service(ilo, owner):
        return None
    clear(ilo, owner)
    return ilo._ext(200, [ilo._info(ilo.msg("Success"))])  # pylint: disable=protected-access


def post(ilo, key, payload):
    """iLO 4's ``{"Action": "ClearLog"}`` at a log service; None when ``key`` is not one."""
    if ilo.generation != 4 or not is_service(ilo, key):
        return None
    wanted = payload.get("Action")
    if wanted != "ClearLog":
        raise ilo.error(400, "ActionNotSupported", args=[str(wanted)])
    clear(ilo, key)
    return ilo._ext(200, [ilo._info(ilo.msg("Success"))])  # pylint: disable=protected-access


def _entries_key(ilo, service_key):
    return key_of(link_of(ilo.body(service_key).get("Entries")))


def clear(ilo, service_key, user="Administrator"):
    """Empty a log; HPE's IML, IEL and SL then hold the one entry that says so."""
    coll_key = _entries_key(ilo, service_key)
    coll = ilo.mutable(coll_key)
    for member in coll.get("Members") or []:
        ilo.overrides[key_of(member)] = None
    coll["Members"] = []
    coll["Members@odata.count"] = 0
    _sync_compat(ilo, coll)
    lid = service_key.rsplit("/", 1)[-1]
    if lid in MARKERS:
        text, cls, code = MARKERS[lid]
        message = text % ((ilo.generation, user) if "%d" in text else (user,))
        add_entry(ilo, service_key, message, "Informational", cls=cls, code=code, categories=["Administration"])


def _sync_compat(ilo, coll):
    if ilo.generation == 4:
        coll.setdefault("links", {})["Member"] = [{"href": link_of(m)} for m in coll["Members"]]
        coll["Total"] = len(coll["Members"])


def add_entry(ilo, service_key, message, severity, cls=0, code=0, categories=None, message_id=None, args=None):
    """Write a new entry (the newest, last) into a log; return its body."""
    coll_key = _entries_key(ilo, service_key)
    coll = ilo.mutable(coll_key)
    ids = [int(m) for m in (link_of(x).rstrip("/").rsplit("/", 1)[-1] for x in coll.get("Members") or []) if m.isdigit()]
    number = max(ids + [0]) + 1
    base = ilo.uri(coll_key)
    uri = base.rstrip("/") + "/%d%s" % (number, "/" if base.endswith("/") else "")
    service = ilo.body(service_key)
    oem_key = "Hp" if ilo.generation == 4 else "Hpe"
    created = now_iso()
    body = {"@odata.id": uri, "@odata.type": "#LogEntry.v1_11_0.LogEntry" if ilo.generation >= 5 else "#LogEntry.1.0.0.LogEntry",
            "Id": str(number), "Name": service.get("Name") or "Log Entry", "Created": created, "EntryType": "Oem",
            "Message": message, "MessageArgs": list(args or []), "MessageId": message_id or "%d.%d" % (cls, code),
            "OemRecordFormat": "%s-%s" % (oem_key, service_key.rsplit("/", 1)[-1].upper()),
            "Severity": {"Critical": "Critical", "Caution": "Warning"}.get(severity, "OK"),
            "Oem": {oem_key: {"Categories": list(categories or ["Hardware"]), "Class": cls, "Code": code, "Count": 1,
                              "Repaired": False, "Severity": severity, "Updated": created}}}
    if ilo.generation == 4:
        body["Type"] = "LogEntry.1.0.0"
        body["links"] = {"self": {"href": uri}}
    ilo.overrides[key_of(uri)] = body
    coll.setdefault("Members", []).append({"@odata.id": uri})
    coll["Members@odata.count"] = len(coll["Members"])
    _sync_compat(ilo, coll)
    return body


def service_keys(ilo):
    """The keys of every log service the iLO serves."""
    return sorted(k for k in ilo.tree.bodies if _SERVICE.match(k) and is_service(ilo, k))


def find_service(ilo, lid):
    """The key of the first log service with id ``lid`` (IML, IEL...), or None."""
    return next((k for k in service_keys(ilo) if k.rsplit("/", 1)[-1] == lid.lower()), None)


__all__ = ["action", "add_entry", "clear", "find_service", "is_service", "page", "post", "service_keys"]
