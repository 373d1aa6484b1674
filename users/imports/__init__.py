"""Imports of other services' exports: parsers that read rows (letterboxd.py, imdb.py, rows.py), the catalog
matching (matching.py) and the service that writes them in batches (services.py)."""
