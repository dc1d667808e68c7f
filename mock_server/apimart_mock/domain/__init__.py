"""The mock's domain core: tasks, their lifecycle, buttons, accounts and errors.

Nothing here imports Flask, a store, the server's options (`config`) or the wall clock: time arrives as
a `now` value and randomness as a seeded `random.Random`, so every rule can be tested as a plain
function call (tests/mock_server/test_layers.py holds the imports; docs/architecture.md).
"""
