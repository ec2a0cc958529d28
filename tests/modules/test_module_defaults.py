# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ``module_defaults`` block for ``group/lightsout.ilo.ilo`` works for the whole play.

Every option users put in the group's defaults (all the connection options and ``system_id``)
is accepted by every module of the action group in meta/runtime.yml: checked here on the argument
specs, and by ansible-playbook on a many-system enclosure, where ``system_id`` matters, in
tests/playbooks/smoke.yml (every module under one such block, on every generation).
"""

from __future__ import annotations

import importlib
import os

import pytest
import yaml

from ansible_collections.lightsout.ilo.plugins.module_utils.module import COMMON_ARGUMENT_SPEC, IloModule

from ilotest import ROOT  # pylint: disable=import-error

GROUP_OPTIONS = set(COMMON_ARGUMENT_SPEC) | {'system_id'}
SMOKE = os.path.join(ROOT, 'tests', 'playbooks', 'smoke.yml')


def group_modules():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['action_groups']['ilo']


def module_class(name):
    module = importlib.import_module('ansible_collections.lightsout.ilo.plugins.modules.%s' % name)
    return next(v for v in vars(module).values() if isinstance(v, type) and issubclass(v, IloModule) and v is not IloModule)


@pytest.mark.parametrize('name', group_modules())
def test_every_module_accepts_every_group_option(name):
    spec = dict(COMMON_ARGUMENT_SPEC)
    spec.update(module_class(name).argument_spec)
    assert GROUP_OPTIONS <= set(spec), sorted(GROUP_OPTIONS - set(spec))


def test_the_smoke_playbook_sets_every_group_option():
    """The ansible-playbook half of this check: smoke.yml's group defaults carry every group option."""
    with open(SMOKE, encoding='utf-8') as handle:
        play = yaml.safe_load(handle)[0]
    assert set(play['module_defaults']['group/lightsout.ilo.ilo']) == GROUP_OPTIONS | {'session'}
