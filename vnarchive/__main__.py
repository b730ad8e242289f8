"""Run the ``vnarchive`` command as ``python -m vnarchive``."""

from vnarchive.cli import main

main()
