"""Blue Lobster's fixed catalogue: regions, hosts, instance types and OS templates.

This is pack data, not schema: the document types ``region``, ``instance_type``,
``host`` and ``template_name`` as free strings and names the values only in
examples and prose, so the twin keeps one plausible inventory here and its
rules (400 for a name it does not know) in the handlers. The names come from
the document (``us-east-1``, ``us-east-dev`` "Philadelphia, PA", ``px1`` with
128 cores, 512 GB, 2048 GB and 4 A4000s, ``phl-gpu-01``, ``wil-gpu-26``,
``v1_cpu_medium`` 4/16/250 at 6 ¢/h, ``gpu_1x_a4000`` 8/32/250 at 45 ¢/h,
``v1_gpu_a6000_large`` 32/128/1000/4 at 120 ¢/h, the four templates); the
rest of the inventory is the twin's choice, written in the README.

Each region also names its backup storage (``wil-pbs-01`` in the document) and
the first public range its IP pool draws from (documentation ranges, RFC 5737).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    description: str
    city: str
    state: str
    country: str
    storage: str
    """The region's Proxmox Backup Server storage, the first part of every backup ``volid``."""
    network: str
    """The first /24 block of its public IP pool (``.1`` is the gateway); ``ip_pool`` says how it grows."""
    internal_prefix: str
    """First two octets of the private addresses of its instances."""

    def view(self) -> dict[str, object]:
        """As ``regions_with_capacity_available`` lists it."""
        return {"name": self.name, "description": self.description,
                "location": {"city": self.city, "state": self.state, "country": self.country}}


@dataclass(frozen=True, slots=True)
class Host:
    id: str
    region: str
    cores: int
    memory: int
    """GB."""
    storage: int
    """GB."""
    gpus: int = 0
    gpu_model: str | None = None
    """Short model name as ``specs.gpu_model`` writes it (``A4000``)."""


@dataclass(frozen=True, slots=True)
class InstanceType:
    name: str
    description: str
    gpu_description: str
    price_cents_per_hour: int
    vcpus: int
    memory_gib: int
    storage_gib: int
    gpus: int = 0
    gpu_model: str | None = None

    def view(self) -> dict[str, object]:
        specs: dict[str, object] = {"vcpus": self.vcpus, "memory_gib": self.memory_gib,
                                    "storage_gib": self.storage_gib, "gpus": self.gpus}
        if self.gpu_model:
            specs["gpu_model"] = self.gpu_model
        return {"name": self.name, "description": self.description, "gpu_description": self.gpu_description,
                "price_cents_per_hour": self.price_cents_per_hour, "specs": specs}


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    vmid: int
    """The Proxmox template VM cloned for new instances."""
    display_name: str
    os_type: str
    """``linux`` or ``windows``."""
    has_nvidia: bool
    base_gb: float
    """Disk used by a fresh clone: where backup sizes start."""
    default_username: str = "ubuntu"

    @property
    def windows(self) -> bool:
        return self.os_type == "windows"

    def view(self) -> dict[str, object]:
        return {"name": self.name, "vmid": self.vmid, "display_name": self.display_name, "os_type": self.os_type,
                "has_nvidia": self.has_nvidia}


REGIONS: dict[str, Region] = {r.name: r for r in (
    Region("us-east-1", "Wilmington, DE", "Wilmington", "DE", "US", "wil-pbs-01", "198.51.100.0/24", "10.1"),
    Region("us-east-dev", "Philadelphia, PA", "Philadelphia", "PA", "US", "phl-pbs-01", "203.0.113.0/24", "10.2"),
)}

HOSTS: dict[str, Host] = {h.id: h for h in (
    Host("wil-cpu-01", "us-east-1", 192, 768, 12288),
    Host("wil-gpu-25", "us-east-1", 64, 256, 4096, 4, "A4000"),
    Host("wil-gpu-26", "us-east-1", 128, 512, 8192, 8, "A6000"),
    Host("px1", "us-east-dev", 128, 512, 2048, 4, "A4000"),
    Host("phl-gpu-01", "us-east-dev", 64, 256, 4096, 4, "A5000"),
)}
"""Hosts in placement order: a launch takes the first host of its region that fits."""

INSTANCE_TYPES: dict[str, InstanceType] = {t.name: t for t in (
    InstanceType("v1_cpu_small", "CPU Only Instance", "N/A - CPU Only", 3, 2, 8, 100),
    InstanceType("v1_cpu_medium", "CPU Only Instance", "N/A - CPU Only", 6, 4, 16, 250),
    InstanceType("gpu_1x_a4000", "Single GPU Instance", "NVIDIA RTX A4000 (16GB VRAM)", 45, 8, 32, 250, 1, "A4000"),
    InstanceType("gpu_2x_a4000", "Multi GPU Instance", "2x NVIDIA RTX A4000 (16GB VRAM)", 90, 16, 64, 500, 2, "A4000"),
    InstanceType("gpu_1x_a5000", "Single GPU Instance", "NVIDIA RTX A5000 (24GB VRAM)", 60, 8, 32, 250, 1, "A5000"),
    InstanceType("gpu_4x_a5000", "Multi GPU Instance", "4x NVIDIA RTX A5000 (24GB VRAM)", 240, 32, 128, 1000, 4, "A5000"),
    InstanceType("v1_gpu_a6000_large", "Multi GPU Instance", "4x NVIDIA RTX A6000 (48GB VRAM)", 120, 32, 128, 1000, 4,
                 "A6000"),
)}

TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("UBUNTU-22-04-NV", 9000, "Ubuntu 22.04 with NVIDIA drivers", "linux", True, 9.0),
    Template("UBUNTU-22-04", 9001, "Ubuntu 22.04", "linux", False, 4.5),
    Template("UBUNTU-22-04-NV-DK", 9002, "Ubuntu 22.04 with NVIDIA drivers and Docker", "linux", True, 11.5),
    Template("WIN10", 9100, "Windows 10 (Cloudbase-Init)", "windows", False, 22.0, "bluelobster"),
)}

GPU_TEMPLATE = "UBUNTU-22-04-NV"
"""Default template of a GPU type ("GPU instances get NVIDIA template")."""
BASE_TEMPLATE = "UBUNTU-22-04"
"""Default template of a CPU-only type ("non-GPU get base")."""


def default_template(instance_type: InstanceType) -> str:
    return GPU_TEMPLATE if instance_type.gpus else BASE_TEMPLATE


def gpu_display(model: str | None) -> str | None:
    """How ``VMInstance.gpu_model`` names a GPU (``RTX A5000``), where the catalogue says ``A5000``."""
    return f"RTX {model}" if model else None


def hosts_in(region: str) -> list[Host]:
    return [h for h in HOSTS.values() if h.region == region]
