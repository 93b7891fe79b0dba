#!/usr/bin/env bash
# Compares the allocations of a BenchmarkDotNet JSON export with perf/budgets.json.
# Usage: perf/check-budgets.sh [path/to/*-report-full.json ...]
#        (default: every *-report-full.json in $CLEISS_BDN_RESULTS, else /tmp/perf-artifacts/BenchmarkDotNet.Artifacts/results:
#        ValidationBenchmarks, SignatureBenchmarks, RoutingBenchmarks, StoreBenchmarks, As4PackagingBenchmarks, whichever ran)
# Budget keys are Type.Method(parameter values, in BenchmarkDotNet's order, joined by ", "), e.g.
# ValidationBenchmarks.ParseXsdRules(5KB), SignatureBenchmarks.Sign(RSA, 5KB). Only the budgets of the
# benchmark classes present in the given reports are expected (MISS otherwise).
# Exit 1 when a benchmark without "warnOnly" allocates more than its budget; warnOnly ones only print WARN.
# Not run by ./test.sh or CI. Needs python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -eq 0 ]; then
  results="${CLEISS_BDN_RESULTS:-/tmp/perf-artifacts/BenchmarkDotNet.Artifacts/results}"
  set -- $(ls "$results"/*-report-full.json 2>/dev/null)
fi
for report in "$@"; do
  if [ -z "$report" ] || [ ! -f "$report" ]; then
    echo "check-budgets: no BenchmarkDotNet JSON report found (run the benchmarks first, see perf/README.md)" >&2
    exit 2
  fi
done
if [ $# -eq 0 ]; then
  echo "check-budgets: no BenchmarkDotNet JSON report found (run the benchmarks first, see perf/README.md)" >&2
  exit 2
fi
python3 - "$here/budgets.json" "$@" <<'PY'
import json, re, sys
budgets = json.load(open(sys.argv[1]))["benchmarks"]
failed = False
seen = set()
types = set()
benchmarks = [b for path in sys.argv[2:] for b in json.load(open(path))["Benchmarks"]]
for b in benchmarks:
    types.add(b["Type"])
    values = [part.split("=", 1)[1] for part in re.split(r"[,&]", b.get("Parameters") or "") if "=" in part]
    key = f'{b["Type"]}.{b["Method"]}({", ".join(v.strip() for v in values)})'
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
for key in sorted(k for k in set(budgets) - seen if k.split(".", 1)[0] in types):
    print(f"MISS  {key}: not in the report")
sys.exit(1 if failed else 0)
PY
