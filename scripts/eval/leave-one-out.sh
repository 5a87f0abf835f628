#!/usr/bin/env bash
# Leave-one-tenant-out: each training tenant judged by a model trained without it (its
# conversations and its examples), the closest thing to meeting a new tenant. Prints one line per
# tenant and the total (handling mode, silent-but-needed-a-person, unsafe sends, leaks, case
# attribution). Usage: scripts/eval/leave-one-out.sh [OUT_DIR]   (RETRAIN=1 to retrain cached models,
# JOBS=2 to judge two tenants at a time, ONLY="a b" for some tenants only)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-/tmp/baton-loto}
TENANTS=$(ls data/understanding/tenants/*.yaml | xargs -n1 basename | sed 's/\.yaml$//' | grep -v -x -f <(sed -n 's/^  - \([a-z]*\)\..*/\1/p' data/understanding/split.yaml | sort -u))
one() {
  local T=$1
  mkdir -p "$OUT/$T/understanding"
  cp config/understanding/*.yaml "$OUT/$T/understanding/"
  cp "data/understanding/tenants/$T.yaml" "$OUT/$T/$T.yaml"
  ln -sf "$PWD/config/lexicon.yaml" "$OUT/$T/lexicon.yaml"; ln -sfn "$PWD/config/knowledge" "$OUT/$T/knowledge"; ln -sfn "$PWD/config/wording" "$OUT/$T/wording"
  if [ ! -f "$OUT/$T/understanding/intent-model.json" ] || [ -n "${RETRAIN:-}" ]; then
    npm run -s train -- --leave-out "$T" --out "$OUT/$T/understanding/intent-model.json" > /dev/null
  fi
  local SETS=()
  for f in data/understanding/conversations/$T.*.jsonl; do SETS+=(--set "$f:$OUT/$T/$T.yaml"); done
  npm run -s eval -- --quiet "${SETS[@]}" --json "$OUT/$T/result.json" > "$OUT/$T/eval.txt"
}
export -f one
export OUT RETRAIN
# shellcheck disable=SC2086
printf '%s\n' ${ONLY:-$TENANTS} | xargs -P "${JOBS:-1}" -I{} bash -c 'set -euo pipefail; one "$@"' _ {}
node - "$OUT" <<'JS'
const fs = require('node:fs')
const dir = process.argv[2]
const total = { lines: 0, mode: 0, silent: 0, unsafe: 0, leaks: 0, caseN: 0, caseOk: 0 }
const row = (name, s) => console.log(`${name.padEnd(12)} ${String(s.lines).padStart(5)} lines  mode ${((100 * s.mode) / s.lines).toFixed(1)} %  silent ${s.silent}  unsafe ${s.unsafe}  leaks ${s.leaks}  case ${((100 * s.caseOk) / s.caseN).toFixed(1)} %`)
for (const t of fs.readdirSync(dir).sort()) {
  const f = `${dir}/${t}/result.json`
  if (!fs.existsSync(f)) continue
  const s = { lines: 0, mode: 0, silent: 0, unsafe: 0, leaks: 0, caseN: 0, caseOk: 0 }
  for (const set of JSON.parse(fs.readFileSync(f, 'utf8')).sets)
    for (const { score } of set.lines) {
      s.lines++, (s.mode += score.modeOk ? 1 : 0), (s.silent += score.silentNeedingPerson ? 1 : 0), (s.unsafe += score.unsafe), (s.leaks += score.leaks.length)
      if (score.caseOk !== null && score.caseOk !== undefined) s.caseN++, (s.caseOk += score.caseOk ? 1 : 0)
    }
  row(t, s)
  for (const k in total) total[k] += s[k]
}
row('all', total)
JS
