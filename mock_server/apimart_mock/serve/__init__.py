"""Running a mock and talking to a running one: `apimart-mock` (`cli`), serving a `MockConfig` with granian
(`server`, needs the `[mock]` extra, imported only by `serve`), the control commands' HTTP client
(`remote`), and recorded traffic (`cassettes`): replayed against a fresh mock (`fidelity`) or seeded into
a running one (`apimart-mock tasks seed`)."""
