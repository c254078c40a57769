"""Django for a measurement module run on its own (measure_cti.py, measure_reports.py): on the benchmark's
database — DATABASE_URL, whose name must contain "bench", or SQLite in HOTLINE_DATA_DIR (default
benchmarks/data/<default_dir>/) — never the development database in var/."""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def configure(tool: str, default_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    url = os.environ.get("DATABASE_URL", "")
    if url:
        name = urlsplit(url).path.lstrip("/")
        if "bench" not in name:
            sys.exit(f"{tool}: DATABASE_URL names the database {name!r}: use one with 'bench' in its name "
                     "(the run writes into it)")
    data_dir = Path(os.environ.get("HOTLINE_DATA_DIR") or BENCH_DIR / "data" / default_dir)
    os.environ["HOTLINE_DATA_DIR"] = str(data_dir)
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    for path in (str(ROOT), str(BENCH_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
