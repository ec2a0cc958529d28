# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adaptive read concurrency against BMCs with realistic service times (issue 24).

A serial BMC (one request or TLS handshake at a time) must be read with one or two
connections and no failure; an unlimited one must get more requests in flight. The simulator
counts the simultaneous connections it saw. Service times are the realistic shape, shrunk
with ``time_scale`` so the runs take seconds; the module runs with its default timeouts.
"""

from __future__ import annotations

import time

import pytest

from ilotest import fresh  # pylint: disable=import-error
from relkit import connection, run_module  # pylint: disable=import-error


def gather_all(fleet, **extra):
    fresh(fleet)
    started = time.monotonic()
    result = run_module('ilo_facts', connection(fleet, gather_subset=['all'], **extra))
    wall = time.monotonic() - started
    assert not result.get('failed'), result
    assert result['ansible_facts']['ilo']['systems'], result
    return fleet.ilos[0].concurrency(), wall


# service times at half (iLO 4: a fifth of) real speed: long enough that a loaded CI machine's scheduling noise
# does not look like a BMC that serves in parallel (at a quarter, 4 connections were once seen under load)
@pytest.mark.parametrize('profile, scale', [('ilo4', 0.2), ('ilo5', 0.5)])
def test_serial_bmc_is_read_with_one_or_two_connections(simulators, profile, scale):
    fleet = simulators(profile, service_times='realistic', workers=1, time_scale=scale, seed=24)
    seen, wall = gather_all(fleet)
    print('serial %s x%s: %.2f s, %s' % (profile, scale, wall, seen))
    assert 1 <= seen['peak']['connections'] <= 2, seen
    assert seen['peak']['in_service'] == 1, seen
    assert fleet.ilos[0].session_info()['open'] == []


def test_parallel_bmc_gets_more_requests_in_flight(simulators):
    fleet = simulators('ilo4', service_times='realistic', workers=0, time_scale=0.1, seed=24)
    seen, wall = gather_all(fleet)
    print('unlimited ilo4 x0.1: %.2f s, %s' % (wall, seen))
    assert seen['peak']['connections'] > 2 and seen['peak']['in_service'] > 2, seen


def test_max_concurrency_caps_requests_in_flight(simulators):
    fleet = simulators('ilo4', service_times='realistic', workers=0, time_scale=0.1, seed=24)
    seen, _wall = gather_all(fleet, max_concurrency=1)
    assert seen['peak']['in_service'] == 1 and seen['peak']['connections'] == 1, seen
    seen, _wall = gather_all(fleet, workers=3)  # the option's former name still works
    assert seen['peak']['in_service'] <= 3 and seen['peak']['connections'] <= 3, seen


def test_every_module_completes_on_a_serial_bmc(simulators):
    fleet = fresh(simulators('ilo5', service_times='realistic', workers=1, time_scale=0.1, seed=24))
    login = run_module('ilo_session', connection(fleet))
    assert not login.get('failed') and login['session']['token'], login
    session = dict(connection(fleet, session=login['session']), username=None, password=None)
    for name, args in (('ilo_power', {'state': 'on'}),
                       ('ilo_bios_settings', {'attributes': {'ProcHyperthreading': 'Enabled'}}),
                       ('ilo_bios_settings', {'attributes': {'ProcHyperthreading': 'Disabled'}}),
                       ('ilo_facts', {'gather_subset': ['min']})):
        result = run_module(name, dict(session, **args))
        assert not result.get('failed'), (name, result)
    logout = run_module('ilo_session', dict(session, state='absent'))
    assert not logout.get('failed'), logout
    seen = fleet.ilos[0].concurrency()
    assert seen['peak']['in_service'] == 1 and seen['peak']['connections'] <= 2, seen
    assert fleet.ilos[0].session_info()['open'] == []
