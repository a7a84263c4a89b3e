"""Benchmarks at content scale: a synthetic corpus generator and one command that prints the table.

``python -m bench`` runs everything (see ``bench/README.md``); ``python -m bench.generate DIR``
writes a synthetic corpus in the same source format as ``resources/content``.
"""
