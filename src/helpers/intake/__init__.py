"""Intake: read raw extracts (CSV, XLSX) as systems deliver them, validate every row, pseudonymise CPR numbers."""
