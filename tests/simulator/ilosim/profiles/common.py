# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared building blocks for the simulator profiles.

A profile is a :class:`Spec` (the hardware and firmware it describes) handed to
:func:`build_tree`, which returns the *tree*: ``{uri-as-linked: body}``. Everything that
differs between iLO 4, 5 and 6 is switched on ``Spec.gen`` here, once; the profile modules
only carry parameters. Output is deterministic (values derive from ``Spec.seed``).

URI style follows real iLO: collection and resource URIs end in ``/``, ``Systems`` and
``Managers`` are capitalised while the BIOS resources are linked in lower case
(``/redfish/v1/Systems/1/`` links ``/redfish/v1/systems/1/bios/``). iLO 4 bodies carry the
compat (pre-Redfish) keys too: ``Type``, ``links.self.href``, ``HealthRollUp``...
"""

import copy
import dataclasses
import datetime
import hashlib
import json
import random
import uuid
import zlib

from . import registries

R = "/redfish/v1/"

# OData type versions per generation: name -> (iLO 4, iLO 5, iLO 6)
_TYPES = {
    "ServiceRoot": ("1.0.0", "1.5.1", "1.13.0"),
    "ComputerSystem": ("1.0.1", "1.17.0", "1.20.1"),
    "ComputerSystemCollection": (None, None, None),
    "Chassis": ("1.0.0", "1.16.0", "1.25.1"),
    "ChassisCollection": (None, None, None),
    "Manager": ("1.0.0", "1.5.1", "1.19.1"),
    "ManagerCollection": (None, None, None),
    "Bios": (None, "1.0.4", "1.0.4"),
    "Processor": ("1.0.0", "1.7.0", "1.16.0"),
    "ProcessorCollection": (None, None, None),
    "Memory": ("1.0.0", "1.7.1", "1.14.0"),
    "MemoryCollection": (None, None, None),
    "EthernetInterface": ("1.0.0", "1.4.1", "1.6.2"),
    "EthernetInterfaceCollection": (None, None, None),
    "LogService": ("1.0.0", "1.1.0", "1.1.0"),
    "EventService": ("1.0.0", "1.2.7", "1.7.2"),
    "EventDestinationCollection": (None, None, None),
    "LogServiceCollection": (None, None, None),
    "LogEntry": ("1.0.0", "1.11.0", "1.11.0"),
    "LogEntryCollection": (None, None, None),
    "Power": ("1.0.0", "1.3.0", "1.3.0"),
    "Thermal": ("1.0.0", "1.1.0", "1.1.0"),
    "PowerSubsystem": (None, None, "1.1.0"),
    "PowerSupply": (None, None, "1.5.0"),
    "PowerSupplyCollection": (None, None, None),
    "ThermalSubsystem": (None, None, "1.0.0"),
    "Fan": (None, None, "1.3.0"),
    "FanCollection": (None, None, None),
    "SessionService": ("1.0.0", "1.0.0", "1.0.0"),
    "SessionCollection": (None, None, None),
    "AccountService": ("1.0.0", "1.5.0", "1.12.0"),
    "ManagerAccount": ("1.0.0", "1.3.0", "1.8.0"),
    "ManagerAccountCollection": (None, None, None),
    "Role": (None, "1.2.1", "1.2.1"),
    "RoleCollection": (None, None, None),
    "ManagerNetworkProtocol": ("1.0.0", "1.0.0", "1.5.0"),
    "UpdateService": (None, "1.1.1", "1.11.0"),
    "SoftwareInventory": (None, "1.0.0", "1.2.0"),
    "SoftwareInventoryCollection": (None, None, None),
    "TaskService": (None, "1.1.1", "1.1.5"),
    "TaskCollection": (None, None, None),
    "MessageRegistryFile": ("1.0.0", "1.0.4", "1.0.4"),
    "MessageRegistryFileCollection": (None, None, None),
    "Storage": (None, "1.8.0", "1.13.0"),
    "StorageCollection": (None, None, None),
    "StorageController": (None, None, "1.6.0"),
    "StorageControllerCollection": (None, None, None),
    "Drive": (None, "1.7.0", "1.16.0"),
    "Volume": (None, "1.5.0", "1.9.0"),
    "VolumeCollection": (None, None, None),
    "VirtualMedia": ("1.0.0", "1.3.0", "1.3.0"),
    "VirtualMediaCollection": (None, None, None),
    "BootOption": (None, "1.0.1", "1.0.4"),
    "BootOptionCollection": (None, None, None),
    "SecureBoot": ("1.0.0", "1.0.0", "1.1.0"),
    "NetworkAdapter": (None, "1.5.0", "1.9.0"),
    "NetworkAdapterCollection": (None, None, None),
    "JsonSchemaFile": (None, "1.0.4", "1.0.4"),
    "JsonSchemaFileCollection": (None, None, None),
    "DriveCollection": (None, None, None),
}


# iLO 7 (1.14, Gen12) versions where they differ from iLO 6, as the real iLO 7 tree shows them.
_TYPES_ILO7 = {
    "ComputerSystem": "1.18.0", "Chassis": "1.23.0", "Bios": "1.2.3", "BootOption": "1.0.1", "Storage": "1.15.0",
    "StorageController": "1.7.0", "ThermalSubsystem": "1.3.2", "Drive": "1.17.0",
}


def otype(name, gen):
    """``@odata.type`` for a DMTF resource name on generation ``gen`` (iLO 7 = iLO 6 unless listed)."""
    versions = _TYPES.get(name, (None, None, None))
    ver = _TYPES_ILO7.get(name) if gen >= 7 else None
    ver = ver or versions[min(gen, 6) - 4] or next((v for v in versions if v), None)
    if ver is None:
        return "#%s.%s" % (name, name)
    return "#%s.v%s.%s" % (name, ver.replace(".", "_"), name)


def ref(uri):
    """A navigation link."""
    return {"@odata.id": uri}


def etag_of(body):
    """A weak ETag for a body, derived from its content (``W/"8HEX"``)."""
    data = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return 'W/"%08X"' % (zlib.crc32(data) & 0xFFFFFFFF)


def health(gen, rollup=True, state="Enabled"):
    """A ``Status`` object; iLO 4 also carries the compat ``HealthRollUp`` spelling."""
    status = {"Health": "OK", "State": state}
    if rollup:
        status["HealthRollup"] = "OK"
        if gen == 4:
            status["HealthRollUp"] = "OK"
    return status


@dataclasses.dataclass
class Spec:  # pylint: disable=too-many-instance-attributes
    """What one simulated iLO describes. Profiles differ only by these values."""

    gen: int
    model: str
    sku: str
    serial_prefix: str
    bios_family: str
    bios_version: str
    bios_registry: str
    ilo_version: str
    ilo_date: str
    redfish_version: str
    cpu_model: str
    cpu_count: int
    cpu_cores: int
    cpu_speed_mhz: int
    dimm_slots_per_cpu: int
    dimms_per_cpu: int
    dimm_mib: int
    dimm_type: str
    dimm_speed: int
    dimm_part: str
    drives: int
    drive_gb: int
    drive_model: str
    controller: str
    nics: tuple
    psus: int
    psu_watts: int
    fans: int
    seed: int
    manufacturer: str = "HPE"
    chassis_type: str = "RackMount"
    ip_base: str = "10.0.40."
    systems: tuple = ("1",)
    system_model: str = ""
    product: str = ""
    iml_entries: int = 12
    iel_entries: int = 12
    smart_storage: bool = True


class _Ids:
    """Deterministic serials, MACs and UUIDs from a seed."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.seed = seed

    def serial(self, prefix, length=10):
        tail = "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _i in range(length - len(prefix)))
        return prefix + tail

    def mac(self, oui="94:40:c9"):
        return oui + ":" + ":".join("%02x" % self.rng.randrange(256) for _i in range(3))

    def uuid(self, label):
        return str(uuid.UUID(bytes=hashlib.sha256(("%s/%s" % (self.seed, label)).encode()).digest()[:16], version=4))

    def hexid(self, nbytes=8):
        return "".join("%02X" % self.rng.randrange(256) for _i in range(nbytes))


