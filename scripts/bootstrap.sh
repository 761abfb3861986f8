# shellcheck shell=bash
# Put a Python with tradeloop installed first on PATH: sourced by start_server.sh, run_tests.sh, run_bench.sh.
#
# Usage (from the repository root):  source scripts/bootstrap.sh; tradeloop_bootstrap [EXTRA]
# EXTRA is an extras_require name from setup.cfg ("test", or several: "test,bench"), or empty for the server alone.
# An active conda env that already has tradeloop (and the extra's modules) installed is used as it is;
# otherwise ./.venv is created if missing and `pip install -e .[EXTRA]` runs when setup.cfg or
# pyproject.toml is newer than the stamp left by the last install, or the checkout moved.

# Install Debian packages whose commands are missing (the documented examples run curl and jq): as root with apt-get
# only; elsewhere, name what is missing and go on, so the tests that need it fail saying what they lack.
# Usage: tradeloop_system_tools COMMAND=PACKAGE...
tradeloop_system_tools() {
    local pair missing=()
    for pair in "$@"; do
        command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing ${missing[*]} with apt-get" >&2
        if (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 \
                 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; }); then
            return 0
        fi
    fi
    echo "bootstrap: missing ${missing[*]}; install them to run every test" >&2
}

tradeloop_bootstrap() {
    local extra="${1:-}" spec="." modules="tradeloop"
    if [[ -n "$extra" ]]; then
        spec=".[$extra]"
    fi
    if [[ "$extra" == test ]]; then
        modules="tradeloop, pytest, pytest_asyncio, pytest_aiohttp, xdist, hypothesis, alpaca, mypy, importlinter, schemathesis, playwright"
    fi

    if [[ -n "${CONDA_PREFIX:-}" ]] && python -c "
import importlib.metadata
importlib.metadata.version('tradeloop')
import $modules" >/dev/null 2>&1; then
        return 0
    fi

    local venv="$PWD/.venv"
    local stamp="$venv/.tradeloop-installed${extra:+-$extra}"
    if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
        echo "bootstrap: creating $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
    if [[ ! -f "$stamp" || setup.cfg -nt "$stamp" || pyproject.toml -nt "$stamp" \
          || "$(cat "$stamp")" != "$PWD" ]]; then
        echo "bootstrap: installing tradeloop${extra:+[$extra]} into $venv" >&2
        local log
        if ! log="$(PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet -e "$spec" 2>&1)"; then
            printf '%s\n' "$log" >&2
            echo "bootstrap: pip install -e $spec failed" >&2
            return 1
        fi
        printf '%s\n' "$PWD" >"$stamp"
        if [[ -n "$extra" ]]; then
            cp "$stamp" "$venv/.tradeloop-installed"
        fi
    fi
    export VIRTUAL_ENV="$venv"
    export PATH="$venv/bin:$PATH"
    hash -r
}
