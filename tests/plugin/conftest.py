"""The plugin tests run pytest inside pytest for the usage errors."""

pytest_plugins = ["pytester"]
