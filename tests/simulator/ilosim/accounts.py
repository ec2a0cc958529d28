# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local accounts: the ``AccountService`` ``Accounts`` collection as iLO behaves (shapes from the real iLO 5, 6 and 7
trees' ``AccountService``, ``Accounts/*`` and ``Roles/*``, and public iLO 4 samples):

- ``POST`` to the collection creates an account (201, ``Location``): ``UserName`` and ``Password`` required,
  ``Oem.Hpe|Hp.LoginName`` (the display name, default the user name) and ``Privileges``, ``RoleId`` (iLO 5+),
  ``Enabled`` (iLO 5+). ``PATCH`` of an account changes those; ``DELETE`` removes it (``Base.AccountRemoved``)
  and ends its sessions. Unknown properties answer ``Base.PropertyUnknown``, read-only ones
  ``Base.PropertyNotWritable`` (never a silent 200).
- Password policy: ``MinPasswordLength`` of the account service (top level or OEM) to 39 characters
  (400 ``iLO.InvalidPasswordLength`` with both bounds as arguments), three character classes when
  ``Oem.*.EnforcePasswordComplexity`` (400 ``iLO.InvalidPasswordComplexity``). A password is never shown
  (``Password: null``) and never kept anywhere but the login table.
- Login names are unique, and display names are (each on its own: the real iLO 5 tree has an account whose display
  name is another's login name) (400 ``iLO.UserAlreadyExist``), at most 39 characters; 12 local accounts
  at most (400 ``Base.CreateLimitReachedForResource``).
- Privileges: iLO 4 has six, iLO 5+ ten (the keys the accounts show). On iLO 5+, ``RoleId`` sets the role's
  privileges (``AssignedPrivileges``/``OemPrivileges`` of ``Roles/<id>``; ``SystemRecoveryConfigPriv`` is kept), and
  ``RoleId`` follows the privileges (the role granting exactly them, recovery aside; else the largest role they
  contain). ``LoginPriv`` is always on.
- Who may: a caller with ``UserConfigPriv`` changes any account; without it, only its own password
  (``Base.InsufficientPrivilege``). A Basic-auth caller or the simulator's built-in users (no account in the
  tree) count as administrators.
