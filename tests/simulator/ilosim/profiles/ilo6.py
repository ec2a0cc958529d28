# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iLO 6 v1.66 on a ProLiant DL380a Gen11 (BIOS U58 v2.44).

``LocationIndicatorActive`` only (no ``IndicatorLED``), DMTF Storage only (no SmartStorage),
Chassis NetworkAdapters only, PowerSubsystem/ThermalSubsystem next to Power/Thermal,
``Bios.ResetBios`` on the bios resource, action targets without a trailing slash.
"""

from .common import Spec, build_tree, no_options

SPEC = Spec(
    gen=6,
    model="ProLiant DL380a Gen11",
    sku="P54903-B21",
    serial_prefix="2M2",
    bios_family="U58",
    bios_version="U58 v2.44 (01/17/2025)",
    bios_registry="BiosAttributeRegistryU58.v1_2_44",
    ilo_version="1.66",
    ilo_date="Dec 13 2024",
    redfish_version="1.20.0",
    cpu_model="INTEL(R) XEON(R) GOLD 6548Y+",
    cpu_count=2,
    cpu_cores=32,
    cpu_speed_mhz=2500,
    dimm_slots_per_cpu=16,
    dimms_per_cpu=8,
    dimm_mib=32768,
    dimm_type="DDR5",
    dimm_speed=4800,
    dimm_part="P43328-B21",
    drives=4,
    drive_gb=960,
    drive_model="VO000960KXAVL SSD",
    controller="HPE MR408i-o Gen11",
    nics=(("Broadcom BCM57414 Ethernet 10/25Gb 2-port SFP28 OCP3 Adapter", 2),
          ("NVIDIA ConnectX-7 Ethernet 100Gb 1-port QSFP112 Adapter", 1)),
    psus=4,
    psu_watts=1800,
    fans=6,
    seed=6166,
)


def build(**options):
    """Build the iLO 6 tree. No options."""
    no_options("ilo6", options)
    return build_tree(SPEC)
