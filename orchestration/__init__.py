"""asyncwfm orchestration: Dagster definitions and the ``asyncwfm`` command line."""

import os

# Quiet, offline-friendly defaults for the libraries we drive (set before they are imported).
for _name, _value in {
    "GX_ANALYTICS_ENABLED": "false",
    "TQDM_DISABLE": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ.setdefault(_name, _value)
