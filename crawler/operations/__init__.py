"""Crawl operations: what starts, schedules, dispatches and checks crawls, with or without the web app."""
