"""Beneficiary import, the whole pipeline: the column layout, reading CSV/XLSX with encoding
detection, row validation in worker processes (``pipeline``), the template and the error
report need no database; ``run`` stages and applies a file set-based, ``bulkload`` loads a
province's first file straight into the registry, ``jobs`` runs an upload in the background,
and ``views``/``urls``/``account_change_views`` are its pages.
"""
