# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry subsets written for the simulator profiles.

* A BIOS attribute registry generator. The attribute names, types, menu paths, value names
  and bounds are the ones HPE's real ``BiosAttributeRegistryU46``/``U58`` registries use
  (a realistic subset of ~100 of their 550-650 attributes; iLO 7 follows ``U68``); display names and help texts are
  written here. The iLO 4 (Gen9) subset follows the Gen9 ``HpBios`` attribute names seen in
  public iLO 4 samples; no real Gen9 registry is public, so its details are chosen here.
* Base and iLO message-registry subsets with the messages the simulator answers with. The
  texts follow the DMTF Base registry and HPE's iLO registry wording.
"""

import re

# Menu paths (as in the real registries).
_ROOT = "./"
_PROC = "./ProcessorOptions"
_VIRT = "./VirtualizationOptions"
_BOOT = "./BootOptions"
_PWR = "./PowerPerformanceOptions"
_PREF = "./PowerPerformanceOptions/ProcessorPrefetcherOptions"
_IOO = "./PowerPerformanceOptions/IoOptions"
_ADMIN = "./SystemOptions/ServerAssetText/AdminInfo"
_SERVER = "./SystemOptions/ServerAssetText/ServerInfo"
_SERVICE = "./SystemOptions/ServerAssetText/ServiceContactInfo"
_ASSET = "./SystemOptions/ServerAssetText"
_SERIAL = "./SystemOptions/SerialPortOptions"
_EMS = "./SystemOptions/SerialPortOptions/BiosSerialConsoleEms"
_AVAIL = "./SystemOptions/ServerAvailability"
_BOOTTIME = "./SystemOptions/BootTime"
_USB = "./SystemOptions/UsbOptions"
_DIAG = "./SystemOptions/DiagnosticsOptions"
_FAN = "./AdvancedOptions/FanThermalOptions"
_ADV = "./AdvancedOptions"
_SVC = "./AdvancedOptions/AdvancedServiceOptions"
_MEM = "./MemoryOptions"
_NET = "./NetworkOptions/PreBootNetworkSettings"
_NETBOOT = "./NetworkOptions/NetworkBootOptions"
_VLAN = "./NetworkOptions/VlanConfiguration"
_IPXE = "./NetworkOptions/IpxeOptions"
_SEC = "./ServerSecurity"
_ADVSEC = "./ServerSecurity/AdvancedSecurityOptions"
_INTELSEC = "./ServerSecurity/IntelSecurityOptions"
_TPM = "./ServerSecurity/TpmOptions"
_SHELL = "./UefiShellOptions"
_DATE = "./DateTime"
_SATA = "./StorageOptions/SataOptions"
_NVME = "./StorageOptions/NvmeOptions/IntelNVMeOption"
_DEFAULTS = "./SysDefaultOptions"
_USERDEF = "./SysDefaultOptions/UserDefaultOptions"

_PRINTABLE = "^[\\ -\\~]*$"
_NOSPACE = "^[\\!-\\~]*$"
_IPV4 = "^(?:(1?[0-9]{1,2}|2[0-4][0-9]|25[0-5])\\.){3}(?:1?[0-9]{1,2}|2[0-4][0-9]|25[0-5])$"
_MASK = ("^(((128|192|224|240|248|252|254)\\.0\\.0\\.0)|(255\\.(0|128|192|224|240|248|252|254)\\.0\\.0)|"
         "(255\\.255\\.(0|128|192|224|240|248|252|254)\\.0)|(255\\.255\\.255\\.(0|128|192|224|240|248|252|254))|(0.0.0.0))$")
_IPV6 = "(^$|^(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4})$|^(([0-9a-fA-F]{1,4}:){0,6}:([0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{0,4})$|^(::)$)"
_URL = "(^$|^https?:\\/\\/[^\\s]+$)"

_ED = "Enabled Disabled"
_TZ = ("UtcM12 UtcM11 UtcM10 UtcM9 UtcM8 UtcM7 UtcM6 UtcM5 UtcM4 UtcM3 UtcM2 UtcM1 Utc0 UtcP1 UtcP2 UtcP3 UtcP330 UtcP4 UtcP5 "
       "UtcP530 UtcP6 UtcP7 UtcP8 UtcP9 UtcP930 UtcP10 UtcP11 UtcP12 UtcP13 UtcP14 Unspecified")
_NICPORTS = "Auto EmbNicPort1 EmbNicPort2 EmbNicPort3 EmbNicPort4 Slot1NicPort1 Slot1NicPort2 Slot2NicPort1 Slot2NicPort2"
_WORKLOADS = ("GeneralPowerEfficientCompute GeneralPeakFrequencyCompute GeneralThroughputCompute Virtualization-PowerEfficient "
              "Virtualization-MaxPerformance LowLatency MissionCritical TransactionalApplicationProcessing "
              "HighPerformanceCompute(HPC) DecisionSupport GraphicProcessing I/OThroughput Custom")

# One row per attribute: (generations, kind, name, menu, default, details, flags)
#   kind "E": details = space-separated ValueNames
#   kind "S": details = (MinLength, MaxLength, ValueExpression)
#   kind "I": details = (LowerBound, UpperBound, ScalarIncrement)
#   flags: "r" ReadOnly, "i" Immutable, "u" IsSystemUniqueProperty
_ATTRS = (
    ("567", "E", "WorkloadProfile", _ROOT, "GeneralPowerEfficientCompute", _WORKLOADS, ""),
    ("4567", "E", "ProcHyperthreading", _PROC, "Enabled", _ED, ""),
    ("4567", "E", "ProcVirtualization", _VIRT, "Enabled", _ED, ""),
    ("456", "E", "IntelProcVtd", _VIRT, "Enabled", _ED, ""),
    ("4567", "E", "Sriov", _VIRT, "Enabled", _ED, ""),
    ("45", "E", "BootMode", _BOOT, "Uefi", "Uefi LegacyBios", ""),
    ("4567", "E", "BootOrderPolicy", _BOOT, "RetryIndefinitely", "RetryIndefinitely AttemptOnce ResetAfterFailed", ""),
    ("4567", "E", "PowerRegulator", _PWR, "DynamicPowerSavings", "DynamicPowerSavings StaticLowPower StaticHighPerf OsControl", ""),
    ("4", "E", "PowerProfile", _PWR, "BalancedPowerPerf", "BalancedPowerPerf MinPower MaxPerf Custom", ""),
    ("4567", "E", "IntelligentProvisioning", _ADVSEC, "Enabled", _ED, ""),
    ("4567", "S", "AdminName", _ADMIN, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "AdminEmail", _ADMIN, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "AdminPhone", _ADMIN, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "AdminOtherInfo", _ADMIN, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "ServerAssetTag", _SERVER, "", (0, 32, _PRINTABLE), ""),
    ("4567", "S", "ServerName", _SERVER, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "ServerOtherInfo", _SERVER, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "ServerPrimaryOs", _SERVER, "", (0, 42, _PRINTABLE), ""),
    ("4567", "S", "ServiceName", _SERVICE, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "ServiceEmail", _SERVICE, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "ServicePhone", _SERVICE, "", (0, 28, _PRINTABLE), ""),
    ("4567", "S", "ServiceOtherInfo", _SERVICE, "", (0, 28, _PRINTABLE), ""),
    ("456", "S", "CustomPostMessage", _ASSET, "", (0, 62, _PRINTABLE), ""),
    ("45", "E", "ThermalConfig", _FAN, "OptimalCooling", "OptimalCooling IncreasedCooling MaxCooling EnhancedCPUCooling", ""),
    ("67", "E", "ThermalConfig", _FAN, "OptimalCooling", "OptimalCooling IncreasedCooling MaxCooling EnhancedCPUCooling SmoothCooling", ""),
    ("4567", "E", "ThermalShutdown", _FAN, "Enabled", _ED, ""),
    ("4567", "E", "FanFailPolicy", _FAN, "Shutdown", "Shutdown Allow", ""),
    ("4567", "E", "FanInstallReq", _FAN, "EnableMessaging", "EnableMessaging DisableMessaging", ""),
    ("4567", "E", "ExtendedAmbientTemp", _FAN, "Disabled", "Disabled ASHRAE3 ASHRAE4", ""),
    ("4567", "E", "EmbeddedSerialPort", _SERIAL, "Com2Irq3", "Com1Irq4 Com2Irq3 Disabled", ""),
    ("4567", "E", "VirtualSerialPort", _SERIAL, "Com1Irq4", "Com1Irq4 Com2Irq3 Disabled", ""),
    ("4567", "E", "SerialConsolePort", _EMS, "Auto", "Auto Disabled Physical Virtual", ""),
    ("4567", "E", "SerialConsoleEmulation", _EMS, "Vt100Plus", "Vt100 Ansi Vt100Plus VtUtf8", ""),
    ("567", "E", "SerialConsoleBaudRate", _EMS, "BaudRate115200", "BaudRate9600 BaudRate19200 BaudRate38400 BaudRate57600 BaudRate115200", ""),
    ("4", "E", "SerialConsoleBaudRate", _EMS, "115200", "9600 19200 38400 57600 115200", ""),
    ("567", "E", "EmsConsole", _EMS, "Disabled", "Disabled Physical Virtual", ""),
    ("4", "E", "EmsConsole", _EMS, "Disabled", "Disabled Com1Irq4 Com2Irq3", ""),
    ("4567", "E", "NumaGroupSizeOpt", _PWR, "Flat", "Flat Clustered", ""),
    ("5", "E", "MinProcIdlePower", _PWR, "C6", "C6 C6WithoutC1E C1E NoCStates", ""),
    ("6", "E", "MinProcIdlePower", _PWR, "C6", "C6 C1E C6WithoutC1E NoCStates", ""),
    ("4", "E", "MinProcIdlePower", _PWR, "C6", "C6 C1E NoCStates", ""),
    ("5", "E", "MinProcIdlePkgState", _PWR, "C6NonRetention", "C6NonRetention NoState", ""),
    ("46", "E", "MinProcIdlePkgState", _PWR, "C6Retention", "C6Retention C6NonRetention NoState", ""),
    ("4567", "E", "ProcTurbo", _PWR, "Enabled", "Disabled Enabled", ""),
    ("4567", "E", "EnergyPerfBias", _PWR, "BalancedPerf", "MaxPerf BalancedPerf BalancedPower PowerSavingsMode", ""),
    ("4567", "E", "CollabPowerControl", _PWR, "Enabled", _ED, ""),
    ("567", "E", "EnergyEfficientTurbo", _PWR, "Enabled", _ED, ""),
    ("56", "E", "UncoreFreqScaling", _PWR, "Auto", "Auto Maximum Minimum Custom", ""),
    ("5", "E", "SubNumaClustering", _PWR, "Disabled", "Disabled EnableSnc2", ""),
    ("6", "E", "SubNumaClustering", _PWR, "Disabled", "Disabled EnableSnc2 EnableSnc4", ""),
    ("4567", "E", "HwPrefetcher", _PREF, "Enabled", _ED, ""),
    ("4567", "E", "AdjSecPrefetch", _PREF, "Enabled", _ED, ""),
    ("4567", "E", "DcuIpPrefetcher", _PREF, "Enabled", _ED, ""),
    ("4567", "E", "DcuStreamPrefetcher", _PREF, "Enabled", _ED, ""),
    ("567", "E", "LlcPrefetch", _PREF, "Disabled", _ED, ""),
    ("4567", "E", "AcpiSlit", _IOO, "Enabled", _ED, ""),
    ("4567", "E", "PostF1Prompt", _AVAIL, "Delayed20Sec", "Delayed20Sec Delayed2Sec Disabled", ""),
    ("567", "E", "AutoPowerOn", _AVAIL, "RestoreLastState", "AlwaysPowerOn AlwaysPowerOff RestoreLastState", ""),
    ("567", "E", "PowerOnDelay", _AVAIL, "NoDelay", "NoDelay Random Delay15Sec Delay30Sec Delay45Sec Delay60Sec", ""),
    ("4567", "E", "WakeOnLan", _AVAIL, "Enabled", _ED, ""),
    ("4", "E", "AsrStatus", _AVAIL, "Enabled", _ED, ""),
    ("4", "E", "AsrTimeoutMinutes", _AVAIL, "10", "5 10 15 20 30", ""),
    ("4567", "E", "ExtendedMemTest", _BOOTTIME, "Disabled", _ED, ""),
    ("4567", "E", "MemFastTraining", _BOOTTIME, "Enabled", _ED, ""),
    ("567", "E", "DynamicPowerCapping", _BOOTTIME, "Disabled", "Auto Enabled Disabled", ""),
    ("456", "E", "UsbControl", _USB, "UsbEnabled", "UsbEnabled UsbDisabled ExternalUsbDisabled InternalUsbDisabled", ""),
    ("4567", "E", "UsbBoot", _USB, "Enabled", _ED, ""),
    ("456", "E", "VirtualInstallDisk", _USB, "Disabled", _ED, ""),
    ("456", "E", "EmbeddedDiagnostics", _DIAG, "Enabled", _ED, ""),
    ("4567", "E", "ConsistentDevNaming", _ADV, "LomsAndSlots", "LomsAndSlots LomsOnly Disabled", ""),
    ("4567", "E", "EmbVideoConnection", _ADV, "Auto", "Auto AlwaysDisabled AlwaysEnabled", ""),
    ("4567", "S", "SerialNumber", _SVC, "", (0, 16, _NOSPACE), "u"),
    ("4567", "S", "ProductId", _SVC, "", (0, 16, _NOSPACE), "u"),
    ("4567", "E", "MemPatrolScrubbing", _MEM, "Enabled", _ED, ""),
    ("567", "I", "PatrolScrubDuration", _MEM, 24, (1, 24, 1), ""),
    ("5", "E", "AdvancedMemProtection", _MEM, "Auto", "Auto FastFaultTolerantADDDC AdvancedEcc MirroredAdvancedEcc", ""),
    ("67", "E", "AdvancedMemProtection", _MEM, "AdvancedEcc", "FastFaultTolerantADDDC AdvancedEcc MirroredAdvancedEcc", ""),
    ("4", "E", "AdvancedMemProtection", _MEM, "AdvancedEcc", "AdvancedEcc OnlineSpareAdvancedEcc MirroredAdvancedEcc", ""),
    ("5", "E", "MaxMemBusFreqMHz", _MEM, "Auto", "Auto MaxMemBusFreq2933 MaxMemBusFreq2667 MaxMemBusFreq2400 MaxMemBusFreq2133", ""),
    ("67", "E", "MaxMemBusFreqMHz", _MEM, "Auto", "Auto MaxMemBusFreq4800 MaxMemBusFreq4400 MaxMemBusFreq4000 MaxMemBusFreq3600", ""),
    ("4", "E", "MaxMemBusFreqMHz", _MEM, "Auto", "Auto 2133 1866 1600 1333", ""),
    ("4567", "E", "Dhcpv4", _NET, "Enabled", _ED, ""),
    ("4567", "S", "Ipv4Address", _NET, "0.0.0.0", (0, 15, _IPV4), ""),
    ("4567", "S", "Ipv4Gateway", _NET, "0.0.0.0", (0, 15, _IPV4), ""),
    ("4567", "S", "Ipv4SubnetMask", _NET, "0.0.0.0", (0, 15, _MASK), ""),
    ("4567", "S", "Ipv4PrimaryDNS", _NET, "0.0.0.0", (0, 15, _IPV4), ""),
    ("567", "S", "Ipv6Address", _NET, "::", (0, 39, _IPV6), ""),
    ("4567", "E", "PreBootNetwork", _NET, "Auto", _NICPORTS, ""),
    ("4567", "S", "UrlBootFile", _NET, "", (0, 254, _URL), ""),
    ("4567", "E", "NetworkBootRetry", _NETBOOT, "Enabled", _ED, ""),
    ("567", "I", "NetworkBootRetryCount", _NETBOOT, 20, (0, 20, 1), ""),
    ("567", "E", "VlanControl", _VLAN, "Disabled", _ED, ""),
    ("567", "I", "VlanId", _VLAN, 0, (0, 4094, 1), ""),
    ("567", "I", "VlanPriority", _VLAN, 0, (0, 7, 1), ""),
    ("567", "S", "IpxeStartupUrl", _IPXE, "", (0, 255, _URL), ""),
    ("56", "I", "EnabledCoresPerProc", _PROC, 0, (0, 64, 1), ""),
    ("4", "I", "ProcCoreDisable", _PROC, 0, (0, 24, 1), ""),
    ("4567", "E", "ProcAes", _PROC, "Enabled", _ED, ""),
    ("45", "E", "ProcX2Apic", _PROC, "Enabled", "Enabled ForceEnabled Disabled", ""),
    ("6", "E", "ProcX2Apic", _PROC, "Auto", "Auto ForceEnabled", ""),
    ("4567", "E", "IntelTxt", _INTELSEC, "Disabled", _ED, ""),
    ("4567", "E", "F11BootMenu", _ADVSEC, "Enabled", _ED, ""),
    ("567", "E", "MicrosoftSecuredCoreSupport", _SEC, "Disabled", _ED, ""),
    ("4567", "E", "SecureBootStatus", _SEC, "Disabled", _ED, "ri"),
    ("567", "E", "ServerConfigLockStatus", _SEC, "Disabled", _ED, "ri"),
    ("567", "E", "TpmState", _TPM, "NotPresent", "NotPresent PresentDisabled PresentEnabled", "ri"),
    ("4", "E", "TpmState", _TPM, "NotPresent", "NotPresent PresentDisabled PresentEnabled", "ri"),
    ("56", "E", "TpmChipId", _TPM, "None", "None StMicroGen10 STMicroGen10Plus STMicroGen11", "ri"),
    ("4567", "E", "EmbeddedUefiShell", _SHELL, "Enabled", _ED, ""),
    ("4567", "E", "UefiShellStartup", _SHELL, "Disabled", _ED, ""),
    ("4567", "E", "TimeZone", _DATE, "Utc0", _TZ, ""),
    ("567", "E", "DaylightSavingsTime", _DATE, "DaylightSavingsTimeDisabled", "DaylightSavingsTimeDisabled DaylightSavingsTimeEnabled", ""),
    ("567", "E", "HourFormat", _DATE, "24Hours", "24Hours 12Hours", ""),
    ("4567", "E", "TimeFormat", _DATE, "Utc", "Local Utc", ""),
    ("5", "E", "EmbeddedSata", _SATA, "Ahci", "Ahci SmartRAIDSwRaid IntelVrocSata", ""),
    ("6", "E", "EmbeddedSata", _SATA, "Ahci", "Ahci IntelVrocSata", ""),
    ("4", "E", "EmbeddedSata", _SATA, "Ahci", "Ahci Raid", ""),
    ("567", "E", "IntelVmdSupport", _NVME, "Disabled", "IntelVmdEnabledIndividual IntelVmdEnabledAll Disabled", ""),
    ("4567", "E", "SaveUserDefaults", _USERDEF, "No", "No Yes", ""),
    ("567", "E", "UserDefaultsState", _USERDEF, "Disabled", _ED, "ri"),
    ("4567", "E", "RestoreManufacturingDefaults", _DEFAULTS, "No", "No Yes", ""),
    # iLO 7 (U68) where its registry differs from U58
    ("7", "S", "CustomPostMessage", _ASSET, "", (0, 63, _PRINTABLE), ""),
    ("7", "E", "MinProcIdlePower", _PWR, "C6AsAcpiC2", "C6AsAcpiC2 C6AsAcpiC3 C6PAsAcpiC2 C6PAsAcpiC3 NoCStates", ""),
    ("7", "E", "MinProcIdlePkgState", _PWR, "C6NonRetention", "C6NonRetention NoState", ""),
    ("7", "E", "SubNumaClustering", _PWR, "Disabled", "Disabled Enabled", ""),
    ("7", "E", "UsbControl", _USB, "UsbEnabled", "UsbEnabled UsbDisabled ExternalUsbDisabled", ""),
    ("7", "E", "EmbeddedDiagnostics", _DIAG, "Disabled", _ED, ""),
    ("7", "I", "EnabledCoresPerProc", _PROC, 0, (0, 144, 1), ""),
    ("7", "E", "TpmChipId", _TPM, "None", "None STMicroGen12", "ri"),
)

# Map dependencies as in the real registries:
# (generations, for, from-attribute, condition, from-value, to-attribute, to-property, to-value)
_DEPS = (
    ("567", "MicrosoftSecuredCoreSupport", "MicrosoftSecuredCoreSupport", "EQU", "Enabled", "ProcVirtualization", "CurrentValue", "Enabled"),
    ("56", "MicrosoftSecuredCoreSupport", "MicrosoftSecuredCoreSupport", "EQU", "Enabled", "IntelProcVtd", "CurrentValue", "Enabled"),
    ("567", "ProcVirtualization", "MicrosoftSecuredCoreSupport", "EQU", "Enabled", "ProcVirtualization", "ReadOnly", True),
    ("567", "MicrosoftSecuredCoreSupport", "TpmState", "EQU", "NotPresent", "MicrosoftSecuredCoreSupport", "GrayOut", True),
    ("567", "WorkloadProfile", "WorkloadProfile", "EQU", "Virtualization-MaxPerformance", "PowerRegulator", "CurrentValue", "StaticHighPerf"),
    ("567", "WorkloadProfile", "WorkloadProfile", "EQU", "Virtualization-MaxPerformance", "ProcTurbo", "CurrentValue", "Enabled"),
    ("567", "WorkloadProfile", "WorkloadProfile", "EQU", "Virtualization-MaxPerformance", "EnergyPerfBias", "CurrentValue", "MaxPerf"),
    ("567", "WorkloadProfile", "WorkloadProfile", "EQU", "Virtualization-MaxPerformance", "MinProcIdlePower", "CurrentValue", "NoCStates"),
    ("567", "WorkloadProfile", "WorkloadProfile", "EQU", "LowLatency", "ProcVirtualization", "CurrentValue", "Disabled"),
    ("567", "WorkloadProfile", "WorkloadProfile", "EQU", "LowLatency", "Sriov", "CurrentValue", "Disabled"),
    ("567", "ProcVirtualization", "WorkloadProfile", "EQU", "LowLatency", "ProcVirtualization", "ReadOnly", True),
    ("567", "PowerOnDelay", "AutoPowerOn", "EQU", "AlwaysPowerOff", "PowerOnDelay", "ReadOnly", True),
    ("567", "PatrolScrubDuration", "MemPatrolScrubbing", "EQU", "Disabled", "PatrolScrubDuration", "GrayOut", True),
    ("5", "BootMode", "SecureBootStatus", "EQU", "Enabled", "BootMode", "GrayOut", True),
    ("4", "Ipv4Address", "Dhcpv4", "EQU", "Enabled", "Ipv4Address", "ReadOnly", True),
    ("4", "Ipv4Gateway", "Dhcpv4", "EQU", "Enabled", "Ipv4Gateway", "ReadOnly", True),
    ("4", "AsrTimeoutMinutes", "AsrStatus", "EQU", "Disabled", "AsrTimeoutMinutes", "GrayOut", True),
    ("4", "PowerRegulator", "PowerProfile", "NEQ", "Custom", "PowerRegulator", "ReadOnly", True),
)

_ACRONYMS = {"Ipv4": "IPv4", "Ipv6": "IPv6", "Dhcpv4": "DHCPv4", "Uefi": "UEFI", "Usb": "USB", "Tpm": "TPM", "Dns": "DNS",
             "Vlan": "VLAN", "Ipxe": "iPXE", "Acpi": "ACPI", "Sriov": "SR-IOV", "Numa": "NUMA", "Ems": "EMS", "Asr": "ASR"}


def display_name(name):
    """A readable label from a CamelCase identifier ("ProcHyperthreading" -> "Proc Hyperthreading")."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\W|$)|[A-Z]?[a-z]+\d*|\d+|\W+", name)
    out = " ".join(_ACRONYMS.get(w, w) for w in words if w.strip())
    return out or name


