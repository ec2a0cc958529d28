# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BIOS settings: the attribute registry, validation, current/pending values and the diff.

Each Redfish concept has one small home here:

- :class:`AttributeRegistry` is the BIOS attribute registry, found by link (Bios
  ``AttributeRegistry`` -> root ``Registries`` -> the member whose ``Registry``/``Id`` matches ->
  ``Location[].Uri`` (or ``Uri.extref``) -> the registry JSON, which iLO sends gzip-encoded and
  requests decodes). iLO 4's ``HpBiosAttributeRegistry`` schema has the same ``Attributes``
  shape. Read once per run.
- :func:`validate` checks desired values against it and returns every problem at once.
- :class:`BiosSettings` is the BIOS of one system on the desired-state layer
  (:class:`~state.SettingsResource`, which owns current/pending, the plan, the PATCH with
  If-Match and the re-plan on 412): current values from the Bios resource (``Attributes``, or
  iLO 4's flat top-level keys), pending values from the settings object
  (``@Redfish.Settings.SettingsObject``, iLO 4 ``links.Settings``), plus what only BIOS has:
  reset to defaults and the check of what was applied after a reboot.

No Ansible import: this is plain Python over the client and the service.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

from ansible_collections.lightsout.ilo.plugins.module_utils.body import bios_attributes, bios_link, is_flat
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import (
    IloAuthError,
    IloConnectionError,
    IloDiscoveryError,
    IloHTTPError,
    IloProtocolError,
    IloRegistryUnavailable,
    IloTLSError,
    IloValidationError,
    parse_messages,
    split_message_id,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.state import SettingsResource, unique_messages

_MISSING = object()


def _kind(value):
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, int):
        return 'integer'
    if isinstance(value, float):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if value is None:
        return 'null'
    return type(value).__name__


def _show(value):
    return repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


# ---------------------------------------------------------------------------------- registry

class AttributeRegistry:
    """The BIOS attribute registry: ``{AttributeName: entry}`` plus its name."""

    def __init__(self, body, name=None, uri=None):
        body = body if isinstance(body, dict) else {}
        entries = body.get('RegistryEntries')
        attrs = entries.get('Attributes') if isinstance(entries, dict) else None
        if attrs is None:
            attrs = body.get('Attributes')
        if not isinstance(attrs, list):
            attrs = []
        self.name = name or body.get('Id') or body.get('RegistryVersion')
        self.uri = uri
        self.attributes = dict((a['AttributeName'], a) for a in attrs
                               if isinstance(a, dict) and isinstance(a.get('AttributeName'), str) and a['AttributeName'])

    def __contains__(self, name):
        return name in self.attributes

    def get(self, name):
        return self.attributes.get(name)

    def closest(self, name, among=None, count=3):
        """Valid names closest to ``name`` (a case-insensitive exact match first)."""
        names = list(among if among is not None else self.attributes)
        same = [n for n in names if n.lower() == str(name).lower()]
        by_lower = dict((n.lower(), n) for n in names)
        close = [by_lower[n] for n in difflib.get_close_matches(str(name).lower(), list(by_lower), n=count, cutoff=0.6)]
        found = []
        for candidate in same + close:
            if candidate not in found:
                found.append(candidate)
        return found[:count]

    def default(self, name):
        """(True, value) from ``DefaultValue`` (``CurrentValue`` on early registries), else (False, None)."""
        entry = self.get(name) or {}
        if 'DefaultValue' in entry:
            return True, entry['DefaultValue']
        if entry.get('CurrentValue') is not None:
            return True, entry['CurrentValue']
        return False, None

    @classmethod
    def discover(cls, service, registry_name):
        """Follow links from the service root to the registry named ``registry_name``; None when not published.

        Raises :class:`IloRegistryUnavailable` when the registry is listed but cannot be used: its file
        answers an HTTP error (404, 500...), times out or the connection fails, is not JSON, or
        defines no attributes. Callers degrade as for an unpublished registry.
        """
        if not registry_name:
            return None
        wanted = str(registry_name).lower()
        try:
            found = service.registry_file(lambda names: wanted in names, likely=wanted)
        except IloDiscoveryError:
            return None
        except IloTLSError:
            raise  # the iLO's certificate stopped verifying: never a reason to go on with less
        except IloAuthError as exc:
            if exc.status == 401:
                raise  # the credentials or session stopped working: not a registry problem
            raise IloRegistryUnavailable(registry_name, exc)
        except (IloHTTPError, IloConnectionError, IloProtocolError) as exc:
            # A link the client refuses (another origin: IloSecurityError) is not "unavailable": it fails the task.
            raise IloRegistryUnavailable(registry_name, exc)
        if not found:
            return None
        registry = cls(found[1], name=registry_name, uri=found[0])
        if not registry.attributes:
            raise IloRegistryUnavailable(registry_name, 'its file %s defines no attributes' % found[0], uri=found[0])
        return registry


# ---------------------------------------------------------------------------------- validation

def validate(registry, desired, current=None):
    """Every problem with ``desired`` as a list of sentences (empty when all is well).

    ``registry`` may be None: then names and value types are checked against ``current``.
    ``current`` (the Bios resource's values) also catches attributes the registry defines but
    this server does not expose (the registry is a superset).
    """
    errors = []
    for name in sorted(desired):
        value = desired[name]
        if registry is None:
            errors.extend(_check_against_current(name, value, current or {}))
            continue
        entry = registry.get(name)
        if entry is None:
            errors.append(_unknown(name, registry.closest(name), 'the BIOS attribute registry %s' % registry.name))
            continue
        if current is not None and name not in current:
            errors.append('%s is defined in %s but this server does not expose it in its BIOS settings.' % (name, registry.name))
            continue
        errors.extend(check_value(entry, name, value))
    return errors


def _unknown(name, close, where):
    if close:
        return '%s is not an attribute of %s; closest valid names: %s.' % (name, where, ', '.join(close))
    return '%s is not an attribute of %s (no close match; names are case-sensitive).' % (name, where)


def _check_against_current(name, value, current):
    if name not in current:
        return [_unknown(name, AttributeRegistry({}).closest(name, among=current), 'this server\'s BIOS settings')]
    now = current[name]
    if now is not None and _kind(now) != _kind(value):
        return ['%s must be a %s like the current value %s, not the %s %s%s' % (
            name, _kind(now), _show(now), _kind(value), _show(value), _type_hint(value, _kind(now)))]
    return []


def _type_hint(value, wanted):
    """The end of a sentence: a hint for the usual YAML traps (yes/true/1 instead of a string)."""
    if isinstance(value, bool) and wanted == 'string':
        return ': YAML turned an unquoted yes/no/true/false into a boolean; write the value name in quotes (e.g. "Enabled").'
    if isinstance(value, (int, float)) and wanted == 'string':
        return ': quote it ("%s").' % value
    if isinstance(value, str) and wanted == 'integer' and re.match(r'^-?\d+$', value.strip()):
        return ': write it without quotes (%s).' % value.strip()
    return '.'


def check_value(entry, name, value):
    """Problems of one value against its registry entry."""
    if entry.get('ReadOnly') or entry.get('Immutable'):
        return ['%s is read-only%s and cannot be set.' % (name, ' (immutable)' if entry.get('Immutable') else '')]
    kind = entry.get('Type')
    if kind == 'Enumeration':
        values = entry.get('Value') if isinstance(entry.get('Value'), list) else []
        allowed = [v.get('ValueName') for v in values if isinstance(v, dict) and isinstance(v.get('ValueName'), str)]
        if not isinstance(value, str):
            return ['%s is an enumeration: its value must be a string, not the %s %s%s Allowed values: %s.' % (
                name, _kind(value), _show(value), _type_hint(value, 'string').rstrip('.') + '.', ', '.join(allowed))]
        if allowed and value not in allowed:
            same = [a for a in allowed if a.lower() == value.lower()]
            hint = ' (did you mean %s? values are case-sensitive)' % same[0] if same else ''
            return ['%r is not an allowed value of %s%s; allowed values: %s.' % (value, name, hint, ', '.join(allowed))]
        return []
    if kind == 'Integer':
        if isinstance(value, bool) or not isinstance(value, int):
            return ['%s is an integer, not the %s %s%s' % (name, _kind(value), _show(value), _type_hint(value, 'integer'))]
        low, high, step = _number(entry.get('LowerBound')), _number(entry.get('UpperBound')), _number(entry.get('ScalarIncrement'))
        if (low is not None and value < low) or (high is not None and value > high):
            return ['%s must be between %s and %s, not %s.' % (
                name, low if low is not None else '-inf', high if high is not None else 'inf', value)]
        if step and step > 1 and (value - (low or 0)) % step:
            return ['%s must be a multiple of %s counted from %s, not %s.' % (name, step, low or 0, value)]
        return []
    if kind == 'Password':
        return ['%s is a write-only password attribute; its current value cannot be read, so it cannot be managed '
                'idempotently here (use the Bios.ChangePassword action).' % name]
    if kind == 'String':
        if not isinstance(value, str):
            return ['%s is a string, not the %s %s%s' % (name, _kind(value), _show(value), _type_hint(value, 'string'))]
        problems = []
        low, high, expression = _number(entry.get('MinLength')), _number(entry.get('MaxLength')), entry.get('ValueExpression')
        if low is not None and len(value) < low:
            problems.append('%s must be at least %s characters long, not %d.' % (name, low, len(value)))
        if high is not None and len(value) > high:
            problems.append('%s must be at most %s characters long, not %d.' % (name, high, len(value)))
        if isinstance(expression, str) and expression and value and not _matches(expression, value):
            problems.append('%s value %r does not match the pattern %s.' % (name, value, expression))
        return problems
    # Types this module does not know (e.g. a future Boolean): check the JSON type loosely.
    return []


def _number(value):
    """A registry bound as a number, or None when the registry gives something else (never trust a BMC's types)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _matches(expression, value):
    """Registry patterns carry their own anchors (ECMAScript RegExp.test semantics). A pattern Python cannot compile passes."""
    try:
        return re.search(expression, value) is not None
    except re.error:
        return True


# ---------------------------------------------------------------------------------- settings model

class BiosSettings(SettingsResource):
    """Current and pending BIOS values of one system, and the writes that change them.

    The read/plan/PATCH/412 machinery is the desired-state layer's (:class:`SettingsResource`);
    this class only says where BIOS values live (``Attributes`` or iLO 4's flat keys, the iLO 4
    ``links.Settings`` object) and adds what is BIOS-only: the registry, reset to defaults and
    the check of what was applied after a reboot.
    """

    noun = 'BIOS settings'

    def __init__(self, service, system_uri):
        bios_uri = bios_link(service.client.get(system_uri).json or {})
        if not bios_uri:
            raise IloDiscoveryError('The system %s has no BIOS resource (no Bios link).' % system_uri)
        super(BiosSettings, self).__init__(service.client, bios_uri)
        self.service = service
        self.system_uri = system_uri
        self._registry = _MISSING
        self.registry_problem = None  # why a listed registry could not be used, when that happened
        self.reload()

    # ------------------------------------------------------------------ layout
    def values_of(self, body):
        return bios_attributes(body)

    def body_for(self, values):
        return dict(values) if self.flat else {'Attributes': dict(values)}

    def missing_settings_object(self):
        return ('The BIOS resource %s advertises no settings object (@Redfish.Settings.SettingsObject); '
                'its settings cannot be changed through Redfish.' % self.uri)

    def reload(self):
        super(BiosSettings, self).reload()
        self.flat = is_flat(self.body)
        return self

    @property
    def bios_uri(self):
        return self.uri

    @property
    def bios(self):
        return self.body

    @property
    def registry_name(self):
        return self.bios.get('AttributeRegistry')

    def registry(self):
        """The attribute registry (read once per run), or None when the service does not publish it or
        it cannot be read (then ``registry_problem`` says why and :meth:`registry_warning` words it)."""
        if self._registry is _MISSING:
            try:
                self._registry = AttributeRegistry.discover(self.service, self.registry_name)
            except IloRegistryUnavailable as exc:
                self._registry, self.registry_problem = None, exc
        return self._registry

    def registry_warning(self):
        """The sentence for a run that had no registry (None when it had one or never needed it)."""
        if self._registry is _MISSING or self._registry is not None:
            return None
        if self.registry_problem is not None:
            why = '%s lists the BIOS attribute registry %s but it could not be read (%s)' % (
                self.service.client.base_url, self.registry_problem.name, self.registry_problem.reason)
        else:
            why = '%s publishes no BIOS attribute registry (%s)' % (self.service.client.base_url, self.registry_name or 'none named')
        return ('%s; names and value types were checked against the current settings only. If the iLO refuses a value '
                'at the next boot it is reported as not applied; set validate: false to skip this check.' % why)

    @property
    def settings_result(self):
        """(Time, messages) of the last apply: ``@Redfish.Settings`` or iLO 4 ``SettingsResult``."""
        block = self.bios.get('@Redfish.Settings') or self.bios.get('SettingsResult') or {}
        return block.get('Time'), parse_messages(block.get('Messages') or [])

    # ------------------------------------------------------------------ defaults
    def defaults(self):
        """``{name: default}`` the BIOS would get from a reset to defaults, from the registry.

        Read-only, immutable and system-unique attributes (serial number, product id) are left
        out: a reset does not touch them. None when the registry is not available.
        """
        registry = self.registry()
        if registry is None:
            return None
        found = {}
        for name in self.current:
            entry = registry.get(name)
            if not entry or entry.get('ReadOnly') or entry.get('Immutable') or entry.get('IsSystemUniqueProperty'):
                continue
            has, value = registry.default(name)
            if has:
                found[name] = value
        return found

    def differs_from_defaults(self):
        """Attributes whose effective value (pending over current) is not the default; None when unknown."""
        defaults = self.defaults()
        if defaults is None:
            return None
        effective = self.current
        effective.update(self.pending)
        return dict((k, {'effective': effective.get(k), 'default': v}) for k, v in defaults.items() if effective.get(k) != v)

    @property
    def reset_target(self):
        """The advertised ``Bios.ResetBios`` target (on the Bios resource or the settings object), or None."""
        for body in (self.bios, self.settings):
            spec = ((body or {}).get('Actions') or {}).get('#Bios.ResetBios')
            if isinstance(spec, dict) and spec.get('target'):
                return spec['target']
        return None

    def reset_to_defaults(self):
        """Stage the defaults: POST ``Bios.ResetBios`` with ``{}`` where advertised, else PATCH ``BaseConfig: default``."""
        target = self.reset_target
        if target:
            response = self.client.post(target, {})
            how = 'POST %s {}' % target
        else:
            response = self.client.patch(self.settings_uri, self.body_for({'BaseConfig': 'default'}), if_match=self.etag)
            how = 'PATCH %s BaseConfig=default' % self.settings_uri
        return how, unique_messages(response.messages)

    # ------------------------------------------------------------------ after a reboot
    def verify_applied(self, expected):
        """After POST: which of ``expected`` ({name: value}) were applied, and why the others were not.

        Reads the Bios resource afresh. Returns (applied, failed): ``applied`` a sorted list of
        names, ``failed`` ``{name: {desired, current, message_ids, messages}}``.
        """
        failed = self.unapplied(expected)  # the resource read again
        _time, messages = self.settings_result
        for name, entry in failed.items():
            related = [m for m in messages if _names_attribute(m, name)]
            entry.update(message_ids=[m['MessageId'] for m in related], messages=related)
        return sorted(name for name in expected if name not in failed), failed


def _names_attribute(message, name):
    """True when a settings-result message is about attribute ``name``."""
    for related in message.get('RelatedProperties') or []:
        if str(related).lstrip('#/').rsplit('/', maxsplit=1)[-1] == name:
            return True
    if split_message_id(message.get('MessageId'))[2] == 'Success':
        return False
    return name in [str(a) for a in message.get('MessageArgs') or []]


def describe_failures(failed, service=None):
    """One sentence naming every attribute that was not applied and iLO's reason."""
    parts = []
    for name in sorted(failed):
        info = failed[name]
        reasons = []
        for message in info['messages']:
            text = message.get('Message')
            if not text and service is not None:
                known = service.message_text(message['MessageId'])
                if known and known[0]:
                    text = _fill_args(known[0], message.get('MessageArgs') or [])
                    message['Message'] = text
            reasons.append('%s%s' % (message['MessageId'], ' (%s)' % text if text else ''))
        parts.append('%s (wanted %s, is %s: %s)' % (name, _show(info['desired']), _show(info['current']),
                                                    '; '.join(reasons) or 'iLO gave no reason'))
    return 'The BIOS did not apply %d attribute(s) after the reboot: %s.' % (len(failed), ', '.join(parts))


def _fill_args(text, args):
    for index, arg in enumerate(args, start=1):
        text = text.replace('%%%d' % index, str(arg))
    return text


def check_desired(desired):
    """Refuse a malformed ``attributes`` option before anything is read."""
    if not isinstance(desired, dict):
        raise IloValidationError('attributes must be a dictionary of BIOS attribute names and values.')
    if any(not str(k).strip() for k in desired):
        raise IloValidationError('attributes has an empty attribute name; BIOS attribute names look like ProcTurbo or AdminName.')
    bad = [k for k, v in desired.items() if isinstance(v, (dict, list))]
    if bad:
        raise IloValidationError('BIOS attribute values are strings or integers; %s got a %s.' % (
            ', '.join(sorted(bad)), ' / '.join(sorted(set(type(desired[k]).__name__ for k in bad)))))
