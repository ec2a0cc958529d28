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

Wired into the engine by :func:`check_patch` (settings.py, before the generic PATCH) and :func:`on_server_boot`.
"""

from ilosim import writable
from ilosim.base import HttpError


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
    """The server boots: a one-time override is used and cleared."""
    body = ilo.body(state.info.key)
    boot = (body or {}).get("Boot")
    if isinstance(boot, dict) and boot.get("BootSourceOverrideEnabled") == "Once":
        target = ilo.mutable(state.info.key)["Boot"]
        target["BootSourceOverrideEnabled"] = "Disabled"
        target["BootSourceOverrideTarget"] = "None"
        if "UefiTargetBootSourceOverride" in target:
            target["UefiTargetBootSourceOverride"] = "None"
