#!/usr/bin/env bash
# Quick performance profile (issue 8), under 5 minutes after the build: the I/O bound, the hub at its maximum rate
# (closed loop) and at fixed offered rates plus half the maximum (open loop), the crypto bound; writes
# perf/results/<UTC>.md, .json and .png. Then the peers on the same machine in the same run: xmllint validating and
# xmlsec1 signing the same documents as the hub (small batches), into perf/results/peers-<UTC>.txt.
# perf/README.md, "End-to-end load (issue 8)".
#
#   perf/run.sh [offered rates = 25,50,100,200] [seconds per level = 12] [warm-up seconds = 8] [max in flight = 64]
#
# ARTIFACTS (default /tmp/perf-artifacts) keeps the Release build out of the shared artifacts/ folder. On a machine shared
# with other measurements, set PERF_LOCK to a lock file: the build runs outside it, the measurement under `flock`.
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts="${ARTIFACTS:-/tmp/perf-artifacts}"
rates="${1:-25,50,100,200}" seconds="${2:-12}" warmup="${3:-8}" inflight="${4:-64}"

dotnet build perf/Cleiss.Exchange.LoadTests -c Release -p:ArtifactsPath="$artifacts" --nologo -v quiet
dotnet build perf/Cleiss.Exchange.Benchmarks -c Release -p:ArtifactsPath="$artifacts" --nologo -v quiet
driver="$artifacts/bin/Cleiss.Exchange.LoadTests/release/Cleiss.Exchange.LoadTests.dll"
benchmarks="$artifacts/bin/Cleiss.Exchange.Benchmarks/release/Cleiss.Exchange.Benchmarks.dll"
peers="$PWD/perf/results/peers-$(date -u +%Y%m%d-%H%M%SZ).txt"
lock=()
if [[ -n "${PERF_LOCK:-}" ]]; then
  lock=(flock "$PERF_LOCK")
fi
echo "loadavg before: $(cat /proc/loadavg)"
"${lock[@]}" dotnet "$driver" load "$rates" "$seconds" "$warmup" "$inflight" "$PWD/perf/results"
# Peers: hub vs xmllint (validation) and hub vs raw key vs xmlsec1 (signing), same documents, same run.
{
  echo "# peers, $(date -u +%FT%TZ), loadavg $(cat /proc/loadavg)"
  "${lock[@]}" dotnet "$benchmarks" compare 200 3
  "${lock[@]}" dotnet "$benchmarks" compare-sign 100 3 10
} > "$peers" 2>&1 || echo "peers: see $peers (a peer tool is missing?)"
echo "peers: $peers"
echo "loadavg after: $(cat /proc/loadavg)"
