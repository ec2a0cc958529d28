# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transport, auth, sessions, errors, headers, ETags, queries and the control API."""

import errno
import http.client
import re
import socket
import ssl
import time

import pytest
import requests

from simclient import AUTH, FAST, ILO5_MOCKUP, Client, load_mockup, message_ids

import ilosim
from ilosim import profiles, server

SYSTEM = "/redfish/v1/Systems/1/"


def test_root_without_auth_and_headers(ilo5):
    resp = ilo5.get("/redfish/v1/", auth=None)
    assert resp.status_code == 200
    assert resp.headers["OData-Version"] == "4.0"
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["X-Frame-Options"] == "sameorigin"
    assert re.fullmatch(r'W/"[0-9A-F]{8}"', resp.headers["ETag"])
    assert resp.headers["Allow"] == "GET, HEAD"
    assert "rel=describedby" in resp.headers["Link"]
    body = resp.json()
    assert body["@odata.etag"] == resp.headers["ETag"]
    assert ilo5.get("/redfish", auth=None).json() == {"v1": "/redfish/v1/"}
    assert body["Links"]["Sessions"]["@odata.id"]


def test_auth_required_with_ilo_error_body(ilo5):
    resp = ilo5.get(SYSTEM, auth=None)
    assert resp.status_code == 401
    err = resp.json()["error"]
    assert err["code"] == "iLO.0.10.ExtendedInfo"
    assert err["message"] == "See @Message.ExtendedInfo for more information."
    # the version comes from the tree's Registries (Base.1.18.0 in this mockup)
    assert message_ids(resp) == ["Base.1.18.NoValidSession"]
    assert ilo5.get(SYSTEM, auth=("Administrator", "wrong")).status_code == 401
    assert ilo5.get(SYSTEM, headers={"X-Auth-Token": "0" * 32}, auth=None).status_code == 401
    assert ilo5.sim("GET", "sessions")["failed_logins"] == 1
    assert ilo5.get(SYSTEM).status_code == 200
    assert ilo5.sim("GET", "sessions")["open"] == []  # Basic auth leaves no session behind


def test_session_lifecycle(ilo5):
    resp = ilo5.login()
    assert resp.status_code == 201
    token = resp.headers["X-Auth-Token"]
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    location = resp.headers["Location"]
    assert location.startswith(ilo5.url + "/redfish/v1/SessionService/Sessions/administrator00000000")
    assert message_ids(resp) == ["Base.1.18.Created"]
    hdr = {"X-Auth-Token": token}
    assert ilo5.get(SYSTEM, headers=hdr, auth=None).status_code == 200
    coll = ilo5.get("/redfish/v1/SessionService/Sessions/", headers=hdr, auth=None).json()
    assert coll["Members@odata.count"] == 1
    path = location[len(ilo5.url):]
    assert coll["Members"][0]["@odata.id"] == path
    session = ilo5.get(path, headers=hdr, auth=None).json()
    assert session["UserName"] == "Administrator" and session["Oem"]["Hpe"]["MySession"] is True
    info = ilo5.sim("GET", "sessions")
    assert [s["user"] for s in info["open"]] == ["Administrator"] and info["created_total"] == 1
    resp = ilo5.req("DELETE", path, headers=hdr, auth=None)
    assert resp.status_code == 200 and message_ids(resp) == ["Base.1.18.Success"]
    assert ilo5.get(SYSTEM, headers=hdr, auth=None).status_code == 401
    info = ilo5.sim("GET", "sessions")
    assert info["open"] == [] and info["deleted_total"] == 1


def test_bad_login_is_counted(ilo5):
    resp = ilo5.login(password="nope")
    assert resp.status_code == 401 and message_ids(resp) == ["Base.1.18.NoValidSession"]
    assert ilo5.sim("GET", "sessions")["failed_logins"] == 1
    assert ilo5.login(path="/redfish/v1/SessionService/Sessions/").status_code == 201


def test_login_through_members_property(ilo5):
    # Redfish: POST to a collection's Members property = POST to the collection (DMTF validator
    # REQ_POST_CREATE_TO_MEMBERS_PROP); a GET of .../Members stays unknown.
    resp = ilo5.login(path="/redfish/v1/SessionService/Sessions/Members")
    assert resp.status_code == 201 and message_ids(resp) == ["Base.1.18.Created"]
    assert len(ilo5.sim("GET", "sessions")["open"]) == 1
    assert ilo5.get("/redfish/v1/SessionService/Sessions/Members").status_code == 404


