"""``python -m ingest.national --out DIR [--small]``: write the SYNTHETIC national dataset."""

from ingest.national.dataset import main

raise SystemExit(main())
