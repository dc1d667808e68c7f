"""Conformance: schemathesis over every operation of `openapi.yaml`, with all its checks, positive and
negative data, and the stateful phase that follows the spec's links (submit -> read, upscale, ...).

Against a black-box target the operations that spend (every POST) run only when spending is allowed,
each request through the pacer and the spend budget like every other request of the suite.
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import Case, GenerationMode
from schemathesis.config._checks import (
    POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
    PositiveDataAcceptanceConfig,
)
from schemathesis.core.failures import Failure
from schemathesis.generation.meta import CoverageScenario
from schemathesis.openapi.checks import AllowHeaderMismatch, IgnoredAuth, UnsupportedMethodResponse
from schemathesis.specs.openapi.checks import (
    ensure_resource_availability,
    ignored_auth,
    positive_data_acceptance,
)

from apimart_mj import Parent, submits

from .. import oracle
from ..probe import Probe
from ..profiles import settings_for
from ..registry import (
    ALLOW_HEADER,
    AUTO_MATCHING,
    BAD_KEY_ACCEPTED,
    CONFORMANCE,
    REQUEST_REFUSED,
    UNDECLARED_METHOD,
    VARY_ACCEPTED,
    VERSION_RULES,
    Level,
)
from ..spec import SPEC_PATH, operation_for
from ..strategies import A_PNG
from ..targets import Target
from ..violations import ContractViolation, Violation, attach, json_path

SCHEMA = schemathesis.openapi.from_path(SPEC_PATH)
# Cases carry no credentials of their own: the suite sends the target's key, and the `ignored_auth` check
# re-sends each request without and with invalid credentials itself.
SCHEMA.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], with_security_parameters=False
)
SCHEMA.config.checks.update(included_check_names=["all"])
# Links lead to follow-ups on tasks that have not finished (or left MODAL) yet: the API answers those
# 400, as the spec's BadRequest response documents ("a parent task not in SUCCESS"); that is no
# rejection of valid data. Only in the stateful phase: elsewhere a valid request must not get a 400.
SCHEMA.config.phases.stateful.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=[*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "400"]
)
# Negative data is the per-operation test's job; mutated link values (a `task_id` that no longer is the
# linked one) make the stateful resource checks report a resource "not found" that was never linked.
SCHEMA.config.phases.stateful.generation.update(modes=[GenerationMode.POSITIVE])


FOLLOW_UP_ACTIONS = {
    op.route.path: str(op.action) for op in submits() if op.parent in (Parent.BUTTON, Parent.INDEX)
}
"""The follow-up endpoints (a button's or an image's action each) whose 400s the stateful phase judges."""

NOT_JUDGED = {"uploadImage": [positive_data_acceptance]}
"""Checks that cannot judge an operation. An upload's `file` is binary in the spec, which cannot say the
bytes must be an image; schemathesis's schema-valid files are random bytes, which the service rightly
refuses (400). `test_a_real_image_upload_is_accepted` checks the acceptance instead."""


SCHEMA_CASES_SHARE = 0.3
"""The share of the wall time the per-operation cases may take, so they never crowd out the free rules
and the paid phase after them."""


REGISTERED = {
    UnsupportedMethodResponse: UNDECLARED_METHOD,
    AllowHeaderMismatch: ALLOW_HEADER,
    IgnoredAuth: BAD_KEY_ACCEPTED,
}
"""schemathesis failures with a check of their own in the registry; every other one is `conformance`."""


def _auth(target: Target) -> dict[str, str]:
    return {"Authorization": f"Bearer {target.api_keys[0]}"}


def _violations(
    exc: BaseExceptionGroup[Any], case: Case[Any], status: int | None, target: Target
) -> list[Violation]:
    """schemathesis failures as `Violation`s, with its curl line as the reproducer. Whatever a method the
    spec does not declare answers (a 501, a 402) is HTTP hygiene: every failure of such a request without
    a check of its own is an `undeclared-method` warning."""
    curl = case.as_curl_command().replace("[Filtered]", f"Bearer {target.key_reference(0)}")
    data = case.meta.phase.data if case.meta is not None else None
    undeclared = getattr(data, "scenario", None) == CoverageScenario.UNSPECIFIED_HTTP_METHOD
    found = []
    for failure in exc.exceptions:
        if isinstance(failure, Failure):
            instance = getattr(failure, "instance", None)
            message = failure.message.strip().splitlines()[0][:200] if failure.message.strip() else ""
            found.append(
                Violation(
                    check=(
                        REGISTERED.get(type(failure)) or (UNDECLARED_METHOD if undeclared else CONFORMANCE)
                    ).name,
                    operation=failure.operation or f"{case.method} {case.path}",
                    status=status,
                    field=json_path(getattr(failure, "instance_path", None) or []),
                    expected=f"{failure.code} {failure.title}: {message}",
                    received=f"HTTP {status}"
                    if instance is None
                    else json.dumps(instance, ensure_ascii=False)[:200],
                    reproducer=curl,
                    target=target.name,
                )
            )
    return found


def _judge(exc: BaseExceptionGroup[Any], case: Case[Any], status: int | None, target: Target) -> None:
    """Raise the failures that fail the run (violations; warnings too with `--strict-warnings`), carrying
    their `Violation`s; note the rest as the target's findings."""
    found = _violations(exc, case, status, target)
    failing = [
        v
        for v in found
        if v.level is Level.VIOLATION or (v.level is Level.WARNING and target.strict_warnings)
    ]
    for violation in found:
        if violation not in failing:
            target.findings.note(violation, f"{violation.operation}: {violation.expected[:80]}")
    if failing or not found:
        raise attach(exc, failing) from None


