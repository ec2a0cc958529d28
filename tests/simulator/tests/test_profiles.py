# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks that keep the simulator profiles link-complete, self-consistent and honest.

Run: ``PYTHONPATH=tests/simulator python -m pytest tests/simulator/tests/test_profiles.py``.
When ``../shared/ilo-mockups`` (``$ILO_TEST_SHARED/ilo-mockups``) exists, the iLO 5/6/7 profiles are also
cross-checked against the real trees there (iLO 7 too) (read only, nothing is copied).
"""

import json
import pathlib
import re
import time

import pytest

from ilosim.profiles import ilo4, ilo5, ilo6, ilo7, moonshot
from ilotest import ILO_MOCKUPS, shared_missing  # pylint: disable=import-error

BUILDERS = {"ilo4": ilo4.build, "ilo5": ilo5.build, "ilo6": ilo6.build, "ilo7": ilo7.build,
            "moonshot": lambda: moonshot.build(systems=12)}
GEN = {"ilo4": 4, "ilo5": 5, "ilo6": 6, "ilo7": 7, "moonshot": 5}
RESET_TYPES = {
    4: ["On", "ForceOff", "ForceRestart", "Nmi", "PushPowerButton"],
    5: ["On", "ForceOff", "GracefulShutdown", "ForceRestart", "Nmi", "PushPowerButton", "GracefulRestart"],
    6: ["On", "ForceOff", "GracefulShutdown", "ForceRestart", "Nmi", "PushPowerButton", "GracefulRestart"],
    7: ["On", "ForceOff", "GracefulShutdown", "ForceRestart", "Nmi", "PushPowerButton", "GracefulRestart"],
}
MOCKUPS = pathlib.Path(ILO_MOCKUPS)
REAL = {5: ("ilo5-DL360-Gen10Plus", "biosattributeregistryu46.v1_2_34"), 6: ("ilo6-DL380a-Gen11", "biosattributeregistryu58.v1_2_44"),
        7: ("ilo7-DL360-Gen12", "biosattributeregistryu68.v1_1_40")}

_CACHE = {}


def tree_of(name):
    if name not in _CACHE:
        _CACHE[name] = BUILDERS[name]()
    return _CACHE[name]


def norm(uri):
    return uri.split("#", 1)[0].rstrip("/").lower()


class Tree:
    """Case-insensitive, trailing-slash-agnostic lookup, like the engine."""

    def __init__(self, tree):
        self.tree = tree
        self.index = {norm(k): k for k in tree}

    def get(self, uri):
        return self.tree[self.index[norm(uri)]]

    def has(self, uri):
        return norm(uri) in self.index


def walk_links(node, gen, out):
    """Every ``@odata.id`` anywhere (and ``href`` on iLO 4, ``Location[].Uri`` in registry files)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@odata.id" and isinstance(value, str):
                out.append(value)
            elif key == "href" and gen == 4 and isinstance(value, str):
                out.append(value)
            elif key == "Location" and isinstance(value, list):
                out.extend(loc["Uri"] for loc in value if isinstance(loc, dict) and isinstance(loc.get("Uri"), str))
                walk_links(value, gen, out)
            else:
                walk_links(value, gen, out)
    elif isinstance(node, list):
        for item in node:
            walk_links(item, gen, out)
    return out


def link(body, gen, *names):
    """Follow a navigation property (``@odata.id`` or, on iLO 4, ``href``)."""
    node = body
    for name in names:
        node = node[name]
    if isinstance(node, dict):
        return node.get("@odata.id") or node.get("href")
    return node


def systems_of(t):
    root = t.get("/redfish/v1/")
    coll = t.get(link(root, 0, "Systems"))
    return [t.get(m["@odata.id"]) for m in coll["Members"]]


def bios_of(t, system, gen):
    if gen == 4:
        return t.get(system["Oem"]["Hp"]["links"]["BIOS"]["href"])
    return t.get(system["Bios"]["@odata.id"])


