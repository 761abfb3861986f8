#!/usr/bin/env bash
# The larger contract sweep: tests/e2e/test_contract_sweep.py (schemathesis against a real server) with more
# generated calls per operation, about 50,000 in all. CONTRACT_SWEEP_EXAMPLES sets the examples per operation
# (1000 by default; ./run_tests.sh runs 40); other arguments go to pytest. docs/contract.md has the figures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
tradeloop_bootstrap test
export CONTRACT_SWEEP_EXAMPLES="${CONTRACT_SWEEP_EXAMPLES:-1000}"
exec python -m pytest tests/e2e/test_contract_sweep.py -p no:cacheprovider -q -s "$@"
