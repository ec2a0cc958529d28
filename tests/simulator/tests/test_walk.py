# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""README acceptance: walk every link reachable from the root of both full mockup trees."""

import base64
import http.client
import json
import ssl
import urllib.parse

import pytest
from requests.utils import requote_uri

from simclient import AUTH, FAST, ILO5_MOCKUP, ILO6_MOCKUP, load_mockup
from ilosim.engine import norm


class KeepAlive:
    """GETs over one HTTPS connection with Basic auth, as ``simclient.Client`` sends them (fragment dropped, URI
    quoted as requests quotes it) but without requests' per-call machinery, which was most of the walk's CPU."""

    def __init__(self, fleet):
        parts = urllib.parse.urlsplit(fleet.urls[0])
        self.address = (parts.hostname, parts.port)
        self.context = ssl.create_default_context(cafile=fleet.ca_path)
        self.headers = {"Authorization": "Basic " + base64.b64encode(":".join(AUTH).encode()).decode()}
        self.connection = None

    def get(self, uri):
        """``(status, content type, body)``; a connection the server closed is opened again once."""
        target = requote_uri(uri.split("#", 1)[0])
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPSConnection(*self.address, context=self.context, timeout=10)
            try:
                self.connection.request("GET", target, headers=self.headers)
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, response.getheader("Content-Type", ""), body
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def links(value, out):
    if isinstance(value, dict):
        for name, item in value.items():
            if name == "@odata.id" and isinstance(item, str):
                out.append(item)
            else:
                links(item, out)
    elif isinstance(value, list):
        for item in value:
            links(item, out)
    return out


@pytest.mark.parametrize("path", [ILO5_MOCKUP, ILO6_MOCKUP], ids=["ilo5", "ilo6"])
def test_walk_every_link(sim, path):
    tree = load_mockup(path)
    present = {norm(uri) for uri in tree}
    client = KeepAlive(sim(tree=tree, config=dict(FAST)))
    seen, todo, status = set(), ["/redfish/v1/"], {}
    while todo:
        uri = todo.pop()
        key = norm(uri)
        if key in seen or not key.startswith("/redfish/v1"):
            continue
        seen.add(key)
        code, content_type, body = client.get(uri)
        status[uri] = code
        if code == 200 and content_type.startswith("application/json"):
            todo.extend(links(json.loads(body), []))
    client.close()
    ok = [u for u, code in status.items() if code == 200]
    assert len(ok) > 1000
    # every linked resource the mockup holds answers 200; links to resources the mockup lacks
    # (JsonSchemas, TelemetryService, a few dangling ones) answer 404 and nothing else.
    wrong = {u: code for u, code in status.items() if code != (200 if norm(u) in present else 404)}
    assert wrong == {}
    missing = [u for u, code in status.items() if code == 404]
    assert all(norm(u) not in present for u in missing)
    assert len(missing) < 130
