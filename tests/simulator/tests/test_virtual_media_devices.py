# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual media in the simulator (ilosim/virtual_media.py), over HTTP: iLO 5+ insert/eject actions (DMTF and
Oem.Hpe) on the real iLO 6 tree and the profiles, iLO 4's PATCH of Image, the image connected a moment after
the answer, an unreachable URL (fault) dropped at connect time, and what iLO refuses (400, never a silent 200)."""

import time

import pytest

from simclient import FAST, ILO6_MOCKUP, Client, load_mockup, message_ids

CD = "/redfish/v1/Managers/1/VirtualMedia/2/"
ISO = "http://10.0.0.9/images/install.iso"


@pytest.fixture
def tree6(sim):
    return Client(sim(tree=load_mockup(ILO6_MOCKUP), config=dict(FAST, media_connect_s=0.1)))


def keys(resp):
    return [m.split(".")[-1] for m in message_ids(resp)]


def settled(client, path):
    time.sleep(0.15)
    return client.get(path).json()


def test_insert_connects_after_the_answer_then_eject_clears_the_boot_flag(tree6):
    resp = tree6.post(CD + "Actions/VirtualMedia.InsertMedia", {"Image": ISO, "Inserted": True, "WriteProtected": True})
    assert resp.status_code == 200 and keys(resp) == ["Success"]
    body = tree6.get(CD).json()
    assert body["Image"] == ISO and body["Inserted"] is False and body["ConnectedVia"] == "NotConnected"
    body = settled(tree6, CD)
    assert body["Inserted"] is True and body["ConnectedVia"] == "URI" and body["ImageName"] == "install.iso"
    assert "PATCH" in tree6.get(CD).headers["Allow"]
    assert tree6.patch(CD, {"Oem": {"Hpe": {"BootOnNextServerReset": True}}}).status_code == 200
    assert tree6.get(CD).json()["Oem"]["Hpe"]["BootOnNextServerReset"] is True
    again = tree6.post(CD + "Actions/VirtualMedia.InsertMedia", {"Image": ISO})
    assert again.status_code == 400 and keys(again) == ["MaxVirtualMediaConnectionEstablished"]
    oem_eject = CD + "Actions/Oem/Hpe/HpeiLOVirtualMedia.EjectVirtualMedia"
    assert tree6.post(oem_eject, {}).status_code == 200
    body = tree6.get(CD).json()
    assert body["Image"] == "" and body["Inserted"] is False and body["Oem"]["Hpe"]["BootOnNextServerReset"] is False
    empty = tree6.post(CD + "Actions/VirtualMedia.EjectMedia", {})
    assert empty.status_code == 400 and keys(empty) == ["NoVirtualMediaConnectionAvailable"]


def test_what_ilo5_and_later_refuse(tree6):
    resp = tree6.patch(CD, {"Image": ISO})
    assert resp.status_code == 400 and keys(resp) == ["PropertyNotWritable"]
    resp = tree6.patch(CD, {"Oem": {"Hpe": {"BootOnNextServerReset": True}}})
    assert resp.status_code == 400 and keys(resp) == ["NoVirtualMediaConnectionAvailable"]
    resp = tree6.patch("/redfish/v1/Managers/1/VirtualMedia/1/", {"Oem": {"Hpe": {"BootOnNextServerReset": True}}})
    assert resp.status_code == 400 and keys(resp) == ["PropertyNotWritable"]
    resp = tree6.post(CD + "Actions/VirtualMedia.InsertMedia", {"Image": "ftp://10.0.0.9/x.iso"})
    assert resp.status_code == 400 and keys(resp) == ["ActionParameterValueFormatError"]
    resp = tree6.post(CD + "Actions/VirtualMedia.InsertMedia", {})
    assert resp.status_code == 400 and keys(resp) == ["ActionParameterMissing"]
    assert tree6.get(CD).json()["Image"] == ""


def test_an_unreachable_image_is_accepted_then_dropped(tree6):
    tree6.sim("POST", "faults", {"kind": "unreachable_image", "image": "unreachable"})
    resp = tree6.post(CD + "Actions/VirtualMedia.InsertMedia", {"Image": "http://unreachable.example/x.iso"})
    assert resp.status_code == 200
    assert tree6.get(CD).json()["Image"] == "http://unreachable.example/x.iso"
    body = settled(tree6, CD)
    assert body["Image"] == "" and body["Inserted"] is False and body["ConnectedVia"] == "NotConnected"
    # consumed: the next insert of a reachable URL connects
    assert tree6.post(CD + "Actions/VirtualMedia.InsertMedia", {"Image": ISO}).status_code == 200
    assert settled(tree6, CD)["Inserted"] is True


def test_ilo4_inserts_and_ejects_by_patching_image(sim):
    client = Client(sim(profile="ilo4", config=dict(FAST, media_connect_s=0.0)))
    body = client.get(CD).json()
    assert "Actions" not in body and body["Oem"]["Hp"]["BootOnNextServerReset"] is False
    resp = client.post(CD + "Actions/VirtualMedia.InsertMedia/", {"Image": ISO})
    assert resp.status_code in (400, 404, 405)
    resp = client.patch(CD, {"Image": ISO, "Oem": {"Hp": {"BootOnNextServerReset": True}}})
    assert resp.status_code == 200
    body = client.get(CD).json()
    assert body["Inserted"] is True and body["Oem"]["Hp"]["BootOnNextServerReset"] is True
    resp = client.patch(CD, {"WriteProtected": False})
    assert resp.status_code == 400 and keys(resp) == ["UnableToModifyAfterVirtualMediaInsert"]
    # a server restart boots from it once: the flag is cleared
    assert client.post("/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/", {"ResetType": "ForceRestart"}).status_code == 200
    assert client.get(CD).json()["Oem"]["Hp"]["BootOnNextServerReset"] is False
    assert client.patch(CD, {"Image": None}).status_code == 200
    assert client.get(CD).json()["Image"] == ""
