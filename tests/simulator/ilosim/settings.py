# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes that change a resource: BIOS settings objects (pending values, registry defaults, apply at POST)
and the generic PATCH of other resources, checked against :mod:`ilosim.writable`; a mixin of
:class:`ilosim.engine.Ilo`."""

import json

from ilosim import events as sim_events
from ilosim import manager as manager_settings
from ilosim import boot as boot_override
from ilosim import registry as reg
from ilosim import virtual_media
from ilosim import writable
from ilosim.base import HttpError, dig, key_of, link_of, now_iso

# Top-level keys of an iLO 4 flat HpBios body that are not BIOS attributes.
FLAT_META = {"Type", "Name", "Description", "AttributeRegistry", "Id", "Modified", "SettingsResult", "links",
             "Links", "Oem", "Actions", "SettingsObject"}


class Settings:
    """Pending BIOS values and validated PATCHes."""

    def _bios_current(self, state):
        body = self.body(state.info.bios_key)
        if not state.info.flat:
            return dict(body.get("Attributes") or {})
        return {k: v for k, v in body.items() if not k.startswith("@") and k not in FLAT_META and not isinstance(v, (dict, list))}

    def _patch(self, method, key, payload):
        answer = sim_events.patch(self, method, key, payload)
        if answer is not None:
            return answer
        answer = manager_settings.patch(self, method, key, payload)
        if answer is None:
            answer = virtual_media.patch(self, method, key, payload)
        if answer is None:
            answer = boot_override.patch_order(self, method, key, payload)
        if answer is not None:
            return answer
        for state in self.systems.values():
            if key == state.info.settings_key:
                return self._patch_bios(state, method, payload)
        body = self.body(key)
        if method == "PUT" or not writable.patchable(body):
            return self._not_allowed(key)
        boot_override.check_patch(self, key, payload)
        paths = writable.declared(body)
        errors = []
        changes = {}
        for name, value in payload.items():
            if name.startswith("@"):
                continue
            errors.extend(self._check_property(body, name, value, (), paths))
            changes[name] = value
        if errors:
            raise HttpError(400, errors)
        target = self.mutable(key)
        for name, value in changes.items():
            if isinstance(value, dict) and isinstance(target.get(name), dict):
                target[name].update(value)
            else:
                target[name] = value
        return self._ext(200, [self._info(self.msg("Success"))])

    def _check_property(self, body, name, value, parents, paths):
        """The error entries for setting ``name`` (under ``parents``) of ``body`` to ``value``, per :mod:`writable`."""
        path = parents + (name,)
        related = ["#/" + "/".join(path)]
        if name not in body:
            return [self._info(self.msg("PropertyUnknown"), [name], related)]
        access = writable.access(paths, path)
        current = body[name]
        if access is None or (access == "walk" and not isinstance(current, dict)):
            return [self._info(self.msg("PropertyNotWritable"), [name], related)]
        if current is not None and (isinstance(current, bool) != isinstance(value, bool)
                                    or isinstance(current, dict) != isinstance(value, dict)
                                    or isinstance(current, list) != isinstance(value, list)
                                    or isinstance(current, str) != isinstance(value, str)):
            return [self._info(self.msg("PropertyValueTypeError"), [json.dumps(value), name], related)]
        if isinstance(value, dict) and isinstance(current, dict):
            errors = []
            for sub, sub_value in value.items():
                errors.extend(self._check_property(current, sub, sub_value, path, paths if access == "walk" else [path]))
            return errors
        allowed = body.get(name + "@Redfish.AllowableValues") or writable.ENUMS.get(name)
        if allowed is not None and value not in allowed:
            return [self._info(self.msg("PropertyValueNotInList"), [str(value), name], related)]
        return []

    def _patch_bios(self, state, method, payload):
        if state.info.flat:
            attrs = {k: v for k, v in payload.items() if not k.startswith("@") and k not in FLAT_META}
        else:
            attrs = payload.get("Attributes", {})
            if not isinstance(attrs, dict):
                raise self.error(400, "PropertyValueTypeError", args=[json.dumps(attrs), "Attributes"], related=["#/Attributes"])
        if method == "PUT":
            state.pending = {}
        base = attrs.pop("BaseConfig", None)
        if isinstance(base, str) and base.startswith("default"):
            self._stage_defaults(state, sync=False)
        elif base is not None:
            attrs["BaseConfig"] = base
        state.pending.update(attrs)
        self._sync_settings(state)
        return self._ext(200, [self._info(self.msg("SystemResetRequired", "iLO"))])

    def _stage_defaults(self, state, sync=True):
        """Stage the registry defaults (``DefaultValue``/``CurrentValue``), else ``BaseConfigs[].default``.

        An attribute already pending is staged too, even when its default is its current value:
        a reset to defaults overrides whatever was staged before it.
        """
        current = self._bios_current(state)
        index = self.tree.bios_registry(self.body(state.info.bios_key).get("AttributeRegistry"))
        defaults = {}
        if index:
            for name in current:
                entry = index.get(name)
                if entry and not entry.get("ReadOnly"):
                    has, value = reg.attribute_default(entry)
                    if has and (value != current[name] or name in state.pending):
                        defaults[name] = value
        else:
            defaults = self._baseconfig_defaults(state, current)
        state.pending.update(defaults)
        if sync:
            self._sync_settings(state)

    def _baseconfig_defaults(self, state, current):
        bios = self.body(state.info.bios_key)
        link = dig(bios, "Oem", "Hpe", "Links", "BaseConfigs") or dig(bios, "links", "BaseConfigs")
        body = self.body(key_of(link)) if link_of(link) else None
        for config in (body or {}).get("BaseConfigs") or []:
            if isinstance(config, dict) and isinstance(config.get("default"), dict):
                return {k: v for k, v in config["default"].items() if k in current and (current[k] != v or k in state.pending)}
        return {}

    def _sync_settings(self, state):
        """Settings object = current attributes overlaid with the pending ones."""
        settings = self.mutable(state.info.settings_key)
        current = self._bios_current(state)
        if state.info.flat:
            settings.update(current)
            settings.update(state.pending)
        else:
            merged = dict(current)
            merged.update(state.pending)
            settings["Attributes"] = merged

    def _apply_bios(self, state):
        """At POST: validate the pending values against the registry, apply the good ones, report."""
        if not state.info.settings_key or not state.pending:
            return
        bios = self.mutable(state.info.bios_key)
        index = self.tree.bios_registry(bios.get("AttributeRegistry"))
        rejects = self._bios_rejects(state.pending)
        messages = [self._info(self.msg("Success"))]
        target = bios if state.info.flat else bios.setdefault("Attributes", {})
        for name, value in state.pending.items():
            problem = rejects.get(name)
            if problem is None and index is not None:
                key = reg.check_attribute(index.get(name), value)
                problem = self.msg(key) if key else None
            if problem is None:
                target[name] = value
                continue
            args = [name] if problem.endswith(("PropertyUnknown", "PropertyNotWritable")) else [json.dumps(value).strip('"'), name]
            messages.append(self._info(problem, args, ["#/" + name]))
        state.pending = {}
        self._sync_settings(state)
        settings_etag = self.rendered(state.info.settings_key).etag
        stamp = now_iso()
        if state.info.flat:
            bios["SettingsResult"] = {"ETag": settings_etag, "Time": stamp, "Messages": [
                {"MessageArgs": m.get("MessageArgs", []), "MessageID": self.msg.legacy(m["MessageId"])} for m in messages]}
        else:
            settings_meta = bios.setdefault("@Redfish.Settings", {})
            settings_meta.update({"ETag": settings_etag, "Time": stamp, "Messages": messages})
            unmodified = dig(bios, "Oem", "Hpe", "SettingsObject")
            if isinstance(unmodified, dict):
                unmodified["UnmodifiedETag"] = 'W/"%s"' % settings_etag