def settings_of(t, bios, gen):
    if gen == 4:
        return t.get(bios["links"]["Settings"]["href"])
    return t.get(bios["@Redfish.Settings"]["SettingsObject"]["@odata.id"])


def attributes_of(body, gen):
    if gen >= 5:
        return body["Attributes"]
    skip = {"AttributeRegistry", "Description", "Id", "Name", "Type", "links", "SettingsResult", "Modified"}
    return {k: v for k, v in body.items() if not k.startswith("@") and k not in skip}


def registry_of(t, name):
    root = t.get("/redfish/v1/")
    coll = t.get(root["Registries"]["@odata.id"])
    for member in coll["Members"]:
        reg_file = t.get(member["@odata.id"])
        if reg_file.get("Registry") == name or reg_file.get("Id") == name:
            uri = next(loc["Uri"] for loc in reg_file["Location"] if loc["Language"] == "en")
            return t.get(uri)
    raise AssertionError("registry %s not linked from Registries" % name)


def check_value(attr, value):
    kind = attr["Type"]
    if kind == "Enumeration":
        return value in [v["ValueName"] for v in attr["Value"]]
    if kind == "Integer":
        return isinstance(value, int) and attr["LowerBound"] <= value <= attr["UpperBound"]
    if kind == "String":
        ok = isinstance(value, str) and attr.get("MinLength", 0) <= len(value) <= attr.get("MaxLength", 1 << 30)
        return ok and (not attr.get("ValueExpression") or re.search(attr["ValueExpression"], value) is not None)
    return False


# --- structure ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_odata_id_equals_key(name):
    tree = tree_of(name)
    bad = [k for k, body in tree.items() if body.get("@odata.id") != k]
    assert not bad, bad[:10]
    assert len({norm(k) for k in tree}) == len(tree), "two keys differ only by case or trailing slash"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_link_resolves(name):
    tree = tree_of(name)
    t = Tree(tree)
    missing = set()
    for key, body in tree.items():
        for target in walk_links(body, GEN[name], []):
            if not t.has(target):
                missing.add((key, target))
    assert not missing, sorted(missing)[:20]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_collections_counted(name):
    for key, body in tree_of(name).items():
        if "Members" in body:
            assert body["Members@odata.count"] == len(body["Members"]), key
            if GEN[name] == 4:
                assert len(body["links"]["Member"]) == len(body["Members"]), key


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_root(name):
    gen = GEN[name]
    root = tree_of(name)["/redfish/v1/"]
    assert root["Links"]["Sessions"]["@odata.id"]
    assert root["RedfishVersion"] and root["UUID"] and root["Product"]
    if gen == 4:
        assert root["Oem"]["Hp"]["Manager"][0]["ManagerType"] == "iLO 4"
        assert "ProtocolFeaturesSupported" not in root and "Tasks" not in root
        assert root["links"]["Sessions"]["href"]
    else:
        assert root["Vendor"] == "HPE"
        assert root["Oem"]["Hpe"]["Manager"][0]["ManagerType"] == "iLO %d" % gen
        expand = root["ProtocolFeaturesSupported"]["ExpandQuery"]
        assert expand["Levels"] is True and expand["MaxLevels"] == 1 and expand["Links"] is False


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_systems_actions_and_state(name):
    gen = GEN[name]
    t = Tree(tree_of(name))
    oem = "Hp" if gen == 4 else "Hpe"
    for system in systems_of(t):
        reset = system["Actions"]["#ComputerSystem.Reset"]
        assert reset["ResetType@Redfish.AllowableValues"] == RESET_TYPES[gen]
        assert reset["target"].startswith(system["@odata.id"])
        assert system["PowerState"] == "On"
        assert system["Oem"][oem]["PostState"] == "FinishedPost"
        actions = system["Oem"][oem]["Actions"]
        assert actions["#%sComputerSystemExt.SystemReset" % oem]["ResetType@Redfish.AllowableValues"] == (
            ["ColdBoot"] if gen == 4 else ["ColdBoot", "AuxCycle"])
        assert actions["#%sComputerSystemExt.PowerButton" % oem]["PushType@Redfish.AllowableValues"] == ["Press", "PressAndHold"]
        if gen == 4:
            assert system["AvailableActions"][0]["Capabilities"][0]["AllowableValues"] == RESET_TYPES[4]
            assert system["links"]["self"]["href"] == system["@odata.id"]
            assert system["Type"].startswith("ComputerSystem.")
            assert system["Status"]["HealthRollUp"] == system["Status"]["HealthRollup"]
        if gen >= 6:
            assert "IndicatorLED" not in system and system["LocationIndicatorActive"] is False
        elif gen == 5:
            assert system["IndicatorLED"] == "Off" and system["LocationIndicatorActive"] is False
        else:
            assert system["IndicatorLED"] == "Off"
        memory = t.get(link(system, gen, "Memory"))
        dimms = [t.get(m["@odata.id"]) for m in memory["Members"]]
        assert any(d["CapacityMiB"] == 0 for d in dimms) and any(d["CapacityMiB"] > 0 for d in dimms)
        total = sum(d["CapacityMiB"] for d in dimms) // 1024
        assert system["MemorySummary"]["TotalSystemMemoryGiB"] == total
        assert t.get(link(system, gen, "Processors"))["Members@odata.count"] == system["ProcessorSummary"]["Count"]