def _judged(case: Case[Any], target: Target) -> None:
    """The rules schemathesis's checks judge with this case (coverage; failures come as violations)."""
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    data = case.meta.phase.data if case.meta is not None else None
    if getattr(data, "scenario", None) == CoverageScenario.UNSPECIFIED_HTTP_METHOD:
        judged = [UNDECLARED_METHOD, ALLOW_HEADER]
    else:
        judged = [CONFORMANCE, *([] if target.accepts_any_key else [BAD_KEY_ACCEPTED])]
    for check in judged:
        target.findings.judge(check, operation)


def _judge_refusal(case: Case[Any], response: Any, target: Target) -> None:
    """The stateful phase accepts a 400 to a follow-up (a linked parent may not have finished), but only
    for a reason the reference gives (`oracle.refusal_allowed`): a refused high variation on a grid is a
    violation here as anywhere, and so is a pan or remix refused on a parent whose version allows it (the
    parent is read for those)."""
    action = FOLLOW_UP_ACTIONS.get(case.formatted_path)
    if response.status_code != 400 or action is None:
        return
    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text
    body = case.body if isinstance(case.body, dict) else {}
    by_custom_id = "custom_id" in body
    parent = None
    if oracle.needs_parent(action, message, by_custom_id=by_custom_id):
        read = Probe(target).mj(str(body.get("task_id")))
        parent = read.body if read.status == 200 else None
    check = VERSION_RULES if parent else VARY_ACCEPTED if action in oracle.VARIES_ANY else AUTO_MATCHING
    target.findings.judge(check, f"{case.method} {case.formatted_path}")
    if not oracle.refusal_allowed(action, message, by_custom_id=by_custom_id, parent=parent):
        curl = case.as_curl_command().replace("[Filtered]", f"Bearer {target.key_reference(0)}")
        found = Violation(
            check.name,
            f"{case.method} {case.operation.path}",
            400,
            "$.error.message",
            f"HTTP 200 creating a {action} task, or a 400 the reference gives (parent not finished, ...)",
            message[:200],
            curl,
            target.name,
        )
        target.findings.raised.append(found)
        raise ContractViolation(found)


def _excluded(case: Case[Any], target: Target) -> list[Any]:
    """Checks that cannot judge this case: `NOT_JUDGED`, and `ignored_auth` against our mock accepting
    any token (as it documents; the skip is in the report)."""
    excluded: list[Any] = [*NOT_JUDGED.get(case.operation.definition.raw["operationId"], [])]
    if target.accepts_any_key:
        target.findings.skip(BAD_KEY_ACCEPTED, f"{target.name}: our mock accepting any token")
        excluded.append(ignored_auth)
    return excluded


def _point(schema: Any, target: Target) -> None:
    """Point a schema at `target`: an in-process target is called as a WSGI app, for the cases and the
    checks' own requests alike (`ignored_auth` re-sends through the schema's transport), any other over
    HTTP. The key is configured, not only passed, so `ignored_auth` knows it is the real one."""
    schema.app = target.wsgi_app
    schema.config.update(headers=_auth(target))


