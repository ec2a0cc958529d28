# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request handler: ``/rest`` redirects and mirror, public resources, method dispatch, DELETE and POST
(sessions, event subscriptions, actions); a mixin of :class:`ilosim.engine.Ilo`."""

import json
from urllib.parse import parse_qs, urlsplit

from ilosim import accounts
from ilosim import events as sim_events
from ilosim import logs as sim_logs
from ilosim import virtual_media
from ilosim.base import BASE_HEADERS, BODY_METHODS, HttpError, Response, key_of, norm, rest_to_redfish


class Routing:
    """From a request to the handler that answers it."""

    def handle(self, method, target, headers, data=b"", host="127.0.0.1", client="127.0.0.1", fault=None):
        """Answer one request to ``/redfish`` or ``/rest``. ``headers`` is a case-insensitive mapping."""
        split = urlsplit(target)
        path = split.path or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        key = norm(path)
        with self.lock:
            self._advance()
            virtual_media.advance(self)
            try:
                if fault is not None:
                    return self._fault_response(fault, method, key)
                rest = False
                if key == "/rest" or key.startswith("/rest/"):
                    if self.generation >= 5 or not (key == "/rest/v1" or key.startswith("/rest/v1/")):
                        location = "https://%s/redfish/v1%s/" % (host, path[len("/rest/v1"):].rstrip("/")) \
                            if key.startswith("/rest/v1") else "https://%s/redfish/v1/" % host
                        return Response(308, list(BASE_HEADERS) + [("Location", location)])
                    rest = True
                    key = rest_to_redfish(key)
                response = self._route(method, key, query, headers, data, host, client, rest)
            except HttpError as exc:
                response = self._ext(exc.status, exc.messages, exc.headers)
                if exc.status == 401:
                    response.headers.append(("WWW-Authenticate", 'Basic realm="iLO"'))
            if rest:
                response.headers = [(k, v.replace("/redfish/v1", "/rest/v1") if k == "Location" else v)
                                    for k, v in response.headers]
            return response

    def _route(self, method, key, query, headers, data, host, client, rest):
        if key == "/redfish" and method in ("GET", "HEAD"):
            return self._json(200, {"v1": "/redfish/v1/"})
        if key in self.tree.public_keys and method in ("GET", "HEAD"):
            return self._get(method, key, query, headers, rest, None)
        if method == "POST" and key in self.tree.login_keys:
            return self._login(self._parse(data), host, client, rest)
        user_session = self._authenticate(headers)
        if method in ("GET", "HEAD"):
            return self._get(method, key, query, headers, rest, user_session)
        if method == "OPTIONS":
            allow = self._allow(key)
            if allow is None:
                raise self.error(404, "ResourceMissingAtURI", args=[key])
            return Response(200, list(BASE_HEADERS) + [("Allow", allow)])
        if method not in BODY_METHODS + ("DELETE",):
            return self._not_allowed(key)
        payload = self._parse(data) if method in BODY_METHODS else None
        self._check_if_match(headers, key)
        answer = accounts.handle(self, method, key, payload, user_session, headers)
        if answer is not None:
            return answer
        if method == "DELETE":
            return self._delete(key)
        if method == "POST":
            return self._post(key, payload)
        return self._patch(method, key, payload)

    def _parse(self, data):
        if not data or not data.strip():
            return {}
        try:
            payload = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.error(400, "MalformedJSON") from exc
        if not isinstance(payload, dict):
            raise self.error(400, "MalformedJSON")
        return payload

    # ---------------------------------------------------------------- DELETE
    def _delete(self, key):
        if self._logout(key):
            return self._ext(200, [self._info(self.msg("Success"))])
        subs = self.tree.subscriptions_key
        if subs and key.startswith(subs + "/") and self.body(key) is not None:
            self.overrides[key] = None
            coll = self.mutable(subs)
            coll["Members"] = [m for m in coll.get("Members", []) if key_of(m) != key]
            coll["Members@odata.count"] = len(coll["Members"])
            return self._ext(200, [self._info(self.msg("Success"))])
        return self._not_allowed(key)

    # ------------------------------------------------------------------ POST
    def _post(self, key, payload):
        if key in self.tree.actions:
            return self._action(key, payload)
        if key == self.tree.subscriptions_key and self.body(key) is not None:
            return self._subscribe(key, payload)
        if self.generation == 4 and key in self.systems and "Action" in payload:
            return self._legacy_action(self.systems[key], payload)
        answer = sim_logs.post(self, key, payload)
        if answer is not None:
            return answer
        return self._not_allowed(key)

    def _subscribe(self, key, payload):
        if not isinstance(payload.get("Destination"), str):
            raise self.error(400, "PropertyMissing", args=["Destination"], related=["#/Destination"])
        if payload.get("Protocol", "Redfish") != "Redfish":
            raise self.error(400, "PropertyValueNotInList", args=[str(payload["Protocol"]), "Protocol"], related=["#/Protocol"])
        sim_events.check_subscription(self, payload)
        self.subscription_seq += 1
        coll = self.mutable(key)
        uri = self.uri(key).rstrip("/") + "/%d/" % self.subscription_seq
        body = {"@odata.id": uri, "@odata.type": "#EventDestination.v1_0_0.EventDestination",
                "Id": str(self.subscription_seq), "Name": "Event Subscription", "Protocol": "Redfish"}
        body.update({k: v for k, v in payload.items() if not k.startswith("@")})
        body["@odata.id"] = uri
        self.overrides[norm(uri)] = body
        coll.setdefault("Members", []).append({"@odata.id": uri})
        coll["Members@odata.count"] = len(coll["Members"])
        return self._json(201, body, [("Location", uri)])

    def _action(self, key, payload):
        owner, name, spec = self.tree.actions[key]
        short = name.split(".")[-1]
        if name == "ComputerSystem.Reset":
            return self._reset_request(self.systems[owner], spec, "ResetType", payload.get("ResetType"))
        if owner in self.systems and short == "SystemReset":
            return self._reset_request(self.systems[owner], spec, "ResetType", payload.get("ResetType"))
        if owner in self.systems and short == "PowerButton":
            return self._reset_request(self.systems[owner], spec, "PushType", payload.get("PushType"))
        if name == "Manager.Reset":
            return self._manager_reset(spec, payload.get("ResetType"))
        if name == "Bios.ResetBios":
            for state in self.systems.values():
                if owner in (state.info.bios_key, state.info.settings_key):
                    self._stage_defaults(state)
                    return self._ext(200, [self._info(self.msg("SystemResetRequired", "iLO"))])
        answer = virtual_media.action(self, owner, name, payload)
        if answer is not None:
            return answer
        answer = sim_logs.action(self, owner, name, payload)
        if answer is None:
            answer = sim_events.action(self, owner, name, payload)
        if answer is not None:
            return answer
        # An action the tree advertises but the simulator does not carry out: never a silent 200, so that
        # a module's test cannot pass against a no-op (Base.ActionNotSupported, the registry's word for it).
        raise self.error(400, "ActionNotSupported", args=[name])
