#!/usr/bin/env bash
# keyed-import.sh measures `rowhouse import --key-column` (issue 18): a
# 200,000-row file re-imported by its key into a 200,000-row table, once
# with the key column not marked unique (as Grist's API leaves it) and once
# with it unique, on a fresh server each time. It prints rows/s, the ratio
# of the two, the server's CPU time, and its peak RSS during the keyed
# import (of a server restarted after the table was loaded, so that the
# load does not count).
#
#   bench/keyed-import.sh [BINARY...]     default: ./rowhouse (go build first)
#
# Several binaries are run alternately, round after round (ROUNDS, default
# 1), so that old and new meet the same machine. ROWS changes the size,
# MODES=unique (or non-unique) runs one of the two, ORDER=shuffled changes
# the order of the re-imported file (see below),
# DB=postgres://... runs the servers on PostgreSQL instead of SQLite: each
# run gets schemas of its own (the script appends rowhouse_schema and
# rowhouse_doc_prefix to the URL), left in the database afterwards.
set -euo pipefail

ROWS=${ROWS:-200000}
ROUNDS=${ROUNDS:-1}
MODES=${MODES:-non-unique unique}
ORDER=${ORDER:-same}
PORT=${PORT:-18484}
KEY=bench-keyed-import-key
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(./rowhouse)

work=$(mktemp -d /tmp/keyed-import.XXXXXX)
server_pid=
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The table's 200,000 rows, then the same keys with every other cell
# changed: in the same order (ORDER=same, the default: a re-import, or the
# resume the importer suggests after a failure) or shuffled
# (ORDER=shuffled: each chunk's records all over the table).
awk -v n="$ROWS" 'BEGIN {
	print "email,name,qty,price,active,day,kind,note"
	for (i = 0; i < n; i++)
		printf "user%d@example.com,name %d,%d,%.2f,%s,2024-%02d-%02d,%s,note %d\n", i, i, i % 1000, i / 7, (i % 2 ? "true" : "false"), i % 12 + 1, i % 28 + 1, substr("abc", i % 3 + 1, 1), i
}' >"$work/people.csv"
awk -v n="$ROWS" -v order="$ORDER" 'BEGIN {
	print "email,name,qty,price,active,day,kind,note"
	for (k = 0; k < n; k++) {
		i = order == "shuffled" ? (k * 7919) % n : k # 7919 is prime: a permutation unless n is its multiple
		printf "user%d@example.com,renamed %d,%d,%.2f,%s,2023-%02d-%02d,%s,changed %d\n", i, i, (i + 1) % 1000, i / 3, (i % 2 ? "false" : "true"), i % 12 + 1, i % 28 + 1, substr("cab", i % 3 + 1, 1), i
	}
}' >"$work/changed.csv"

start_server() { # binary datadir|db-url
	local bin=$1 where=$2
	local store=(--data "$where")
	[[ $where == postgres://* ]] && store=(--db "$where")
	ROWHOUSE_OWNER_API_KEY=$KEY "$bin" serve "${store[@]}" --addr 127.0.0.1:$PORT --rate-limit 0 --log-format json >>"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do
		curl -fs http://127.0.0.1:$PORT/healthz >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "server did not start; log:" >&2
	tail -20 "$work/server.log" >&2
	exit 1
}

stop_server() {
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}

api() { # method path [body]
	curl -fsS -X "$1" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' ${3:+--data "$3"} "http://127.0.0.1:$PORT$2"
}

run_one() { # binary unique|non-unique round
	local bin=$1 mode=$2 round=$3 where
	if [ -n "${DB:-}" ]; then
		local sep='?'
		[[ $DB == *\?* ]] && sep='&'
		where="$DB${sep}rowhouse_schema=ki_${round}_${mode//-/_}_$$&rowhouse_doc_prefix=ki_${round}_${mode//-/_}_$$_"
	else
		where=$work/data-$round-$mode-$(basename "$bin")
	fi
	start_server "$bin" "$where"
	local ws doc
	ws=$(api POST /api/orgs/current/workspaces '{"name":"keyed"}')
	doc=$(api POST "/api/workspaces/$ws/docs" '{"name":"keyed"}' | tr -d '"')
	local keyflag=()
	[ "$mode" = unique ] && keyflag=(--key-column email) # the table is created with email unique
	"$bin" import "$work/people.csv" --url http://127.0.0.1:$PORT --key $KEY --doc "$doc" --table People "${keyflag[@]}" >/dev/null 2>&1
	stop_server
	start_server "$bin" "$where"
	local t0 t1
	t0=$(date +%s.%N)
	"$bin" import "$work/changed.csv" --url http://127.0.0.1:$PORT --key $KEY --doc "$doc" --table People --key-column email >"$work/import.log" 2>&1 ||
		{ echo "import failed:" >&2; tail -5 "$work/import.log" >&2; exit 1; }
	t1=$(date +%s.%N)
	local peak cpu
	peak=$(awk '/^VmHWM:/ {print int($2 / 1024)}' /proc/$server_pid/status)
	# The server's CPU time (user + system) since its start, in seconds.
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' /proc/$server_pid/stat)
	stop_server
	awk -v b="$bin" -v m="$mode" -v r="$round" -v n="$ROWS" -v t0="$t0" -v t1="$t1" -v p="$peak" -v c="$cpu" \
		'BEGIN { printf "%-28s %-10s round %d: %7.1f s  %7.0f rows/s  server CPU %6.1f s (%5.1f us/row)  peak RSS %d MB\n", b, m, r, t1 - t0, n / (t1 - t0), c, c * 1e6 / n, p }' | tee -a "$work/results"
	[ -n "${DB:-}" ] || rm -rf "$where"
}

for round in $(seq "$ROUNDS"); do
	for bin in "${bins[@]}"; do
		for mode in $MODES; do
			run_one "$bin" "$mode" "$round"
		done
	done
done
echo
echo "non-unique / unique time ratio, per binary and round:"
awk '{ r = $4; sub(":", "", r); key = $1 " round " r; t[key, $2] = $5 } END {
	for (k in t) { split(k, a, SUBSEP); keys[a[1]] = 1 }
	for (k in keys) if ((k, "unique") in t && (k, "non-unique") in t) printf "  %s: %.2fx\n", k, t[k, "non-unique"] / t[k, "unique"]
}' "$work/results" | sort
