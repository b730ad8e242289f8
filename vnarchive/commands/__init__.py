"""One module per command group of the ``vnarchive`` command."""
