# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Redfish body says, read the same way everywhere: the ground floor of module_utils.

Pure functions over decoded JSON, used by the client, discovery, the desired-state layer,
BIOS, power and the facts gatherer alike:

- links and URIs: :func:`link_of` (``{"@odata.id"}`` or iLO 4's ``{"href"}``),
  :func:`normalize_uri` / :func:`same_uri` (the comparison form), :func:`last_segment`,
  :func:`links_named` (``Links.X`` / iLO 4 ``links.X``), :func:`managed_by`, :func:`members_of`
  and :func:`is_expanded` (collections), :func:`bios_link` and :func:`settings_link`;
- paths: :func:`dig` walks keys and list indexes without raising;
- text: :func:`text_of` (a plain string field or None), :func:`identity` (None for a
  placeholder such as ``N/A`` or ``To be filled by O.E.M.``), :func:`norm_mac` / :func:`norm_macs`;
- the BIOS attribute view: :func:`bios_attributes` (``Attributes``, or iLO 4's flat top-level
  keys) and :func:`is_flat`.

Never raises on a malformed body: a BMC's replies are not trusted. Imports nothing from the
rest of the collection, and no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps sanity's import test calm
    from urlparse import urlsplit  # type: ignore


# --------------------------------------------------------------------------------------------------
# Links and URIs
# --------------------------------------------------------------------------------------------------


def link_of(value):
    """The URI of a Redfish link ``{"@odata.id": ...}`` or iLO 4 compat ``{"href": ...}``, else None."""
    if isinstance(value, dict):
        return value.get('@odata.id') or value.get('href')
    if isinstance(value, str) and value.startswith('/'):
        return value
    return None


def normalize_uri(uri):
    """The comparison form of a URI: path only, lower-case, no trailing slash (the root stays '/')."""
    if uri is None:
        return None
    text = str(uri)
    if '://' in text:
        try:
            parts = urlsplit(text)
            text = parts.path + ('?' + parts.query if parts.query else '')
        except ValueError:  # e.g. a malformed IPv6 literal in a link a BMC sent: keep the path after the host
            rest = text.split('://', 1)[1]
            text = '/' + rest.split('/', 1)[1] if '/' in rest else '/'
    path, sep, query = text.partition('?')
    path = path.lower()
    while len(path) > 1 and path.endswith('/'):
        path = path[:-1]
    return path + sep + query


def same_uri(first, second):
    return normalize_uri(first) == normalize_uri(second)


def last_segment(uri):
    """The last path segment in comparison form (the member id a URI names), '' for none."""
    return normalize_uri(uri).rstrip('/').split('/')[-1] if uri else ''


def dig(body, path, default=None):
    """``dig(body, 'Oem.Hpe.PostState')``: walk dict keys (and list indexes) without raising."""
    value = body
    for part in path.split('.'):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return default
        if value is None:
            return default
    return value


def oem_key(body):
    """``Hpe`` (iLO 5/6/7), ``Hp`` (iLO 4) or None: the key of the HPE block under ``Oem`` in ``body``."""
    oem = (body or {}).get('Oem') or {}
    if 'Hpe' in oem:
        return 'Hpe'
    if 'Hp' in oem:
        return 'Hp'
    return None


def hpe_oem(body, prefer=None):
    """The HPE block under ``Oem`` in ``body``: ``prefer`` (the service's own key) when it has one, else
    ``Hpe`` or, on iLO 4, ``Hp``; {} when there is none."""
    oem = (body or {}).get('Oem') or {}
    for key in (prefer, 'Hpe', 'Hp'):
        block = oem.get(key) if key else None
        if block and isinstance(block, dict):
            return block
    return {}


def links_named(body, name):
    """The URIs ``body`` links under ``Links.<name>`` (iLO 4: ``links.<name>``): one link or a list of them."""
    found = dig(body, 'Links.' + name) or dig(body, 'links.' + name)
    items = found if isinstance(found, list) else [found]
    return [uri for uri in (link_of(item) for item in items) if uri]


def managed_by(body):
    """The URI of the manager that manages a system or chassis (the first ``ManagedBy`` link), or None."""
    uris = links_named(body, 'ManagedBy')
    return uris[0] if uris else None


def members_of(body):
    """A collection's ``Members`` (iLO 4 before Redfish: ``links.Member``), as sent: the caller checks it is a list."""
    body = body if isinstance(body, dict) else {}
    items = body.get('Members')
    if items is None:
        items = dig(body, 'links.Member') or []
    return items


def is_expanded(member):
    """True for a collection member that came back as the resource itself, not a bare link."""
    uri = link_of(member) if isinstance(member, dict) else None
    return bool(uri and '#' not in uri and len(member) > 1)


def bios_link(system):
    """The URI of a system's Bios resource: ``Bios``, or the HPE OEM link (iLO 4 ``Oem.Hp.links.BIOS``)."""
    oem = dig(system, 'Oem') or {}
    candidates = [dig(system, 'Bios')] + [dig(oem, '%s.%s.BIOS' % (key, links)) for key in ('Hpe', 'Hp') for links in ('Links', 'links')]
    return next((uri for uri in (link_of(c) for c in candidates) if uri), None)


def settings_link(body):
    """The URI of the settings object values are written to: ``@Redfish.Settings.SettingsObject`` (iLO 4: ``links.Settings``)."""
    block = body.get('@Redfish.Settings') if isinstance(body, dict) else None
    return link_of(block.get('SettingsObject') if isinstance(block, dict) else None) or link_of(dig(body, 'links.Settings'))


# --------------------------------------------------------------------------------------------------
# Text, placeholders, MAC addresses
# --------------------------------------------------------------------------------------------------


def text_of(value):
    """A plain (string) field: numbers as text; objects, lists and booleans are not text (None), nor is blank."""
    if value is None or isinstance(value, bool) or isinstance(value, (dict, list)):
        return None
    text = value if isinstance(value, str) else str(value)
    return text.strip() or None


#: Values that fill a serial number or a location when there is none: they never identify anything.
PLACEHOLDER = re.compile(r'^(?:n/?a|not\s*available|not\s*specified|unknown|none|null|removed.*|to be filled by o\.?e\.?m\.?|'
                         r'0+|x+|-+|\.+|\?+)$', re.I)


def identity(value):
    """The comparison form of an identifying value (serial number, location), or None for a placeholder."""
    text = text_of(value)
    if not text or PLACEHOLDER.match(text):
        return None
    return text.upper()


_MAC_FORMS = (re.compile(r'^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$'),
              re.compile(r'^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$'),
              re.compile(r'^[0-9a-f]{12}$'))


def norm_mac(value):
    """A MAC address as lower-case colon form; None when it is not one (a WWN, garbage, all zeros or all ones)."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if not any(form.match(text) for form in _MAC_FORMS):
        return None
    digits = re.sub(r'[^0-9a-f]', '', text)
    if digits in ('0' * 12, 'f' * 12):
        return None
    return ':'.join(digits[i:i + 2] for i in range(0, 12, 2))


def norm_macs(values):
    """The distinct MAC addresses among ``values`` (a list or one value), in order; what is not one is dropped."""
    out = []
    for value in values if isinstance(values, list) else [values]:
        mac = norm_mac(value)
        if mac and mac not in out:
            out.append(mac)
    return out


# --------------------------------------------------------------------------------------------------
# BIOS attributes
# --------------------------------------------------------------------------------------------------

#: Top-level keys of an iLO 4 flat HpBios body (current or settings) that are not attributes.
FLAT_METADATA = frozenset(['Type', 'Name', 'Description', 'AttributeRegistry', 'Attributes', 'Id', 'Modified', 'SettingsResult',
                           'SettingsObject', 'links', 'Links', 'Oem', 'Actions'])


def is_flat(body):
    """True for iLO 4's flat HpBios layout (attributes at the top level, no ``Attributes`` object)."""
    return not isinstance(body.get('Attributes') if isinstance(body, dict) else None, dict)


def bios_attributes(body):
    """The attribute values of a Bios or settings body: ``Attributes``, or iLO 4's flat top-level keys
    (every scalar that is neither metadata nor an ``@`` annotation)."""
    if not isinstance(body, dict):
        return {}
    if not is_flat(body):
        return dict(body['Attributes'])
    return dict((k, v) for k, v in body.items()
                if not k.startswith('@') and k not in FLAT_METADATA and not isinstance(v, (dict, list)))
