"""Benchmark support: a seeded reference trace of blog views and the cost model that prices a run."""
