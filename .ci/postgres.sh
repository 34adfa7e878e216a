#!/usr/bin/env bash
# Install PostgreSQL from Debian's packages if missing, start a throwaway cluster on loopback
# (port 55432, trust auth), and print its SQLAlchemy URL and its data directory on stdout.
# `postgres.sh stop DIR` stops that cluster and removes DIR.
set -euo pipefail
PORT=${PGPORT_TEST:-55432}
if [ "${1:-}" = "stop" ]; then
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  su postgres -s /bin/sh -c "$BIN/pg_ctl -D $2 -m fast stop" >&2 || true
  rm -rf "$2"
  exit 0
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DATA=$(mktemp -d /tmp/mlpilot-pg.XXXXXX)
chown postgres "$DATA"
su postgres -s /bin/sh -c "$BIN/initdb -D $DATA -A trust -U postgres" >&2
su postgres -s /bin/sh -c "$BIN/pg_ctl -D $DATA -l $DATA/server.log -w -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1' start" >&2
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres $DATA"
