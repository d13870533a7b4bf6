"""End-to-end tests in headless Chromium (see docs/testing.md).

A package, so that its conftest.py and browserkit.py are imported as `browser.*` and never
shadow tests/conftest.py, which other test modules import as `conftest`.
"""
