#!/bin/sh
# pg.sh start|stop|url: a throw-away PostgreSQL for the store/sqlstore tests.
#
#   eval "$(store/sqlstore/testdata/pg.sh start)"   # exports SCIM_TEST_POSTGRES_URL
#   go test -race ./store/sqlstore/...
#   store/sqlstore/testdata/pg.sh stop
#
# start installs PostgreSQL with apt-get when no server binaries are found,
# initdb's a cluster into $SCIM_PG_DIR (default: a new directory made by
# mktemp), runs it as the postgres user when invoked as root (initdb
# refuses root), listens on 127.0.0.1:$SCIM_PG_PORT only (default: the
# first free port it finds), creates the database "scimtest" and prints
# export lines for SCIM_PG_DIR, SCIM_PG_PORT and SCIM_TEST_POSTGRES_URL on
# stdout, so that after eval, stop and url find the server start made and
# two runs on one machine never share one. Everything else goes to stderr.
# start and stop are idempotent; stop needs SCIM_PG_DIR (eval start's
# output) and also deletes that directory unless SCIM_PG_KEEP is set.
#
# scimtest's default collation is ICU en-US where the server supports it,
# as a host's database often has a locale collation: the tests then prove
# that the store's ordering does not depend on it.
#
# The server trades durability for speed (fsync=off,
# synchronous_commit=off) unless SCIM_PG_FAST=0, which benchmarks use.
set -eu

DIR=${SCIM_PG_DIR:-}
PORT=${SCIM_PG_PORT:-}
DB=scimtest
FAST=${SCIM_PG_FAST:-1}

url() {
	echo "postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable"
}

# need_dir fails unless SCIM_PG_DIR names the directory start made.
need_dir() {
	if [ -z "$DIR" ]; then
		echo "pg.sh: SCIM_PG_DIR is not set; run eval \"\$(pg.sh start)\" in this shell first" >&2
		exit 1
	fi
	if [ -z "$PORT" ] && [ -f "$DIR/port" ]; then
		PORT=$(cat "$DIR/port")
	fi
}

bindir() {
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		# -s: the postgres account may have no login shell.
		su postgres -s /bin/sh -c "$*"
	else
		sh -c "$*"
	fi
}

start() {
	BIN=$(bindir || true)
	if [ -z "$BIN" ]; then
		echo "pg.sh: installing PostgreSQL with apt-get" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		apt-get install -y -qq postgresql >&2
		BIN=$(bindir)
	fi
	if [ -z "$DIR" ]; then
		DIR=$(mktemp -d "${TMPDIR:-/tmp}/scimkit-pg.XXXXXX")
	fi
	mkdir -p "$DIR"
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$DIR"
	fi
	chmod 700 "$DIR"
	if [ ! -f "$DIR/data/PG_VERSION" ]; then
		as_pg "'$BIN/initdb' -D '$DIR/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >'$DIR/initdb.log' 2>&1" ||
			as_pg "'$BIN/initdb' -D '$DIR/data' -U postgres -A trust -E UTF8 --locale=C >'$DIR/initdb.log' 2>&1" || {
			cat "$DIR/initdb.log" >&2
			exit 1
		}
	fi
	if [ -z "$PORT" ] && [ -f "$DIR/port" ]; then
		PORT=$(cat "$DIR/port") # restarting what an earlier start made
	fi
	if ! as_pg "'$BIN/pg_ctl' -D '$DIR/data' status" >/dev/null 2>&1; then
		if [ -n "$PORT" ]; then
			serve "$PORT" || {
				cat "$DIR/server.log" >&2
				exit 1
			}
		else
			# Try ports from one that depends on this process, so that
			# runs started together rarely try the same ones.
			p=$((55432 + $$ % 4000))
			last=$((p + 40))
			until serve "$p"; do
				if ! grep -q "in use" "$DIR/server.log" || [ "$p" -ge "$last" ]; then
					cat "$DIR/server.log" >&2
					exit 1
				fi
				p=$((p + 1))
			done
			PORT=$p
		fi
	fi
	echo "$PORT" >"$DIR/port"
	if ! as_pg "'$BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -d postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"" | grep -q 1; then
		as_pg "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U postgres -T template0 --locale-provider=icu --icu-locale=en-US $DB" 2>/dev/null ||
			as_pg "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U postgres $DB" >&2
	fi
	echo "export SCIM_PG_DIR='$DIR'"
	echo "export SCIM_PG_PORT='$PORT'"
	echo "export SCIM_TEST_POSTGRES_URL='$(url)'"
}

# serve starts the cluster of $DIR listening on port $1.
serve() {
	OPTS="-c listen_addresses=127.0.0.1 -p $1 -k '$DIR' -c max_connections=200"
	if [ "$FAST" != 0 ]; then
		OPTS="$OPTS -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	as_pg "'$BIN/pg_ctl' -D '$DIR/data' -l '$DIR/server.log' -w -t 60 -o \"$OPTS\" start" >&2
}

stop() {
	need_dir
	BIN=$(bindir || true)
	if [ -n "$BIN" ] && [ -f "$DIR/data/PG_VERSION" ]; then
		if as_pg "'$BIN/pg_ctl' -D '$DIR/data' status" >/dev/null 2>&1; then
			as_pg "'$BIN/pg_ctl' -D '$DIR/data' -m fast -w stop" >&2
		fi
	fi
	if [ "${SCIM_PG_KEEP:-}" = "" ]; then
		rm -rf "$DIR"
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
url)
	need_dir
	url
	;;
*)
	echo "usage: $0 start|stop|url" >&2
	exit 2
	;;
esac
