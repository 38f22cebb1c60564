"""VPS catalogues: plans, OS templates, regions and add-ons, with both spellings the clients read.

The document's lists (``vcpus``, ``ram_gb``, ``family``, ``id``) and the names
the CLI prints (``vcpu``, ``ram_mb``, ``disk_gb``, ``monthly_price``,
``os_family``, ``code``, ``label``) come from the same rows. A region is also
accepted by the country code Terraform sends (``NO``/``no``, ``SE``, ``DE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Plan:
    code: str
    vcpus: int
    ram_gb: int
    storage_gb: int
    bandwidth_tb: float
    price: float

    def view(self, currency: str = "NOK") -> dict[str, Any]:
        return {"plan_code": self.code, "name": f"{self.ram_gb} GB RAM, {self.vcpus} vCPU", "vcpus": self.vcpus,
                "ram_gb": self.ram_gb, "storage_gb": self.storage_gb, "bandwidth_tb": self.bandwidth_tb,
                "price": self.price, "currency": currency, "vcpu": self.vcpus, "ram_mb": self.ram_gb * 1024,
                "disk_gb": self.storage_gb, "monthly_price": self.price}


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    name: str
    family: str
    version: str

    @property
    def is_windows(self) -> bool:
        return self.family == "windows"

    @property
    def disk_format(self) -> str:
        # Windows images are raw disks, which cannot be snapshotted; Linux images are qcow2.
        return "raw" if self.is_windows else "qcow2"

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "family": self.family, "version": self.version,
                "is_windows": self.is_windows, "template_id": self.id, "os_family": self.family}


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name: str
    country: str

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "country": self.country, "available": True,
                "code": self.id, "region": self.id, "label": self.name}


PLANS: dict[str, Plan] = {p.code: p for p in (
    Plan("vps-2gb-1cpu", 1, 2, 40, 2.0, 99.0),
    Plan("vps-4gb-2cpu", 2, 4, 80, 4.0, 199.0),
    Plan("vps-8gb-4cpu", 4, 8, 160, 8.0, 399.0),
)}
TEMPLATES: dict[str, Template] = {t.id: t for t in (
    Template("ubuntu-22.04", "Ubuntu 22.04 LTS", "ubuntu", "22.04"),
    Template("ubuntu-24.04", "Ubuntu 24.04 LTS", "ubuntu", "24.04"),
    Template("debian-12", "Debian 12", "debian", "12"),
    Template("rocky-9", "Rocky Linux 9", "rocky", "9"),
    Template("almalinux-9", "AlmaLinux 9", "almalinux", "9"),
    Template("windows-server-2025", "Windows Server 2025", "windows", "2025"),
)}
REGIONS: dict[str, Region] = {r.id: r for r in (
    Region("oslo", "Oslo, Norway", "NO"),
    Region("stockholm", "Stockholm, Sweden", "SE"),
    Region("frankfurt", "Frankfurt, Germany", "DE"),
)}
_ALIASES = {r.country.lower(): r.id for r in REGIONS.values()}
WINDOWS_MIN_RAM_GB = 4

ADDONS: tuple[dict[str, Any], ...] = (
    {"addon_code": "extra-ipv4", "name": "Additional IPv4 address", "monthly_price": 49.0, "currency": "NOK"},
    {"addon_code": "backup-plus", "name": "Extended backup retention", "monthly_price": 29.0, "currency": "NOK"},
    {"addon_code": "extra-disk-100gb", "name": "100 GB extra disk", "monthly_price": 79.0, "currency": "NOK"},
)
"""What ``GET /v1/vps/addons/`` offers, the same in every region."""


def region_id(value: str) -> str | None:
    """The region named by ``value`` (its id or country code, any case), or None."""
    key = value.strip().lower()
    return key if key in REGIONS else _ALIASES.get(key)
