#!/usr/bin/env bash
# A throw-away PostgreSQL 15 + PostGIS cluster for tests and benchmarks (never for production).
#   scripts/pg_cluster.sh start DIR PORT   → prints the owner URL; roles sigap_owner and sigap_app
#   scripts/pg_cluster.sh stop DIR
# initdb and pg_ctl refuse to run as root: as root the cluster runs as the `postgres` user.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?folder}; port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL tidak terpasang (/usr/lib/postgresql/*/bin)" >&2; exit 3; }
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "$cmd" in
  start)
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_pg "'$bin/initdb' -D '$dir' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
    fi
    as_pg "'$bin/pg_ctl' -D '$dir' -w -l '$dir/log' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
      -c shared_buffers=256MB\" start" >/dev/null
    psql="$bin/psql -q -h 127.0.0.1 -p $port -U postgres -v ON_ERROR_STOP=1"
    $psql -d postgres <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sigap_owner') THEN CREATE ROLE sigap_owner LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sigap_app') THEN CREATE ROLE sigap_app LOGIN; END IF;
END \$\$;
SQL
    echo "postgresql://sigap_owner@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_pg "'$bin/pg_ctl' -D '$dir' -m immediate stop" >/dev/null 2>&1 || true
    ;;
esac
