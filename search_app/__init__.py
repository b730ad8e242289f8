"""The web app: search, article, export and admin pages, JSON API, scheduler."""
