"""Wall time of the developer loop's slow steps: `make contract`, `make check-generated` and `make test`
(the last with `.venv` already installed: CI adds the install, about a minute, on a fresh machine)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

from .processes import stop_group
from .settings import COMMAND_TIMEOUT_S, ROOT, VENV_BIN

__all__ = ["CHECK_GENERATED", "CONTRACT", "MAKE_TEST", "Timed", "time_command"]

CONTRACT = ("make contract (CI profile)", "make -s contract")
CHECK_GENERATED = ("make check-generated", "make -s check-generated")
MAKE_TEST = ("make test", "make -s test")


@dataclass(frozen=True)
class Timed:
    label: str
    command: str
    seconds: float
    returncode: int
    tail: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def time_command(label: str, command: str) -> Timed:
    """Run `command` in the repo with a shell, bounded by COMMAND_TIMEOUT_S; keep the output's tail."""
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        shell=True,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(timeout=COMMAND_TIMEOUT_S)
        code, output = process.returncode, out.decode(errors="replace")
    except subprocess.TimeoutExpired:
        code, output = -1, f"timed out after {COMMAND_TIMEOUT_S:.0f} s"
    finally:
        stop_group(process)  # make's and pytest's children too, also on Ctrl-C
    seconds = time.perf_counter() - start
    tail = "\n".join(output.strip().splitlines()[-3:])
    return Timed(label, command, seconds, code, tail)
