# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ilosim: a stateful HTTPS Redfish simulator of HPE iLO 4/5/6/7 (see tests/simulator/README.md)."""

from ilosim.engine import Ilo, Tree
from ilosim.server import Fleet, ProfileNotFound, start

__all__ = ["Fleet", "Ilo", "ProfileNotFound", "Tree", "start"]
