"""The Scrapy project: one generic spider, page objects, pipelines, WARC capture."""
