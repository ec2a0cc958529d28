# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iLO 5 v3.11 on a ProLiant DL360 Gen10 Plus (BIOS U46 v2.34).

Redfish with ``Oem.Hpe``; both ``IndicatorLED`` and ``LocationIndicatorActive``; HPE
SmartStorage and DMTF Storage; BaseNetworkAdapters and Chassis NetworkAdapters;
``Bios.ResetBios`` on the settings object.
"""

from .common import Spec, build_tree, no_options

SPEC = Spec(
    gen=5,
    model="ProLiant DL360 Gen10 Plus",
    sku="P28948-B21",
    serial_prefix="MXQ",
    bios_family="U46",
    bios_version="U46 v2.34 (04/04/2023)",
    bios_registry="BiosAttributeRegistryU46.v1_2_34",
    ilo_version="3.11",
    ilo_date="Aug 10 2024",
    redfish_version="1.20.0",
    cpu_model="Intel(R) Xeon(R) Silver 4310 CPU @ 2.10GHz",
    cpu_count=2,
    cpu_cores=12,
    cpu_speed_mhz=2100,
    dimm_slots_per_cpu=16,
    dimms_per_cpu=6,
    dimm_mib=16384,
    dimm_type="DDR4",
    dimm_speed=2933,
    dimm_part="P06029-B21",
    drives=2,
    drive_gb=480,
    drive_model="VK000480GWSRR SSD",
    controller="HPE Smart Array P408i-a SR Gen10",
    nics=(("HPE Ethernet 1Gb 4-port 366FLR Adapter", 4), ("HPE Eth 10/25Gb 2p 631SFP28 Adptr", 2)),
    psus=2,
    psu_watts=800,
    fans=7,
    seed=5311,
)


def build(**options):
    """Build the iLO 5 tree. No options."""
    no_options("ilo5", options)
    return build_tree(SPEC)
