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

# PostgreSQL for the store compliance suite: the image's cluster (15/main), started when down, with a role and a
# database of their own for this run, dropped at the end. Without it those tests are skipped with the reason.
if [ "$(id -u)" -eq 0 ]; then as_postgres=(su postgres -s /bin/sh -c); else as_postgres=(sudo -u postgres sh -c); fi
if [ -z "${CLEISS_TEST_POSTGRES:-}" ]; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test.sh: installing postgresql"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 300 $sudo apt-get install -y -qq postgresql >/dev/null || true
  fi
  pg_version="$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1}')"
  pg_cluster="$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $2}')"
  pg_port="$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $3}')"
  if [ -n "$pg_version" ] && ! pg_lsclusters -h | awk 'NR==1 {print $4}' | grep -q online; then
    if [ "$(id -u)" -eq 0 ]; then timeout 60 pg_ctlcluster "$pg_version" "$pg_cluster" start || true
    else timeout 60 sudo pg_ctlcluster "$pg_version" "$pg_cluster" start || true; fi
  fi
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "${pg_port:-5432}" 2>/dev/null && break
    sleep 1
  done
  if [ -n "$pg_version" ] && pg_isready -q -h 127.0.0.1 -p "$pg_port" 2>/dev/null; then
    pg_name="cleiss_test_$(date +%s)_$$_${RANDOM}"
    pg_password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
    if timeout 30 "${as_postgres[@]}" "psql -q -v ON_ERROR_STOP=1 -c \"CREATE ROLE $pg_name LOGIN PASSWORD '$pg_password'\" && createdb -O $pg_name $pg_name"; then
      export CLEISS_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=$pg_name;Password=$pg_password;Database=$pg_name"
      drop_test_database() {
        timeout 30 "${as_postgres[@]}" "dropdb --if-exists --force $pg_name && psql -q -c 'DROP ROLE IF EXISTS $pg_name'" || true
      }
      trap drop_test_database EXIT
      echo "test.sh: PostgreSQL database $pg_name on 127.0.0.1:$pg_port for this run"
    else
      echo "test.sh: could not create a PostgreSQL role and database; the PostgreSQL tests will be skipped"
    fi
  else
    echo "test.sh: PostgreSQL is not available; the PostgreSQL tests will be skipped"
  fi
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
