#!/usr/bin/env bash
# Compares the allocations of a BenchmarkDotNet JSON export with perf/budgets.json.
# Usage: perf/check-budgets.sh [path/to/*-report-full.json]
#        (default: /tmp/perf-artifacts/BenchmarkDotNet.Artifacts/results/*ValidationBenchmarks-report-full.json)
# Exit 1 when a benchmark without "warnOnly" allocates more than its budget; warnOnly ones only print WARN.
# Not run by ./test.sh or CI. Needs python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
report="${1:-$(ls /tmp/perf-artifacts/BenchmarkDotNet.Artifacts/results/*ValidationBenchmarks-report-full.json 2>/dev/null | head -1)}"
if [ -z "$report" ] || [ ! -f "$report" ]; then
  echo "check-budgets: no BenchmarkDotNet JSON report found (run the benchmarks first, see perf/README.md)" >&2
  exit 2
fi
python3 - "$here/budgets.json" "$report" <<'PY'
import json, sys
budgets = json.load(open(sys.argv[1]))["benchmarks"]
report = json.load(open(sys.argv[2]))
failed = False
seen = set()
for b in report["Benchmarks"]:
    size = (b.get("Parameters") or "").replace("Size=", "")
    key = f'{b["Type"]}.{b["Method"]}({size})'
    budget = budgets.get(key)
    allocated = (b.get("Memory") or {}).get("BytesAllocatedPerOperation")
    if budget is None or allocated is None:
        print(f"SKIP  {key}: no budget or no memory data")
        continue
    seen.add(key)
    limit = budget["bytes"]
    ok = allocated <= limit
    status = "OK  " if ok else ("WARN" if budget.get("warnOnly") else "FAIL")
    failed |= status == "FAIL"
    print(f"{status}  {key}: {allocated:,} B allocated, budget {limit:,} B")
for key in sorted(set(budgets) - seen):
    print(f"MISS  {key}: not in the report")
sys.exit(1 if failed else 0)
PY
