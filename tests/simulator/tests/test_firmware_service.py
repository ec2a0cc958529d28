# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firmware updates in the simulator (ilosim/firmware.py), over HTTP: iLO's multipart upload needs a live session
key and is counted; the update state goes Uploading -> Verifying -> Writing -> Complete and the inventory follows
(UpdateTarget), or only the repository does (UpdateRepository alone); a queued UEFI task waits for the next boot;
what iLO refuses (no ImageURI, a non-http URL, a second update while one runs, a task for a file it does not hold,
GET on the upload URI, an OEM action it does not carry out) answers 4xx with ExtendedInfo, never a silent 200."""

import io
import json
import time
import zipfile

import pytest

from ilotest import ILO7_MOCKUP  # pylint: disable=import-error
from simclient import FAST, Client, load_mockup, message_ids

US = "/redfish/v1/UpdateService/"


@pytest.fixture
def ilo6(sim):
    return Client(sim(profile="ilo6", config=dict(FAST, firmware_step_s=0.02)))


def fwpkg(version, targets, uefi=False):
    payload = {"Version": version, "UpdatableBy": ["Uefi" if uefi else "Bmc"],
               "Devices": {"Device": [{"Target": t} for t in targets]}, "FirmwareImages": [{"DirectFlashOK": not uefi}]}
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("payload.json", json.dumps(payload))
    return data.getvalue()


def item(client, name):
    return next(body for _key, body in client.ilo._fw_items() if body["Name"] == name)  # pylint: disable=protected-access


def upload(client, token, data, name="pkg.fwpkg", target=True):
    parameters = json.dumps({"UpdateRepository": True, "UpdateTarget": target})
    files = {"sessionKey": (None, token or ""), "parameters": (None, parameters, "application/json"),
             "file": (name, data, "application/octet-stream")}
    return client.req("POST", "/cgi-bin/uploadFile", auth=None, files=files)


def state(client):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = client.get(US).json()["Oem"]["Hpe"]["State"]
        if found in ("Complete", "Error"):
            return found
        time.sleep(0.02)
    return found


def test_upload_needs_a_session_key_flashes_the_targets_and_counts_the_bytes(ilo6):
    rom_ps = item(ilo6, "Power Supply Firmware")
    data = fwpkg("9.99", rom_ps["Oem"]["Hpe"]["Targets"])
    refused = upload(ilo6, "not-a-session", data)
    assert refused.status_code == 401 and message_ids(refused)[0].endswith("NoValidSession")
    wrong = ilo6.get("/cgi-bin/uploadFile")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    token = ilo6.login().headers["X-Auth-Token"]
    accepted = upload(ilo6, token, data)
    assert accepted.status_code == 200 and ilo6.get(US).json()["Oem"]["Hpe"]["State"] == "Uploading"
    assert state(ilo6) == "Complete" and item(ilo6, "Power Supply Firmware")["Version"] == "9.99"
    log = ilo6.ilo.fw_log()
    assert log["bytes_uploaded"] > len(data) and log["uploads"][0]["name"] == "pkg.fwpkg" and log["flashes"][0]["version"] == "9.99"
    assert ilo6.ilo.state()["manager_resets"] == []  # not the iLO's own firmware: no reset


def test_repository_only_then_a_uefi_task_applied_at_the_next_boot(ilo6):
    token = ilo6.login().headers["X-Auth-Token"]
    rom = item(ilo6, "System ROM")
    assert upload(ilo6, token, fwpkg("U54 v9.99", rom["Oem"]["Hpe"]["Targets"], uefi=True), "rom.fwpkg", target=False).status_code == 200
    assert state(ilo6) == "Complete" and item(ilo6, "System ROM")["Version"] == rom["Version"]
    members = ilo6.get(US + "ComponentRepository/").json()["Members"]
    assert [ilo6.get(m["@odata.id"]).json()["Filename"] for m in members] == ["rom.fwpkg"]
    missing = ilo6.post(US + "UpdateTaskQueue/", {"Filename": "other.fwpkg", "Command": "ApplyUpdate"})
    assert missing.status_code == 400 and message_ids(missing)[0].endswith("UpdateRepositoryUnavailable")
    task = ilo6.post(US + "UpdateTaskQueue/", {"Filename": "rom.fwpkg", "Command": "ApplyUpdate", "UpdatableBy": ["Uefi"]})
    assert task.status_code == 201 and task.json()["State"] == "Pending"
    assert ilo6.post("/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/", {"ResetType": "ForceRestart"}).status_code == 200
    deadline = time.monotonic() + 5
    while ilo6.get(task.headers["Location"]).json()["State"] == "Pending" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ilo6.get(task.headers["Location"]).json()["State"] == "Complete" and item(ilo6, "System ROM")["Version"] == "U54 v9.99"


def test_what_the_update_service_refuses(ilo6, sim):
    action = US + "Actions/UpdateService.SimpleUpdate/"
    assert message_ids(ilo6.post(action, {}))[0].endswith("PropertyMissing")
    bad = ilo6.post(action, {"ImageURI": "ftp://repo.example.com/x.fwpkg"})
    assert bad.status_code == 400 and message_ids(bad)[0].endswith("SimpleUpdateInvalidImageURI")
    ilo6.ilo.set_config({"firmware_step_s": 60})  # the first update stays in progress while the second is refused
    first = ilo6.post(action, {"ImageURI": "http://127.0.0.1:9/never.fwpkg"})  # nothing listens on the discard port
    assert first.status_code == 200
    busy = ilo6.post(action, {"ImageURI": "http://127.0.0.1:9/other.fwpkg"})
    assert busy.status_code == 400 and message_ids(busy)[0].endswith("FirmwareFlashAlreadyInProgress")
    ilo6.ilo.fw["job"]["at"] = 0  # let the first one go on
    assert state(ilo6) == "Error"
    result = ilo6.get(US).json()["Oem"]["Hpe"]["Result"]
    assert result["MessageId"].endswith("SimpleUpdateInvalidImageURI") and result["MessageArgs"][0].endswith("never.fwpkg")
    tree = Client(sim(tree=load_mockup(ILO7_MOCKUP), config=dict(FAST)))
    other = tree.post(US + "Actions/Oem/Hpe/HpeiLOUpdateServiceExt.DeleteInstallSets/", {})
    assert other.status_code == 400 and message_ids(other)[0].endswith("ActionNotSupported")
