# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the in-process tiers (tests/modules, tests/reliability): run a module in-process,
count what reached the simulator, and record the fault x module matrix and the bad-input count
for the terminal summary.

Import as ``from relkit import ...`` (tests/utils is on sys.path, see tests/conftest.py); never
import ``conftest``. Under pytest-xdist each worker's findings (``state()``) reach the controller
through tests/conftest.py (``pytest_sessionfinish`` / ``pytest_testnodedown`` / ``merge()``).
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import ssl
import time
import traceback
import urllib.error
import urllib.request
from unittest import mock

import pytest

from ilotest import ILO5_MOCKUP, ILO6_MOCKUP, ILO7_MOCKUP, ROOT, fresh, shared_missing  # pylint: disable=import-error

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

USER, PASSWORD = 'Administrator', 'password'
WRITES = ('POST', 'PATCH', 'PUT', 'DELETE')
MODULES = ('ilo_session', 'ilo_facts', 'ilo_power', 'ilo_bios_settings')
OUTPUT = os.path.join(ROOT, 'tests', 'output', 'reliability')

# What the suite found, printed by conftest.pytest_terminal_summary and written to OUTPUT.
MATRIX = {}      # (fault, module) -> outcome text
BAD_INPUTS = []  # (module, description, msg)
SECRET_CHECKS = []  # (where, leaks)
ATTACKS = []  # (attack by a hostile BMC, outcome), from test_hostile.py


class _Exit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


def _with_warnings(result):
    """The warnings the module gave (module.warn), as ansible-core would return them; then forget them."""
    found = list(ansible_warnings.get_warning_messages())
    ansible_warnings._global_warnings.clear()  # pylint: disable=protected-access
    if found:
        result['warnings'] = found
    return result


def _exit_json(self, **kwargs):  # pylint: disable=unused-argument
    kwargs.setdefault('changed', False)
    raise _Exit(_with_warnings(dict(kwargs, failed=False)))


def _fail_json(self, msg=None, **kwargs):  # pylint: disable=unused-argument
    raise _Exit(_with_warnings(dict(kwargs, msg=msg, failed=True)))


def run_module(name, args, check_mode=False, diff=False):
    """Run ``lightsout.ilo.<name>``'s main() in this process; return its result dict.

    An exception other than exit_json/fail_json is returned as ``{'crash': traceback}``.
    """
    module = importlib.import_module('ansible_collections.lightsout.ilo.plugins.modules.' + name)
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', _exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', _fail_json):
        try:
            module.main()
        except _Exit as exc:
            return exc.result
        except SystemExit as exc:  # pragma: no cover - a module exiting by itself
            return {'failed': True, 'crash': 'SystemExit(%r)' % (exc.code,)}
        except Exception:  # pylint: disable=broad-except
            return {'failed': True, 'crash': traceback.format_exc()}
    return {'failed': True, 'crash': 'main() returned without exit_json/fail_json'}


def connection(fleet, **extra):
    args = dict(hostname=fleet.urls[0], username=USER, password=PASSWORD, ca_path=fleet.ca_path)
    args.update(extra)
    return args


def requests_of(fleet):
    return fleet.ilos[0].requests()


def writes(fleet, exclude_sessions=False):
    """Non-GET requests that reached the iLO (optionally not counting session login/logout)."""
    counts = requests_of(fleet)['by_endpoint']
    total = 0
    for key, value in counts.items():
        method, path = key.split(' ', 1)
        if method in WRITES and not (exclude_sessions and 'sessionservice/sessions' in path):
            total += value
    return total


def endpoint_count(fleet, method, fragment):
    return sum(v for k, v in requests_of(fleet)['by_endpoint'].items()
               if k.startswith(method + ' ') and fragment.lower() in k)


def sessions(fleet):
    return fleet.ilos[0].session_info()


# ------------------------------------------------------------------ profiles, simulators, direct requests

#: The profiles the module tests run on: the bundled synthetic ones, and (``mockup-*``) the real iLO
#: trees under ../shared served by the simulator's mockup mode.
SYNTHETIC = ('ilo4', 'ilo5', 'ilo6', 'ilo7')
REAL_TREES = ('mockup-ilo5', 'mockup-ilo6', 'mockup-ilo7')
MOCKUPS = {'mockup-ilo5': ILO5_MOCKUP, 'mockup-ilo6': ILO6_MOCKUP, 'mockup-ilo7': ILO7_MOCKUP}
GENERATIONS = {'ilo4': 4, 'ilo5': 5, 'ilo6': 6, 'ilo7': 7, 'moonshot': 5, 'mockup-ilo5': 5, 'mockup-ilo6': 6, 'mockup-ilo7': 7}
#: Simulator timings that keep power and POST waits to tenths of a second: the same transitions, shorter.
FAST = {'post_duration_s': 0.2, 'power_duration_s': 0.05, 'graceful_shutdown_s': 0.1}


def simulator_name(profile):
    """The ``simulators()`` fixture's key for a profile name."""
    return 'mockup:' + MOCKUPS[profile] if profile in MOCKUPS else profile


def profile_params(profiles):
    """``pytest.param`` per profile; a real tree absent from ../shared is a visible skip (an error at
    collection under ILO_TEST_REQUIRE_SHARED, see ilotest.shared_missing)."""
    params = []
    for profile in profiles:
        missing = shared_missing(MOCKUPS[profile]) if profile in MOCKUPS else None
        params.append(pytest.param(profile, id=profile, marks=[pytest.mark.skip(reason=missing)] if missing else []))
    return params


