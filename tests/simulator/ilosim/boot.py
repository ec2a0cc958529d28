# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot override of a ComputerSystem as iLO behaves (the properties are declared writable in writable.py; this adds
what a property table cannot say):

- ``BootSourceOverrideMode`` follows the BIOS boot mode on iLO: a PATCH that changes it answers 400
  ``PropertyNotWritable`` unless the system lists ``BootSourceOverrideMode@Redfish.AllowableValues`` (the trap of
  community.general #3509); the same value again is accepted.
- ``BootSourceOverrideTarget`` and ``UefiTargetBootSourceOverride`` are checked against their
  ``@Redfish.AllowableValues`` by the generic PATCH (settings.py), ``BootSourceOverrideEnabled`` against
  ``writable.ENUMS``.
- A one-time override is used by the next boot of the server (power.py calls :func:`on_server_boot`): ``Enabled``
  goes back to ``Disabled`` and the target to ``None``, as iLO shows after the boot.

Wired into the engine by :func:`check_patch` (settings.py, before the generic PATCH), :func:`on_server_boot`,
:func:`patch_order` (settings.py), :func:`owns_order` (``Allow``) and :func:`apply_order` (power.py, at POST).
"""

from ilosim import writable
from ilosim.virtual_media import owns as owns_media
from ilosim.base import HttpError, dig, key_of, link_of


def check_patch(ilo, key, payload):
    """Raise the error iLO gives for a boot override PATCH the property table would let through."""
    body = ilo.body(key)
    if not isinstance(body, dict) or writable.resource_type(body) != "ComputerSystem" or not isinstance(payload.get("Boot"), dict):
        return
    boot = body.get("Boot") or {}
    mode = payload["Boot"].get("BootSourceOverrideMode")
    hpe = bool(set(body.get("Oem") or {}) & {"Hp", "Hpe"})
    if mode is not None and mode != boot.get("BootSourceOverrideMode") and hpe and "BootSourceOverrideMode@Redfish.AllowableValues" not in boot:
        raise HttpError(400, [ilo._info(ilo.msg("PropertyNotWritable"), ["BootSourceOverrideMode"],  # pylint: disable=protected-access
                                        ["#/Boot/BootSourceOverrideMode"])])


def on_server_boot(ilo, state):
    """The server boots: a one-time override is used and cleared. ``ilo.boot_log[system id]`` records what each boot
    used: the override target (``Cd`` with the image the virtual CD holds: ``Cd http://...``) or ``BootOrder``."""
    body = ilo.body(state.info.key)
    boot = (body or {}).get("Boot")
    used = "BootOrder"
    if isinstance(boot, dict) and boot.get("BootSourceOverrideEnabled") in ("Once", "Continuous"):
        used = boot.get("BootSourceOverrideTarget") or "None"
        if used == "Cd":
            images = [ilo.body(k).get("Image") for k in ilo.tree.bodies if "virtualmedia/" in k and owns_media(ilo, k)
                      and "CD" in (ilo.body(k).get("MediaTypes") or [])]
            used = " ".join(["Cd"] + [i for i in images if i])
    ilo.boot_log.setdefault(state.info.id, []).append(used)
    if isinstance(boot, dict) and boot.get("BootSourceOverrideEnabled") == "Once":
        target = ilo.mutable(state.info.key)["Boot"]
        target["BootSourceOverrideEnabled"] = "Disabled"
        target["BootSourceOverrideTarget"] = "None"
        if "UefiTargetBootSourceOverride" in target:
            target["UefiTargetBootSourceOverride"] = "None"


# ---------------------------------------------------------------------------------- persistent boot order
# HPE's boot order object (iLO 5+ ``bios/oem/hpe/boot`` with ``@Redfish.Settings``, iLO 4 ``bios/Boot`` with
# ``links.Settings``): a PATCH of ``PersistentBootConfigOrder`` to the pending object must name every boot source once,
# by ``StructuredBootString`` (400 ``iLO.x.ArrayPropertyOutOfBound`` for another length: hpe.ilo #9;
# ``PropertyValueNotInList`` for an unknown one) and answers ``SystemResetRequired``; the next POST applies it, and
# ``Boot.BootOrder`` of the system follows.

def order_keys(ilo, state):
    """(current key, pending key) of the system's HPE boot order object, or (None, None)."""
    bios = ilo.body(state.info.bios_key) if state.info.bios_key else None
    if not isinstance(bios, dict):
        return None, None
    link = link_of(dig(bios, "Oem", "Hpe", "Links", "Boot")) or link_of(dig(bios, "links", "Boot"))
    current = ilo.body(key_of(link)) if link else None
    if not isinstance(current, dict):
        return None, None
    pending = link_of(dig(current, "@Redfish.Settings", "SettingsObject")) or link_of(dig(current, "links", "Settings"))
    if not pending or ilo.body(key_of(pending)) is None:
        return None, None
    return key_of(link), key_of(pending)


def owns_order(ilo, key):
    """True for a boot order pending object (the links never change: found once per tree)."""
    found = getattr(ilo.tree, "boot_order_pending_keys", None)
    if found is None:
        found = {order_keys(ilo, state)[1] for state in ilo.systems.values()} - {None}
        ilo.tree.boot_order_pending_keys = found
    return key in found


def patch_order(ilo, method, key, payload):
    """The answer to a PATCH of a boot order pending object, or None when ``key`` is not one."""
    if method != "PATCH" or not owns_order(ilo, key):
        return None
    body = ilo.body(key)
    for name in payload:
        if name.startswith("@") or name == "PersistentBootConfigOrder":
            continue
        raise HttpError(400, [ilo._info(ilo.msg("PropertyUnknown" if name not in body else "PropertyNotWritable"),  # pylint: disable=protected-access
                                        [name], ["#/" + name])])
    order = payload.get("PersistentBootConfigOrder")
    if order is not None:
        known = [s.get("StructuredBootString") for s in body.get("BootSources") or []]
        if not isinstance(order, list) or not all(isinstance(item, str) for item in order):
            raise HttpError(400, [ilo._info(ilo.msg("PropertyValueTypeError"), [repr(order), "PersistentBootConfigOrder"],  # pylint: disable=protected-access
                                            ["#/PersistentBootConfigOrder"])])
        if len(order) != len(body.get("PersistentBootConfigOrder") or []):
            raise HttpError(400, [ilo._info(ilo.msg("ArrayPropertyOutOfBound", "iLO"), ["PersistentBootConfigOrder"],  # pylint: disable=protected-access
                                            ["#/PersistentBootConfigOrder"])])
        for index, item in enumerate(order):
            if item not in known or order.count(item) > 1:
                raise HttpError(400, [ilo._info(ilo.msg("PropertyValueNotInList"),  # pylint: disable=protected-access
                                                [item, "PersistentBootConfigOrder[%d]" % index], ["#/PersistentBootConfigOrder"])])
        ilo.mutable(key)["PersistentBootConfigOrder"] = list(order)
    return ilo._ext(200, [ilo._info(ilo.msg("SystemResetRequired", "iLO"))])  # pylint: disable=protected-access


def apply_order(ilo, state):
    """At POST: the pending boot order becomes current; the system's ``Boot.BootOrder`` follows."""
    current_key, pending_key = order_keys(ilo, state)
    if current_key is None:
        return
    wanted = ilo.body(pending_key).get("PersistentBootConfigOrder")
    current = ilo.body(current_key)
    if not wanted or wanted == current.get("PersistentBootConfigOrder"):
        return
    ilo.mutable(current_key)["PersistentBootConfigOrder"] = list(wanted)
    numbers = dict((s.get("StructuredBootString"), s.get("BootOptionNumber")) for s in current.get("BootSources") or [])
    system = ilo.body(state.info.key)
    order = dig(system, "Boot", "BootOrder")
    if isinstance(order, list):
        refs = ["Boot" + numbers[item] for item in wanted if numbers.get(item)]
        ilo.mutable(state.info.key)["Boot"]["BootOrder"] = refs + [r for r in order if r not in refs]
