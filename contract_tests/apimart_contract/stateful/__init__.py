"""The task lifecycle as a `RuleBasedStateMachine` over a target."""
