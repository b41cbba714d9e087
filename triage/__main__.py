"""Run triage with ``python -m triage``."""

from triage.cli import main

raise SystemExit(main())
