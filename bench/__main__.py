"""``python -m bench``: run the benchmarks and print the table (see bench/run.py)."""

import sys

from bench.run import main

sys.exit(main())