- The login table (``ilo.users``) follows: a new account logs in with its password, a changed password works at
  once (the account's sessions are kept), a disabled or deleted account cannot log in.

Wired into the engine by :func:`handle` (routing.py, before DELETE/POST/PATCH) and :func:`owns` (``Allow``).
"""

import base64
import copy
import re

from ilosim.base import HttpError, dig, key_of, link_of

MAX_ACCOUNTS = 12
MAX_TEXT = 39
ILO4_PRIVILEGES = ("LoginPriv", "RemoteConsolePriv", "VirtualPowerAndResetPriv", "VirtualMediaPriv", "iLOConfigPriv", "UserConfigPriv")
ALL_PRIVILEGES = ILO4_PRIVILEGES + ("HostBIOSConfigPriv", "HostNICConfigPriv", "HostStorageConfigPriv", "SystemRecoveryConfigPriv")
ASSIGNED = {"Login": "LoginPriv", "ConfigureManager": "iLOConfigPriv", "ConfigureUsers": "UserConfigPriv"}
UNDECIDED = ("SystemRecoveryConfigPriv",)
WRITABLE = ("UserName", "Password", "RoleId", "Enabled", "Oem")
OEM_WRITABLE = ("LoginName", "Privileges")


def _oem(body):
    oem = body.get("Oem") or {}
    return "Hp" if "Hp" in oem and "Hpe" not in oem else "Hpe"


def service_key(ilo):
    root = ilo.body("/redfish/v1") or {}
    uri = link_of(root.get("AccountService")) or link_of(dig(root, "links", "AccountService"))
    return key_of(uri) if uri else None


def collection_key(ilo):
    key = service_key(ilo)
    body = ilo.body(key) if key else None
    if not isinstance(body, dict):
        return None
    uri = link_of(body.get("Accounts")) or link_of(dig(body, "links", "Accounts"))
    return key_of(uri) if uri else None


def _members(ilo, coll):
    body = ilo.body(coll) or {}
    found = [key_of(link_of(m)) for m in body.get("Members") or [] if link_of(m)]
    if not found:
        found = [key_of(link_of(m)) for m in dig(body, "links", "Member") or [] if link_of(m)]
    return [k for k in found if isinstance(ilo.body(k), dict)]


def owns(ilo, key):
    """True for the accounts collection and its accounts."""
    coll = collection_key(ilo)
    return coll is not None and (key == coll or key in _members(ilo, coll))


def _bad(ilo, key, args=None, related=None, registry="Base", status=400):
    return HttpError(status, [ilo._info(ilo.msg(key, registry), args, related)])  # pylint: disable=protected-access


def _ok(ilo, key):
    return ilo._ext(200, [ilo._info(ilo.msg(key))])  # pylint: disable=protected-access


def _caller(ilo, session, headers):
    """The login name of who is asking (a session's user, or the Basic user)."""
    if session is not None:
        return session.user
    auth = headers.get("Authorization") or ""
    try:
        return base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        return None


def _account_of(ilo, coll, name):
    for key in _members(ilo, coll):
        if str(ilo.body(key).get("UserName") or "").lower() == str(name or "").lower():
            return key
    return None


def _is_admin(ilo, coll, name):
    key = _account_of(ilo, coll, name)
    if key is None:
        return True  # the simulator's built-in users are administrators
    privs = dig(ilo.body(key), "Oem", _oem(ilo.body(key)), "Privileges") or {}
    return privs.get("UserConfigPriv") in (True, "true")


def _policy(ilo):
    body = ilo.body(service_key(ilo)) or {}
    oem = dig(body, "Oem", _oem(body)) or {}
    low = body.get("MinPasswordLength", oem.get("MinPasswordLength", 8))
    return int(low), bool(oem.get("EnforcePasswordComplexity"))


def _check_password(ilo, password):
    if not isinstance(password, str):
        raise _bad(ilo, "PropertyValueTypeError", ["(hidden)", "Password"], ["#/Password"])
    low, complexity = _policy(ilo)
    if not low <= len(password) <= MAX_TEXT:
        raise _bad(ilo, "InvalidPasswordLength", [str(low), str(MAX_TEXT)], ["#/Password"], "iLO")
    classes = sum(bool(re.search(p, password)) for p in (r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if complexity and classes < 3:
        raise _bad(ilo, "InvalidPasswordComplexity", None, ["#/Password"], "iLO")


def _check_text(ilo, value, where):
    if not isinstance(value, str):
        raise _bad(ilo, "PropertyValueTypeError", [repr(value), where], ["#/" + where])
    if not 0 < len(value) <= MAX_TEXT:
        raise _bad(ilo, "PropertyValueFormatError", [value, where], ["#/" + where])


def _unique(ilo, coll, own_key, user_name=None, login_name=None):
    for key in _members(ilo, coll):
        if key == own_key:
            continue
        body = ilo.body(key)
        # Each field unique on its own: the real iLO 5 tree has one account whose LoginName is another's UserName.
        if (user_name is not None and user_name.lower() == str(body.get("UserName") or "").lower()) or (
                login_name is not None and login_name.lower() == str(dig(body, "Oem", _oem(body), "LoginName") or "").lower()):
            raise _bad(ilo, "UserAlreadyExist", None, None, "iLO")


def _privilege_keys(ilo, coll):
    keys = set()
    for key in _members(ilo, coll):
        body = ilo.body(key)
        keys.update(dig(body, "Oem", _oem(body), "Privileges") or {})
    return [k for k in ALL_PRIVILEGES if k in keys] or list(ILO4_PRIVILEGES if ilo.generation == 4 else ALL_PRIVILEGES)


def _roles(ilo):
    """``{RoleId: set of privilege keys}`` of the roles in the tree (iLO 5+); {} on iLO 4."""
    service = ilo.body(service_key(ilo)) or {}
    uri = link_of(service.get("Roles"))
    found = {}
    body = ilo.body(key_of(uri)) if uri else None
    for member in (body or {}).get("Members") or []:
        role = ilo.body(key_of(link_of(member)))
        if isinstance(role, dict) and not str(role.get("Id", "")).startswith("dirgroup"):
            privs = {ASSIGNED[p] for p in role.get("AssignedPrivileges") or [] if p in ASSIGNED}
            privs |= set(role.get("OemPrivileges") or [])
            found[role.get("RoleId") or role.get("Id")] = privs
    return found


def _role_for(ilo, privileges):
    granted = {k for k, v in privileges.items() if v is True} - set(UNDECIDED)
    roles = _roles(ilo)
    for role, privs in roles.items():
        if privs - set(UNDECIDED) == granted:
            return role
    contained = sorted(((len(p), r) for r, p in roles.items() if p - set(UNDECIDED) <= granted), reverse=True)
    return contained[0][1] if contained else "ReadOnly"


def _apply(ilo, coll, key, body, payload, creating):
    """Check ``payload`` against ``body`` and set it; returns the new password (or None) for the login table."""
    oem_key = _oem(body)
    password = None
    keys = _privilege_keys(ilo, coll)
    for name, value in payload.items():
        if name.startswith("@"):
            continue
        if name not in WRITABLE or (name in ("RoleId", "Enabled") and name not in body):
            raise _bad(ilo, "PropertyUnknown" if name not in body else "PropertyNotWritable", [name], ["#/" + name])
    if "UserName" in payload:
        _check_text(ilo, payload["UserName"], "UserName")
        _unique(ilo, coll, None if creating else key, user_name=payload["UserName"])
    oem = (payload.get("Oem") or {}).get(oem_key) if isinstance(payload.get("Oem"), dict) else None
    if isinstance(payload.get("Oem"), dict):
        for sub, value in (oem or {}).items():
            if sub not in OEM_WRITABLE:
                raise _bad(ilo, "PropertyNotWritable", ["Oem/%s/%s" % (oem_key, sub)], ["#/Oem/%s/%s" % (oem_key, sub)])
        if oem is not None and "LoginName" in oem:
            _check_text(ilo, oem["LoginName"], "Oem/%s/LoginName" % oem_key)
            _unique(ilo, coll, key if not creating else None, login_name=oem["LoginName"])
        for priv, value in ((oem or {}).get("Privileges") or {}).items():
            if priv not in keys:
                raise _bad(ilo, "PropertyUnknown", ["Oem/%s/Privileges/%s" % (oem_key, priv)], ["#/Oem/%s/Privileges/%s" % (oem_key, priv)])
            if not isinstance(value, bool):
                raise _bad(ilo, "PropertyValueTypeError", [repr(value), priv], ["#/Oem/%s/Privileges/%s" % (oem_key, priv)])
    if "Enabled" in payload and not isinstance(payload["Enabled"], bool):
        raise _bad(ilo, "PropertyValueTypeError", [repr(payload["Enabled"]), "Enabled"], ["#/Enabled"])
    roles = _roles(ilo)
    if "RoleId" in payload and payload["RoleId"] not in roles:
        raise _bad(ilo, "PropertyValueNotInList", [str(payload["RoleId"]), "RoleId"], ["#/RoleId"])
    if "Password" in payload:
        _check_password(ilo, payload["Password"])
        password = payload["Password"]
    # Everything checked: change the body.
    block = body.setdefault("Oem", {}).setdefault(oem_key, {})
    privileges = block.setdefault("Privileges", {})
    if "UserName" in payload:
        body["UserName"] = payload["UserName"]
    if "Enabled" in payload:
        body["Enabled"] = payload["Enabled"]
    if "RoleId" in payload:
        for priv in keys:
            if priv not in UNDECIDED:
                privileges[priv] = priv in roles[payload["RoleId"]]
    if oem is not None and "LoginName" in oem:
        block["LoginName"] = oem["LoginName"]
    for priv, value in ((oem or {}).get("Privileges") or {}).items():
        privileges[priv] = value
    privileges["LoginPriv"] = True
    if "RoleId" in body:
        body["RoleId"] = _role_for(ilo, privileges)
        if isinstance(body.get("Links"), dict) and "Role" in body["Links"]:
            service = ilo.body(service_key(ilo)) or {}
            base = link_of(service.get("Roles")) or ""
            body["Links"]["Role"] = {"@odata.id": base.rstrip("/") + "/" + body["RoleId"] + ("/" if base.endswith("/") else "")}
    return password


def handle(ilo, method, key, payload, session, headers):
    """The answer to a write to the accounts collection or an account, or None when ``key`` is neither."""
    if method not in ("POST", "PATCH", "PUT", "DELETE") or not owns(ilo, key):
        return None
    coll = collection_key(ilo)
    caller = _caller(ilo, session, headers)
    admin = _is_admin(ilo, coll, caller)
    if key == coll:
        if method != "POST":
            return ilo._not_allowed(key)  # pylint: disable=protected-access
        if not admin:
            raise _bad(ilo, "InsufficientPrivilege", status=403)
        return _create(ilo, coll, payload or {})
    if method == "DELETE":
        if not admin:
            raise _bad(ilo, "InsufficientPrivilege", status=403)
        return _delete(ilo, coll, key)
    if method == "PUT":
        return ilo._not_allowed(key)  # pylint: disable=protected-access
    own = str(ilo.body(key).get("UserName") or "").lower() == str(caller or "").lower()
    if not admin and not (own and set(k for k in payload if not k.startswith("@")) <= {"Password"}):
        raise _bad(ilo, "InsufficientPrivilege", status=403)
    body = copy.deepcopy(ilo.body(key))
    old_name = body.get("UserName")
    password = _apply(ilo, coll, key, body, payload or {}, creating=False)
    target = ilo.mutable(key)
    target.clear()
    target.update(body)
    _login_table(ilo, old_name, body, password)
    return _ok(ilo, "AccountModified")


def _login_table(ilo, old_name, body, password):
    """Keep ``ilo.users`` (who can log in) in line with an account: rename, new password, enabled or not."""
    name = body.get("UserName")
    known = ilo.users.pop(old_name, None) if old_name in ilo.users else ilo.disabled_users.pop(old_name, None)
    if password is not None:
        known = password
    if known is None:
        return
    if body.get("Enabled", True) is False:
        ilo.disabled_users[name] = known
    else:
        ilo.users[name] = known


def _create(ilo, coll, payload):
    members = _members(ilo, coll)
    for name in ("UserName", "Password"):
        if name not in payload:
            raise _bad(ilo, "PropertyMissing", [name], ["#/" + name])
    if len(members) >= MAX_ACCOUNTS:
        raise _bad(ilo, "CreateLimitReachedForResource")
    template = ilo.body(members[0]) if members else {}
    oem_key = _oem(template) if template else ("Hp" if ilo.generation == 4 else "Hpe")
    keys = _privilege_keys(ilo, coll)
    ids = [int(k.rsplit("/", 1)[-1]) for k in members if k.rsplit("/", 1)[-1].isdigit()]
    new_id = str(max(ids) + 1 if ids else 1)
    base = ilo.uri(coll)
    uri = base.rstrip("/") + "/" + new_id + ("/" if base.endswith("/") else "")
    body = {k: template[k] for k in ("@odata.context", "@odata.type", "Type", "Description", "Name", "AccountTypes") if k in template}
    body.update({"@odata.id": uri, "Id": new_id, "UserName": None, "Password": None})
    oem = {"LoginName": None, "Privileges": {k: k == "LoginPriv" for k in keys}}
    template_oem = (template.get("Oem") or {}).get(oem_key) or {}
    for meta in ("@odata.context", "@odata.type", "Type"):
        if meta in template_oem:
            oem[meta] = template_oem[meta]
    if "ServiceAccount" in template_oem:
        oem["ServiceAccount"] = False
    body["Oem"] = {oem_key: oem}
    if ilo.generation >= 5 or "RoleId" in template:
        body["RoleId"] = "ReadOnly"
        body["Enabled"] = True
        if "Links" in template:
            body["Links"] = {"Role": {}}
        if "PasswordChangeRequired" in template:
            body["PasswordChangeRequired"] = False
    if ilo.generation == 4:
        body["links"] = {"self": {"href": uri}}
    password = _apply(ilo, coll, None, body, payload, creating=True)
    if not oem.get("LoginName"):
        oem["LoginName"] = body["UserName"]
    key = key_of(uri)
    ilo.overrides[key] = body
    target = ilo.mutable(coll)
    target.setdefault("Members", []).append({"@odata.id": uri})
    target["Members@odata.count"] = len(target["Members"])
    if isinstance(target.get("links"), dict):
        target["links"]["Member"] = [{"href": m["@odata.id"]} for m in target["Members"]]
        target["Total"] = len(target["Members"])
    _login_table(ilo, None, body, password)
    return ilo._json(201, body, [("Location", uri)])  # pylint: disable=protected-access


def _delete(ilo, coll, key):
    name = ilo.body(key).get("UserName")
    ilo.overrides[key] = None
    target = ilo.mutable(coll)
    target["Members"] = [m for m in target.get("Members", []) if key_of(link_of(m)) != key]
    target["Members@odata.count"] = len(target["Members"])
    if isinstance(target.get("links"), dict):
        target["links"]["Member"] = [{"href": m["@odata.id"]} for m in target["Members"]]
        target["Total"] = len(target["Members"])
    ilo.users.pop(name, None)
    ilo.disabled_users.pop(name, None)
    for token in [t for t, s in ilo.sessions.items() if s.user == name]:
        del ilo.sessions[token]
        ilo.deleted_total += 1
    return _ok(ilo, "AccountRemoved")


__all__ = ["handle", "owns"]
