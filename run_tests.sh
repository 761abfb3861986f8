#!/usr/bin/env bash
# Run the test suite, installing tradeloop[test] into ./.venv first if needed; arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source scripts/bootstrap.sh
tradeloop_bootstrap test
exec python -m pytest "$@"
