#!/usr/bin/env bash
# Check types (mypy --strict on the package and the tests) and the import contracts, then run the test suite, installing
# tradeloop[test] into ./.venv first if needed; arguments go to pytest. --contract-sweep runs the larger contract sweep.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [[ "${1:-}" == --contract-sweep ]]; then  # the larger schemathesis sweep alone (scripts/contract_sweep.sh)
    shift
    exec scripts/contract_sweep.sh "$@"
fi
source scripts/bootstrap.sh
tradeloop_bootstrap test
tradeloop_system_tools curl=curl jq=jq chromium=chromium  # the documented examples run curl and jq; the HTML reports' test, chromium
python -m mypy
lint-imports --no-cache  # the package's layers: the [importlinter] contracts in setup.cfg
exec python -m pytest "$@"
