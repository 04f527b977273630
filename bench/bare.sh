#!/usr/bin/env bash
# The uncached vendor order list against a bare page of the same stack, in
# one run: bench/bare (actix-web + askama + diesel over the same SQLite file,
# the vendor's 50 newest orders, no session, no layout) and yunshi's
# /vendor/orders for the same vendor with page copies off (PAGE_COPIES_MS=0).
#
#   bench/bare.sh          # SQLite in ./bench-data (seeded if missing)
#
# wrk with 16 connections and with one, DURATION seconds each.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
build_and_seed
cargo build --release --quiet --manifest-path bench/bare/Cargo.toml
PORT=${PORT:-8094}
BARE_PORT=${BARE_PORT:-8093}
WORK=$(mktemp -d)
trap 'kill $SERVER $BARE 2>/dev/null || true; rm -rf "$WORK"' EXIT
export PAGE_COPIES_MS=0
start_server
COOKIE=$(session bulkvendor00)
VENDOR=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT id FROM accounts WHERE login = 'bulkvendor00'\").fetchone()[0])" "$DATA_DIR/yunshi.db")
bench/bare/target/release/bare-page "$DATA_DIR/yunshi.db" "$VENDOR" "127.0.0.1:$BARE_PORT" &
BARE=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$BARE_PORT/" >/dev/null && break; sleep 0.2; done

echo "machine: $(machine); SQLite $DATA_DIR/yunshi.db; vendor bulkvendor00 ($VENDOR)"
echo "| page | connections | req/s | p50 | p99 |"
echo "|---|---|---|---|---|"
rate() { awk '/Requests\/sec/{print $2}'; }
for connections in 16 1; do
  threads=$((connections < 2 ? 1 : 2))
  bare=$(wrk -t$threads -c$connections -d"${DURATION:-10}s" --latency "http://127.0.0.1:$BARE_PORT/")
  ours=$(wrk -t$threads -c$connections -d"${DURATION:-10}s" --latency -H "Cookie: $COOKIE" "$BASE/vendor/orders")
  for which in bare ours; do
    out=${!which}
    printf '| %s | %s | %s | %s | %s |\n' "$which" "$connections" "$(echo "$out" | rate)" \
      "$(echo "$out" | awk '$1=="50%"{print $2}')" "$(echo "$out" | awk '$1=="99%"{print $2}')"
  done
  echo "ratio at $connections: $(echo "$ours" | rate) / $(echo "$bare" | rate) = $(echo "scale=2; $(echo "$ours" | rate) / $(echo "$bare" | rate)" | bc)"
done
