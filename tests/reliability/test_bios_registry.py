# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A BIOS attribute registry that is listed but cannot be fetched degrades like an unpublished one.

Its file answering 404 or 500, timing out, dropping the connection, not being JSON or defining
no attributes: ilo_bios_settings still validates names and value types against the current
settings, warns naming the cause and ``validate: false``, and writes only what is valid.
"""

from __future__ import annotations

import copy

import pytest

from ilotest import fresh  # pylint: disable=import-error
from relkit import connection, run_module, sessions  # pylint: disable=import-error

REGISTRY_PATH = 'registrystore/registries/en/biosattributeregistry'


def registry_body_key(tree):
    return next(k for k in tree if REGISTRY_PATH in k.lower())


def broken_tree(how):
    from ilosim.profiles import ilo6  # pylint: disable=import-outside-toplevel,import-error
    tree = copy.deepcopy(ilo6.build())
    key = registry_body_key(tree)
    if how == 'missing (404)':
        del tree[key]
    elif how == 'not JSON':
        tree[key] = '<html><body>Internal error</body></html>'
    elif how == 'no attributes':
        tree[key] = {'@odata.id': key, 'Id': 'broken', 'RegistryEntries': {'Menus': []}}
    return tree


FAULTS = {
    'HTTP 500 always': dict(kind='http_500', count=-1),
    'connection dropped always': dict(kind='drop', count=-1),
    'slower than timeout': dict(kind='slow', count=-1, delay_s=2.5),
}


def check(result, fleet, cause):
    assert 'crash' not in result, result.get('crash')
    assert not result.get('failed'), result
    warnings = ' '.join(result.get('warnings') or [])
    assert 'lists the BIOS attribute registry' in warnings and cause in warnings, warnings
    assert 'validate: false' in warnings, warnings
    assert result['registry'] is None and result['changed'] is True
    assert fleet.ilos[0].state()['systems']['1']['bios_pending'] == {'AdminName': 'Registry down'}
    assert sessions(fleet)['open'] == []


@pytest.mark.parametrize('name', sorted(FAULTS))
def test_registry_fault_degrades(simulators, name):
    fleet = fresh(simulators('ilo6'))
    spec = dict(FAULTS[name], match={'method': 'GET', 'path': REGISTRY_PATH})
    fleet.ilos[0].add_fault(spec)
    args = connection(fleet, attributes={'AdminName': 'Registry down'}, retries=1, timeout=2 if 'slow' in name else 10)
    result = run_module('ilo_bios_settings', args)
    check(result, fleet, {'HTTP 500 always': 'HTTP 500', 'connection dropped always': 'could not be read',
                          'slower than timeout': 'could not be read'}[name])


@pytest.mark.parametrize('how', ['missing (404)', 'not JSON', 'no attributes'])
def test_registry_file_broken_degrades(tmp_path, how):
    import ilosim  # pylint: disable=import-outside-toplevel
    with ilosim.start(tree=broken_tree(how), state_dir=str(tmp_path)) as fleet:
        result = run_module('ilo_bios_settings', connection(fleet, attributes={'AdminName': 'Registry down'}))
        check(result, fleet, {'missing (404)': 'HTTP 404', 'not JSON': 'could not be read',
                              'no attributes': 'defines no attributes'}[how])


def test_without_registry_value_types_still_checked(simulators):
    """Validation from the current values' types: a number for a string attribute is refused, nothing written."""
    fleet = fresh(simulators('ilo6'))
    fleet.ilos[0].add_fault({'kind': 'http_500', 'count': -1, 'match': {'method': 'GET', 'path': REGISTRY_PATH}})
    result = run_module('ilo_bios_settings', connection(fleet, attributes={'AdminName': 42, 'ProcTurbo': 'Disabled', 'NoSuch': 1},
                                                        retries=1))
    assert result.get('failed') and 'crash' not in result, result
    text = ' '.join(result.get('validation_errors') or [])
    assert 'NoSuch' in text and 'AdminName' in text and 'ProcTurbo' not in text, text
    assert 'validate: false' in ' '.join(result.get('warnings') or [])
    assert fleet.ilos[0].requests()['by_method'].get('PATCH', 0) == 0
    assert sessions(fleet)['open'] == []
