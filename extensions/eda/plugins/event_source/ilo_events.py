# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source: receive the Redfish events HPE iLOs push, one queue event per event record."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
short_description: Receive Redfish events pushed by HPE iLO 4 to 7 (Event-Driven Ansible source).
description:
  - An HTTPS listener that receives the Redfish event payloads iLO posts to its event subscriptions and puts one
    event per event record on the queue, with the sending iLO's address, the severity, message id, message and
    arguments, and C(meta.hosts) for rulebook host targeting.
  - iLO has no server-sent event stream; it pushes events to subscribers. With O(subscribe), the source makes sure each
    listed iLO has a subscription to O(destination) when it starts (and removes it when it stops, with
    O(unsubscribe_on_stop)), through the same code as M(lightsout.ilo.ilo_event_subscription).
  - With O(token), an event is accepted only when it carries the token as C(Authorization: Bearer), a C(token) query
    parameter of the URL it was posted to, or its C(Context) (the subscriptions this source creates carry it there).
    With O(context), the payload's C(Context) must equal it. Anything else is answered 401 and dropped.
  - A payload that is not a Redfish event (not JSON, no C(Events) list, too large) is answered 400 and dropped with a
    log line; the source keeps running.
  - Uses only the Python standard library (asyncio) and, for O(subscribe), the collection's own Redfish client
    (requests, as the modules).
options:
  host:
    description: Address to listen on.
    type: str
    default: 0.0.0.0
  port:
    description: TCP port to listen on.
    type: int
    default: 5443
  path:
    description: The URL path events are posted to; other paths are answered 404.
    type: str
    default: /events
  certfile:
    description: PEM file with the listener's TLS certificate (and chain). iLO delivers over HTTPS only.
    type: str
    required: true
  keyfile:
    description: PEM file with the certificate's private key.
    type: str
    required: true
  token:
    description: A shared secret every event must carry (see the description); also the C(Context) of the subscriptions
      the source creates when O(context) is not given.
    type: str
  context:
    description: The C(Context) every event must carry; also the C(Context) of the subscriptions the source creates.
    type: str
  destination:
    description: The https URL the iLOs reach this listener at, for the subscriptions of O(subscribe) (required with it).
    type: str
  subscribe:
    description:
      - iLOs to subscribe on start. Each item takes C(hostname), C(username), C(password), C(validate_certs) (default
        true), C(ca_path), and the filters C(event_types), C(registry_prefixes) and C(message_ids) of
        M(lightsout.ilo.ilo_event_subscription).
      - The item's C(hostname) is the C(meta.hosts) of the events that come from that iLO's address.
    type: list
    elements: dict
  unsubscribe_on_stop:
    description: Delete the subscriptions of O(subscribe) when the source stops.
    type: bool
    default: false
  max_body:
    description: The largest payload accepted, in bytes.
    type: int
    default: 1048576
'''

EXAMPLES = r'''
- name: React to iLO hardware events
  hosts: all
  sources:
    - lightsout.ilo.ilo_events:
        port: 5443
        certfile: /etc/eda/tls/listener.pem
        keyfile: /etc/eda/tls/listener.key
        token: "{{ ILO_EVENTS_TOKEN }}"
        destination: https://eda.example.com:5443/events
        subscribe:
          - hostname: ilo-web01.example.com
            username: "{{ ILO_USER }}"
            password: "{{ ILO_PASSWORD }}"
            registry_prefixes: [iLOEvents]
  rules:
    - name: A fan failed or a drive predicts its failure
      condition: >-
        event.ilo.message_key in ["FanFailed", "DrivePredictiveFailure"]
      action:
        run_playbook:
          name: playbooks/hardware_ticket.yml
