# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability tier: prints the fault x module matrix, the bad-input count and the secrets
result at the end of the run (also written to tests/output/reliability/summary.json)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relkit  # noqa: E402  pylint: disable=wrong-import-position,import-error


def pytest_terminal_summary(terminalreporter):
    if not (relkit.MATRIX or relkit.BAD_INPUTS or relkit.SECRET_CHECKS or relkit.ATTACKS):
        return
    write = terminalreporter.write_line
    terminalreporter.section('lightsout.ilo reliability')
    faults = []
    for fault, _module in relkit.MATRIX:
        if fault not in faults:
            faults.append(fault)
    if faults:
        rows = [['fault'] + list(relkit.MODULES)]
        rows += [[fault] + [relkit.MATRIX.get((fault, m), '-') for m in relkit.MODULES] for fault in faults]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        write('fault x module matrix (simulated iLO 5; outcome, what reached the iLO)')
        for row in rows:
            write(' | '.join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
    if relkit.BAD_INPUTS:
        per = {}
        for module, _what, _msg in relkit.BAD_INPUTS:
            per[module] = per.get(module, 0) + 1
        write('bad inputs tried: %d (%s); every one failed with a message, no traceback, no write'
              % (len(relkit.BAD_INPUTS), ', '.join('%s %d' % kv for kv in sorted(per.items()))))
    if relkit.SECRET_CHECKS:
        leaks = sum(n for _where, n in relkit.SECRET_CHECKS)
        write('secrets: %d places checked, %d leaks (%s)' % (
            len(relkit.SECRET_CHECKS), leaks, ', '.join(w for w, _n in relkit.SECRET_CHECKS)))
    if relkit.ATTACKS:
        write('hostile BMC: %d attacks tried, outcome of each in tests/output/reliability/summary.json' % len(relkit.ATTACKS))
    relkit.write_output('summary.json', {
        'attacks': relkit.ATTACKS,
        'matrix': dict(('%s | %s' % k, v) for k, v in relkit.MATRIX.items()),
        'bad_inputs': relkit.BAD_INPUTS,
        'secret_checks': relkit.SECRET_CHECKS,
    })
