"""Benchmarks of Lifeboat against pg_dump / pg_restore: `make bench`."""
