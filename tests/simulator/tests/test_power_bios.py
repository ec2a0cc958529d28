# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power/POST state machine, reset actions and deferred BIOS settings on the real iLO 5/6 trees."""

import time

import pytest

from simclient import FAST, ILO5_MOCKUP, Client, load_mockup, message_ids

SYSTEM = "/redfish/v1/Systems/1/"
RESET = "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/"
OEM_RESET = "/redfish/v1/Systems/1/Actions/Oem/Hpe/HpeComputerSystemExt.SystemReset/"
BUTTON = "/redfish/v1/Systems/1/Actions/Oem/Hpe/HpeComputerSystemExt.PowerButton/"
BIOS = "/redfish/v1/systems/1/bios/"
SETTINGS = "/redfish/v1/systems/1/bios/settings/"


def power(client):
    body = client.get(SYSTEM).json()
    return body["PowerState"], body["Oem"]["Hpe"]["PostState"]


def wait_for(client, want, timeout=3.0):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = power(client)
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == want:
            return seen
        time.sleep(0.01)
    raise AssertionError("never reached %s; saw %s" % (want, seen))


def reset(client, kind, path=RESET, key="ResetType"):
    return client.post(path, {key: kind})


def test_force_restart_walks_post_states(mock_client):
    assert power(mock_client) == ("On", "FinishedPost")
    resp = reset(mock_client, "ForceRestart")
    assert resp.status_code == 200 and message_ids(resp)[0].endswith(".Success")
    seen = wait_for(mock_client, ("On", "FinishedPost"))
    posts = [post for _power, post in seen]
    assert "InPost" in posts and "InPostDiscoveryComplete" in posts
    assert posts.index("InPost") < posts.index("InPostDiscoveryComplete")
    assert mock_client.sim("GET", "state")["systems"]["1"]["resets"] == ["ForceRestart"]


def test_off_on_and_invalid_operations(ilo5):
    assert reset(ilo5, "ForceOff").status_code == 200
    wait_for(ilo5, ("Off", "PowerOff"))
    for kind in ("ForceRestart", "ForceOff", "GracefulShutdown", "GracefulRestart", "Nmi"):
        resp = reset(ilo5, kind)
        assert resp.status_code == 400, kind
        assert message_ids(resp) == ["iLO.2.25.InvalidOperationForSystemState"]
    assert reset(ilo5, "On").status_code == 200
    wait_for(ilo5, ("On", "FinishedPost"))
    # On while already on: 200 and nothing happens (documented choice)
    assert reset(ilo5, "On").status_code == 200
    assert power(ilo5) == ("On", "FinishedPost")


def test_control_api_sets_a_state_and_post_finishes(ilo5):
    """POST /_sim/state: a server On and in POST finishes after finish_post_s ("never": stays)."""
    got = ilo5.sim("POST", "state", {"system": "1", "power_state": "On", "post_state": "InPost", "finish_post_s": 0.3})
    assert got == {"power_state": "On", "post_state": "InPost"} and power(ilo5) == ("On", "InPost")
    wait_for(ilo5, ("On", "FinishedPost"))
    ilo5.sim("POST", "state", {"power_state": "On", "post_state": "InPostDiscoveryComplete", "finish_post_s": "never"})
    time.sleep(0.5)
    assert power(ilo5) == ("On", "InPostDiscoveryComplete")
    ilo5.sim("POST", "state", {"power_state": "Off"})
    assert power(ilo5) == ("Off", "PowerOff")
    assert ilo5.sim("GET", "state")["systems"]["1"]["resets"] == []
    resp = ilo5.http.request("POST", ilo5.url + "/_sim/state", json={"system": "9"}, timeout=10)
    assert resp.status_code == 400 and "no system" in resp.text