def test_storage_per_generation():
    t4, t5, t6 = (Tree(tree_of(n)) for n in ("ilo4", "ilo5", "ilo6"))
    s4, s5, s6 = (systems_of(t)[0] for t in (t4, t5, t6))
    assert t4.has(s4["Oem"]["Hp"]["links"]["SmartStorage"]["href"]) and "Storage" not in s4
    assert t5.has(s5["Oem"]["Hpe"]["Links"]["SmartStorage"]["@odata.id"])
    storage = t5.get(s5["Storage"]["@odata.id"])
    assert storage["Members"] and t5.get(storage["Members"][0]["@odata.id"])["Drives"]
    assert "SmartStorage" not in s6["Oem"]["Hpe"]["Links"]
    assert not any("smartstorage" in k.lower() for k in t6.tree)
    st6 = t6.get(t6.get(s6["Storage"]["@odata.id"])["Members"][0]["@odata.id"])
    assert t6.get(st6["Controllers"]["@odata.id"])["Members"] and t6.get(st6["Volumes"]["@odata.id"])["Members"]


def test_chassis_and_manager():
    for name in ("ilo4", "ilo5", "ilo6", "ilo7"):
        gen = GEN[name]
        t = Tree(tree_of(name))
        chassis = t.get("/redfish/v1/Chassis/1/")
        power = t.get(link(chassis, gen, "Power"))
        assert power["PowerControl"][0]["PowerConsumedWatts"] > 0 and power["PowerSupplies"]
        thermal = t.get(link(chassis, gen, "Thermal"))
        assert thermal["Fans"] and thermal["Temperatures"]
        assert ("PowerSubsystem" in chassis) == (gen == 6) and ("ThermalSubsystem" in chassis) == (gen >= 6)
        manager = t.get("/redfish/v1/Managers/1/")
        if gen >= 7:
            assert re.fullmatch(r"\d\.\d\d\.\d\d [A-Z][a-z]{2} \d\d \d{4}", manager["FirmwareVersion"])
            assert manager["Model"] == "iLO 7"
        else:
            assert re.fullmatch(r"iLO %d v\d\.\d\d" % gen, manager["FirmwareVersion"])
        proto = t.get(manager["NetworkProtocol"]["@odata.id"])
        assert proto["HostName"].startswith("ILO")
        lic_links = manager["Oem"]["Hp" if gen == 4 else "Hpe"]["links" if gen == 4 else "Links"]["LicenseService"]
        lic = t.get(link(lic_links, gen) if isinstance(lic_links, dict) else lic_links)
        key = t.get(lic["Members"][0]["@odata.id"])["LicenseKey"]
        assert re.fullmatch(r"XXXXX-XXXXX-XXXXX-XXXXX-[0-9A-Z]{5}", key)
        iel = t.get(t.get(manager["LogServices"]["@odata.id"])["Members"][0]["@odata.id"])
        assert iel["Id"] == "IEL" and t.get(iel["Entries"]["@odata.id"])["Members@odata.count"] >= 12
        session_service = t.get("/redfish/v1/SessionService/")
        assert session_service["ServiceEnabled"] is True and session_service["SessionTimeout"] == 30
        accounts = t.get(t.get("/redfish/v1/AccountService/")["Accounts"]["@odata.id"])
        assert t.get(accounts["Members"][0]["@odata.id"])["UserName"] == "Administrator"
        if gen >= 5:
            inv = t.get(t.get("/redfish/v1/UpdateService/")["FirmwareInventory"]["@odata.id"])
            names = [t.get(m["@odata.id"])["Name"] for m in inv["Members"]]
            assert "System ROM" in names and "iLO %d" % gen in names
            assert manager["UUID"] and manager["ServiceEntryPointUUID"] == t.get("/redfish/v1/")["UUID"]


