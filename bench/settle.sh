#!/usr/bin/env bash
# Settlement benchmark: how long `yunshi settle` takes to make every vendor's
# statement for one month of the 1,000,000-order database (release build).
#
#   bench/settle.sh                 # SQLite in ./bench-data (seeded if missing)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/yunshi_bench bench/settle.sh
#
# Each run first deletes that month's statements (so it measures making them,
# not finding them made), then times the command; RUNS runs, each reported.
# MONTH defaults to the month 12 months back, in the middle of the seeded span.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
MONTH=${MONTH:-$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-15) -12 months" +%Y-%m)}
. bench/lib.sh
build_and_seed

forget_month() {
  local sql="DELETE FROM statement_lines WHERE statement_id IN (SELECT id FROM statements WHERE month = '$MONTH'); DELETE FROM statements WHERE month = '$MONTH';"
  if [ -n "${DATABASE_URL:-}" ]; then
    psql -q "$DATABASE_URL" -c "$sql"
  else
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()" "$DATA_DIR/yunshi.db" "$sql"
  fi
}

count_lines() {
  local sql="SELECT COUNT(*) FROM statement_lines l JOIN statements s ON s.id = l.statement_id WHERE s.month = '$MONTH'"
  if [ -n "${DATABASE_URL:-}" ]; then
    psql -qtA "$DATABASE_URL" -c "$sql"
  else
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$DATA_DIR/yunshi.db" "$sql"
  fi
}

# peak_memory PID: the process's peak resident set (VmHWM) and the largest
# heap-and-stack part of it seen (RssAnon; the rest is the mapped database
# file), sampled every 10 ms until it exits, in MiB.
peak_memory() {
  local pid=$1 anon=0 hwm=0 a h
  while [ -r "/proc/$pid/status" ]; do
    a=$(awk '/^RssAnon/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    h=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${a:-0}" -gt "$anon" ] && anon=$a
    [ "${h:-0}" -gt "$hwm" ] && hwm=$h
    sleep 0.01
  done
  echo "$((hwm / 1024)) MiB resident at most, $((anon / 1024)) MiB of it heap (RssAnon)"
}

echo "machine: $(machine); database: ${DATABASE_URL:-SQLite $DATA_DIR/yunshi.db}; month $MONTH"
for run in $(seq 1 "$RUNS"); do
  forget_month
  start=$(date +%s.%N)
  "$BIN" --data-dir "$DATA_DIR" settle --month "$MONTH" >/dev/null &
  settler=$!
  memory=$(peak_memory "$settler")
  wait "$settler"
  end=$(date +%s.%N)
  printf 'run %s: %.2f s, %s statement lines, %s\n' "$run" "$(echo "$end - $start" | bc)" "$(count_lines)" "$memory"
done
# The ledger against the history for the month (the oracle reads the history: slower).
"$BIN" --data-dir "$DATA_DIR" ledger check --month "$MONTH"

# The pages, signed in as the busiest vendor: wrk with one connection.
command -v wrk >/dev/null || { echo "wrk is needed for the page figures (apt-get install wrk)"; exit 0; }
PORT=${PORT:-8098}
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
start_server
COOKIE=$(session bulkvendor00)
echo "| page (bulkvendor00) | req/s | p50 | p99 | bytes"
echo "|---|---|---|---|---|"
for path in "/vendor" "/vendor/settlements" "/vendor/settlements/$MONTH" "/vendor/settlements/$MONTH.csv"; do
  out=$(wrk -t1 -c1 -d"${DURATION:-5}s" --latency -H "Cookie: $COOKIE" "$BASE$path")
  bytes=$(curl -s -H "Cookie: $COOKIE" "$BASE$path" | wc -c)
  printf '| %s | %s | %s | %s | %s\n' "$path" "$(echo "$out" | awk '/Requests\/sec/{print $2}')" \
    "$(echo "$out" | awk '$1=="50%"{print $2}')" "$(echo "$out" | awk '$1=="99%"{print $2}')" "$bytes"
done
