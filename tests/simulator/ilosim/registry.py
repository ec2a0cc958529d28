# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Message-registry helpers shared by the engine and the profiles.

iLO names every message ``<Registry>.<major>.<minor>.<Key>`` and the version prefix
differs per firmware (``Base.1.0`` on early iLO 5, ``Base.1.18`` on iLO 6 1.66,
``Base.0.10`` on iLO 4). The engine asks :class:`MessageIds` for the prefix that
matches the tree it serves: the ``Registry`` field of the members of the
``Registries`` collection when present, else a per-generation default.
"""

import re

# Per generation: registry prefix -> version used when the tree does not say.
DEFAULT_VERSIONS = {
    4: {"Base": "0.10", "iLO": "0.10"},
    5: {"Base": "1.4", "iLO": "2.14"},
    6: {"Base": "1.12", "iLO": "2.16"},
}

_REGISTRY_RE = re.compile(r"^#?([A-Za-z]+)\.v?(\d+)[._](\d+)")


def registry_file(registry, uri, language="en", odata_id=None):
    """A ``MessageRegistryFile`` body pointing at ``uri`` (for profiles)."""
    name = registry.split(".")[0] if odata_id is None else odata_id.rstrip("/").rsplit("/", 1)[-1]
    body = {
        "@odata.type": "#MessageRegistryFile.v1_0_4.MessageRegistryFile",
        "Id": name,
        "Description": "Registry Definition File for %s" % name,
        "Languages": [language],
        "Location": [{"Language": language, "Uri": uri}],
        "Name": "%s Message Registry File" % name,
        "Registry": registry,
    }
    if odata_id:
        body["@odata.id"] = odata_id
    return body


def member_uris(body):
    """URIs of a collection's members, Redfish (``Members``) or iLO 4 compat (``links.Member``)."""
    uris = []
    for member in body.get("Members") or []:
        if isinstance(member, dict) and isinstance(member.get("@odata.id"), str):
            uris.append(member["@odata.id"])
    links = body.get("links")
    if not uris and isinstance(links, dict):
        for member in links.get("Member") or []:
            if isinstance(member, dict) and isinstance(member.get("href"), str):
                uris.append(member["href"])
    return uris


def location_uris(registry_file_body, language="en"):
    """The ``Location[].Uri`` (or ``Uri.extref``) entries of a registry file, preferred language first."""
    found = []
    for loc in registry_file_body.get("Location") or []:
        if not isinstance(loc, dict):
            continue
        uri = loc.get("Uri")
        if isinstance(uri, dict):
            uri = uri.get("extref")
        if isinstance(uri, str):
            found.append((loc.get("Language") != language, uri))
    return [uri for _later, uri in sorted(found, key=lambda item: item[0])]


class MessageIds:
    """Builds ``MessageId`` strings with the registry versions of one service."""

    def __init__(self, generation, registries=()):
        self.generation = generation
        self.versions = dict(DEFAULT_VERSIONS.get(generation, DEFAULT_VERSIONS[5]))
        for name in registries:
            match = _REGISTRY_RE.match(name or "")
            if match and match.group(1) in ("Base", "iLO", "HpeCommon"):
                self.versions[match.group(1)] = "%s.%s" % (match.group(2), match.group(3))

    def __call__(self, key, registry="Base"):
        """``msg("Success")`` -> ``Base.1.18.Success``; a full id passes through."""
        if key.count(".") >= 3 or ":" in key:
            return key
        return "%s.%s.%s" % (registry, self.versions.get(registry, "1.0"), key)

    def legacy(self, message_id):
        """iLO 4 ``SettingsResult`` form: ``Base.1.0:Success``."""
        head, _sep, key = message_id.rpartition(".")
        return "%s:%s" % (head, key) if head else message_id


def attribute_index(registry_body):
    """``{AttributeName: entry}`` from a BIOS attribute registry body (Redfish or HpBios form)."""
    entries = registry_body.get("RegistryEntries") or {}
    attrs = entries.get("Attributes") if isinstance(entries, dict) else None
    if attrs is None:
        attrs = registry_body.get("Attributes") or []
    return {a["AttributeName"]: a for a in attrs if isinstance(a, dict) and "AttributeName" in a}


def attribute_default(entry):
    """The default of a registry attribute: ``DefaultValue``, or ``CurrentValue`` on old registries."""
    if "DefaultValue" in entry:
        return True, entry["DefaultValue"]
    if "CurrentValue" in entry:
        return True, entry["CurrentValue"]
    return False, None


def check_attribute(entry, value):
    """Validate one pending BIOS value; returns ``None`` or a Base message key."""
    if entry is None:
        return "PropertyUnknown"
    if entry.get("ReadOnly") or entry.get("Immutable"):
        return "PropertyNotWritable"
    kind = entry.get("Type")
    if kind == "Enumeration":
        names = [v.get("ValueName") for v in entry.get("Value") or [] if isinstance(v, dict)]
        if not isinstance(value, str):
            return "PropertyValueTypeError"
        return None if value in names else "PropertyValueNotInList"
    if kind == "Integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return "PropertyValueTypeError"
        low, high = entry.get("LowerBound"), entry.get("UpperBound")
        if (low is not None and value < low) or (high is not None and value > high):
            return "PropertyValueNotInList"
        return None
    if kind in ("String", "Password"):
        if value is None and kind == "Password":
            return None
        if not isinstance(value, str):
            return "PropertyValueTypeError"
        if entry.get("MaxLength") is not None and len(value) > entry["MaxLength"]:
            return "PropertyValueFormatError"
        if entry.get("MinLength") is not None and len(value) < entry["MinLength"]:
            return "PropertyValueFormatError"
        expr = entry.get("ValueExpression")
        if expr and value:
            try:
                if not re.fullmatch(expr, value):
                    return "PropertyValueFormatError"
            except re.error:
                return None
        return None
    if kind == "Boolean" and not isinstance(value, bool):
        return "PropertyValueTypeError"
    return None
