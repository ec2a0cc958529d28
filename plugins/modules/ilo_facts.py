#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ilo_facts
short_description: Complete, normalised inventory of HPE iLO 4/5/6/7 servers and enclosures
version_added: 0.1.0
description:
  - Gathers the inventory of an HPE iLO 4, 5, 6 or 7 (or any Redfish service) into RV(ansible_facts.ilo), in one schema
    that has the same keys on every generation and on enclosures with many systems (Moonshot).
  - Values are normalised. Capacities are in GiB. Power is in W, temperatures in Celsius, speeds in MHz or Mbps.
    States use one lower-case vocabulary. Health is V(ok), V(warning) or V(critical). Power is V(on) or V(off).
    The locator LED is V(lit), V(blinking) or V(off). Links are V(up) or V(down).
    Data the service does not publish is null (for example the HPE OEM fields on a plain Redfish service).
  - Only the service root and the system are essential. A resource that answers an HTTP error, times out or is malformed
    leaves its part null or empty, with a warning and an entry in RV(ansible_facts.ilo.errors); the task succeeds with the rest.
  - Reads are made in parallel with a bounded pool. Collections are read with C($expand=.) where the service root
    advertises C(ProtocolFeaturesSupported.ExpandQuery) (iLO 5 and 6), and member by member otherwise (iLO 4). No
    resource is read twice in one run. O(gather_subset=min) costs at most 4 reads.
author:
  - lightsout.ilo maintainers (@lightsout-ilo)
extends_documentation_fragment:
  - lightsout.ilo.ilo