def serve(simulators, profile, fast=True, **options):
    """A fresh simulator for ``profile`` (initial resources, no sessions, counters at zero), with FAST timings."""
    fleet = fresh(simulators(simulator_name(profile), **options))
    if fast:
        for ilo in fleet.ilos:
            ilo.set_config(dict(FAST))
    return fleet


def zero_requests(fleet):
    """Zero the simulator's request counters (``DELETE /_sim/requests``)."""
    for ilo in fleet.ilos:
        ilo.clear_requests()


def redfish(fleet, method, path, body=None, token=None):
    """One request straight to the simulated iLO, as an operator would send it (Basic auth, or the
    session ``token``), verified against the simulator's CA: ``(status, JSON body or None)``."""
    headers = {'Accept': 'application/json'}
    if token:
        headers['X-Auth-Token'] = token
    else:
        headers['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % (USER, PASSWORD)).encode()).decode()
    data = None
    if body is not None:
        data = json.dumps(body).encode('utf-8')
        headers['Content-Type'] = 'application/json'
    request = urllib.request.Request(fleet.urls[0] + path, data=data, headers=headers, method=method)
    context = ssl.create_default_context(cafile=fleet.ca_path)
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as reply:  # nosec - the simulator
            status, text = reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read()
    try:
        return status, json.loads(text.decode('utf-8')) if text.strip() else None
    except ValueError:
        return status, None


def stage_bios_directly(fleet, attributes, flat=False):
    """Someone else stages BIOS values with a PATCH of the settings object (``flat``: iLO 4's layout)."""
    body = dict(attributes) if flat else {'Attributes': dict(attributes)}
    status, reply = redfish(fleet, 'PATCH', '/redfish/v1/systems/1/bios/settings/', body)
    assert status in (200, 202, 204), (status, reply)


def restart_directly(fleet, timeout=10):
    """ForceRestart system 1 through its own Reset target; return once POST finished and applied what was pending."""
    status, body = redfish(fleet, 'GET', '/redfish/v1/Systems/1/')
    assert status == 200, body
    status, reply = redfish(fleet, 'POST', body['Actions']['#ComputerSystem.Reset']['target'], {'ResetType': 'ForceRestart'})
    assert status in (200, 202, 204), (status, reply)
    deadline = time.monotonic() + timeout
    while True:
        state = fleet.ilos[0].state()['systems']['1']
        if state['post_state'] == 'FinishedPost' and state['bios_pending'] == {}:
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.05)


def assert_clear_failure(result, http=False):
    """A failed result a person can act on: a sentence in msg, no traceback, an error dict."""
    assert result.get('failed'), result
    assert 'crash' not in result, result.get('crash')
    msg = result.get('msg')
    assert isinstance(msg, str) and len(msg) >= 15 and ' ' in msg, msg
    assert 'Traceback' not in msg and 'exception' not in result, result
    if http:
        error = result.get('error')
        assert isinstance(error, dict), result
        assert error.get('uri') and error.get('status'), error
    return msg


def write_output(name, data):
    os.makedirs(OUTPUT, exist_ok=True)
    with open(os.path.join(OUTPUT, name), 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1, sort_keys=True, default=str)


def state():
    """This process's findings, JSON-able (pytest-xdist workers send them to the controller)."""
    return {'matrix': [[fault, module, outcome] for (fault, module), outcome in MATRIX.items()],
            'bad_inputs': BAD_INPUTS, 'secret_checks': SECRET_CHECKS, 'attacks': ATTACKS}


def merge(data):
    """Add a worker's findings (``state()``) to this process's."""
    for fault, module, outcome in data.get('matrix', []):
        MATRIX[(fault, module)] = outcome
    BAD_INPUTS.extend(tuple(x) for x in data.get('bad_inputs', []))
    SECRET_CHECKS.extend(tuple(x) for x in data.get('secret_checks', []))
    ATTACKS.extend(tuple(x) for x in data.get('attacks', []))


def report(terminalreporter):
    """The reliability section of the terminal summary (also written to OUTPUT/summary.json)."""
    if not (MATRIX or BAD_INPUTS or SECRET_CHECKS or ATTACKS):
        return
    write = terminalreporter.write_line
    terminalreporter.section('lightsout.ilo reliability')
    faults = []
    for fault, _module in MATRIX:
        if fault not in faults:
            faults.append(fault)
    if faults:
        rows = [['fault'] + list(MODULES)]
        rows += [[fault] + [MATRIX.get((fault, m), '-') for m in MODULES] for fault in faults]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        write('fault x module matrix (simulated iLO 5; outcome, what reached the iLO)')
        for row in rows:
            write(' | '.join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
    if BAD_INPUTS:
        per = {}
        for module, _what, _msg in BAD_INPUTS:
            per[module] = per.get(module, 0) + 1
        write('bad inputs tried: %d (%s); every one failed with a message, no traceback, no write'
              % (len(BAD_INPUTS), ', '.join('%s %d' % kv for kv in sorted(per.items()))))
    if SECRET_CHECKS:
        leaks = sum(n for _where, n in SECRET_CHECKS)
        write('secrets: %d places checked, %d leaks (%s)' % (
            len(SECRET_CHECKS), leaks, ', '.join(w for w, _n in SECRET_CHECKS)))
    if ATTACKS:
        write('hostile BMC: %d attacks tried, outcome of each in tests/output/reliability/summary.json' % len(ATTACKS))
    write_output('summary.json', {
        'attacks': ATTACKS,
        'matrix': dict(('%s | %s' % k, v) for k, v in MATRIX.items()),
        'bad_inputs': BAD_INPUTS,
        'secret_checks': SECRET_CHECKS,
    })
