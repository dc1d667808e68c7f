"""`python -m apimart_mock`: the `apimart-mock` CLI (`serve` names the [mock] extra when it is missing)."""

import sys

from .serve.cli import main

if __name__ == "__main__":
    sys.exit(main())
