#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, builds, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "test setup: $*" >&2
  exit 1
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || fail "Node.js 20 or newer is required (found $(node --version 2>/dev/null || echo none))."

if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

echo "test setup: building"
npm run build --silent

mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
# One plain summary line that any CI can read.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
