"""Publishing: what leaves the warehouse.

The annual indicator submission (``annual_submission``: one GX gate per year, the decision per
institution), the versioned extract folders (``extract``), their CSV/XLSX tables
(``extract_content``) and reports (``extract_report``). It reads only dbt's public export
models (schema ``exports``; ``publish/sql/``) and computes no measure itself; ``ingest/`` keeps
intake and portal loading.
"""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"
