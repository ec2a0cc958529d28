# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iLO's own settings: ``NetworkProtocol`` (iLO 4 ``NetworkService``), the OEM ``DateTime`` service and
the manager's ``EthernetInterfaces``, as iLO behaves (HPE's "Managing time" and "Network protocols" docs):

- A PATCH shows the new values at once. Those iLO applies only at its reset answer 200
  ``iLO.x.ResetRequired`` and set ``ConfigurationSettings`` to ``SomePendingReset`` (top level on DateTime,
  ``Oem.Hpe|Hp`` elsewhere): network services (``ProtocolEnabled``/``Port``), the time zone, clearing the NTP
  servers, and everything on a network interface (host and domain name, DNS servers, DHCP flags).
  Setting NTP servers and remote syslog apply at once (``Base.x.Success``).
- DHCP override rule: while the interface in use has DHCP on and ``UseNTPServers`` true (DHCPv4 or DHCPv6),
  a PATCH of ``StaticNTPServers`` or ``TimeZone`` answers 400 ``iLO.x.SNTPConfigurationManagedByDHCPAndIsReadOnly``
  (the flags as shown, staged or not, decide). DNS servers from DHCP win over static ones in ``NameServers``.
- Server arrays are PATCHed element-wise (``null`` keeps a slot), never longer than iLO's slots
  (400 ``iLO.x.ArrayPropertyOutOfBound``); ``HTTPS.ProtocolEnabled`` is read-only; ports are 1-65535.
- :func:`on_reset` (Manager.Reset): the staged values take effect: ``ConfigurationSettings`` back to
  ``Current``, the host name and FQDN everywhere iLO shows them (interfaces, NetworkProtocol, service root),
  ``NameServers`` and ``NTPServers`` (the servers in use).

