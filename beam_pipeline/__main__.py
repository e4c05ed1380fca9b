"""`python -m beam_pipeline ...` runs the job (see `--help`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