def attribute_specs(gen):
    """The attribute definitions for one generation (4, 5, 6 or 7), in display order."""
    key = str(gen)
    return [row for row in _ATTRS if key in row[0]]


def _attribute(row, order, gen):
    _gens, kind, name, menu, default, details, flags = row
    attr = {
        "AttributeName": name,
        "DisplayName": display_name(name),
        "HelpText": "Use this option to configure %s." % display_name(name),
        "ReadOnly": "r" in flags,
        "GrayOut": False,
        "Type": {"E": "Enumeration", "S": "String", "I": "Integer"}[kind],
        "MenuPath": menu,
        "DisplayOrder": order,
        "DefaultValue": default,
    }
    if gen == 4:
        # Gen9 registries name the attribute with "Name" and carry "CurrentValue".
        attr["Name"] = name
        attr["CurrentValue"] = None
    if "i" in flags:
        attr["Immutable"] = True
    if "u" in flags:
        attr["IsSystemUniqueProperty"] = True
    if kind == "E":
        attr["Value"] = [{"ValueName": v, "ValueDisplayName": display_name(v)} for v in details.split()]
    elif kind == "S":
        attr["MinLength"], attr["MaxLength"], attr["ValueExpression"] = details
    else:
        attr["LowerBound"], attr["UpperBound"], attr["ScalarIncrement"] = details
    return attr


