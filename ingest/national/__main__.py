"""``python -m ingest.national --out DIR [--small]``: write the SYNTHETIC national dataset;
``--transactions YEAR [--lines N]``: one year at transaction level instead."""

from ingest.national.dataset import main

raise SystemExit(main())
