#!/usr/bin/env bash
# The memory steps of a pull request's CI, as github-actions.yml runs them (and as
# test/cli/ci-example.test.ts runs them locally):
#   1. record the program (or take a recording: set HEAPFLAME_PROFILE instead of HEAPFLAME_COMMAND)
#   2. draw it (HTML and SVG) for the artifacts
#   3. check it against the budget: JUnit for the test report, Markdown for the PR comment
#   4. compare it with the main branch's recording (HEAPFLAME_BASE), failing on growth
# Exit status: 0 within budget and growth, 1 otherwise, 2 on bad input.
set -uo pipefail
HEAPFLAME=${HEAPFLAME:-npx heapflame}
OUT=${HEAPFLAME_OUT:-heapflame-out}
BUDGET=${HEAPFLAME_BUDGET:-heapflame.budget.json}
COST=${HEAPFLAME_COST:-allocated}
GROWTH=${HEAPFLAME_MAX_GROWTH:-10%}
ARTIFACTS_URL=${HEAPFLAME_ARTIFACTS_URL:-}
mkdir -p "$OUT"

profile=${HEAPFLAME_PROFILE:-}
if [ -z "$profile" ]; then
  profile="$OUT/pr.heapflame"
  # shellcheck disable=SC2086 # the command is words on purpose
  $HEAPFLAME record -o "$profile" -- $HEAPFLAME_COMMAND || exit 2
fi

$HEAPFLAME flamegraph "$profile" -q --cost "$COST" -o "$OUT/pr.svg" || exit 2
$HEAPFLAME flamegraph "$profile" -q -o "$OUT/pr.html" || exit 2

status=0
links=()
[ -n "$ARTIFACTS_URL" ] && links=(--link "flame graph=$ARTIFACTS_URL" --link "differential graph=$ARTIFACTS_URL")
$HEAPFLAME check "$profile" -q --budget "$BUDGET" --junit "$OUT/junit.xml" --markdown "$OUT/comment.md" "${links[@]}" > "$OUT/check.txt"
code=$?
cat "$OUT/check.txt"
[ $code -gt $status ] && status=$code

if [ -n "${HEAPFLAME_BASE:-}" ] && [ -f "$HEAPFLAME_BASE" ]; then
  $HEAPFLAME diff "$HEAPFLAME_BASE" "$profile" -q --cost "$COST" --fail-on-growth "$GROWTH" -o "$OUT/diff.html" > "$OUT/diff.txt"
  code=$?
  cat "$OUT/diff.txt"
  { echo; echo '```'; head -20 "$OUT/diff.txt"; echo '```'; } >> "$OUT/comment.md"
  [ $code -gt $status ] && status=$code
fi
exit $status
