#!/usr/bin/env bash
# A Ledgerline cluster on one machine (root, Linux network namespaces, Debian packages):
#
#   client ──► HAProxy ${HAPROXY_ADDR}:${HAPROXY_PORT} (health checks GET /readyz)
#                 ├─► host 1: netns ll-host1, 10.77.0.11:8000, `ledgerline serve` + `ledgerline worker`
#                 └─► host 2: netns ll-host2, 10.77.0.12:8000, `ledgerline serve` + `ledgerline worker`
#                          │  (veth pairs on the bridge llbr0, 10.77.0.1/24)
#                          ▼
#              PgBouncer 10.77.0.1:${PGBOUNCER_PORT}, transaction pooling
#                 ├─► ledgerline         PostgreSQL 15 primary  127.0.0.1:${PRIMARY_PORT}
#                 └─► ledgerline_replica hot standby (pg_basebackup, streaming) 127.0.0.1:${REPLICA_PORT}
#
# deploy/cluster.sh up | down | status | env
#                   restart-host N | kill-host N | disable-host N | enable-host N
#                   restart-pgbouncer | stop-replica | start-replica                     (for the fault test)
#
# Everything lives under $RUN_DIR (default deploy/run/): data directories, configs, logs, pid files.
# It is a PostgreSQL instance of its own (the machine's binaries, run as the postgres user), never the
# machine's main cluster on 5432. `down` removes every process, namespace, link and file that `up` made.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=${LEDGERLINE_CLUSTER_DIR:-$ROOT/deploy/run}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}

BRIDGE=llbr0
BRIDGE_ADDR=10.77.0.1
HOST_COUNT=${CLUSTER_HOSTS:-2}
HOST_WORKERS=${CLUSTER_HOST_WORKERS:-1}       # uvicorn workers per host
WORKER_POLL_SECONDS=${CLUSTER_WORKER_POLL_SECONDS:-0.5}   # `ledgerline worker --poll` on each host
API_PORT=8000
PRIMARY_PORT=${CLUSTER_PRIMARY_PORT:-55432}
REPLICA_PORT=${CLUSTER_REPLICA_PORT:-55433}
PGBOUNCER_PORT=${CLUSTER_PGBOUNCER_PORT:-56432}
HAPROXY_ADDR=127.0.0.1
HAPROXY_PORT=${CLUSTER_HAPROXY_PORT:-58080}
HAPROXY_STATS_PORT=${CLUSTER_HAPROXY_STATS_PORT:-58404}
export RUN_DIR BRIDGE_ADDR PRIMARY_PORT REPLICA_PORT PGBOUNCER_PORT HAPROXY_ADDR HAPROXY_PORT HAPROXY_STATS_PORT

log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
as_postgres() { runuser -u postgres -- "$@"; }
host_ns() { echo "ll-host$1"; }
host_addr() { echo "10.77.0.1$1"; }
host_link() { echo "ll-h$1"; }

require_root() { [ "$(id -u)" = 0 ] || die "run as root (network namespaces, the postgres user)"; }

# Debian packages, installed only when missing (apt-get update first, once).
ensure_packages() {
    local missing=()
    command -v ip >/dev/null || missing+=(iproute2)
    command -v haproxy >/dev/null || missing+=(haproxy)
    command -v pgbouncer >/dev/null || missing+=(pgbouncer)
    [ -x "$PGBIN/pg_ctl" ] || missing+=(postgresql-15)
    command -v psql >/dev/null || missing+=(postgresql-client-15)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    # Debian's packages start their own services where an init system runs; this cluster runs its own.
    [ -x "$VENV_BIN/ledgerline" ] || die "$VENV_BIN/ledgerline is missing: run make install"
}

render() {  # render TEMPLATE OUTPUT: ${VAR} placeholders from the environment
    envsubst < "$1" > "$2"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "timed out after ${seconds}s waiting for $what"
        sleep 0.2
    done
}

network_up() {
    ip link add "$BRIDGE" type bridge
    ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    for i in $(seq 1 "$HOST_COUNT"); do
        local ns link
        ns=$(host_ns "$i"); link=$(host_link "$i")
        ip netns add "$ns"
        ip link add "$link" type veth peer name eth0 netns "$ns"
        ip link set "$link" master "$BRIDGE" up
        ip -n "$ns" addr add "$(host_addr "$i")/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
    done
    log "network: bridge $BRIDGE $BRIDGE_ADDR/24, namespaces $(for i in $(seq 1 "$HOST_COUNT"); do printf '%s=%s ' "$(host_ns "$i")" "$(host_addr "$i")"; done)"
}

