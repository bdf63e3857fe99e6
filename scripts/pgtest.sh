#!/usr/bin/env bash
# pgtest.sh starts or stops a private PostgreSQL cluster for the tests, on
# loopback only, in a directory of its own (Debian's postgresql package).
#
#   eval "$(scripts/pgtest.sh start /tmp/fifteen-pg)"   # exports FIFTEEN_TEST_POSTGRES
#   scripts/pgtest.sh stop /tmp/fifteen-pg
#
# As root (CI), the cluster runs as the postgres user, since PostgreSQL
# refuses to run as root. Connections are trusted: the cluster listens on
# 127.0.0.1 only and holds nothing but test data. Tests create databases of
# their own; the PostGIS tests create the extension in theirs
# (postgresql-<major>-postgis-3, which .ci/run installs).
set -euo pipefail
cmd=${1:?usage: pgtest.sh start|stop DIR}
dir=${2:?usage: pgtest.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pgtest.sh: PostgreSQL server not installed (apt-get install postgresql)" >&2; exit 1; }
as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $cmd in
start)
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	port=""
	for p in $(shuf -i 20000-60000 -n 50); do
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then port=$p; break; fi
	done
	[ -n "$port" ] || { echo "pgtest.sh: no free port" >&2; exit 1; }
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "$port" >"$dir/port"
	echo "export FIFTEEN_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	;;
stop)
	[ -d "$dir/data" ] && as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: pgtest.sh start|stop DIR" >&2; exit 2 ;;
esac
