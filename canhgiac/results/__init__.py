"""Results for trainers: what the anonymous quiz attempts say, for a chosen period.

Modules: ``period`` (the dates asked for, in local time, and their UTC bounds and weeks),
``queries`` (every aggregate, in SQL through SQLAlchemy Core, the same on SQLite and
PostgreSQL), ``discrimination`` (how well a question separates strong from weak results),
``privacy`` (small-number protection: the one place where a figure computed from fewer than 5
attempts becomes "fewer than 5"), ``figures`` (the tables shown on the pages, in the CSV files
and in the PDF report, built once from the queries), ``charts`` (inline SVG drawn on the
server), ``csv`` (the CSV downloads) and ``report`` (the one-page PDF for the commune).
See docs/results.md.
"""