postgres_up() {
    local sock="$RUN_DIR/pg-sock"
    install -d -o postgres -g postgres -m 700 "$sock" "$RUN_DIR/pg-primary" "$RUN_DIR/pg-replica"
    as_postgres "$PGBIN/initdb" -D "$RUN_DIR/pg-primary" -A trust -U postgres -E UTF8 --no-instructions >/dev/null
    cat >> "$RUN_DIR/pg-primary/postgresql.conf" <<EOF
# Ledgerline cluster (deploy/cluster.sh)
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
max_connections = 120
shared_buffers = 64MB
EOF
    as_postgres "$PGBIN/pg_ctl" -D "$RUN_DIR/pg-primary" -l "$RUN_DIR/log/pg-primary.log" -w -t 60 start >/dev/null
    psql -q -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE ledgerline LOGIN" -c "CREATE DATABASE ledgerline OWNER ledgerline"
    log "primary: 127.0.0.1:$PRIMARY_PORT ($RUN_DIR/pg-primary)"

    # The hot standby: a base backup of the primary with a replication slot, -R writes primary_conninfo.
    as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$RUN_DIR/pg-replica" \
        -R -X stream -c fast -C -S ledgerline_replica
    echo "port = $REPLICA_PORT" >> "$RUN_DIR/pg-replica/postgresql.conf"
    as_postgres "$PGBIN/pg_ctl" -D "$RUN_DIR/pg-replica" -l "$RUN_DIR/log/pg-replica.log" -w -t 60 start >/dev/null
    wait_for 30 "the replica to stream" bash -c "psql -qtA -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -d postgres \
        -c \"SELECT state FROM pg_stat_replication WHERE application_name <> 'pg_basebackup'\" | grep -qx streaming"
    log "replica: 127.0.0.1:$REPLICA_PORT, streaming from the primary (slot ledgerline_replica)"
}

pgbouncer_up() {
    install -d -o postgres -g postgres -m 755 "$RUN_DIR/pgbouncer"
    render "$ROOT/deploy/pgbouncer.ini.in" "$RUN_DIR/pgbouncer/pgbouncer.ini"
    printf '"ledgerline" ""\n"postgres" ""\n' > "$RUN_DIR/pgbouncer/users.txt"
    chown postgres:postgres "$RUN_DIR/pgbouncer/pgbouncer.ini" "$RUN_DIR/pgbouncer/users.txt"
    as_postgres pgbouncer -q -d "$RUN_DIR/pgbouncer/pgbouncer.ini"
    wait_for 60 "PgBouncer" psql -qtA -h "$BRIDGE_ADDR" -p "$PGBOUNCER_PORT" -U ledgerline -d ledgerline -c "SELECT 1"
    log "pgbouncer: $BRIDGE_ADDR:$PGBOUNCER_PORT (pool_mode=transaction): ledgerline, ledgerline_replica"
}

write_env() {
    # What every host (and the smoke test, and the operator's CLI) runs with.
    local secret
    secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    cat > "$RUN_DIR/cluster.env" <<EOF
DATABASE_URL=postgresql+psycopg://ledgerline@$BRIDGE_ADDR:$PGBOUNCER_PORT/ledgerline
LEDGERLINE_READ_DATABASE_URL=postgresql+psycopg://ledgerline@$BRIDGE_ADDR:$PGBOUNCER_PORT/ledgerline_replica
LEDGERLINE_DATABASE_TRANSACTION_POOLER=true
LEDGERLINE_JWT_SECRET=$secret
LEDGERLINE_ENVIRONMENT=production
LEDGERLINE_IDEMPOTENCY_LOCK_SECONDS=${CLUSTER_IDEMPOTENCY_LOCK_SECONDS:-60}
CLUSTER_URL=http://$HAPROXY_ADDR:$HAPROXY_PORT
CLUSTER_STATS_URL=http://$HAPROXY_ADDR:$HAPROXY_STATS_PORT/
CLUSTER_PRIMARY_URL=postgresql+psycopg://ledgerline@127.0.0.1:$PRIMARY_PORT/ledgerline
CLUSTER_REPLICA_URL=postgresql+psycopg://ledgerline@127.0.0.1:$REPLICA_PORT/ledgerline
CLUSTER_HOSTS=$HOST_COUNT
CLUSTER_BRIDGE_ADDR=$BRIDGE_ADDR
EOF
    chmod 600 "$RUN_DIR/cluster.env"
}

host_run() {  # host_run N NAME COMMAND...: COMMAND in namespace ll-hostN with cluster.env, its own process group
    local i=$1 name=$2 ns
    shift 2
    ns=$(host_ns "$i")
    # shellcheck disable=SC2046
    ip netns exec "$ns" env -i PATH="$PATH" HOME=/root $(grep -v '^CLUSTER_' "$RUN_DIR/cluster.env" | xargs) \
        setsid "$@" >> "$RUN_DIR/log/$name$i.log" 2>&1 < /dev/null &   # appended: a kill keeps the log
    echo $! > "$RUN_DIR/$name$i.pid"
}

