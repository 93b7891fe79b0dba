#!/usr/bin/env bash
# Quick performance profile (issue 8), under 5 minutes after the build: the I/O bound, the hub at its maximum rate
# (closed loop) and at fixed offered rates plus half the maximum (open loop), the crypto bound; writes
# perf/results/<UTC>.md, .json and .png. perf/README.md, "End-to-end load (issue 8)".
#
#   perf/run.sh [offered rates = 25,50,100,200] [seconds per level = 12] [warm-up seconds = 3] [max in flight = 64]
#
# ARTIFACTS (default /tmp/perf-artifacts) keeps the Release build out of the shared artifacts/ folder. On a machine shared
# with other measurements, set PERF_LOCK to a lock file: the build runs outside it, the measurement under `flock`.
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts="${ARTIFACTS:-/tmp/perf-artifacts}"
rates="${1:-25,50,100,200}" seconds="${2:-12}" warmup="${3:-3}" inflight="${4:-64}"

dotnet build perf/Cleiss.Exchange.LoadTests -c Release -p:ArtifactsPath="$artifacts" --nologo -v quiet
driver="$artifacts/bin/Cleiss.Exchange.LoadTests/release/Cleiss.Exchange.LoadTests.dll"
command=(dotnet "$driver" load "$rates" "$seconds" "$warmup" "$inflight" "$PWD/perf/results")
if [[ -n "${PERF_LOCK:-}" ]]; then
  command=(flock "$PERF_LOCK" "${command[@]}")
fi
echo "loadavg before: $(cat /proc/loadavg)"
"${command[@]}"
echo "loadavg after: $(cat /proc/loadavg)"