def _menus(attrs):
    paths = {"./"}
    for attr in attrs:
        parts = attr["MenuPath"].strip("/").split("/")
        for i in range(2, len(parts) + 1):
            paths.add("/".join(parts[:i]))
    menus = []
    for order, path in enumerate(sorted(paths, key=lambda p: (p.count("/"), p)), start=1):
        name = "BiosMainMenu" if path == "./" else path.rsplit("/", 1)[-1]
        menus.append({"MenuName": name, "DisplayName": display_name(name), "DisplayOrder": order,
                      "ReadOnly": False, "GrayOut": False, "MenuPath": path})
    return menus


def _dependencies(gen):
    key = str(gen)
    deps = []
    for row in _DEPS:
        gens, dep_for, src, cond, value, dst, prop, to_value = row
        if key not in gens:
            continue
        deps.append({
            "DependencyFor": dep_for,
            "Type": "Map",
            "Dependency": {
                "MapFrom": [{"MapFromAttribute": src, "MapFromProperty": "CurrentValue",
                             "MapFromCondition": cond, "MapFromValue": value}],
                "MapToAttribute": dst, "MapToProperty": prop, "MapToValue": to_value,
            },
        })
    return deps


def bios_registry_entries(gen):
    """``RegistryEntries`` of the BIOS attribute registry for one generation."""
    attrs = [_attribute(row, order, gen) for order, row in enumerate(attribute_specs(gen), start=1)]
    return {"Menus": _menus(attrs), "Attributes": attrs, "Dependencies": _dependencies(gen)}


