#!/usr/bin/env bash
# pg-bench.sh runs `rowhouse bench` against servers on PostgreSQL (issue 16
# item 5: get-one and patch), one binary after another, round after round
# (ROUNDS, default 1), so that old and new meet the same machine.
#
#   DB=postgres://rowhouse:rowhouse@127.0.0.1:5432/rowhouse_bench bench/pg-bench.sh [BINARY...]
#
# Each run gets schemas of its own (rowhouse_schema and rowhouse_doc_prefix
# appended to DB), dropped afterwards with psql. SCENARIOS (default
# bulk-add,get-one,patch), RECORDS (default 100000), DURATION (default
# 10s) and CONCURRENCY (default the bench's) are passed to the bench; the
# binary's own bench command is used.
set -euo pipefail

DB=${DB:?set DB to a postgres:// URL (its own database, e.g. rowhouse_bench)}
ROUNDS=${ROUNDS:-1}
SCENARIOS=${SCENARIOS:-bulk-add,get-one,patch}
RECORDS=${RECORDS:-100000}
DURATION=${DURATION:-10s}
PORT=${PORT:-18494}
KEY=bench-pg-point-read-key
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(./rowhouse)

log=$(mktemp /tmp/pg-bench.XXXXXX)
server_pid=
schemas=()
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
	for s in "${schemas[@]}"; do
		PGOPTIONS='-c client_min_messages=warning' psql -q "${DB%%\?*}" -c "DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT nspname FROM pg_namespace WHERE nspname = '$s' OR nspname LIKE '${s}\_%' LOOP EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname); END LOOP; END \$\$" >/dev/null 2>&1 || true
	done
	rm -f "$log"
}
trap cleanup EXIT

sep='?'
[[ $DB == *\?* ]] && sep='&'
for round in $(seq "$ROUNDS"); do
	for bin in "${bins[@]}"; do
		name=pgb_${round}_$$_$RANDOM
		schemas+=("$name")
		ROWHOUSE_RATE_LIMIT=${ROWHOUSE_RATE_LIMIT:-0} ROWHOUSE_OWNER_API_KEY=$KEY "$bin" serve --db "$DB${sep}rowhouse_schema=$name&rowhouse_doc_prefix=${name}_" \
			--addr 127.0.0.1:$PORT --rate-limit 0 >>"$log" 2>&1 &
		server_pid=$!
		for _ in $(seq 100); do
			curl -fs http://127.0.0.1:$PORT/healthz >/dev/null 2>&1 && break
			sleep 0.1
		done
		echo "== $bin, round $round"
		"$bin" bench --url http://127.0.0.1:$PORT --key $KEY --records "$RECORDS" --duration "$DURATION" --scenario "$SCENARIOS" ${CONCURRENCY:+--concurrency $CONCURRENCY} --pid "$server_pid"
		kill "$server_pid"
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	done
done
