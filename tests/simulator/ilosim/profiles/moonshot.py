# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Moonshot-like enclosure: many server cartridges behind one management processor.

``build(systems=45)`` gives 1..180 systems ``C1N1``, ``C2N1``... (45 cartridge slots; with
more than 45 systems each cartridge holds several nodes, ``C1N1``..``C1N4``). Every system is
complete (processors, memory, BIOS current + settings sharing one attribute registry,
reset actions, IML) and all sit in one enclosure chassis managed by one manager.

Simplification: a real Moonshot 1500 chassis manager is not an iLO 5; this profile speaks
iLO 5-style Redfish (``Oem.Hpe``, iLO 5 reset types, ``Bios.ResetBios`` on the settings
object) so clients written for iLO 5 can be exercised against many systems at once. The
cartridges have no Smart Array, so only DMTF Storage is present.
"""

from .common import Spec, build_tree

SLOTS = 45
MAX_SYSTEMS = 180

SPEC = Spec(
    gen=5,
    model="Moonshot 1500 Chassis",
    system_model="ProLiant m510 Server Cartridge",
    product="ProLiant m510 Server Cartridge",
    sku="755371-B21",
    serial_prefix="CN7",
    bios_family="H05",
    bios_version="H05 v2.52 (10/21/2021)",
    bios_registry="BiosAttributeRegistryH05.v1_2_10",
    ilo_version="2.78",
    ilo_date="Nov 18 2022",
    redfish_version="1.6.0",
    cpu_model="Intel(R) Xeon(R) CPU D-1587 @ 1.70GHz",
    cpu_count=1,
    cpu_cores=16,
    cpu_speed_mhz=1700,
    dimm_slots_per_cpu=4,
    dimms_per_cpu=2,
    dimm_mib=32768,
    dimm_type="DDR4",
    dimm_speed=2133,
    dimm_part="809083-091",
    drives=1,
    drive_gb=480,
    drive_model="MZ1LV480HCHP SSD",
    controller="Intel Xeon D SATA Controller",
    nics=(("Mellanox ConnectX-3 Pro Ethernet 10Gb 2-port", 2),),
    psus=4,
    psu_watts=1500,
    fans=5,
    seed=1500,
    chassis_type="Enclosure",
    smart_storage=False,
)


def system_ids(count):
    """``C<cartridge>N<node>`` ids, cartridge-major, filling 45 slots evenly."""
    nodes = -(-count // SLOTS)
    return ["C%dN%d" % (i // nodes + 1, i % nodes + 1) for i in range(count)]


def build(systems=45, **options):
    """Build an enclosure with ``systems`` (1..180) server nodes."""
    if options:
        raise ValueError("moonshot takes only 'systems': %s" % ", ".join(sorted(options)))
    if isinstance(systems, bool) or not isinstance(systems, int) or not 1 <= systems <= MAX_SYSTEMS:
        raise ValueError("systems must be an integer between 1 and %d, got %r" % (MAX_SYSTEMS, systems))
    return build_tree(SPEC, systems=[(sid, "1") for sid in system_ids(systems)])
