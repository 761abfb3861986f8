#!/usr/bin/env bash
# Check types (mypy --strict on the package and the tests) and the import contracts, then run the test suite, installing
# tradeloop[test] into ./.venv first if needed; arguments go to pytest. --contract-sweep runs the larger contract sweep.
# The tests run on two pytest-xdist workers (see tradeloop_test_workers below) unless the caller says otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [[ "${1:-}" == --contract-sweep ]]; then  # the larger schemathesis sweep alone (scripts/contract_sweep.sh)
    shift
    exec scripts/contract_sweep.sh "$@"
fi

# Whether pytest gets two workers: not when the caller chose (-n, --dist, -p no:xdist), wants what only one process
# gives (-s shows prints, --pdb and --trace stop in a debugger), or named no more than one test file.
tradeloop_test_workers() {
    local arg path named=0 files=0
    for arg in "$@"; do
        case "$arg" in
            -n* | --numprocesses* | --dist* | no:xdist | -pno:xdist | -s | --capture=no | --pdb | --trace) return 1 ;;
            -*) continue ;;
        esac
        path="${arg%%::*}"
        if [[ -d "$path" ]]; then
            named=1
            files=$((files + $(find "$path" -name 'test_*.py' | wc -l)))
        elif [[ -f "$path" ]]; then
            named=1
            files=$((files + 1))
        fi
    done
    [[ $named -eq 0 || $files -gt 1 ]]
}

source scripts/bootstrap.sh
tradeloop_bootstrap test
tradeloop_system_tools curl=curl jq=jq chromium=chromium  # the documented examples run curl and jq; the HTML reports' and the dashboard's tests, chromium
python -m mypy
lint-imports --no-cache  # the package's layers: the [importlinter] contracts in setup.cfg
# Bytecode caches (the gitignored __pycache__ folders): without them each worker, and each server and journal
# writer the tests start, compiles the package and rewrites the tests' asserts anew, every run.
unset PYTHONDONTWRITEBYTECODE
workers=()
if tradeloop_test_workers "$@"; then
    # A file at a time on each worker (--dist loadfile): a module's fixtures that start a server start it once, and
    # a module's tests that read what its earlier tests counted (the contract sweep's coverage) run in one process.
    workers=(-n 2 --dist loadfile)
fi
exec python -m pytest "${workers[@]}" "$@"
