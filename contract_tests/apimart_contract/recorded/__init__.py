"""Recorded traffic judged offline: `apimart-contract --cassettes DIR`."""
