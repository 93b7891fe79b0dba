#!/usr/bin/env bash
# Runs every test of the solution, installing first what the tests need when it is missing.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

# Tests that use the real-data corpus find it here; without it they say they are skipped and why.
export CLEISS_SHARED_DATA="${CLEISS_SHARED_DATA:-$root/../shared/data}"

# Debian packages the tests use (xmllint: the schema pack is also checked by libxml2;
# xmlsec1: business signatures are cross-checked with libxmlsec1 in both directions;
# kcat and nodejs/npm: the hub's Kafka records are read and Avro-decoded by independent tools).
apt_packages=(libxml2-utils xmlsec1 kcat)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The Node.js avsc package (decodes the hub's Avro records with the project's .avsc files), in the build folder.
if [ ! -d "$root/artifacts/node/node_modules/avsc" ]; then
  echo "test.sh: installing avsc (npm) under artifacts/node"
  mkdir -p "$root/artifacts/node"
  timeout 300 npm install --prefix "$root/artifacts/node" --no-audit --no-fund --silent avsc@5.7.9 >/dev/null || echo "test.sh: npm install avsc failed; the independent-reader test will say it is skipped"
fi

log="$root/artifacts/test-output.log"
mkdir -p "$root/artifacts"
status=0
dotnet test "$root/Cleiss.Exchange.sln" -c Release --nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line over every test project: "Total: N passed, N failed, N skipped".
passed=0; failed=0; skipped=0
while read -r f p s; do
  failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s))
done < <(sed -n 's/.*- Failed: *\([0-9]*\), Passed: *\([0-9]*\), Skipped: *\([0-9]*\),.*/\1 \2 \3/p' "$log")
echo "Total: $passed passed, $failed failed, $skipped skipped"
exit $status
