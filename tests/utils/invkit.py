# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the ``lightsout.ilo.ilo`` inventory plugin in this process (tests/unit, tests/modules).

Test modules that use it wrap every test in :func:`controller_side` (an autouse fixture), see below.

The plugin is imported from the collection under test (ilotest puts it on sys.path) and given its
option definitions the way ansible-core's plugin loader does (its DOCUMENTATION with the
``constructed`` and ``inventory_cache`` fragments), so defaults, choices, types and ``env:`` fallbacks are
ansible-core's own. Installing ansible-core's collection finder in a pytest worker that has already
imported ``ansible_collections`` from sys.path does not work, hence this; one ``ansible-inventory --graph``
and one ``ansible-playbook`` run in tests/modules/test_inventory_fleet.py prove the plugin also loads as a real
plugin and its groups work in a play.
"""

from __future__ import annotations

import contextlib
import importlib

import yaml

from ansible.module_utils import _internal as _module_side

_WAS_CONTROLLER = _module_side.is_controller
# pylint: disable=wrong-import-position
from ansible.inventory.data import InventoryData  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.plugins.loader import inventory_loader  # noqa: E402
# pylint: enable=wrong-import-position

# Importing ansible-core's controller side marks the process as the controller, and from then on module_utils'
# warn() goes to the controller's display instead of the module result: the in-process module tests that share
# this pytest worker (tests/utils/relkit.py) would no longer see their modules' warnings. The mark is undone here
# and set only while a plugin test runs (controller_side()).
_module_side.is_controller = _WAS_CONTROLLER


@contextlib.contextmanager
def controller_side():
    """Run the body as ansible-core's controller (what the plugin is), then give the process back as it was."""
    previous = _module_side.is_controller
    _module_side.is_controller = True
    try:
        yield
    finally:
        _module_side.is_controller = previous


NAME = 'lightsout.ilo.ilo'
_MODULE = []


def plugin_module():
    """The plugin's Python module, with its option definitions registered (once per process)."""
    if not _MODULE:
        module = importlib.import_module('ansible_collections.lightsout.ilo.plugins.inventory.ilo')
        inventory_loader._load_config_defs(NAME, module, module.__file__)  # pylint: disable=protected-access
        _MODULE.append(module)
    return _MODULE[0]


def new_plugin():
    module = plugin_module()
    plugin = module.InventoryModule()
    inventory_loader._update_object(obj=plugin, name=NAME, path=module.__file__, resolved=NAME)  # pylint: disable=protected-access
    return plugin


def write_config(path, **options):
    """Write an inventory source file (``*.ilo.yml``) with ``plugin: lightsout.ilo.ilo`` and ``options``."""
    data = dict(plugin=NAME)
    data.update(options)
    path.write_text(yaml.safe_dump(data), encoding='utf-8')
    return str(path)


def run_inventory(path, cache=True, inventory=None):
    """Parse ``path`` as ansible-core does (parse, then write the cache); return (InventoryData, plugin)."""
    inventory = inventory if inventory is not None else InventoryData()
    plugin = new_plugin()
    assert plugin.verify_file(path), path
    plugin.parse(inventory, DataLoader(), path, cache=cache)
    if plugin.get_option('cache'):
        plugin.update_cache_if_changed()
    return inventory, plugin


def groups_of(inventory):
    """``{group: sorted host names}`` of the non-empty groups."""
    found = {}
    for name, group in inventory.groups.items():
        hosts = sorted(h.name for h in group.get_hosts())
        if hosts:
            found[name] = hosts
    return found


def hostvars(inventory, name):
    return inventory.get_host(name).get_vars()
