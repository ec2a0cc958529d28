# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    """The connection options every lightsout.ilo module shares."""

    DOCUMENTATION = r'''
options:
  hostname:
    description:
      - The iLO to manage, as C(host), C(host:port), C([ipv6]:port) or C(https://host:port).
      - Falls back to the E(ILO_HOST) environment variable, then to O(session.hostname).
    type: str
  username:
    description:
      - iLO user name. Used to log in when no O(session) is given.
      - Falls back to the E(ILO_USERNAME) environment variable.
    type: str
  password:
    description:
      - Password of O(username). Never logged.
      - Falls back to the E(ILO_PASSWORD) environment variable (what an AWX/AAP custom credential type injects).
    type: str
  session:
    description:
      - A session returned by M(lightsout.ilo.ilo_session) (its C(session) return value).
      - When given, the module uses it and never deletes it; O(username) and O(password) are not used.
      - When not given, the module logs in with O(username)/O(password), creates at most one session and
        always deletes it before it returns, also when it fails.
    type: dict
    suboptions:
      hostname:
        description:
          - The iLO the session belongs to (used when O(hostname) is not set).
          - A session of another iLO than O(hostname) is refused; its token is never sent elsewhere.
        type: str
      token:
        description: The session token (X-Auth-Token). Never logged.
        type: str
        required: true
      uri:
        description: The session's URI on the iLO.
        type: str
  auth:
    description:
      - How to authenticate when no O(session) is given.
      - V(session) logs in once (one Redfish session for the whole task) and logs out at the end.
      - V(basic) sends HTTP Basic credentials with every request and creates no session (iLO makes a
        transient one per request, which costs time on slow iLOs).
    type: str
    choices: [session, basic]
    default: session
  validate_certs:
    description:
      - Verify the iLO's TLS certificate. Keep this on; point O(ca_path) at the CA that signed the iLO certificates.
      - When true and O(ca_path) is not set, the bundle named by E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) is used
        if set, otherwise the system/certifi bundle.
      - Falls back to the E(ILO_VALIDATE_CERTS) environment variable.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file (or directory) with the CA certificates to verify the iLO against. When set, it is used exactly,
        and E(REQUESTS_CA_BUNDLE)/E(CURL_CA_BUNDLE) are ignored.
      - Falls back to the E(ILO_CA_PATH) environment variable.
    type: path
  timeout:
    description:
      - The deadline, in seconds, of one request to the iLO, everything included - connecting, retries,
        C(Retry-After) waits and reading the whole answer. A request that has not completed by then fails,
        however slowly the iLO keeps sending. Real iLOs take 0.2 to 2 seconds for most reads, rarely up to 20.
      - Waits of a task (C(wait_timeout) of the modules that wait) are separate; each request inside them has this deadline.
    type: int
    default: 60
  connect_timeout:
    description:
      - Seconds to wait for a TCP/TLS connection to the iLO (within O(timeout)). An unreachable iLO fails after
        about this long times (O(retries) + 1). A connection that times out to an iLO that has already answered
        the task is reported as busy, not unreachable, and retried the same way.
    type: int
    default: 10
  retries:
    description:
      - How many times a request is repeated when it is safe to do so (reads, and any request the iLO answered
        with 503 or that never reached it), with exponential back-off and honouring C(Retry-After).
      - Actions such as a power reset are never repeated once they reached the iLO.
    type: int
    default: 3
notes:
  - "Run these modules on the controller (C(connection: local) or C(delegate_to: localhost)); the inventory hosts are iLOs."
  - Set O(hostname), O(session) and O(ca_path) once per play with C(module_defaults) and the C(group/lightsout.ilo.ilo)
    action group.
  - URIs are discovered by following links from the service root; none is hard-coded.
requirements:
  - requests
'''
