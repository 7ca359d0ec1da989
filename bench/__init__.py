"""Benchmarks (not tests): a synthetic profile generator and timings of import, index, suggestions and HTTP.

Run ``python -m bench --sizes 1000,10000,100000 --out results.json`` (see ``python -m bench --help``).
"""
