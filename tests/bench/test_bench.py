# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's own arithmetic: the floor (dependency depth) and the "met" column of the targets.

``make bench`` itself is not a pass/fail tier; these tests keep the numbers it publishes honest.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench  # noqa: E402  pylint: disable=wrong-import-position,import-error


def req(start, method, path, text='', end=None, token=None, new_token=None):
    """One logged request: 50 ms on the wire unless ``end`` says otherwise."""
    return {'start': start, 'end': start + 0.05 if end is None else end, 'method': method, 'path': path,
            'status': 200, 'text': text.lower(), 'token': token, 'new_token': new_token}


ROOT_TEXT = '{"systems": {"@odata.id": "/redfish/v1/systems/"}, "chassis": {"@odata.id": "/redfish/v1/chassis"}}'
SYSTEMS_TEXT = '{"members": [{"@odata.id": "/redfish/v1/systems/1/"}]}'


def root_then_systems():
    """The service root (depth 1), then Systems (depth 2), each 50 ms."""
    return [req(0.0, 'GET', '/redfish/v1', ROOT_TEXT), req(0.1, 'GET', '/redfish/v1/systems', SYSTEMS_TEXT)]


def test_chain_of_links_is_sequential():
    log = root_then_systems() + [req(0.2, 'GET', '/redfish/v1/systems/1', '{}')]
    assert run_bench.dependency_depth(log) == 3


def test_reads_named_by_one_response_are_one_round():
    log = root_then_systems() + [req(0.2, 'GET', '/redfish/v1/chassis', '{}')]
    # chassis is named by the root: it could have been read beside Systems although it came later
    assert run_bench.dependency_depth(log) == 2


def test_a_get_sent_before_its_link_arrived_is_not_linked_to_it():
    log = [req(0.0, 'GET', '/redfish/v1', ROOT_TEXT, end=0.3), req(0.1, 'GET', '/redfish/v1/unrelated', '{}')]
    assert run_bench.dependency_depth(log) == 1


def test_an_unnamed_uri_depends_on_the_deepest_read_before_it():
    log = root_then_systems() + [req(0.2, 'GET', '/redfish/v1/nowhere', '{}')]
    assert run_bench.dependency_depth(log) == 3


def test_reads_wait_for_the_login_that_issued_their_token():
    log = [req(0.0, 'GET', '/redfish/v1', ROOT_TEXT),
           req(0.1, 'POST', '/redfish/v1/sessionservice/sessions', new_token='t1'),
           req(0.2, 'GET', '/redfish/v1/systems', SYSTEMS_TEXT, token='t1')]
    # login is depth 2 (after the root); Systems, named by the root, still waits for the token
    assert run_bench.dependency_depth(log) == 3


def test_writes_follow_everything_answered_and_repeated_reads_count_once():
    log = root_then_systems() + [req(0.2, 'GET', '/redfish/v1/systems/1', '{}'), req(0.3, 'PATCH', '/redfish/v1/systems/1'),
                                 req(0.4, 'GET', '/redfish/v1/systems/1', '{}')]
    assert run_bench.dependency_depth(log) == 4


def test_empty_log_has_no_depth():
    assert run_bench.dependency_depth([]) == 0


def test_only_non_session_writes_count_as_writes():
    outcome = {'by_endpoint': {'GET /redfish/v1': 1, 'POST /redfish/v1/sessionservice/sessions': 1,
                               'DELETE /redfish/v1/sessionservice/sessions/abc': 1, 'PATCH /redfish/v1/systems/1/bios/settings': 2}}
    assert run_bench.writes_besides_sessions(outcome) == 2
    del outcome['by_endpoint']['PATCH /redfish/v1/systems/1/bios/settings']
    assert run_bench.writes_besides_sessions(outcome) == 0


def summary(side, label, requests, writes=0):
    return {'side': side, 'label': label, 'requests': requests, 'writes': writes, 'changed': 0,
            'by_method': {'GET': requests - writes, 'PATCH': writes}}


def noop_rows(*ours):
    data = {'args': {'latency_ms': 50, 'hosts': 1}, 'machine': {'nproc': 2}, 'fleet': [],
            'scenarios': [{'key': 'c1', 'title': '(c) power on, already on',
                           'summaries': list(ours) + [summary(run_bench.THEIRS, 'theirs', 3)]}]}
    lines = []
    run_bench.targets_lines(data, lines.append)
    return [line for line in lines if line.startswith('| no-op')]


def test_noop_target_met_only_without_writes_and_with_no_more_requests():
    rows = noop_rows(summary(run_bench.OURS, 'equal', 3), summary(run_bench.OURS, 'fewer', 2),
                     summary(run_bench.OURS, 'more', 4), summary(run_bench.OURS, 'writes', 3, writes=1))
    prefix = '| no-op (c) power on, already on, '
    verdicts = dict((row[len(prefix):].split(':')[0], row.rsplit('|', 2)[1].strip()) for row in rows)
    assert verdicts == {'equal': 'yes', 'fewer': 'yes', 'more': '**no**', 'writes': '**no**'}


def bmc_item(side, label, task_s, failures=()):
    return {'side': side, 'label': label, 'tasks': (task_s, task_s, task_s), 'requests': 40, 'connections': 2,
            'peak_connections': 2, 'peak_in_service': 1, 'failures': list(failures)}


def test_bmc_models_section_states_speed_up_and_targets():
    data = {'args': {'bmc_scale': 0.25, 'bmc_runs': 1}, 'bmc': [
        {'model': 'serial BMC (1 worker)', 'workers': 1, 'summaries': [
            bmc_item(run_bench.OURS, 'ilo_facts (all)', 10.0), bmc_item(run_bench.THEIRS, 'redfish_info', 20.0)]},
        {'model': 'unlimited BMC', 'workers': 0, 'summaries': [
            bmc_item(run_bench.OURS, 'ilo_facts (all)', 5.0), bmc_item(run_bench.THEIRS, 'redfish_info', 20.0, ['x'])]},
    ]}
    lines = []
    run_bench.bmc_lines(data, lines.append)
    text = '\n'.join(lines)
    assert '| serial BMC (1 worker) | lightsout.ilo | ilo_facts (all) | 10.00 (10.00–10.00) | 40 | 2 | 2 | 1 | 0 | **2.0×** |' in text
    assert '- serial BMC (1 worker): 2.0× (target ≥ 1×: met); failures ours 0, theirs 0.' in text
    assert '- unlimited BMC: 4.0× (target ≥ 5×: NOT met); failures ours 0, theirs 1.' in text
    lines = []
    run_bench.bmc_lines({'args': {}}, lines.append)
    assert lines == []
