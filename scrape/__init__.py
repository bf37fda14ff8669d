"""Stage 1: the BLS Occupational Outlook Handbook -> data.db.

Reads the OOH A-Z index and every occupation page (from bls.gov, a mirror of
it, or pages saved from a browser), keeps the raw pages in a local cache and
writes what they say into SQLite tables. Run ``python -m scrape --help``.
"""
