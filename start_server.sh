#!/usr/bin/env bash
# Start the tradeloop server, installing it into ./.venv first if needed; flags go to `tradeloop serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source scripts/bootstrap.sh
tradeloop_bootstrap
exec python -m tradeloop serve "$@"
