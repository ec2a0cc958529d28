# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the simulator's own tests (helpers live in ``simclient``)."""

import pytest

from simclient import FAST, ILO5_MOCKUP, ILO6_MOCKUP, Client, ilo4_tree, load_mockup


@pytest.fixture
def ilo5(sim):
    return Client(sim(tree=load_mockup(ILO5_MOCKUP), config=dict(FAST)))


@pytest.fixture
def ilo6(sim):
    return Client(sim(tree=load_mockup(ILO6_MOCKUP), config=dict(FAST)))


@pytest.fixture(params=["ilo5", "ilo6"])
def mock_client(request, sim):
    path = ILO5_MOCKUP if request.param == "ilo5" else ILO6_MOCKUP
    return Client(sim(tree=load_mockup(path), config=dict(FAST)))


@pytest.fixture
def ilo4(sim):
    return Client(sim(tree=ilo4_tree(), config=dict(FAST)))
