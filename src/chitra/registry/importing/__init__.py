"""Beneficiary import, the parts that need no database: the column layout, reading CSV/XLSX
with encoding detection, row validation, the template and the error report.

The database side (staging, set-based apply, jobs) is :mod:`chitra.registry.importing.run`.
"""
