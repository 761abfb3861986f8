#!/usr/bin/env bash
# Run every benchmark and print one table, installing tradeloop[test] into ./.venv first if needed
# (tradeloop[test,bench] with --profile, which needs py-spy).
# Arguments go to `python -m bench`: --quick (tiny sizes), --only engine,http,..., --markdown docs/benchmarks.md, --strict,
# --profile DIR (py-spy profiles of the engine and the server under load, after the measured rounds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source scripts/bootstrap.sh
extra=test
for argument in "$@"; do
    if [[ "$argument" == --profile || "$argument" == --profile=* ]]; then
        extra=test,bench
    fi
done
tradeloop_bootstrap "$extra"
exec python -m bench "$@"
