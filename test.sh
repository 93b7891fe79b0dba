#!/usr/bin/env bash
# Runs every test of the solution, installing first what the tests need when it is missing.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

# Tests that use the real-data corpus find it here; without it they say they are skipped and why.
export CLEISS_SHARED_DATA="${CLEISS_SHARED_DATA:-$root/../shared/data}"

# Debian packages the tests use (xmllint: the schema pack is also checked by libxml2).
apt_packages=(libxml2-utils)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

results="$root/artifacts/test-results"
rm -rf "$results"
status=0
dotnet test "$root/Cleiss.Exchange.sln" -c Release --nologo \
  --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line over every test project: "Total: N passed, N failed, N skipped".
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { v=$(echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"); echo "${v:-0}"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout)))
  skipped=$((skipped + $(value notExecuted)))
done
echo "Total: $passed passed, $failed failed, $skipped skipped"
exit $status
