# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's log services and EventService over HTTP (ilosim/logs.py, ilosim/events.py): paged entries,
ClearLog per generation and iLO's "cleared" entry, subscriptions checked on POST, PATCH of Context only, and
delivery of SubmitTestEvent and an injected fault to a local HTTPS receiver."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from simclient import FAST, Client, message_ids

from ilosim import tls

IML = "/redfish/v1/Systems/1/LogServices/IML/"


def entries(client, uri, expand=True):
    return client.get(uri + "Entries/" + ("?$expand=." if expand else "")).json()


@pytest.mark.parametrize("profile", ["ilo4", "ilo5"])
def test_entries_are_paged_when_asked(sim, profile):
    client = Client(sim(profile=profile, config=dict(FAST, log_page_size=5)))
    first = entries(client, IML, expand=False)
    assert first["Members@odata.count"] == 12 and len(first["Members"]) == 5
    ids = [m["@odata.id"].rstrip("/").rsplit("/", 1)[-1] for m in first["Members"]]
    nxt = first["Members@odata.nextLink"]
    pages = 1
    while nxt:
        page = client.get(nxt).json()
        ids += [m["@odata.id"].rstrip("/").rsplit("/", 1)[-1] for m in page["Members"]]
        nxt = page.get("Members@odata.nextLink")
        pages += 1
        if profile == "ilo4":
            assert page["links"]["Member"] == [{"href": m["@odata.id"]} for m in page["Members"]]
    assert pages == 3 and ids == [str(n) for n in range(1, 13)]
    if profile == "ilo4":
        assert first["links"]["NextPage"]["href"] == first["Members@odata.nextLink"]


def test_clear_per_generation(sim):
    ilo4 = Client(sim(profile="ilo4", config=dict(FAST)))
    assert "POST" in ilo4.get(IML).headers["Allow"]
    resp = ilo4.post(IML, {"Action": "Reset"})
    assert resp.status_code == 400 and message_ids(resp)[0].endswith("ActionNotSupported")
    assert ilo4.post(IML, {"Action": "ClearLog"}).status_code == 200
    left = entries(ilo4, IML, expand=False)["Members"]
    assert len(left) == 1 and "IML Cleared (iLO 4 user: Administrator)" in ilo4.get(left[0]["@odata.id"]).json()["Message"]
    assert ilo4.get(IML + "Entries/7/").status_code == 404

    ilo5 = Client(sim(profile="ilo5", config=dict(FAST)))
    assert ilo5.post(IML, {"Action": "ClearLog"}).status_code == 405  # iLO 5+: the action target only
    target = ilo5.get(IML).json()["Actions"]["#LogService.ClearLog"]["target"]
    assert ilo5.post(target, {}).status_code == 200
    assert [e["Message"] for e in entries(ilo5, IML)["Members"]] == ["IML Cleared (iLO 5 user: Administrator)"]
    iel = "/redfish/v1/Managers/1/LogServices/IEL/"
    assert ilo5.post(ilo5.get(iel).json()["Actions"]["#LogService.ClearLog"]["target"], {}).status_code == 200
    assert [e["Message"] for e in entries(ilo5, iel)["Members"]] == ["Event log cleared by: Administrator."]


@pytest.mark.parametrize("profile", ["ilo4", "ilo5", "ilo6"])
def test_subscriptions_checked_and_patched_as_iLO_does(sim, profile):
    client = Client(sim(profile=profile, config=dict(FAST)))
    service = client.get("/redfish/v1/EventService/").json()
    coll = service["Subscriptions"]["@odata.id"]
    filters = {"EventTypes": ["Alert"]} if profile != "ilo6" else {"RegistryPrefixes": ["iLOEvents"]}
    bad = {"EventTypes": ["Fire"]} if profile != "ilo6" else {"RegistryPrefixes": ["Nope"]}
    resp = client.post(coll, dict(Destination="https://192.0.2.1/events", **bad))
    assert resp.status_code == 400 and message_ids(resp)[0].endswith("PropertyValueNotInList")
    resp = client.post(coll, dict(Destination="http://192.0.2.1/events", **filters))
    assert resp.status_code == 400 and message_ids(resp)[0].endswith("PropertyValueFormatError")
    resp = client.post(coll, dict(Destination="https://192.0.2.1/events", Context="a", **filters))
    assert resp.status_code == 201
    member = resp.headers["Location"]
    if profile == "ilo4":
        assert "PATCH" not in client.get(member).headers["Allow"]
        assert client.patch(member, {"Context": "b"}).status_code == 405
        return
    assert client.patch(member, {"Context": "b"}).status_code == 200 and client.get(member).json()["Context"] == "b"
    key = next(iter(filters))
    resp = client.patch(member, {key: filters[key]})
    assert resp.status_code == 400 and message_ids(resp)[0].endswith("PropertyNotWritable")


class _Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # pylint: disable=invalid-name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def test_events_are_delivered_to_the_subscribers_they_match(sim, tmp_path):
    _ca, cert, key = tls.ensure_certificates(str(tmp_path))
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    server.socket = tls.server_context(cert, key).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.received = []
    try:
        client = Client(sim(profile="ilo5", config=dict(FAST)))
        url = "https://127.0.0.1:%d/events" % server.server_address[1]
        assert client.post("/redfish/v1/EventService/Subscriptions/", {"Destination": url, "EventTypes": ["Alert"], "Context": "c1"}).status_code == 201
        assert client.post("/redfish/v1/EventService/Subscriptions/", {"Destination": url + "/status", "EventTypes": ["StatusChange"]}).status_code == 201
        target = client.get("/redfish/v1/EventService/").json()["Actions"]["#EventService.SubmitTestEvent"]["target"]
        assert client.post(target, {"EventType": "Alert", "MessageId": "iLOEvents.2.1.FanFailed", "MessageArgs": ["2"]}).status_code == 200
        reply = client.sim("POST", "events", {"kind": "fan_failed", "fan": 3})
        assert reply["MessageId"].endswith(".FanFailed") and reply["MessageArgs"] == ["3"]
        deadline = time.monotonic() + 10
        while len(_Receiver.received) < 2:
            assert time.monotonic() < deadline, _Receiver.received
            time.sleep(0.05)
        time.sleep(0.2)
        # Only the Alert subscription took them (the StatusChange one did not), each with its Context.
        assert len(_Receiver.received) == 2 and all(p["Context"] == "c1" for p in _Receiver.received)
        assert sorted(p["Events"][0]["MessageArgs"][0] for p in _Receiver.received) == ["2", "3"]
        deliveries = client.sim("GET", "events")["deliveries"]
        assert len(deliveries) == 2 and all(d["status"] == 200 and d["destination"] == url for d in deliveries)
        iml = entries(client, IML)["Members"]
        assert iml[-1]["Message"] == "System Fan Failure (Fan 3)" and iml[-1]["Oem"]["Hpe"]["Severity"] == "Critical"
    finally:
        server.shutdown()
        server.server_close()
