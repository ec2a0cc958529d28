# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulator profiles: trees written by this project for iLO 4, 5, 6, 7 and a Moonshot-like enclosure.

Each module exposes ``build(**options) -> dict`` (URI as linked -> JSON body).
"""

import importlib

PROFILES = ("ilo4", "ilo5", "ilo6", "ilo7", "moonshot")


def build(name, **options):
    """Build the tree of profile ``name`` (one of :data:`PROFILES`)."""
    if name not in PROFILES:
        raise ValueError("unknown profile %r (choose from %s)" % (name, ", ".join(PROFILES)))
    return importlib.import_module("%s.%s" % (__name__, name)).build(**options)
