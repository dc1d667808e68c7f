"""Hypothesis profiles for every test folder, chosen by `HYPOTHESIS_PROFILE=dev|ci|nightly|live`: defined
by the contract suite's plugin (`contract_tests.profiles`); `dev` when none is named."""

from __future__ import annotations

import os

from hypothesis import settings

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

pytest_plugins = ["pytester"]  # tests/plugin runs pytest inside pytest
