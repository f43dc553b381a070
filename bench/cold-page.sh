#!/usr/bin/env bash
# cold-page.sh measures the first reads of a new filter-and-sort shape on a
# big table (issue 16, automatic indexes): for each binary, a fresh server
# gets ROWS rows (bulk-add), then `rowhouse bench --scenario cold-page`
# makes 2,000 reads of a shape it has not been asked, at CONCURRENCY, and
# prints their p50 and p99 and the server's peak RSS.
#
#   bench/cold-page.sh [BINARY...]     default: ./rowhouse (go build first)
#
# The binaries run one after another on the same machine; the bench
# client is the first binary (older binaries lack the cold-page scenario:
# list the new one first). SEED picks the shape's sort (see bench's
# coldSorts). SCENARIOS and DURATION run other scenarios the same way,
# e.g. ROWS=100000 SCENARIOS=bulk-add,page,get-one DURATION=20s for the
# warm page and get-one figures.
set -euo pipefail

ROWS=${ROWS:-1000000}
SEED=${SEED:-3}
CONCURRENCY=${CONCURRENCY:-16}
SCENARIOS=${SCENARIOS:-bulk-add,cold-page}
DURATION=${DURATION:-180s}
PORT=${PORT:-18490}
KEY=bench-cold-page-key-0123456789
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(./rowhouse)
client=${bins[0]}

work=$(mktemp -d /tmp/cold-page.XXXXXX)
trap 'rm -rf "$work"' EXIT
for bin in "${bins[@]}"; do
	dir="$work/data"
	rm -rf "$dir"
	ROWHOUSE_RATE_LIMIT=${ROWHOUSE_RATE_LIMIT:-0} ROWHOUSE_OWNER_API_KEY=$KEY "$bin" serve --data "$dir" --addr "127.0.0.1:$PORT" 2>"$work/serve.log" &
	pid=$!
	for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
	echo "== $bin"
	"$client" bench --url "http://127.0.0.1:$PORT" --key "$KEY" --scenario "$SCENARIOS" \
		--records "$ROWS" --duration "$DURATION" --concurrency "$CONCURRENCY" --seed "$SEED" --pid "$pid" 2>&1 | grep -v '^bench:'
	kill "$pid"
	wait "$pid" || true
done