def bios_defaults(gen):
    """``{name: DefaultValue}`` for one generation."""
    return {row[2]: row[4] for row in attribute_specs(gen)}


# --- message registries -------------------------------------------------------------------

# key: (Message, Severity, ParamTypes, Resolution, Description)
_BASE_MESSAGES = {
    "Success": ("Successfully Completed Request", "OK", [], "None", "Indicates that all conditions of a successful operation have been met."),
    "Created": ("The resource has been created successfully.", "OK", [], "None",
                "Indicates that all conditions of a successful creation operation have been met."),
    "NoValidSession": ("There is no valid session established with the implementation.", "Critical", [],
                       "Establish a session before attempting any operations.",
                       "Indicates that the operation failed because a valid session is required in order to access any resources."),
    "PropertyUnknown": ("The property %1 is not in the list of valid properties for the resource.", "Warning", ["string"],
                        "Remove the unknown property from the request body and resubmit the request if the operation failed.",
                        "Indicates that an unknown property was included in the request body."),
    "PropertyValueTypeError": ("The value %1 for the property %2 is of a different type than the property can accept.", "Warning",
                               ["string", "string"],
                               "Correct the value for the property in the request body and resubmit the request if the operation failed.",
                               "Indicates that a property was given the wrong value type."),
    "PropertyValueNotInList": ("The value %1 for the property %2 is not in the list of acceptable values.", "Warning", ["string", "string"],
                               "Choose a value from the enumeration list that the implementation can support and resubmit the request "
                               "if the operation failed.",
                               "Indicates that a property was given the correct value type but the value is not supported."),
    "PropertyNotWritable": ("The property %1 is a read only property and cannot be assigned a value.", "Warning", ["string"],
                            "Remove the property from the request body and resubmit the request if the operation failed.",
                            "Indicates that a property was given a value in the request body, but the property is a read-only property."),
    "MalformedJSON": ("The request body submitted was malformed JSON and could not be parsed by the receiving service.", "Critical", [],
                      "Ensure that the request body is valid JSON and resubmit the request.",
                      "Indicates that the request body was malformed JSON."),
    "ResourceMissingAtURI": ("The resource at the URI %1 was not found.", "Critical", ["string"],
                             "Place a valid resource at the URI or correct the URI and resubmit the request.",
                             "Indicates that the operation expected an image or other resource at the provided URI but none was found."),
    "ActionParameterUnknown": ("The action %1 was submitted with the invalid parameter %2.", "Warning", ["string", "string"],
                               "Correct the invalid parameter and resubmit the request if the operation failed.",
                               "Indicates that an action was submitted but a parameter supplied did not match any of the known parameters."),
    "ActionParameterValueNotInList": ("The value %1 for the parameter %2 in the action %3 is not in the list of acceptable values.",
                                      "Warning", ["string", "string", "string"],
                                      "Choose a value from the enumeration list that the implementation can support and resubmit "
                                      "the request if the operation failed.",
                                      "Indicates that a parameter was given the correct value type but the value is not supported."),
    "PreconditionFailed": ("The ETag supplied did not match the ETag required to change this resource.", "Critical", [],
                           "Try the operation again using the appropriate ETag.",
                           "Indicates that the ETag supplied did not match the current ETag of the resource."),
    "SessionLimitExceeded": ("The session establishment failed due to the number of simultaneous sessions exceeding the limit of the "
                             "implementation.", "Critical", [],
                             "Reduce the number of other sessions before trying to establish the session or increase the limit of "
                             "simultaneous sessions (if supported).",
                             "Indicates that a session establishment has been requested but the operation failed due to the number "
                             "of simultaneous sessions exceeding the limit of the implementation."),
    "InsufficientPrivilege": ("There are insufficient privileges for the account or credentials associated with the current session to "
                              "perform the requested operation.", "Critical", [],
                              "Either abandon the operation or change the associated access rights and resubmit the request if the "
                              "operation failed.",
                              "Indicates that the credentials associated with the established session do not have sufficient "
                              "privileges for the requested operation."),
    "AccountModified": ("The account was modified successfully.", "OK", [], "None.",
                        "Indicates that the account was successfully modified."),
    "AccountRemoved": ("The account was removed successfully.", "OK", [], "None.",
                       "Indicates that the account was successfully removed."),
    "CreateLimitReachedForResource": ("The create operation failed because the resource has reached the limit of possible resources.",
                                      "Critical", [], "Either delete resources and resubmit the request if the operation failed or do not "
                                      "resubmit the request.", "Indicates that no more resources can be created on the resource."),
    "ActionNotSupported": ("The action %1 is not supported by the resource.", "Critical", ["string"],
                           "The action supplied cannot be resubmitted to the implementation.  Perhaps the action was invalid, "
                           "the wrong resource was the target or the implementation documentation may be of assistance.",
                           "Indicates that the action supplied with the POST operation is not supported by the resource."),
}

