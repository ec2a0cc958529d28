# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load a DMTF-layout mockup directory (``redfish/v1/.../index.json``) into a tree."""

import json
import os


def load(directory):
    """Return ``{uri: body}`` for every ``index.json`` (and ``index.xml``) under ``directory``.

    ``directory`` may be the mockup root (holding ``redfish/``) or ``redfish/v1`` itself.
    URIs keep the directory case and end in ``/``; XML documents (``$metadata``) are str bodies.
    """
    directory = os.path.abspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError("no such mockup directory: %s" % directory)
    base = directory
    if os.path.isdir(os.path.join(directory, "redfish", "v1")):
        base = directory
    elif os.path.basename(directory).lower() == "v1" and os.path.basename(os.path.dirname(directory)).lower() == "redfish":
        base = os.path.dirname(os.path.dirname(directory))
    else:
        raise FileNotFoundError("%s is not a mockup tree (no redfish/v1 inside)" % directory)
    tree = {}
    for dirpath, _dirnames, filenames in os.walk(os.path.join(base, "redfish")):
        rel = os.path.relpath(dirpath, base).replace(os.sep, "/")
        uri = "/" + rel + "/"
        if "index.json" in filenames:
            with open(os.path.join(dirpath, "index.json"), encoding="utf-8") as handle:
                tree[uri] = json.load(handle)
        elif "index.xml" in filenames:
            with open(os.path.join(dirpath, "index.xml"), encoding="utf-8") as handle:
                tree[uri] = handle.read()
    if not any(key.lower() == "/redfish/v1/" for key in tree):
        raise FileNotFoundError("%s has no redfish/v1/index.json" % directory)
    return tree