# --- BIOS ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_bios_valid_against_registry(name):
    gen = GEN[name]
    t = Tree(tree_of(name))
    for system in systems_of(t):
        bios = bios_of(t, system, gen)
        settings = settings_of(t, bios, gen)
        registry = registry_of(t, bios["AttributeRegistry"])
        attrs = {a["AttributeName"]: a for a in registry["RegistryEntries"]["Attributes"]}
        for body in (bios, settings):
            values = attributes_of(body, gen)
            assert values, body["@odata.id"]
            unknown = set(values) - set(attrs)
            assert not unknown, unknown
            invalid = {k: v for k, v in values.items() if not check_value(attrs[k], v)}
            assert not invalid, invalid
        assert attributes_of(bios, gen) == attributes_of(settings, gen)
        assert attributes_of(bios, gen)["SerialNumber"] == system["SerialNumber"]
        if gen >= 5:
            assert bios["Oem"]["Hpe"]["SettingsObject"]["UnmodifiedETag"].startswith('W/"')
            target = bios["Actions"]["#Bios.ResetBios"]["target"]
            assert target == (settings if gen == 5 else bios)["@odata.id"] + "Actions/Bios.ResetBios/"
        else:
            assert bios["Type"] == "HpBios.1.2.0" and settings["Type"] == "HpBios.1.2.0"
            assert bios["SettingsResult"]["Messages"][0]["MessageID"] == "Base.1.0:Success"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_registry_shape(name):
    gen = GEN[name]
    t = Tree(tree_of(name))
    bios = bios_of(t, systems_of(t)[0], gen)
    registry = registry_of(t, bios["AttributeRegistry"])
    entries = registry["RegistryEntries"]
    attrs = entries["Attributes"]
    assert 60 <= len(attrs) <= 120
    assert {a["Type"] for a in attrs} == {"Enumeration", "Integer", "String"}
    assert any(a["ReadOnly"] for a in attrs)
    for a in attrs:
        assert check_value(a, a["DefaultValue"]), a["AttributeName"]
        assert {"AttributeName", "DisplayName", "HelpText", "ReadOnly", "GrayOut", "Type", "MenuPath", "DefaultValue"} <= set(a)
    names = {a["AttributeName"] for a in attrs}
    deps = entries["Dependencies"]
    assert deps and all(d["Type"] == "Map" for d in deps)
    for dep in deps:
        assert dep["Dependency"]["MapToAttribute"] in names
        assert all(m["MapFromAttribute"] in names for m in dep["Dependency"]["MapFrom"])
    menus = {m["MenuPath"] for m in entries["Menus"]}
    assert all(a["MenuPath"] in menus for a in attrs)
    if gen == 4:
        assert registry["Type"].startswith("HpBiosAttributeRegistrySchema")
        assert bios["AttributeRegistry"].startswith("HpBiosAttributeRegistryP89.")
    else:
        assert registry["@odata.type"].startswith("#AttributeRegistry.")


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_message_registries(name):
    t = Tree(tree_of(name))
    wanted = {
        "Base": ["Success", "Created", "NoValidSession", "PropertyUnknown", "PropertyValueTypeError", "PropertyValueNotInList",
                 "PropertyNotWritable", "MalformedJSON", "ResourceMissingAtURI", "ActionParameterUnknown",
                 "ActionParameterValueNotInList", "PreconditionFailed", "SessionLimitExceeded", "InsufficientPrivilege",
                 "ActionNotSupported"],
        "iLO": ["SystemResetRequired", "ResetRequired", "InvalidOperationForSystemState", "UnableToModifyDuringSystemPOST",
                "ResourceNotReadyRetry", "PropertyNotWritableOrUnknown", "LoginAttemptDelayed"],
    }
    coll = t.get(t.get("/redfish/v1/")["Registries"]["@odata.id"])
    files = {t.get(m["@odata.id"])["Registry"].split(".")[0]: t.get(m["@odata.id"]) for m in coll["Members"]}
    for prefix, ids in wanted.items():
        body = t.get(files[prefix]["Location"][0]["Uri"])
        assert body["RegistryPrefix"] == prefix
        for mid in ids:
            msg = body["Messages"][mid]
            # iLO's InvalidOperationForSystemState takes one argument its text does not show
            assert msg["NumberOfArgs"] == len(msg["ParamTypes"]) >= msg["Message"].count("%")
            assert msg["Severity"] and msg["Resolution"]


