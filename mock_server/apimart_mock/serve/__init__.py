"""Running a mock and talking to a running one: `apimart-mock` (`cli`), serving a `MockConfig` with granian
(`server`, needs the `[mock]` extra, imported only by `serve`), and the control commands' HTTP client
(`remote`)."""