def test_session_limit_and_idle_timeout(ilo5):
    ilo5.sim("POST", "config", {"session_limit": 2})
    tokens = [ilo5.login().headers["X-Auth-Token"] for _attempt in range(2)]
    resp = ilo5.login()
    assert resp.status_code == 503 and message_ids(resp) == ["Base.1.18.SessionLimitExceeded"]
    ilo5.sim("POST", "config", {"session_timeout_s": 0.3})
    time.sleep(0.5)
    assert ilo5.get(SYSTEM, headers={"X-Auth-Token": tokens[0]}, auth=None).status_code == 401
    assert ilo5.sim("GET", "sessions")["open"] == []
    assert ilo5.login().status_code == 201


def test_expire_sessions_fault(ilo5):
    token = ilo5.login().headers["X-Auth-Token"]
    ilo5.sim("POST", "faults", {"kind": "expire_sessions"})
    assert ilo5.get(SYSTEM, headers={"X-Auth-Token": token}, auth=None).status_code == 401


def test_404_and_405(ilo5):
    resp = ilo5.get("/redfish/v1/NoSuchThing/")
    assert resp.status_code == 404 and message_ids(resp) == ["Base.1.18.ResourceMissingAtURI"]
    resp = ilo5.req("DELETE", "/redfish/v1/Chassis/")
    assert resp.status_code == 405 and resp.headers["Allow"] == "GET, HEAD"
    resp = ilo5.get("/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/")
    assert resp.status_code == 405 and resp.headers["Allow"] == "POST"
    resp = ilo5.req("PUT", SYSTEM, json={})
    assert resp.status_code == 405 and "PATCH" in resp.headers["Allow"]


def test_lookup_is_case_insensitive_and_slash_tolerant(ilo5):
    first = ilo5.get("/redfish/v1/systems/1")
    second = ilo5.get("/REDFISH/v1/Systems/1/")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content


