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

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test setup: installing $* (apt-get)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
      || fail "apt-get install $* failed; run: sudo apt-get install -y $*"
  else
    fail "missing $*; run: sudo apt-get install -y $*"
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Browser tests drive Debian's Chromium; a browser is never downloaded.
[ -x /usr/bin/chromium ] || apt_install chromium

# The proxy tests run Debian's nginx on private ports, with the README's documented config.
[ -x /usr/sbin/nginx ] || apt_install nginx

# The FastAPI example runs under Debian's Python: a python3 earlier on the PATH may lack these.
/usr/bin/python3 -c 'import fastapi, uvicorn, httpx' 2>/dev/null || apt_install python3-fastapi python3-uvicorn python3-httpx

# Scale-out tests use Redis (the tests start a private redis-server when none listens on :6379);
# the Cluster, Sentinel and sharding tests always start private ones and call redis-cli.
command -v redis-server >/dev/null || apt_install redis-server
command -v redis-cli >/dev/null || apt_install redis-tools
if ! port_open 6379; then
  echo "test setup: starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null \
    || fail "could not start Redis; run: redis-server --daemonize yes --port 6379"
fi

# The inbox suite runs against PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth).
if ! port_open 5432; then
  if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
  echo "test setup: starting PostgreSQL"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || fail "no PostgreSQL cluster found; run: sudo apt-get install -y postgresql"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start \
    || fail "could not start PostgreSQL; run: sudo pg_ctlcluster $version main start"
  for _ in $(seq 1 50); do port_open 5432 && break; sleep 0.2; done
  port_open 5432 || fail "PostgreSQL does not listen on 127.0.0.1:5432; check listen_addresses in postgresql.conf"
fi

echo "test setup: building"
npm run build --silent
echo "test setup: type-checking tests and the example app"
npm run typecheck --silent

mkdir -p test-artifacts
rm -f test-artifacts/vitest.json test-artifacts/vitest-bun.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
if [ $# -eq 0 ]; then
  # The tests that spawn the gateway as a process, again with the gateway on Bun.
  echo "test run: gateway processes on Bun"
  REALTIME_TEST_RUNTIME=bun npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest-bun.json \
    packages/server/test/cli.test.ts packages/server/test/redis-nodes.test.ts || status=$?
fi
# One plain summary line that any CI can read.
node -e '
  const fs = require("fs");
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const f of ["test-artifacts/vitest.json", "test-artifacts/vitest-bun.json"]) {
    if (!fs.existsSync(f)) continue;
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    t.passed += r.numPassedTests; t.failed += r.numFailedTests; t.skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
' || true
exit "$status"
