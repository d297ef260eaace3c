#!/usr/bin/env bash
# Regenerate the stored reference results (tests/test_reference.py). Run only when a change
# is meant to alter results, and say so in CHANGES.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../../.venv/bin"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$bin/caseload" run "$here/reference.toml" --out "$tmp/run" --no-figures -q
"$bin/caseload" sweep "$here/reference_sweep.toml" --out "$tmp/sweep" --workers 1 -q
rm -rf "$here/run" && mkdir "$here/run"
cp "$tmp/run/summary.csv" "$tmp/run/tasks_by_type.csv" "$tmp/run/timeseries.parquet" "$tmp/run/tasks.parquet" "$here/run/"
"$bin/python" "$here/../figure_data.py" "$here/run"
"$bin/python" - "$tmp/sweep" "$here/sweep_rows.parquet" <<'PY'
import sys
import pandas as pd
import glob
parts = sorted(glob.glob(sys.argv[1] + "/runs/part-*.parquet"))
rows = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
rows = rows.drop(columns=["wall_seconds"]).sort_values("run_id").reset_index(drop=True)
rows.to_parquet(sys.argv[2], index=False)
PY
echo "reference regenerated in $here"