# --- moonshot ------------------------------------------------------------------------------

def test_moonshot_scales():
    """180 systems with distinct ids and serials (its build time is the benchmark's business, not a timed test's)."""
    tree = moonshot.build(systems=180)
    t = Tree(tree)
    systems = systems_of(t)
    assert len(systems) == 180
    ids = [s["Id"] for s in systems]
    assert ids[0] == "C1N1" and len(set(ids)) == 180
    registries = {bios_of(t, s, 5)["AttributeRegistry"] for s in systems}
    assert len(registries) == 1
    serials = {s["SerialNumber"] for s in systems}
    assert len(serials) == 180
    assert t.get("/redfish/v1/Managers/")["Members@odata.count"] == 1
    small = moonshot.build(systems=1)
    assert Tree(small).get("/redfish/v1/Systems/")["Members@odata.count"] == 1
    with pytest.raises(ValueError):
        moonshot.build(systems=181)
    with pytest.raises(ValueError):
        moonshot.build(systems=0)


def test_deterministic():
    assert json.dumps(ilo5.build(), sort_keys=True) == json.dumps(ilo5.build(), sort_keys=True)
    assert json.dumps(moonshot.build(systems=3), sort_keys=True) == json.dumps(moonshot.build(systems=3), sort_keys=True)


def test_bodies_independent():
    """The engine mutates bodies: no two resources may share a mutable object."""
    tree = moonshot.build(systems=4)
    seen = {}
    shared = []

    def visit(node, where):
        if isinstance(node, (dict, list)):
            if id(node) in seen and seen[id(node)] != where:
                shared.append((seen[id(node)], where))
            seen[id(node)] = where
            for child in (node.values() if isinstance(node, dict) else node):
                visit(child, where)

    for key, body in tree.items():
        visit(body, key)
    assert not shared, shared[:5]


# --- honesty: cross-check against the real trees -------------------------------------------

def real_json(gen, rel):
    folder = MOCKUPS / REAL[gen][0] / "redfish" / "v1" / rel / "index.json"
    with open(folder, encoding="utf-8") as handle:
        return json.load(handle)


