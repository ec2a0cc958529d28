# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot override in the simulator (ilosim/boot.py, writable.py), over HTTP on the real iLO 6 tree: target and UEFI
target checked against their AllowableValues, Enabled against Once/Continuous/Disabled, BootSourceOverrideMode
read-only on iLO (the same value accepted), and a one-time override used and cleared by the next boot."""

import time

from simclient import Client, load_mockup, message_ids, FAST, ILO6_MOCKUP

SYSTEM = "/redfish/v1/Systems/1"


def keys(resp):
    return [m.split(".")[-1] for m in message_ids(resp)]


def test_override_checked_and_used_once(sim):
    client = Client(sim(tree=load_mockup(ILO6_MOCKUP), config=dict(FAST)))
    assert keys(client.patch(SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Floppy"}})) == ["PropertyValueNotInList"]
    assert keys(client.patch(SYSTEM, {"Boot": {"BootSourceOverrideEnabled": "Always"}})) == ["PropertyValueNotInList"]
    assert keys(client.patch(SYSTEM, {"Boot": {"UefiTargetBootSourceOverride": "PciRoot(0x9)"}})) == ["PropertyValueNotInList"]
    assert keys(client.patch(SYSTEM, {"Boot": {"BootSourceOverrideMode": "Legacy"}})) == ["PropertyNotWritable"]
    assert client.patch(SYSTEM, {"Boot": {"BootSourceOverrideMode": "UEFI"}}).status_code == 200
    resp = client.patch(SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Cd", "BootSourceOverrideEnabled": "Once"}})
    assert resp.status_code == 200
    boot = client.get(SYSTEM).json()["Boot"]
    assert boot["BootSourceOverrideTarget"] == "Cd" and boot["BootSourceOverrideEnabled"] == "Once"
    assert client.post(SYSTEM + "/Actions/ComputerSystem.Reset", {"ResetType": "ForceRestart"}).status_code == 200
    time.sleep(0.1)
    boot = client.get(SYSTEM).json()["Boot"]
    assert boot["BootSourceOverrideTarget"] == "None" and boot["BootSourceOverrideEnabled"] == "Disabled"


def test_hpe_boot_order_is_a_pending_object_applied_at_post(sim):
    client = Client(sim(tree=load_mockup(ILO6_MOCKUP), config=dict(FAST)))
    current = "/redfish/v1/systems/1/bios/oem/hpe/boot/"
    pending = current + "settings/"
    order = client.get(current).json()["PersistentBootConfigOrder"]
    assert "PATCH" in client.get(pending).headers["Allow"]
    assert keys(client.patch(pending, {"PersistentBootConfigOrder": order[:2]})) == ["ArrayPropertyOutOfBound"]
    assert keys(client.patch(pending, {"PersistentBootConfigOrder": ["NoSuch.1"] + order[1:]})) == ["PropertyValueNotInList"]
    wanted = order[::-1]
    resp = client.patch(pending, {"PersistentBootConfigOrder": wanted})
    assert resp.status_code == 200 and keys(resp) == ["SystemResetRequired"]
    assert client.get(pending).json()["PersistentBootConfigOrder"] == wanted
    assert client.get(current).json()["PersistentBootConfigOrder"] == order
    assert client.post(SYSTEM + "/Actions/ComputerSystem.Reset", {"ResetType": "ForceRestart"}).status_code == 200
    time.sleep(0.4)
    assert client.get(current).json()["PersistentBootConfigOrder"] == wanted
    sources = dict((s["StructuredBootString"], "Boot" + s["BootOptionNumber"]) for s in client.get(current).json()["BootSources"])
    assert client.get(SYSTEM).json()["Boot"]["BootOrder"][:len(wanted)] == [sources[w] for w in wanted if w in sources]
