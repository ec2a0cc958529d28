# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback used by tests/bench/run_bench.py: per task, when it started and when each host's result arrived."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: bench_timer
type: aggregate
short_description: Write task start times and per-host result times to the file named by E(BENCH_TIMER_FILE)
description:
  - Used by the lightsout.ilo benchmark harness only.
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Records ``{"tasks": [{"name", "start", "hosts": {host: {"end", "status", "changed", "msg"}}}]}``."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tasks = []
        self.by_uuid = {}
        self.started = time.time()

    def v2_playbook_on_task_start(self, task, is_conditional):
        entry = {'name': task.get_name(), 'start': time.time(), 'hosts': {}}
        self.tasks.append(entry)
        self.by_uuid[task._uuid] = entry

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _record(self, result, status):
        entry = self.by_uuid.get(result._task._uuid)
        if entry is None:
            return
        data = result._result if isinstance(result._result, dict) else {}
        record = {'end': time.time(), 'status': status, 'changed': bool(data.get('changed'))}
        if status in ('failed', 'unreachable'):
            record['msg'] = str(data.get('msg') or data.get('module_stderr') or '')[:2000]
        entry['hosts'][result._host.get_name()] = record

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BENCH_TIMER_FILE')
        if path:
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump({'started': self.started, 'ended': time.time(), 'tasks': self.tasks}, handle)
