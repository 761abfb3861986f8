#!/usr/bin/env bash
# Check types (mypy --strict on the package and the tests), then run the test suite, installing
# tradeloop[test] into ./.venv first if needed; arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source scripts/bootstrap.sh
tradeloop_bootstrap test
python -m mypy
exec python -m pytest "$@"
