"""Page objects: BeautifulSoup4 extraction per CMS family, plus a generic fallback."""
