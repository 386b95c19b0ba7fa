"""Reports: one module per notebook, reading the marts and building its sections, figures and Danish text."""
