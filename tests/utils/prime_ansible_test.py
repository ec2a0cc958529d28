# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Let ansible-test build its virtual environments without reaching its download host.

ansible-test bootstraps pip into each venv it makes with a ``get-pip-<ver>.py`` script it
downloads from a CI file host, unless ``~/.ansible/test/cache/get_pip_<ver>.py`` exists.
Machines that reach only a package index (air-gapped mirrors, this project's CI) cannot
fetch it. This primes the cache with a stand-in: the pip wheel of the wanted version (from
the package index you already use) and a small script that installs from it.

Usage: python tests/utils/prime_ansible_test.py   (with the python of the venv that has ansible-test)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

STANDIN = '''# Stand-in for get-pip.py written by lightsout.ilo tests/utils/prime_ansible_test.py
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WHEEL = sorted(glob.glob(os.path.join(HERE, "pip-{version}-*.whl")))[-1]
sys.path.insert(0, WHEEL)
from pip._internal.cli.main import main  # noqa: E402

ARGS = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--force-reinstall", "--find-links", HERE] + ARGS))
'''


def wanted_pip_version():
    import ansible_test  # pylint: disable=import-outside-toplevel
    path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(path, encoding='utf-8') as handle:
        match = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", handle.read())
    if not match:
        raise SystemExit('prime_ansible_test: cannot find the pip version ansible-test wants in %s' % path)
    return match.group(1)


def main():
    version = wanted_pip_version()
    cache = os.path.expanduser('~/.ansible/test/cache')
    script = os.path.join(cache, 'get_pip_%s.py' % version.replace('.', '_'))
    os.makedirs(cache, exist_ok=True)
    if not [n for n in os.listdir(cache) if n.startswith('pip-%s-' % version) and n.endswith('.whl')]:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary', ':all:',
                        '-d', cache, 'pip==%s' % version], check=True)
    with open(script, 'w', encoding='utf-8') as handle:
        handle.write(STANDIN.format(version=version))
    print('ansible-test pip %s bootstrap primed: %s' % (version, script))


if __name__ == '__main__':
    main()
