#!/usr/bin/env bash
# Start the Kamailio msilo reference: (own PostgreSQL cluster or SQLite file) + Kamailio.
#
#   DB=pg     ./start.sh      # default: private PostgreSQL 15 cluster on 127.0.0.1:5440
#   DB=sqlite ./start.sh      # SQLite file /tmp/kam-msilo-run/msilo.sqlite
#
# Optional env: SIP_PORT (5070) UDP_CHILDREN (8) PGPORT (5440) SHM_MB (1024)
#               PKG_MB (32) CHECK_TIME (10) RESET=1 (empty the silo table first)
#               PG_SYNC_COMMIT (on|off, default on = fsync per commit)
#
# Everything started here is recorded in /tmp/kam-msilo-run/*.pid and
# /tmp/kam-msilo-pg/started_by_start_sh; stop.sh stops exactly those PIDs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
RUN=/tmp/kam-msilo-run
PGROOT=/tmp/kam-msilo-pg
PGBIN=/usr/lib/postgresql/15/bin
DB=${DB:-pg}
SIP_PORT=${SIP_PORT:-5070}
UDP_CHILDREN=${UDP_CHILDREN:-8}
PGPORT=${PGPORT:-5440}
SHM_MB=${SHM_MB:-1024}
PKG_MB=${PKG_MB:-32}
CHECK_TIME=${CHECK_TIME:-10}
PG_SYNC_COMMIT=${PG_SYNC_COMMIT:-on}

mkdir -p "$RUN"
if [ -f "$RUN/kamailio.main.pid" ] && kill -0 "$(cat "$RUN/kamailio.main.pid")" 2>/dev/null; then
	echo "kamailio already running (pid $(cat "$RUN/kamailio.main.pid")); run stop.sh first" >&2
	exit 1
fi

DEFS=()
case "$DB" in
pg|postgres)
	PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -v ON_ERROR_STOP=1 -q -X)
	if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
		mkdir -p "$PGROOT/data" "$PGROOT/sock"
		chown -R postgres:postgres "$PGROOT"
		runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -A trust -U postgres \
			--no-instructions >"$PGROOT/initdb.log" 2>&1
	fi
	if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/postgres.log" -w \
			-o "-p $PGPORT -k $PGROOT/sock -c listen_addresses=127.0.0.1 -c max_connections=200 -c synchronous_commit=$PG_SYNC_COMMIT" \
			start >/dev/null
		head -1 "$PGROOT/data/postmaster.pid" >"$PGROOT/started_by_start_sh"
	fi
	if ! "${PSQL[@]}" -U postgres -tAc "select 1 from pg_database where datname='kamailio'" | grep -q 1; then
		"${PSQL[@]}" -U postgres -c "create role kamailio login password 'kamailio'"
		"${PSQL[@]}" -U postgres -c "create database kamailio owner kamailio"
		"${PSQL[@]}" -U kamailio -d kamailio -f /usr/share/kamailio/postgres/standard-create.sql
		"${PSQL[@]}" -U kamailio -d kamailio -f /usr/share/kamailio/postgres/msilo-create.sql
	fi
	if [ "${RESET:-0}" = 1 ]; then
		"${PSQL[@]}" -U kamailio -d kamailio -c "truncate silo"
	fi
	DBURL="postgres://kamailio:kamailio@127.0.0.1:$PGPORT/kamailio"
	;;
sqlite)
	DBFILE="$RUN/msilo.sqlite"
	if [ "${RESET:-0}" = 1 ]; then rm -f "$DBFILE" "$DBFILE-wal" "$DBFILE-shm" "$DBFILE-journal"; fi
	if [ ! -f "$DBFILE" ]; then
		sqlite3 "$DBFILE" </usr/share/kamailio/db_sqlite/standard-create.sql
		sqlite3 "$DBFILE" </usr/share/kamailio/db_sqlite/msilo-create.sql
	fi
	DBURL="sqlite://$DBFILE"
	DEFS+=(-A WITH_SQLITE)
	;;
*)
	echo "DB must be pg or sqlite" >&2
	exit 2
	;;
esac

/usr/sbin/kamailio -f "$HERE/kamailio.cfg" -c -A "DBURL=\"$DBURL\"" "${DEFS[@]}" >/dev/null 2>&1 || {
	/usr/sbin/kamailio -f "$HERE/kamailio.cfg" -c -A "DBURL=\"$DBURL\"" "${DEFS[@]}"
	exit 1
}

/usr/sbin/kamailio -f "$HERE/kamailio.cfg" -DD -E \
	-m "$SHM_MB" -M "$PKG_MB" -Y "$RUN" -P "$RUN/kamailio.pid" \
	-A "DBURL=\"$DBURL\"" -A "SIP_PORT=$SIP_PORT" -A "UDP_CHILDREN=$UDP_CHILDREN" \
	-A "CHECK_TIME=$CHECK_TIME" "${DEFS[@]}" \
	>"$RUN/kamailio.log" 2>&1 &
echo $! >"$RUN/kamailio.main.pid"

for _ in $(seq 1 100); do
	if ss -lun | grep -q "127.0.0.1:$SIP_PORT "; then
		echo "kamailio up: pid $(cat "$RUN/kamailio.main.pid"), DB=$DB ($DBURL), sip:127.0.0.1:$SIP_PORT udp+tcp"
		exit 0
	fi
	if ! kill -0 "$(cat "$RUN/kamailio.main.pid")" 2>/dev/null; then break; fi
	sleep 0.1
done
echo "kamailio failed to start, see $RUN/kamailio.log" >&2
tail -20 "$RUN/kamailio.log" >&2
exit 1
