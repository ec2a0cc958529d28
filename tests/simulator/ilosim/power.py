# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power and POST: the reset actions (Redfish, OEM and iLO 4 legacy), the lazily computed power/POST
timeline, and ``Manager.Reset``; a mixin of :class:`ilosim.engine.Ilo` (README "Behaviour", Power)."""

import datetime
import time

from ilosim import events as sim_events
from ilosim import manager as manager_settings
from ilosim import boot as boot_override
from ilosim import virtual_media
from ilosim.base import dig

# PostState values of a server that is On and still in POST: a tree captured then finishes its POST.
IN_POST = ("Reset", "InPost", "InPostDiscoveryStart", "InPostDiscoveryComplete")
# Reset kinds after which the server goes through POST (and boots once from a virtual media device set to).
BOOTS = ("On", "ForceOn", "ForceRestart", "GracefulRestart", "ColdBoot", "AuxCycle", "PowerCycle")
# DMTF BootProgress.LastState for each PostState the engine walks through.
BOOT_PROGRESS = {"PowerOff": "None", "Reset": "None", "InPost": "PrimaryProcessorInitializationStarted",
                 "InPostDiscoveryStart": "PCIResourceConfigStarted",
                 "InPostDiscoveryComplete": "SystemHardwareInitializationComplete", "FinishedPost": "OSBootStarted"}


class SystemState:
    """Power/POST timeline and BIOS pending values of one system in one iLO."""

    def __init__(self, info):
        self.info = info
        self.power = info.power
        self.post = info.post
        self.timeline = []
        self.resets = []
        self.pending = {}


class Power:
    """Reset requests and the power/POST state machine of each system."""

    def _start_systems(self):
        """Every system as the tree shows it; one captured (or set) in the middle of POST finishes it, like a real server."""
        self.systems = {info.key: SystemState(info) for info in self.tree.systems}
        self.active = set()
        for state in self.systems.values():
            if state.power == "On" and state.post in IN_POST:
                state.timeline = [(time.monotonic() + float(self.config["post_duration_s"]), "On", "FinishedPost", False)]
                self.active.add(state)

    def _manager_reset(self, spec, value):
        """The iLO restarts: answer, forget every session, drop connections, then answer 503 for a while."""
        allowed = spec.get("ResetType@Redfish.AllowableValues")
        if allowed is not None and value is not None and value not in allowed:
            raise self.error(400, "ActionParameterValueNotInList", args=[str(value), "ResetType"], related=["#/ResetType"])
        self.manager_resets.append(value)
        self._forget_sessions()
        manager_settings.on_reset(self)
        now = time.monotonic()
        self.manager_down_until = now + float(self.config["manager_reset_down_s"])
        self.manager_ready_at = self.manager_down_until + float(self.config["manager_reset_not_ready_s"])
        return self._ext(200, [self._info(self.msg("Success"))])

    def _legacy_action(self, state, payload):
        action = payload.get("Action")
        if action not in state.info.legacy:
            raise self.error(400, "ActionNotSupported", args=[str(action)])
        caps = state.info.legacy[action]
        param = "PushType" if action == "PowerButton" else "ResetType"
        spec = {param + "@Redfish.AllowableValues": caps.get(param)} if caps.get(param) else {}
        return self._reset_request(state, spec, param, payload.get(param))

    def _reset_request(self, state, spec, param, value):
        if value is None:
            raise self.error(400, "ActionParameterMissing", args=["Reset", param], related=["#/" + param])
        allowed = spec.get(param + "@Redfish.AllowableValues")
        if allowed is not None and value not in allowed:
            raise self.error(400, "ActionParameterValueNotInList", args=[str(value), param], related=["#/" + param])
        boots = value in BOOTS or (value in ("PushPowerButton", "Press") and state.power == "Off")
        self._power(state, value)
        state.resets.append(value)
        if boots:
            virtual_media.on_server_reset(self)
            boot_override.on_server_boot(self, state)
        return self._ext(200, [self._info(self.msg("Success"))])

    # ----------------------------------------------------------------- power
    def _power(self, state, kind):
        """Schedule the power/POST transitions for a reset ``kind`` (see README "Power")."""
        now = time.monotonic()
        cfg = self.config
        power_d = float(cfg["power_duration_s"])
        graceful_d = float(cfg["graceful_shutdown_s"])
        on = state.power != "Off"
        off_only = ("ForceOff", "ForceRestart", "GracefulShutdown", "GracefulRestart", "Nmi", "PressAndHold", "PowerCycle")
        if not on and kind in off_only:
            raise self.error(400, "InvalidOperationForSystemState", "iLO", args=["Power is off"])
        if kind in ("On", "ForceOn") or (kind in ("PushPowerButton", "Press") and not on):
            if not on:
                state.timeline = self._boot(now + power_d)
        elif kind in ("ForceOff", "PressAndHold"):
            state.timeline = [(now + power_d, "Off", "PowerOff", False)]
        elif kind in ("GracefulShutdown", "PushPowerButton", "Press"):
            if not cfg["ignore_graceful"]:
                state.timeline = [(now + graceful_d, "Off", "PowerOff", False)]
        elif kind == "GracefulRestart" and self.generation >= 6:
            if not cfg["ignore_graceful"]:
                state.timeline = [(now + graceful_d, "On", "Reset", False)] + self._boot(now + graceful_d + power_d)
        elif kind in ("ForceRestart", "GracefulRestart"):
            state.timeline = [(now, "On", "Reset", False)] + self._boot(now + power_d)
        elif kind in ("ColdBoot", "AuxCycle", "PowerCycle"):
            state.timeline = [(now, "Off", "PowerOff", False)] + self._boot(now + power_d)
        self.active.add(state)
        self._advance()

    def _boot(self, start):
        post = float(self.config["post_duration_s"])
        return [(start, "On", "InPost", False), (start + post / 2, "On", "InPostDiscoveryComplete", True),
                (start + post, "On", "FinishedPost", False)]

    def _advance(self):
        """Apply every transition whose time has come (state is computed lazily on each request)."""
        if not any(state.timeline for state in self.active):
            return
        now = time.monotonic()
        for state in list(self.active):
            while state.timeline and state.timeline[0][0] <= now:
                _when, power, post, apply_bios = state.timeline.pop(0)
                self._set_power(state, power, post)
                if apply_bios:
                    self._apply_bios(state)
                    boot_override.apply_order(self, state)
            if not state.timeline:
                self.active.discard(state)

    def _set_power(self, state, power, post):
        before = state.power
        state.power, state.post = power, post
        sim_events.on_power(self, state, before)
        body = self.mutable(state.info.key)
        if "PowerState" in body or "Power" not in body:
            body["PowerState"] = power
        if "Power" in body:
            body["Power"] = power
        oem = dig(body, "Oem", state.info.oem)
        if isinstance(oem, dict):
            oem["PostState"] = post
        # The DMTF signs of a reset, where the system has them: BootProgress and LastResetTime.
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if isinstance(body.get("BootProgress"), dict):
            body["BootProgress"]["LastState"] = BOOT_PROGRESS.get(post, "OEM")
            body["BootProgress"]["LastStateTime"] = now
        if "LastResetTime" in body and post == "InPost":
            body["LastResetTime"] = now

    def set_state(self, system_id, power_state=None, post_state=None, finish_post_s=None):
        """Put a system in a power/POST state at once (tests); ``finish_post_s``: seconds until POST finishes
        (default: the configured ``post_duration_s`` when the state is On and in POST; null: never)."""
        with self.lock:
            self._advance()
            matches = [s for s in self.systems.values() if s.info.id == str(system_id)]
            if not matches:
                raise ValueError("no system %r" % system_id)
            state = matches[0]
            power = power_state or state.power
            post = post_state or ("FinishedPost" if power == "On" else "PowerOff")
            self._set_power(state, power, post)
            state.timeline = []
            self.active.discard(state)
            if power == "On" and post in IN_POST and finish_post_s != "never":
                delay = float(self.config["post_duration_s"] if finish_post_s is None else finish_post_s)
                state.timeline = [(time.monotonic() + delay, "On", "FinishedPost", False)]
                self.active.add(state)
            return {"power_state": state.power, "post_state": state.post}
