"""Benchmarks: each module prints muniops' figure beside a named reference's, measured in
the same run. Run one with `python -m bench.<name>`, all with `make bench`. Not tests."""