start_host() {  # start_host N: the API and the webhook delivery worker in namespace ll-hostN
    local i=$1
    host_run "$i" host "$VENV_BIN/ledgerline" serve --host "$(host_addr "$i")" --port "$API_PORT" \
        --workers "$HOST_WORKERS" --no-access-log
    # One delivery worker per host, beside the server: the workers claim deliveries with FOR UPDATE SKIP
    # LOCKED and a lease column, transaction-scoped, so they work behind PgBouncer's transaction pooling.
    host_run "$i" worker "$VENV_BIN/ledgerline" worker --poll "$WORKER_POLL_SECONDS"
}

stop_host() {  # stop_host N: TERM its process groups (server, worker), then KILL what is left in its namespace
    local i=$1 ns pidfile
    ns=$(host_ns "$i")
    for pidfile in "$RUN_DIR/host$i.pid" "$RUN_DIR/worker$i.pid"; do
        [ -f "$pidfile" ] || continue
        kill -TERM -- "-$(cat "$pidfile")" 2>/dev/null || true
    done
    if ip netns list | grep -qw "$ns"; then
        for _ in $(seq 1 50); do
            [ -z "$(ip netns pids "$ns")" ] && break
            sleep 0.1
        done
        for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    rm -f "$RUN_DIR/host$i.pid" "$RUN_DIR/worker$i.pid"
}

hosts_up() {
    DATABASE_URL="postgresql+psycopg://ledgerline@127.0.0.1:$PRIMARY_PORT/ledgerline" "$VENV_BIN/ledgerline" migrate \
        > "$RUN_DIR/log/migrate.log" 2>&1
    log "migrated the primary (directly, not through the pooler)"
    for i in $(seq 1 "$HOST_COUNT"); do
        start_host "$i"
        wait_for 60 "host $i /readyz" ip netns exec "$(host_ns "$i")" \
            curl -fsS "http://$(host_addr "$i"):$API_PORT/readyz"
        log "host $i: $(host_ns "$i") http://$(host_addr "$i"):$API_PORT ready"
    done
}

haproxy_servers() {
    for i in $(seq 1 "$HOST_COUNT"); do
        printf '    server host%s %s:%s check\n' "$i" "$(host_addr "$i")" "$API_PORT"
    done
}

haproxy_up() {
    HAPROXY_SERVERS=$(haproxy_servers); export HAPROXY_SERVERS
    render "$ROOT/deploy/haproxy.cfg.in" "$RUN_DIR/haproxy.cfg"
    haproxy -c -q -f "$RUN_DIR/haproxy.cfg"
    haproxy -D -f "$RUN_DIR/haproxy.cfg"
    wait_for 30 "HAProxy to see every host UP" hosts_all_up
    log "haproxy: http://$HAPROXY_ADDR:$HAPROXY_PORT (stats http://$HAPROXY_ADDR:$HAPROXY_STATS_PORT/)"
}

hosts_all_up() {
    local up
    up=$(curl -fsS "http://$HAPROXY_ADDR:$HAPROXY_STATS_PORT/;csv" | awk -F, '$1=="ledgerline" && $2 ~ /^host/ && $18=="UP"' | wc -l)
    [ "$up" -eq "$HOST_COUNT" ]
}

is_up() { [ -f "$RUN_DIR/cluster.env" ]; }

