#!/usr/bin/env bash
# Refresh the third-party files of the dashboard (tradeloop/http/ui/vendor/) from the npm registry.
#
# Usage (from anywhere):  scripts/vendor_ui.sh [VERSION]
# VERSION is lightweight-charts' version (default: the one in VERSIONS). `npm pack` fetches the package's tarball
# and checks its integrity; the standalone production ES module and the licence are copied, and VERSIONS records
# the name, version, tarball URL and sha512 integrity. The server serves the files itself: nothing is fetched at run time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="$root/tradeloop/http/ui/vendor"
name="lightweight-charts"
version="${1:-$(awk -v n="$name" '$1 == n { print $2 }' "$vendor/VERSIONS" 2>/dev/null || true)}"
version="${version:-5.2.1}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent --json "$name@$version" >pack.json)
tarball="$(cd "$work" && python3 -c 'import json; print(json.load(open("pack.json"))[0]["filename"])')"
integrity="$(cd "$work" && python3 -c 'import json; print(json.load(open("pack.json"))[0]["integrity"])')"
url="$(cd "$work" && npm view --silent "$name@$version" dist.tarball)"
tar -xzf "$work/$tarball" -C "$work"

target="$vendor/$name"
rm -rf "$target"
mkdir -p "$target"
cp "$work/package/dist/$name.standalone.production.mjs" "$target/$name.mjs"
cp "$work/package/LICENSE" "$target/LICENSE"

cat >"$vendor/VERSIONS" <<EOF
# Vendored front-end files of /app and /admin, refreshed by scripts/vendor_ui.sh; one line each:
# name version tarball integrity
$name $version $url $integrity
EOF
echo "vendored $name $version into $target"
