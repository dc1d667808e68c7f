"""What a reader needs to know about the machine and the tools to rerun the figures and compare."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["Machine", "describe_machine", "load_average"]


@dataclass(frozen=True)
class Machine:
    cores: int
    cpu: str
    memory_gib: float
    os: str
    python: str
    versions: dict[str, str]


def describe_machine(tool_versions: dict[str, str]) -> Machine:
    versions = {name: _package(name) for name in ("flask", "gunicorn", "httpx")}
    versions["node"] = _output(["node", "--version"]) if shutil.which("node") else "not installed"
    versions.update(tool_versions)
    return Machine(
        cores=os.cpu_count() or 0,
        cpu=_cpu_model(),
        memory_gib=_memory_gib(),
        os=platform.platform(),
        python=platform.python_version(),
        versions=versions,
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def load_average() -> str:
    """The 1-minute load average just before a measurement: shows when other work shared the cores."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"
