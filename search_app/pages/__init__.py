"""The HTML pages of the web app, one router module per page group."""
