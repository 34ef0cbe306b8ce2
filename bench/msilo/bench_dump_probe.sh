#!/usr/bin/env bash
# Kamailio msilo's REGISTER-triggered dump, timed: preloads N messages for a fresh user with sipp, then
# dump_probe.cjs registers that user and times (hrtime) until it has received all N.
#   N=1000 REPS=3 ./bench_dump_probe.sh
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
N=${N:-1000}
REPS=${REPS:-3}
SIP_PORT=${SIP_PORT:-5070}
PRELOAD_RATE=${PRELOAD_RATE:-1000}
DB=${DB:-pg}
OUT=${OUT:-/tmp/msilo-bench/dumpprobe-$DB-n$N}
mkdir -p "$OUT"
cd "$OUT" || exit 1

count_rows() {
	if [ "$DB" = pg ]; then
		/usr/lib/postgresql/15/bin/psql -h 127.0.0.1 -p "${PGPORT:-5440}" -U kamailio -d kamailio -X -tAc \
			"select count(*) from silo where username='$1'"
	else
		sqlite3 /tmp/kam-msilo-run/msilo.sqlite "select count(*) from silo where username='$1'"
	fi
}

for i in $(seq 1 "$REPS"); do
	user="probe$(date +%s%N | cut -c8-16)"
	timeout 120 sipp 127.0.0.1:"$SIP_PORT" -sf "$HERE/uac_message_to_user.xml" -key user "$user" \
		-i 127.0.0.1 -p 5093 -r "$PRELOAD_RATE" -m "$N" -l 15000 -timeout 100s -recv_timeout 32000 \
		-trace_screen -screen_file "run$i.preload.screen" </dev/null >/dev/null 2>&1
	stored=$(count_rows "$user")
	rcvbuf0=$(awk '/^Udp:/{n++; if(n==2) print $6}' /proc/net/snmp)
	res=$(timeout 60 node "$HERE/dump_probe.cjs" "$user" "$N" "$SIP_PORT" 5090 5091 30)
	rcvbuf1=$(awk '/^Udp:/{n++; if(n==2) print $6}' /proc/net/snmp)
	echo "stored=$stored udp_rcvbuf_drops=$((rcvbuf1 - rcvbuf0)) $res" | tee "run$i.result"
	sleep 1
done
