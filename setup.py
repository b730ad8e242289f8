"""Kept for ``scrapyd-deploy``, which runs ``setup.py bdist_egg``: everything is in pyproject.toml."""

from setuptools import setup

setup()
