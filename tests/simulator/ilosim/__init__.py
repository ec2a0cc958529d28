"""ilosim: a stateful HTTPS Redfish simulator of HPE iLO 4/5/6 (see tests/simulator/README.md)."""

from ilosim.engine import Ilo, Tree
from ilosim.server import Fleet, ProfileNotFound, start

__all__ = ["Fleet", "Ilo", "ProfileNotFound", "Tree", "start"]
