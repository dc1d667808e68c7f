"""`apimart-contract`: the contract suite against a running API, from any folder.

    pip install 'apimart-midjourney[contract]'
    APIMART_API_KEY=sk-... apimart-contract --base-url https://api.apimart.ai

Options override the environment variables of the same meaning; API keys come from the environment only
(a key on a command line ends up in shell histories and CI logs). Exit codes: 0 the contract holds
(warnings and drift notices allowed), 1 violations (or warnings with --strict-warnings), 2 the suite could
not run (configuration, target unreachable) or failed itself (a suite error, never a contract violation).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from apimart_mj import __version__

from .registry import CHECKS

__all__ = ["hypothesis_cache", "main"]

HOLDS, VIOLATIONS, COULD_NOT_RUN = 0, 1, 2
SUITE = (
    "apimart_contract.properties.test_conformance",
    "apimart_contract.properties.test_custom_ids",
    "apimart_contract.properties.test_errors",
    "apimart_contract.properties.test_free_rules",
    "apimart_contract.stateful.test_task_lifecycle",
)
"""The tests that judge a target (the decoding and self-check tests judge this toolkit instead)."""
CASSETTES = "apimart_contract.recorded.test_cassettes"
"""The test that judges recorded traffic (`--cassettes`)."""

OPTIONS: tuple[tuple[str, str, str, str | None], ...] = (
    # option, environment variable, help, metavar (None: a flag)
    ("--base-url", "APIMART_BASE_URL", "the API to check, e.g. https://api.apimart.ai (required)", "URL"),
    ("--allow-spend", "APIMART_ALLOW_SPEND", "submit billed tasks (only then does the suite submit)", None),
    ("--spend-budget", "APIMART_SPEND_BUDGET", "accepted submits allowed in one run (default 3)", "N"),
    ("--rate-limit", "APIMART_RATE_LIMIT", "requests per second, whole run (default 1)", "PER_S"),
    ("--poll-interval", "APIMART_POLL_INTERVAL", "seconds between reads of one task (default 3, min 3)", "S"),
    ("--max-wall-time", "APIMART_MAX_WALL_TIME", "seconds after which the run ends (default 900)", "S"),
    ("--task-ids", "APIMART_TASK_IDS", "comma-separated ids of existing tasks to read and follow", "IDS"),
    ("--no-mock-clock", "APIMART_USE_MOCK_CLOCK", "never advance a mock's clock, wait in real time", None),
    ("--strict-warnings", "APIMART_STRICT_WARNINGS", "warnings (HTTP hygiene) fail the run", None),
    (
        "--state",
        "APIMART_CONTRACT_STATE",
        "a JSON ledger a CI job keeps: the rules not reached go first",
        "FILE",
    ),
    ("--profile", "HYPOTHESIS_PROFILE", "Hypothesis profile: live (default), ci, dev, nightly", "NAME"),
    ("--case", "APIMART_CASE", "the seed of the run's Hypothesis examples (default 0)", "SEED"),
)
KEYS = (
    ("APIMART_API_KEY", "the first account's key (required)"),
    ("APIMART_API_KEY_2", "a second account's key: the ownership checks (403) run only with it"),
)


def _parser() -> argparse.ArgumentParser:
    variables = [f"  {env:<24} {option:<18} {text}" for option, env, text, _ in OPTIONS]
    variables += [f"  {env:<24} {'':<18} {text}" for env, text in KEYS]
    parser = argparse.ArgumentParser(
        prog="apimart-contract",
        description="Check that an APIMart Midjourney API (the live one, or a mock) honours openapi.yaml.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(
            [
                "environment variables (an option wins over its variable):",
                *variables,
                "",
                "exit codes: 0 the contract holds (warnings and drift notices allowed), 1 violations,",
                "            2 the suite could not run (configuration, target unreachable) or failed",
                "            itself (a suite error: a Hypothesis internal error, a bug in a check).",
                "reports: DIR/junit.xml, DIR/report.md, .json, .html (--report-dir, default reports/).",
                "caches: Hypothesis's, in $XDG_CACHE_HOME/apimart-contract/hypothesis (by default",
                "        ~/.cache/apimart-contract/hypothesis), or where HYPOTHESIS_STORAGE_DIRECTORY says.",
            ]
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    for option, env, text, metavar in OPTIONS:
        if metavar is None:
            parser.add_argument(option, action="store_true", help=f"{text} (env {env})")
        else:
            parser.add_argument(option, metavar=metavar, help=f"{text} (env {env})")
    parser.add_argument(
        "--report-dir", default="reports", metavar="DIR", help="where the reports go (default reports/)"
    )
    parser.add_argument(
        "--min-coverage",
        metavar="SHARE",
        help="exit 1 when the run exercises less than this share of the rules (0.4 or 40%%) or, with "
        "--baseline, less than the baseline run did (--min-coverage 0: only a fall)",
    )
    parser.add_argument(
        "--only",
        metavar="CHECK",
        choices=sorted(CHECKS),
        help="judge only this check (a finding's reproducer); violations of others are left out",
    )
    parser.add_argument(
        "--test",
        metavar="NAME",
        help="run only this test, as a report names it (test_errors::test_unknown_task_is_not_found[live])",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="a previous run's report.json: list new and fixed violations and new drift notices",
    )
    parser.add_argument(
        "--cassettes",
        metavar="DIR",
        help="judge recorded traffic (apimart-proxy --record DIR) instead of a target: no network, no keys",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments (e.g. -k errors)")
    return parser


def _environment(args: argparse.Namespace) -> None:
    """The options as the environment variables the suite reads."""
    for option, env, _, metavar in OPTIONS:
        value = getattr(args, option.lstrip("-").replace("-", "_"))
        if metavar is not None and value is not None:
            os.environ[env] = str(value)
        elif metavar is None and value:
            os.environ[env] = "0" if option == "--no-mock-clock" else "1"
    os.environ.setdefault("HYPOTHESIS_PROFILE", "live")
    os.environ.setdefault("APIMART_CASE", "0")
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(hypothesis_cache()))


def hypothesis_cache(environ: Mapping[str, str] = os.environ) -> Path:
    """Where a run keeps Hypothesis's caches (its Unicode tables, the constants of the code it reads):
    `$XDG_CACHE_HOME/apimart-contract/hypothesis`, else `~/.cache/...`. Hypothesis's own default, a
    `.hypothesis` folder in the working directory, would leave one in every folder a run starts in and
    build the caches again in each (1.7 s of the 3.3 s of a run narrowed to one test).
    `HYPOTHESIS_STORAGE_DIRECTORY` names another place. `environ`: the variables to read."""
    cache = environ.get("XDG_CACHE_HOME", "")
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    base = Path(cache) if os.path.isabs(cache) else home / ".cache"
    return base / "apimart-contract" / "hypothesis"


_OUR_KEYS = ("sk-contract-first", "sk-contract-second")
"""The keys the suite uses on our mock when given none (the same for every team: see `LiveApi.scope`)."""


def _keys_for_our_mock() -> None:
    """Without keys, a target that says it is our mock (`GET /__mock/clock`, asked with the first of them,
    so that a mock behind an admin token answers too: the key's own scope needs no token) gets two of the
    suite's own: a mock started without --api-key takes any token as an account of its own."""
    base_url = os.environ.get("APIMART_BASE_URL", "").rstrip("/")
    if os.environ.get("APIMART_API_KEY") or not base_url:
        return
    try:
        headers = {"Authorization": f"Bearer {_OUR_KEYS[0]}"}
        ours = "now" in httpx.get(f"{base_url}/__mock/clock", headers=headers, timeout=10.0).json()
    except (httpx.HTTPError, ValueError, TypeError):
        return
    if ours:
        os.environ.update(APIMART_API_KEY=_OUR_KEYS[0], APIMART_API_KEY_2=_OUR_KEYS[1])
        print("apimart-contract: the target is our mock: using keys sk-contract-first and -second")


def _test_path(package: str, name: str) -> list[str]:
    """`test_errors::test_x[live]` as the node id pytest selects it by (empty when there is none)."""
    module, _, test = name.partition("::")
    found = sorted(Path(package).glob(f"**/{module}.py"))
    return [f"{found[0]}::{test}"] if found and test else []


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _environment(args)
    if args.cassettes is not None:
        if not os.path.exists(args.cassettes):
            print(f"apimart-contract: --cassettes: no such folder {args.cassettes}", file=sys.stderr)
            return COULD_NOT_RUN
        cassettes = f"--cassettes={os.path.abspath(args.cassettes)}"
        return _run(args, ["--pyargs", CASSETTES, cassettes], plugins=("-p", "_hypothesis_pytestplugin"))
    _keys_for_our_mock()
    from .targets import TargetSettings

    try:
        settings = TargetSettings.from_env()
    except ValueError as exc:
        print(f"apimart-contract: configuration: {exc}", file=sys.stderr)
        return COULD_NOT_RUN
    if isinstance(settings, str):
        print(f"apimart-contract: configuration: {settings}", file=sys.stderr)
        return COULD_NOT_RUN
    try:
        httpx.get(settings.base_url, timeout=10.0)
    except httpx.HTTPError as exc:
        print(f"apimart-contract: cannot reach {settings.base_url}: {exc}", file=sys.stderr)
        return COULD_NOT_RUN
    package = os.path.dirname(os.path.abspath(__file__))
    tests = ["--pyargs", *SUITE] if args.test is None else _test_path(package, args.test)
    if not tests:
        print(f"apimart-contract: no test {args.test} in the suite", file=sys.stderr)
        return COULD_NOT_RUN
    return _run(args, [*tests, "--target=live"])


_PLUGINS = ("-p", "_hypothesis_pytestplugin", "-p", "schemathesis.pytest.plugin")


def _run(args: argparse.Namespace, tests: list[str], plugins: tuple[str, ...] = _PLUGINS) -> int:
    """Run the suite's `tests` under its own settings and plugins; the exit code from its verdict."""
    import pytest

    package = os.path.dirname(os.path.abspath(__file__))
    report_dir = os.path.abspath(args.report_dir)
    report_options = [f"--baseline={os.path.abspath(args.baseline)}"] if args.baseline else []
    report_options += [f"--min-coverage={args.min_coverage}"] if args.min_coverage else []
    report_options += [f"--only={args.only}"] if args.only else []
    report = os.path.join(report_dir, "report.json")
    if os.path.exists(report):
        os.remove(report)  # a report left from an earlier run is no verdict on this one
    code = pytest.main(
        [
            *tests,
            f"--report-dir={report_dir}",
            f"--junitxml={os.path.join(report_dir, 'junit.xml')}",
            *report_options,
            # Exactly the plugins the suite needs, whatever else the environment has installed (and
            # none imported before pytest could rewrite its assertions).
            "--disable-plugin-autoload",
            *plugins,
            *("-p", "apimart_contract.plugin"),  # never registered by the install: only runs that ask
            f"--hypothesis-seed={os.environ['APIMART_CASE']}",  # the case: every example drawn from it
            *("-p", "no:cacheprovider"),
            *("-c", os.path.join(package, "pytest.ini")),  # the suite's own settings, not the folder's
            f"--rootdir={os.path.dirname(package)}",  # tests named apimart_contract/..., wherever installed
            "-q",  # the summary that matters is the contract's own, after the tests
            *args.pytest_args,
        ]
    )
    if int(code) not in (HOLDS, VIOLATIONS) or not os.path.exists(report):
        return COULD_NOT_RUN  # interrupted, a usage error, pytest's own internal error
    with open(report, encoding="utf-8") as file:
        verdict = json.load(file)["verdict"]
    exits = {"holds": HOLDS, "violations": VIOLATIONS, "too-little-covered": VIOLATIONS}
    return exits.get(verdict, COULD_NOT_RUN)


if __name__ == "__main__":
    sys.exit(main())