def test_patch_validation(ilo5):
    resp = ilo5.patch(SYSTEM, {"NoSuchProp": 1})
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.PropertyUnknown"]
    assert resp.json()["error"]["@Message.ExtendedInfo"][0]["RelatedProperties"] == ["#/NoSuchProp"]
    resp = ilo5.patch(SYSTEM, {"AssetTag": 5})
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.PropertyValueTypeError"]
    resp = ilo5.patch(SYSTEM, {"PowerState": "Off"})
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.PropertyNotWritable"]
    resp = ilo5.patch(SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Floppy"}})
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.PropertyValueNotInList"]
    resp = ilo5.req("PATCH", SYSTEM, data="{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.MalformedJSON"]
    before = ilo5.get(SYSTEM).headers["ETag"]
    resp = ilo5.patch(SYSTEM, {"AssetTag": "rack-42", "IndicatorLED": "Lit", "Boot": {"BootSourceOverrideTarget": "Pxe"}})
    assert resp.status_code == 200 and message_ids(resp) == ["Base.1.18.Success"]
    after = ilo5.get(SYSTEM)
    body = after.json()
    assert body["AssetTag"] == "rack-42" and body["IndicatorLED"] == "Lit"
    assert body["Boot"]["BootSourceOverrideTarget"] == "Pxe" and body["Boot"]["BootOrder"]
    assert after.headers["ETag"] != before


@pytest.mark.parametrize("form", ["weak", "strong", "bare", "star"])
def test_if_match_forms(ilo5, form):
    etag = ilo5.get(SYSTEM).headers["ETag"]
    value = {"weak": etag, "strong": etag[2:], "bare": etag[3:-1], "star": "*"}[form]
    resp = ilo5.patch(SYSTEM, {"AssetTag": "x"}, headers={"If-Match": value})
    assert resp.status_code == 200


def test_if_match_mismatch_412(ilo5):
    resp = ilo5.patch(SYSTEM, {"AssetTag": "x"}, headers={"If-Match": 'W/"DEADBEEF"'})
    assert resp.status_code == 412 and message_ids(resp) == ["Base.1.18.PreconditionFailed"]
    assert ilo5.get(SYSTEM).json()["AssetTag"] != "x"


def test_expand_and_only(ilo5):
    plain = ilo5.get("/redfish/v1/Systems/").json()
    assert set(plain["Members"][0]) == {"@odata.id"}
    for query in ("$expand=.", "$expand=*", "$expand=.($levels=1)"):
        body = ilo5.get("/redfish/v1/Systems/?" + query).json()
        assert body["Members"][0]["Id"] == "1" and "PowerState" in body["Members"][0]
    chassis = ilo5.get("/redfish/v1/Chassis/1/?$expand=.").json()
    assert "Links" in chassis and all(set(v) == {"@odata.id"} for v in chassis["Links"].values()
                                      if isinstance(v, dict) and "@odata.id" in v)
    only = ilo5.get("/redfish/v1/Systems/?only")
    assert only.json()["@odata.id"].rstrip("/").endswith("Systems/1")
    assert ilo5.get("/redfish/v1/Systems/?unknown=1").json()["Members"] == plain["Members"]
    assert ilo5.get("/redfish/v1/Systems/?only=foo").status_code == 400


def test_rest_v1_redirects_on_ilo5(ilo5):
    resp = ilo5.get("/rest/v1/Systems/1", allow_redirects=False)
    assert resp.status_code == 308
    assert resp.headers["Location"].endswith("/redfish/v1/Systems/1/")
    assert ilo5.get("/rest/v1/Systems/1").json()["Id"] == "1"


def test_registry_gzip(ilo6):
    bios = ilo6.get("/redfish/v1/Systems/1/bios/").json()
    reg_file = ilo6.get("/redfish/v1/Registries/%s/" % bios["AttributeRegistry"]).json()
    uri = reg_file["Location"][0]["Uri"]
    resp = ilo6.get(uri, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert int(resp.headers["Content-Length"]) < len(resp.content) / 5
    assert resp.json()["RegistryEntries"]["Attributes"]
    plain = ilo6.get(uri, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.content == resp.content


def test_head_and_options(ilo5):
    resp = ilo5.req("HEAD", SYSTEM)
    assert resp.status_code == 200 and resp.content == b"" and int(resp.headers["Content-Length"]) > 100
    resp = ilo5.req("OPTIONS", "/redfish/v1/systems/1/bios/settings/")
    assert resp.headers["Allow"] == "GET, HEAD, POST, PUT, PATCH"


def test_keep_alive_reuses_one_tls_connection(ilo5):
    host, port = ilo5.url[len("https://"):].split(":")
    ctx = ssl.create_default_context(cafile=ilo5.fleet.ca_path)
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=5)
    auth = {"Authorization": requests.auth._basic_auth_str(*AUTH)}  # pylint: disable=protected-access
    conn.request("GET", SYSTEM, headers=auth)
    sock = conn.sock
    for _attempt in range(3):
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read()
        assert conn.sock is sock
        conn.request("GET", "/redfish/v1/", headers=auth)
    conn.getresponse().read()
    conn.close()


def test_request_counters(ilo5):
    ilo5.get("/redfish/v1/Systems/1/")
    ilo5.get("/redfish/v1/systems/1?x=1")
    ilo5.patch(SYSTEM, {"AssetTag": "a"})
    counts = ilo5.sim("GET", "requests")
    assert counts["total"] == 3
    assert counts["by_method"] == {"GET": 2, "PATCH": 1}
    assert counts["by_endpoint"]["GET /redfish/v1/systems/1"] == 2
    assert counts["by_endpoint"]["PATCH /redfish/v1/systems/1"] == 1
    assert ilo5.sim("DELETE", "requests")["total"] == 0


def test_sim_reset_restores_everything(ilo5):
    ilo5.patch(SYSTEM, {"AssetTag": "changed"})
    ilo5.login()
    ilo5.sim("POST", "config", {"latency_ms": 5})
    ilo5.sim("POST", "faults", {"kind": "http_500", "count": -1, "match": {"path": "Chassis"}})
    ilo5.sim("POST", "reset")
    assert ilo5.get(SYSTEM).json()["AssetTag"] != "changed"
    assert ilo5.get("/redfish/v1/Chassis/").status_code == 200
    assert ilo5.sim("GET", "config")["latency_ms"] == 0
    assert ilo5.sim("GET", "sessions")["open"] == []
    assert ilo5.sim("GET", "requests")["total"] == 2


def test_fault_http_500_count_and_match(ilo5):
    ilo5.sim("POST", "faults", {"kind": "http_500", "count": 2, "match": {"method": "GET", "path": "/systems/1$"}})
    assert ilo5.get("/redfish/v1/Chassis/").status_code == 200
    assert ilo5.req("PATCH", SYSTEM, json={"AssetTag": "a"}).status_code == 200
    assert [ilo5.get(SYSTEM).status_code for _attempt in range(3)] == [500, 500, 200]


def test_fault_http_503_and_not_ready(ilo5):
    ilo5.sim("POST", "faults", {"kind": "http_503", "retry_after": 7})
    resp = ilo5.get(SYSTEM)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "7"
    ilo5.sim("POST", "faults", {"kind": "not_ready", "retry_after": 3})
    resp = ilo5.get(SYSTEM)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "3"
    assert message_ids(resp) == ["iLO.2.25.ResourceNotReadyRetry"]
    assert ilo5.get(SYSTEM).status_code == 200


def test_fault_always_and_clear(ilo5):
    ilo5.sim("POST", "faults", {"kind": "http_500", "count": -1})
    assert [ilo5.get(SYSTEM).status_code for _attempt in range(3)] == [500] * 3
    ilo5.sim("DELETE", "faults")
    assert ilo5.get(SYSTEM).status_code == 200


def test_fault_drop_closes_connection(ilo5):
    ilo5.sim("POST", "faults", {"kind": "drop"})
    with pytest.raises(requests.ConnectionError):
        ilo5.get(SYSTEM)
    assert ilo5.get(SYSTEM).status_code == 200


def test_fault_slow_and_latency(ilo5):
    ilo5.sim("POST", "faults", {"kind": "slow", "delay_s": 0.4})
    started = time.monotonic()
    assert ilo5.get(SYSTEM).status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    ilo5.get(SYSTEM)
    assert time.monotonic() - started < 0.3
    ilo5.sim("POST", "config", {"latency_ms": 250})
    started = time.monotonic()
    ilo5.get(SYSTEM)
    assert time.monotonic() - started >= 0.25


def test_fault_etag_412_hits_writes_only(ilo5):
    ilo5.sim("POST", "faults", {"kind": "etag_412"})
    assert ilo5.get(SYSTEM).status_code == 200
    resp = ilo5.patch(SYSTEM, {"AssetTag": "x"})
    assert resp.status_code == 412 and message_ids(resp) == ["Base.1.18.PreconditionFailed"]
    assert ilo5.patch(SYSTEM, {"AssetTag": "x"}).status_code == 200


def test_bad_fault_and_config_rejected(ilo5):
    assert ilo5.http.post(ilo5.url + "/_sim/faults", json={"kind": "nope"}).status_code == 400
    assert ilo5.http.post(ilo5.url + "/_sim/config", json={"bogus": 1}).status_code == 400
    assert ilo5.http.get(ilo5.url + "/_sim/nothing").status_code == 404


def test_event_subscriptions_are_stored(ilo5):
    coll = "/redfish/v1/EventService/Subscriptions/"
    resp = ilo5.post(coll, {"Destination": "https://192.0.2.1/events", "Protocol": "Redfish"})
    assert resp.status_code == 201
    member = resp.headers["Location"]
    assert ilo5.get(member).json()["Destination"] == "https://192.0.2.1/events"
    assert member in [m["@odata.id"] for m in ilo5.get(coll).json()["Members"]]
    assert ilo5.req("DELETE", member).status_code == 200
    assert ilo5.get(member).status_code == 404
    resp = ilo5.post(coll, {"Destination": "ftp://192.0.2.1/", "Protocol": "FTP"})
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.PropertyValueNotInList"]


def test_fleet_ilos_are_independent(sim):
    fleet = sim(tree=load_mockup(ILO5_MOCKUP), count=3, config=dict(FAST))
    assert len(set(fleet.urls)) == 3
    first, second = Client(fleet, 0), Client(fleet, 2)
    first.patch(SYSTEM, {"AssetTag": "one"})
    assert second.get(SYSTEM).json()["AssetTag"] != "one"
    assert second.sim("GET", "requests")["total"] == 1


def test_unknown_profile_is_a_clear_error(sim):
    with pytest.raises(ilosim.ProfileNotFound, match="no module ilosim.profiles.nosuch"):
        sim(profile="nosuch")


def test_one_loader_from_profile_name_or_mockup_dir_to_a_tree(tmp_path):
    """profiles.load is the only path (server.build_tree and load_profile are the same functions)."""
    assert server.build_tree is profiles.load and server.load_profile is profiles.build
    assert profiles.load()["/redfish/v1/Managers/1/"]["Model"] == profiles.build("ilo5")["/redfish/v1/Managers/1/"]["Model"]
    assert profiles.load("moonshot", systems=2)["/redfish/v1/Systems/"]["Members@odata.count"] == 2
    given = {"/redfish/v1/": {}}
    assert profiles.load("ilo4", tree=given) is given
    (tmp_path / "redfish" / "v1").mkdir(parents=True)
    (tmp_path / "redfish" / "v1" / "index.json").write_text('{"@odata.id": "/redfish/v1/"}')
    assert profiles.load("ilo4", str(tmp_path)) == {"/redfish/v1/": {"@odata.id": "/redfish/v1/"}}
    with pytest.raises(FileNotFoundError):
        profiles.load(mockup_dir=str(tmp_path / "redfish" / "v1" / "nothing"))
    with pytest.raises(profiles.ProfileNotFound):
        profiles.load("ilo99")


def test_only_on_dynamic_session_collection(ilo5):
    token = ilo5.login().headers["X-Auth-Token"]
    resp = ilo5.get("/redfish/v1/SessionService/Sessions/?only", headers={"X-Auth-Token": token}, auth=None)
    assert resp.status_code == 200 and resp.json()["UserName"] == "Administrator"


def test_odata_documents_are_public(ilo5):
    resp = ilo5.get("/redfish/v1/$metadata", auth=None)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/xml")
    assert resp.text.lstrip().startswith("<")
    assert ilo5.get("/redfish/v1/odata", auth=None).status_code == 200
    resp = ilo5.get("/redfish/v1/Chassis/", auth=None)
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Basic")


def test_engine_failure_is_a_500_not_a_dropped_connection(ilo5, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ilo5.ilo, "_route", broken)
    resp = ilo5.get(SYSTEM)
    assert resp.status_code == 500 and message_ids(resp) == ["Base.1.18.InternalError"]


def test_odata_documents_are_synthesised_when_missing(sim):
    client = Client(sim(tree={"/redfish/v1/": {"@odata.id": "/redfish/v1/", "Systems": {"@odata.id": "/redfish/v1/Systems/"}}}))
    resp = client.get("/redfish/v1/$metadata", auth=None)
    assert resp.status_code == 200 and "EntityContainer" in resp.text
    assert client.get("/redfish/v1/odata", auth=None).json()["value"] == [
        {"name": "Systems", "kind": "Singleton", "url": "/redfish/v1/Systems/"}]


def test_latency_also_delays_new_tls_handshakes(ilo5):
    ilo5.sim("POST", "config", {"latency_ms": 200})
    started = time.monotonic()
    fresh = requests.get(ilo5.url + "/redfish/v1/", verify=ilo5.fleet.ca_path, timeout=10)
    assert fresh.status_code == 200
    assert time.monotonic() - started >= 0.4  # handshake delay + request delay


def test_fleet_uses_consecutive_ports(sim):
    # A free port now may be taken a moment later (another worker's connection): a few bases are tried.
    for attempt in range(5):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000:
            base -= 1000
        try:
            fleet = sim(tree={"/redfish/v1/": {"@odata.id": "/redfish/v1/"}}, count=3, port=base)
            break
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or attempt == 4:
                raise
    assert fleet.urls == ["https://127.0.0.1:%d" % (base + i) for i in range(3)]


def test_an_advertised_action_the_simulator_does_not_carry_out_is_refused(ilo5):
    """Never a silent 200: a module whose action the simulator does not implement cannot pass against a no-op."""
    body = ilo5.get("/redfish/v1/Systems/1/SecureBoot/").json()
    target = body["Actions"]["#SecureBoot.ResetKeys"]["target"]
    resp = ilo5.req("POST", target, json={})
    assert resp.status_code == 400
    assert any(m.endswith("ActionNotSupported") for m in message_ids(resp)), resp.text
