# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""iLO 4 v2.80 on a ProLiant DL380 Gen9 (BIOS P89 v2.90).

Keyed under ``/redfish/v1/`` (the engine mirrors it under ``/rest/v1/``). Bodies carry both
the Redfish and the compat forms (``Type``, ``links.self.href``, ``AvailableActions``,
``HealthRollUp``), ``Oem.Hp``, a flat ``HpBios`` at ``/redfish/v1/systems/1/bios/`` whose
``links.Settings`` points at ``.../bios/Settings/``, an ``HpBiosAttributeRegistrySchema``
registry, HpSmartStorage, no ``$expand`` and no TaskService. No real iLO 4 mockup or
registry is public: the shapes follow HPE's iLO 4 documentation and samples.
"""

from .common import Spec, build_tree, no_options

SPEC = Spec(
    gen=4,
    model="ProLiant DL380 Gen9",
    sku="719064-B21",
    serial_prefix="SGH",
    bios_family="P89",
    bios_version="P89 v2.90 (07/20/2020)",
    bios_registry="HpBiosAttributeRegistryP89.1.1.00",
    ilo_version="2.80",
    ilo_date="Jan 25 2022",
    redfish_version="1.0.0",
    cpu_model="Intel(R) Xeon(R) CPU E5-2660 v3 @ 2.60GHz",
    cpu_count=2,
    cpu_cores=10,
    cpu_speed_mhz=2600,
    dimm_slots_per_cpu=12,
    dimms_per_cpu=4,
    dimm_mib=16384,
    dimm_type="DDR4",
    dimm_speed=2133,
    dimm_part="752369-081",
    drives=2,
    drive_gb=300,
    drive_model="EG0300FCSPH HDD",
    controller="Smart Array P440ar Controller",
    nics=(("HP Ethernet 1Gb 4-port 331i Adapter", 4),),
    psus=2,
    psu_watts=500,
    fans=6,
    seed=4280,
    manufacturer="HP",
)


def build(**options):
    """Build the iLO 4 tree. No options."""
    no_options("ilo4", options)
    return build_tree(SPEC)
