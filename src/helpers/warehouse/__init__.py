"""Warehouse: build the DuckDB warehouse from the extracts and the layered SQL views, and read its marts."""
