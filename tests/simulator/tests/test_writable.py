# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writable properties per resource type (ilosim/writable.py) and the answers to what a PATCH or an
action may not do: 400 PropertyUnknown / PropertyNotWritable, 405 OperationNotAllowed, 400 ActionNotSupported,
each with its ExtendedInfo (iLO 5+ form; iLO 4 adds Messages/MessageID and the GeneralError code)."""

import copy

import pytest

from simclient import FAST, Client, message_ids

from ilosim import profiles, writable

SYSTEM = "/redfish/v1/Systems/1/"
CHASSIS = "/redfish/v1/Chassis/1/"
MANAGER = "/redfish/v1/Managers/1/"


def extended_info(resp):
    return resp.json()["error"]["@Message.ExtendedInfo"]


@pytest.fixture(scope="module")
def ilo5_tree():
    return profiles.build("ilo5")


@pytest.fixture
def ilo5p(sim, ilo5_tree):
    return Client(sim(tree=ilo5_tree, config=dict(FAST)))


@pytest.fixture
def ilo4p(sim):
    return Client(sim(profile="ilo4", config=dict(FAST)))


def test_a_read_only_property_answers_property_not_writable_with_its_name(ilo5p):
    before = ilo5p.get(CHASSIS).json()
    resp = ilo5p.patch(CHASSIS, {"Model": "mine"})
    assert resp.status_code == 400
    assert extended_info(resp) == [{"MessageId": "Base.1.18.PropertyNotWritable", "MessageArgs": ["Model"],
                                    "RelatedProperties": ["#/Model"]}]
    assert resp.json()["error"]["code"] == "iLO.0.10.ExtendedInfo"
    assert ilo5p.get(CHASSIS).json()["Model"] == before["Model"]


def test_an_unknown_property_answers_property_unknown(ilo5p):
    resp = ilo5p.patch(CHASSIS, {"Colour": "red"})
    assert resp.status_code == 400
    assert extended_info(resp) == [{"MessageId": "Base.1.18.PropertyUnknown", "MessageArgs": ["Colour"],
                                    "RelatedProperties": ["#/Colour"]}]


def test_writable_properties_are_per_resource_type(ilo5p):
    """Each type its own list: AssetTag and the locator LED on a Chassis, HostName on a ComputerSystem."""
    assert ilo5p.patch(CHASSIS, {"AssetTag": "rack-7", "LocationIndicatorActive": True}).status_code == 200
    body = ilo5p.get(CHASSIS).json()
    assert body["AssetTag"] == "rack-7" and body["LocationIndicatorActive"] is True
    assert ilo5p.patch(SYSTEM, {"HostName": "web-1"}).status_code == 200
    assert ilo5p.get(SYSTEM).json()["HostName"] == "web-1"


def test_a_type_that_declares_nothing_answers_405_even_with_a_formerly_global_name(sim, ilo5_tree):
    """A Processor with an AssetTag: the old global WRITABLE set let it be patched; real iLO lists no PATCH for it."""
    tree = copy.deepcopy(ilo5_tree)
    cpu_uri = next(uri for uri, body in tree.items()
                   if isinstance(body, dict) and str(body.get("@odata.type", "")).startswith("#Processor."))
    tree[cpu_uri]["AssetTag"] = ""
    client = Client(sim(tree=tree, config=dict(FAST)))
    assert "PATCH" not in client.get(cpu_uri).headers["Allow"]
    resp = client.patch(cpu_uri, {"AssetTag": "x"})
    assert resp.status_code == 405
    assert message_ids(resp) == ["Base.1.18.OperationNotAllowed"]
    assert resp.headers["Allow"] == "GET, HEAD"
    assert client.get(cpu_uri).json()["AssetTag"] == ""


def test_patch_to_a_resource_with_nothing_writable_is_405_with_extended_info(ilo5p):
    allow = ilo5p.get(MANAGER).headers["Allow"]
    assert "PATCH" not in allow
    resp = ilo5p.patch(MANAGER, {"DateTimeLocalOffset": "+01:00"})
    assert resp.status_code == 405
    assert resp.headers["Allow"] == allow
    assert extended_info(resp) == [{"MessageId": "Base.1.18.OperationNotAllowed"}]
    assert ilo5p.req("PUT", SYSTEM, json={"AssetTag": "x"}).status_code == 405


def test_a_declared_member_is_writable_and_its_siblings_are_not(ilo5p):
    """Boot: the override members are writable, the AllowableValues annotation and BootOptions are not."""
    resp = ilo5p.patch(SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once"}})
    assert resp.status_code == 200, resp.text
    resp = ilo5p.patch(SYSTEM, {"Boot": {"BootSourceOverrideTarget@Redfish.AllowableValues": ["Pxe"],
                                         "BootOptions": {"@odata.id": "/x"}}})
    assert resp.status_code == 400
    infos = extended_info(resp)
    assert [i["MessageId"] for i in infos] == ["Base.1.18.PropertyNotWritable"] * 2
    assert [i["RelatedProperties"] for i in infos] == [["#/Boot/BootSourceOverrideTarget@Redfish.AllowableValues"],
                                                       ["#/Boot/BootOptions"]]
    boot = ilo5p.get(SYSTEM).json()["Boot"]
    assert boot["BootSourceOverrideTarget"] == "Pxe" and boot["BootOptions"] != {"@odata.id": "/x"}


def test_one_bad_property_rejects_the_whole_patch_with_every_reason(ilo5p):
    resp = ilo5p.patch(SYSTEM, {"AssetTag": "kept-out", "Model": "x", "Bogus": 1})
    assert resp.status_code == 400
    assert sorted(message_ids(resp)) == ["Base.1.18.PropertyNotWritable", "Base.1.18.PropertyUnknown"]
    assert ilo5p.get(SYSTEM).json()["AssetTag"] != "kept-out"


def test_declare_extends_a_type(ilo5p, monkeypatch):
    monkeypatch.setitem(writable.WRITABLE, "Manager", ())
    writable.declare("Manager", "DateTimeLocalOffset")
    assert writable.WRITABLE["Manager"] == ("DateTimeLocalOffset",)
    assert "PATCH" in ilo5p.get(MANAGER).headers["Allow"]
    assert ilo5p.patch(MANAGER, {"DateTimeLocalOffset": "+01:00"}).status_code == 200
    assert ilo5p.get(MANAGER).json()["DateTimeLocalOffset"] == "+01:00"
    assert message_ids(ilo5p.patch(MANAGER, {"Model": "x"})) == ["Base.1.18.PropertyNotWritable"]


def test_ilo4_answers_in_its_own_form(ilo4p):
    resp = ilo4p.patch(SYSTEM, {"Model": "x"})
    assert resp.status_code == 400
    body = resp.json()
    assert body["Type"] == "ExtendedError.1.0.0" and body["error"]["code"] == "iLO.0.10.GeneralError"
    base = ilo4p.ilo.msg("Success").rsplit(".", 1)[0]  # the profile's Base registry, e.g. Base.1.0
    assert body["Messages"] == [{"MessageID": base + ".PropertyNotWritable", "MessageArgs": ["Model"]}]
    assert extended_info(resp) == [{"MessageId": base + ".PropertyNotWritable", "MessageArgs": ["Model"],
                                    "RelatedProperties": ["#/Model"]}]
    resp = ilo4p.patch(SYSTEM, {"Bogus": 1})
    assert resp.status_code == 400 and resp.json()["Messages"][0]["MessageID"] == base + ".PropertyUnknown"
    resp = ilo4p.patch(MANAGER, {"Model": "x"})
    assert resp.status_code == 405 and resp.json()["Messages"] == [{"MessageID": base + ".OperationNotAllowed"}]
    assert ilo4p.patch(SYSTEM, {"IndicatorLED": "Lit"}).status_code == 200


@pytest.mark.parametrize("profile", ["ilo4", "ilo6", "ilo7"])
def test_an_advertised_action_not_carried_out_is_action_not_supported(sim, profile):
    client = Client(sim(profile=profile, config=dict(FAST)))
    ilo = client.ilo
    target, name = next((ilo.uri(key), spec[1]) for key, spec in ilo.tree.actions.items()
                        if spec[1] == "SecureBoot.ResetKeys")
    resp = client.req("POST", target, json={})
    assert resp.status_code == 400
    info = extended_info(resp)
    assert [i["MessageId"].rsplit(".", 1)[-1] for i in info] == ["ActionNotSupported"]
    assert info[0]["MessageId"].startswith("Base.") and info[0]["MessageArgs"] == [name]
    if profile == "ilo4":
        assert resp.json()["Messages"][0]["MessageID"] == info[0]["MessageId"]


def test_access_walks_declared_paths():
    paths = [("AssetTag",), ("Boot", "BootOrder")]
    assert writable.access(paths, ("AssetTag",)) == "write"
    assert writable.access(paths, ("AssetTag", "Anything")) == "write"
    assert writable.access(paths, ("Boot",)) == "walk"
    assert writable.access(paths, ("Boot", "BootOrder")) == "write"
    assert writable.access(paths, ("Boot", "BootOptions")) is None
    assert writable.access(paths, ("Model",)) is None
    assert writable.resource_type({"@odata.type": "#ComputerSystem.v1_17_0.ComputerSystem"}) == "ComputerSystem"
    assert writable.resource_type({"Type": "Chassis.1.0.0"}) == "Chassis"
    assert writable.resource_type({}) == ""
