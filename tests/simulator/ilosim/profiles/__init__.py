# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulator profiles: trees written by this project for iLO 4, 5, 6, 7 and a Moonshot-like enclosure,
and the one way from a profile name or a mockup directory to a tree (:func:`load`).

Each profile module exposes ``build(**options) -> dict`` (URI as linked -> JSON body).
"""

import importlib

from ilosim import mockup

PROFILES = ("ilo4", "ilo5", "ilo6", "ilo7", "moonshot")


class ProfileNotFound(LookupError):
    """A profile name with no module ``ilosim.profiles.<name>``."""


def build(name, **options):
    """The tree of profile ``name`` (imported lazily: a profile costs nothing until it is served)."""
    module_name = "%s.%s" % (__name__, name)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name not in (module_name, __name__):
            raise
        raise ProfileNotFound("ilosim profile %r is not available (no module %s); use --mockup DIR or one of %s"
                              % (name, module_name, ", ".join(PROFILES))) from exc
    return module.build(**options)


def load(profile=None, mockup_dir=None, tree=None, **options):
    """The tree to serve: an explicit ``tree``, a DMTF-layout mockup directory, or a profile (default ``ilo5``)."""
    if tree is not None:
        return tree
    if mockup_dir:
        return mockup.load(mockup_dir)
    return build(profile or "ilo5", **options)