'''

import asyncio
import json
import logging
import ssl
from urllib.parse import parse_qs, urlsplit

LOG = logging.getLogger('lightsout.ilo.ilo_events')
REASONS = {200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed',
           413: 'Payload Too Large', 500: 'Internal Server Error'}
HEADER_LIMIT = 64 * 1024
READ_TIMEOUT = 30


class BadRequest(Exception):
    def __init__(self, status, reason):
        super(BadRequest, self).__init__(reason)
        self.status = status
        self.reason = reason


def records_of(payload):
    """The event records of a Redfish Event payload; raises BadRequest when it is not one."""
    if not isinstance(payload, dict):
        raise BadRequest(400, 'the payload is not a JSON object')
    records = payload.get('Events')
    if not isinstance(records, list) or not records:
        raise BadRequest(400, 'the payload has no Events list')
    if not all(isinstance(r, dict) for r in records):
        raise BadRequest(400, 'an Events entry is not an object')
    return records


def fill_args(text, args):
    if not text:
        return text
    for index in range(len(args), 0, -1):
        text = text.replace('%%%d' % index, str(args[index - 1]))
    return text


def event_of(record, payload, address, host, resolve=None):
    """The queue event for one record."""
    message_id = str(record.get('MessageId') or '')
    args = [str(a) for a in record.get('MessageArgs') or []] if isinstance(record.get('MessageArgs'), list) else []
    message = record.get('Message')
    if not message and resolve is not None and message_id:
        found = resolve(message_id)
        message = fill_args(found, args) if found else None
    parts = message_id.split('.')
    origin = record.get('OriginOfCondition')
    return {
        'ilo': {
            'address': address,
            'host': host,
            'context': payload.get('Context'),
            'event_id': record.get('EventId'),
            'event_type': record.get('EventType'),
            'timestamp': record.get('EventTimestamp'),
            'severity': str(record.get('Severity') or record.get('MessageSeverity') or '').lower() or None,
            'message_id': message_id or None,
            'message_registry': parts[0] if len(parts) > 1 else None,
            'message_key': parts[-1] if message_id else None,
            'message': message,
            'message_args': args,
            'origin': origin.get('@odata.id') if isinstance(origin, dict) else origin,
            'oem': record.get('Oem'),
        },
        'meta': {'hosts': host or address},
    }


class Listener:
    """The HTTPS endpoint: parses one request per connection, checks it, and queues its records."""

    def __init__(self, queue, args, hosts=None, resolvers=None):
        self.queue = queue
        self.path = args.get('path') or '/events'
        self.token = args.get('token')
        self.context = args.get('context')
        self.max_body = int(args.get('max_body') or 1048576)
        self.hosts = hosts or {}
        self.resolvers = resolvers or {}
        self.accepted = 0
        self.rejected = 0

    async def handle(self, reader, writer):
        peer = writer.get_extra_info('peername') or ('?', 0)
        address = peer[0]
        status, reason = 200, 'OK'
        try:
            method, target, headers, body = await asyncio.wait_for(self._read(reader), READ_TIMEOUT)
            status, reason = await self._accept(method, target, headers, body, address)
        except BadRequest as exc:
            status, reason = exc.status, exc.reason
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, ssl.SSLError) as exc:
            status, reason = 400, 'incomplete request (%s)' % type(exc).__name__
        except Exception as exc:  # pylint: disable=broad-except
            LOG.exception('ilo_events: unexpected error handling a request from %s', address)
            status, reason = 500, 'internal error: %s' % type(exc).__name__
        if status >= 400:
            self.rejected += 1
            LOG.warning('ilo_events: dropped a request from %s: %s (HTTP %d)', address, reason, status)
        try:
            data = json.dumps({'status': status, 'reason': reason}).encode('utf-8')
            writer.write(('HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n'
                          % (status, REASONS.get(status, 'Error'), len(data))).encode('ascii') + data)
            await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def _read(self, reader):
        head = await reader.readuntil(b'\r\n\r\n')
        if len(head) > HEADER_LIMIT:
            raise BadRequest(400, 'headers too large')
        lines = head.decode('iso-8859-1').split('\r\n')
        request = lines[0].split(' ')
        if len(request) != 3:
            raise BadRequest(400, 'not an HTTP request line')
        headers = {}
        for line in lines[1:]:
            if ':' in line:
                name, value = line.split(':', 1)
                headers[name.strip().lower()] = value.strip()
        try:
            length = int(headers.get('content-length') or 0)
        except ValueError:
            raise BadRequest(400, 'bad Content-Length')
        if length > self.max_body:
            raise BadRequest(413, 'payload of %d bytes is larger than max_body' % length)
        body = await reader.readexactly(length) if length else b''
        return request[0].upper(), request[1], headers, body

    async def _accept(self, method, target, headers, body, address):
        parts = urlsplit(target)
        if parts.path.rstrip('/') != self.path.rstrip('/'):
            raise BadRequest(404, 'no listener at %s' % parts.path)
        if method != 'POST':
            raise BadRequest(405, '%s is not accepted, only POST' % method)
        try:
            payload = json.loads(body.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(400, 'the payload is not JSON')
        records = records_of(payload)
        if not self._authorised(headers, parts.query, payload):
            raise BadRequest(401, 'the event carries no valid token or context')
        host = self.hosts.get(address)
        resolve = self.resolvers.get(address)
        for record in records:
            await self.queue.put(event_of(record, payload, address, host, resolve))
            self.accepted += 1
        return 200, 'OK'

    def _authorised(self, headers, query, payload):
        context = payload.get('Context')
        if self.context is not None and context != self.context:
            return False
        if self.token is None:
            return True
        bearer = headers.get('authorization') or ''
        offered = [bearer[7:].strip() if bearer.lower().startswith('bearer ') else None,
                   (parse_qs(query).get('token') or [None])[0], context]
        return any(o is not None and _same(o, self.token) for o in offered)


def _same(first, second):
    import hmac  # pylint: disable=import-outside-toplevel
    return hmac.compare_digest(str(first).encode('utf-8'), str(second).encode('utf-8'))


# ------------------------------------------------------------------ subscriptions (blocking: run in a thread)


def _client(item):
    from ansible_collections.lightsout.ilo.plugins.module_utils.client import RedfishClient  # pylint: disable=import-outside-toplevel
    return RedfishClient(hostname=item['hostname'], username=item.get('username'), password=item.get('password'),
                         auth=item.get('auth') or 'session', validate_certs=item.get('validate_certs', True),
                         ca_path=item.get('ca_path'), timeout=item.get('timeout') or 60)


def ensure_subscription(item, destination, context, state='present'):
    """Subscribe (or unsubscribe) one iLO; returns ``(action, address, registry messages)``."""
    import socket  # pylint: disable=import-outside-toplevel
    from ansible_collections.lightsout.ilo.plugins.module_utils import events  # pylint: disable=import-outside-toplevel
    from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloValidationError  # pylint: disable=import-outside-toplevel
    from ansible_collections.lightsout.ilo.plugins.module_utils.service import IloService  # pylint: disable=import-outside-toplevel
    client = _client(item)
    with client:
        client.open()
        service = IloService(client)
        event_service = events.EventService(service)
        filters = {}
        if state == 'present':
            filters, problems = event_service.validate(dict((o, item.get(o)) for o, _p, _a in events.FILTERS))
            if problems:
                raise IloValidationError(' '.join(problems))
            filters = event_service.defaults(filters)
        action = events.ensure(event_service, destination, filters, context=context, state=state)[0]
        texts = {}
        if state == 'present':
            texts = _registry_texts(service)
    host = urlsplit(client.base_url).hostname
    try:
        address = socket.gethostbyname(host)
    except OSError:
        address = host
    return action, address, texts


def _registry_texts(service):
    """``{message id without version: text}`` of the event registries the iLO publishes (for events without Message)."""
    out = {}
    try:
        for uri in service.members(service.root_link('Registries')):
            entry = service.client.get(uri).json or {}
            name = str(entry.get('Registry') or entry.get('Id') or '')
            if not name.lower().startswith(('iloevents', 'iloresourceevents', 'resourceevent', 'ilosecurityevents')):
                continue
            found = service.registry_file(lambda names, n=name.lower(): n in names)
            body = found[1] if found else {}
            prefix = name.split('.', 1)[0]
            for key, spec in (body.get('Messages') or {}).items():
                if isinstance(spec, dict) and spec.get('Message'):
                    out['%s.%s' % (prefix, key)] = spec['Message']
    except Exception:  # pylint: disable=broad-except
        return out
    return out


def _resolver(texts):
    def resolve(message_id):
        parts = str(message_id).split('.')
        return texts.get('%s.%s' % (parts[0], parts[-1])) if len(parts) > 1 else None
    return resolve


async def main(queue, args):
    """Listen until cancelled; subscribe the iLOs of ``subscribe`` first (and unsubscribe them at the end when asked)."""
    args = dict(args or {})
    for name in ('certfile', 'keyfile'):
        if not args.get(name):
            raise ValueError('ilo_events: %s is required (iLO delivers events over HTTPS only).' % name)
    subscribe = list(args.get('subscribe') or [])
    destination = args.get('destination')
    if subscribe and not destination:
        raise ValueError('ilo_events: destination (the https URL the iLOs reach this listener at) is required with subscribe.')
    context_value = args.get('context') if args.get('context') is not None else args.get('token')
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(args['certfile'], args['keyfile'])
    listener = Listener(queue, args)
    loop = asyncio.get_event_loop()
    server = await asyncio.start_server(listener.handle, args.get('host') or '0.0.0.0', int(args.get('port') or 5443), ssl=tls)
    LOG.info('ilo_events: listening on %s', ', '.join(str(s.getsockname()) for s in server.sockets or []))
    try:
        for item in subscribe:
            try:
                action, address, texts = await loop.run_in_executor(None, ensure_subscription, item, destination, context_value)
            except Exception as exc:  # pylint: disable=broad-except
                LOG.error('ilo_events: could not subscribe %s: %s', item.get('hostname'), exc)
                continue
            listener.hosts[address] = item['hostname']
            listener.resolvers[address] = _resolver(texts)
            LOG.info('ilo_events: subscription on %s: %s', item['hostname'], action)
        async with server:
            await server.serve_forever()
    finally:
        server.close()
        if args.get('unsubscribe_on_stop'):
            for item in subscribe:
                try:
                    await asyncio.shield(loop.run_in_executor(None, ensure_subscription, item, destination, context_value, 'absent'))
                except Exception as exc:  # pylint: disable=broad-except
                    LOG.error('ilo_events: could not unsubscribe %s: %s', item.get('hostname'), exc)


if __name__ == '__main__':
    class _Printer:
        async def put(self, event):
            print(json.dumps(event))

    import sys  # pylint: disable=ungrouped-imports
    asyncio.run(main(_Printer(), dict(certfile=sys.argv[1], keyfile=sys.argv[2], port=int(sys.argv[3]) if len(sys.argv) > 3 else 5443)))
