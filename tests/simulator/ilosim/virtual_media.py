# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual media devices as iLO behaves (``Managers/{id}/VirtualMedia/{1,2}``; "1" floppy/USB, "2" CD/DVD):

- iLO 5/6/7 (the real trees): the DMTF ``VirtualMedia.InsertMedia``/``EjectMedia`` actions and HPE's
  ``Oem.Hpe`` ``HpeiLOVirtualMedia.InsertVirtualMedia``/``EjectVirtualMedia`` do the same. ``Image``,
  ``Inserted`` and ``WriteProtected`` are read-only to a PATCH (400 ``PropertyNotWritable``); the only PATCH
  is ``Oem.Hpe.BootOnNextServerReset`` (the CD device has it).
- iLO 4 (HPE's iLO 4 API docs, proliantutils' captured bodies: no actions): a PATCH of ``Image`` (a URL
  inserts, ``null`` ejects), ``WriteProtected`` and ``Oem.Hp.BootOnNextServerReset``.
- Inserting into a device that has an image answers 400 ``iLO.x.MaxVirtualMediaConnectionEstablished``,
  ejecting an empty one ``NoVirtualMediaConnectionAvailable`` (also a boot flag set on an empty device),
  changing ``WriteProtected`` of an inserted image ``UnableToModifyAfterVirtualMediaInsert``; an image URL
  that is not http(s) ``ActionParameterValueFormatError`` (iLO 4: ``PropertyValueFormatError``); a license
  without scripted virtual media (``LicenseFeatures.VMScript`` false) ``LicenseKeyRequired``.
- The iLO connects the image after it answered: ``Image`` shows the URL at once, ``Inserted`` and
  ``ConnectedVia: URI`` follow ``media_connect_s`` later. The fault ``unreachable_image`` (``image``: a regular
  expression of URLs, default every one) models a URL the iLO cannot reach: the insert is answered 200 like
  any other, and at connect time the device is empty again (``Image`` "", ``Inserted`` false).
- Ejecting clears ``BootOnNextServerReset`` (iLO does). A server reset (power.py) boots from the CD once
  when it is set, then clears it.

