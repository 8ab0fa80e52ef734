#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and demos (issue 15): initdb +
# pg_ctl with all state in DIR, listening on 127.0.0.1 only (no Unix
# socket) on a free port, password (SCRAM) auth with a random password.
# Run as root (as CI is), the server runs as the `postgres` user, since
# PostgreSQL refuses to run as root. Needs the Debian `postgresql` package
# (scripts/install-deps.sh); nothing is downloaded.
#
#   scripts/pg-test.sh start DIR [durable]
#                                 → prints DATABASE_URL=postgres://…/order_hub
#                                   and writes the URL to DIR/database_url;
#                                   `durable` keeps PostgreSQL's own
#                                   fsync and commit settings (the
#                                   benches: SQLite waits for its disk too)
#   scripts/pg-test.sh stop DIR
#
# Exit 3: PostgreSQL is not installed here (callers skip, saying why).
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
mode=${3:-}

bindir() {
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir
        return
    fi
    # Debian keeps the server tools out of PATH, one directory per version.
    local best
    best=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$best" ] && [ -x "$best/initdb" ]; then
        echo "$best"
        return
    fi
    command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)"
}

# Runs a server tool as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

bin=$(bindir || true)
if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed (no initdb; install the postgresql package)" >&2
    exit 3
fi

case "$cmd" in
start)
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "running as root needs the postgres user (the postgresql package creates it)" >&2
        exit 3
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -e "$dir/data" ]; then
        echo "$dir/data exists already (stop and remove the old cluster first)" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    umask 077
    printf '%s\n' "$password" > "$dir/pwfile"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir/pwfile"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
        > "$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
CONF
    if [ "$mode" != durable ]; then
        # For the tests: durability off (the server itself is never killed
        # by them; the hubs in front of it are).
        cat >> "$dir/data/postgresql.conf" <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    fi
    # A free port: one nothing answers on, and another try if the server
    # still loses the race for it.
    started=""
    for _ in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port" start > /dev/null 2>&1; then
            started=$port
            break
        fi
    done
    if [ -z "$started" ]; then
        echo "PostgreSQL did not start; its log:" >&2
        cat "$dir/server.log" >&2 || true
        exit 1
    fi
    PGPASSWORD=$password "$bin/psql" -X -q -h 127.0.0.1 -p "$started" -U postgres -d postgres \
        -c "CREATE DATABASE order_hub" >&2
    url="postgres://postgres:$password@127.0.0.1:$started/order_hub"
    printf '%s\n' "$url" > "$dir/database_url"
    echo "DATABASE_URL=$url"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        # Immediate: nothing in a throw-away cluster is worth a checkpoint.
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null
    fi
    ;;
*)
    echo "usage: $0 start DIR [durable] | stop DIR" >&2
    exit 2
    ;;
esac
