# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local accounts in the simulator (ilosim/accounts.py), over HTTP: POST creates (and the account logs in), PATCH
changes (RoleId and privileges follow each other on iLO 5+), DELETE removes and ends the account's sessions; the
password policy, the 12-account limit, unique names, who may change what, and what iLO refuses (PUT, unknown or
read-only properties, iLO 4's missing RoleId) answer as iLO would, never a silent 200; no password is ever shown."""

import pytest

from simclient import FAST, Client, message_ids

ACCOUNTS = "/redfish/v1/AccountService/Accounts/"


@pytest.fixture(params=["ilo4", "ilo5"])
def client(request, sim):
    return Client(sim(profile=request.param, config=dict(FAST)))


def keys(resp):
    return [m.split(".")[-1] for m in message_ids(resp)]


def privileges(body):
    oem = body["Oem"].get("Hpe") or body["Oem"].get("Hp")
    return sorted(k for k, v in oem["Privileges"].items() if v)


def test_create_log_in_change_delete(client):
    gen4 = client.ilo.generation == 4
    oem = "Hp" if gen4 else "Hpe"
    resp = client.post(ACCOUNTS, {"UserName": "ops", "Password": "Ops-Passw0rd", "Oem": {oem: {"Privileges": {"RemoteConsolePriv": True}}}})
    assert resp.status_code == 201 and resp.headers["Location"].endswith("/Accounts/2/"), resp.text
    uri = resp.headers["Location"]
    body = client.get(uri).json()
    assert body["Password"] is None and body["UserName"] == "ops" and body["Oem"][oem]["LoginName"] == "ops"
    assert privileges(body) == ["LoginPriv", "RemoteConsolePriv"]
    assert ("RoleId" not in body and "Enabled" not in body) if gen4 else (body["RoleId"] == "ReadOnly" and body["Enabled"] is True)
    assert "Ops-Passw0rd" not in client.get(ACCOUNTS + "2/").text
    assert client.login("ops", "Ops-Passw0rd").status_code == 201
    resp = client.patch(uri, {"Password": "New-Passw0rd", "Oem": {oem: {"LoginName": "Operations"}}})
    assert resp.status_code == 200 and keys(resp) == ["AccountModified"]
    assert client.login("ops", "Ops-Passw0rd").status_code == 401 and client.login("ops", "New-Passw0rd").status_code == 201
    assert len([s for s in client.ilo.session_info()["open"] if s["user"] == "ops"]) == 2  # sessions survive a new password
    resp = client.req("DELETE", uri)
    assert resp.status_code == 200 and keys(resp) == ["AccountRemoved"]
    assert client.get(uri).status_code == 404 and client.login("ops", "New-Passw0rd").status_code == 401
    assert [s for s in client.ilo.session_info()["open"] if s["user"] == "ops"] == []
    assert len(client.get(ACCOUNTS).json()["Members"]) == 1
    client.ilo.reset()
    assert client.ilo.users == {"Administrator": "password"}


def test_role_and_privileges_follow_each_other_on_ilo5(sim):
    client = Client(sim(profile="ilo5", config=dict(FAST)))
    uri = client.post(ACCOUNTS, {"UserName": "ops", "Password": "Ops-Passw0rd", "RoleId": "Operator"}).headers["Location"]
    body = client.get(uri).json()
    assert body["RoleId"] == "Operator" and "UserConfigPriv" not in privileges(body) and "HostBIOSConfigPriv" in privileges(body)
    client.patch(uri, {"Oem": {"Hpe": {"Privileges": {"UserConfigPriv": True, "iLOConfigPriv": True}}}})
    body = client.get(uri).json()
    assert body["RoleId"] == "Administrator" and body["Links"]["Role"]["@odata.id"].endswith("/Roles/Administrator/")
    client.patch(uri, {"RoleId": "ReadOnly"})
    assert privileges(client.get(uri).json()) == ["LoginPriv"]
    client.patch(uri, {"Enabled": False})
    assert client.login("ops", "Ops-Passw0rd").status_code == 401
    client.patch(uri, {"Enabled": True})
    assert client.login("ops", "Ops-Passw0rd").status_code == 201


def test_what_ilo_refuses(client):
    gen4 = client.ilo.generation == 4
    oem = "Hp" if gen4 else "Hpe"
    resp = client.post(ACCOUNTS, {"UserName": "x1", "Password": "short"})
    assert resp.status_code == 400 and keys(resp) == ["InvalidPasswordLength"]
    assert resp.json()["error"]["@Message.ExtendedInfo"][0]["MessageArgs"] == ["8", "39"]
    assert keys(client.post(ACCOUNTS, {"UserName": "Administrator", "Password": "Long-Enough-1"})) == ["UserAlreadyExist"]
    assert keys(client.post(ACCOUNTS, {"UserName": "x1"})) == ["PropertyMissing"]
    assert keys(client.post(ACCOUNTS, {"UserName": "x1", "Password": "Long-Enough-1", "Shoe": 1})) == ["PropertyUnknown"]
    resp = client.post(ACCOUNTS, {"UserName": "x1", "Password": "Long-Enough-1", "Oem": {oem: {"Privileges": {"NoSuchPriv": True}}}})
    assert keys(resp) == ["PropertyUnknown"]
    uri = ACCOUNTS + "1/"
    assert client.req("PUT", uri, json={"UserName": "x"}).status_code == 405
    assert keys(client.patch(uri, {"RoleId": "Janitor"})) == (["PropertyUnknown"] if gen4 else ["PropertyValueNotInList"])
    if not gen4:
        assert keys(client.patch(uri, {"PasswordChangeRequired": True})) == ["PropertyNotWritable"]
    assert client.get(uri).json()["UserName"] == "Administrator" and client.ilo.users == {"Administrator": "password"}
    for index in range(11):
        assert client.post(ACCOUNTS, {"UserName": "u%d" % index, "Password": "Long-Enough-1"}).status_code == 201
    assert keys(client.post(ACCOUNTS, {"UserName": "u99", "Password": "Long-Enough-1"})) == ["CreateLimitReachedForResource"]
    client.ilo.reset()


def test_who_may_change_what(sim):
    client = Client(sim(profile="ilo5", config=dict(FAST)))
    client.post(ACCOUNTS, {"UserName": "ro", "Password": "Ro-Passw0rd-1", "RoleId": "ReadOnly"})
    ro = ("ro", "Ro-Passw0rd-1")
    assert client.patch(ACCOUNTS + "2/", {"Password": "Ro-Passw0rd-2"}, auth=ro).status_code == 200  # its own password
    ro = ("ro", "Ro-Passw0rd-2")
    for resp in (client.patch(ACCOUNTS + "2/", {"RoleId": "Administrator"}, auth=ro),
                 client.patch(ACCOUNTS + "1/", {"Password": "Stolen-Passw0rd"}, auth=ro),
                 client.post(ACCOUNTS, {"UserName": "x", "Password": "Long-Enough-1"}, auth=ro),
                 client.req("DELETE", ACCOUNTS + "1/", auth=ro)):
        assert resp.status_code == 403 and keys(resp) == ["InsufficientPrivilege"], resp.text
    assert client.ilo.users["Administrator"] == "password"
    client.ilo.reset()
