"""vnarchive: crawl, archive and search the web portals of Vietnamese local government."""

__version__ = "0.1.0"