_ILO_MESSAGES = {
    "SystemResetRequired": ("One or more properties were changed and will not take effect until system is reset.", "Warning", [],
                            "Reset system for the settings to take effect.",
                            "The system properties were correctly changed, but will not take effect until the system is reset."),
    "ResetRequired": ("One or more properties were changed, but these changes will not take effect until the management processor "
                      "is reset.", "Warning", [], "To enable the changed properties, reset the management processor.",
                      "One or more properties were changed, but these changes will not take effect until the management processor "
                      "is reset."),
    "InvalidOperationForSystemState": ("The operation was not successful due to the current power state.", "Warning", ["string"],
                                       "Verify that the system is in the correct power state, and then retry the operation.",
                                       "The operation was not successful due to the current power state (for example, attempting "
                                       "to turn the power off when it is already off)."),
    "UnableToModifyDuringSystemPOST": ("The value for property %1 cannot be changed while the computer system BIOS is in POST.",
                                       "Warning", ["string"],
                                       "After the computer system is either fully booted or powered off, retry the operation.",
                                       "The value for the property cannot be changed while the computer system BIOS is in POST."),
    "ResourceNotReadyRetry": ("The resource is present but is not ready to perform operations.  The resource will be ready in %1 "
                              "seconds.", "Warning", ["string"], "Retry the operation when the resource is ready.",
                              "The resource is present but is not ready to perform operations due to an internal condition such "
                              "as initialization or reset."),
    "PropertyNotWritableOrUnknown": ("The property %1 is a read-only property and cannot be assigned a value, or not valid for this "
                                     "resource.", "Warning", ["string"],
                                     "If the operation did not complete, remove the property from the request body and resubmit "
                                     "the request.", "The request included a value for a read-only or unknown property."),
    "LoginAttemptDelayed": ("The login was not successful, so the service enforces a delay before another login is allowed.",
                            "Warning", [], "Wait for the delay time to expire, and then retry the login.",
                            "The login was not successful, so the service enforces a delay before another login is allowed."),
    "InvalidPasswordLength": ("A valid password must contain between %1 to %2 characters.", "Warning", ["number", "number"],
                              "Retry the operation using a corrected password.", "The password length is out of range."),
    "InvalidPasswordComplexity": ("A valid password must contain three of the following: uppercase, lowercase, numerals, and other.",
                                  "Warning", [], "Retry the operation using a corrected password.",
                                  "The password does not meet the complexity requirement."),
    "UserAlreadyExist": ("The user or login user name already exists.", "Warning", [], "Try a different user or login user name.",
                         "The user or login user name already exists."),
    "LicenseKeyRequired": ("A license key is required for this operation.", "Warning", [],
                           "Install a license key that enables this feature.",
                           "The operation requires a feature that is not licensed on this management processor."),
}


def message_registry(prefix, version, gen):
    """A message registry body (without ``@odata.id``) for ``prefix`` "Base" or "iLO"."""
    table = _BASE_MESSAGES if prefix == "Base" else _ILO_MESSAGES
    messages = {}
    for key, (text, severity, params, resolution, description) in table.items():
        msg = {"Description": description, "Message": text, "NumberOfArgs": len(params), "ParamTypes": list(params),
               "Resolution": resolution, "Severity": severity}
        if gen >= 5:
            msg["MessageSeverity"] = severity
        messages[key] = msg
    body = {
        "@odata.type": "#MessageRegistry.v1_6_0.MessageRegistry" if gen >= 5 else "#MessageRegistry.v1_0_0.MessageRegistry",
        "Id": "%s.%s" % (prefix, version),
        "Name": "Base Message Registry" if prefix == "Base" else "Management Processor Message Registry",
        "Language": "en",
        "Description": ("This registry contains the basic API response messages." if prefix == "Base"
                        else "This registry defines the messages for the management processor."),
        "OwningEntity": "Hewlett Packard Enterprise" if gen >= 5 else "Hewlett-Packard",
        "RegistryPrefix": prefix,
        "RegistryVersion": version,
        "Messages": messages,
    }
    return body