options:
  gather_subset:
    description:
      - What to gather, like the C(setup) module does. V(all) gathers everything. V(min) gathers only V(system).
        A subset name adds that subset, and C(!name) excludes it. V(!all) leaves only V(min).
      - When only exclusions are given, they apply to V(all). V(min) is always gathered unless V(!min) is given.
      - Per system (in RV(ansible_facts.ilo.systems)), the subsets are V(system) (identity, power and POST state,
        health, LED), V(processors), V(memory), V(storage) (DMTF Storage and HPE SmartStorage), V(network), V(bios)
        (current attributes, pending changes, registry), V(boot) (order, one-time override) and V(logs)
        (latest entries of every log service of the system and its manager, such as IML, IEL, SL and DMTF logs).
      - Per service (at the top of RV(ansible_facts.ilo)), the subsets are V(firmware), V(power), V(thermal) and
        V(manager) (iLO generation, firmware, license, host name, network).
      - V(users) (per service) lists the local iLO accounts under the names M(lightsout.ilo.ilo_user) uses; never a password.
    type: list
    elements: str
    default: [all]
  system_id:
    description:
      - Gather only the system with this id (the last segment of its URI, for example V(1) or V(C3N1)).
        Without it, every system is gathered.
      - RV(ansible_facts.ilo.system) is set when exactly one system is gathered.
    type: str
  query:
    description:
      - A L(JMESPath,https://jmespath.org) expression applied to RV(ansible_facts.ilo). Its result is returned as
        RV(query_result). The facts themselves are returned in full.
    type: str
  log_entries:
    description:
      - The number of latest entries of the IML and IEL to return with the V(logs) subset.
    type: int
    default: 10
  max_concurrency:
    description:
      - The most requests sent to one iLO at the same time (a per-host cap, 1 to 32).
      - Below this cap the module adapts to the iLO it talks to. It starts with 2 requests in flight,
        reuses its kept-alive connections, adds requests while the time per request stays flat, and
        goes down as soon as answers slow with concurrency or a request times out. A BMC that
        answers one request at a time is therefore read sequentially, without failures, and one
        that serves in parallel gets the full speed-up.
      - Set V(1) for a BMC known to hang on parallel requests; raise it for a fast one.
    type: int
    default: 8
    aliases: [workers]
    version_added: 0.1.0
requirements:
  - jmespath
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - The module only reads, so it behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  facts:
    description: Action returns an C(ansible_facts) dictionary that will update existing host facts.
    support: full
notes:
  - Always RV(ignore:changed=false).
  - How requests are counted. A run with O(gather_subset=min) reads the service root and the Systems collection
    (expanded on iLO 5/6). On iLO 4 it also reads the system. With O(auth=session) and no O(session), one login
    POST and one logout DELETE are added.
  - RV(ansible_facts.ilo.system) is the same data as the only entry of RV(ansible_facts.ilo.systems). It is a
    convenience for rack servers, such as C(ilo.system.system.model).
seealso:
  - module: lightsout.ilo.ilo_session
'''

EXAMPLES = r'''
- name: Full inventory
  lightsout.ilo.ilo_facts:
    hostname: ilo-web01.example.com
    username: "{{ vault_ilo_user }}"
    password: "{{ vault_ilo_password }}"

- name: Model, serial and power state only (cheapest)
  lightsout.ilo.ilo_facts:
    gather_subset: min

- name: Everything but logs and BIOS
  lightsout.ilo.ilo_facts:
    gather_subset: ['!logs', '!bios']

- name: Firmware inventory, name and version of each component
  lightsout.ilo.ilo_facts:
    gather_subset: [firmware]
    query: "firmware[].{name: name, version: version}"
  register: fw

- name: Firmware versions as a name -> version dict (e.g. ilo_firmware['System ROM'])
  ansible.builtin.set_fact:
    ilo_firmware: "{{ fw.query_result | items2dict(key_name='name', value_name='version') }}"

- name: One cartridge of a Moonshot enclosure
  lightsout.ilo.ilo_facts:
    gather_subset: [system, memory]
    system_id: C3N1

- name: Use the facts
  ansible.builtin.debug:
    msg: >-
      {{ ilo.system.system.model }} {{ ilo.system.system.serial_number }}
      {{ ilo.system.memory.total_gib }} GiB, BIOS pending: {{ ilo.system.bios.pending | default({}) }}

- name: Every powered-off system of an enclosure
  lightsout.ilo.ilo_facts:
    gather_subset: min
    query: "systems[?system.power_state=='off'].id"
  register: off_systems
'''

RETURN = r'''
ansible_facts:
  description: Facts added to the host.
  type: dict
  contains:
    ilo:
      description: The inventory, one schema on iLO 4 to 7, enclosures and plain Redfish services.
      type: dict
      contains:
        gather_subset:
          description: Subsets gathered, after resolving O(gather_subset).
          type: list
          sample:
          - system
          - firmware
          elements: str
          returned: success
        service:
          description: What the service root says (always gathered).
          type: dict
          contains:
            generation:
              description: iLO generation 4, 5, 6 or 7; 0 for a Redfish service that is not an iLO.
              type: int
              sample: 5
              returned: success
            oem:
              description: OEM key, V(Hp) (iLO 4), V(Hpe) or null.
              type: str
              sample: Hpe
              returned: success
            manager_type:
              description: Manager type.
              type: str
              sample: iLO 5
              returned: success
            firmware_version:
              description: iLO firmware from the service root.
              type: str
              sample: '3.11'
              returned: success
            product:
              description: Product name.
              type: str
              sample: ProLiant DL360 Gen10 Plus
              returned: success
            vendor:
              description: Vendor.
              type: str
              sample: HPE
              returned: success
            redfish_version:
              description: Redfish version.
              type: str
              sample: 1.20.0
              returned: success
            uuid:
              description: Service UUID.
              type: str
              sample: a710c5d0-0aae-52fb-9284-a6e40c297acb
              returned: success
            expand_supported:
              description: Whether collections were read with C($expand).
              type: bool
              sample: true
              returned: success
          returned: success
        systems:
          description: One entry per system (one on a rack server, many on an enclosure; only O(system_id) when given). Keys of subsets not gathered are
            null.
          type: list
          elements: dict
          contains: &id003
            id:
              description: System id.
              type: str
              sample: '1'
              returned: success
            uri:
              description: System URI.
              type: str
              sample: /redfish/v1/Systems/1/
              returned: success
            system:
              description: Identity and state (subset V(system)); null when not gathered.
              type: dict
              contains:
                id:
                  description: The system id (last segment of its URI).
                  type: str
                  sample: '1'
                  returned: success
                manufacturer:
                  description: Manufacturer.
                  type: str
                  sample: HPE
                  returned: success
                model:
                  description: Model.
                  type: str
                  sample: ProLiant DL360 Gen10 Plus
                  returned: success
                sku:
                  description: SKU / product id.
                  type: str
                  sample: P28948-B21
                  returned: success
                serial_number:
                  description: Serial number.
                  type: str
                  sample: MXQ4T7TBEX
                  returned: success
                uuid:
                  description: System UUID.
                  type: str
                  sample: 71cd87d8-9795-4fb6-8d18-b8722c1ce012
                  returned: success
                hostname:
                  description: Host name the OS reported to iLO; null when empty.
                  type: str
                  sample: web01
                  returned: success
                bios_version:
                  description: Running BIOS (System ROM) version.
                  type: str
                  sample: U46 v2.34 (04/04/2023)
                  returned: success
                power_state:
                  description: 'Power state: V(on), V(off), V(powering_on), V(powering_off), V(reset); null when unknown.'
                  type: str
                  sample: 'on'
                  returned: success
                post_state:
                  description: iLO POST state in snake case (V(finished_post), V(in_post), V(in_post_discovery_complete), V(power_off), ...); null on non-HPE
                    services.
                  type: str
                  sample: finished_post
                  returned: success
                health:
                  description: 'Health of the system: V(ok), V(warning), V(critical); null when not reported.'
                  type: str
                  sample: ok
                  returned: success
                health_rollup:
                  description: Health roll-up of the system and its components (same vocabulary as RV(ansible_facts.ilo.systems[].system.health)).
                  type: str
                  sample: ok
                  returned: success
                indicator_led:
                  description: 'Locator LED: V(lit), V(blinking) or V(off) (from C(IndicatorLED), or C(LocationIndicatorActive) on iLO 6).'
                  type: str
                  sample: 'off'
                  returned: success
                processor_count:
                  description: Number of processors, as the system summary reports it.
                  type: int
                  sample: 2
                  returned: success
                processor_model:
                  description: Processor model from the system summary.
                  type: str
                  sample: Intel(R) Xeon(R) Silver 4310 CPU @ 2.10GHz
                  returned: success
                memory_gib:
                  description: Total system memory in GiB, as the system summary reports it.
                  type: float
                  sample: 192.0
                  returned: success
                asset_tag:
                  description: Asset tag; null when empty.
                  type: str
                  sample: RACK12-U20
                  returned: success
              returned: success
            processors:
              description: Processors (subset V(processors)); null when not gathered.
              type: dict
              contains:
                count:
                  description: Processors present.
                  type: int
                  sample: 2
                  returned: success
                cores:
                  description: Total cores.
                  type: int
                  sample: 24
                  returned: success
                threads:
                  description: Total threads.
                  type: int
                  sample: 48
                  returned: success
                model:
                  description: Model of the first processor present.
                  type: str
                  sample: Intel(R) Xeon(R) Silver 4310 CPU @ 2.10GHz
                  returned: success
                devices:
                  description: Every processor socket (CPUs, and GPUs or other accelerators with their C(type)).
                  type: list
                  elements: dict
                  contains:
                    id:
                      description: Processor id.
                      type: str
                      sample: '1'
                      returned: success
                    socket:
                      description: Socket.
                      type: str
                      sample: Proc 1
                      returned: success
                    type:
                      description: Processor type, lower case (V(cpu), V(gpu), ...). Only V(cpu) (or unknown) is counted in C(processors.count).
                      type: str
                      sample: cpu
                      returned: success
                    manufacturer:
                      description: Manufacturer.
                      type: str
                      sample: Intel(R) Corporation
                      returned: success
                    model:
                      description: Model.
                      type: str
                      sample: Intel(R) Xeon(R) Silver 4310 CPU @ 2.10GHz
                      returned: success
                    cores:
                      description: Cores.
                      type: int
                      sample: 12
                      returned: success
                    threads:
                      description: Threads.
                      type: int
                      sample: 24
                      returned: success
                    max_speed_mhz:
                      description: Maximum speed in MHz.
                      type: int
                      sample: 4000
                      returned: success
                    rated_speed_mhz:
                      description: Rated speed in MHz (HPE OEM, else operating speed).
                      type: int
                      sample: 2100
                      returned: success
                    health:
                      description: 'Health of the processor: V(ok), V(warning), V(critical); null when not reported.'
                      type: str
                      sample: ok
                      returned: success
                    state:
                      description: Redfish C(Status.State) of the processor, lower case (V(enabled), V(absent), V(disabled), ...).
                      type: str
                      sample: enabled
                      returned: success
                  returned: success
              returned: success
            memory:
              description: Memory (subset V(memory)); null when not gathered.
              type: dict
              contains:
                total_gib:
                  description: Total memory in GiB (system summary, else the sum of the DIMMs).
                  type: float
                  sample: 192.0
                  returned: success
                installed_dimms:
                  description: DIMMs installed.
                  type: int
                  sample: 12
                  returned: success
                slots:
                  description: DIMM slots.
                  type: int
                  sample: 32
                  returned: success
                dimms:
                  description: Installed DIMMs (empty slots left out).
                  type: list
                  elements: dict
                  contains:
                    id:
                      description: DIMM id.
                      type: str
                      sample: proc1dimm6
                      returned: success
                    locator:
                      description: Slot label (C(Location.PartLocation.ServiceLabel), else the deprecated C(DeviceLocator)).
                      type: str
                      sample: PROC 1 DIMM 6
                      returned: success
                    size_gib:
                      description: Size in GiB.
                      type: float
                      sample: 16.0
                      returned: success
                    type:
                      description: Memory type.
                      type: str
                      sample: DDR4
                      returned: success
                    speed_mhz:
                      description: Operating speed in MHz.
                      type: int
                      sample: 2933
                      returned: success
                    manufacturer:
                      description: Manufacturer.
                      type: str
                      sample: HPE
                      returned: success
                    part_number:
                      description: Part number.
                      type: str
                      sample: P06029-B21
                      returned: success
                    serial_number:
                      description: Serial number.
                      type: str
                      sample: 1A2B3C4D
                      returned: success
                    health:
                      description: 'Health of the DIMM: V(ok), V(warning), V(critical); null when not reported.'
                      type: str
                      sample: ok
                      returned: success
                    state:
                      description: Redfish C(Status.State) of the DIMM, lower case (V(enabled), V(absent), V(disabled), ...).
                      type: str
                      sample: enabled
                      returned: success
                  returned: success
              returned: success
            storage:
              description: 'Storage (subset V(storage)): DMTF Storage, DMTF SimpleStorage and, where present, HPE SmartStorage. A device is
                identified by its URI, never by its serial number: devices that share a serial number are all listed. A controller or drive seen
                in both DMTF Storage and SmartStorage is listed once, only when both views have the same serial number and the same slot (and
                port, box and bay for a drive). Placeholder values (V(N/A), V(Not Available), V(REMOVED...), empty) never identify anything.'
              type: dict
              contains:
                controllers:
                  description: Storage controllers.
                  type: list
                  elements: dict
                  contains:
                    id:
                      description: Controller id.
                      type: str
                      sample: '0'
                      returned: success
                    name:
                      description: Name.
                      type: str
                      sample: HpeSmartStorageArrayController
                      returned: success
                    model:
                      description: Model.
                      type: str
                      sample: HPE Smart Array P408i-a SR Gen10
                      returned: success
                    serial_number:
                      description: Serial number.
                      type: str
                      sample: PXTKL37SPAKHXZ
                      returned: success
                    firmware_version:
                      description: Firmware version.
                      type: str
                      sample: 52.22.3-4650
                      returned: success
                    location:
                      description: Location (slot) as text, from C(Location.PartLocation.ServiceLabel) or HPE's C(Location).
                      type: str
                      sample: Slot=12
                      returned: success
                    health:
                      description: 'Health of the controller: V(ok), V(warning), V(critical); null when not reported.'
                      type: str
                      sample: ok
                      returned: success
                    uri:
                      description: URI of the controller, which identifies it (two controllers may share a serial number).
                      type: str
                      sample: /redfish/v1/Systems/1/Storage/DE00A000/Controllers/0
                      returned: success
                    source: &id001
                      description: 'Where it was read: V(storage) (DMTF Storage), V(simple_storage) (DMTF SimpleStorage) or V(smart_storage) (HPE
                        SmartStorage, iLO 4/5). A device seen in both DMTF Storage and SmartStorage is listed once, as V(storage).'
                      type: str
                      sample: storage
                      returned: success
                  returned: success
                drives:
                  description: Physical drives.
                  type: list
                  elements: dict
                  contains:
                    id:
                      description: Drive id.
                      type: str
                      sample: '0'
                      returned: success
                    model:
                      description: Model.
                      type: str
                      sample: VK000480GWSRR SSD
                      returned: success
                    serial_number:
                      description: Serial number.
                      type: str
                      sample: S4ZP8X13P9GB3J
                      returned: success
                    media_type:
                      description: V(ssd) or V(hdd).
                      type: str
                      sample: ssd
                      returned: success
                    protocol:
                      description: Protocol, lower case (V(sas), V(sata), V(nvme)).
                      type: str
                      sample: sas
                      returned: success
                    size_gib:
                      description: Capacity in GiB.
                      type: float
                      sample: 447.03
                      returned: success
                    firmware_version:
                      description: Firmware revision.
                      type: str
                      sample: HPD3
                      returned: success
                    location:
                      description: Bay / port label (DMTF C(PhysicalLocation.PartLocation.ServiceLabel), HPE C(Location), a SimpleStorage device's
                        name).
                      type: str
                      sample: Slot=12:Port=1I:Box=1:Bay=1
                      returned: success
                    uri:
                      description: URI of the drive, which identifies it (two drives may share a serial number).
                      type: str
                      sample: /redfish/v1/Chassis/DE00A000/Drives/0
                      returned: success
                    health:
                      description: 'Health of the drive: V(ok), V(warning), V(critical); null when not reported.'
                      type: str
                      sample: ok
                      returned: success
                    state:
                      description: Redfish C(Status.State) of the drive, lower case (V(enabled), V(absent), V(disabled), ...).
                      type: str
                      sample: enabled
                      returned: success
                    source: *id001
                  returned: success
                volumes:
                  description: Logical volumes, DMTF Volumes and SmartStorage logical drives. A volume linked from several storage subsystems is
                    listed once. The logical drives of a controller that DMTF Storage also shows, with its volumes, are not repeated, and
                    neither is a logical drive whose C(VolumeUniqueIdentifier) is a DMTF volume's C(DurableName).
                  type: list
                  elements: dict
                  contains:
                    id:
                      description: Volume id.
                      type: str
                      sample: '1'
                      returned: success
                    name:
                      description: Name.
                      type: str
                      sample: Logical Drive 1
                      returned: success
                    raid:
                      description: RAID level in the DMTF C(RAIDType) vocabulary (V(RAID0), V(RAID1), V(RAID1E), V(RAID5), V(RAID6), V(RAID10),
                        V(RAID50), V(RAID60), V(RAID00), V(RAID10E), V(RAID1Triple), V(RAID10Triple), ...), from C(RAIDType), HPE C(Raid) (V(1ADM) is
                        V(RAID1Triple), V(10ADM) V(RAID10Triple)) or C(VolumeType) (V(NonRedundant) V(RAID0), V(Mirrored) V(RAID1),
                        V(StripedWithParity) V(RAID5), V(SpannedMirrors) V(RAID10), V(SpannedStripesWithParity) V(RAID50)); null for no RAID.
                      type: str
                      sample: RAID1
                      returned: success
                    uri:
                      description: URI of the volume, which identifies it (two volumes may share a serial number).
                      type: str
                      sample: /redfish/v1/Systems/1/Storage/DE00B000/Volumes/239
                      returned: success
                    size_gib:
                      description: Capacity in GiB.
                      type: float
                      sample: 447.03
                      returned: success
                    health:
                      description: 'Health of the volume: V(ok), V(warning), V(critical); null when not reported.'
                      type: str
                      sample: ok
                      returned: success
                    source: *id001
                  returned: success
                drive_count:
                  description: Number of drives.
                  type: int
                  sample: 2
                  returned: success
                total_drive_gib:
                  description: Sum of drive capacities in GiB.
                  type: float
                  sample: 894.06
                  returned: success
              returned: success
            network:
              description: Host network (subset V(network)); null when not gathered.
              type: dict
              contains:
                interfaces:
                  description: Host Ethernet interfaces.
                  type: list
                  elements: dict
                  contains: &id004
                    id:
                      description: Interface id.
                      type: str
                      sample: '1'
                      returned: success
                    name:
                      description: Name.
                      type: str
                      sample: HPE Ethernet 1Gb 4-port 366FLR Adapter port 1
                      returned: success
                    mac_address:
                      description: MAC address, lower-case colon form; null when the service reports none or an invalid one.
                      type: str
                      sample: 94:40:c9:92:80:b6
                      returned: success
                    link_status:
                      description: V(up) or V(down); null when not reported.
                      type: str
                      sample: up
                      returned: success
                    speed_mbps:
                      description: Link speed in Mbps.
                      type: int
                      sample: 1000
                      returned: success
                    ipv4_addresses:
                      description: IPv4 addresses (0.0.0.0 left out).
                      type: list
                      sample:
                      - 10.0.40.121
                      elements: str
                      returned: success
                    health:
                      description: 'Health of the interface: V(ok), V(warning), V(critical); null when not reported.'
                      type: str
                      sample: ok
                      returned: success
                    state:
                      description: Redfish C(Status.State) of the interface, lower case (V(enabled), V(absent), V(disabled), ...).
                      type: str
                      sample: enabled
                      returned: success
                  returned: success
                adapters:
                  description: Network adapters, from the DMTF C(NetworkAdapters) of the system's chassis and HPE C(BaseNetworkAdapters); an
                    adapter seen in both (same serial number and a shared MAC address or the same location) is listed once.
                  type: list
                  elements: dict
                  contains:
                    id:
                      description: Adapter id.
                      type: str
                      sample: '1'
                      returned: success
                    name:
                      description: Name; the model when the name is only the resource type (V(NetworkAdapter)).
                      type: str
                      sample: HPE Ethernet 1Gb 4-port 366FLR Adapter
                      returned: success
                    model:
                      description: Model.
                      type: str
                      sample: HPE Ethernet 1Gb 4-port 366FLR Adapter
                      returned: success
                    location:
                      description: Location (slot) as text.
                      type: str
                      sample: PCI-E Slot 1
                      returned: success
                    part_number:
                      description: Part number.
                      type: str
                      sample: P10001-001
                      returned: success
                    serial_number:
                      description: Serial number.
                      type: str
                      sample: IL98KBBZQD8CXF
                      returned: success
                    firmware_version:
                      description: Firmware version.
                      type: str
                      sample: 20.24.41
                      returned: success
                    mac_addresses:
                      description: MAC addresses, lower-case colon form, each once, from HPE C(PhysicalPorts[].MacAddress), DMTF
                        C(Ports[].Ethernet.AssociatedMACAddresses) and C(NetworkDeviceFunctions[].Ethernet.MACAddress); values that are not MAC
                        addresses (a Fibre Channel WWN, all zeros) are left out. Empty when the adapter lists none.
                      type: list
                      sample:
                      - 94:40:c9:fb:f5:84
                      elements: str
                      returned: success
                    health:
                      description: 'Health of the adapter: V(ok), V(warning), V(critical); null when not reported.'
                      type: str
                      sample: ok
                      returned: success
                    uri:
                      description: URI of the adapter, which identifies it (two adapters may share a serial number).
                      type: str
                      sample: /redfish/v1/Chassis/1/NetworkAdapters/DE081000
                      returned: success
                    source:
                      description: V(network_adapters) (DMTF C(Chassis/*/NetworkAdapters)) or V(base_network_adapters) (HPE, read only when not
                        also in the DMTF view).
                      type: str
                      sample: network_adapters
                      returned: success
                  returned: success
              returned: success
            bios:
              description: BIOS (subset V(bios)); null when not gathered.
              type: dict
              contains:
                registry:
                  description: Name of the BIOS attribute registry.
                  type: str
                  sample: BiosAttributeRegistryU46.v1_2_34
                  returned: success
                attributes:
                  description: Current BIOS attributes, name to value (iLO 4 flat C(HpBios) layout included).
                  type: dict
                  sample:
                    ProcHyperthreading: Enabled
                  returned: success
                pending:
                  description: Attributes staged in the settings object whose value differs from the current one (applied at the next reboot).
                  type: dict
                  sample:
                    WorkloadProfile: Virtualization-MaxPerformance
                  returned: success
                settings_uri:
                  description: URI of the pending-settings object.
                  type: str
                  sample: /redfish/v1/systems/1/bios/settings/
                  returned: success
              returned: success
            boot:
              description: Boot configuration (subset V(boot)); null when not gathered.
              type: dict
              contains:
                order:
                  description: UEFI boot order (references); empty where the system resource has none (iLO 4).
                  type: list
                  sample:
                  - Boot000A
                  elements: str
                  returned: success
                order_names:
                  description: The boot order as display names where the boot options are known.
                  type: list
                  sample:
                  - Generic USB Boot
                  elements: str
                  returned: success
                override_target:
                  description: One-time boot override target.
                  type: str
                  sample: None
                  returned: success
                override_enabled:
                  description: V(disabled), V(once) or V(continuous).
                  type: str
                  sample: disabled
                  returned: success
                override_mode:
                  description: Boot override mode.
                  type: str
                  sample: UEFI
                  returned: success
                uefi_target:
                  description: UEFI target of the override, null when none.
                  type: str
                  returned: success
                options:
                  description: Boot options.
                  type: list
                  elements: dict
                  contains:
                    reference:
                      description: UEFI boot option reference.
                      type: str
                      sample: Boot000A
                      returned: success
                    name:
                      description: Display name.
                      type: str
                      sample: Generic USB Boot
                      returned: success
                    enabled:
                      description: Whether the option is enabled.
                      type: bool
                      sample: true
                      returned: success
                  returned: success
              returned: success
            logs:
              description: Latest log entries (subset V(logs)) of every log service of the system and of its manager, at most O(log_entries) each,
                newest first; null when not gathered.
              type: dict
              contains:
                iml:
                  description: Integrated Management Log (system).
                  type: list
                  elements: dict
                  contains: &id002
                    id:
                      description: Entry id.
                      type: str
                      sample: '11'
                      returned: success
                    created:
                      description: Creation time (ISO 8601).
                      type: str
                      sample: '2024-12-22T07:23:00Z'
                      returned: success
                    severity:
                      description: Severity, lower case (HPE OEM severity such as V(informational), V(repaired), V(caution), V(critical), else the Redfish
                        one).
                      type: str
                      sample: informational
                      returned: success
                    message:
                      description: Message text.
                      type: str
                      sample: Server power restored.
                      returned: success
                    class:
                      description: HPE event class (null elsewhere).
                      type: int
                      sample: 19
                      returned: success
                    code:
                      description: HPE event code (null elsewhere).
                      type: int
                      sample: 4
                      returned: success
                    message_id:
                      description: The entry's C(MessageId) (HPE's C(class.code), or a registry id whose text, with the arguments, is the
                        message when the entry has none). The same entry vocabulary as M(lightsout.ilo.ilo_logs).
                      type: str
                      sample: '19.4'
                      returned: success
                    message_args:
                      description: The entry's C(MessageArgs).
                      type: list
                      elements: str
                      sample: []
                      returned: success
                    repaired:
                      description: HPE's repair status (C(Oem.Hpe.Repaired)); null where iLO does not say.
                      type: bool
                      sample: false
                      returned: success
                    categories:
                      description: HPE event categories.
                      type: list
                      elements: str
                      sample: [Hardware]
                      returned: success
                    count:
                      description: How many times HPE consolidated the event into this entry.
                      type: int
                      sample: 1
                      returned: success
                    recommended_action:
                      description: HPE's recommended action, else the registry's resolution; null when none.
                      type: str
                      sample: null
                      returned: success
                    uri:
                      description: URI of the entry.
                      type: str
                      sample: /redfish/v1/Systems/1/LogServices/IML/Entries/11
                      returned: success
                  returned: success
                iel:
                  description: iLO Event Log (manager).
                  type: list
                  elements: dict
                  contains: *id002
                  returned: success
                sl:
                  description: HPE Security Log (system, iLO 5 and later).
                  type: list
                  elements: dict
                  contains: *id002
                  returned: success
                services:
                  description: Every log service of the system and of its manager (HPE IML, IEL, SL and Event included), in link order.
                  type: list
                  elements: dict
                  contains:
                    id:
                      description: Log service id (HPE V(IML), V(IEL), V(SL), DMTF V(Log1), ...).
                      type: str
                      sample: IML
                      returned: success
                    name:
                      description: Log service name.
                      type: str
                      sample: Integrated Management Log
                      returned: success
                    source:
                      description: V(system) or V(manager).
                      type: str
                      sample: system
                      returned: success
                    uri:
                      description: URI of the log service.
                      type: str
                      sample: /redfish/v1/Systems/1/LogServices/IML
                      returned: success
                    entries:
                      description: Its latest entries.
                      type: list
                      elements: dict
                      contains: *id002
                      returned: success
                  returned: success
              returned: success
          returned: success
        system:
          description: The only entry of RV(ansible_facts.ilo.systems) when there is exactly one (one system, or O(system_id) given); null otherwise.
          type: dict
          contains: *id003
          returned: success
        users:
          description:
            - The local iLO accounts (subset V(users)), in the vocabulary of M(lightsout.ilo.ilo_user); null when not gathered
              or when the service links no C(AccountService). Never a password.
          type: list
          elements: dict
          returned: success
          contains:
            id:
              description: The account's id (last segment of its URI).
              type: str
              returned: success
            uri:
              description: The account's URI.
              type: str
              returned: success
            name:
              description: The login name (C(UserName)), O(lightsout.ilo.ilo_user#module:name).
              type: str
              returned: success
            display_name:
              description: iLO's descriptive name (C(Oem.Hpe.LoginName)), O(lightsout.ilo.ilo_user#module:display_name).
              type: str
              returned: success
            role:
              description:
                - C(RoleId) on iLO 5 and later; on iLO 4 the predefined role whose privileges the account has exactly
                  (V(recovery_set) aside), else null.
              type: str
              returned: success
            privileges:
              description: The privileges granted, as O(lightsout.ilo.ilo_user#module:privileges) names them.
              type: list
              elements: str
              returned: success
              sample: [login, remote_console, virtual_media]
            enabled:
              description: C(Enabled) (iLO 5 and later); null where accounts have none.
              type: bool
              returned: success
            locked:
              description: C(Locked) where the service shows it; null on iLO.
              type: bool
              returned: success
            service_account:
              description: iLO's C(Oem.Hpe.ServiceAccount); null where not shown.
              type: bool
              returned: success
            in_use:
              description: True for the account this task is logged in with (its session's C(UserName), else O(username)).
              type: bool
              returned: success
        manager:
          description: The iLO managing the (first) system (subset V(manager)); null when not gathered.
          type: dict
          contains:
            id:
              description: Manager id.
              type: str
              sample: '1'
              returned: success
            model:
              description: Model.
              type: str
              sample: iLO 5
              returned: success
            generation:
              description: iLO generation (0 when not an iLO).
              type: int
              sample: 5
              returned: success
            firmware_version:
              description: iLO firmware version.
              type: str
              sample: iLO 5 v3.11
              returned: success
            firmware_date:
              description: iLO firmware date.
              type: str
              sample: Aug 10 2024
              returned: success
            uuid:
              description: Manager UUID.
              type: str
              returned: success
            health:
              description: 'Health of the manager: V(ok), V(warning), V(critical); null when not reported.'
              type: str
              sample: ok
              returned: success
            hostname:
              description: iLO host name.
              type: str
              sample: ILOMXQ4T7TBEX
              returned: success
            fqdn:
              description: iLO FQDN.
              type: str
              sample: ilomxq4t7tbex.example.net
              returned: success
            ipv4_address:
              description: First IPv4 address of an active iLO interface.
              type: str
              sample: 10.0.40.121
              returned: success
            mac_address:
              description: MAC address of the first active iLO interface.
              type: str
              sample: 94:40:c9:37:7d:87
              returned: success
            host_name:
              description:
                - The iLO's configured host name on the interface in use.
                - What M(lightsout.ilo.ilo_manager) O(lightsout.ilo.ilo_manager#module:host_name) sets.
              type: str
              sample: web01-ilo
              returned: success
            domain_name:
              description: The iLO's configured domain name (M(lightsout.ilo.ilo_manager) O(lightsout.ilo.ilo_manager#module:domain_name)).
              type: str
              sample: mgmt.example.com
              returned: success
            dns_servers:
              description:
                - The static DNS servers, IPv4 then IPv6, unused slots left out.
                - M(lightsout.ilo.ilo_manager) O(lightsout.ilo.ilo_manager#module:dns_servers).
              type: list
              elements: str
              sample: [10.1.1.53]
              returned: success
            ntp_servers:
              description: The static NTP servers, unused slots left out (M(lightsout.ilo.ilo_manager) O(lightsout.ilo.ilo_manager#module:ntp_servers)).
              type: list
              elements: str
              returned: success
            timezone:
              description: The time zone, by its C(TimeZoneList) name (M(lightsout.ilo.ilo_manager) O(lightsout.ilo.ilo_manager#module:timezone)).
              type: str
              sample: Greenwich Mean Time, Casablanca, Monrovia
              returned: success
            network_services:
              description:
                - Per service name of C(NetworkProtocol), C(enabled) and C(port).
                - M(lightsout.ilo.ilo_manager) O(lightsout.ilo.ilo_manager#module:network_services).
              type: dict
              sample: {SSH: {enabled: true, port: 22}, IPMI: {enabled: false, port: 623}}
              returned: success
            remote_syslog:
              description:
                - Remote syslog C(enabled), C(server), C(port); null where the iLO has none.
                - M(lightsout.ilo.ilo_manager) O(lightsout.ilo.ilo_manager#module:remote_syslog).
              type: dict
              sample: {enabled: false, server: '', port: 514}
              returned: success
            dhcp:
              description:
                - The interface's DHCP flags C(dhcpv4)/C(dhcpv6) C(use_dns_servers), C(use_ntp_servers), C(use_domain_name), which
                  M(lightsout.ilo.ilo_manager) turns off with O(lightsout.ilo.ilo_manager#module:dhcp_overrides=disable).
                - Values shown are current or staged for the next iLO reset.
              type: dict
              sample: {dhcpv4: {use_dns_servers: true, use_ntp_servers: true, use_domain_name: true}}
              returned: success
            interfaces:
              description: iLO network interfaces.
              type: list
              elements: dict
              contains: *id004
              returned: success
            license:
              description: iLO license (all null where there is no LicenseService).
              type: dict
              contains:
                name:
                  description: License.
                  type: str
                  sample: iLO Advanced
                  returned: success
                type:
                  description: License type.
                  type: str
                  sample: Perpetual
                  returned: success
                tier:
                  description: License tier.
                  type: str
                  sample: ADV
                  returned: success
              returned: success
          returned: success
        firmware:
          description: 'Firmware inventory (subset V(firmware)): UpdateService on iLO 5/6, the system FirmwareInventory on iLO 4; null when not gathered.'
          type: list
          elements: dict
          contains:
            name:
              description: Component.
              type: str
              sample: iLO 5
              returned: success
            version:
              description: Version string.
              type: str
              sample: iLO 5 v3.11
              returned: success
            location:
              description: Where it is installed.
              type: str
              sample: System Board
              returned: success
            updateable:
              description: Whether it can be updated (null when not reported).
              type: bool
              sample: true
              returned: success
          returned: success
        power:
          description: Power of the chassis of the (first) system (subset V(power)), from C(Power), else C(PowerSubsystem) (then the present
            consumption comes from the chassis' C(EnvironmentMetrics) and the average and peak are null). The chassis is found by
            links, and is the first chassis containing the system that has power data (an enclosure for a blade). Null when not
            gathered, when the chassis cannot be decided (see the warning) or its power data cannot be read (see
            RV(ansible_facts.ilo.errors)).
          type: dict
          contains:
            consumed_watts:
              description: Present consumption in W.
              type: float
              sample: 260.0
              returned: success
            average_watts:
              description: Average consumption in W.
              type: float
              sample: 256.0
              returned: success
            max_watts:
              description: Peak in W.
              type: float
              sample: 321.0
              returned: success
            capacity_watts:
              description: Power capacity in W.
              type: float
              sample: 1600.0
              returned: success
            redundancy:
              description: Redundancy mode, lower case.
              type: str
              sample: failover
              returned: success
            supplies:
              description: Power supplies.
              type: list
              elements: dict
              contains:
                id:
                  description: Id.
                  type: str
                  sample: '0'
                  returned: success
                name:
                  description: Name.
                  type: str
                  sample: HpeServerPowerSupply
                  returned: success
                model:
                  description: Model.
                  type: str
                  sample: 865414-B21
                  returned: success
                serial_number:
                  description: Serial number.
                  type: str
                  sample: 5WBXK0N784ZQV1
                  returned: success
                capacity_watts:
                  description: Capacity in W.
                  type: float
                  sample: 800.0
                  returned: success
                output_watts:
                  description: Last output in W.
                  type: float
                  sample: 130.0
                  returned: success
                firmware_version:
                  description: Firmware.
                  type: str
                  sample: '1.00'
                  returned: success
                health:
                  description: 'Health of the supply: V(ok), V(warning), V(critical); null when not reported.'
                  type: str
                  sample: ok
                  returned: success
                state:
                  description: Redfish C(Status.State) of the supply, lower case (V(enabled), V(absent), V(disabled), ...).
                  type: str
                  sample: enabled
                  returned: success
              returned: success
          returned: success
        thermal:
          description: Thermal of the chassis of the (first) system (subset V(thermal)), from C(Thermal), else C(ThermalSubsystem) (fans,
            C(ThermalMetrics) readings and their sensors); null when not gathered or not available (as for RV(ansible_facts.ilo.power)).
          type: dict
          contains:
            fans:
              description: Fans.
              type: list
              elements: dict
              contains:
                name:
                  description: Name.
                  type: str
                  sample: Fan 1
                  returned: success
                reading:
                  description: Reading.
                  type: float
                  sample: 18.0
                  returned: success
                reading_units:
                  description: V(percent) or V(rpm).
                  type: str
                  sample: percent
                  returned: success
                health:
                  description: 'Health of the fan: V(ok), V(warning), V(critical); null when not reported.'
                  type: str
                  sample: ok
                  returned: success
                state:
                  description: Redfish C(Status.State) of the fan, lower case (V(enabled), V(absent), V(disabled), ...).
                  type: str
                  sample: enabled
                  returned: success
              returned: success
            temperatures:
              description: Temperature sensors (absent ones left out).
              type: list
              elements: dict
              contains:
                name:
                  description: Sensor.
                  type: str
                  sample: 01-Inlet Ambient
                  returned: success
                location:
                  description: Physical context.
                  type: str
                  sample: Intake
                  returned: success
                reading_celsius:
                  description: Reading in Celsius.
                  type: float
                  sample: 21.0
                  returned: success
                warning_celsius:
                  description: Upper non-critical (warning) threshold in Celsius (C(UpperThresholdNonCritical), Sensor C(Thresholds.UpperCaution)).
                  type: float
                  sample: 42.0
                  returned: success
                critical_celsius:
                  description: Upper critical threshold in Celsius (C(UpperThresholdCritical), Sensor C(Thresholds.UpperCritical)).
                  type: float
                  sample: 45.0
                  returned: success
                fatal_celsius:
                  description: Upper fatal threshold in Celsius (C(UpperThresholdFatal), Sensor C(Thresholds.UpperFatal)).
                  type: float
                  sample: 47.0
                  returned: success
                health:
                  description: 'Health of the sensor: V(ok), V(warning), V(critical); null when not reported.'
                  type: str
                  sample: ok
                  returned: success
                state:
                  description: Redfish C(Status.State) of the sensor, lower case (V(enabled), V(absent), V(disabled), ...).
                  type: str
                  sample: enabled
                  returned: success
              returned: success
          returned: success
        errors:
          description:
            - Resources left out of the facts because reading them failed. Only the service root and the system itself are essential. Any
              other resource that answers an HTTP error (404 included), does not answer in time or answers something that is not a JSON object
              leaves its part null or empty, adds a warning naming its URI and status, and is listed here; the task succeeds with everything
              else.
            - A link to another origin, a TLS failure and HTTP 401/403 (credentials, privileges) still fail the task.
          type: list
          elements: dict
          contains:
            uri:
              description: The URI that failed.
              type: str
              sample: /redfish/v1/Systems/1/Storage/
              returned: success
            status:
              description: HTTP status (a 2xx one when the reply was malformed, for example not JSON or too large); null when there was no
                HTTP answer (a timeout, a broken connection) or the JSON is not an object.
              type: int
              sample: 500
              returned: success
            message:
              description: What went wrong.
              type: str
              sample: GET /redfish/v1/Systems/1/Storage/ failed with HTTP 500.
              returned: success
          returned: success
      returned: success
  returned: always
query_result:
  description: The result of O(query) applied to RV(ansible_facts.ilo).
  type: raw
  sample:
  - 2
  returned: when query is given
'''

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.lightsout.ilo.plugins.module_utils.facts import (
    HAS_JMESPATH,
    JMESPATH_IMPORT_ERROR,
    Gatherer,
    resolve_subsets,
    run_query,
)
from ansible_collections.lightsout.ilo.plugins.module_utils.errors import IloValidationError
from ansible_collections.lightsout.ilo.plugins.module_utils.module import IloModule


class IloFactsModule(IloModule):
    argument_spec = dict(
        gather_subset=dict(type='list', elements='str', default=['all']),
        system_id=dict(type='str'),
        query=dict(type='str'),
        log_entries=dict(type='int', default=10),
        max_concurrency=dict(type='int', default=8, aliases=['workers']),
    )

    def __init__(self):
        super(IloFactsModule, self).__init__()
        if not HAS_JMESPATH:
            self.module.fail_json(msg=missing_required_lib('jmespath'), exception=JMESPATH_IMPORT_ERROR)

    def run(self):
        p = self.params
        if p['log_entries'] < 0:
            raise IloValidationError('log_entries must be 0 or more, not %s.' % p['log_entries'])
        if not 1 <= p['max_concurrency'] <= 32:
            raise IloValidationError('max_concurrency must be between 1 and 32, not %s.' % p['max_concurrency'])
        subsets = resolve_subsets(p['gather_subset'])
        if p['query']:
            run_query(p['query'], {})  # a bad expression fails before anything is read
        gatherer = Gatherer(self.client, self.service, workers=p['max_concurrency'], log_entries=p['log_entries'])
        facts = gatherer.gather(subsets, system_id=p['system_id'])
        for warning in gatherer.warnings:
            self.module.warn(warning)
        self.result['changed'] = False
        self.result['ansible_facts'] = {'ilo': facts}
        if p['query']:
            self.result['query_result'] = run_query(p['query'], facts)


def main():
    IloFactsModule().main()


if __name__ == '__main__':
    main()
