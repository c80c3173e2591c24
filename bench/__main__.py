"""`python -m bench` (= `make bench`): the end-to-end pipeline benchmark, see bench/bench_pipeline.py."""

import sys

from bench.bench_pipeline import main

sys.exit(main())