def test_boot_progress_and_last_reset_time_move_with_a_reset(sim):
    """Where a system has BootProgress/LastResetTime (iLO 7, DMTF services), every reset changes them."""
    from ilosim.profiles import ilo7  # pylint: disable=import-outside-toplevel
    tree = ilo7.build()
    tree[SYSTEM]["LastResetTime"] = "2025-07-19T23:05:00Z"
    client = Client(sim(tree=tree, config=dict(FAST)))
    before = client.get(SYSTEM).json()
    assert reset(client, "ForceRestart").status_code == 200
    wait_for(client, ("On", "FinishedPost"))
    after = client.get(SYSTEM).json()
    assert after["LastResetTime"] != before["LastResetTime"]
    assert after["BootProgress"]["LastStateTime"] != before["BootProgress"].get("LastStateTime")
    assert after["BootProgress"]["LastState"] == "OSBootStarted"


def test_manager_reset_forgets_sessions_drops_connections_then_is_not_ready(ilo5):
    """Manager.Reset: 200, every session gone, connections dropped, then 503 ResourceNotReadyRetry, then back."""
    import requests  # pylint: disable=import-outside-toplevel
    ilo5.sim("POST", "config", {"manager_reset_down_s": 0.4, "manager_reset_not_ready_s": 0.4})
    login = ilo5.login()
    token = {"X-Auth-Token": login.headers["X-Auth-Token"]}
    target = "/redfish/v1/Managers/1/Actions/Manager.Reset/"
    assert ilo5.post(target, {"ResetType": "Bogus"}, headers=token, auth=None).status_code == 400
    assert ilo5.post(target, {"ResetType": "GracefulRestart"}, headers=token, auth=None).status_code == 200
    assert ilo5.sim("GET", "sessions")["open"] == []
    with pytest.raises(requests.ConnectionError):
        ilo5.get(SYSTEM)
    seen = set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            status = ilo5.get(SYSTEM).status_code
        except requests.ConnectionError:
            status = "dropped"
        seen.add(status)
        if status == 200:
            break
        time.sleep(0.05)
    assert 503 in seen and 200 in seen
    assert ilo5.get(SYSTEM, headers=token, auth=None).status_code == 401  # the old session is gone
    assert ilo5.sim("GET", "state")["manager_resets"] == ["GracefulRestart"]


def test_allowable_values_and_missing_parameter(ilo5):
    resp = reset(ilo5, "PowerCycle")
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.ActionParameterValueNotInList"]
    resp = ilo5.post(RESET, {})
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.ActionParameterMissing"]
    # ilorest sends an extra "Action" key: tolerated
    assert ilo5.post(RESET, {"Action": "Reset", "ResetType": "Nmi"}).status_code == 200


def test_graceful_shutdown_and_ignore_graceful(ilo5):
    ilo5.sim("POST", "config", {"ignore_graceful": True})
    assert reset(ilo5, "GracefulShutdown").status_code == 200
    time.sleep(0.3)
    assert power(ilo5) == ("On", "FinishedPost")
    ilo5.sim("POST", "config", {"ignore_graceful": False})
    assert reset(ilo5, "GracefulShutdown").status_code == 200
    assert power(ilo5)[0] == "On"  # the OS takes graceful_shutdown_s to stop
    wait_for(ilo5, ("Off", "PowerOff"))


def test_graceful_restart_is_force_on_ilo5_and_graceful_on_ilo6(ilo5, ilo6):
    for client in (ilo5, ilo6):
        client.sim("POST", "config", {"graceful_shutdown_s": 0.5, "power_duration_s": 0.5})
        assert reset(client, "GracefulRestart").status_code == 200
    assert power(ilo5)[1] == "Reset"
    assert power(ilo6) == ("On", "FinishedPost")
    wait_for(ilo6, ("On", "InPost"))


def test_oem_cold_boot_and_power_button(ilo5):
    ilo5.sim("POST", "config", {"power_duration_s": 0.5})  # Off long enough to be seen on a loaded machine
    resp = reset(ilo5, "ColdBoot", OEM_RESET)
    assert resp.status_code == 200
    assert power(ilo5) == ("Off", "PowerOff")
    wait_for(ilo5, ("On", "FinishedPost"))
    assert reset(ilo5, "Bogus", OEM_RESET).status_code == 400
    assert reset(ilo5, "PressAndHold", BUTTON, "PushType").status_code == 200
    wait_for(ilo5, ("Off", "PowerOff"))
    assert reset(ilo5, "PressAndHold", BUTTON, "PushType").status_code == 400
    assert reset(ilo5, "Press", BUTTON, "PushType").status_code == 200
    wait_for(ilo5, ("On", "FinishedPost"))
    assert reset(ilo5, "Press", BUTTON, "PushType").status_code == 200
    wait_for(ilo5, ("Off", "PowerOff"))
    state = ilo5.sim("GET", "state")
    assert state["generation"] == 5
    assert state["systems"]["1"]["resets"] == ["ColdBoot", "PressAndHold", "Press", "Press"]


