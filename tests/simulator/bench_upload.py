# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firmware upload benchmark (not a test): ilo_firmware's push of a large image through the simulator.

    python tests/simulator/bench_upload.py --mib 100

The simulator runs in its own process (so that its copy of the body is not counted here). This process
pushes (best of ``--rounds``) a synthetic image of ``--mib`` MiB to ``HttpPushUri`` with the collection's client and iLO's multipart
form (module_utils/firmware.MultipartFile, streamed from disk), and prints one row: seconds, MiB/s, the floor
(the same bytes POSTed by plain ``requests`` from an open file, no form, to the same server), and the peak of
Python memory allocated during the push (tracemalloc) against the file size.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'utils'))

import collection_copy  # noqa: E402  pylint: disable=wrong-import-position,import-error


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mib', type=int, default=100)
    parser.add_argument('--rounds', type=int, default=3, help='best of this many pushes (and floors)')
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='bench-upload-')
    collection_copy.refresh(os.path.join(work, 'collections'))
    sys.path.insert(0, os.path.join(work, 'collections'))
    # pylint: disable=import-outside-toplevel,import-error
    import requests
    from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient
    from ansible_collections.lightsout.ilo.plugins.module_utils.firmware import MultipartFile, upload_deadline

    image = os.path.join(work, 'ilo_bench.bin')
    with open(image, 'wb') as handle:
        handle.write(b'ILOSIM-IMAGE version=99.00\n')
        block = os.urandom(1024 * 1024)
        for _i in range(args.mib):
            handle.write(block)
    size = os.path.getsize(image)
    ready = os.path.join(work, 'ready.json')
    server = subprocess.Popen([sys.executable, '-m', 'ilosim', '--profile', 'ilo5', '--port', '0', '--ready-file', ready],
                              cwd=HERE, env=dict(os.environ, PYTHONPATH=HERE))
    try:
        for _i in range(200):
            if os.path.exists(ready) and os.path.getsize(ready):
                break
            time.sleep(0.05)
        with open(ready, encoding='utf-8') as handle:
            info = json.load(handle)
        url, ca_path = info['urls'][0], info['ca_path']

        ours, floor, peak = [], [], 0
        for _round in range(args.rounds):
            with RedfishClient(url, 'Administrator', 'password', ca_path=ca_path, timeout=60) as client:
                push = client.get('/redfish/v1/UpdateService').json['HttpPushUri']
                form = MultipartFile([('sessionKey', client.token, None),
                                      ('parameters', json.dumps({'UpdateTarget': False}), 'application/json')], [('file', image)])
                client.retries = 0
                tracemalloc.start()
                started = time.monotonic()
                client.request('POST', push, data=form, deadline=upload_deadline(len(form)),
                               headers={'Content-Type': form.content_type, 'Cookie': 'sessionKey=%s' % client.token})
                ours.append(time.monotonic() - started)
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            time.sleep(1.0)  # the simulator finishes the staged job
            with open(image, 'rb') as handle:
                started = time.monotonic()
                requests.post(url + push, data=handle, verify=ca_path, timeout=600)  # refused (no form), after the whole body
                floor.append(time.monotonic() - started)
        ours, floor = min(ours), min(floor)
    finally:
        server.terminate()
        server.wait(10)
    mib = size / 1048576.0
    print('| image | push (s) | MiB/s | floor: plain POST (s) | floor MiB/s | ratio | peak Python memory during push |')
    print('|---|---|---|---|---|---|---|')
    print('| %.0f MiB | %.2f | %.0f | %.2f | %.0f | %.2f | %.1f MiB (%.1f%% of the file) |' % (
        mib, ours, mib / ours, floor, mib / floor, ours / floor, peak / 1048576.0, 100.0 * peak / size))


if __name__ == '__main__':
    main()
