# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""README acceptance: walk every link reachable from the root of both full mockup trees."""

import pytest

from simclient import FAST, ILO5_MOCKUP, ILO6_MOCKUP, Client, load_mockup
from ilosim.engine import norm


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
    client = Client(sim(tree=tree, config=dict(FAST)))
    seen, todo, status = set(), ["/redfish/v1/"], {}
    while todo:
        uri = todo.pop()
        key = norm(uri)
        if key in seen or not key.startswith("/redfish/v1"):
            continue
        seen.add(key)
        resp = client.get(uri)
        status[uri] = resp.status_code
        if resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json"):
            todo.extend(links(resp.json(), []))
    ok = [u for u, code in status.items() if code == 200]
    assert len(ok) > 1000
    # every linked resource the mockup holds answers 200; links to resources the mockup lacks
    # (JsonSchemas, TelemetryService, a few dangling ones) answer 404 and nothing else.
    wrong = {u: code for u, code in status.items() if code != (200 if norm(u) in present else 404)}
    assert wrong == {}
    missing = [u for u, code in status.items() if code == 404]
    assert all(norm(u) not in present for u in missing)
    assert len(missing) < 130
