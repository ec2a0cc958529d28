# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iLO 7 1.14.00 on an HPE ProLiant Compute DL360 Gen12 (BIOS U68 v1.40).

Shaped by the real iLO 7 tree (``../shared/ilo-mockups/ilo7-DL360-Gen12``; read, not copied):
``Managers/1.FirmwareVersion`` is "1.14.00 May 28 2025" (no "iLO 7 v" prefix; the generation
is in the service root's ``ManagerType`` and the manager's ``Model``), product names
"HPE ProLiant Compute ... Gen12", standard ``Systems/1/BootOptions`` and ``BootProgress``,
``JsonSchemas`` files kept under ``SchemaStore``, ``SecurityService.SecurityState`` one of
SecureStandard/FIPS, DMTF Storage only with drives in a storage-enclosure chassis,
``ThermalSubsystem`` (no ``PowerSubsystem``) next to Power/Thermal, no BaseNetworkAdapters,
action targets without a trailing slash, ``Bios.ResetBios`` on the bios resource.
"""

from .common import Spec, build_tree, no_options

SPEC = Spec(
    gen=7,
    model="HPE ProLiant Compute DL360 Gen12",
    sku="P72176-B21",
    serial_prefix="3M1",
    bios_family="U68",
    bios_version="U68 v1.40 (05/22/2025)",
    bios_registry="BiosAttributeRegistryU68.v1_1_40",
    ilo_version="1.14.00",
    ilo_date="May 28 2025",
    redfish_version="1.20.0",
    cpu_model="Intel(R) Xeon(R) 6517P",
    cpu_count=2,
    cpu_cores=16,
    cpu_speed_mhz=3200,
    dimm_slots_per_cpu=16,
    dimms_per_cpu=8,
    dimm_mib=16384,
    dimm_type="DDR5",
    dimm_speed=6400,
    dimm_part="P64336-B21",
    drives=2,
    drive_gb=1600,
    drive_model="MO001600PXVRU SSD",
    controller="HPE MR216i-o Gen11",
    nics=(("HPE SN1610Q 32Gb 2p FC HBA", 2),
          ("HPE InfiniBand NDR200/Ethernet 200GbE 2-port QSFP112 PCIe5 x16 MCX755106AC-HEAT Adapter", 2)),
    psus=2,
    psu_watts=1000,
    fans=7,
    seed=7114,
)


def build(**options):
    """Build the iLO 7 tree. No options."""
    no_options("ilo7", options)
    return build_tree(SPEC)
