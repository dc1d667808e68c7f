"""`make bench`: the mock's throughput and latency side by side with Prism and a hello-world ceiling.

Run as `python -m bench`. It installs what it needs (Prism from npm into `.bench/prism`, `wrk` from apt
when missing), serves our mock as `make mock` does, Prism on the same spec and two hello-world ceilings
(bare WSGI and Flask) under the mock's gunicorn settings, loads them one at a time with one wrk script
and one set of settings, and writes `BENCHMARKS.md`. What limits the mock, and what was done about
it, is in `bench/FINDINGS.md`. Only ratios within one run mean anything: wrk
shares the machine's cores.
"""
