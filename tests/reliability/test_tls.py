# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS through module runs: verification on by default, ca_path honoured, REQUESTS_CA_BUNDLE
semantics (ca_path wins; without it the bundle is used; validate_certs false verifies nothing),
a wrong CA and a host name the certificate does not name each fail with a TLS sentence."""

from __future__ import annotations

import importlib

import certifi
import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils.module import COMMON_ARGUMENT_SPEC

from ilotest import fresh  # pylint: disable=import-error
from relkit import BAD_INPUTS, MODULES, assert_clear_failure, connection, run_module, sessions, writes  # pylint: disable=import-error

VALID = {
    'ilo_session': {'state': 'present'},
    'ilo_facts': {'gather_subset': ['min']},
    'ilo_power': {'state': 'on'},
    'ilo_bios_settings': {'attributes': {'AdminName': 'Tls'}, 'validate': True},
}
WRONG_CA = certifi.where()  # a real CA bundle that did not sign the simulator's certificate


@pytest.fixture
def sim(simulators):
    return fresh(simulators('ilo5'))


@pytest.fixture(scope='module')
def other_address(tmp_path_factory):
    """The simulator on 127.0.0.2, serving a certificate for localhost/127.0.0.1/::1 only."""
    from ilosim import server, tls  # pylint: disable=import-outside-toplevel,import-error
    from ilosim.engine import Ilo, Tree  # pylint: disable=import-outside-toplevel,import-error
    paths = tls.ensure_certificates(str(tmp_path_factory.mktemp('ilosim-127-0-0-2')))
    try:
        fleet = server.Fleet([Ilo(Tree(server.build_tree('ilo5')))], host='127.0.0.2', cert_paths=paths).start()
    except OSError as exc:  # pragma: no cover - a system without 127.0.0.0/8 on lo
        pytest.skip('cannot listen on 127.0.0.2: %s' % exc)
    yield fleet
    fleet.close()


def finish(fleet, result):
    if not result.get('failed') and result.get('session'):
        out = run_module('ilo_session', connection(fleet, state='absent', session=result['session']))
        assert not out.get('failed'), out
    info = sessions(fleet)
    assert info['open'] == [] and info['created_total'] == info['deleted_total'], info


@pytest.mark.parametrize('module', MODULES)
def test_validate_certs_defaults_to_true(module):
    cls = [v for k, v in vars(importlib.import_module('ansible_collections.lightsout.ilo.plugins.modules.' + module)).items()
           if k.startswith('Ilo') and k.endswith('Module') and k != 'IloModule'][0]
    spec = dict(COMMON_ARGUMENT_SPEC)
    spec.update(cls.argument_spec)
    assert spec['validate_certs']['default'] is True and spec['validate_certs']['type'] == 'bool'
    assert spec['password'].get('no_log') is True and spec['session']['options']['token'].get('no_log') is True


@pytest.mark.parametrize('module', MODULES)
def test_default_verification_refuses_an_unknown_ca(sim, module):
    """No ca_path, no bundle variable: the system/certifi bundle does not know the simulator's CA."""
    args = connection(sim, **VALID[module])
    del args['ca_path']
    result = run_module(module, args)
    msg = assert_clear_failure(result)
    assert msg.startswith('TLS to ') and 'certificate verify failed' in msg, msg
    assert sim.ilos[0].requests()['total'] == 0
    BAD_INPUTS.append((module, 'no ca_path (default verification)', msg[:160]))


@pytest.mark.parametrize('module', MODULES)
def test_wrong_ca(sim, module):
    result = run_module(module, connection(sim, ca_path=WRONG_CA, **VALID[module]))
    msg = assert_clear_failure(result)
    assert 'certificate verify failed' in msg and 'ca_path' in msg, msg
    assert sim.ilos[0].requests()['total'] == 0
    BAD_INPUTS.append((module, 'wrong CA', msg[:160]))


@pytest.mark.parametrize('module', MODULES)
def test_hostname_mismatch(other_address, module):
    fresh(other_address)
    result = run_module(module, connection(other_address, **VALID[module]))
    msg = assert_clear_failure(result)
    assert msg.startswith('TLS to https://127.0.0.2:') and 'does not match the host name' in msg, msg
    assert other_address.ilos[0].requests()['total'] == 0
    BAD_INPUTS.append((module, 'hostname not in the certificate', msg[:160]))


@pytest.mark.parametrize('module', MODULES)
def test_ca_path_wins_over_requests_ca_bundle(sim, module, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', WRONG_CA)
    result = run_module(module, connection(sim, **VALID[module]))
    assert not result.get('failed'), result
    finish(sim, result)


@pytest.mark.parametrize('module', MODULES)
def test_requests_ca_bundle_used_without_ca_path(sim, module, monkeypatch):
    args = connection(sim, **VALID[module])
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', args.pop('ca_path'))
    result = run_module(module, args)
    assert not result.get('failed'), result
    finish(sim, result)
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', WRONG_CA)
    result = run_module(module, args)
    assert 'certificate verify failed' in assert_clear_failure(result)


@pytest.mark.parametrize('module', MODULES)
def test_validate_certs_false_verifies_nothing(sim, module, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', WRONG_CA)
    args = connection(sim, validate_certs=False, **VALID[module])
    del args['ca_path']
    result = run_module(module, args)
    assert not result.get('failed'), result
    finish(sim, result)


def test_ilo_validate_certs_environment_fallback(sim, monkeypatch):
    monkeypatch.setenv('ILO_VALIDATE_CERTS', 'false')
    args = connection(sim, gather_subset=['min'])
    del args['ca_path']
    assert not run_module('ilo_facts', args).get('failed')


def test_empty_attribute_name_is_refused_before_reading(sim):
    result = run_module('ilo_bios_settings', connection(sim, attributes={' ': 'x'}))
    assert 'empty attribute name' in assert_clear_failure(result)
    assert writes(sim, exclude_sessions=True) == 0 and sim.ilos[0].requests()['by_endpoint'].get('GET /redfish/v1/systems/1/bios/settings') is None
