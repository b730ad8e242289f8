"""The one PortalSpider lives here."""
