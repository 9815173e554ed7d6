"""Ingestion: landing files into the ``raw`` and ``audit`` schemas (see docs/raw-layer.md)."""
