"""One property of the contract per file, each run against every selected target (or none: decoding)."""
