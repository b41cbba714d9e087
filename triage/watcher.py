"""Watch the inbox folder with watchdog and call back with complete files. Knows nothing of Textual.

INTERFACE STUB: the ingest helper implements it.
"""
