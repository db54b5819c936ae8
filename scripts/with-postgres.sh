#!/usr/bin/env bash
# Runs a command with SHIFTDESK_TEST_POSTGRES_URL pointing at a real PostgreSQL.
# Uses the given URL when it is reachable; otherwise starts a throwaway cluster
# (Debian's server binaries) on a private socket directory and loopback port,
# and stops and deletes it when the command ends.
set -euo pipefail

if [ -n "${SHIFTDESK_TEST_POSTGRES_URL:-}" ]; then
  exec "$@"
fi

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ]; then
  echo "with-postgres: no PostgreSQL server found; run scripts/system-deps.sh as root" >&2
  exit 1
fi

workdir=$(mktemp -d /tmp/shiftdesk-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
# PostgreSQL refuses to run as root: run the cluster as the `postgres` user then.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$workdir" postgres
  chown postgres "$workdir"
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

"${as_pg[@]}" "$pgbin/initdb" -D "$workdir/data" -U shiftdesk --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U shiftdesk shiftdesk_test

export SHIFTDESK_TEST_POSTGRES_URL="postgresql+psycopg://shiftdesk@127.0.0.1:$port/shiftdesk_test"
echo "with-postgres: throwaway cluster on 127.0.0.1:$port"
set +e
"$@"
status=$?
set -e
exit $status