needs_mockups = pytest.mark.skipif(shared_missing(ILO_MOCKUPS) is not None, reason="no ../shared/ilo-mockups")


@needs_mockups
@pytest.mark.parametrize("name", ["ilo5", "ilo6", "ilo7"])
def test_registry_subset_of_real(name):
    gen = GEN[name]
    real = real_json(gen, "RegistryStore/registries/en/" + REAL[gen][1])["RegistryEntries"]["Attributes"]
    real = {a["AttributeName"]: a for a in real}
    t = Tree(tree_of(name))
    bios = bios_of(t, systems_of(t)[0], gen)
    ours = registry_of(t, bios["AttributeRegistry"])["RegistryEntries"]["Attributes"]
    for attr in ours:
        name_ = attr["AttributeName"]
        assert name_ in real, name_
        assert attr["Type"] == real[name_]["Type"], name_
        assert attr["ReadOnly"] == real[name_]["ReadOnly"], name_
        assert attr["MenuPath"] == real[name_]["MenuPath"], name_
        if attr["Type"] == "Enumeration":
            real_values = {v["ValueName"] for v in real[name_]["Value"]}
            assert {v["ValueName"] for v in attr["Value"]} <= real_values, name_
            assert attr["DefaultValue"] == real[name_]["DefaultValue"], name_
        if attr["Type"] == "Integer":
            assert (attr["LowerBound"], attr["UpperBound"]) == (real[name_]["LowerBound"], real[name_]["UpperBound"]), name_
        if attr["Type"] == "String":
            assert attr["MaxLength"] == real[name_]["MaxLength"], name_


@needs_mockups
@pytest.mark.parametrize("name", ["ilo5", "ilo6", "ilo7"])
def test_bios_names_exposed_by_real(name):
    """Our current BIOS attributes are ones the real server exposes in ``bios`` (not only in the registry)."""
    gen = GEN[name]
    real = real_json(gen, "Systems/1/bios")["Attributes"]
    t = Tree(tree_of(name))
    ours = bios_of(t, systems_of(t)[0], gen)["Attributes"]
    missing = sorted(set(ours) - set(real))
    assert len(missing) <= len(ours) // 10, missing


@needs_mockups
@pytest.mark.parametrize("name", ["ilo5", "ilo6", "ilo7"])
@pytest.mark.parametrize("rel", ["", "Systems/1", "Managers/1", "Chassis/1", "systems/1/bios", "systems/1/bios/settings"])
def test_top_level_keys_match_real(name, rel):
    gen = GEN[name]
    real_rel = {"systems/1/bios": "Systems/1/bios", "systems/1/bios/settings": "Systems/1/bios/settings"}.get(rel, rel)
    if real_rel:
        real = real_json(gen, real_rel)
    else:
        with open(MOCKUPS / REAL[gen][0] / "redfish" / "v1" / "index.json", encoding="utf-8") as handle:
            real = json.load(handle)
    t = Tree(tree_of(name))
    ours = t.get("/redfish/v1/" + rel)
    mine = {k for k in ours if not k.startswith("@odata")}
    theirs = {k for k in real if not k.startswith("@odata")}
    overlap = len(mine & theirs) / len(mine)
    assert overlap >= 0.8, sorted(mine - theirs)
    oem = ours.get("Oem", {}).get("Hpe")
    if oem and "Oem" in real:
        mine_oem = {k for k in oem if not k.startswith("@odata")}
        theirs_oem = set(real["Oem"]["Hpe"])
        assert len(mine_oem & theirs_oem) / len(mine_oem) >= 0.8, sorted(mine_oem - theirs_oem)


