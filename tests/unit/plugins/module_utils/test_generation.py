# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iLO generation comes from text that names it ("iLO 7"), never from a version's first digit."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient
from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService, _generation_from_text

from ilotest import ILO7_MOCKUP, fresh, require_shared  # pylint: disable=import-error


def service_info(fleet):
    with RedfishClient(fleet.urls[0], username='Administrator', password='password', ca_path=fleet.ca_path, auth='basic',
                       environ={}) as client:
        return IloService(client).info()


@pytest.mark.parametrize('text,expected', [
    ('iLO 7', 7), ('iLO 6 v1.66', 6), ('iLO5', 5), ('Integrated Lights-Out 7', None),
    ('1.14.00 May 28 2025', None), ('7.1', None), ('', None), (None, None), ('SiLO 5', None),
])
def test_generation_from_text(text, expected):
    assert _generation_from_text(text) == expected


@pytest.mark.parametrize('profile,expected', [('ilo4', 4), ('ilo5', 5), ('ilo6', 6), ('ilo7', 7)])
def test_profiles(simulators, profile, expected):
    info = service_info(fresh(simulators(profile)))
    assert info['generation'] == expected
    assert info['manager_type'] == 'iLO %d' % expected


def test_ilo7_profile_firmware_is_not_the_generation(simulators):
    info = service_info(fresh(simulators('ilo7')))
    assert info['firmware'] == '1.14.00' and info['generation'] == 7


def test_real_ilo7_tree(simulators):
    info = service_info(fresh(simulators('mockup:' + require_shared(ILO7_MOCKUP))))
    assert info['generation'] == 7 and info['manager_type'] == 'iLO 7'
    assert info['product'].startswith('HPE ProLiant Compute DL360 Gen12')


def _ilo7_without_root_generation():
    from ilosim.profiles import ilo7  # pylint: disable=import-outside-toplevel,import-error
    tree = copy.deepcopy(ilo7.build())
    oem = tree['/redfish/v1/']['Oem']['Hpe']
    del oem['Manager'][0]['ManagerType']
    del oem['Moniker']
    return tree


@pytest.mark.parametrize('model,expected', [('iLO 7', 7), (None, 5)])
def test_without_manager_type_reads_the_manager_never_the_version_digit(tmp_path, model, expected):
    """"1.14.00 May 28 2025" must not read as iLO 1: the manager's Model says 7; with no Model the default (5) holds."""
    import ilosim  # pylint: disable=import-outside-toplevel
    tree = _ilo7_without_root_generation()
    manager = tree['/redfish/v1/Managers/1/']
    manager['Model'] = model
    manager['Oem']['Hpe']['Firmware']['Current']['VersionString'] = manager['FirmwareVersion']
    with ilosim.start(tree=tree, state_dir=str(tmp_path)) as fleet:
        assert service_info(fleet)['generation'] == expected
