"""``python -m desktop``: start ClinRef."""

import sys

from desktop.app import main

sys.exit(main())
