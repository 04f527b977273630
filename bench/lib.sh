# Shared by the benchmark scripts (sourced from the repository's root):
# the release build, the seeded million-order database, a server on PORT
# and signing in. DATABASE_URL names a PostgreSQL database seeded beforehand;
# without it, SQLite in DATA_DIR is seeded on first use.
DATA_DIR=${DATA_DIR:-./bench-data}
ORDERS=${ORDERS:-1000000}
# BIN names a build to run instead of this checkout's (an older commit built
# into a separate --target-dir, to compare in one run); it is not rebuilt.
if [ -z "${BIN:-}" ]; then
  BIN=target/release/yunshi
  BUILD_HERE=1
fi

build_and_seed() {
  if [ -n "${BUILD_HERE:-}" ]; then cargo build --release --quiet; fi
  mkdir -p "$DATA_DIR"
  if [ -z "${DATABASE_URL:-}" ] && [ ! -f "$DATA_DIR/yunshi.db" ]; then
    "$BIN" --data-dir "$DATA_DIR" seed --orders "$ORDERS" --seed 42
  fi
}

# start_server: serves on PORT (without the hourly settler), logs to
# $WORK/server.log, sets SERVER and BASE; extra settings come from the
# caller's environment (exported variables).
start_server() {
  BASE="http://127.0.0.1:$PORT"
  NO_AUTO_SETTLE=1 RUST_LOG=warn "$BIN" --data-dir "$DATA_DIR" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 50); do curl -sf "$BASE/healthz" >/dev/null && return; sleep 0.2; done
  echo "server did not start"; cat "$WORK/server.log"; exit 1
}

# field NAME: the value of the first form field NAME in the page on stdin.
field() { grep -o "name=\"$1\" value=\"[^\"]*\"" | head -1 | sed 's/.*value="//;s/"$//'; }

# session LOGIN: signs in through the form and prints the Cookie header value.
session() {
  local jar="$WORK/jar-$1" token
  token=$(curl -s -c "$jar" -b "$jar" "$BASE/login" | field csrf_token)
  curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" -d "login=$1&password=yunshi-demo" "$BASE/login"
  echo "yunshi_session=$(awk '$6=="yunshi_session"{print $7}' "$jar")"
}

machine() {
  echo "$(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
}
