# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HPE python-ilorest-library against a running iLO (run by test_ilorest.py with the ilorest venv's python).

Usage: python ilorest_client.py BASE_URL CA_FILE ATTRIBUTE VALUE

Logs in with a session (server certificate verified against CA_FILE), reads the first system,
PATCHes one BIOS attribute to the settings object found through ``@Redfish.Settings``, logs out,
and prints one JSON object with what it saw. BASE_URL carries no port: the library rebuilds the
logout URL from it and gets it wrong on any port but 443.
"""

from __future__ import annotations

import json
import sys

import redfish  # pylint: disable=import-error
import urllib3  # pylint: disable=import-error


def message_ids(response):
    try:
        error = response.dict.get('error', {})
    except ValueError:
        return []
    return [entry.get('MessageId') for entry in error.get('@Message.ExtendedInfo', [])]


def main(argv):
    base_url, ca_path, attribute, value = argv[1:5]
    # The library defaults to 4800 s timeouts and 50 retries: fail fast instead.
    client = redfish.RedfishClient(base_url=base_url, username='Administrator', password='password',
                                   ca_cert_data={'ca_certs': ca_path},
                                   timeout=urllib3.util.Timeout(connect=5, read=30),
                                   retries=urllib3.util.Retry(total=2, connect=1, read=0, redirect=3))
    out = {}
    client.login(auth=redfish.AuthMethod.SESSION)
    try:
        out['session_location'] = client.session_location
        root = client.get('/redfish/v1/')
        systems = client.get(root.dict['Systems']['@odata.id'])
        system = client.get(systems.dict['Members'][0]['@odata.id'])
        out['system'] = {'status': system.status, 'Id': system.dict.get('Id'), 'Model': system.dict.get('Model'),
                         'PowerState': system.dict.get('PowerState')}
        bios = client.get(system.dict['Bios']['@odata.id'])
        settings = bios.dict['@Redfish.Settings']['SettingsObject']['@odata.id']
        patch = client.patch(settings, body={'Attributes': {attribute: value}})
        out['patch'] = {'uri': settings, 'status': patch.status, 'message_ids': message_ids(patch)}
    finally:
        client.logout()
    out['logged_out'] = client.session_location is None
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
