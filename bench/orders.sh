#!/usr/bin/env bash
# Order-list benchmark on a release build and a database seeded with
# `yunshi seed --orders 1000000 --seed 42`.
#
#   bench/orders.sh                 # SQLite in ./bench-data (seeded if missing)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/yunshi_bench bench/orders.sh
#
# For each page it runs wrk for DURATION seconds with 1 connection (latency)
# and with CONNECTIONS connections (throughput), loopback only, and compares the
# first page of the list with the same bytes served as a fixed page by the same
# server (/bench/fixed), measured in the same run. It does so twice: as served
# (a list read from the database serves repeats for a second) and with
# PAGE_COPIES_MS=0, every request reading the database.
set -eu
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-8099}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
. bench/lib.sh
build_and_seed
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
export YUNSHI_BENCH_FIXED_PAGE="$WORK/fixed.html"

: >"$WORK/fixed.html"
start_server
# The fixed page: exactly the bytes of the list's first page, signed in as
# the busiest vendor.
COOKIE=$(session bulkvendor00)
curl -s -H "Cookie: $COOKIE" "$BASE/vendor/orders" >"$WORK/fixed.html"

# A page deep in the list: follow 200 "next" links (10 000 rows down).
deep="/vendor/orders"
for _ in $(seq 1 200); do
  next=$(curl -s -H "Cookie: $COOKIE" "$BASE$deep" | grep -o 'href="/vendor/orders?after=[^"]*"' | tail -1 | sed 's/href="//;s/"$//;s/&amp;/\&/g')
  [ -n "$next" ] || break
  deep=$next
done
first_page=$(curl -s -H "Cookie: $COOKIE" "$BASE/vendor/orders")
order_no=$(echo "$first_page" | grep -o 'MARKET_[A-Za-z]*2S[0-9]*' | sed -n 20p)
buyer=$(echo "$first_page" | grep -o '<td class="mono">22[0-9]\{8\}</td>' | head -1 | grep -o '[0-9]\{10\}')
kill $SERVER; wait $SERVER 2>/dev/null || true

run() { # label path connections
  local out
  out=$(wrk -t1 -c"$3" -d"${DURATION}s" --latency -H "Cookie: $COOKIE" "$BASE$2")
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p50=$(echo "$out" | awk '$1=="50%"{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ')
  printf '| %-28s | %3s | %10s | %9s | %9s | %s\n' "$1" "$3" "$rps" "$p50" "$p99" "${errors:-}"
  eval "RPS_$4=$rps"
}

# table MILLISECONDS TITLE: every page against a server that reuses what it
# read for MILLISECONDS (PAGE_COPIES_MS; 0 reads the database every time).
table() {
  export PAGE_COPIES_MS=$1
  start_server
  COOKIE=$(session bulkvendor00)
  echo
  echo "### $2"
  echo "| page | conns | req/s | p50 | p99 | errors"
  echo "|---|---|---|---|---|---|"
  run "fixed page (same bytes)" "/bench/fixed" 1 fixed1
  run "list, first page" "/vendor/orders" 1 first1
  run "list, deep page (10k rows)" "$deep" 1 deep1
  run "search by user ID" "/vendor/orders?buyer_uin=$buyer" 1 uin1
  run "search by order number" "/vendor/orders?order_no=$order_no" 1 no1
  run "search by number prefix" "/vendor/orders?order_no=${order_no:0:21}" 1 prefix1
  run "filtered list" "/vendor/orders?type=purchase&billing=prepaid&status=refunded" 1 filter1
  run "fixed page (same bytes)" "/bench/fixed" "$CONNECTIONS" fixedN
  run "list, first page" "/vendor/orders" "$CONNECTIONS" firstN
  awk -v a="$RPS_firstN" -v b="$RPS_fixedN" 'BEGIN{printf "\nfirst page / fixed page throughput at %s connections: %.2f\n", '"$CONNECTIONS"', a/b}'
  kill $SERVER; wait $SERVER 2>/dev/null || true
}

echo "machine: $(machine); database: ${DATABASE_URL:-SQLite $DATA_DIR/yunshi.db}"
table 1000 "As served (PAGE_COPIES_MS=1000: a page read from the database serves repeats for up to a second)"
table 0 "Every request read from the database (PAGE_COPIES_MS=0)"

# CSV export of the vendor's whole list, three times.
start_server
COOKIE=$(session bulkvendor00)
echo
for i in 1 2 3; do
  curl -s -o "$WORK/export.csv" -w "CSV export: %{size_download} bytes in %{time_total} s\n" -H "Cookie: $COOKIE" "$BASE/vendor/orders.csv"
done
echo "CSV rows: $(($(wc -l <"$WORK/export.csv") - 1)); server peak memory: $(awk '/VmHWM/{print $2" "$3}' /proc/$SERVER/status)"