@needs_mockups
@pytest.mark.parametrize("name", ["ilo5", "ilo6", "ilo7"])
def test_bios_actions_match_real(name):
    gen = GEN[name]
    real = real_json(gen, "Systems/1/bios")
    t = Tree(tree_of(name))
    ours = bios_of(t, systems_of(t)[0], gen)
    assert ours["Actions"]["#Bios.ResetBios"]["target"] == real["Actions"]["#Bios.ResetBios"]["target"]
    assert ours["AttributeRegistry"] == real["AttributeRegistry"]
    real_sys = real_json(gen, "Systems/1")
    ours_sys = systems_of(t)[0]
    assert ours_sys["Actions"]["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"] == \
        real_sys["Actions"]["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"]


@needs_mockups
def test_ilo7_shapes_match_real():
    """What sets iLO 7 apart, checked value by value against the real iLO 7 tree."""
    t = Tree(tree_of("ilo7"))
    root, real_root = t.get("/redfish/v1/"), real_json(7, "")
    manager, real_manager = t.get("/redfish/v1/Managers/1/"), real_json(7, "Managers/1")
    system, real_system = systems_of(t)[0], real_json(7, "Systems/1")
    fw_pattern = r"\d+\.\d+\.\d+ [A-Z][a-z]{2} \d{1,2} \d{4}"
    assert re.fullmatch(fw_pattern, real_manager["FirmwareVersion"]) and re.fullmatch(fw_pattern, manager["FirmwareVersion"])
    assert manager["Model"] == real_manager["Model"] == "iLO 7"
    ours_type, real_type = (r["Oem"]["Hpe"]["Manager"][0]["ManagerType"] for r in (root, real_root))
    assert ours_type == real_type == "iLO 7"
    assert root["Oem"]["Hpe"]["Moniker"]["PRODGEN"] == real_root["Oem"]["Hpe"]["Moniker"]["PRODGEN"]
    assert set(manager["Oem"]["Hpe"]["Firmware"]["Current"]) <= set(real_manager["Oem"]["Hpe"]["Firmware"]["Current"])
    for ours, real in ((system["Model"], real_system["Model"]), (root["Product"], real_root["Product"])):
        assert ours.startswith("HPE ProLiant Compute ") and real.startswith(ours)
    # standard BootOptions and BootProgress, no BootSources
    assert system["Boot"]["BootOptions"] and real_system["Boot"]["BootOptions"]
    option = t.get(t.get(system["Boot"]["BootOptions"]["@odata.id"])["Members"][0]["@odata.id"])
    assert option["BootOptionReference"] in system["Boot"]["BootOrder"]
    assert set(system["BootProgress"]) == set(real_system["BootProgress"])
    # schemas under SchemaStore
    for tree_root, getter in ((root, t.get), (real_root, None)):
        coll = getter(tree_root["JsonSchemas"]["@odata.id"]) if getter else real_json(7, "JsonSchemas")
        first = coll["Members"][0]["@odata.id"]
        schema_file = getter(first) if getter else real_json(7, first[len("/redfish/v1/"):])
        assert schema_file["Location"][0]["Uri"].startswith("/redfish/v1/SchemaStore/en/")
    # SecurityState
    security = t.get(manager["Oem"]["Hpe"]["Links"]["SecurityService"]["@odata.id"])
    real_security = real_json(7, "Managers/1/SecurityService")
    assert security["SecurityState"] == real_security["SecurityState"]
    assert security["SecurityState@Redfish.AllowableValues"] == real_security["SecurityState@Redfish.AllowableValues"]
    # storage: DMTF only, drives in a storage-enclosure chassis contained by the server's
    assert "SmartStorage" not in system["Oem"]["Hpe"]["Links"] and "BaseNetworkAdapters" not in json.dumps(system)
    storage = t.get(t.get(system["Storage"]["@odata.id"])["Members"][0]["@odata.id"])
    drive = t.get(storage["Drives"][0]["@odata.id"])
    enclosure = t.get(drive["Links"]["Chassis"]["@odata.id"])
    real_enclosure = real_json(7, "Chassis/DE00A000")
    assert enclosure["ChassisType"] == real_enclosure["ChassisType"] == "StorageEnclosure"
    assert norm(enclosure["Links"]["ContainedBy"]["@odata.id"]) == norm(real_enclosure["Links"]["ContainedBy"]["@odata.id"])
    assert norm(t.get("/redfish/v1/Chassis/")["Members"][0]["@odata.id"]) == norm(system["Links"]["Chassis"][0]["@odata.id"])
    # chassis: ThermalSubsystem, no PowerSubsystem, like the real one
    chassis, real_chassis = t.get("/redfish/v1/Chassis/1/"), real_json(7, "Chassis/1")
    for key in ("Power", "Thermal", "ThermalSubsystem", "PowerSubsystem"):
        assert (key in chassis) == (key in real_chassis), key