Wired into the engine by three calls: :func:`owns` (``Allow``, resources.py), :func:`patch` (settings.py)
and :func:`on_reset` (power.py, Manager.Reset).
"""

import ipaddress
import re

from ilosim.base import HttpError, dig

_KEY = re.compile(r"^/redfish/v1/managers/[^/]+/(networkprotocol|networkservice|datetime|ethernetinterfaces/[^/]+)$")
PLACEHOLDERS = ("", "0.0.0.0", "::", None)
SERVICE_KEYS = ("ProtocolEnabled", "Port")
SYSLOG_KEYS = {"RemoteSyslogEnabled": bool, "RemoteSyslogServer": str, "RemoteSyslogPort": int}
DHCP_USES = ("UseDNSServers", "UseNTPServers", "UseDomainName")


def kind_of(key):
    match = _KEY.match(key)
    if not match:
        return None
    name = match.group(1)
    return "interface" if name.startswith("ethernet") else "datetime" if name == "datetime" else "protocol"


def owns(ilo, key):
    """True for a manager resource whose settings this module changes."""
    body = ilo.body(key)
    return isinstance(body, dict) and kind_of(key) is not None and not _host_interface(body)


def _oem(body):
    oem = body.get("Oem") or {}
    return "Hp" if "Hp" in oem and "Hpe" not in oem else "Hpe"


def _host_interface(body):
    return dig(body, "Oem", _oem(body), "InterfaceType") == "HostInterface"


def _bad(ilo, key, args, related, registry="Base", status=400):
    return HttpError(status, [ilo._info(ilo.msg(key, registry), args, related)])  # pylint: disable=protected-access


def patch(ilo, method, key, payload):
    """The answer to a PATCH of a manager settings resource, or None when ``key`` is not one."""
    if method != "PATCH" or not owns(ilo, key):
        return None
    kind = kind_of(key)
    body = ilo.body(key)
    changes, staged = {"protocol": _protocol, "datetime": _datetime, "interface": _interface}[kind](ilo, key, body, payload)
    target = ilo.mutable(key)
    for path, value in changes:
        _put(target, path, value)
    if staged:
        _flag(target, kind, "SomePendingReset")
        return ilo._ext(200, [ilo._info(ilo.msg("ResetRequired", "iLO"))])  # pylint: disable=protected-access
    if kind == "datetime" and changes:
        target["NTPServers"] = list(target.get("StaticNTPServers") or [])
    return ilo._ext(200, [ilo._info(ilo.msg("Success"))])  # pylint: disable=protected-access


def _put(target, path, value):
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _flag(body, kind, value):
    if kind == "datetime":
        body["ConfigurationSettings"] = value
    else:
        body.setdefault("Oem", {}).setdefault(_oem(body), {})["ConfigurationSettings"] = value


def _unknown(ilo, name):
    return _bad(ilo, "PropertyUnknown", [name], ["#/" + name])


def _not_writable(ilo, name):
    return _bad(ilo, "PropertyNotWritable", [name], ["#/" + name])


def _check_type(ilo, name, value, kind):
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise _bad(ilo, "PropertyValueTypeError", [repr(value), name], ["#/" + name])
    if kind is not int and not isinstance(value, kind):
        raise _bad(ilo, "PropertyValueTypeError", [repr(value), name], ["#/" + name])
    if name.endswith("Port") and not 1 <= value <= 65535:
        raise _bad(ilo, "PropertyValueNotInList", [str(value), name], ["#/" + name])


def _protocol(ilo, key, body, payload):  # pylint: disable=unused-argument
    changes, staged = [], False
    oem_key = _oem(body)
    for name, value in payload.items():
        if name.startswith("@"):
            continue
        if name == "Oem":
            for sub, sub_value in ((value or {}).get(oem_key) or {}).items():
                if sub not in SYSLOG_KEYS or sub not in (dig(body, "Oem", oem_key) or {}):
                    raise _not_writable(ilo, "Oem/%s/%s" % (oem_key, sub))
                _check_type(ilo, sub, sub_value, SYSLOG_KEYS[sub])
                changes.append((("Oem", oem_key, sub), sub_value))
            continue
        current = body.get(name)
        if not isinstance(current, dict) or not any(k in current for k in SERVICE_KEYS):
            raise _unknown(ilo, name) if name not in body else _not_writable(ilo, name)
        for sub, sub_value in (value or {}).items():
            if sub not in SERVICE_KEYS or sub not in current:
                raise _not_writable(ilo, "%s/%s" % (name, sub))
            if name == "HTTPS" and sub == "ProtocolEnabled":
                raise _bad(ilo, "PropertyNotWritableOrUnknown", ["HTTPS/ProtocolEnabled"], ["#/HTTPS/ProtocolEnabled"], "iLO")
            _check_type(ilo, sub if sub == "Port" else name + "/" + sub, sub_value, int if sub == "Port" else bool)
            if current[sub] != sub_value:
                staged = True
            changes.append(((name, sub), sub_value))
    return changes, staged


def _interface_in_use(ilo, key_of_datetime):
    base = key_of_datetime.rsplit("/", 1)[0]
    prefix = base + "/ethernetinterfaces/"
    found = []
    for key in ilo.tree.bodies:
        body = ilo.body(key)
        if key.startswith(prefix) and kind_of(key) == "interface" and isinstance(body, dict) and not _host_interface(body):
            if body.get("InterfaceEnabled") is not False and dig(body, "Oem", _oem(body), "NICEnabled") is not False:
                found.append((body.get("LinkStatus") != "LinkUp", key, body))
    return sorted(found, key=lambda item: item[:2])[0][2] if found else None


def _dhcp_supplies(body, use):
    """The DHCP flags of an interface say DHCP supplies ``use`` (``UseNTPServers``...)."""
    if body is None:
        return False
    oem = dig(body, "Oem", _oem(body)) or {}
    v4 = body.get("DHCPv4") if isinstance(body.get("DHCPv4"), dict) else oem.get("DHCPv4") or {}
    v6 = body.get("DHCPv6") if isinstance(body.get("DHCPv6"), dict) else oem.get("DHCPv6") or {}
    v4_on = v4.get("DHCPEnabled", v4.get("Enabled", False))
    v6_on = v6.get("OperatingMode", "Stateful" if v6.get("StatefulModeEnabled") else "Disabled") != "Disabled"
    return bool((v4_on and v4.get(use)) or (v6_on and v6.get(use)))


def _array(ilo, name, current, value, check):
    if not isinstance(value, list) or not all(v is None or isinstance(v, str) for v in value):
        raise _bad(ilo, "PropertyValueTypeError", [repr(value), name], ["#/" + name])
    if len(value) > len(current or []):
        raise _bad(ilo, "ArrayPropertyOutOfBound", [name], ["#/" + name], "iLO")
    merged = list(current)
    for index, item in enumerate(value):
        if item is not None:
            if item not in PLACEHOLDERS and not check(item):
                raise _bad(ilo, "PropertyValueFormatError", [item, name], ["#/" + name])
            merged[index] = item
    return merged


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _is_host(text):
    return bool(re.match(r"^(?!-)[A-Za-z0-9.-]{1,253}(?<!-)$", text))


def _datetime(ilo, key, body, payload):
    changes, staged = [], False
    iface = _interface_in_use(ilo, key)
    for name, value in payload.items():
        if name.startswith("@"):
            continue
        if name in ("StaticNTPServers", "TimeZone") and _dhcp_supplies(iface, "UseNTPServers"):
            raise _bad(ilo, "SNTPConfigurationManagedByDHCPAndIsReadOnly", [name], ["#/" + name], "iLO")
        if name == "StaticNTPServers":
            merged = _array(ilo, name, body.get(name) or [], value, lambda s: _is_ip(s) or _is_host(s))
            if merged != body.get(name) and all(v in PLACEHOLDERS for v in merged):
                staged = True
            changes.append(((name,), merged))
        elif name == "TimeZone":
            index = value.get("Index") if isinstance(value, dict) else None
            zone = next((z for z in body.get("TimeZoneList") or [] if z.get("Index") == index), None)
            if zone is None:
                raise _bad(ilo, "PropertyValueNotInList", [repr(value), "TimeZone/Index"], ["#/TimeZone/Index"])
            staged = staged or index != dig(body, "TimeZone", "Index")
            changes.append(((name,), dict(zone)))
        elif name == "PropagateTimeToHost":
            _check_type(ilo, name, value, bool)
            changes.append(((name,), value))
        else:
            raise _unknown(ilo, name) if name not in body else _not_writable(ilo, name)
    return changes, staged


def _interface(ilo, key, body, payload):  # pylint: disable=unused-argument
    changes = []
    oem_key = _oem(body)
    oem = dig(body, "Oem", oem_key) or {}
    for name, value in payload.items():
        if name.startswith("@"):
            continue
        if name in ("DHCPv4", "DHCPv6") and isinstance(body.get(name), dict):
            changes.extend(_dhcp_flags(ilo, name, body[name], value, (name,)))
        elif name == "HostName":
            _check_type(ilo, name, value, str)
            changes.append(((name,), value))
        elif name == "Oem":
            for sub, sub_value in ((value or {}).get(oem_key) or {}).items():
                where = "Oem/%s/%s" % (oem_key, sub)
                if sub in ("HostName", "DomainName") and sub in oem:
                    _check_type(ilo, where, sub_value, str)
                    changes.append((("Oem", oem_key, sub), sub_value))
                elif sub in ("IPv4", "IPv6") and isinstance(oem.get(sub), dict) and isinstance(sub_value, dict):
                    for item, item_value in sub_value.items():
                        if item != "DNSServers":
                            raise _not_writable(ilo, "%s/%s" % (where, item))
                        merged = _array(ilo, where + "/DNSServers", oem[sub].get(item) or [], item_value, _is_ip)
                        changes.append((("Oem", oem_key, sub, item), merged))
                elif sub in ("DHCPv4", "DHCPv6") and isinstance(oem.get(sub), dict):
                    changes.extend(_dhcp_flags(ilo, where, oem[sub], sub_value, ("Oem", oem_key, sub)))
                else:
                    raise _not_writable(ilo, where)
        else:
            raise _unknown(ilo, name) if name not in body else _not_writable(ilo, name)
    staged = any(dig(body, *path) != value for path, value in changes)
    return changes, staged


def _dhcp_flags(ilo, where, current, value, path):
    if not isinstance(value, dict):
        raise _bad(ilo, "PropertyValueTypeError", [repr(value), where], ["#/" + where])
    found = []
    for flag, flag_value in value.items():
        if flag not in current:
            raise _not_writable(ilo, "%s/%s" % (where, flag))
        _check_type(ilo, "%s/%s" % (where, flag), flag_value, bool)
        found.append((path + (flag,), flag_value))
    return found


def on_reset(ilo):
    """Manager.Reset: every staged value takes effect."""
    managers = {}
    for key in list(ilo.tree.bodies):
        kind = kind_of(key)
        body = ilo.body(key)
        if kind is None or not isinstance(body, dict):
            continue
        managers.setdefault(key.split("/")[4], {}).setdefault(kind, []).append(key)
    for keys in managers.values():
        for key in keys.get("interface", []) + keys.get("protocol", []) + keys.get("datetime", []):
            body = ilo.body(key)
            flag = body.get("ConfigurationSettings") if kind_of(key) == "datetime" else dig(body, "Oem", _oem(body), "ConfigurationSettings")
            if flag == "SomePendingReset":
                _flag(ilo.mutable(key), kind_of(key), "Current")
        _names_take_effect(ilo, keys)


def _names_take_effect(ilo, keys):
    """Host name, FQDN, name servers and NTP servers in use, from the interface in use."""
    interfaces = [(ilo.body(k).get("LinkStatus") != "LinkUp", k) for k in keys.get("interface", [])
                  if not _host_interface(ilo.body(k)) and ilo.body(k).get("InterfaceEnabled") is not False]
    if not interfaces:
        return
    key = sorted(interfaces)[0][1]
    body = ilo.body(key)
    oem = dig(body, "Oem", _oem(body)) or {}
    host, domain = oem.get("HostName"), oem.get("DomainName")
    if host is None:
        return
    fqdn = "%s.%s" % (host, domain) if domain else host
    static = [s for s in (dig(oem, "IPv4", "DNSServers") or []) + (dig(oem, "IPv6", "DNSServers") or []) if s not in PLACEHOLDERS]
    if body.get("HostName") != host or body.get("FQDN") != fqdn or (not _dhcp_supplies(body, "UseDNSServers") and body.get("NameServers") != static):
        target = ilo.mutable(key)
        target["HostName"], target["FQDN"] = host, fqdn
        if not _dhcp_supplies(body, "UseDNSServers"):
            target["NameServers"] = static
    for other in keys.get("protocol", []):
        if ilo.body(other).get("HostName") != host or ilo.body(other).get("FQDN") != fqdn:
            target = ilo.mutable(other)
            target["HostName"], target["FQDN"] = host, fqdn
    for other in keys.get("datetime", []):
        dt = ilo.body(other)
        if not _dhcp_supplies(body, "UseNTPServers") and dt.get("NTPServers") != dt.get("StaticNTPServers"):
            ilo.mutable(other)["NTPServers"] = list(dt.get("StaticNTPServers") or [])
    root = ilo.body("/redfish/v1")
    entry = dig(root, "Oem", _oem(root), "Manager") if isinstance(root, dict) else None
    if isinstance(entry, list) and entry and isinstance(entry[0], dict) and entry[0].get("HostName") not in (None, host):
        first = ilo.mutable("/redfish/v1")["Oem"][_oem(root)]["Manager"][0]
        first["HostName"] = host
        if "FQDN" in first:
            first["FQDN"] = fqdn