Wired into the engine by :func:`owns` (``Allow``), :func:`patch` (settings.py), :func:`action` (routing.py)
and :func:`advance` (routing.py, every request).
"""

import re
import time

from ilosim import writable
from ilosim.base import HttpError, dig

SCHEMES = ("http://", "https://")
INSERT = ("VirtualMedia.InsertMedia", "HpeiLOVirtualMedia.InsertVirtualMedia", "HpiLOVirtualMedia.InsertVirtualMedia")
EJECT = ("VirtualMedia.EjectMedia", "HpeiLOVirtualMedia.EjectVirtualMedia", "HpiLOVirtualMedia.EjectVirtualMedia")


def owns(ilo, key):
    body = ilo.body(key)
    return isinstance(body, dict) and writable.resource_type(body) == "VirtualMedia"


def _oem(body):
    oem = body.get("Oem") or {}
    return "Hp" if "Hp" in oem and "Hpe" not in oem else "Hpe"


def _bad(ilo, key, args=None, related=None, registry="Base"):
    return HttpError(400, [ilo._info(ilo.msg(key, registry), args, related)])  # pylint: disable=protected-access


def _ok(ilo):
    return ilo._ext(200, [ilo._info(ilo.msg("Success"))])  # pylint: disable=protected-access


def _has_image(body):
    return bool(body.get("Image")) or body.get("Inserted") is True


def _licensed(ilo):
    """False when a license of the tree says scripted virtual media is not licensed (``LicenseFeatures.VMScript``)."""
    for key in ilo.tree.bodies:
        if "/licenseservice/" in key:
            body = ilo.body(key)
            if isinstance(body, dict) and dig(body, "LicenseFeatures", "VMScript") is False:
                return False
    return True


def _insert(ilo, key, image, write_protected, legacy):
    body = ilo.body(key)
    if not _licensed(ilo):
        raise _bad(ilo, "LicenseKeyRequired", registry="iLO")
    if not isinstance(image, str) or not image.lower().startswith(SCHEMES) or len(image) <= 8:
        if legacy:
            raise _bad(ilo, "PropertyValueFormatError", [str(image), "Image"], ["#/Image"])
        raise _bad(ilo, "ActionParameterValueFormatError", [str(image), "Image", "InsertMedia"], ["#/Image"])
    if write_protected is not None and not isinstance(write_protected, bool):
        raise _bad(ilo, "ActionParameterValueTypeError", [repr(write_protected), "WriteProtected", "InsertMedia"], ["#/WriteProtected"])
    if _has_image(body):
        raise _bad(ilo, "MaxVirtualMediaConnectionEstablished", registry="iLO")
    reachable = True
    for fault in [f for f in ilo.faults if f["kind"] == "unreachable_image"]:
        if re.search(fault.get("image") or ".", image):
            reachable = False
            ilo._consume(fault)  # pylint: disable=protected-access
            break
    target = ilo.mutable(key)
    target.update(Image=image, ImageName=image.rstrip("/").rsplit("/", 1)[-1], Inserted=False, ConnectedVia="NotConnected")
    if write_protected is not None:
        target["WriteProtected"] = write_protected
    ilo.media_connects[key] = (time.monotonic() + float(ilo.config.get("media_connect_s", 0.0)), reachable)
    advance(ilo)


def _eject(ilo, key):
    if not _has_image(ilo.body(key)):
        raise _bad(ilo, "NoVirtualMediaConnectionAvailable", registry="iLO")
    target = ilo.mutable(key)
    _empty(target)
    ilo.media_connects.pop(key, None)


def _empty(target):
    target.update(Image="", ImageName="", Inserted=False, ConnectedVia="NotConnected")
    block = dig(target, "Oem", _oem(target))
    if isinstance(block, dict) and "BootOnNextServerReset" in block:
        block["BootOnNextServerReset"] = False


def advance(ilo):
    """Connect (or, for an unreachable URL, drop) the images whose connect time has come."""
    now = time.monotonic()
    for key, (when, reachable) in list(ilo.media_connects.items()):
        if when > now:
            continue
        del ilo.media_connects[key]
        target = ilo.mutable(key)
        if reachable:
            target.update(Inserted=True, ConnectedVia="URI")
        else:
            _empty(target)


def action(ilo, owner, name, payload):
    """The answer to a virtual media action, or None when ``name`` is not one."""
    if name not in INSERT + EJECT or not owns(ilo, owner):
        return None
    if name in EJECT:
        _eject(ilo, owner)
        return _ok(ilo)
    if "Image" not in payload:
        raise _bad(ilo, "ActionParameterMissing", ["InsertMedia", "Image"], ["#/Image"])
    inserted = payload.get("Inserted", True)
    if inserted is not True:
        raise _bad(ilo, "ActionParameterValueNotInList", [str(inserted), "Inserted", "InsertMedia"], ["#/Inserted"])
    unknown = sorted(set(payload) - {"Image", "Inserted", "WriteProtected", "TransferProtocolType", "UserName", "Password"})
    if unknown:
        raise _bad(ilo, "ActionParameterUnknown", ["InsertMedia", unknown[0]], ["#/" + unknown[0]])
    _insert(ilo, owner, payload["Image"], payload.get("WriteProtected"), legacy=False)
    return _ok(ilo)


def patch(ilo, method, key, payload):
    """The answer to a PATCH of a virtual media device, or None when ``key`` is not one."""
    if method != "PATCH" or not owns(ilo, key):
        return None
    body = ilo.body(key)
    legacy = ilo.generation == 4
    oem_key = _oem(body)
    boot = None
    for name, value in payload.items():
        if name.startswith("@"):
            continue
        if name == "Oem":
            for sub, sub_value in ((value or {}).get(oem_key) or {}).items():
                if sub != "BootOnNextServerReset" or sub not in (dig(body, "Oem", oem_key) or {}):
                    raise _bad(ilo, "PropertyNotWritable", ["Oem/%s/%s" % (oem_key, sub)], ["#/Oem/%s/%s" % (oem_key, sub)])
                if not isinstance(sub_value, bool):
                    raise _bad(ilo, "PropertyValueTypeError", [repr(sub_value), sub], ["#/Oem/%s/%s" % (oem_key, sub)])
                boot = sub_value
        elif name not in body:
            raise _bad(ilo, "PropertyUnknown", [name], ["#/" + name])
        elif not legacy or name not in ("Image", "WriteProtected"):
            raise _bad(ilo, "PropertyNotWritable", [name], ["#/" + name])
    if legacy and "WriteProtected" in payload:
        value = payload["WriteProtected"]
        if not isinstance(value, bool):
            raise _bad(ilo, "PropertyValueTypeError", [repr(value), "WriteProtected"], ["#/WriteProtected"])
        if _has_image(body) and value != body.get("WriteProtected") and "Image" not in payload:
            raise _bad(ilo, "UnableToModifyAfterVirtualMediaInsert", ["WriteProtected"], ["#/WriteProtected"], "iLO")
    if legacy and "Image" in payload:
        if payload["Image"] is None:
            _eject(ilo, key)
        else:
            _insert(ilo, key, payload["Image"], payload.get("WriteProtected"), legacy=True)
    elif legacy and "WriteProtected" in payload:
        ilo.mutable(key)["WriteProtected"] = payload["WriteProtected"]
    if boot is not None:
        if boot and not _has_image(ilo.body(key)):
            raise _bad(ilo, "NoVirtualMediaConnectionAvailable", registry="iLO")
        ilo.mutable(key)["Oem"][oem_key]["BootOnNextServerReset"] = boot
    return _ok(ilo)


def on_server_reset(ilo):
    """A server reset boots from the device set to boot once and clears its flag; its key, or None."""
    for key in ilo.tree.bodies:
        body = ilo.body(key)
        if owns(ilo, key) and dig(body, "Oem", _oem(body), "BootOnNextServerReset") is True:
            ilo.mutable(key)["Oem"][_oem(body)]["BootOnNextServerReset"] = False
            return key
    return None