# --- end to end: the engine serves the profiles ----------------------------------------------

@pytest.mark.parametrize("name,options", [("ilo4", {}), ("ilo5", {}), ("ilo6", {}), ("ilo7", {}), ("moonshot", {"systems": 3})])
def test_engine_serves_profile(sim, name, options):
    """Login, BIOS PATCH, reset, deferred validation: the engine finds everything by links."""
    from simclient import FAST, Client  # pylint: disable=import-outside-toplevel
    gen = GEN[name]
    client = Client(sim(profile=name, config=dict(FAST), **options))
    root = client.get("/redfish/v1/", auth=None).json()
    login = client.login(path=root["Links"]["Sessions"]["@odata.id"])
    assert login.status_code == 201, login.text
    hdr = {"X-Auth-Token": login.headers["X-Auth-Token"]}
    systems = client.get(root["Systems"]["@odata.id"], headers=hdr, auth=None).json()
    system_uri = systems["Members"][-1]["@odata.id"]
    system = client.get(system_uri, headers=hdr, auth=None).json()
    bios_uri = system["Oem"]["Hp"]["links"]["BIOS"]["href"] if gen == 4 else system["Bios"]["@odata.id"]
    bios = client.get(bios_uri, headers=hdr, auth=None).json()
    if gen == 4:
        settings_uri, patch = bios["links"]["Settings"]["href"], {"AdminName": "Jane Doe", "Dhcpv8": "Enabled"}
    else:
        settings_uri = bios["@Redfish.Settings"]["SettingsObject"]["@odata.id"]
        patch = {"Attributes": {"AdminName": "Jane Doe", "Dhcpv8": "Enabled"}}
    resp = client.patch(settings_uri, patch, headers=hdr, auth=None)
    assert resp.status_code == 200, resp.text
    assert "SystemResetRequired" in json.dumps(resp.json())
    reset = system["Actions"]["#ComputerSystem.Reset"]
    resp = client.post(reset["target"], {"ResetType": "ForceRestart"}, headers=hdr, auth=None)
    assert resp.status_code == 200, resp.text
    oem = "Hp" if gen == 4 else "Hpe"
    deadline = time.time() + 10
    while time.time() < deadline:
        system = client.get(system_uri, headers=hdr, auth=None).json()
        if system["Oem"][oem]["PostState"] == "FinishedPost":
            break
        time.sleep(0.05)
    bios = client.get(bios_uri, headers=hdr, auth=None).json()
    if gen == 4:
        assert bios["AdminName"] == "Jane Doe"
        assert "Dhcpv8" in json.dumps(bios["SettingsResult"]["Messages"])
    else:
        assert bios["Attributes"]["AdminName"] == "Jane Doe"
        assert "PropertyUnknown" in json.dumps(bios["@Redfish.Settings"]["Messages"])
    assert client.req("DELETE", login.headers["Location"][len(client.url):], headers=hdr, auth=None).status_code == 200


def test_a_mockup_path_that_is_not_there_or_not_a_tree_is_named(tmp_path):
    from ilosim import mockup  # pylint: disable=import-outside-toplevel
    with pytest.raises(FileNotFoundError, match='no such mockup directory: .*nowhere'):
        mockup.load(str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError, match='is not a mockup tree'):
        mockup.load(str(tmp_path))
