"""A user's program type-checked with `mypy --strict`: the client's types catch wrong values before a run.

The programs are written to a temporary folder and checked by the repository's own mypy, which finds
`apimart` and the generated client through `MYPYPATH` (the editable install is an import hook mypy cannot
follow). As for any installed package, errors inside the generated client are not the user's: silenced.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import apimart_mj_client

import apimart

GOOD = """
    import apimart


    def main() -> None:
        with apimart.Client() as client:
            grid = client.imagine_and_wait("a cat", speed="fast", version="7", size="16:9", timeout=60.0)
            first: str = grid.image_urls[0]
            custom_id: str = grid.buttons[0].custom_id
            image = client.upscale_and_wait(grid, 2)
            client.pan(image, "left", speed="turbo", metadata={"order": "42"})
            client.video(grid, 0, motion="low", video_type="vid_1.1_i2v_720", batch_size=2)
            prompt: str | None = image.prompt
            print(first, custom_id, prompt, image.to_dict())


    async def run() -> None:
        async with apimart.AsyncClient() as client:
            grid = await client.blend_and_wait(["https://a.example/1.png", "https://a.example/2.png"])
            done = await client.get_task(grid, view="unified", language="en")
            urls = done.result.images[0].url if done.result else []
            print(grid.image_urls[0], urls)
"""

BAD = """
    import apimart

    client = apimart.Client()
    client.imagine("a cat", speed="slow")
    client.imagine("a cat", version=7)
    client.pan("task_1", "sideways")
    client.blend_and_wait(["a", "b"], dimensions="WIDE", timeout="soon")
    client.imagine("a cat", sized="16:9")
    client.get_task("task_1", view="unified", language="fr")
"""

CONFIG = """
    [mypy]
    strict = True

    [mypy-apimart_mj_client.*]
    follow_imports = silent
"""


def mypy(folder: Path, *files: str) -> tuple[int, list[str]]:
    roots = {Path(module.__file__ or "").parent.parent for module in (apimart, apimart_mj_client)}
    (folder / "mypy.ini").write_text(textwrap.dedent(CONFIG))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", ".cache", *files],
        cwd=folder,
        env={**os.environ, "MYPYPATH": os.pathsep.join(map(str, roots))},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout.splitlines()


def errors(lines: list[str]) -> list[tuple[str, int, str]]:
    found = [re.match(r"(\S+\.py):(\d+): error: (.*)", line) for line in lines]
    return [(m[1], int(m[2]), m[3]) for m in found if m]


def test_mypy_strict_passes_a_correct_program_and_names_each_wrong_value(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(textwrap.dedent(GOOD))
    (tmp_path / "bad.py").write_text(textwrap.dedent(BAD))
    code, lines = mypy(tmp_path, "good.py", "bad.py")
    found = errors(lines)
    assert code == 1 and [line for file, line, _ in found if file != "bad.py"] == [], lines
    by_line = {line: message for _, line, message in found}
    assert sorted(by_line) == [5, 6, 7, 8, 9, 10], lines
    assert '"speed"' in by_line[5] and "Literal['relax', 'fast', 'turbo']" in by_line[5]
    assert '"version"' in by_line[6] and 'incompatible type "int"; expected "str"' in by_line[6]
    assert "Literal['left', 'right', 'up', 'down']" in by_line[7]
    assert "Literal['SQUARE', 'PORTRAIT', 'LANDSCAPE']" in " ".join(m for _, n, m in found if n == 8)
    assert '"timeout"' in " ".join(m for _, n, m in found if n == 8)
    assert 'Unexpected keyword argument "sized"' in by_line[9]
    assert 'No overload variant of "get_task"' in by_line[10]  # language="fr"; "en" passes in GOOD
