# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a PATCH may change on a resource that is not a BIOS settings object, declared per resource type.

A resource's type is the schema name of its ``@odata.type`` (``#ComputerSystem.v1_17_0.ComputerSystem`` ->
``ComputerSystem``), else of iLO 4's ``Type`` (``ComputerSystem.1.0.1``). Each type lists property paths:
``AssetTag`` makes that property, and everything inside it, writable; ``Boot/BootSourceOverrideTarget``
makes only that member writable (a PATCH reaches it through ``Boot``). The engine answers:

- a name the resource does not have: 400 ``Base.PropertyUnknown``;
- a property that exists but is not declared (or a member of a declared object that is not): 400
  ``Base.PropertyNotWritable``;
- a PATCH (or PUT) to a resource whose type declares nothing it has: 405 ``Base.OperationNotAllowed`` with
  ``Allow`` (nor does its ``Allow`` list PATCH).

Sources: iLO 7's own JSON schemas (``SchemaStore/en/<Type>.json``, ``"readonly": false``, in the real
ilo7-DL360-Gen12 tree), checked against the ``HttpMethods`` the ResourceDirectory of the real iLO 5, 6 and 7
trees gives each type (every type below lists PATCH there); ``IndicatorLED``, deprecated by
``LocationIndicatorActive``, stays writable where a resource still has it (iLO 4 and 5). The table holds
the simple properties only: the iLO's own settings (NetworkProtocol, DateTime, the manager's interfaces) are
answered by ``ilosim/manager.py`` before this table is consulted; a new behaviour adds its properties with
:func:`declare` (e.g. ``writable.declare("Manager", "DateTimeLocalOffset")``) rather than editing the table.
"""

BOOT_OVERRIDE = ("Boot/BootSourceOverrideTarget", "Boot/BootSourceOverrideEnabled", "Boot/BootSourceOverrideMode",
                 "Boot/UefiTargetBootSourceOverride", "Boot/BootOrder")
WRITABLE = {
    "ComputerSystem": ("AssetTag", "HostName", "IndicatorLED", "LocationIndicatorActive") + BOOT_OVERRIDE,
    "Chassis": ("AssetTag", "EnvironmentalClass", "IndicatorLED", "LocationIndicatorActive"),
    "Drive": ("HotspareType", "LocationIndicatorActive", "WriteCacheEnabled"),
    "StorageController": ("AssetTag",),
    "PCIeDevice": ("AssetTag",),
    "EthernetInterface": ("HostName",),
    "ManagerNetworkProtocol": ("HostName",),
}
# Values a writable property takes when the resource does not list them (``<name>@Redfish.AllowableValues``).
ENUMS = {"IndicatorLED": ("Lit", "Blinking", "Off"), "BootSourceOverrideEnabled": ("Once", "Continuous", "Disabled")}


def declare(resource_type, *paths):
    """Make ``paths`` (``"Name"`` or ``"Name/Member"``) writable on resources of ``resource_type``."""
    WRITABLE[resource_type] = tuple(dict.fromkeys(WRITABLE.get(resource_type, ()) + paths))


def resource_type(body):
    """``ComputerSystem`` for ``#ComputerSystem.v1_17_0.ComputerSystem`` (or iLO 4 ``ComputerSystem.1.0.1``)."""
    name = body.get("@odata.type") or body.get("Type") or ""
    return name.lstrip("#").split(".", 1)[0] if isinstance(name, str) else ""


def declared(body):
    """The writable paths of ``body``'s type, each a tuple of names."""
    return [tuple(path.split("/")) for path in WRITABLE.get(resource_type(body), ())]


def patchable(body):
    """True when a PATCH can change something ``body`` has."""
    return isinstance(body, dict) and any(path[0] in body for path in declared(body))


def access(paths, path):
    """``"write"`` when ``path`` (a tuple of names) is writable with all inside it, ``"walk"`` when only
    members under it are, None when it is read-only."""
    if any(path[:len(declared_path)] == declared_path for declared_path in paths):
        return "write"
    if any(declared_path[:len(path)] == path for declared_path in paths):
        return "walk"
    return None
