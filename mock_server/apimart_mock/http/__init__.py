"""The HTTP face of the mock: Flask blueprints that translate requests into service calls and back."""