def settings_state(client):
    bios = client.get(BIOS).json()
    settings = client.get(SETTINGS).json()
    return bios, settings


def test_bios_change_applies_on_reset(mock_client):
    bios, settings = settings_state(mock_client)
    assert bios["Oem"]["Hpe"]["SettingsObject"]["UnmodifiedETag"] == settings["@odata.etag"]
    old_meta = bios["@Redfish.Settings"]
    name = "AdminName" if "AdminName" in bios["Attributes"] else sorted(bios["Attributes"])[0]
    resp = mock_client.patch(SETTINGS, {"Attributes": {name: "Ops Team", "Dhcpv8": "Enabled"}})
    assert resp.status_code == 200
    assert message_ids(resp)[0].startswith("iLO.2.") and message_ids(resp)[0].endswith(".SystemResetRequired")
    bios, settings = settings_state(mock_client)
    assert settings["Attributes"][name] == "Ops Team" and bios["Attributes"][name] != "Ops Team"
    assert len(settings["Attributes"]) == len(bios["Attributes"]) + 1  # current overlaid with pending
    assert bios["Oem"]["Hpe"]["SettingsObject"]["UnmodifiedETag"] != settings["@odata.etag"]
    assert mock_client.sim("GET", "state")["systems"]["1"]["bios_pending"] == {name: "Ops Team", "Dhcpv8": "Enabled"}
    assert reset(mock_client, "ForceRestart").status_code == 200
    wait_for(mock_client, ("On", "FinishedPost"))
    bios, settings = settings_state(mock_client)
    assert bios["Attributes"][name] == "Ops Team" and "Dhcpv8" not in bios["Attributes"]
    meta = bios["@Redfish.Settings"]
    assert meta["Messages"][0]["MessageId"].endswith(".Success")
    assert meta["Messages"][1]["MessageId"] == "Base.1.18.PropertyUnknown"
    assert meta["Messages"][1]["RelatedProperties"] == ["#/Dhcpv8"]
    assert meta["ETag"] != old_meta["ETag"] and meta["Time"] != old_meta["Time"]
    assert bios["Oem"]["Hpe"]["SettingsObject"]["UnmodifiedETag"] == settings["@odata.etag"]
    assert "Dhcpv8" not in settings["Attributes"]
    assert mock_client.sim("GET", "state")["systems"]["1"]["bios_pending"] == {}


def test_bios_validation_against_registry(ilo6):
    resp = ilo6.patch(SETTINGS, {"Attributes": {"WorkloadProfile": "NoSuchValue", "AdminPhone": "555-0100",
                                                "ProcHyperthreading": 1}})
    assert resp.status_code == 200  # validation is deferred to POST
    ilo6.sim("POST", "faults", {"kind": "reject_bios_attribute", "name": "AdminPhone",
                                "message_id": "PropertyNotWritable"})
    reset(ilo6, "ForceRestart")
    wait_for(ilo6, ("On", "FinishedPost"))
    bios = ilo6.get(BIOS).json()
    found = {m["MessageArgs"][-1]: m["MessageId"] for m in bios["@Redfish.Settings"]["Messages"][1:]}
    assert found == {"WorkloadProfile": "Base.1.18.PropertyValueNotInList", "AdminPhone": "Base.1.18.PropertyNotWritable",
                     "ProcHyperthreading": "Base.1.18.PropertyValueTypeError"}
    assert bios["Attributes"]["AdminPhone"] != "555-0100"
    assert ilo6.get("/_sim/faults", auth=None).json()["faults"] == []


