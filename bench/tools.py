"""Install the bench's outside tools on demand, into local folders, and report their versions.

Prism comes from npm into `.bench/prism` (pinned, so every run loads the same Prism), and WireMock's
standalone jar likewise into `.bench/wiremock`; `wrk` from Debian's packages when it is not on PATH, and
`hey` and Java likewise. When an install is impossible the error says what to run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from .settings import (
    PRISM_BIN,
    PRISM_PACKAGE,
    PRISM_PREFIX,
    PRISM_VERSION,
    WIREMOCK_JAR,
    WIREMOCK_PACKAGE,
    WIREMOCK_PREFIX,
    WIREMOCK_VERSION,
)

__all__ = [
    "ToolMissing",
    "ensure_haproxy",
    "ensure_hey",
    "ensure_java",
    "ensure_prism",
    "ensure_redis_server",
    "ensure_wiremock",
    "ensure_wrk",
    "java_version",
    "package_version",
    "prism_version",
    "wrk_version",
]

_INSTALL_TIMEOUT_S = 600


class ToolMissing(RuntimeError):
    """A tool the bench needs could not be installed; the message says how to install it by hand."""


def ensure_wrk() -> str:
    """The path of `wrk` (closed-loop load), from Debian's package when it is missing (needs root)."""
    return _ensure_apt("wrk", "wrk")


def ensure_hey() -> str:
    """The path of `hey` (fixed-rate load), from Debian's package when it is missing (needs root)."""
    return _ensure_apt("hey", "hey")


def ensure_redis_server() -> str:
    """The path of `redis-server` (the Redis-backed mock's store), from Debian's package when missing."""
    return _ensure_apt("redis-server", "redis-server")


def ensure_haproxy() -> str:
    """The path of `haproxy` (in front of two replicas), from Debian's package when missing."""
    return _ensure_apt("haproxy", "haproxy")


def ensure_java() -> str:
    """The path of `java` (runs WireMock's jar), from Debian's default headless runtime when missing."""
    return _ensure_apt("java", "default-jre-headless")


def _ensure_apt(binary: str, package: str) -> str:
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin")
    if found:
        return found
    how = f"install it with: sudo apt-get update && sudo apt-get install -y {package}"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ToolMissing(f"{binary} is not installed and cannot be installed from here; {how}")
    print(f"bench: installing {package} with apt-get ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_S)
        if done.returncode != 0:
            raise ToolMissing(f"`{' '.join(command)}` failed ({done.stderr.strip()[-500:]}); {how}")
    found = shutil.which(binary) or shutil.which(binary, path="/usr/sbin")
    if not found:
        raise ToolMissing(f"apt-get installed {package} but {binary} is not on PATH; {how}")
    return found


def ensure_prism() -> str:
    """The path of the pinned Prism CLI under `.bench/prism`, installing it with npm when missing."""
    if PRISM_BIN.exists() and prism_version() == PRISM_VERSION:
        return str(PRISM_BIN)
    return _ensure_npm(PRISM_PACKAGE, PRISM_VERSION, PRISM_PREFIX, PRISM_BIN, "about 90 MB")


def ensure_wiremock() -> str:
    """The path of the pinned WireMock standalone jar under `.bench/wiremock` (the npm package `wiremock`
    ships it; its name carries the version), installing it with npm when missing."""
    if WIREMOCK_JAR.exists():
        return str(WIREMOCK_JAR)
    return _ensure_npm(WIREMOCK_PACKAGE, WIREMOCK_VERSION, WIREMOCK_PREFIX, WIREMOCK_JAR, "about 20 MB")


def _ensure_npm(package: str, version: str, prefix: Path, product: Path, size: str) -> str:
    npm = shutil.which("npm")
    spec = f"{package}@{version}"
    if npm is None:
        raise ToolMissing(
            f"npm is not installed; install Node.js and run: npm install --prefix {prefix} {spec}"
        )
    print(f"bench: installing {spec} into {prefix} ({size}) ...", flush=True)
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", spec],
        capture_output=True,
        text=True,
        timeout=_INSTALL_TIMEOUT_S,
    )
    if done.returncode != 0 or not product.exists():
        raise ToolMissing(f"npm could not install {spec}: {done.stderr.strip()[-800:]}")
    return str(product)


def prism_version() -> str:
    try:
        done = subprocess.run([str(PRISM_BIN), "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"


def java_version(java: str) -> str:
    """`java -version` prints `openjdk version "17.0.15" 2025-04-15` (on stderr): "OpenJDK 17.0.15"."""
    done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    words = (done.stderr or done.stdout).split()
    if len(words) > 2 and words[1] == "version":
        return f"{'OpenJDK' if words[0] == 'openjdk' else words[0]} {words[2].strip(chr(34))}"
    return "unknown"


def wrk_version(wrk: str) -> str:
    """`wrk -v` prints "wrk 4.1.0 [epoll] Copyright ..." (and exits 1)."""
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=30)
    words = (done.stdout or done.stderr).split()
    return words[1] if len(words) > 1 and words[0] == "wrk" else "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"