def _route(case: Case[Any], target: Target) -> dict[str, Any]:
    """Point the case's schema at `target` and return the call's keyword arguments."""
    _point(case.operation.schema, target)
    kwargs = {"headers": _auth(target), "base_url": target.base_url}
    return kwargs if target.wsgi_app is None else {**kwargs, "app": target.wsgi_app}


def _call_and_validate(case: Case[Any], target: Target) -> None:
    """One schemathesis case against `target`: paced, within the budget, all checks."""
    spends = _spends(case)
    target.pacer.before(case.method, case.formatted_path)
    if spends:
        target.budget.reserve(f"{case.method} {case.formatted_path}")
    response = None
    kwargs = _route(case, target)
    try:
        response = case.call(**kwargs)
    finally:
        if spends:
            target.budget.settle(response is not None and 200 <= response.status_code < 300)
    _judged(case, target)
    try:
        # The same transport for the checks' own requests (ignored_auth re-sends without credentials).
        case.validate_response(
            response,
            headers=_auth(target),
            transport_kwargs=kwargs,
            excluded_checks=_excluded(case, target),
        )
    except BaseExceptionGroup as exc:
        _judge(exc, case, response.status_code, target)


def _spends(case: Case[Any]) -> bool:
    operation = operation_for(case.method, case.formatted_path)
    return operation is not None and operation.spends


def _require(case: Case[Any], target: Target) -> None:
    target.require_time()
    if _spends(case):
        target.require_spend()


@SCHEMA.parametrize()
def test_operation_conforms(case: Case[Any], target: Target) -> None:
    """Every case, except that a target where submits cost money gets only the invalid ones of a
    spending operation (each valid one would be a billed task; the lifecycle machine and the links
    test submit valid ones within the budget)."""
    _require(case, target)
    used = target.wall.seconds - target.wall.remaining
    if used > SCHEMA_CASES_SHARE * target.wall.seconds:
        pytest.skip(f"{target.name}: schema cases used their {SCHEMA_CASES_SHARE:.0%} of the wall time")
    positive = case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE
    if _spends(case) and positive and not target.free:
        return
    _call_and_validate(case, target)


def test_links_conform(target: Target, paid_phase: object) -> None:
    """The stateful phase: sequences of calls along the spec's links, with the stateful checks.

    Except `ensure_resource_availability`: schemathesis 4.32.5 sometimes sends a follow-up with a
    generated `task_id` instead of the one the `requestBody` link names, then reports ST302 "created
    resource not found" for it (seen on upscale and modal), a false alarm about the target. The
    lifecycle state machine checks that every created task is readable instead. It spends what the
    planned paid phase (`paid_phase`) leaves."""
    target.require_spend()
    target.require_time()
    _point(SCHEMA, target)

    class Links(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return _route(case, target)

        def before_call(self, case: Case[Any]) -> None:
            _require(case, target)  # skips the rest of the run once the budget is used up
            target.pacer.before(case.method, case.formatted_path)
            if _spends(case):
                target.budget.reserve(f"{case.method} {case.formatted_path}")

        def after_call(self, response: Any, case: Case[Any]) -> None:
            super().after_call(response, case)
            if _spends(case):
                target.budget.settle(200 <= response.status_code < 300)

        def validate_response(
            self, response: Any, case: Case[Any], additional_checks: Any = None, **kwargs: Any
        ) -> None:
            _judged(case, target)
            _judge_refusal(case, response, target)
            try:
                case.validate_response(
                    response,
                    additional_checks=additional_checks,
                    excluded_checks=[ensure_resource_availability, *_excluded(case, target)],
                    transport_kwargs=kwargs or None,
                    recorder=self.recorder,
                )
            except BaseExceptionGroup as exc:
                _judge(exc, case, response.status_code, target)

    base = settings_for(target)
    run_state_machine_as_test(
        Links, settings=hypothesis.settings(base, max_examples=max(1, base.max_examples // 5))
    )


def test_a_real_image_upload_is_accepted(target: Target) -> None:
    """What `NOT_JUDGED` leaves out for uploads: valid data (an image) gets a 200 and a URL."""
    target.require_time()
    probe = Probe(target)
    exchange = probe.request("POST", "/v1/uploads/images", files={"file": ("pixel.png", A_PNG, "image/png")})
    if exchange.status != 200 or not exchange.body.get("url"):
        raise probe.violation(exchange, REQUEST_REFUSED, "$", "HTTP 200 with the image's url", exchange.body)
