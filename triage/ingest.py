"""Inbox files -> parse -> merge sections and copies -> store. One code path for CLI and app.

INTERFACE STUB: the ingest helper implements it.
"""
