# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy the work tree to where Ansible and ansible-test expect a collection.

``<collections>/ansible_collections/lightsout/ilo`` receives every tracked file and every
untracked file git does not ignore, as they are in the work tree. The copy is made its own
git repository so that ansible-test lists its files (inside this repository's work tree
the copy would be ignored).

Usage: python tests/utils/collection_copy.py COLLECTIONS_DIR
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def refresh(collections, root=ROOT):
    """Rebuild the copy under ``collections``; return the collection's path."""
    target = os.path.join(collections, 'ansible_collections', 'lightsout', 'ilo')
    names = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                           cwd=root, check=True, capture_output=True).stdout.decode('utf-8').split('\0')
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as archive:
        for name in names:
            if name and os.path.isfile(os.path.join(root, name)):
                archive.add(os.path.join(root, name), arcname=name, recursive=False)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    buffer.seek(0)
    with tarfile.open(fileobj=buffer, mode='r') as archive:
        archive.extractall(target, filter='tar')
    subprocess.run(['git', 'init', '--quiet', target], check=True)
    return target


if __name__ == '__main__':
    print(refresh(os.path.abspath(sys.argv[1])))
