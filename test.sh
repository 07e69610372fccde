#!/usr/bin/env bash
# Builds the solution and runs every test suite, then prints one summary line "N passed, N failed, N skipped".
# Installs what the suites need when it is missing (idempotent): Debian's python3-grpcio for the gRPC interop
# tests. A suite whose server or tool cannot be had fails loudly; nothing is skipped silently.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="${TEST_RESULTS_DIR:-$PWD/artifacts/test-results}"
rm -rf "$results" && mkdir -p "$results"

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

echo "== prerequisites"
if ! command -v node >/dev/null 2>&1; then
  echo "installing nodejs and npm (chaincode tests, cross-checks against official JavaScript clients)"
  apt_install nodejs npm || echo "WARNING: could not install node; the node-based suites will fail"
fi
if ! /usr/bin/python3 -c 'import grpc, google.protobuf' >/dev/null 2>&1; then
  echo "installing python3-grpcio (gRPC interop peer)"
  apt_install python3-grpcio python3-protobuf || echo "WARNING: could not install python3-grpcio; the interop tests will fail"
fi

# RabbitMQ for the end-to-end suite's RabbitMQ run: Debian's server, private to this run, stopped on exit.
if ! [ -x /usr/sbin/rabbitmq-server ]; then
  echo "installing rabbitmq-server (MassTransit transport for the end-to-end suite)"
  apt_install rabbitmq-server || echo "WARNING: could not install rabbitmq-server; the RabbitMQ run will fail"
  # The package starts a system-wide broker; this run uses its own, so stop that one.
  (service rabbitmq-server stop || pkill -f 'rabbit boot') >/dev/null 2>&1 || true
fi
rabbit_dir=$(mktemp -d /tmp/hybridehr-rabbitmq.XXXXXX)
trap 'bash tests/servers/rabbitmq.sh stop "$rabbit_dir" >/dev/null 2>&1; rm -rf "$rabbit_dir"' EXIT
rabbit_port=$(( (RANDOM % 2000) + 25672 ))
if HYBRIDEHR_TEST_RABBITMQ=$(bash tests/servers/rabbitmq.sh start "$rabbit_dir" "$rabbit_port"); then
  export HYBRIDEHR_TEST_RABBITMQ
  echo "rabbitmq: $HYBRIDEHR_TEST_RABBITMQ"
else
  echo "WARNING: rabbitmq-server did not start; the RabbitMQ run of the end-to-end suite will fail"
fi

summary() {
  echo "$1 passed, $2 failed, $3 skipped"
}

echo "== build"
if ! dotnet build HybridEhr.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "build failed"
  summary 0 1 0
  exit 1
fi

echo "== tests"
mapfile -t projects < <(dotnet sln HybridEhr.sln list | grep -E '^tests/.*Tests\.csproj$')
passed=0 failed=0 skipped=0 status=0
for project in "${projects[@]}"; do
  name=$(basename "$project" .csproj)
  echo "-- $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=1
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "$name produced no results: counted as one failure"
    failed=$((failed + 1)); status=1
    continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  attr() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(attr total); p=$(attr passed); f=$(attr failed); e=$(attr error); t=$(attr timeout); a=$(attr aborted)
  passed=$((passed + p))
  failed=$((failed + f + e + t + a))
  skipped=$((skipped + total - p - f - e - t - a))
done

echo "== node suites"
# JavaScript/TypeScript code of ours (chaincode) runs under node's own test runner; its TAP summary is counted.
for suite in chaincode/fabric; do
  echo "-- $suite"
  log="$results/$(echo "$suite" | tr / _).log"
  if ! (cd "$suite" && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null; } && npm test) >"$log" 2>&1; then
    status=1
  fi
  tail -n 8 "$log"
  p=$(grep -E '^# pass [0-9]+' "$log" | tail -1 | grep -o '[0-9]*$')
  f=$(grep -E '^# fail [0-9]+' "$log" | tail -1 | grep -o '[0-9]*$')
  s=$(grep -E '^# skipped [0-9]+' "$log" | tail -1 | grep -o '[0-9]*$')
  if [ -z "$p" ]; then
    echo "$suite produced no test summary: counted as one failure"
    failed=$((failed + 1)); status=1
    continue
  fi
  passed=$((passed + p)); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
done

summary "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
