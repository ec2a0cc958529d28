# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest setup for the simulator: ``ilosim`` importable, and the ``sim`` factory fixture.

``sim(**kwargs)`` starts ``ilosim.start(**kwargs)`` with a per-run certificate directory
and stops it after the test. Other test suites can use it the same way.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import ilosim  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def sim_state_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("ilosim-state"))


@pytest.fixture
def sim(sim_state_dir, monkeypatch):  # pylint: disable=redefined-outer-name
    """Factory: ``sim(profile=..., mockup=..., tree=..., count=..., config=...)`` -> running Fleet."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    fleets = []

    def factory(**kwargs):
        kwargs.setdefault("state_dir", sim_state_dir)
        fleet = ilosim.start(**kwargs)
        fleets.append(fleet)
        return fleet

    yield factory
    for fleet in fleets:
        fleet.close()
