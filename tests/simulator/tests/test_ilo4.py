# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iLO 4 behaviour on a small synthetic tree: /rest/v1 mirroring, compat errors, legacy actions, flat HpBios."""

import time

from simclient import message_ids

SYSTEM = "/rest/v1/Systems/1"


def wait_post(client, want, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(SYSTEM).json()
        if (body["Power"], body["Oem"]["Hp"]["PostState"]) == want:
            return body
        time.sleep(0.01)
    raise AssertionError("never reached %s" % (want,))


def test_generation_and_rest_mirror(ilo4):
    assert ilo4.sim("GET", "state")["generation"] == 4
    root = ilo4.get("/rest/v1", auth=None)
    assert root.status_code == 200
    assert root.json()["Systems"]["@odata.id"] == "/rest/v1/Systems/"
    assert root.json()["links"]["self"]["href"] == "/rest/v1"
    redfish = ilo4.get("/redfish/v1/Systems/1/").json()
    rest = ilo4.get(SYSTEM).json()
    assert redfish["@odata.id"] == "/redfish/v1/Systems/1/" and rest["@odata.id"] == "/rest/v1/Systems/1/"
    assert rest["Actions"]["#ComputerSystem.Reset"]["target"].startswith("/rest/v1/")
    assert "@odata.etag" not in redfish  # iLO 4 bodies carry no @odata.etag


def test_compat_error_body(ilo4):
    resp = ilo4.get(SYSTEM, auth=None)
    assert resp.status_code == 401
    body = resp.json()
    assert body["Type"] == "ExtendedError.1.0.0"
    assert body["Messages"] == [{"MessageID": "Base.0.10.NoValidSession"}]
    assert body["error"]["code"] == "iLO.0.10.GeneralError"
    assert message_ids(resp) == ["Base.0.10.NoValidSession"]


def test_login_through_rest_sessions(ilo4):
    resp = ilo4.login(path="/rest/v1/Sessions")
    assert resp.status_code == 201
    assert "/rest/v1/SessionService/Sessions/administrator" in resp.headers["Location"]
    token = resp.headers["X-Auth-Token"]
    assert ilo4.get(SYSTEM, headers={"X-Auth-Token": token}, auth=None).status_code == 200
    path = resp.headers["Location"][len(ilo4.url):]
    assert ilo4.req("DELETE", path, headers={"X-Auth-Token": token}, auth=None).status_code == 200


def test_expand_is_ignored(ilo4):
    body = ilo4.get("/redfish/v1/Systems/?$expand=.").json()
    assert body["Members"] == [{"@odata.id": "/redfish/v1/Systems/1/"}]


def test_legacy_reset_and_available_actions(ilo4):
    resp = ilo4.post(SYSTEM, {"Action": "Reset", "ResetType": "ForceOff"})
    assert resp.status_code == 200
    wait_post(ilo4, ("Off", "PowerOff"))
    resp = ilo4.post(SYSTEM, {"Action": "Reset", "ResetType": "ForceRestart"})
    assert resp.status_code == 400 and resp.json()["Messages"][0]["MessageID"] == "iLO.0.10.InvalidOperationForSystemState"
    assert ilo4.post(SYSTEM, {"Action": "Reset", "ResetType": "GracefulShutdown"}).status_code == 400  # not advertised
    assert ilo4.post(SYSTEM, {"Action": "Explode"}).status_code == 400
    assert ilo4.post(SYSTEM, {"Action": "PowerButton", "PushType": "Press", "Target": "/Oem/Hp"}).status_code == 200
    wait_post(ilo4, ("On", "FinishedPost"))
    assert ilo4.post(SYSTEM, {"Action": "SystemReset", "ResetType": "ColdBoot", "Target": "/Oem/Hp"}).status_code == 200
    wait_post(ilo4, ("On", "FinishedPost"))
    assert ilo4.post("/rest/v1/Systems/1/Actions/ComputerSystem.Reset/", {"ResetType": "Nmi"}).status_code == 200
    assert ilo4.sim("GET", "state")["systems"]["1"]["resets"] == ["ForceOff", "Press", "ColdBoot", "Nmi"]


def test_flat_hpbios_settings_apply_on_reset(ilo4):
    settings = "/rest/v1/systems/1/bios/Settings"
    resp = ilo4.patch(settings, {"AdminName": "Ops", "BootMode": "Floppy", "EmbeddedSerialPort": "Disabled",
                                 "Bogus": "1"})
    assert resp.status_code == 200
    assert resp.json()["Messages"][0]["MessageID"] == "iLO.0.10.SystemResetRequired"
    assert ilo4.get(settings).json()["AdminName"] == "Ops"
    assert ilo4.get("/rest/v1/systems/1/bios").json()["AdminName"] == ""
    ilo4.post(SYSTEM, {"Action": "Reset", "ResetType": "ForceRestart"})
    wait_post(ilo4, ("On", "FinishedPost"))
    bios = ilo4.get("/rest/v1/systems/1/bios").json()
    assert bios["AdminName"] == "Ops" and bios["BootMode"] == "Uefi" and "Bogus" not in bios
    result = bios["SettingsResult"]
    ids = {tuple(m["MessageArgs"])[-1] if m["MessageArgs"] else "": m["MessageID"] for m in result["Messages"]}
    assert result["Messages"][0]["MessageID"] == "Base.0.10:Success"
    assert ids["BootMode"] == "Base.0.10:PropertyValueNotInList"
    assert ids["EmbeddedSerialPort"] == "Base.0.10:PropertyNotWritable"
    assert ids["Bogus"] == "Base.0.10:PropertyUnknown"
    assert result["ETag"] != "5E0136E3"


def test_flat_baseconfig_default_uses_old_registry_current_value(ilo4):
    settings = "/rest/v1/systems/1/bios/Settings"
    ilo4.patch(settings, {"PowerRegulator": "StaticHighPerf", "AsrTimeoutMinutes": "15"})
    ilo4.post(SYSTEM, {"Action": "Reset", "ResetType": "ForceRestart"})
    wait_post(ilo4, ("On", "FinishedPost"))
    assert ilo4.get("/rest/v1/systems/1/bios").json()["PowerRegulator"] == "StaticHighPerf"
    assert ilo4.patch(settings, {"BaseConfig": "default"}).status_code == 200
    pending = ilo4.sim("GET", "state")["systems"]["1"]["bios_pending"]
    assert pending == {"PowerRegulator": "DynamicPowerSavings", "AsrTimeoutMinutes": "10"}


def test_patch_system_compat(ilo4):
    resp = ilo4.patch(SYSTEM, {"IndicatorLED": "Blinking"})
    assert resp.status_code == 200
    assert ilo4.get("/redfish/v1/Systems/1/").json()["IndicatorLED"] == "Blinking"
    resp = ilo4.patch(SYSTEM, {"IndicatorLED": "Purple"})
    assert resp.status_code == 400 and resp.json()["Messages"][0]["MessageID"] == "Base.0.10.PropertyValueNotInList"
