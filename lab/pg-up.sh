#!/usr/bin/env bash
# pg-up.sh - start a throwaway PostgreSQL for Bosun's store tests, as root, on 127.0.0.1 only.
#
#   * installs Debian's postgresql package if missing (without starting the system cluster)
#   * initdb's a cluster under $LAB_DIR/postgres owned by the postgres user, trust auth on loopback
#   * starts it on 127.0.0.1:$PG_PORT (default 5433) and creates the database `bosun`
#   * writes $LAB_DIR/pg.env with BOSUN_TEST_DATABASE_URL
#
# Idempotent: a running cluster is reused. Stop with: lab/pg-up.sh --stop
set -euo pipefail

LAB_DIR=${LAB_DIR:-${TMPDIR:-/tmp}/bosun-lab}
PG_PORT=${PG_PORT:-5433}
PG_DIR=$LAB_DIR/postgres
log() { printf '[pg-up %s] %s\n' "$(date +%T)" "$*"; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)

if [ "${1:-}" = --stop ]; then
  [ -n "$BIN" ] && [ -f "$PG_DIR/data/postmaster.pid" ] && su postgres -s /bin/sh -c "$BIN/pg_ctl -D '$PG_DIR/data' -m fast stop" || true
  exit 0
fi

if [ -z "$BIN" ]; then
  log "installing postgresql"
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  timeout 300 apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q postgresql >/dev/null
  ((made_policy)) && rm -f /usr/sbin/policy-rc.d
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

mkdir -p "$PG_DIR"
chown postgres:postgres "$PG_DIR"
if [ ! -s "$PG_DIR/data/PG_VERSION" ]; then
  log "initdb $PG_DIR/data"
  su postgres -s /bin/sh -c "$BIN/initdb -D '$PG_DIR/data' -A trust -U postgres --no-sync" >"$PG_DIR/initdb.log" 2>&1 \
    || { tail -20 "$PG_DIR/initdb.log"; die "initdb failed"; }
fi

ready() { "$BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q; }
if ready; then
  log "postgres already running on 127.0.0.1:$PG_PORT"
else
  log "starting postgres on 127.0.0.1:$PG_PORT"
  su postgres -s /bin/sh -c "$BIN/pg_ctl -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -t 60 \
    -o \"-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='$PG_DIR' -c fsync=off\" start" >/dev/null \
    || { tail -20 "$PG_DIR/server.log"; die "postgres did not start"; }
fi

"$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname = 'bosun'" | grep -q 1 \
  || "$BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres bosun

echo "export BOSUN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/bosun" >"$LAB_DIR/pg.env"
log "ready: postgres://postgres@127.0.0.1:$PG_PORT/bosun"
