#!/usr/bin/env bash
# Mixed read/write load on a release build and the million-order database:
# 64 connections for 60 seconds (loopback only, stops by itself), vendors
# reading their order lists and searching, buyers browsing the shop and their
# orders, and one request in five a real purchase (POST with its CSRF token).
#
#   bench/load.sh                 # SQLite in ./bench-data (seeded if missing)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/yunshi_bench bench/load.sh
#
# Reports requests/s, latency percentiles, errors (must be none), the orders
# written, and the server's peak memory (VmHWM).
set -eu
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-8098}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
. bench/lib.sh
build_and_seed
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  # Each run loads a copy of the seeded database, so that runs (and builds
  # compared side by side) start from the same orders, and the purchases of
  # one run do not make the next one's buyer heavier.
  mkdir -p "$WORK/data"
  cp "$DATA_DIR/yunshi.db" "$WORK/data/yunshi.db"
  SEEDED_DIR=$DATA_DIR
  DATA_DIR=$WORK/data
fi
TOKEN_FOR_METRICS=load-$(date +%s)
export METRICS_TOKEN=$TOKEN_FOR_METRICS
start_server
VENDOR=$(session bulkvendor00)
BUYER=$(session bulkbuyer0000)
CSRF=$(curl -s -H "Cookie: $BUYER" "$BASE/shop" | field csrf_token)
UIN=$(curl -s -H "Cookie: $VENDOR" "$BASE/vendor/orders" | grep -o '<td class="mono">[0-9]\{10\}</td>' | head -1 | grep -o '[0-9]\{10\}')

# A listed product of the signed-in vendor with a plan that sells a month: its
# id, the plan and the total. Buying the vendor's own product keeps the
# database as the order benchmark expects it (the newest orders are spread
# over vendors as in the seed, not a burst of another vendor's), and makes
# the vendor's dashboard total move all the time, its worst case.
VENDOR_PRODUCTS=$(curl -s -H "Cookie: $VENDOR" "$BASE/vendor/products?state=listed" | grep -o 'href="/vendor/products/[0-9]*"' | grep -o '[0-9]*' | sort -u)
PRODUCT=""; PLAN=""; TOTAL=""
for product in $(curl -s -H "Cookie: $BUYER" "$BASE/shop" | grep -o 'href="/shop/products/[0-9]*"' | grep -o '[0-9]*' | grep -Fx "$VENDOR_PRODUCTS"); do
  for plan in $(curl -s -H "Cookie: $BUYER" "$BASE/shop/products/$product" | grep -o 'name="plan" value="[0-9]*"' | grep -o '[0-9]*'); do
    total=$(curl -s -H "Cookie: $BUYER" "$BASE/shop/products/$product/checkout?plan=$plan&term=m1" | field total_fen)
    if [ -n "$total" ]; then PRODUCT=$product; PLAN=$plan; TOTAL=$total; break 2; fi
  done
done
[ -n "$PRODUCT" ] || { echo "no product to buy"; exit 1; }

cat >"$WORK/load.lua" <<LUA
-- Weighted mix: the list entries repeat as often as their share.
local vendor = { ["Cookie"] = "$VENDOR" }
local buyer = { ["Cookie"] = "$BUYER" }
local post = { ["Cookie"] = "$BUYER", ["Content-Type"] = "application/x-www-form-urlencoded" }
local body = "csrf_token=$CSRF&plan=$PLAN&term=m1&total_fen=$TOTAL&checkout_key="
local mix = {}
local BUY = "buy"
local function add(times, method, path, headers, payload)
  for _ = 1, times do mix[#mix + 1] = wrk.format(method, path, headers, payload) end
end
-- Each purchase is a new checkout (a key of 32 hex digits the checkout page
-- would hand out): the same key again would show the order it already paid.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
local purchases = 0
local started = os.time()
local function purchase()
  purchases = purchases + 1
  local key = string.format("%08x%08x%016x", thread_number, started, purchases)
  return wrk.format("POST", "/shop/products/$PRODUCT/orders", post, body .. key)
end
-- Built per thread once wrk knows the Host header.
init = function(args)
  for _, headers in ipairs({ vendor, buyer, post }) do headers["Host"] = wrk.headers["Host"] end
  add(6, "GET", "/vendor/orders", vendor)
  add(2, "GET", "/vendor/orders?buyer_uin=$UIN", vendor)
  add(1, "GET", "/vendor", vendor)
  add(3, "GET", "/shop", buyer)
  add(3, "GET", "/shop/products/$PRODUCT", buyer)
  add(1, "GET", "/me/orders", buyer)
  for _ = 1, 4 do mix[#mix + 1] = BUY end
end
request = function()
  local chosen = mix[math.random(#mix)]
  if chosen == BUY then return purchase() end
  return chosen
end
LUA

# The server's memory, sampled twice a second while the load runs: its own
# (anonymous) memory, and the pages of the SQLite file it has mapped (mmap;
# page cache the kernel can take back, but counted in RSS and VmHWM).
( while kill -0 $SERVER 2>/dev/null; do awk '/RssAnon|RssFile/{printf "%s ", $2} END{print ""}' /proc/$SERVER/status 2>/dev/null; sleep 0.5; done ) >"$WORK/rss" &
SAMPLER=$!
BEFORE_RSS=$(awk '/VmRSS/{print $2}' /proc/$SERVER/status)
OUT=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/load.lua" "$BASE")
PEAK=$(awk '/VmHWM/{print $2}' /proc/$SERVER/status)
kill $SAMPLER 2>/dev/null || true
PURCHASES=$(curl -s -H "Authorization: Bearer $TOKEN_FOR_METRICS" "$BASE/metrics" | awk -F' ' '/yunshi_http_requests_total\{method="POST",route="\/shop\/products\/\{id\}\/orders",status="303"\}/{print $2}')
FAILED=$(curl -s -H "Authorization: Bearer $TOKEN_FOR_METRICS" "$BASE/metrics" | awk '/yunshi_http_requests_total/ && /status="5/{s+=$2} END{print s+0}')

echo "machine: $(machine); database: ${DATABASE_URL:-SQLite, a copy of $SEEDED_DIR/yunshi.db}"
echo "$OUT" | grep -E "Requests/sec|Latency  |requests in|Non-2xx|Socket errors| 50%| 90%| 99%"
echo "purchases written: ${PURCHASES:-0}; 5xx answered: $FAILED"
echo "mean time per route (server side, from /metrics):"
curl -s -H "Authorization: Bearer $TOKEN_FOR_METRICS" "$BASE/metrics" | awk '
  /^yunshi_http_request_duration_seconds_sum/ { split($0, a, "[{}]"); sum[a[2]] = $2 }
  /^yunshi_http_request_duration_seconds_count/ { split($0, a, "[{}]"); count[a[2]] = $2 }
  END { for (k in count) if (count[k] > 50) printf "  %-60s %8d requests %8.1f ms\n", k, count[k], 1000 * sum[k] / count[k] }'

ANON=$(awk '$1>m{m=$1} END{print int(m/1024)}' "$WORK/rss")
FILE=$(awk '$2>m{m=$2} END{print int(m/1024)}' "$WORK/rss")
echo "server memory: $((BEFORE_RSS / 1024)) MiB before; peak $((PEAK / 1024)) MiB resident (VmHWM), of which at most $ANON MiB its own (RssAnon) and $FILE MiB mapped database file (RssFile)"
if echo "$OUT" | grep -qE "Non-2xx|Socket errors" || [ "$FAILED" != "0" ]; then
  echo "ERRORS during the load run"; exit 1
fi
