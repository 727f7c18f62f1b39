# Sourced by the benchmark scripts: a release build of skiff, a daemon of its own on a fresh
# state dir (port 0), and on exit the end of exactly what the script started (its PIDs) and the
# removal of its instance's containers.
cargo build --release -q
SKIFF=${CARGO_TARGET_DIR:-$PWD/target}/x86_64-unknown-linux-gnu/release/skiff
WORK=$(mktemp -d)
STARTED=()
cleanup() {
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -f "$WORK/state/instance-id" ]; then
    docker ps -aq --filter "label=io.skiff.instance=$(cat "$WORK/state/instance-id")" | xargs -r docker rm -f >/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SKIFF" demo images >/dev/null
"$SKIFF" daemon --listen 127.0.0.1:0 --state-dir "$WORK/state" >"$WORK/daemon.out" 2>"$WORK/daemon.log" &
DAEMON=$!
STARTED+=("$DAEMON")
for _ in $(seq 1 50); do grep -q listening "$WORK/daemon.out" 2>/dev/null && break; sleep 0.1; done
SKIFF_SERVER=$(grep -o 'http://[0-9.:]*' "$WORK/daemon.out")
export SKIFF_SERVER
