"""triage: a terminal app to triage diplomatic cables from a shared inbox."""

__version__ = "0.1.0"
