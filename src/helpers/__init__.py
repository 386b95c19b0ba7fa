"""Steering workbench for Danish specialised social services: ingestion, warehouse and analyses."""

__version__ = "0.1.0"
