# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication and sessions: Basic auth, login, the live session collection and resources, idle expiry;
a mixin of :class:`ilosim.engine.Ilo` (uses ``self.users``, ``self.config``, ``self.sessions`` and counters)."""

import base64
import copy
import re
import secrets
import time

from ilosim.base import dig, iso, norm


class Session:
    __slots__ = ("id", "token", "user", "uri", "created", "last_access", "ip")

    def __init__(self, sid, token, user, uri, ip):
        self.id, self.token, self.user, self.uri, self.ip = sid, token, user, uri, ip
        self.created = self.last_access = time.time()


class Sessions:
    """Who may ask, and the sessions they hold."""

    def session_info(self):
        with self.lock:
            self._expire_idle()
            return {
                "open": [{"id": s.id, "user": s.user, "uri": s.uri, "created": s.created, "last_access": s.last_access}
                         for s in self.sessions.values()],
                "created_total": self.created_total, "deleted_total": self.deleted_total,
                "failed_logins": self.failed_logins,
            }

    def _expire_idle(self):
        limit = self.config["session_timeout_s"]
        if not limit:
            return
        cutoff = time.time() - float(limit)
        for token in [t for t, s in self.sessions.items() if s.last_access < cutoff]:
            del self.sessions[token]
            self.deleted_total += 1

    def _authenticate(self, headers):
        self._expire_idle()
        token = headers.get("X-Auth-Token")
        if token:
            session = self.sessions.get(token)
            if session is not None:
                session.last_access = time.time()
                return session
            raise self.error(401, "NoValidSession")
        auth = headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                user, _sep, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                user, password = "", None
            if user in self.users and self.users[user] == password:
                return None
            self.failed_logins += 1
        raise self.error(401, "NoValidSession")

    def _login(self, payload, host, client, rest):
        user, password = payload.get("UserName"), payload.get("Password")
        if not isinstance(user, str) or not isinstance(password, str):
            missing = "UserName" if not isinstance(user, str) else "Password"
            raise self.error(400, "PropertyMissing", args=[missing], related=["#/" + missing])
        if self.users.get(user) != password:
            self.failed_logins += 1
            raise self.error(401, "NoValidSession")
        self._expire_idle()
        if len(self.sessions) >= int(self.config["session_limit"]):
            raise self.error(503, "SessionLimitExceeded")
        sid = "%s00000000%08x%s" % (re.sub(r"[^a-z0-9]", "", user.lower()) or "user", int(time.time()), secrets.token_hex(4)[:7])
        token = secrets.token_hex(16)
        uri = self.tree.session_uri.rstrip("/") + "/" + sid + "/"
        self.sessions[token] = Session(sid, token, user, uri, client)
        self.created_total += 1
        location = "https://%s%s" % (host, uri.replace("/redfish/v1/", "/rest/v1/") if rest else uri)
        body = self._ext_body([self._info(self.msg("Created"))], 201)
        return self._json(201, body, [("X-Auth-Token", token), ("Location", location), ("Link", "<%s>; rel=self" % uri)])

    def _logout(self, key):
        """End the session at ``key``; False when no live session is there."""
        session = self._session_by_key(key)
        if session is None:
            return False
        del self.sessions[session.token]
        self.deleted_total += 1
        return True

    def _forget_sessions(self):
        """Every session ends at once (an iLO reset, the ``expire_sessions`` fault)."""
        self.deleted_total += len(self.sessions)
        self.sessions.clear()

    def _session_by_key(self, key):
        prefix = norm(self.tree.session_uri) + "/"
        if not key.startswith(prefix):
            return None
        sid = key[len(prefix):]
        for session in self.sessions.values():
            if session.id == sid:
                return session
        return None

    def _session_body(self, session, current):
        oem = {
            "AccessTime": iso(session.last_access), "LoginTime": iso(session.created),
            "MySession": current is session, "UserAccount": session.user,
            "UserExpires": iso(session.last_access + float(self.config["session_timeout_s"] or 0)),
            "UserIP": session.ip, "UserTag": "REST", "UserType": "Local",
        }
        body = {"@odata.context": "/redfish/v1/$metadata#Session.Session", "@odata.id": session.uri,
                "@odata.type": "#Session.v1_0_0.Session", "Id": session.id, "Name": "User Session",
                "Description": "Manager User Session", "UserName": session.user}
        if self.generation == 4:
            oem["Type"] = "HpiLOSession.1.0.0"
            body["Oem"] = {"Hp": oem}
            body["Type"] = "Session.1.0.0"
            body["links"] = {"self": {"href": session.uri}}
        else:
            oem["@odata.type"] = "#HpeiLOSession.v2_1_0.HpeiLOSession"
            body["Oem"] = {"Hpe": oem}
        return body

    def _session_collection(self, current):
        key = norm(self.tree.session_uri)
        base = self.body(key)
        body = copy.deepcopy(base) if isinstance(base, dict) else {
            "@odata.id": self.tree.session_uri, "@odata.type": "#SessionCollection.SessionCollection",
            "Name": "Sessions", "Description": "Manager User Sessions"}
        body["Members"] = [{"@odata.id": s.uri} for s in self.sessions.values()]
        body["Members@odata.count"] = len(self.sessions)
        if "links" in body:
            body["links"] = dict(body["links"], Member=[{"href": s.uri} for s in self.sessions.values()])
        hpe = dig(body, "Oem", "Hpe")
        if isinstance(hpe, dict):
            if current is not None:
                hpe["Links"] = {"MySession": {"@odata.id": current.uri}}
            else:
                hpe.pop("Links", None)
        return body
