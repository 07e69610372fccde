#!/usr/bin/env bash
# Starts or stops a private RabbitMQ broker (Debian's rabbitmq-server) for the end-to-end suite's RabbitMQ run.
#   tests/servers/rabbitmq.sh start DIR PORT   -> prints the amqp:// connection string once the broker answers
#   tests/servers/rabbitmq.sh stop DIR
# Run as root, rabbitmq-server switches to the rabbitmq user, so everything it writes lives in DIR, owned by it.
set -euo pipefail
command=$1 dir=$2

stop() {
  if [ -f "$dir/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$dir/pids"
    sleep 1
    while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$dir/pids"
    rm -f "$dir/pids"
  fi
}

if [ "$command" = stop ]; then
  stop
  exit 0
fi

port=$3
dist_port=$((port + 1000))
mkdir -p "$dir/mnesia" "$dir/log" "$dir/home"
cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
loopback_users = none
default_user = hybridehr
default_pass = hybridehr-test
CONF
echo '[].' > "$dir/enabled_plugins"
chown -R rabbitmq:rabbitmq "$dir" 2>/dev/null || true

export RABBITMQ_NODENAME="hybridehr-test-$port@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" \
  RABBITMQ_DIST_PORT="$dist_port" RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
  RABBITMQ_CONFIG_FILE="$dir/rabbitmq" RABBITMQ_FEATURE_FLAGS_FILE="$dir/feature_flags" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" HOME="$dir/home" ERL_EPMD_ADDRESS=127.0.0.1
epmd_was_running=$(pgrep -x epmd || true)
/usr/sbin/rabbitmq-server > "$dir/server.out" 2>&1 &
echo $! > "$dir/pids"

for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    # The broker runs as another user under a wrapper; remember the process that actually listens.
    ss -ltnpH "sport = :$port" | grep -o 'pid=[0-9]*' | cut -d= -f2 >> "$dir/pids" || true
    # Stop the epmd this broker started, not one that was there before.
    [ -n "$epmd_was_running" ] || pgrep -x epmd >> "$dir/pids" || true
    echo "amqp://hybridehr:hybridehr-test@127.0.0.1:$port/"
    exit 0
  fi
  sleep 0.5
done
echo "rabbitmq-server did not open port $port within 60 s; see $dir/server.out and $dir/log" >&2
tail -20 "$dir/server.out" >&2 || true
stop
exit 1