def test_bios_put_replaces_pending(ilo5):
    ilo5.patch(SETTINGS, {"Attributes": {"AdminName": "a"}})
    resp = ilo5.req("PUT", SETTINGS, json={"Attributes": {"AdminEmail": "ops@example.com"}})
    assert resp.status_code == 200
    assert ilo5.sim("GET", "state")["systems"]["1"]["bios_pending"] == {"AdminEmail": "ops@example.com"}
    resp = ilo5.patch(SETTINGS, {"Attributes": "nope"})
    assert resp.status_code == 400 and message_ids(resp) == ["Base.1.18.PropertyValueTypeError"]


@pytest.mark.parametrize("body", [{}, {"ResetType": "default"}, {"Action": "Bios.ResetBios"}])
def test_reset_bios_stages_registry_defaults(mock_client, body):
    target = mock_client.get(BIOS).json()["Actions"]["#Bios.ResetBios"]["target"]
    mock_client.patch(SETTINGS, {"Attributes": {"AdminName": "x"}})
    reset(mock_client, "ForceRestart")
    wait_for(mock_client, ("On", "FinishedPost"))
    assert mock_client.get(BIOS).json()["Attributes"]["AdminName"] == "x"
    resp = mock_client.post(target, body)
    assert resp.status_code == 200
    pending = mock_client.sim("GET", "state")["systems"]["1"]["bios_pending"]
    assert pending.get("AdminName") == ""
    reset(mock_client, "ForceRestart")
    wait_for(mock_client, ("On", "FinishedPost"))
    assert mock_client.get(BIOS).json()["Attributes"]["AdminName"] == ""


def test_reset_bios_targets_per_generation(ilo5, ilo6):
    assert "/bios/settings/actions/" in ilo5.get(BIOS).json()["Actions"]["#Bios.ResetBios"]["target"].lower()
    assert "/bios/actions/" in ilo6.get(BIOS).json()["Actions"]["#Bios.ResetBios"]["target"].lower()


def test_baseconfig_default(ilo5):
    ilo5.patch(SETTINGS, {"Attributes": {"AdminName": "x"}})
    reset(ilo5, "ForceRestart")
    wait_for(ilo5, ("On", "FinishedPost"))
    assert ilo5.patch(SETTINGS, {"Attributes": {"BaseConfig": "default"}}).status_code == 200
    pending = ilo5.sim("GET", "state")["systems"]["1"]["bios_pending"]
    assert pending.get("AdminName") == "" and "BaseConfig" not in pending


def test_bios_without_registry_accepts_everything(sim):
    tree = {k: v for k, v in load_mockup(ILO5_MOCKUP).items() if "registrystore" not in k.lower()}
    client = Client(sim(tree=tree, config=dict(FAST)))
    client.patch(SETTINGS, {"Attributes": {"Anything": "Goes"}})
    reset(client, "ForceRestart")
    wait_for(client, ("On", "FinishedPost"))
    bios = client.get(BIOS).json()
    assert bios["Attributes"]["Anything"] == "Goes"
    assert [m["MessageId"] for m in bios["@Redfish.Settings"]["Messages"]] == ["Base.1.18.Success"]


def test_if_match_on_bios_settings(ilo5):
    etag = ilo5.get(SETTINGS).headers["ETag"]
    assert ilo5.patch(SETTINGS, {"Attributes": {"AdminName": "a"}}, headers={"If-Match": etag}).status_code == 200
    assert ilo5.patch(SETTINGS, {"Attributes": {"AdminName": "b"}}, headers={"If-Match": etag}).status_code == 412


def test_reset_bios_overrides_a_pending_value_whose_default_is_current(mock_client):
    """AdminName is '' (its default) now; a staged 'x' must not survive a reset to defaults."""
    target = mock_client.get(BIOS).json()["Actions"]["#Bios.ResetBios"]["target"]
    assert mock_client.get(BIOS).json()["Attributes"]["AdminName"] == ""
    mock_client.patch(SETTINGS, {"Attributes": {"AdminName": "x"}})
    assert mock_client.post(target, {}).status_code == 200
    reset(mock_client, "ForceRestart")
    wait_for(mock_client, ("On", "FinishedPost"))
    assert mock_client.get(BIOS).json()["Attributes"]["AdminName"] == ""