class Builder:  # pylint: disable=too-many-public-methods
    """Builds a tree for one :class:`Spec`."""

    def __init__(self, spec):
        self.s = spec
        self.gen = spec.gen
        self.oem = "Hp" if spec.gen == 4 else "Hpe"
        self.tree = {}
        self.ids = _Ids(spec.seed)
        self.serial = self.ids.serial(spec.serial_prefix)
        self.registry_defaults = registries.bios_defaults(spec.gen)
        self.system_uris = []
        self.chassis_uris = []
        self.enclosure_uris = []  # storage enclosures (iLO 7): listed after the server chassis

    # --- primitives ------------------------------------------------------------------------

    def res(self, uri, name, type_name=None, rid=None, **body):
        """Add a resource body at ``uri`` (its ``@odata.id``) and return it."""
        type_name = type_name or name
        if type_name.startswith("#"):  # a full OEM type such as "#HpeSmartStorage.v2_0_0.HpeSmartStorage"
            full, plain = type_name, type_name.rsplit(".", 1)[-1]
        else:
            full, plain = otype(type_name, self.gen), type_name
        doc = {"@odata.context": "/redfish/v1/$metadata#%s.%s" % (plain, plain), "@odata.id": uri, "@odata.type": full}
        if rid is not False:
            doc["Id"] = rid if rid is not None else uri.rstrip("/").rsplit("/", 1)[-1]
        doc["Name"] = name
        doc.update(body)
        self.tree[uri] = doc
        return doc

    def coll(self, uri, type_name, name, members, **body):
        """Add a collection of ``members`` (URIs)."""
        return self.res(uri, name, type_name, rid=False, Members=[ref(m) for m in members],
                        **{"Members@odata.count": len(members)}, **body)

    def oem_body(self, odata_type, **body):
        """An ``Oem.Hp``/``Oem.Hpe`` block."""
        prefix = "Hp" if self.gen == 4 else "Hpe"
        name = prefix + odata_type
        doc = {"@odata.context": "/redfish/v1/$metadata#%s.%s" % (name, name),
               "@odata.type": "#%s.v2_0_0.%s" % (name, name) if self.gen >= 5 else "#%s.1.0.0.%s" % (name, name)}
        if self.gen == 4:
            doc["Type"] = "%s.1.0.0" % name
        doc.update(body)
        return {self.oem: doc}

    # --- service root -----------------------------------------------------------------------

    def root(self):
        g = self.gen
        manager = {
            "DefaultLanguage": "en",
            "FQDN": "ilo%s.example.net" % self.serial.lower(),
            "HostName": "ILO" + self.serial,
            "Languages": [{"Language": "en", "TranslationName": "English", "Version": ".".join(self.s.ilo_version.split(".")[:2])}],
            "ManagerFirmwareVersion": self.s.ilo_version,
            "ManagerType": "iLO %d" % g,
            "Status": {"Health": "OK"},
        }
        oem_links = {"ResourceDirectory": ref(R + "ResourceDirectory/")}
        oem = {"Manager": [manager],
               "Sessions": {"CertCommonName": "ILO" + self.serial, "LDAPAuthLicenced": True, "LDAPEnabled": False,
                            "LocalLoginEnabled": True, "LoginFailureDelay": 0, "SecurityOverride": False, "ServerName": "",
                            "LoginHint": {"Hint": "POST to /Sessions to login using the following JSON object:",
                                          "HintPOSTData": {"Password": "password", "UserName": "username"}}},
               "Time": "2024-06-03T09:12:44Z"}
        if g == 4:
            oem["links"] = {"ResourceDirectory": {"href": R + "ResourceDirectory/"}}
        else:
            oem["Links"] = oem_links
            oem["Moniker"] = {"PRODGEN": "iLO %d" % g, "PRODNAM": "Integrated Lights-Out %d" % g, "VENDABR": "HPE",
                              "SYSFAM": "ProLiant", "BMC": "iLO"}
        body = {
            "AccountService": ref(R + "AccountService/"),
            "Chassis": ref(R + "Chassis/"),
            "Links": {"Sessions": ref(R + "SessionService/Sessions/")},
            "Managers": ref(R + "Managers/"),
            "EventService": ref(R + "EventService/"),
            "Oem": self.oem_body("iLOServiceExt", **oem),
            "Product": self.s.product or self.s.model,
            "RedfishVersion": self.s.redfish_version,
            "Registries": ref(R + "Registries/"),
            "SessionService": ref(R + "SessionService/"),
            "Systems": ref(R + "Systems/"),
            "UUID": self.ids.uuid("root"),
            "Vendor": "HPE" if g >= 5 else "HP",
        }
        if g >= 7:
            body["JsonSchemas"] = ref(R + "JsonSchemas/")
            self.json_schemas()
        if g >= 5:
            body["ProtocolFeaturesSupported"] = {
                "ExpandQuery": {"ExpandAll": False, "Levels": True, "Links": False, "MaxLevels": 1, "NoLinks": True},
                "FilterQuery": True, "OnlyMemberQuery": True, "SelectQuery": True}
            body["Tasks"] = ref(R + "TaskService/")
            body["UpdateService"] = ref(R + "UpdateService/")
        else:
            body["links"] = {"Sessions": {"href": R + "SessionService/Sessions/"}, "Systems": {"href": R + "Systems/"},
                             "Chassis": {"href": R + "Chassis/"}, "Managers": {"href": R + "Managers/"},
                             "AccountService": {"href": R + "AccountService/"}, "SessionService": {"href": R + "SessionService/"},
                             "Registries": {"href": R + "Registries/"}, "EventService": {"href": R + "EventService/"}}
        self.res(R, "HPE RESTful Root Service", "ServiceRoot", rid="RootService", **body)

    # --- systems --------------------------------------------------------------------------

    def ip_version(self):
        """Intelligent Provisioning version shipped with this generation."""
        return {4: "2.70.2", 5: "3.76.2", 6: "3.40.6", 7: "5.00.7"}.get(self.gen, "3.40.6")

    def ilo_firmware(self):
        """``Managers/1.FirmwareVersion``: "iLO 6 v1.66" up to iLO 6, "1.14.00 May 28 2025" on iLO 7."""
        if self.gen >= 7:
            return "%s %s" % (self.s.ilo_version, self.s.ilo_date)
        return "iLO %d v%s" % (self.gen, self.s.ilo_version)

    def reset_types(self):
        if self.gen == 4:
            return ["On", "ForceOff", "ForceRestart", "Nmi", "PushPowerButton"]
        return ["On", "ForceOff", "GracefulShutdown", "ForceRestart", "Nmi", "PushPowerButton", "GracefulRestart"]

    def system(self, sid, chassis_uri, manager_uri, index=0):
        """One ComputerSystem with everything below it."""
        g, s = self.gen, self.s
        base = R + "Systems/%s/" % sid
        bios_base = R + "systems/%s/bios/" % sid
        serial = self.serial if index == 0 else self.ids.serial(s.serial_prefix)
        slash = "/" if g in (4, 5) else ""
        total_gib = s.cpu_count * s.dimms_per_cpu * s.dimm_mib // 1024
        oem_actions = {
            "#%sComputerSystemExt.PowerButton" % self.oem: {
                "PushType@Redfish.AllowableValues": ["Press", "PressAndHold"],
                "target": base + "Actions/Oem/%s/%sComputerSystemExt.PowerButton%s" % (self.oem, self.oem, slash)},
            "#%sComputerSystemExt.SystemReset" % self.oem: {
                "ResetType@Redfish.AllowableValues": ["ColdBoot"] if g == 4 else ["ColdBoot", "AuxCycle"],
                "target": base + "Actions/Oem/%s/%sComputerSystemExt.SystemReset%s" % (self.oem, self.oem, slash)},
        }
        if g >= 5:
            for action in ("RestoreManufacturingDefaults", "RestoreSystemDefaults", "SecureSystemErase", "ServerSafeMode"):
                oem_actions["#HpeComputerSystemExt.%s" % action] = {
                    "target": base + "Actions/Oem/Hpe/HpeComputerSystemExt.%s%s" % (action, slash)}
        bios_ver = {"Current": {"Date": s.bios_version[-11:-1], "Family": s.bios_family, "VersionString": s.bios_version},
                    "Backup": {"Date": "05/21/2018", "Family": s.bios_family,
                               "VersionString": "%s v1.50 (05/21/2018)" % s.bios_family},
                    "UefiClass": 2}
        oem_links = {"NetworkAdapters": ref(base + ("NetworkAdapters/" if g == 4 else "BaseNetworkAdapters/")),
                     "EthernetInterfaces": ref(base + "EthernetInterfaces/")}
        if g <= 5 and s.smart_storage:
            oem_links["SmartStorage"] = ref(base + "SmartStorage/")
        if g >= 6:
            del oem_links["NetworkAdapters"]
        oem = {
            "Actions": oem_actions,
            "Bios": bios_ver,
            "DeviceDiscoveryComplete": {"AMSDeviceDiscovery": "NoAMS", "DeviceDiscovery": "vMainDeviceDiscoveryComplete",
                                        "SmartArrayDiscovery": "Complete"},
            "IntelligentProvisioningVersion": self.ip_version(),
            "PostState": "FinishedPost",
            "PowerAllocationLimit": s.psus * s.psu_watts,
            "PowerAutoOn": "Restore",
            "PowerOnDelay": "Minimum",
            "PowerRegulatorMode": "Dynamic",
            "PowerRegulatorModesSupported": ["OSControl", "Dynamic", "Max", "Min"],
            "VirtualProfile": "Inactive",
        }
        if g == 4:
            oem["links"] = {"BIOS": {"href": bios_base}, "MEMORY": {"href": base + "Memory/"},
                            "EthernetInterfaces": {"href": base + "EthernetInterfaces/"},
                            "NetworkAdapters": {"href": base + "NetworkAdapters/"},
                            "SmartStorage": {"href": base + "SmartStorage/"},
                            "FirmwareInventory": {"href": base + "FirmwareInventory/"}}
            oem["AvailableActions"] = [
                {"Action": "PowerButton", "Capabilities": [
                    {"AllowableValues": ["Press", "PressAndHold"], "PropertyName": "PushType"},
                    {"AllowableValues": ["/Oem/Hp"], "PropertyName": "Target"}]},
                {"Action": "SystemReset", "Capabilities": [
                    {"AllowableValues": ["ColdBoot"], "PropertyName": "ResetType"},
                    {"AllowableValues": ["/Oem/Hp"], "PropertyName": "Target"}]}]
        else:
            oem["Links"] = oem_links
            oem["AggregateHealthStatus"] = {"AggregateServerHealth": "OK", "FanRedundancy": "Redundant",
                                            "PowerSupplyRedundancy": "Redundant" if s.psus > 1 else "NonRedundant",
                                            "Fans": {"Status": {"Health": "OK"}}, "Memory": {"Status": {"Health": "OK"}},
                                            "Processors": {"Status": {"Health": "OK"}}, "Storage": {"Status": {"Health": "OK"}},
                                            "Temperatures": {"Status": {"Health": "OK"}}}
            oem["PostDiscoveryCompleteTimeStamp"] = "2024-06-03T08:49:18Z"
        boot_opts = self.boot_options()
        boot = {"BootOrder": [b for b, _name in boot_opts] if g >= 5 else None,
                "BootSourceOverrideEnabled": "Disabled",
                "BootSourceOverrideMode": "UEFI",
                "BootSourceOverrideTarget": "None",
                "BootSourceOverrideTarget@Redfish.AllowableValues": [
                    "None", "Cd", "Hdd", "Usb", "SDCard", "Utilities", "Diags", "BiosSetup", "Pxe", "UefiShell", "UefiHttp",
                    "UefiTarget"] if g >= 5 else ["None", "Cd", "Hdd", "Usb", "Utilities", "Diags", "BiosSetup", "Pxe",
                                                  "UefiShell", "UefiTarget"],
                "UefiTargetBootSourceOverride": "None"}
        if g >= 5:
            boot["BootOptions"] = ref(base + "BootOptions/")
            # as the real trees: the device paths of the boot options (boot_option_resources)
            boot["UefiTargetBootSourceOverride@Redfish.AllowableValues"] = [self.device_path(i) for i in range(1, len(boot_opts) + 1)]
        else:
            del boot["BootOrder"]
            boot["BootSourceOverrideSupported"] = boot["BootSourceOverrideTarget@Redfish.AllowableValues"]
        body = {
            "Actions": {"#ComputerSystem.Reset": {"ResetType@Redfish.AllowableValues": self.reset_types(),
                                                  "target": base + "Actions/ComputerSystem.Reset" + slash}},
            "AssetTag": "",
            "Bios": ref(bios_base) if g >= 5 else dict(bios_ver),
            "BiosVersion": s.bios_version,
            "Boot": boot,
            "EthernetInterfaces": ref(base + "EthernetInterfaces/"),
            "HostName": "host-%s" % sid.lower() if index else "",
            "Links": {"Chassis": [ref(chassis_uri)], "ManagedBy": [ref(manager_uri)]},
            "LogServices": ref(base + "LogServices/"),
            "Manufacturer": s.manufacturer if g >= 5 else "HP",
            "Memory": ref(base + "Memory/"),
            "MemorySummary": {"Status": {"HealthRollup": "OK"}, "TotalSystemMemoryGiB": total_gib},
            "Model": s.system_model or s.model,
            "Oem": self.oem_body("ComputerSystemExt", **oem),
            "PowerState": "On",
            "ProcessorSummary": {"Count": s.cpu_count, "Model": s.cpu_model, "Status": {"HealthRollup": "OK"}},
            "Processors": ref(base + "Processors/"),
            "SKU": s.sku,
            "SerialNumber": serial,
            "Status": health(g),
            "SystemType": "Physical",
            "UUID": self.ids.uuid("system/%s" % sid),
        }
        if g >= 7:
            body["BootProgress"] = {"LastBootTimeSeconds": 0, "LastState": "OSRunning"}
        if g >= 5:
            body["SecureBoot"] = ref(base + "SecureBoot/")
            body["Storage"] = ref(base + "Storage/")
            body["TrustedModules"] = [{"FirmwareVersion": "73.64", "InterfaceType": "TPM2_0", "Status": {"State": "Enabled"}}]
        if g <= 5:
            body["IndicatorLED"] = "Off"
        if g >= 5 and not (g == 5 and s.ilo_version.startswith("1.")):
            body["LocationIndicatorActive"] = False
        if g == 4:
            body["MemorySummary"]["Status"]["HealthRollUp"] = "OK"
            body["ProcessorSummary"]["Status"]["HealthRollUp"] = "OK"
            body["Power"] = "On"
            body["Memory"] = {"@odata.id": base + "Memory/", "TotalSystemMemoryGB": total_gib,
                              "Status": {"HealthRollUp": "OK"}}
            body["Processors"] = {"@odata.id": base + "Processors/", "Count": s.cpu_count,
                                  "ProcessorFamily": s.cpu_model, "Status": {"HealthRollUp": "OK"}}
            body["AvailableActions"] = [{"Action": "Reset", "Capabilities": [
                {"AllowableValues": self.reset_types(), "PropertyName": "ResetType"}]}]
            body["links"] = {"Chassis": [{"href": chassis_uri}], "ManagedBy": [{"href": manager_uri}],
                             "Logs": {"href": base + "LogServices/"}}
            body["SecureBoot"] = ref(base + "SecureBoot/")
        self.res(base, "Computer System", "ComputerSystem", **body)
        self.system_uris.append(base)
        self.processors(base)
        self.memory(base)
        self.ethernet(base)
        self.bios(bios_base, serial)
        self.log_service(base + "LogServices/", "IML", "Integrated Management Log", s.iml_entries)
        if g >= 5:
            self.log_service(base + "LogServices/", "SL", "Security Log", 3, self._SL)
        self.secure_boot(base)
        if g >= 5:
            self.boot_option_resources(base, boot_opts)
            self.dmtf_storage(base)
        if g <= 5 and s.smart_storage:
            self.smart_storage(base)
        if g == 4:
            self.base_network_adapters(base + "NetworkAdapters/")
            self.firmware_inventory_ilo4(base)
        elif g == 5:
            self.base_network_adapters(base + "BaseNetworkAdapters/")
        return base

    def processors(self, base):
        s = self.s
        members = []
        for i in range(1, s.cpu_count + 1):
            uri = base + "Processors/%d/" % i
            members.append(uri)
            body = {"InstructionSet": "x86-64", "Manufacturer": "Intel(R) Corporation", "MaxSpeedMHz": 4000,
                    "Model": s.cpu_model, "ProcessorArchitecture": "x86", "ProcessorType": "CPU",
                    "ProcessorId": {"VendorId": "Intel(R) Corporation", "EffectiveFamily": "179", "EffectiveModel": "106",
                                    "IdentificationRegisters": "0x06a60000bfebfbff", "Step": "6"},
                    "Socket": "Proc %d" % i, "Status": health(self.gen, rollup=False),
                    "TotalCores": s.cpu_cores, "TotalThreads": s.cpu_cores * 2,
                    "Oem": self.oem_body("Processor", RatedSpeedMHz=s.cpu_speed_mhz, CoresEnabled=s.cpu_cores,
                                         Characteristics=["64Bit", "MultiCore", "HwThread", "ExecuteProtection"])}
            if self.gen == 4:
                body["MaxSpeedMHz"] = 3300
            self.res(uri, "Processors", "Processor", **body)
        self.coll(base + "Processors/", "ProcessorCollection", "Processors Collection", members)

    def memory(self, base):
        s = self.s
        members = []
        for cpu in range(1, s.cpu_count + 1):
            populated = self.dimm_population(s.dimm_slots_per_cpu, s.dimms_per_cpu)
            for slot in range(1, s.dimm_slots_per_cpu + 1):
                uri = base + "Memory/proc%ddimm%d/" % (cpu, slot)
                members.append(uri)
                present = slot in populated
                body = {
                    "DeviceLocator": "PROC %d DIMM %d" % (cpu, slot),
                    "MemoryLocation": {"Channel": (slot + 1) // 2, "MemoryController": 1 + (slot - 1) // 8, "Slot": slot,
                                       "Socket": cpu},
                    "Status": {"Health": "OK", "State": "Enabled" if present else "Absent"},
                    "CapacityMiB": s.dimm_mib if present else 0,
                    "Oem": self.oem_body("Memory", DIMMStatus="GoodInUse" if present else "NotPresent",
                                         MinimumVoltageVoltsX10=11 if s.dimm_type == "DDR5" else 12),
                }
                if present:
                    body.update({"Manufacturer": "HPE" if self.gen >= 5 else "HP", "MemoryDeviceType": s.dimm_type,
                                 "MemoryType": "DRAM", "OperatingSpeedMhz": s.dimm_speed, "PartNumber": s.dimm_part,
                                 "RankCount": 2, "ErrorCorrection": "MultiBitECC", "DataWidthBits": 64, "BusWidthBits": 72,
                                 "BaseModuleType": "RDIMM"})
                self.res(uri, "proc%ddimm%d" % (cpu, slot), "Memory", **body)
        self.coll(base + "Memory/", "MemoryCollection", "Memory DIMM Collection", members)

    @staticmethod
    def dimm_population(slots, count):
        """Which slot numbers hold a DIMM (HPE population order: every other slot first)."""
        order = list(range(slots, 0, -2)) + list(range(slots - 1, 0, -2))
        return set(order[:count])

    def ethernet(self, base):
        members = []
        port = 0
        for nic, ports in self.s.nics:
            for p in range(1, ports + 1):
                port += 1
                uri = base + "EthernetInterfaces/%d/" % port
                members.append(uri)
                mac = self.ids.mac()
                body = {"Description": "%s port %d" % (nic, p), "FullDuplex": True, "InterfaceEnabled": True,
                        "LinkStatus": "LinkUp" if p == 1 else "LinkDown", "MACAddress": mac, "PermanentMACAddress": mac,
                        "SpeedMbps": 10000 if "10" in nic or "25" in nic else 1000, "Status": health(self.gen, rollup=False),
                        "IPv4Addresses": [], "IPv6Addresses": [], "NameServers": []}
                if self.gen == 4:
                    body["MacAddress"] = mac
                self.res(uri, "%s port %d" % (nic, p), "EthernetInterface", **body)
        self.coll(base + "EthernetInterfaces/", "EthernetInterfaceCollection", "System Ethernet Interfaces", members)

    def base_network_adapters(self, coll_uri):
        members = []
        for i, (nic, ports) in enumerate(self.s.nics, start=1):
            uri = coll_uri + "%d/" % i
            members.append(uri)
            body = {"Firmware": {"Current": {"VersionString": "20.24.41"}}, "PartNumber": "P%05d-001" % (10000 + i),
                    "SerialNumber": self.ids.serial("IL", 14), "StructuredName": "NIC.Slot.%d.1" % i,
                    "Location": "Embedded" if i == 1 else "Slot %d" % i,
                    "PhysicalPorts": [{"MacAddress": self.ids.mac(), "Status": {"Health": "OK"}, "Speed": 0}
                                      for _i in range(ports)],
                    "Status": {"Health": "OK", "State": "Enabled"}}
            self.res(uri, nic, ("#HpBaseNetworkAdapter.1.1.0.HpBaseNetworkAdapter" if self.gen == 4
                                else "#HpeBaseNetworkAdapter.v2_0_0.HpeBaseNetworkAdapter"), **body)
        self.coll(coll_uri, ("#HpBaseNetworkAdapterCollection.HpBaseNetworkAdapterCollection" if self.gen == 4
                             else "#HpeBaseNetworkAdapterCollection.HpeBaseNetworkAdapterCollection"),
                  "BaseNetworkAdapters", members)

    @staticmethod
    def boot_options():
        names = ["HPE Eth 10/25Gb 2p 631SFP28 Adptr - NIC (HTTP(S) IPv4)",
                 "HPE Eth 10/25Gb 2p 631SFP28 Adptr - NIC (PXE IPv4)",
                 "Internal SD Card 1 : Generic USB3.0-CRW",
                 "Embedded RAID 1 : HPE MR416i-a Gen10+ - 447 GiB, RAID1 Logical Drive 1(Target:0, Lun:0)",
                 "Generic USB Boot",
                 "iLO Virtual USB 3 : iLO Virtual CD-ROM"]
        return [("Boot%04X" % (0x0A + i), n) for i, n in enumerate(names)]

    @staticmethod
    def device_path(index):
        return "PciRoot(0x1)/Pci(0x2,0x0)/Pci(0x0,0x0)/MAC(%012X,0x1)" % (0x88E9A46B0000 + index)

    def boot_option_resources(self, base, opts):
        members = []
        for i, (reference, name) in enumerate(opts, start=1):
            uri = base + "BootOptions/%d/" % i
            members.append(uri)
            self.res(uri, "Boot Option", "BootOption", BootOptionEnabled=True, BootOptionReference=reference,
                     DisplayName=name, UefiDevicePath=self.device_path(i))
        self.coll(base + "BootOptions/", "BootOptionCollection", "Boot Options", members)

    def secure_boot(self, base):
        self.res(base + "SecureBoot/", "UEFI Secure Boot", "SecureBoot", SecureBootCurrentBoot="Disabled",
                 SecureBootEnable=False, SecureBootMode="UserMode",
                 Actions={"#SecureBoot.ResetKeys": {
                     "ResetKeysType@Redfish.AllowableValues": ["ResetAllKeysToDefault", "DeleteAllKeys", "DeletePK"],
                     "target": base + "SecureBoot/Actions/SecureBoot.ResetKeys/"}})

    # --- BIOS ------------------------------------------------------------------------------

    def bios_values(self, serial):
        """Current attribute values: the registry defaults with the values a shipped server has."""
        values = dict(self.registry_defaults)
        values.update({"SerialNumber": serial, "ProductId": self.s.sku})
        if "TpmState" in values:
            values["TpmState"] = "PresentEnabled"
        if "TpmChipId" in values:
            values["TpmChipId"] = {5: "STMicroGen10Plus", 6: "STMicroGen11", 7: "STMicroGen12"}.get(self.gen, "None")
        if "TimeZone" in values:
            values["TimeZone"] = "Unspecified"
        return values

    def bios(self, bios_base, serial):
        g = self.gen
        values = self.bios_values(serial)
        settings_uri = bios_base + "settings/" if g >= 5 else bios_base + "Settings/"
        if g == 4:
            common = {"AttributeRegistry": self.s.bios_registry, "Type": "HpBios.1.2.0"}
            settings = self.res(settings_uri, "BIOS Pending Settings", "#HpBios.1.2.0.HpBios", rid="Settings",
                                Description="This is the Platform/BIOS Configuration (RBSU) Pending Settings",
                                links={"self": {"href": settings_uri}}, **common, **values)
            self.res(bios_base, "BIOS Current Settings", "#HpBios.1.2.0.HpBios", rid="bios",
                     Description="This is the Platform/BIOS Configuration (RBSU) Current Settings",
                     SettingsResult={"ETag": etag_of(settings)[3:-1], "Messages": [{"MessageArgs": [], "MessageID": "Base.1.0:Success"}],
                                     "Time": "2024-05-21T14:02:11+00:00"},
                     links={"self": {"href": bios_base}, "Settings": {"href": settings_uri},
                            "BaseConfigs": {"href": bios_base + "BaseConfigs/"}},
                     **common, **copy.deepcopy(values))
            self.res(bios_base + "BaseConfigs/", "BIOS Default Settings", "#HpBaseConfigs.0.10.0.HpBaseConfigs",
                     rid="BaseConfigs", BaseConfigs=[{"default": dict(self.registry_defaults)}],
                     links={"self": {"href": bios_base + "BaseConfigs/"}})
            self.tree[bios_base]["links"]["Boot"] = {"href": bios_base + "Boot/"}
            self.boot_order_settings(bios_base + "Boot/")
            return
        settings = self.res(settings_uri, "BIOS Pending Settings", "Bios", rid="settings",
                            AttributeRegistry=self.s.bios_registry, Attributes=dict(values))
        reset_target = (settings_uri if g == 5 else bios_base) + "Actions/Bios.ResetBios/"
        pw_target = (settings_uri if g == 5 else bios_base) + "Actions/Bios.ChangePasswords/"
        base_configs = bios_base + "oem/hpe/baseconfigs/"
        self.res(bios_base, "BIOS Current Settings", "Bios", rid="bios",
                 **{"@Redfish.Settings": {"@odata.type": "#Settings.v1_0_0.Settings", "ETag": etag_of(settings)[3:-1],
                                          "Messages": [{"MessageId": "Base.1.0.Success"}],
                                          "SettingsObject": ref(settings_uri), "Time": "2024-05-21T14:02:11+00:00"}},
                 Actions={"#Bios.ChangePassword": {"target": pw_target}, "#Bios.ResetBios": {"target": reset_target}},
                 AttributeRegistry=self.s.bios_registry,
                 Attributes=dict(values),
                 Oem=self.oem_body("BiosExt", Links={"BaseConfigs": ref(base_configs), "Boot": ref(bios_base + "oem/hpe/boot/")},
                                   SettingsObject={"UnmodifiedETag": etag_of(settings)}))
        self.boot_order_settings(bios_base + "oem/hpe/boot/")
        self.res(base_configs, "BIOS Default Settings", "#HpeBaseConfigs.v2_0_0.HpeBaseConfigs", rid="baseconfigs",
                 BaseConfigs=[{"default": dict(self.registry_defaults)}])

    #: StructuredBootString of each boot_options() entry, as iLO names the devices.
    STRUCTURED = ("NIC.Slot.1.1.Httpv4", "NIC.Slot.1.1.IPv4", "HD.SD.1.1", "HD.EmbRAID.1.8", "Generic.USB.1.1", "CD.Virtual.2.1")

    def boot_order_settings(self, uri):
        """HPE's persistent boot order and its pending object, as the real trees (iLO 5+: ``bios/oem/hpe/boot`` with
        ``@Redfish.Settings``; iLO 4: ``bios/Boot`` with ``links.Settings``, proliantutils' GET_BIOS_BOOT)."""
        opts = self.boot_options()
        sources = [{"BootOptionNumber": ref_[4:], "BootString": name, "CorrelatableID": self.device_path(i),
                    "StructuredBootString": self.STRUCTURED[i - 1], "UEFIDevicePath": self.device_path(i)}
                   for i, (ref_, name) in enumerate(opts, start=1)]
        order = [s["StructuredBootString"] for s in sources]
        if self.gen == 4:
            for source in sources:
                del source["BootOptionNumber"]
            settings_uri = uri + "Settings/"
            common = {"Type": "HpServerBootSettings.1.2.0", "BootSources": sources, "DefaultBootOrder": ["Floppy", "Cd", "Usb", "Hdd"]}
            settings = self.res(settings_uri, "Boot Order Pending Settings", "#HpServerBootSettings.1.2.0.HpServerBootSettings",
                                rid="Settings", PersistentBootConfigOrder=list(order), links={"self": {"href": settings_uri}},
                                **copy.deepcopy(common))
            self.res(uri, "Boot Order Current Settings", "#HpServerBootSettings.1.2.0.HpServerBootSettings", rid="Boot",
                     PersistentBootConfigOrder=list(order), links={"self": {"href": uri}, "Settings": {"href": settings_uri}},
                     SettingsResult={"ETag": etag_of(settings)[3:-1], "Messages": [{"MessageArgs": [], "MessageID": "Base.1.0:Success"}],
                                     "Time": "2024-05-21T14:02:11+00:00"}, **common)
            return
        settings_uri = uri + "settings/"
        kind = "#HpeServerBootSettings.v2_0_0.HpeServerBootSettings"
        settings = self.res(settings_uri, "Boot Order Pending Settings", kind, rid="settings", BootSources=copy.deepcopy(sources),
                            DefaultBootOrder=["Cd", "Usb", "EmbeddedStorage", "PcieSlotStorage", "EmbeddedFlexLOM", "PcieSlotNic", "UefiShell"],
                            PersistentBootConfigOrder=list(order))
        self.res(uri, "Boot Order Current Settings", kind, rid="boot", BootSources=sources,
                 DefaultBootOrder=["Cd", "Usb", "EmbeddedStorage", "PcieSlotStorage", "EmbeddedFlexLOM", "PcieSlotNic", "UefiShell"],
                 PersistentBootConfigOrder=list(order),
                 **{"@Redfish.Settings": {"@odata.type": "#Settings.v1_0_0.Settings", "ETag": etag_of(settings)[3:-1],
                                          "Messages": [{"MessageId": "Base.1.0.Success"}], "SettingsObject": ref(settings_uri),
                                          "Time": "2024-05-21T14:02:11+00:00"}},
                 Oem=self.oem_body("BiosExt", SettingsObject={"UnmodifiedETag": etag_of(settings)}))

    # --- storage ---------------------------------------------------------------------------

    def _serial_of(self, what, prefix):
        """One serial per physical part, whichever view (DMTF Storage or SmartStorage) describes it."""
        serials = self.__dict__.setdefault("_part_serials", {})
        if what not in serials:
            serials[what] = self.ids.serial(prefix, 14)
        return serials[what]

    def _drive_body(self, base, n, location):
        s = self.s
        return {"CapacityBytes": s.drive_gb * 1000 ** 3, "Manufacturer": "HPE" if self.gen >= 5 else "HP",
                "MediaType": "SSD" if "SSD" in s.drive_model else "HDD", "Model": s.drive_model,
                "Protocol": "SAS", "Revision": "HPD%d" % (3 + n % 3), "SerialNumber": self._serial_of((base, "drive", n), "S4"),
                "Status": {"Health": "OK", "State": "Enabled"}, "PhysicalLocation": {"PartLocation": {
                    "LocationOrdinalValue": n, "LocationType": "Bay", "ServiceLabel": location}}}

    def dmtf_storage(self, base):
        s = self.s
        sid = "DE00A000"
        st = base + "Storage/%s/" % sid
        drives = []
        # iLO 7 lists drives under a storage-enclosure chassis (Chassis/DE00A000/Drives/N), iLO 5/6 under Storage.
        drive_base = R + "Chassis/%s/Drives/" % sid if self.gen >= 7 else st + "Drives/"
        for n in range(s.drives):
            uri = drive_base + "%d/" % n
            drives.append(uri)
            body = self._drive_body(base, n, "Port=1I:Box=1:Bay=%d" % (n + 1))
            if self.gen >= 7:
                body["Links"] = {"Storage": ref(st), "Chassis": ref(R + "Chassis/%s/" % sid), "Volumes": []}
            self.res(uri, "Drive %d" % n, "Drive", **body)
        if self.gen >= 7:
            self.storage_enclosure(sid, st, drives)
        vol = st + "Volumes/1/"
        if s.drives:
            self.res(vol, "Logical Drive 1", "Volume", CapacityBytes=s.drive_gb * 1000 ** 3, RAIDType="RAID1" if s.drives > 1 else "RAID0",
                     Encrypted=False, VolumeType="Mirrored" if s.drives > 1 else "NonRedundant",
                     Status={"Health": "OK", "State": "Enabled"}, Links={"Drives": [ref(d) for d in drives[:2]]},
                     Identifiers=[{"DurableName": "600508B1001C" + self.ids.hexid(10), "DurableNameFormat": "NAA"}])
        self.coll(st + "Volumes/", "VolumeCollection", "Volumes", [vol] if s.drives else [])
        ctrl = {"FirmwareVersion": "52.22.3-4650", "Manufacturer": "HPE", "Model": s.controller,
                "SerialNumber": self._serial_of((base, "controller"), "PXTKL"), "Status": {"Health": "OK", "State": "Enabled"},
                "SupportedControllerProtocols": ["PCIe"], "SupportedDeviceProtocols": ["SAS", "SATA", "NVMe"],
                "SupportedRAIDTypes": ["RAID0", "RAID1", "RAID5", "RAID6", "RAID10"]}
        body = {"Drives": [ref(d) for d in drives], "Volumes": ref(st + "Volumes/"),
                "Status": {"Health": "OK", "HealthRollup": "OK", "State": "Enabled"}}
        if self.gen >= 6:
            body["Controllers"] = ref(st + "Controllers/")
            self.res(st + "Controllers/0/", s.controller, "StorageController", **ctrl)
            self.coll(st + "Controllers/", "StorageControllerCollection", "Storage Controllers", [st + "Controllers/0/"])
        else:
            ctrl.update({"@odata.id": st + "#/StorageControllers/0", "MemberId": "0"})
            body["StorageControllers"] = [ctrl]
        if self.gen >= 7:
            body["Links"] = {"Enclosures": [ref(R + "Chassis/%s/" % sid)]}
        self.res(st, s.controller, "Storage", **body)
        self.coll(base + "Storage/", "StorageCollection", "Storage", [st])

    def storage_enclosure(self, cid, storage_uri, drives):
        """A drive backplane as its own chassis, contained by the server's (iLO 7)."""
        base = R + "Chassis/%s/" % cid
        self.enclosure_uris.append(base)
        self.coll(base + "Drives/", "DriveCollection", "Drives", drives)
        self.res(base, "2 SFF 24G x4NVMe/SAS UBM10 BC BP", "Chassis", ChassisType="StorageEnclosure",
                 Drives=ref(base + "Drives/"), Manufacturer="HPE", Model="2 SFF 24G x4NVMe/SAS UBM10 BC BP",
                 PartNumber="P69610-001", SerialNumber=self.ids.serial("PYHGV", 14),
                 Links={"ContainedBy": ref(R + "Chassis/1/"), "Storage": [ref(storage_uri)]},
                 Location={"PartLocation": {"ServiceLabel": "Slot=14:Port=2:Box=1", "LocationType": "Backplane",
                                            "LocationOrdinalValue": 1}},
                 Status={"Health": "OK", "State": "Enabled"})

    def smart_storage(self, base):
        s = self.s
        g = self.gen
        prefix = "Hp" if g == 4 else "Hpe"
        ss = base + "SmartStorage/"
        ac = ss + "ArrayControllers/0/"

        def t(name):
            return "#%s%s.v2_0_0.%s%s" % (prefix, name, prefix, name) if g >= 5 else "#%s%s.1.0.0.%s%s" % (prefix, name, prefix, name)

        disks = []
        for n in range(s.drives):
            uri = ac + "DiskDrives/%d/" % n
            disks.append(uri)
            d = self._drive_body(base, n, "1I:1:%d" % (n + 1))
            self.res(uri, "HpeSmartStorageDiskDrive", t("SmartStorageDiskDrive"),
                     CapacityGB=s.drive_gb, CapacityMiB=s.drive_gb * 1000 ** 3 // 1048576, Location="1I:1:%d" % (n + 1),
                     LocationFormat="ControllerPort:Box:Bay", MediaType=d["MediaType"], Model=d["Model"],
                     SerialNumber=d["SerialNumber"], FirmwareVersion={"Current": {"VersionString": d["Revision"]}},
                     InterfaceType="SAS", Status=d["Status"])
        self.coll(ac + "DiskDrives/", "#%sSmartStorageDiskDriveCollection.%sSmartStorageDiskDriveCollection" % (prefix, prefix),
                  "Data Drives", disks)
        lds = []
        if s.drives:
            ld = ac + "LogicalDrives/1/"
            lds.append(ld)
            self.res(ld, "HpeSmartStorageLogicalDrive", t("SmartStorageLogicalDrive"), CapacityMiB=s.drive_gb * 953,
                     LogicalDriveNumber=1, LogicalDriveType="Data", Raid="1" if s.drives > 1 else "0",
                     StripeSizeBytes=262144, VolumeUniqueIdentifier="600508B1001C" + self.ids.hexid(10),
                     Status={"Health": "OK", "State": "Enabled"},
                     Links={"DataDrives": ref(ac + "DiskDrives/")} if g >= 5 else {},
                     **({"links": {"DataDrives": {"href": ac + "DiskDrives/"}}} if g == 4 else {}))
        self.coll(ac + "LogicalDrives/", "#%sSmartStorageLogicalDriveCollection.%sSmartStorageLogicalDriveCollection" % (prefix, prefix),
                  "Logical Drives", lds)
        ctrl_links = {"PhysicalDrives": ref(ac + "DiskDrives/"), "LogicalDrives": ref(ac + "LogicalDrives/")}
        extra = {"links": {"PhysicalDrives": {"href": ac + "DiskDrives/"}, "LogicalDrives": {"href": ac + "LogicalDrives/"}}} \
            if g == 4 else {"Links": ctrl_links}
        self.res(ac, "HpeSmartStorageArrayController", t("SmartStorageArrayController"), Model=s.controller,
                 SerialNumber=self._serial_of((base, "controller"), "PXTKL"), FirmwareVersion={"Current": {"VersionString": "3.53"}},
                 Location="Slot 0", LocationFormat="PCISlot", ControllerBoard={"Status": {"Health": "OK"}},
                 Status=health(g), **extra)
        self.coll(ss + "ArrayControllers/", "#%sSmartStorageArrayControllerCollection.%sSmartStorageArrayControllerCollection"
                  % (prefix, prefix), "Smart Storage Array Controllers", [ac])
        links = {"ArrayControllers": ref(ss + "ArrayControllers/")}
        extra = {"links": {"ArrayControllers": {"href": ss + "ArrayControllers/"}}} if g == 4 else {"Links": links}
        self.res(ss, "HpeSmartStorage", t("SmartStorage"), Description="HPE Smart Storage", Status=health(g), **extra)

    # --- logs ------------------------------------------------------------------------------

    _IML = [
        ("Hardware", 17, "Network Adapter Link Down (Slot 1, Port 2)", "Informational"),
        ("Hardware", 5, "System Power Supply: General Failure (Power Supply 2)", "Repaired"),
        ("Maintenance", 34, "Firmware flashed (System ROM %s)", "Informational"),
        ("Hardware", 19, "Server power restored.", "Informational"),
        ("Administration", 34, "Maintenance note: scheduled BIOS update", "Informational"),
        ("Hardware", 2, "POST Error: 1791-Slot X Drive Array Controller Cache Battery Low", "Repaired"),
        ("Security", 33, "Secure Boot configuration updated", "Informational"),
        ("Hardware", 17, "Network Adapter Link Up (Slot 1, Port 2)", "Informational"),
        ("Hardware", 6, "System Fans Not Redundant", "Repaired"),
        ("Maintenance", 34, "Firmware flashed (iLO %s)", "Informational"),
        ("Hardware", 3, "Uncorrectable Machine Check Exception (Board 1, Processor 1)", "Repaired"),
        ("Administration", 34, "IML Cleared (iLO user: Administrator)", "Informational"),
    ]

    _SL = [
        ("Security", 56, "iLO detected 3 unauthorized login attempts.", "Informational"),
        ("Security", 55, "The overall security state of the system is at \"Risk\".", "Caution"),
        ("Security", 33, "Secure Boot configuration updated", "Informational"),
    ]

    def log_service(self, coll_uri, lid, name, count, messages=None):
        """A log service with ``count`` entries, oldest first (ids ascend with time, as iLO serves them), one
        every 7 hours up to the root's ``Oem.Time``; iLO 5+ advertise ``LogService.ClearLog``, iLO 4 lists
        ``AvailableActions: [{"Action": "ClearLog"}]`` (a POST to the service itself, ilosim/logs.py)."""
        uri = coll_uri + "%s/" % lid
        entries = []
        for i in range(1, count + 1):
            messages = messages or self._IML
            cat, cls, msg, sev = messages[(i - 1) % len(messages)]
            if "%s" in msg:
                msg = msg % (self.s.bios_version if "ROM" in msg else self.s.ilo_version)
            euri = uri + "Entries/%d/" % i
            entries.append(euri)
            hours = (count - i) * 7 + 1
            created = (datetime.datetime(2024, 6, 3, 9, 0) - datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:00Z")
            if sev == "Repaired" and i == count - 1:
                sev = "Critical"  # one failure not repaired yet, among the latest
            self.res(euri, name, "LogEntry", Created=created, EntryType="Oem", Message=msg, MessageArgs=[],
                     MessageId="%d.%d" % (cls, i), OemRecordFormat="%s-%s" % (self.oem, lid),
                     Severity={"Critical": "Critical", "Caution": "Warning"}.get(sev, "OK"),
                     Oem=self.oem_body("LogEntry", Categories=[cat], Class=cls, Code=i, Count=1, EventNumber=7000 + i,
                                       Repaired=sev == "Repaired", Severity=sev, Updated=created))
        self.coll(uri + "Entries/", "LogEntryCollection", "%s Entries" % name, entries)
        clear = {"AvailableActions": [{"Action": "ClearLog"}]} if self.gen == 4 else {
            "Actions": {"#LogService.ClearLog": {"target": uri + "Actions/LogService.ClearLog/"}}}
        self.res(uri, name, "LogService", rid=lid, Entries=ref(uri + "Entries/"), OverWritePolicy="WrapsWhenFull",
                 ServiceEnabled=True, Status={"Health": "OK", "State": "Enabled"}, DateTime="2024-06-03T09:12:44Z", **clear)
        services = [m["@odata.id"] for m in (self.tree.get(coll_uri) or {}).get("Members", [])]
        self.coll(coll_uri, "LogServiceCollection", "Log Service Collection", services + [uri])

    # --- chassis ---------------------------------------------------------------------------

    def chassis(self, cid, system_uris, manager_uri, model=None, serial=None):
        g, s = self.gen, self.s
        base = R + "Chassis/%s/" % cid
        self.chassis_uris.append(base)
        body = {
            "AssetTag": "",
            "ChassisType": s.chassis_type,
            "Links": {"ComputerSystems": [ref(u) for u in system_uris], "ManagedBy": [ref(manager_uri)]},
            "Manufacturer": s.manufacturer if g >= 5 else "HP",
            "Model": model or s.model,
            "Oem": self.oem_body("ServerChassis", Firmware={"PlatformDefinitionTable": {"Current": {"VersionString": "8.9.0 Build 31"}},
                                                            "SPSFirmwareVersionData": {"Current": {"VersionString": "4.1.4.804"}}}),
            "Power": ref(base + "Power/"),
            "PowerState": "On",
            "SKU": s.sku,
            "SerialNumber": serial or self.serial,
            "Status": health(g, rollup=False),
            "Thermal": ref(base + "Thermal/"),
        }
        if g <= 5:
            body["IndicatorLED"] = "Off"
        if g >= 5:
            body["LocationIndicatorActive"] = False
            body["NetworkAdapters"] = ref(base + "NetworkAdapters/")
            body["PhysicalSecurity"] = {"IntrusionSensor": "Normal"}
            self.chassis_network_adapters(base)
        if g == 6:
            body["PowerSubsystem"] = ref(base + "PowerSubsystem/")
        if g >= 6:
            # iLO 7 (1.14) links ThermalSubsystem but no PowerSubsystem from the server chassis.
            body["ThermalSubsystem"] = ref(base + "ThermalSubsystem/")
            body["EnvironmentalClass"] = "A2"
        if g == 4:
            body["links"] = {"ComputerSystems": [{"href": u} for u in system_uris], "ManagedBy": [{"href": manager_uri}]}
        self.res(base, "Computer System Chassis", "Chassis", **body)
        self.power(base)
        self.thermal(base)
        return base

    def chassis_network_adapters(self, base):
        members = []
        for i, (nic, ports) in enumerate(self.s.nics, start=1):
            uri = base + "NetworkAdapters/DE%02X%d000/" % (7 + i, i)
            members.append(uri)
            self.res(uri, nic, "NetworkAdapter", Manufacturer="Broadcom" if i % 2 else "Intel", Model=nic,
                     PartNumber="P%05d-001" % (26000 + i), SerialNumber=self.ids.serial("PNLOB", 14),
                     Controllers=[{"ControllerCapabilities": {"NetworkPortCount": ports},
                                   "FirmwarePackageVersion": "222.1.68000"}],
                     Status={"Health": "OK", "State": "Enabled"})
        self.coll(base + "NetworkAdapters/", "NetworkAdapterCollection", "Network Adapter Collection", members)

    def power(self, base):
        s = self.s
        # What the hardware would draw at idle: per socket and core, DIMM and drive (so the profiles differ)
        consumed = 90 + s.cpu_count * (40 + 3 * s.cpu_cores + 4 * s.dimms_per_cpu) + 8 * s.drives
        psus = []
        for i in range(s.psus):
            psus.append({"@odata.id": base + "Power/#PowerSupplies/%d" % i, "MemberId": str(i),
                         "FirmwareVersion": "1.00", "LastPowerOutputWatts": consumed // max(s.psus, 1),
                         "LineInputVoltage": 230, "LineInputVoltageType": "ACHighLine", "Manufacturer": "LTEON",
                         "Model": "865414-B21" if s.psu_watts == 800 else "P38997-B21", "Name": "HpeServerPowerSupply",
                         "PowerCapacityWatts": s.psu_watts, "PowerSupplyType": "AC",
                         "SerialNumber": self.ids.serial("5WBXK0", 14), "SparePartNumber": "866729-001",
                         "Status": {"Health": "OK", "State": "Enabled"}})
        self.res(base + "Power/", "PowerMetrics", "Power", rid="PowerMetrics",
                 PowerControl=[{"@odata.id": base + "Power/#PowerControl/0", "MemberId": "0",
                                "PowerCapacityWatts": s.psus * s.psu_watts, "PowerConsumedWatts": consumed,
                                "PowerMetrics": {"AverageConsumedWatts": consumed - 4, "IntervalInMin": 20,
                                                 "MaxConsumedWatts": consumed + 61, "MinConsumedWatts": consumed - 30}}],
                 PowerSupplies=psus,
                 Redundancy=[{"@odata.id": base + "Power/#Redundancy/0", "MemberId": "0", "Mode": "Failover",
                              "MaxNumSupported": 2, "MinNumNeeded": 1, "Name": "PowerSupply Redundancy Group 1",
                              "Status": {"Health": "OK", "State": "Enabled"},
                              "RedundancySet": [ref(p["@odata.id"]) for p in psus]}] if s.psus > 1 else [])

    def thermal(self, base):
        s = self.s
        fans = [{"@odata.id": base + "Thermal/#Fans/%d" % i, "MemberId": str(i), "Name": "Fan %d" % (i + 1),
                 "Reading": 18 + (i * 7) % 20, "ReadingUnits": "Percent", "Status": {"Health": "OK", "State": "Enabled"}}
                for i in range(s.fans)]
        sensors = [("01-Inlet Ambient", "Intake", 22, 42, 46), ("02-CPU 1", "CPU", 40, 70, 100), ("03-CPU 2", "CPU", 38, 70, 100),
                   ("04-P1 DIMM 1-8", "Memory", 31, 90, 95), ("05-P2 DIMM 1-8", "Memory", 30, 90, 95),
                   ("06-HD Max", "System", 35, 60, 65), ("07-Chipset", "System", 44, 105, 110), ("08-BMC", "System", 57, 110, 115)]
        temps = [{"@odata.id": base + "Thermal/#Temperatures/%d" % i, "MemberId": str(i), "Name": n, "PhysicalContext": ctx,
                  "ReadingCelsius": r, "SensorNumber": i + 1, "UpperThresholdCritical": c, "UpperThresholdFatal": f,
                  "Status": {"Health": "OK", "State": "Enabled"}} for i, (n, ctx, r, c, f) in enumerate(sensors)]
        self.res(base + "Thermal/", "Thermal", "Thermal", Fans=fans, Temperatures=temps)
        if self.gen == 6:
            self.power_subsystem(base)
        if self.gen >= 6:
            self.thermal_subsystem(base, temps)

    def power_subsystem(self, base):
        s = self.s
        ps = base + "PowerSubsystem/"
        members = []
        for i in range(1, s.psus + 1):
            uri = ps + "PowerSupplies/%d/" % i
            members.append(uri)
            self.res(uri, "Power Supply %d" % i, "PowerSupply", Manufacturer="Delta", Model="P38997-B21",
                     PowerCapacityWatts=s.psu_watts, PowerSupplyType="AC", FirmwareVersion="1.00",
                     SerialNumber=self.ids.serial("5XZWR0", 14), Status={"Health": "OK", "State": "Enabled"},
                     Location={"PartLocation": {"LocationType": "Bay", "ServiceLabel": "Power Supply %d" % i}})
        self.coll(ps + "PowerSupplies/", "PowerSupplyCollection", "Power Supplies", members)
        self.res(ps, "Power Subsystem", "PowerSubsystem", rid="PowerSubsystem", CapacityWatts=s.psus * s.psu_watts,
                 PowerSupplies=ref(ps + "PowerSupplies/"), Status={"Health": "OK", "State": "Enabled"})

    def thermal_subsystem(self, base, temps):
        s = self.s
        ts = base + "ThermalSubsystem/"
        fans = []
        for i in range(1, s.fans + 1):
            uri = ts + "Fans/%d/" % i
            fans.append(uri)
            self.res(uri, "Fan %d" % i, "Fan", Location={"PartLocation": {"LocationType": "Bay", "ServiceLabel": "Fan %d" % i}},
                     SpeedPercent={"SpeedRPM": 5200 + 100 * i, "Reading": 20 + i}, Status={"Health": "OK", "State": "Enabled"})
        self.coll(ts + "Fans/", "FanCollection", "Fans", fans)
        self.res(ts, "Thermal Subsystem", "ThermalSubsystem", rid="ThermalSubsystem", Fans=ref(ts + "Fans/"),
                 Status={"Health": "OK", "State": "Enabled"},
                 ThermalMetrics={"TemperatureReadingsCelsius": [{"DataSourceUri": t["@odata.id"], "DeviceName": t["Name"],
                                                                 "Reading": t["ReadingCelsius"]} for t in temps[:3]]})

    # --- manager ---------------------------------------------------------------------------

    def manager(self, mid, system_uris, chassis_uri):
        g, s = self.gen, self.s
        base = R + "Managers/%s/" % mid
        slash = "/" if g in (4, 5) else ""
        fw = self.ilo_firmware()
        oem_links = {"LicenseService": ref(base + "LicenseService/"), "DateTimeService": ref(base + "DateTime/")}
        current = {"Date": s.ilo_date, "DebugBuild": False, "MajorVersion": int(s.ilo_version.split(".")[0]),
                   "MinorVersion": int(s.ilo_version.split(".")[1]), "VersionString": fw}
        if g >= 7:
            build = int(s.ilo_version.split(".")[2]) if s.ilo_version.count(".") >= 2 else 0
            current.update({"BuildNumber": build, "BuildNumberString": str(build), "ReleaseBuild": True})
        oem = {"Firmware": {"Current": current},
               "IdleConnectionTimeoutMinutes": 30, "RIBCLEnabled": True, "WebGuiEnabled": True, "VirtualNICEnabled": g >= 5,
               "License": {"LicenseKey": "XXXXX-XXXXX-XXXXX-XXXXX-%s" % self.ids.serial("", 5),
                           "LicenseString": "iLO Advanced", "LicenseType": "Perpetual"}}
        if g == 4:
            oem["links"] = {"LicenseService": {"href": base + "LicenseService/"},
                            "UpdateService": {"href": base + "UpdateService/"},
                            "DateTimeService": {"href": base + "DateTime/"}}
        else:
            oem["Links"] = oem_links
        if g >= 7:
            oem_links["SecurityService"] = ref(base + "SecurityService/")
            self.security_service(base + "SecurityService/")
        body = {
            "Actions": {"#Manager.Reset": {"target": base + "Actions/Manager.Reset" + slash}},
            "CommandShell": {"ConnectTypesSupported": ["SSH", "Oem"], "MaxConcurrentSessions": 9, "ServiceEnabled": True},
            "EthernetInterfaces": ref(base + "EthernetInterfaces/"),
            "FirmwareVersion": fw,
            "GraphicalConsole": {"ConnectTypesSupported": ["KVMIP"], "MaxConcurrentSessions": 10, "ServiceEnabled": True},
            "Links": {"ManagerForChassis": [ref(chassis_uri)], "ManagerForServers": [ref(u) for u in system_uris],
                      "ManagerInChassis": ref(chassis_uri)},
            "LogServices": ref(base + "LogServices/"),
            "ManagerType": "BMC",
            "Model": "iLO %d" % g,
            "NetworkProtocol": ref(base + ("NetworkService/" if g == 4 else "NetworkProtocol/")),
            "Oem": self.oem_body("iLO", **oem),
            "SerialConsole": {"ConnectTypesSupported": ["SSH", "IPMI", "Oem"], "MaxConcurrentSessions": 13, "ServiceEnabled": True},
            "Status": {"Health": "OK", "State": "Enabled"},
            "UUID": self.ids.uuid("manager/%s" % mid),
            "VirtualMedia": ref(base + "VirtualMedia/"),
        }
        if g >= 5:
            body["Actions"]["#Manager.Reset"]["ResetType@Redfish.AllowableValues"] = ["ForceRestart", "GracefulRestart"]
            body["DateTime"] = "2024-06-03T09:12:44Z"
            body["DateTimeLocalOffset"] = "+00:00"
            body["ServiceEntryPointUUID"] = self.ids.uuid("root")
        if g == 4:
            body["links"] = {"ManagerForServers": [{"href": u} for u in system_uris],
                             "ManagerForChassis": [{"href": chassis_uri}],
                             "NetworkService": {"href": base + "NetworkService/"},
                             "EthernetNICs": {"href": base + "EthernetInterfaces/"}}
        self.res(base, "Manager", "Manager", **body)
        self.manager_ethernet(base)
        self.network_protocol(base)
        self.date_time(base)
        self.license(base)
        self.virtual_media(base)
        self.log_service(base + "LogServices/", "IEL", "iLO Event Log", s.iel_entries)
        if g == 4:
            self.res(base + "UpdateService/", "Update Service", "#HpiLOFirmwareUpdate.1.0.0.HpiLOFirmwareUpdate",
                     rid="UpdateService", State="Idle", ProgressPercent=0,
                     Actions={"#HpiLOFirmwareUpdate.InstallFromURI": {"target": base + "UpdateService/Actions/Oem/Hp/HpiLOFirmwareUpdate.InstallFromURI/"}})
        return base

    def security_service(self, uri):
        """iLO 7's security state: SecureStandard or FIPS (iLO 5/6's Production and HighSecurity are gone)."""
        self.res(uri, "Security Service", "#HpeSecurityService.v2_7_0.HpeSecurityService", rid="SecurityService",
                 SecurityState="SecureStandard", **{"SecurityState@Redfish.AllowableValues": ["SecureStandard", "FIPS"]},
                 TLSVersion={"TLS1_2": "Enabled", "TLS1_3": "Enabled"}, CurrentCipher="ECDHE-RSA-AES256-GCM-SHA384",
                 LoginSecurityBanner={"IsEnabled": False, "SecurityMessage": ""})

    def json_schemas(self):
        """``JsonSchemas`` with files in ``SchemaStore`` (iLO 7 spelling) for a few schemas."""
        coll = R + "JsonSchemas/"
        members = []
        for name, version in (("ComputerSystem", "1.18.0"), ("Bios", "1.2.3"), ("Manager", "1.19.1")):
            uri = coll + "%s/" % name
            store = R + "SchemaStore/en/%s.json/" % name
            members.append(uri)
            full = "#%s.v%s.%s" % (name, version.replace(".", "_"), name)
            self.res(uri, "%s Schema Definition File" % name, "JsonSchemaFile", Description="Schema Definition File for %s" % name,
                     Languages=["en"], Location=[{"Language": "en", "Uri": store}], Schema=full)
            self.tree[store] = {"$id": "http://redfish.dmtf.org/schemas/v1/%s.v%s.json" % (name, version.replace(".", "_")),
                                "$ref": full, "@odata.id": store, "title": full, "definitions": {}}
        self.coll(coll, "JsonSchemaFileCollection", "Schema Repository", members, Description="Schema Repository")

    def manager_ethernet(self, base):
        mac = self.ids.mac("94:40:c9")
        host = "ILO" + self.serial
        ip = self.s.ip_base + str(10 + self.s.seed % 200)
        members = [base + "EthernetInterfaces/1/", base + "EthernetInterfaces/2/"]
        self.res(members[0], "Manager Dedicated Network Interface", "EthernetInterface", FQDN=host.lower() + ".example.net",
                 HostName=host, InterfaceEnabled=True, LinkStatus="LinkUp", MACAddress=mac, PermanentMACAddress=mac,
                 SpeedMbps=1000, FullDuplex=True, Status={"Health": "OK", "State": "Enabled"},
                 IPv4Addresses=[{"Address": ip, "AddressOrigin": "DHCP", "Gateway": self.s.ip_base + "1", "SubnetMask": "255.255.255.0"}],
                 IPv6Addresses=[], NameServers=["10.0.0.53"], **self.interface_settings(host, "Dedicated", True))
        self.res(members[1], "Manager Shared Network Interface", "EthernetInterface", InterfaceEnabled=False,
                 LinkStatus=None, MACAddress=self.ids.mac("94:40:c9"), Status={"State": "Disabled"}, IPv4Addresses=[],
                 IPv6Addresses=[], NameServers=[], **self.interface_settings(host, "Shared", False))
        self.coll(base + "EthernetInterfaces/", "EthernetInterfaceCollection", "Manager Network Interfaces", members)

    def interface_settings(self, host, kind, dhcp):
        """The settings ilo_manager manages on a manager interface (shapes of the iLO 5/6/7 trees; iLO 4: OEM DHCP only).

        DHCP is on and supplies DNS, NTP and the domain, as on a freshly racked iLO.
        """
        uses = {"UseDNSServers": dhcp, "UseDomainName": dhcp, "UseNTPServers": dhcp}
        v4 = dict(uses, UseGateway=dhcp, UseStaticRoutes=dhcp)
        oem = {"ConfigurationSettings": "Current", "DomainName": "example.net" if dhcp else "", "HostName": host,
               "InterfaceType": kind, "NICEnabled": dhcp, "DHCPv4": dict(v4, Enabled=dhcp, UseWINSServers=dhcp),
               "DHCPv6": dict(uses, StatefulModeEnabled=dhcp, StatelessModeEnabled=dhcp),
               "IPv4": {"DDNSRegistration": True, "DNSServers": ["0.0.0.0"] * 3},
               "IPv6": {"DDNSRegistration": True, "DNSServers": ["::"] * 3}}
        body = {"Oem": self.oem_body("iLOEthernetNetworkInterface", **oem)}
        if self.gen >= 5:
            body["DHCPv4"] = dict(v4, DHCPEnabled=dhcp)
            body["DHCPv6"] = dict(uses, OperatingMode="Stateful" if dhcp else "Disabled")
            body["StaticNameServers"] = ["0.0.0.0"] * 3 + ["::"] * 3
        return body

    def date_time(self, base):
        """The OEM date and time service: NTP servers from DHCP, none static, a short TimeZoneList (iLO lists about 40)."""
        zones = [("International Date Line West", "-12:00", "GMT+12:00"), ("Hawaii", "-10:00", "HST+10:00"),
                 ("Pacific Time (US & Canada)", "-08:00", "PST+8PDT"), ("Eastern Time (US & Canada)", "-05:00", "EST+5EDT"),
                 ("Greenwich Mean Time, Casablanca, Monrovia", "+00:00", "GMT-0"),
                 ("Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "+01:00", "CET-1CEST"),
                 ("Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", "+02:00", "EET-2EEST"),
                 ("Osaka, Sapporo, Tokyo", "+09:00", "JST-9"), ("Sydney, Canberra, Melbourne", "+10:00", "AEST-10AEDT")]
        listed = [{"Index": i, "Name": n, "UtcOffset": o, "Value": v} for i, (n, o, v) in enumerate(zones)]
        name = "%siLODateTime" % self.oem
        full = "#%s.v2_0_0.%s" % (name, name) if self.gen >= 5 else "#%s.1.0.0.%s" % (name, name)
        self.res(base + "DateTime/", "iLO Date and Time Settings", full, rid="DateTime", ConfigurationSettings="Current",
                 DateTime="2024-06-03T09:12:44Z", NTPServers=["10.0.0.123", ""], PropagateTimeToHost=False,
                 StaticNTPServers=["", ""], TimeZone=dict(listed[4]), TimeZoneList=listed,
                 Links={"EthernetNICs": ref(base + "EthernetInterfaces/")})

    def network_protocol(self, base):
        host = "ILO" + self.serial
        uri = base + ("NetworkService/" if self.gen == 4 else "NetworkProtocol/")
        syslog = {"ConfigurationSettings": "Current", "RemoteSyslogEnabled": False, "RemoteSyslogPort": 514,
                  "RemoteSyslogServer": "", "SNMPTrapPort": 162}
        self.res(uri, "Manager Network Protocol", "ManagerNetworkProtocol", rid="NetworkProtocol",
                 Oem=self.oem_body("iLOManagerNetworkService", **syslog),
                 FQDN=host.lower() + ".example.net", HostName=host,
                 HTTP={"Port": 80, "ProtocolEnabled": True}, HTTPS={"Port": 443, "ProtocolEnabled": True},
                 IPMI={"Port": 623, "ProtocolEnabled": False}, KVMIP={"Port": 17990, "ProtocolEnabled": True},
                 SNMP={"Port": 161, "ProtocolEnabled": True}, SSDP={"ProtocolEnabled": True, "Port": 1900},
                 SSH={"Port": 22, "ProtocolEnabled": True}, VirtualMedia={"Port": 17988, "ProtocolEnabled": True},
                 Status={"Health": "OK", "State": "Enabled"})

    def license(self, base):
        lic = base + "LicenseService/"
        key = "XXXXX-XXXXX-XXXXX-XXXXX-%s" % self.ids.serial("", 5)
        name = "%siLOLicense" % self.oem
        self.res(lic + "1/", "iLO License", "#%s.v2_3_0.%s" % (name, name) if self.gen >= 5 else "#%s.1.0.0.%s" % (name, name),
                 Description="iLO License View", License="iLO Advanced", LicenseClass="FQL", LicenseKey=key,
                 LicenseType="Perpetual", LicenseTier="ADV", LicenseInstallDate="4 Apr 2024", LicenseSeats=1,
                 LicenseFeatures={"DirectoryAuth": True, "RC": True, "VM": True, "VMScript": True, "PowerReg": True,
                                  "SmartCard": True, "Federation": True, "KD": True, "EmailAlert": True, "RemoteSyslog": True})
        self.coll(lic, "#%sCollection.%sCollection" % (name, name), "License Service", [lic + "1/"])

    def virtual_media(self, base):
        vm = base + "VirtualMedia/"
        members = [vm + "1/", vm + "2/"]
        for uri, types, name in ((members[0], ["Floppy", "USBStick"], "VirtualMedia"), (members[1], ["CD", "DVD"], "VirtualMedia")):
            # iLO 5+ (the real trees): DMTF and Oem.Hpe insert/eject actions; iLO 4 (proliantutils' captures): no
            # actions, a PATCH of Image. BootOnNextServerReset on the CD device only, as in the real trees.
            oem = {"BootOnNextServerReset": False} if "CD" in types else {}
            if self.gen >= 5:
                oem["Actions"] = {
                    "#HpeiLOVirtualMedia.EjectVirtualMedia": {
                        "target": uri + "Actions/Oem/Hpe/HpeiLOVirtualMedia.EjectVirtualMedia/"},
                    "#HpeiLOVirtualMedia.InsertVirtualMedia": {
                        "target": uri + "Actions/Oem/Hpe/HpeiLOVirtualMedia.InsertVirtualMedia/"}}
                extra = {"Actions": {"#VirtualMedia.InsertMedia": {"target": uri + "Actions/VirtualMedia.InsertMedia/"},
                                     "#VirtualMedia.EjectMedia": {"target": uri + "Actions/VirtualMedia.EjectMedia/"}}}
            else:
                extra = {"Type": "VirtualMedia.1.0.0"}
            self.res(uri, name, "VirtualMedia", ConnectedVia="NotConnected", Image="", ImageName="", Inserted=False,
                     MediaTypes=types, WriteProtected="CD" in types or self.gen >= 5,
                     Oem=self.oem_body("iLOVirtualMedia", **oem), **extra)
        self.coll(vm, "VirtualMediaCollection", "Virtual Media Services", members)

    # --- services --------------------------------------------------------------------------

    def session_service(self):
        ss = R + "SessionService/"
        self.coll(ss + "Sessions/", "SessionCollection", "Sessions", [], Description="Manager User Sessions")
        self.res(ss, "Session Service", "SessionService", rid="SessionService", ServiceEnabled=True, SessionTimeout=30,
                 Sessions=ref(ss + "Sessions/"), Status={"Health": "OK", "State": "Enabled"},
                 Description="Session Service")

    def account_service(self):
        acs = R + "AccountService/"
        acct = acs + "Accounts/1/"
        # As the real trees show accounts (ilosim/accounts.py answers the writes): iLO 4 six privileges, no RoleId, no
        # Enabled (public iLO 4 samples); iLO 5+ ten privileges, RoleId, Enabled, no Locked; roles with OemPrivileges.
        privs = {"HostBIOSConfigPriv": True, "HostNICConfigPriv": True, "HostStorageConfigPriv": True, "LoginPriv": True,
                 "RemoteConsolePriv": True, "SystemRecoveryConfigPriv": True, "UserConfigPriv": True, "VirtualMediaPriv": True,
                 "VirtualPowerAndResetPriv": True, "iLOConfigPriv": True}
        if self.gen == 4:
            privs = {k: v for k, v in privs.items() if not k.startswith(("Host", "SystemRecovery"))}
        body = {"Description": "iLO User Account", "Password": None, "UserName": "Administrator",
                "Oem": self.oem_body("iLOAccount", LoginName="Administrator", Privileges=privs, ServiceAccount=False)}
        if self.gen >= 5:
            body["Enabled"] = True
            body["PasswordChangeRequired"] = False
            body["RoleId"] = "Administrator"
            body["Links"] = {"Role": ref(acs + "Roles/Administrator/")}
            roles = []
            host = ["RemoteConsolePriv", "VirtualMediaPriv", "VirtualPowerAndResetPriv", "HostBIOSConfigPriv", "HostNICConfigPriv",
                    "HostStorageConfigPriv"]
            for role, privileges, oem_privileges in (
                    ("Administrator", ["Login", "ConfigureManager", "ConfigureUsers", "ConfigureSelf", "ConfigureComponents"], host),
                    ("Operator", ["Login", "ConfigureSelf", "ConfigureComponents"], host),
                    ("ReadOnly", ["Login", "ConfigureSelf"], None)):
                uri = acs + "Roles/%s/" % role
                roles.append(uri)
                extra = {"OemPrivileges": list(oem_privileges)} if oem_privileges else {}
                self.res(uri, "User Role", "Role", rid=role, AssignedPrivileges=privileges, IsPredefined=True, RoleId=role, **extra)
            self.coll(acs + "Roles/", "RoleCollection", "Roles", roles)
        self.res(acct, "User Account", "ManagerAccount", **body)
        self.coll(acs + "Accounts/", "ManagerAccountCollection", "Accounts", [acct])
        extra = {"Roles": ref(acs + "Roles/")} if self.gen >= 5 else {}
        self.res(acs, "Account Service", "AccountService", rid="AccountService", Accounts=ref(acs + "Accounts/"),
                 ServiceEnabled=True, MinPasswordLength=8, AuthFailureLoggingThreshold=3, LocalAccountAuth="Enabled",
                 Oem=self.oem_body("AccountServiceExt", AuthFailureDelayTimeSeconds=10, AuthFailuresBeforeDelay=1,
                                   MinPasswordLength=8, EnforcePasswordComplexity=False), **extra)

    def firmware_items(self):
        s = self.s
        items = [("iLO %d" % self.gen, self.ilo_firmware(), "System Board"),
                 ("System ROM", s.bios_version, "System Board"),
                 ("Redundant System ROM", "%s v1.50 (05/21/2018)" % s.bios_family, "System Board"),
                 ("Intelligent Platform Abstraction Data", "13.2.0 Build 31", "System Board"),
                 ("System Programmable Logic Device", "0x31", "System Board"),
                 ("Power Management Controller Firmware", "1.0.8", "System Board"),
                 ("Intelligent Provisioning", self.ip_version(), "System Board"),
                 (s.controller, "52.22.3-4650", "Slot 0")]
        items += [(nic, "20.24.41", "Slot %d" % i) for i, (nic, _p) in enumerate(s.nics, start=1)]
        items += [("Power Supply Firmware", "1.00", "Bay %d" % i) for i in range(1, s.psus + 1)]
        return items

    def update_service(self):
        us = R + "UpdateService/"
        members = []
        for i, (name, version, location) in enumerate(self.firmware_items(), start=1):
            uri = us + "FirmwareInventory/%d/" % i
            members.append(uri)
            # The iLO itself is "SystemBMC" as on the real trees (firmware.py finds it by that).
            self.res(uri, name, "SoftwareInventory", Description="SystemBMC" if i == 1 else name, Version=version, Updateable=True,
                     Status={"Health": "OK", "State": "Enabled"},
                     Oem=self.oem_body("iLOSoftwareInventory", DeviceContext=location, Targets=[self.ids.uuid("fw/%d" % i)]))
        self.coll(us + "FirmwareInventory/", "SoftwareInventoryCollection", "Firmware Inventory Collection", members)
        self.coll(us + "SoftwareInventory/", "SoftwareInventoryCollection", "Software Inventory Collection", [])
        # The OEM part of the real iLO 5/6/7 UpdateService: update state, downgrade policy, repository, task queue, AddFromUri.
        self.coll(us + "ComponentRepository/", "HpeComponentCollection", "Component Collection", [])
        self.coll(us + "UpdateTaskQueue/", "HpeComponentUpdateTaskQueueCollection", "Component Update Task Queue", [])
        oem_actions = {"#HpeiLOUpdateServiceExt.AddFromUri": {"target": us + "Actions/Oem/Hpe/HpeiLOUpdateServiceExt.AddFromUri/"}}
        self.res(us, "Update Service", "UpdateService", rid="UpdateService", ServiceEnabled=True, HttpPushUri="/cgi-bin/uploadFile",
                 FirmwareInventory=ref(us + "FirmwareInventory/"), SoftwareInventory=ref(us + "SoftwareInventory/"),
                 Actions={"#UpdateService.SimpleUpdate": {"target": us + "Actions/UpdateService.SimpleUpdate/",
                                                          "TransferProtocol@Redfish.AllowableValues": ["HTTP", "HTTPS"]}},
                 Oem=self.oem_body("iLOUpdateServiceExt", State="Idle", DowngradePolicy="AllowDowngrade", Actions=oem_actions,
                                   ComponentRepository=ref(us + "ComponentRepository/"),
                                   UpdateTaskQueue=ref(us + "UpdateTaskQueue/"),
                                   Capabilities={"UpdateFWPKG": True}),
                 Status={"Health": "OK", "State": "Enabled"})

    def firmware_inventory_ilo4(self, base):
        current = {}
        for i, (name, version, location) in enumerate(self.firmware_items(), start=1):
            key = "".join(w for w in name.title().split() if w.isalnum())[:24] or "Item%d" % i
            current.setdefault(key, []).append({"Name": name, "VersionString": version, "Location": location,
                                                "Key": self.ids.uuid("fw/%d" % i)[:8]})
        self.res(base + "FirmwareInventory/", "System Firmware Inventory", "#HpFwSwVersionInventory.1.2.0.HpFwSwVersionInventory",
                 rid="FirmwareInventory", Current=current, links={"self": {"href": base + "FirmwareInventory/"}})

    def task_service(self):
        ts = R + "TaskService/"
        self.coll(ts + "Tasks/", "TaskCollection", "Task Collection", [])
        self.res(ts, "Task Service", "TaskService", rid="TaskService", ServiceEnabled=True, CompletedTaskOverWritePolicy="Manual",
                 LifeCycleEventOnTaskStateChange=True, Tasks=ref(ts + "Tasks/"), Status={"Health": "OK", "State": "Enabled"})

    # --- registries ------------------------------------------------------------------------

    def registries(self):
        g = self.gen
        reg = R + "Registries/"
        store = R + "RegistryStore/registries/en/"
        bios_name = self.s.bios_registry
        members = []
        versions = {4: ("1.0.10", "2.1.0"), 5: ("1.18.0", "2.25.1"), 6: ("1.18.0", "2.30.1"), 7: ("1.18.0", "2.31.1")}[g]
        for prefix, version in zip(("Base", "iLO"), versions):
            file_uri = reg + "%s/" % prefix
            body_uri = store + "%s.json/" % prefix
            members.append(file_uri)
            self.res(file_uri, "%s Message Registry File" % prefix, "MessageRegistryFile", Description="Registry Definition File for %s" % prefix,
                     Languages=["en"], Location=[{"Language": "en", "Uri": body_uri}], Registry="%s.%s" % (prefix, version))
            body = registries.message_registry(prefix, version, g)
            body["@odata.id"] = body_uri
            self.tree[body_uri] = body
        file_uri = reg + "%s/" % bios_name
        body_uri = (R + "registrystore/registries/en/%s/" % bios_name.lower()) if g >= 5 else store + "%s/" % bios_name
        members.append(file_uri)
        self.res(file_uri, "%s Message Registry File" % bios_name, "MessageRegistryFile", rid=bios_name,
                 Description="Registry Definition File for %s" % bios_name, Languages=["en"],
                 Location=[{"Language": "en", "Uri": body_uri}], Registry=bios_name)
        entries = registries.bios_registry_entries(g)
        product = self.s.system_model or self.s.model
        supported = [{"ProductName": product, "SystemId": self.s.bios_family, "FirmwareVersion": self.s.bios_version}]
        if g >= 5:
            version = bios_name.split(".v", 1)[1].replace("_", ".")
            body = {"@odata.id": body_uri, "@odata.type": "#AttributeRegistry.v1_2_1.AttributeRegistry", "Id": bios_name,
                    "Name": "%s BIOS Attribute Registry" % self.s.bios_family, "Language": "en", "OwningEntity": "HPE",
                    "RegistryVersion": version, "Description": "This registry defines a representation of BIOS Attribute instances",
                    "SupportedSystems": supported, "RegistryEntries": entries}
        else:
            version = bios_name.split(".", 1)[1]
            body = {"@odata.id": body_uri, "@odata.type": "#HpBiosAttributeRegistrySchema.1.1.0.HpBiosAttributeRegistrySchema",
                    "Type": "HpBiosAttributeRegistrySchema.1.1.0", "Id": bios_name, "Name": "%s BIOS Attribute Registry" % self.s.bios_family,
                    "Language": "en", "OwningEntity": "HP", "RegistryVersion": version,
                    "Description": "This registry defines a representation of BIOS Attribute instances",
                    "SupportedSystems": supported, "RegistryEntries": entries}
        self.tree[body_uri] = body
        self.coll(reg, "MessageRegistryFileCollection", "Registry File Repository", members, Description="Registry Repository")

    def event_service(self):
        """The EventService as the real trees show it: iLO 4 and 5 filter by ``EventTypesForSubscription``, iLO 6 and 7
        by ``RegistryPrefixes``; ``SubmitTestEvent``; no subscriptions (iLO 4: ``EventSubscriptions``, HPE's iLO 4 docs)."""
        uri = R + "EventService/"
        subs = uri + ("EventSubscriptions/" if self.gen == 4 else "Subscriptions/")
        types = ["StatusChange", "ResourceUpdated", "ResourceAdded", "ResourceRemoved", "Alert"]
        body = {"Actions": {"#EventService.SubmitTestEvent": {"target": uri + "Actions/EventService.SubmitTestEvent/"}},
                "DeliveryRetryAttempts": 3, "DeliveryRetryIntervalSeconds": 30, "Description": "Event Subscription service",
                "ServiceEnabled": True, "Status": {"Health": "OK", "HealthRollup": "OK", "State": "Enabled"},
                "Subscriptions": ref(subs)}
        if self.gen <= 5:
            body["EventTypesForSubscription"] = types + (["MetricReport"] if self.gen == 5 else [])
            body["Actions"]["#EventService.SubmitTestEvent"]["EventType@Redfish.AllowableValues"] = types
        else:
            body["RegistryPrefixes"] = ["iLOEvents", "ResourceEvent", "NetworkDevice", "StorageDevice", "iLOResourceEvents",
                                        "iLOSecurityEvents"]
        self.res(uri, "Event Service", "EventService", rid="EventService", **body)
        self.coll(subs, "EventDestinationCollection", "Event Subscriptions", [], Description="iLO User Event Subscriptions")

    def resource_directory(self):
        uri = R + "ResourceDirectory/"
        instances = []
        for key, body in self.tree.items():
            if "@odata.type" in body:
                instances.append({"@odata.id": key, "@odata.type": body["@odata.type"]})
        instances.append({"@odata.id": uri, "@odata.type": "#HpeiLOResourceDirectory.v2_0_0.HpeiLOResourceDirectory"})
        name = "%siLOResourceDirectory" % self.oem
        self.res(uri, "iLO Resource Directory", "#%s.v2_0_0.%s" % (name, name) if self.gen >= 5 else "#%s.1.0.0.%s" % (name, name),
                 rid="ResourceDirectory", Instances=instances)

    # --- iLO 4 compat ------------------------------------------------------------------------

    def add_compat(self):
        """iLO 4 (2.30+ without an OData-Version header) adds the pre-Redfish forms to every body."""
        for uri, body in self.tree.items():
            otype_ = body.get("@odata.type", "")
            if "Type" not in body and otype_:
                parts = otype_.lstrip("#").split(".")
                if "Collection" in parts[0]:
                    body["Type"] = "Collection.1.0.0"
                else:
                    ver = ".".join(p.lstrip("v") for p in parts[1:-1]) or "1.0.0"
                    body["Type"] = "%s.%s" % (parts[0], ver.replace("_", "."))
            links = body.setdefault("links", {})
            links.setdefault("self", {"href": uri})
            if "Members" in body:
                links["Member"] = [{"href": m["@odata.id"]} for m in body["Members"]]
                body["Total"] = len(body["Members"])
                body["MemberType"] = otype_.lstrip("#").split(".")[0].replace("Collection", "") + ".1"


def build_tree(spec, systems=None):
    """Build the tree for ``spec``.

    ``systems``: list of ``(system_id, chassis_id)``; defaults to one system "1" in chassis
    "1". Systems naming the same chassis id share that chassis; all share manager "1".
    """
    b = Builder(spec)
    b.root()
    systems = systems or [("1", "1")]
    manager_uri = R + "Managers/1/"
    chassis_ids = []
    for _sid, cid in systems:
        if cid not in chassis_ids:
            chassis_ids.append(cid)
    system_uris = []
    for index, (sid, cid) in enumerate(systems):
        system_uris.append(b.system(sid, R + "Chassis/%s/" % cid, manager_uri, index=index))
    for cid in chassis_ids:
        members = [R + "Systems/%s/" % sid for sid, c in systems if c == cid]
        b.chassis(cid, members, manager_uri, serial=b.serial if len(systems) == 1 else b.ids.serial(spec.serial_prefix))
    b.chassis_uris.extend(b.enclosure_uris)
    b.manager("1", system_uris, R + "Chassis/%s/" % chassis_ids[0])
    b.coll(R + "Systems/", "ComputerSystemCollection", "Computer Systems", system_uris, Description="Computer Systems view")
    b.coll(R + "Chassis/", "ChassisCollection", "Chassis Collection", b.chassis_uris, Description="Computer System Chassis View")
    b.coll(R + "Managers/", "ManagerCollection", "Managers", [manager_uri], Description="Managers view")
    b.session_service()
    b.account_service()
    b.registries()
    b.event_service()
    if spec.gen >= 5:
        b.update_service()
        b.task_service()
    b.resource_directory()
    if spec.gen == 4:
        b.add_compat()
    return b.tree


def no_options(profile, options):
    """Single-system profiles take no options (``systems=1`` is accepted and ignored)."""
    extra = {k: v for k, v in options.items() if not (k == "systems" and v == 1)}
    if extra:
        raise ValueError("profile %s takes no options (got %s); use the moonshot profile for many systems"
                         % (profile, ", ".join(sorted(extra))))
