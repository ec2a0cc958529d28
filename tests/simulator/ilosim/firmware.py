# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firmware updates, a mixin of :class:`ilosim.engine.Ilo` (shapes from the real iLO 5/6/7 trees' UpdateService).

- ``UpdateService.SimpleUpdate`` and ``HpeiLOUpdateServiceExt.AddFromUri`` (iLO 4: ``InstallFromURI``): the iLO
  answers at once and pulls ``ImageURI`` in the background (a real HTTP GET: a loopback server in tests).
- ``HttpPushUri`` (``/cgi-bin/uploadFile``): iLO's multipart form -- ``sessionKey`` (or the ``sessionKey`` cookie)
  of a live session, ``parameters`` JSON (``UpdateRepository``, ``UpdateTarget``), optional ``compsig``, ``file``.
  Every byte received is counted (``fw_log()['bytes_uploaded']``).
- The state machine of ``Oem.Hpe.State`` (iLO 4: ``State``): Uploading -> Verifying -> Writing -> Complete, or
  Error with ``Oem.Hpe.Result`` (an iLO registry message), ``firmware_step_s`` per step.
- A package is a ``.fwpkg`` (zip with ``payload.json``) or a bare image whose first line is
  ``ILOSIM-IMAGE version=X`` (the iLO's own firmware). ``UpdateRepository`` adds it to ``ComponentRepository``;
  ``UpdateTarget`` with ``UpdatableBy`` Bmc flashes the inventory items whose ``Oem.Hpe.Targets`` match; flashing
  the iLO itself resets the iLO (sessions forgotten, connections refused, then 503) one step after Complete.
- ``UpdateTaskQueue``: a POSTed ``ApplyUpdate`` task for a repository file stays Pending and is applied at the
  next server boot (with the BIOS settings), then reads Complete.
- Faults (config ``firmware_fault``): ``bad_signature`` (Verifying fails), ``flash_failed`` (Writing fails); an
  unreachable ``ImageURI`` fails by itself.
"""

import io
import json
import re
import threading
import time
import urllib.request
import zipfile

from ilosim.base import HttpError, dig, key_of, link_of, norm

STEPS = ("Uploading", "Verifying", "Writing")


class Firmware:
    """Firmware update state of one simulated iLO."""

    def _start_firmware(self):
        self.fw = {"bytes_uploaded": 0, "uploads": [], "pulls": [], "flashes": [], "job": None, "seq": 0}

    def fw_log(self):
        """What reached the update service: uploads (name, bytes), pulls (url), flashes (name, version, items)."""
        with self.lock:
            self._advance()
            return {"bytes_uploaded": self.fw["bytes_uploaded"], "uploads": list(self.fw["uploads"]),
                    "pulls": list(self.fw["pulls"]), "flashes": list(self.fw["flashes"]), "state": self._fw_state()}

    # ------------------------------------------------------------------ where
    def _fw_service_key(self):
        root = self.tree.bodies.get(self.tree.root_key) or {}
        found = key_of(link_of(root.get("UpdateService")))
        if found and self.body(found) is not None:
            return found
        for key in self.tree.bodies:
            if key.startswith("/redfish/v1/managers/") and key.endswith("/updateservice"):
                return key
        return None

    def _fw_oem(self, body):
        oem = body.get("Oem") or {}
        return oem.get("Hpe") or oem.get("Hp") or {}

    def _fw_link(self, name):
        key = self._fw_service_key()
        body = self.body(key) if key else None
        return key_of(link_of(self._fw_oem(body or {}).get(name))) if body else None

    def _fw_push_key(self):
        key = self._fw_service_key()
        body = self.body(key) if key else None
        push = (body or {}).get("HttpPushUri")
        return norm(push) if isinstance(push, str) else None

    def _fw_state(self):
        key = self._fw_service_key()
        body = self.body(key) if key else None
        if not body:
            return None
        return body.get("State") if self.generation == 4 else self._fw_oem(body).get("State")

    def _fw_set_state(self, state, result=None, percent=None):
        body = self.mutable(self._fw_service_key())
        target = body if self.generation == 4 else body.setdefault("Oem", {}).setdefault("Hpe", {})
        target["State"] = state
        if result is not None:
            target["Result"] = result
        elif state in ("Uploading",):
            target.pop("Result", None)
        if percent is not None:
            target["FlashProgressPercent" if self.generation >= 5 else "ProgressPercent"] = percent

    # ------------------------------------------------------------------ routing
    def _route(self, method, key, query, headers, data, host, client, rest):
        push = self._fw_push_key()
        if push and key == push:
            if method != "POST":  # the upload form's target: POST only
                raise HttpError(405, [self._info(self.msg("OperationNotAllowed"))], [("Allow", "POST")])
            return self._fw_upload(headers, data)
        return super()._route(method, key, query, headers, data, host, client, rest)

    def _post(self, key, payload):
        queue = self._fw_link("UpdateTaskQueue")
        if queue and key == queue:
            return self._fw_add_task(key, payload)
        return super()._post(key, payload)

    def _action(self, key, payload):
        _owner, name, _spec = self.tree.actions[key]
        short = name.split(".")[-1]
        if short in ("SimpleUpdate", "AddFromUri", "InstallFromURI"):
            url = payload.get("FirmwareURI" if short == "InstallFromURI" else "ImageURI")
            prop = "FirmwareURI" if short == "InstallFromURI" else "ImageURI"
            if not isinstance(url, str) or not url:
                raise self.error(400, "PropertyMissing", args=[prop], related=["#/" + prop])
            if not re.match(r"^https?://", url):
                raise self.error(400, "SimpleUpdateInvalidImageURI", registry="iLO", args=[url, short])
            self._fw_busy()
            repository = bool(payload.get("UpdateRepository", short == "AddFromUri"))
            target = bool(payload.get("UpdateTarget", short != "AddFromUri"))
            self.fw["pulls"].append(url)
            self._fw_start(url.rsplit("/", 1)[-1], url=url, repository=repository, target=target)
            return self._ext(200, [self._info(self.msg("Success"))])
        return super()._action(key, payload)

    def _fw_busy(self):
        job = self.fw["job"]
        if job is not None and job["phase"] not in ("Complete", "Error"):
            raise self.error(400, "FirmwareFlashAlreadyInProgress", registry="iLO")

    # ------------------------------------------------------------------ upload
    def _fw_upload(self, headers, data):
        fields = self._fw_multipart(headers, data)
        key = fields.get("sessionKey", (None, b""))[1].decode("utf-8", "replace")
        cookie = re.search(r"sessionKey=([^;\s]+)", headers.get("Cookie") or "")
        token = key or (cookie.group(1) if cookie else "")
        if not token or token not in self.sessions:
            raise self.error(401, "NoValidSession")
        self.sessions[token].last_access = time.time()
        try:
            parameters = json.loads(fields.get("parameters", (None, b"{}"))[1].decode("utf-8") or "{}")
        except ValueError as exc:
            raise self.error(400, "UpdateBadParameter", registry="iLO") from exc
        if "file" not in fields:
            raise self.error(400, "PropertyMissing", args=["file"])
        self._fw_busy()
        name, content = fields["file"]
        self.fw["bytes_uploaded"] += len(data)
        self.fw["uploads"].append({"name": name, "bytes": len(data), "parameters": parameters,
                                   "compsig": "compsig" in fields})
        self._fw_start(name or "upload.bin", data=content, repository=bool(parameters.get("UpdateRepository", True)),
                       target=bool(parameters.get("UpdateTarget", True)))
        return self._json(200, {"Status": "Upload complete"})

    def _fw_multipart(self, headers, data):
        match = re.search(r'boundary="?([^";]+)"?', headers.get("Content-Type") or "")
        if not match or not data:
            raise self.error(400, "UpdateBadParameter", registry="iLO")
        delimiter = b"--" + match.group(1).encode("ascii")
        fields = {}
        for part in data.split(delimiter)[1:]:
            if part.startswith(b"--"):
                break
            head, _sep, body = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
            text = head.decode("utf-8", "replace")
            name = re.search(r'name="([^"]*)"', text)
            filename = re.search(r'filename="([^"]*)"', text)
            if name:
                fields[name.group(1)] = (filename.group(1) if filename else None, body[:-2] if body.endswith(b"\r\n") else body)
        return fields

    # ------------------------------------------------------------------ the state machine
    def _fw_start(self, name, url=None, data=None, repository=True, target=True):
        step = float(self.config.get("firmware_step_s", 0.1))
        job = {"name": name, "url": url, "data": data, "repository": repository, "target": target, "phase": "Uploading",
               "at": time.monotonic() + step, "error": None, "fetched": threading.Event()}
        if url is None:
            job["fetched"].set()
        else:
            def fetch():
                try:
                    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - the simulator pulls like an iLO
                        job["data"] = answer.read()
                except Exception as exc:  # pylint: disable=broad-exception-caught
                    job["error"] = str(exc)
                job["fetched"].set()
            threading.Thread(target=fetch, daemon=True).start()
        self.fw["job"] = job
        self._fw_set_state("Uploading", percent=0)

    def _advance(self):
        super()._advance()
        job = getattr(self, "fw", {}).get("job")
        if not job or job["phase"] in ("Complete", "Error"):
            if job and job.get("reset_at") and time.monotonic() >= job["reset_at"]:
                job["reset_at"] = None
                self._fw_self_reset()
            return
        step = float(self.config.get("firmware_step_s", 0.1))
        fault = self.config.get("firmware_fault", "none")
        while job["phase"] not in ("Complete", "Error") and time.monotonic() >= job["at"] and job["fetched"].is_set():
            if job["phase"] == "Uploading":
                if job["error"] is not None:
                    self._fw_fail(job, "SimpleUpdateInvalidImageURI", [job["url"], "SimpleUpdate"])
                    return
                package = self._fw_package(job)
                if package is None:
                    self._fw_fail(job, "UpdateInvalidFile", None)
                    return
                job["package"] = package
                job["phase"] = "Verifying"
            elif job["phase"] == "Verifying":
                if fault == "bad_signature":
                    self._fw_fail(job, "UpdateFailed", ["the component signature is not valid"])
                    return
                job["phase"] = "Writing"
            elif job["phase"] == "Writing":
                if fault == "flash_failed":
                    self._fw_fail(job, "UpdateFailed", ["flash write failed"])
                    return
                self._fw_apply(job)
                job["phase"] = "Complete"
            job["at"] += step
            self._fw_set_state(job["phase"], percent=100 if job["phase"] == "Complete" else 50)

    def _fw_fail(self, job, key, args):
        job["phase"] = "Error"
        result = {"MessageId": self.msg(key, "iLO")}
        if args:
            result["MessageArgs"] = [str(a) for a in args]
        self._fw_set_state("Error", result=result)

    def _fw_package(self, job):
        data = job["data"] or b""
        if data[:2] == b"PK":
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    names = [n for n in archive.namelist() if n.lower().rsplit("/", 1)[-1] == "payload.json"]
                    payload = json.loads(archive.read(names[0]).decode("utf-8")) if names else None
            except (zipfile.BadZipFile, ValueError, KeyError):
                return None
            if not isinstance(payload, dict):
                return None
            devices = dig(payload, "Devices", "Device") or []
            images = payload.get("FirmwareImages") or [{}]
            return {"version": str(payload.get("Version")), "targets": [str(d.get("Target", "")).lower() for d in devices],
                    "updatable_by": payload.get("UpdatableBy") or [], "direct": any(i.get("DirectFlashOK", True) for i in images),
                    "size": len(data)}
        match = re.match(rb"ILOSIM-IMAGE version=(\S+)", data)
        if not match:
            return None
        ilo = self._fw_items(ilo_only=True)
        return {"version": match.group(1).decode(), "targets": [t for _k, b in ilo for t in self._fw_targets(b)] or ["ilo"],
                "updatable_by": ["Bmc"], "direct": True, "size": len(data), "ilo_image": True}

    def _fw_items(self, ilo_only=False):
        key = self._fw_service_key()
        body = self.body(key) if key else None
        inventory = key_of(link_of((body or {}).get("FirmwareInventory")))
        coll = self.body(inventory) if inventory else None
        found = []
        for member in (coll or {}).get("Members") or []:
            mkey = key_of(member)
            item = self.body(mkey)
            if isinstance(item, dict) and (not ilo_only or self._fw_is_ilo(item)):
                found.append((mkey, item))
        return found

    @staticmethod
    def _fw_is_ilo(item):
        return item.get("Description") == "SystemBMC" or bool(re.match(r"^iLO \d+$", item.get("Name") or ""))

    def _fw_targets(self, item):
        return [str(t).lower() for t in self._fw_oem(item).get("Targets") or []]

    def _fw_apply(self, job):
        package = job["package"]
        if job["repository"]:
            self._fw_repository_add(job["name"], package)
        by = set(u.lower() for u in package["updatable_by"])
        if not job["target"] or "bmc" not in by or not package["direct"]:
            return
        flashed = []
        if self.generation == 4:
            flashed = self._fw_flash_ilo4(package)
        for key, item in self._fw_items():
            if set(self._fw_targets(item)) & set(package["targets"]) or (package.get("ilo_image") and self._fw_is_ilo(item)):
                self.mutable(key)["Version"] = package["version"]
                flashed.append((key, item))
        self.fw["flashes"].append({"name": job["name"], "version": package["version"], "items": [k for k, _i in flashed]})
        if any(self._fw_is_ilo(i) for _k, i in flashed):
            job["reset_at"] = time.monotonic() + float(self.config.get("firmware_step_s", 0.1))

    def _fw_flash_ilo4(self, package):
        """iLO 4: the iLO's own entry of ``FirmwareInventory.Current``."""
        for key, body in self.tree.bodies.items():
            current = body.get("Current") if isinstance(body, dict) and key.endswith("/firmwareinventory") else None
            if isinstance(current, dict):
                mutable = self.mutable(key)
                for entries in mutable["Current"].values():
                    for entry in entries:
                        if re.match(r"^iLO( \d+)?$", entry.get("Name") or ""):
                            entry["VersionString"] = package["version"]
                            return [(key, {"Name": "iLO 4", "Description": "SystemBMC"})]
        return []

    def _fw_self_reset(self):
        """The iLO restarts after flashing itself (what Manager.Reset does, without a request)."""
        self.manager_resets.append("FirmwareUpdate")
        self._forget_sessions()
        now = time.monotonic()
        self.manager_down_until = now + float(self.config["manager_reset_down_s"])
        self.manager_ready_at = self.manager_down_until + float(self.config["manager_reset_not_ready_s"])

    def _fw_repository_add(self, name, package):
        coll_key = self._fw_link("ComponentRepository")
        if not coll_key:
            return
        coll = self.mutable(coll_key)
        self.fw["seq"] += 1
        uri = self.uri(coll_key).rstrip("/") + "/sim%04d" % self.fw["seq"]
        body = {"@odata.id": uri, "@odata.type": "#HpeComponent.v1_0_1.HpeComponent", "Id": "sim%04d" % self.fw["seq"],
                "Filename": name, "Filepath": name, "Name": name, "Version": package["version"], "Targets": package["targets"],
                "UpdatableBy": package["updatable_by"], "SizeBytes": package["size"], "Locked": False}
        self.overrides[norm(uri)] = body
        coll.setdefault("Members", []).append({"@odata.id": uri})
        coll["Members@odata.count"] = len(coll["Members"])

    # ------------------------------------------------------------------ task queue
    def _fw_add_task(self, key, payload):
        name = payload.get("Filename")
        if not isinstance(name, str):
            raise self.error(400, "PropertyMissing", args=["Filename"], related=["#/Filename"])
        component = self._fw_component(name)
        if component is None:
            raise self.error(400, "UpdateRepositoryUnavailable", registry="iLO")
        coll = self.mutable(key)
        self.fw["seq"] += 1
        uri = self.uri(key).rstrip("/") + "/sim%04d" % self.fw["seq"]
        body = {"@odata.id": uri, "@odata.type": "#HpeComponentUpdateTask.v1_2_0.HpeComponentUpdateTask",
                "Id": "sim%04d" % self.fw["seq"], "Name": payload.get("Name") or name, "Command": payload.get("Command", "ApplyUpdate"),
                "Filename": name, "UpdatableBy": payload.get("UpdatableBy") or ["Uefi"], "State": "Pending",
                "TPMOverride": bool(payload.get("TPMOverride", False))}
        self.overrides[norm(uri)] = body
        coll.setdefault("Members", []).append({"@odata.id": uri})
        coll["Members@odata.count"] = len(coll["Members"])
        return self._json(201, body, [("Location", uri)])

    def _fw_component(self, name):
        coll_key = self._fw_link("ComponentRepository")
        for member in (self.body(coll_key) or {}).get("Members") or [] if coll_key else []:
            body = self.body(key_of(member))
            if isinstance(body, dict) and body.get("Filename") == name:
                return body
        return None

    def _apply_bios(self, state):
        """At the server's boot: the pending UEFI tasks are applied too."""
        super()._apply_bios(state)
        queue = self._fw_link("UpdateTaskQueue")
        for member in (self.body(queue) or {}).get("Members") or [] if queue else []:
            task = self.body(key_of(member))
            if not isinstance(task, dict) or task.get("State") != "Pending":
                continue
            component = self._fw_component(task.get("Filename"))
            task = self.mutable(key_of(member))
            if component is None:
                task.update(State="Exception", Result={"MessageId": self.msg("UpdateRepositoryUnavailable", "iLO")})
                continue
            items = []
            for key, item in self._fw_items():
                if set(self._fw_targets(item)) & set(str(t).lower() for t in component.get("Targets") or []):
                    self.mutable(key)["Version"] = component["Version"]
                    items.append(key)
            self.fw["flashes"].append({"name": task["Filename"], "version": component["Version"], "items": items, "uefi": True})
            task.update(State="Complete", Result={"MessageId": self.msg("Success")})


__all__ = ["Firmware", "STEPS"]
