"""The contract suite: does a target (the mock, or the live API) honour `openapi.yaml`?

Where things go (a new test goes in the first folder that fits):

- `properties/`  one property of the contract per file, each run against every selected target
  (decoding, customIds, errors, schemathesis conformance).
- `stateful/`    the `RuleBasedStateMachine` over a target's task lifecycle.
- `test_self_check.py`  the suite's own checks against deliberately broken servers: proof it can fail.

Shared pieces are modules of this package, one job each: `registry` (every check: name, level, what it
verifies), `oracle` (the documented tables as data), `spec` (the contract, loaded once), `targets`
(what the suite talks to), `probe` (checked HTTP calls), `session` (judges exchanges, whoever made them),
`checks` (the invariants, the `Observer` of every read, drift notices), `strategies`, `pacing` (rate
limit, poll spacing, spend budget, wall time), `report` (the terminal summary and report files), `plugin`
(the pytest plugin) and `cli` (`apimart-contract`). See `docs/contract-suite.md`.
"""
