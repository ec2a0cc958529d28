# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ground floor of the engine: URI keys, link and body helpers, and what a handler returns or raises."""

import datetime

BODY_METHODS = ("POST", "PATCH", "PUT")
BASE_HEADERS = (("OData-Version", "4.0"), ("Cache-Control", "no-cache"), ("X-Frame-Options", "sameorigin"))
JSON_TYPE = "application/json; charset=utf-8"


def norm(path):
    """Lookup key: lower case, no query/fragment, one trailing slash removed, ``//`` kept."""
    path = path.split("?", 1)[0].split("#", 1)[0].lower()
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path or "/"


def rest_to_redfish(key):
    """Map a ``/rest/v1`` key onto the ``/redfish/v1`` key it mirrors."""
    if key == "/rest/v1" or key.startswith("/rest/v1/"):
        return "/redfish/v1" + key[len("/rest/v1"):]
    return key


def key_of(link):
    """The lookup key of a link object (or URI), or None."""
    uri = link if isinstance(link, str) else link_of(link)
    return rest_to_redfish(norm(uri)) if uri else None


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def link_of(value):
    """The URI of a link object (``{"@odata.id": u}`` or iLO 4 ``{"href": u}``)."""
    if isinstance(value, dict):
        uri = value.get("@odata.id", value.get("href"))
        if isinstance(uri, str):
            return uri
    return None


def dig(body, *path):
    for step in path:
        if not isinstance(body, dict):
            return None
        body = body.get(step)
    return body


def bare_etag(value):
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


class Response:
    """What the transport sends: status, headers, body bytes; ``drop`` closes the socket instead."""

    __slots__ = ("status", "headers", "body", "drop")

    def __init__(self, status, headers=None, body=b"", drop=False):
        self.status = status
        self.headers = headers or []
        self.body = body
        self.drop = drop


class Rendered:
    """A serialised resource: bytes, ETag and (lazily) the gzip form."""

    __slots__ = ("data", "etag", "gz", "content_type")

    def __init__(self, data, etag, content_type=JSON_TYPE):
        self.data = data
        self.etag = etag
        self.gz = None
        self.content_type = content_type


class HttpError(Exception):
    """Raised inside handlers to answer with an iLO error body."""

    def __init__(self, status, messages, headers=None):
        super().__init__(status)
        self.status = status
        self.messages = messages
        self.headers = headers or []
