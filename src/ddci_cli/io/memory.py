"""How much memory this process may still take, for the limits on what a workbook may
expand to (SPEC §5 "Limits").

A workbook is refused with ``too_large`` before python-calamine expands it when the
expansion would not fit, so the process never aborts (python-calamine aborts the whole
process when an allocation fails; Python cannot catch that). The figure is the least of
three ceilings, each read when present:

* the memory the kernel says it can still hand out (``MemAvailable`` in /proc/meminfo);
* the room left under this process's control group (cgroup v2 ``memory.max`` minus
  ``memory.current``, or cgroup v1 ``memory.limit_in_bytes`` minus ``memory.usage_in_bytes``);
* the address space left under ``ulimit -v`` (``RLIMIT_AS`` minus the ``VmSize`` this
  process already maps: python-calamine's reservations count there even before they
  are touched).

Where none can be read (another operating system), :data:`FALLBACK` is assumed.
"""

from __future__ import annotations

import os
from pathlib import Path

BYTES_PER_CELL = 150   # one cell of a sheet once read, at the peak of reading it
# The peak holds python-calamine's cells as it collects them (a 40-byte entry per cell in
# a vector that grows by doubling, so up to 80 bytes of address space), the rectangle it
# builds from them (32 bytes a cell) and the Python rows built from that (an 8-byte
# pointer per cell and the object it points to: 24 bytes for a float, more for a text).
# Measured: a 200,000 × 50 survey peaks at 86 bytes a cell resident; under `ulimit -v`
# the reserved but untouched capacity counts too, so 150 keeps the reader inside it.
RUST_STRING_BYTES = 24  # what python-calamine reserves per declared shared string
FALLBACK = 4 * 1024**3  # assumed when no ceiling can be read
MIN_INFLATE = 512 * 1024**2  # the inflate budget is never below this (the scan streams)

_CGROUP_FILES = (("memory.max", "memory.current"),
                 ("memory.limit_in_bytes", "memory.usage_in_bytes"))


def available_bytes() -> int:
    """Bytes this process may still allocate (≥ 0): the least of the free memory, the
    room under its control group and the address space left under ``ulimit -v``."""
    ceilings = [c for c in (_mem_available(), _cgroup_room(), _address_space_room())
                if c is not None]
    return max(min(ceilings), 0) if ceilings else FALLBACK


def max_cells() -> int:
    """Cells (rows × columns) a sheet may span and still be read in the memory left,
    at :data:`BYTES_PER_CELL` bytes a cell."""
    return available_bytes() // BYTES_PER_CELL


def inflate_budget() -> int:
    """Bytes all members of a workbook may inflate to together. The scan streams (its
    memory does not grow with the file), but python-calamine holds a sheet's cells, and
    XML takes at least ~15 bytes a value cell (``<c><v>1</v></c>``) against the
    :data:`BYTES_PER_CELL` a read cell costs: a budget of the memory left never refuses
    a sheet that could be held (the cells themselves are checked by :func:`max_cells`). Never below :data:`MIN_INFLATE`."""
    return max(available_bytes(), MIN_INFLATE)


def describe(size: int) -> str:
    """``size`` bytes for a message: "1.5 GB", "730 MB"."""
    if size >= 1024**3:
        return f"{size / 1024**3:,.1f} GB"
    return f"{size / 1024**2:,.0f} MB"


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None  # "max": no limit


def _mem_available() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_dirs() -> list[Path]:
    """The memory control group directories of this process (v2 and v1 layouts)."""
    root = Path("/sys/fs/cgroup")
    dirs = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, rel = parts
        rel = rel.lstrip("/")
        if controllers == "":
            dirs.append(root / rel)
        elif "memory" in controllers.split(","):
            dirs.append(root / "memory" / rel)
            dirs.append(root / "memory")  # inside a container the group is mounted at the top
    return dirs + [root, root / "memory"]


def _cgroup_room() -> int | None:
    """Room left under the memory control group's limit, None if unlimited or unknown."""
    for folder in _cgroup_dirs():
        for limit_file, usage_file in _CGROUP_FILES:
            limit = _read_int(folder / limit_file)
            if limit is None or limit >= 1 << 60:  # "max", or v1's "no limit" (≈ 2^63)
                continue
            usage = _read_int(folder / usage_file) or 0
            return limit - usage
    return None


def _address_space_room() -> int | None:
    """Address space left under RLIMIT_AS (``ulimit -v``), None if unlimited."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    return soft - _mapped_bytes()


def _mapped_bytes() -> int:
    """Address space this process already maps (VmSize), 0 if unknown."""
    try:
        with open(f"/proc/{os.getpid()}/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
