# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resources as the client reads them: the iLO's copy-on-write bodies, rendering, GET/HEAD with ``$expand``
and ``?only``, ``Allow``, ETags and ``If-Match``; a mixin of :class:`ilosim.engine.Ilo`."""

import copy
import gzip

from ilosim import accounts
from ilosim import events as sim_events
from ilosim import logs as sim_logs
from ilosim import manager as manager_settings
from ilosim import boot as boot_override
from ilosim import virtual_media
from ilosim import writable
from ilosim.base import BASE_HEADERS, HttpError, Response, bare_etag, key_of


class Resources:
    """Bodies (tree or own copy), their rendered form, and reading them."""

    def body(self, key):
        if key in self.overrides:
            return self.overrides[key]
        return self.tree.bodies.get(key)

    def mutable(self, key):
        """The iLO's own copy of a resource, for changing it."""
        self.own_cache.pop((key, False), None)
        self.own_cache.pop((key, True), None)
        if key not in self.overrides:
            self.overrides[key] = copy.deepcopy(self.tree.bodies[key])
        return self.overrides[key]

    def rendered(self, key, rest=False):
        if key not in self.overrides:
            return self.tree.cached_render(key, rest)
        item = self.own_cache.get((key, rest))
        if item is None:
            item = self.tree.render(self.overrides[key], rest)
            self.own_cache[(key, rest)] = item
        return item

    def uri(self, key):
        return self.tree.uris.get(key, key)

    def _current(self, key, session):
        """``(body, rendered)`` of a resource, dynamic ones included; ``None`` when missing."""
        if key in self.tree.session_aliases:
            body = self._session_collection(session)
            return body, self.tree.render(body)
        found = self._session_by_key(key)
        if found is not None:
            body = self._session_body(found, session)
            return body, self.tree.render(body)
        body = self.body(key)
        if body is None:
            return None
        return body, None

    def _get(self, method, key, query, headers, rest, session):
        current = self._current(key, session)
        if current is None:
            if key in self.tree.actions:
                return self._not_allowed(key)
            raise self.error(404, "ResourceMissingAtURI", args=[key])
        body, rendered = current
        paged = sim_logs.page(self, key, body, query)
        if paged is not None:
            body, rendered = paged, self.tree.render(paged, rest)
        if self.generation >= 5 and isinstance(body, dict):
            if "only" in query and query["only"] != [""]:
                raise self.error(400, "QueryParameterValueTypeError", args=[query["only"][0], "only"])
            if "only" in query and len(body.get("Members") or []) == 1:
                member = key_of(body["Members"][0])
                found = self._current(member, session) if member else None
                if found is not None:
                    key, (body, rendered) = member, found
            expand = query.get("$expand")
            if expand and isinstance(body, dict):
                body = self._expand(body, session)
                rendered = self.tree.render(body, rest)
        if rendered is None:
            rendered = self.rendered(key, rest)
        elif rest:
            rendered = self.tree.render(body, rest)
        hdrs = list(BASE_HEADERS)
        hdrs.append(("Content-Type", rendered.content_type))
        hdrs.append(("ETag", 'W/"%s"' % rendered.etag))
        hdrs.append(("Allow", self._allow(key) or "GET, HEAD"))
        odata_type = body.get("@odata.type") if isinstance(body, dict) else None
        if odata_type:
            schema = odata_type.lstrip("#").split(".")[0]
            hdrs.append(("Link", "</redfish/v1/SchemaStore/en/%s.json/>; rel=describedby" % schema))
        payload = rendered.data
        if key.startswith("/redfish/v1/registrystore/") and "gzip" in (headers.get("Accept-Encoding") or "").lower():
            if rendered.gz is None:
                rendered.gz = gzip.compress(rendered.data, 6)
            payload = rendered.gz
            hdrs.append(("Content-Encoding", "gzip"))
        if method == "HEAD":
            hdrs.append(("Content-Length", str(len(payload))))
            return Response(200, hdrs, b"")
        return Response(200, hdrs, payload)

    def _expand(self, body, session):
        """Expand ``Members`` and other ``@odata.id``-only references one level (never ``Links``)."""
        out = dict(body)

        def expanded(link):
            if isinstance(link, dict) and set(link) == {"@odata.id"}:
                key = key_of(link)
                current = self._current(key, session) if key else None
                if current is not None and isinstance(current[0], dict):
                    item = dict(current[0])
                    if self.generation >= 5 and "@odata.id" in item:
                        item["@odata.etag"] = 'W/"%s"' % (current[1] or self.rendered(key)).etag
                    return item
            return link

        for name, value in body.items():
            if name in ("Links", "links", "@odata.id"):
                continue
            if name == "Members" and isinstance(value, list):
                out[name] = [expanded(item) for item in value]
            elif isinstance(value, dict):
                out[name] = expanded(value)
        return out

    def _allow(self, key):
        """The ``Allow`` value for a key, or None when nothing lives there."""
        if key in self.tree.session_aliases:
            return "GET, HEAD, POST"
        if self._session_by_key(key) is not None:
            return "GET, HEAD, DELETE"
        if key in self.tree.actions:
            return "POST"
        body = self.body(key)
        if body is None:
            return None
        if key in self.tree.settings_keys:
            return "GET, HEAD, POST, PUT, PATCH"
        if key == self.tree.subscriptions_key:
            return "GET, HEAD, POST"
        if accounts.owns(self, key):
            return "GET, HEAD, POST" if key == accounts.collection_key(self) else "GET, HEAD, PATCH, DELETE"
        if self.tree.subscriptions_key and key.startswith(self.tree.subscriptions_key + "/"):
            return sim_events.allow(self, key)
        methods = "GET, HEAD"
        if writable.patchable(body) or manager_settings.owns(self, key) or virtual_media.owns(self, key) \
                or boot_override.owns_order(self, key):
            methods += ", PATCH"
        if self.generation == 4 and (key in self.systems or sim_logs.is_service(self, key)):
            methods += ", POST"
        return methods

    def _check_if_match(self, headers, key):
        wanted = headers.get("If-Match")
        if not wanted:
            return
        owner = self.tree.actions[key][0] if key in self.tree.actions else key
        if self.body(owner) is None:
            return
        if wanted.strip() == "*":
            return
        etag = self.rendered(owner).etag
        if all(bare_etag(tag).upper() != etag for tag in wanted.split(",")):
            raise self.error(412, "PreconditionFailed")

    def _not_allowed(self, key):
        allow = self._allow(key)
        if allow is None:
            raise self.error(404, "ResourceMissingAtURI", args=[key])
        raise HttpError(405, [self._info(self.msg("OperationNotAllowed"))], [("Allow", allow)])
