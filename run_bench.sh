#!/usr/bin/env bash
# Run every benchmark and print one table, installing tradeloop[test] into ./.venv first if needed.
# Arguments go to `python -m bench`: --quick (tiny sizes), --only engine,http,..., --markdown docs/benchmarks.md, --strict,
# --profile DIR (py-spy profiles of the engine and the server under load; needs `pip install -e .[bench]`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source scripts/bootstrap.sh
tradeloop_bootstrap test
exec python -m bench "$@"
