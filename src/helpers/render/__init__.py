"""Render: charts, tables with small-count suppression, workbooks, Danish number formats and the papermill batch."""
