"""Steering workbench for Danish specialised social services: ingestion, warehouse and analyses."""

import sys

__version__ = "0.1.0"

# jsonschema (imported by Altair and nbformat) imports rfc3987_syntax when it is installed (jupyter-events asks for it),
# and that builds some 35 Earley parsers for IRIs at import: 1.2 s of every report kernel's start, for a format no
# schema here uses (python-jsonschema/jsonschema#1428). Marked missing, jsonschema leaves the `iri` formats unchecked.
sys.modules.setdefault("rfc3987_syntax", None)
