# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for the simulator's own tests: an HTTP client, the real mockups, a small iLO 4 tree."""

import copy
import functools

import requests

from ilosim import profiles

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, require_shared  # noqa: F401  pylint: disable=import-error,unused-import


@functools.lru_cache(maxsize=None)
def _load(path):
    return profiles.load(mockup_dir=path)


def load_mockup(path):
    """A mockup tree, loaded once per run (the engine never changes the trees it is given)."""
    return _load(require_shared(path))


AUTH = ("Administrator", "password")
FAST = {"post_duration_s": 0.2, "power_duration_s": 0.05, "graceful_shutdown_s": 0.1}


class Client:
    """requests with the simulator's CA, Basic auth by default, and helpers for ``/_sim``."""

    def __init__(self, fleet, index=0):
        self.fleet = fleet
        self.url = fleet.urls[index]
        self.ilo = fleet.ilos[index]
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = fleet.ca_path

    def req(self, method, path, auth=AUTH, **kwargs):
        kwargs.setdefault("verify", self.fleet.ca_path)
        kwargs.setdefault("timeout", 10)
        if auth is not None and "headers" not in kwargs:
            kwargs["auth"] = auth
        elif auth is not None and "X-Auth-Token" not in kwargs["headers"]:
            kwargs["auth"] = auth
        return self.http.request(method, self.url + path, **kwargs)

    def get(self, path, **kwargs):
        return self.req("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.req("POST", path, json=body if body is not None else {}, **kwargs)

    def patch(self, path, body, **kwargs):
        return self.req("PATCH", path, json=body, **kwargs)

    def sim(self, method, path, body=None):
        resp = self.http.request(method, self.url + "/_sim/" + path, json=body, timeout=10)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()

    def login(self, user="Administrator", password="password", path="/redfish/v1/SessionService/Sessions/"):
        return self.req("POST", path, auth=None, json={"UserName": user, "Password": password})


def message_ids(resp):
    return [m["MessageId"] for m in resp.json()["error"]["@Message.ExtendedInfo"]]


def ilo4_tree():
    """A small iLO 4-style tree: Oem.Hp root, compat links, AvailableActions, flat HpBios, HpBios registry."""
    reg_name = "HpBiosAttributeRegistryP89.1.1.00"
    bios_attrs = {"AdminName": "", "AsrTimeoutMinutes": "10", "BootMode": "Uefi", "PowerRegulator": "DynamicPowerSavings",
                  "ProcCoreDisable": 0, "EmbeddedSerialPort": "Com2Irq3"}
    bios = {"@odata.id": "/redfish/v1/systems/1/bios/", "Type": "HpBios.1.2.0", "Name": "BIOS Current Settings",
            "AttributeRegistry": reg_name,
            "SettingsResult": {"ETag": "5E0136E3", "Messages": [{"MessageArgs": [], "MessageID": "Base.1.0:Success"}],
                               "Time": "2015-03-09T17:50:09+00:00"},
            "links": {"self": {"href": "/rest/v1/systems/1/bios"}, "Settings": {"href": "/rest/v1/systems/1/bios/Settings"},
                      "BaseConfigs": {"href": "/rest/v1/systems/1/bios/BaseConfigs"}}}
    bios.update(bios_attrs)
    settings = {"@odata.id": "/redfish/v1/systems/1/bios/Settings/", "Type": "HpBios.1.2.0",
                "Name": "BIOS Pending Settings", "AttributeRegistry": reg_name,
                "links": {"self": {"href": "/rest/v1/systems/1/bios/Settings"}}}
    settings.update(bios_attrs)

    def enum(name, values, default, read_only=False):
        return {"AttributeName": name, "Type": "Enumeration", "CurrentValue": default, "ReadOnly": read_only,
                "Value": [{"ValueName": v} for v in values]}

    registry = {"Type": "HpBiosAttributeRegistrySchema.1.1.00", "Name": reg_name, "RegistryEntries": {"Attributes": [
        {"AttributeName": "AdminName", "Type": "String", "CurrentValue": "", "MaxLength": 28},
        enum("AsrTimeoutMinutes", ["5", "10", "15"], "10"),
        enum("BootMode", ["Uefi", "LegacyBios"], "Uefi"),
        enum("PowerRegulator", ["DynamicPowerSavings", "StaticLowPower", "StaticHighPerf", "OsControl"], "DynamicPowerSavings"),
        {"AttributeName": "ProcCoreDisable", "Type": "Integer", "CurrentValue": 0, "LowerBound": 0, "UpperBound": 24},
        enum("EmbeddedSerialPort", ["Com1Irq4", "Com2Irq3", "Disabled"], "Com1Irq4", read_only=True),
    ]}}
    reset_values = ["On", "ForceOff", "ForceRestart", "Nmi", "PushPowerButton"]
    system = {
        "@odata.id": "/redfish/v1/Systems/1/", "Id": "1", "Type": "ComputerSystem.1.0.1", "Name": "Computer System",
        "Power": "On", "PowerState": "On", "IndicatorLED": "Off", "AssetTag": "",
        "AvailableActions": [{"Action": "Reset", "Capabilities": [{"AllowableValues": reset_values, "PropertyName": "ResetType"}]}],
        "Actions": {"#ComputerSystem.Reset": {"ResetType@Redfish.AllowableValues": reset_values,
                                              "target": "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/"}},
        "Oem": {"Hp": {"Type": "HpComputerSystemExt.1.2.2", "PostState": "FinishedPost",
                       "AvailableActions": [
                           {"Action": "PowerButton", "Capabilities": [
                               {"AllowableValues": ["Press", "PressAndHold"], "PropertyName": "PushType"},
                               {"AllowableValues": ["/Oem/Hp"], "PropertyName": "Target"}]},
                           {"Action": "SystemReset", "Capabilities": [
                               {"AllowableValues": ["ColdBoot"], "PropertyName": "ResetType"},
                               {"AllowableValues": ["/Oem/Hp"], "PropertyName": "Target"}]}],
                       "Actions": {"#HpComputerSystemExt.PowerButton": {
                           "PushType@Redfish.AllowableValues": ["Press", "PressAndHold"],
                           "target": "/redfish/v1/Systems/1/Actions/Oem/Hp/ComputerSystemExt.PowerButton/"},
                           "#HpComputerSystemExt.SystemReset": {
                               "ResetType@Redfish.AllowableValues": ["ColdBoot"],
                               "target": "/redfish/v1/Systems/1/Actions/Oem/Hp/ComputerSystemExt.SystemReset/"}},
                       "links": {"BIOS": {"href": "/rest/v1/systems/1/bios"}}}},
        "links": {"self": {"href": "/rest/v1/Systems/1"}},
    }
    tree = {
        "/redfish/v1/": {"@odata.id": "/redfish/v1/", "Type": "ServiceRoot.1.0.0", "Name": "HP RESTful Root Service",
                         "Oem": {"Hp": {"Type": "HpiLOServiceExt.1.0.0", "Manager": [{"ManagerType": "iLO 4"}]}},
                         "Systems": {"@odata.id": "/redfish/v1/Systems/"},
                         "Registries": {"@odata.id": "/redfish/v1/Registries/"},
                         "Links": {"Sessions": {"@odata.id": "/redfish/v1/SessionService/Sessions/"}},
                         "links": {"Sessions": {"href": "/rest/v1/Sessions"}, "Systems": {"href": "/rest/v1/Systems"},
                                   "self": {"href": "/rest/v1"}}},
        "/redfish/v1/SessionService/Sessions/": {"@odata.id": "/redfish/v1/SessionService/Sessions/",
                                                 "Type": "Collection.1.0.0", "Members": [], "links": {"Member": []}},
        "/redfish/v1/Systems/": {"@odata.id": "/redfish/v1/Systems/", "Type": "Collection.1.0.0",
                                 "Members": [{"@odata.id": "/redfish/v1/Systems/1/"}], "Members@odata.count": 1,
                                 "links": {"Member": [{"href": "/rest/v1/Systems/1"}]}},
        "/redfish/v1/Systems/1/": system,
        "/redfish/v1/systems/1/bios/": bios,
        "/redfish/v1/systems/1/bios/Settings/": settings,
        "/redfish/v1/systems/1/bios/BaseConfigs/": {"@odata.id": "/redfish/v1/systems/1/bios/BaseConfigs/",
                                                    "BaseConfigs": [{"default": {"BootMode": "Uefi"}}]},
        "/redfish/v1/Registries/": {"@odata.id": "/redfish/v1/Registries/", "Members": [
            {"@odata.id": "/redfish/v1/Registries/%s/" % reg_name}], "links": {"Member": [{"href": "/rest/v1/Registries/%s" % reg_name}]}},
        "/redfish/v1/Registries/%s/" % reg_name: {"@odata.id": "/redfish/v1/Registries/%s/" % reg_name, "Registry": reg_name,
                                                  "Location": [{"Language": "en", "Uri": {
                                                      "extref": "/redfish/v1/RegistryStore/registries/en/%s/" % reg_name}}]},
        "/redfish/v1/RegistryStore/registries/en/%s/" % reg_name: registry,
    }
    return copy.deepcopy(tree)