failed_start() {  # EXIT trap of `up`: show the logs, then remove everything
    log "start failed; the end of each log follows, then everything is torn down"
    for each in "$RUN_DIR"/log/*.log; do
        [ -f "$each" ] && { echo "==> $each" >&2; tail -n 15 "$each" >&2; }
    done
    cmd_down
}

cmd_up() {
    require_root
    ensure_packages
    if is_up || [ -d "$RUN_DIR" ] || ip link show "$BRIDGE" >/dev/null 2>&1; then
        log "removing what an earlier run left"
        cmd_down
    fi
    install -d -m 755 "$RUN_DIR"
    install -d -o postgres -g postgres -m 755 "$RUN_DIR/log"
    trap 'failed_start' EXIT
    local started=$SECONDS
    network_up
    postgres_up
    pgbouncer_up
    write_env
    hosts_up
    haproxy_up
    trap - EXIT
    log "cluster up in $((SECONDS - started))s: API http://$HAPROXY_ADDR:$HAPROXY_PORT; settings in $RUN_DIR/cluster.env"
}

stop_pidfile() {  # stop_pidfile FILE: TERM the process it names and wait for it to go
    local pidfile=$1 pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

stop_postgres() {  # stop_postgres DATADIR
    [ -f "$1/postmaster.pid" ] || return 0
    as_postgres "$PGBIN/pg_ctl" -D "$1" -m fast -w -t 60 stop >/dev/null 2>&1 || {
        local pid
        pid=$(head -1 "$1/postmaster.pid")
        kill -QUIT "$pid" 2>/dev/null || true
    }
}

cmd_down() {
    require_root
    stop_pidfile "$RUN_DIR/haproxy.pid"
    for i in $(seq 1 "$HOST_COUNT"); do stop_host "$i"; done
    stop_pidfile "$RUN_DIR/pgbouncer/pgbouncer.pid"
    stop_postgres "$RUN_DIR/pg-replica"
    stop_postgres "$RUN_DIR/pg-primary"
    for i in $(seq 1 "$HOST_COUNT"); do
        ip netns del "$(host_ns "$i")" 2>/dev/null || true
        ip link del "$(host_link "$i")" 2>/dev/null || true
    done
    ip link del "$BRIDGE" 2>/dev/null || true
    rm -rf "$RUN_DIR"
    log "cluster down: processes, namespaces, links and $RUN_DIR removed"
}

cmd_status() {
    is_up || { echo "cluster: down"; return 0; }
    echo "cluster: up ($RUN_DIR)"
    curl -fsS "http://$HAPROXY_ADDR:$HAPROXY_STATS_PORT/;csv" | awk -F, '$1=="ledgerline" && $2 ~ /^host/ {print "  " $2 ": " $18}' || true
    psql -qtA -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres \
        -c "SELECT '  replica: ' || state || ', replay lag ' || coalesce(replay_lag::text, '0') FROM pg_stat_replication WHERE application_name <> 'pg_basebackup'" || true
}

cmd_restart_host() {  # the fault test (issue 17 item 4) kills and restarts hosts with this
    require_root
    is_up || die "the cluster is not up"
    local i=$1
    stop_host "$i"
    start_host "$i"
    wait_for 60 "host $i /readyz" ip netns exec "$(host_ns "$i")" curl -fsS "http://$(host_addr "$i"):$API_PORT/readyz"
    log "host $i restarted"
}

cmd_kill_host() {  # the fault test: SIGKILL everything in the host's namespace (no graceful stop), start it again
    require_root
    is_up || die "the cluster is not up"
    local i=$1 ns
    ns=$(host_ns "$i")
    for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        [ -z "$(ip netns pids "$ns")" ] && break
        sleep 0.1
    done
    rm -f "$RUN_DIR/host$i.pid" "$RUN_DIR/worker$i.pid"
    log "host $i killed (SIGKILL)"
    start_host "$i"
    wait_for 90 "host $i /readyz" ip netns exec "$ns" curl -fsS "http://$(host_addr "$i"):$API_PORT/readyz"
    log "host $i restarted"
}

haproxy_command() {  # haproxy_command 'disable server ledgerline/host2': HAProxy's runtime API (admin socket)
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode() + b"\n")
print(s.recv(65536).decode(), end="")' "$RUN_DIR/haproxy.sock" "$1"
}

cmd_restart_pgbouncer() {
    require_root
    is_up || die "the cluster is not up"
    stop_pidfile "$RUN_DIR/pgbouncer/pgbouncer.pid"
    as_postgres pgbouncer -q -d "$RUN_DIR/pgbouncer/pgbouncer.ini"
    wait_for 60 "PgBouncer" psql -qtA -h "$BRIDGE_ADDR" -p "$PGBOUNCER_PORT" -U ledgerline -d ledgerline -c "SELECT 1"
    log "pgbouncer restarted"
}

cmd_stop_replica() {
    require_root
    stop_postgres "$RUN_DIR/pg-replica"
    log "replica stopped"
}

cmd_start_replica() {
    require_root
    as_postgres "$PGBIN/pg_ctl" -D "$RUN_DIR/pg-replica" -l "$RUN_DIR/log/pg-replica.log" -w -t 60 start >/dev/null
    log "replica started"
}

case "${1:-}" in
    up) cmd_up ;;
    restart-host) cmd_restart_host "${2:?host number}" ;;
    kill-host) cmd_kill_host "${2:?host number}" ;;
    disable-host) require_root; haproxy_command "disable server ledgerline/host${2:?host number}" ;;
    enable-host) require_root; haproxy_command "enable server ledgerline/host${2:?host number}" ;;
    restart-pgbouncer) cmd_restart_pgbouncer ;;
    stop-replica) cmd_stop_replica ;;
    start-replica) cmd_start_replica ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cat "$RUN_DIR/cluster.env" ;;
    *) echo "usage: $0 up|down|status|env|restart-host N|kill-host N|disable-host N|enable-host N|restart-pgbouncer|stop-replica|start-replica" >&2
       exit 2 ;;
esac
