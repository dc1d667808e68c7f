"""Every Python and shell snippet of README.md and docs/*.md runs here against a served mock, and so do the
programs in examples/: a doc cannot drift from the code unnoticed.

A fenced block runs by its language, in a temporary folder of its own:

- python: a script, run by this virtualenv's python. Top-level `await` runs in an event loop (as in
  `python -m asyncio`). A block that defines `test_` functions is a pytest file instead: it runs with this
  virtualenv's pytest in a temporary project, where the `apimart_mock` fixture comes from the installed
  entry point (no conftest).
- sh, bash, console: a bash script (`set -euo pipefail`), where curl fails on an HTTP error status (a
  `.curlrc` with `--fail-with-body`); in a console block only the lines after a `$ ` prompt are commands.
- any other block (yaml, a plain synopsis without a language) is not run.

Every block gets APIMART_BASE_URL (and APIMART_MOCK_URL), a mock served once for this module
(`apimart-mock serve` over real HTTP on loopback, reset before each block), and APIMART_API_KEY=sk-test;
of the environment that runs the tests only PATH (this virtualenv's bin first), HOME, the locale, TMPDIR
and PYTHONDONTWRITEBYTECODE. The mock takes any token as an account, so a block's `sk-...` placeholder
works as it is. The addresses the docs give for the live API and for `make mock`
(`https://api.apimart.ai`, `http://127.0.0.1:4010`) are replaced by the served mock's. Its clock runs
SPEED (3,000) times real time: an imagine's 4.5 clock
seconds pass in 1.5 ms, so a task is mostly done by the client's first poll (an immediate one) and a
wait seldom sleeps a 3-second interval, while the 30-minute MODAL timeout still leaves 0.6 s between an
inpaint and its /modal.

A block opts out, or asks for something, with an HTML comment on the line before its fence:

    <!-- docs-test: skip (why it cannot run here) -->   not run; the reason is the test's skip reason
    <!-- docs-test: continue -->        one program with the block before it, in the same file and language
    <!-- docs-test: uses NAME, ... -->  what the block takes as given, from these fixtures:
        client     (python) `import apimart` and `client = apimart.Client()`: the mock, as sk-test
        task_id    (python) `task_id`, the id of a finished grid of sk-test
        tmp_path   (python) `tmp_path`, the block's folder as a `pathlib.Path`
        photo.jpg  a small JPEG file in the block's folder
        task-ids   each task id written in the block (`task_` and 26 characters) becomes a finished grid of
                   the key the block shows (its first `sk-...`, else sk-test)

`pytest -ra` lists every skipped block with its reason. A block another engineer adds runs unmarked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from apimart_mock.testing import free_port, serve

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = ROOT / "examples"
CI_JOB = EXAMPLES / "contract-ci.sh"
BIN = Path(sys.executable).parent
KEY = "sk-test"
SPEED = 3000
MOCK_ADDRESSES = ("https://api.apimart.ai", "http://127.0.0.1:4010")
TIMEOUT = 120  # seconds any one block may take (they take about one)
LANGUAGES = {"python": "python", "sh": "shell", "bash": "shell", "console": "shell"}
_KEPT_ENVIRONMENT = ("HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONDONTWRITEBYTECODE")

_FENCE = re.compile(r"(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)")
_MARKER = re.compile(r"\s*<!--\s*docs-test:\s*(?P<word>[\w-]+)\s*(?P<argument>.*?)\s*-->\s*")
_TASK_ID = re.compile(r"\btask_[0-9A-Z]{26}\b")
_KEY_SHOWN = re.compile(r"\bsk-[\w.-]+")
_TEST_FUNCTION = re.compile(r"^(async )?def test_", re.MULTILINE)
_SKIP_REASON = re.compile(r"\((?P<reason>.+)\)")

# Python lines that stand for each fixture the block `uses`; files are written by `_prepare`.
_PRELUDES = {
    "client": "import apimart\n\nclient = apimart.Client()\n",
    "task_id": "task_id = {task_id!r}\n",
    "tmp_path": "from pathlib import Path\n\ntmp_path = Path.cwd()\n",
}
FIXTURES = {*_PRELUDES, "photo.jpg", "task-ids"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)

# Runs a python block: as a module, or, when it awaits at top level, as a coroutine in an event loop.
_RUNNER = """
import ast, asyncio, inspect, sys
path = sys.argv[1]
code = compile(open(path, encoding="utf-8").read(), path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
namespace = {"__name__": "__main__"}
if code.co_flags & inspect.CO_COROUTINE:
    asyncio.run(eval(code, namespace))
else:
    exec(code, namespace)
"""


@dataclass(frozen=True)
class Marker:
    """A `<!-- docs-test: WORD ARGUMENT -->` comment: `skip (reason)`, `continue`, `uses a, b`."""

    text: str
    word: str
    argument: str

    @classmethod
    def parse(cls, line: str) -> Marker | None:
        found = _MARKER.fullmatch(line)
        return cls(line.strip(), found["word"], found["argument"]) if found else None


@dataclass(frozen=True)
class Block:
    """One fenced block: where it starts (the fence's line), its info string and text, and the marker on
    the line before it, if any."""

    document: str
    line: int
    info: str
    text: str
    marker: Marker | None

    @property
    def marker_word(self) -> str | None:
        return self.marker.word if self.marker else None

    @property
    def marker_argument(self) -> str:
        return self.marker.argument if self.marker else ""

    @property
    def kind(self) -> str:
        """The info string's first word, lowercased: `python`, `sh`, `console`, `yaml`, or empty."""
        return self.info.split()[0].lower() if self.info.split() else ""

    @property
    def language(self) -> str | None:
        """`python` or `shell` for a block that runs, else None."""
        return LANGUAGES.get(self.kind)

    @property
    def code(self) -> str:
        """What runs: the text, or a console block's commands."""
        if self.kind != "console":
            return self.text
        return "".join(line[2:] + "\n" for line in self.text.splitlines() if line.startswith("$ "))


@dataclass(frozen=True)
class Snippet:
    """A block, with the blocks that continue it: one program."""

    blocks: tuple[Block, ...]

    @property
    def name(self) -> str:
        first = self.blocks[0]
        return f"{first.document}:{first.line}"

    @property
    def language(self) -> str | None:
        return self.blocks[0].language

    @property
    def code(self) -> str:
        return "\n".join(block.code for block in self.blocks)

    @property
    def skip_reason(self) -> str | None:
        """Why the snippet does not run (a malformed skip marker runs, and fails on its marker)."""
        for block in self.blocks:
            found = _SKIP_REASON.fullmatch(block.marker_argument)
            if block.marker_word == "skip" and found:
                return f"{block.document}:{block.line}: {found['reason']}"
        return None

    @property
    def uses(self) -> list[str]:
        return [
            name.strip()
            for block in self.blocks
            if block.marker_word == "uses"
            for name in block.marker_argument.split(",")
        ]

    def problems(self) -> list[str]:
        """What is wrong with its markers: an unknown word or fixture, a skip without a reason, a
        `continue` with nothing of its language before it."""
        found = []
        for block in self.blocks:
            where = f"{block.document}:{block.line - 1}"
            if block.marker is not None and block.marker_word not in ("skip", "continue", "uses"):
                found.append(
                    f"{where}: unknown docs-test marker {block.marker.text!r} (skip, continue, uses)"
                )
            if block.marker_word == "skip" and not _SKIP_REASON.fullmatch(block.marker_argument):
                found.append(f"{where}: a skip gives its reason in parentheses: {block.marker_argument!r}")
        if self.blocks[0].marker_word == "continue":
            found.append(f"{self.name}: continues nothing (no {self.language} block before it in the file)")
        return found + [
            f"{self.name}: unknown fixture {name!r} (known: {', '.join(sorted(FIXTURES))})"
            for name in self.uses
            if name not in FIXTURES
        ]


def blocks(document: Path) -> Iterator[Block]:
    """The fenced blocks of a Markdown file, dedented by their fence's indentation (blocks in lists)."""
    lines = document.read_text(encoding="utf-8").splitlines()
    name = str(document.relative_to(ROOT))
    index = 0
    while index < len(lines):
        opening = _FENCE.fullmatch(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        end = index + 1
        while end < len(lines) and not re.fullmatch(rf"[ \t]*{fence[0]}{{{len(fence)},}}\s*", lines[end]):
            end += 1
        yield Block(
            document=name,
            line=index + 1,
            info=opening["info"].strip(),
            text="".join(line[indent:] + "\n" for line in lines[index + 1 : end]),
            marker=Marker.parse(lines[index - 1]) if index else None,
        )
        index = end + 1


def snippets() -> list[Snippet]:
    """The runnable blocks of every document, each joined with the blocks that continue it."""
    found: list[Snippet] = []
    for document in DOCUMENTS:
        first = len(found)
        for block in blocks(document):
            if block.language is None:
                continue
            if (
                block.marker_word == "continue"
                and len(found) > first
                and found[-1].language == block.language
            ):
                found[-1] = Snippet((*found[-1].blocks, block))
            else:
                found.append(Snippet((block,)))
    return found


SNIPPETS = snippets()


def _param(snippet: Snippet) -> object:
    reason = snippet.skip_reason
    marks = [pytest.mark.skip(reason=reason)] if reason and not snippet.problems() else []
    return pytest.param(snippet, id=snippet.name, marks=marks)


@pytest.fixture(scope="module")
def served_mock() -> Iterator[str]:
    """One mock for the module, its clock fast (SPEED); its base URL."""
    with serve("--speed", str(SPEED), workers=1) as served:
        yield served.url


@pytest.fixture
def mock(served_mock: str) -> str:
    """The module's mock, reset: every task, fault, clock change and journal entry of a test before gone."""
    httpx.post(f"{served_mock}/__mock/reset", json={}, timeout=10).raise_for_status()
    return served_mock


def environment(base_url: str | None, **more: str) -> dict[str, str]:
    """What a block sees: the mock and sk-test, this virtualenv's bin first on PATH, and little else."""
    kept = {name: os.environ[name] for name in _KEPT_ENVIRONMENT if name in os.environ}
    mock = (  # `apimart-mock`'s control commands name the mock by a variable of their own
        {}
        if base_url is None
        else {"APIMART_BASE_URL": base_url, "APIMART_MOCK_URL": base_url, "APIMART_API_KEY": KEY}
    )
    return {**kept, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **mock, **more}


def caches(folder: Path) -> Path:
    """A block's user cache folder (`XDG_CACHE_HOME`: `apimart-contract` keeps Hypothesis's there), inside
    the folder it runs in: not this user's own."""
    return folder / ".cache"


def run(
    command: list[str], folder: Path, base_url: str | None, **more_environment: str
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command,
            cwd=folder,
            env=environment(base_url, XDG_CACHE_HOME=str(caches(folder)), **more_environment),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:  # its output comes as bytes then, whatever `text` says
        output = b"\n".join(part for part in (exc.stdout, exc.stderr) if isinstance(part, bytes))
        pytest.fail(f"{' '.join(command)} did not end within {TIMEOUT} s:\n{output.decode(errors='replace')}")


def finished_grid(base_url: str, key: str) -> str:
    """The id of a new finished grid of `key`, made through the control API."""
    answer = httpx.post(f"{base_url}/__mock/tasks", json={"account": key, "status": "SUCCESS"}, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["id"])


def _prepare(snippet: Snippet, base_url: str, folder: Path) -> str:
    """The snippet's code with its fixtures in place and the mock's address for the documented ones."""
    code = snippet.code
    for address in MOCK_ADDRESSES:
        code = code.replace(address, base_url)
    uses = snippet.uses
    if "task-ids" in uses:
        shown = _KEY_SHOWN.search(code)
        key = shown[0] if shown else KEY
        for task_id in dict.fromkeys(_TASK_ID.findall(code)):
            code = code.replace(task_id, finished_grid(base_url, key))
    if "photo.jpg" in uses:
        (folder / "photo.jpg").write_bytes(JPEG)
    task_id = finished_grid(base_url, KEY) if "task_id" in uses else None
    preludes = [_PRELUDES[name].format(task_id=task_id) for name in _PRELUDES if name in uses]
    return "\n".join([*preludes, code])


def run_pytest(test_file: Path, folder: Path, base_url: str | None) -> subprocess.CompletedProcess[str]:
    """A pytest file in a project of its own (an empty pytest.ini: no configuration of this repository)."""
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    if test_file.parent != folder:
        shutil.copy(test_file, folder)
    return run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file.name], folder, base_url
    )


def _output(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"


@pytest.mark.http
@pytest.mark.parametrize("snippet", [_param(snippet) for snippet in SNIPPETS])
def test_snippet_runs(snippet: Snippet, mock: str, tmp_path: Path) -> None:
    assert not snippet.problems(), "\n".join(snippet.problems())
    code = _prepare(snippet, mock, tmp_path)
    if snippet.language == "shell":
        (tmp_path / "snippet.sh").write_text(code, encoding="utf-8")
        (tmp_path / ".curlrc").write_text("--fail-with-body\n", encoding="utf-8")
        done = run(["bash", "-euo", "pipefail", "snippet.sh"], tmp_path, mock, CURL_HOME=str(tmp_path))
    elif _TEST_FUNCTION.search(code):
        (tmp_path / "test_snippet.py").write_text(code, encoding="utf-8")
        done = run_pytest(tmp_path / "test_snippet.py", tmp_path, mock)
    else:
        (tmp_path / "snippet.py").write_text(code, encoding="utf-8")
        done = run([sys.executable, "-c", _RUNNER, "snippet.py"], tmp_path, mock)
    assert done.returncode == 0, f"{snippet.name} failed:\n{code}\n{_output(done)}"


def test_markers_sit_on_blocks_that_run() -> None:
    """A marker before a block that never runs (yaml, no language) would silently mean nothing."""
    misplaced = [
        f"{block.document}:{block.line}: {block.marker.text} on a block of language {block.info!r}"
        for document in DOCUMENTS
        for block in blocks(document)
        if block.marker is not None and block.language is None
    ]
    assert not misplaced, "\n".join(misplaced)


def test_the_documents_have_snippets() -> None:
    """The parser finds what the docs hold (a broken fence pattern would otherwise pass every doc)."""
    languages = {snippet.language for snippet in SNIPPETS}
    assert languages == {"python", "shell"}
    assert len(SNIPPETS) >= 15
    assert sum(snippet.skip_reason is None for snippet in SNIPPETS) >= 10


# ---- examples/ ----


@pytest.mark.http
def test_example_client_flow_prints_the_upscaled_image(mock: str, tmp_path: Path) -> None:
    done = run([sys.executable, str(EXAMPLES / "client_flow.py")], tmp_path, mock)
    assert done.returncode == 0, _output(done)
    urls = done.stdout.split()
    assert len(urls) == 1 and urls[0].startswith(f"{mock}/images/"), _output(done)
    assert httpx.get(urls[0], timeout=10).headers["content-type"] == "image/png"


def test_example_pytest_file_passes_with_the_installed_fixture(tmp_path: Path) -> None:
    done = run_pytest(EXAMPLES / "test_with_the_mock.py", tmp_path, None)
    assert done.returncode == 0, _output(done)
    assert re.search(r"\b2 passed\b", done.stdout), _output(done)


@pytest.mark.http
@pytest.mark.slow
def test_example_ci_job_holds_against_the_mock(mock: str, tmp_path: Path) -> None:
    from contract.test_cli import give_unicode_tables

    from apimart_contract.cli import hypothesis_cache

    give_unicode_tables(hypothesis_cache({"XDG_CACHE_HOME": str(caches(tmp_path))}))
    done = run([str(CI_JOB)], tmp_path, mock, APIMART_RATE_LIMIT="500")
    assert done.returncode == 0, _output(done)
    assert "the contract holds" in done.stdout, _output(done)
    assert (tmp_path / "reports" / "contract" / "junit.xml").is_file()


def test_example_ci_job_says_when_the_suite_cannot_run(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done = run([str(CI_JOB)], tmp_path, closed)
    assert done.returncode == 2, _output(done)
    assert "could not run" in done.stderr, _output(done)
