# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""virtual_media.py on JSON samples: the device by media type or id, the insert method by what is advertised,
the plan (no-op, eject first, boot flag), validation, and the wait (connected, dropped, timed out)."""

from __future__ import annotations

import pytest

from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloDiscoveryError
from ansible_collections.lightsout.ilo.plugins.module_utils.state import Poller
from ansible_collections.lightsout.ilo.plugins.module_utils.virtual_media import VirtualMedia, media_link, pick_device, state_of

from ilotest import FakeClock  # pylint: disable=import-error

ISO = 'http://10.0.0.9/a.iso'
ILO5_CD = {'Id': '2', 'MediaTypes': ['CD', 'DVD'], 'Image': '', 'Inserted': False, 'ConnectedVia': 'NotConnected', 'WriteProtected': True,
           'Actions': {'#VirtualMedia.InsertMedia': {'target': '/vm/2/Actions/VirtualMedia.InsertMedia'},
                       '#VirtualMedia.EjectMedia': {'target': '/vm/2/Actions/VirtualMedia.EjectMedia'}},
           'Oem': {'Hpe': {'BootOnNextServerReset': False, 'Actions': {
               '#HpeiLOVirtualMedia.InsertVirtualMedia': {'target': '/vm/2/Actions/Oem/Hpe/HpeiLOVirtualMedia.InsertVirtualMedia'}}}}}
ILO4_USB = {'MediaTypes': ['Floppy', 'USBStick'], 'Image': ISO, 'Inserted': True, 'ConnectedVia': 'URI', 'WriteProtected': False,
            'links': {'self': {'href': '/rest/v1/Managers/1/VirtualMedia/1'}}}


def device(body):
    return VirtualMedia(None, '/redfish/v1/Managers/1/VirtualMedia/%s' % body.get('Id', '1'), dict(body))


def test_pick_by_kind_or_id_and_the_choices_when_none_matches():
    devices = [('/x/VirtualMedia/1', ILO4_USB), ('/x/VirtualMedia/2', ILO5_CD)]
    assert pick_device(devices, 'cd')[0].endswith('/2') and pick_device(devices, 'USB')[0].endswith('/1')
    assert pick_device(devices, '2')[0].endswith('/2') and pick_device(devices, 'floppy')[0].endswith('/1')
    with pytest.raises(IloDiscoveryError) as info:
        pick_device(devices, 'tape')
    assert '1 (Floppy/USBStick), 2 (CD/DVD)' in str(info.value)


def test_method_by_what_is_advertised():
    assert device(ILO5_CD).method == 'actions'
    oem_only = dict(ILO5_CD, Actions={})
    assert device(oem_only).method == 'oem_actions'
    assert device(oem_only)._action('Insert')[0].endswith('InsertVirtualMedia')  # pylint: disable=protected-access
    assert device(ILO4_USB).method == 'patch'
    assert media_link({'links': {'VirtualMedia': {'href': '/rest/v1/Managers/1/VirtualMedia'}}}) == '/rest/v1/Managers/1/VirtualMedia'


def test_state_and_plan():
    usb = device(ILO4_USB)
    assert state_of(ILO4_USB)['connected'] and usb.state['boot_on_next_reset'] is None
    assert usb.plan('inserted', ISO, None, None) == []
    assert usb.plan('inserted', ISO, True, None) == ['eject', 'insert']  # protection changes only by re-inserting
    assert usb.plan('inserted', 'http://10.0.0.9/b.iso', None, None) == ['eject', 'insert']
    assert usb.plan('ejected', None, None, None) == ['eject']
    cd = device(ILO5_CD)
    assert cd.plan('ejected', None, None, None) == [] and cd.plan('inserted', ISO, None, True) == ['insert', 'boot_on_next_reset']
    after = cd.predicted(['insert', 'boot_on_next_reset'], ISO, None, True)
    assert after['image'] == ISO and after['write_protected'] is True and after['boot_on_next_reset'] is True
    connecting = device(dict(ILO5_CD, Image=ISO))  # accepted, not connected yet: the same image is not inserted again
    assert connecting.state['inserted'] and not connecting.state['connected'] and connecting.plan('inserted', ISO, None, None) == []


def test_problems_are_all_reported():
    usb = device(ILO4_USB)
    errors = usb.problems('inserted', 'ftp://x/a.iso', None, True)
    assert len(errors) == 2 and 'http:// or https://' in errors[0] and 'BootOnNextServerReset' in errors[1]
    assert usb.problems('inserted', None, None, None) == ['image_url is required with state: inserted.']
    assert len(device(ILO5_CD).problems('ejected', ISO, False, True)) == 3
    assert device(ILO5_CD).problems('inserted', ISO, False, True) == []


class Replies:
    def __init__(self, bodies):
        self.bodies = list(bodies)

    def get(self, uri, fresh=False):  # pylint: disable=unused-argument
        body = self.bodies.pop(0) if len(self.bodies) > 1 else self.bodies[0]
        return type('R', (), {'json': body})()


@pytest.mark.parametrize('bodies,reached,elapsed', [
    ([dict(ILO5_CD, Image=ISO), dict(ILO5_CD, Image=ISO, Inserted=True, ConnectedVia='URI')], True, 0.2),
    ([dict(ILO5_CD, Image=ISO), dict(ILO5_CD)], False, 0.2),  # dropped: reported at once
    ([dict(ILO5_CD, Image=ISO)], False, 10.0),  # never connected: the deadline
])
def test_wait_for_connected_dropped_or_timed_out(bodies, reached, elapsed):
    clock = FakeClock()
    cd = VirtualMedia(Replies(bodies), '/vm/2', dict(ILO5_CD))
    ok, state = cd.wait_for(True, ISO, 10, poller=Poller(clock=clock, sleep=clock.sleep, initial=0.2, maximum=1.0))
    assert ok is reached and round(clock.now, 3) == elapsed, (state, clock.now)
