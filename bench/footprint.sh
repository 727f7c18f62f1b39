#!/usr/bin/env bash
# The daemon's footprint with 3 Deployments × 10 pods: resident memory and CPU while idle
# (probes running, nothing changing). Target: under 30 MiB RSS and under 1% of a core.
# Usage: bench/footprint.sh [idle-seconds=60]
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE=${1:-60}
cargo build --release -q
SKIFF=$PWD/target/x86_64-unknown-linux-gnu/release/skiff
WORK=$(mktemp -d)
DAEMON=
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null || true
  sleep 0.5
  [ -f "$WORK/state/instance-id" ] && docker ps -aq --filter "label=io.skiff.instance=$(cat "$WORK/state/instance-id")" | xargs -r docker rm -f >/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$SKIFF" demo images >/dev/null
"$SKIFF" daemon --listen 127.0.0.1:0 --state-dir "$WORK/state" >"$WORK/daemon.out" 2>"$WORK/daemon.log" &
DAEMON=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/daemon.out" 2>/dev/null && break; sleep 0.1; done
export SKIFF_SERVER=$(grep -o 'http://[0-9.:]*' "$WORK/daemon.out")
for i in 1 2 3; do
  sed -e "s/image: hello-kubernetes:/image: IMAGE:/" -e "s/hello-kubernetes/app$i/g" -e "s/image: IMAGE:/image: hello-kubernetes:/" \
    -e "s/replicas: 3/replicas: 10/" examples/hello-kubernetes.yaml >"$WORK/app$i.yaml"
  "$SKIFF" apply -f "$WORK/app$i.yaml" >/dev/null
done
for i in 1 2 3; do "$SKIFF" rollout status "deployment/app$i" >/dev/null; done
sleep 10
ticks() { awk '{print $14 + $15}' "/proc/$DAEMON/stat"; }
HZ=$(getconf CLK_TCK)
before=$(ticks); sleep "$IDLE"; after=$(ticks)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$DAEMON/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$DAEMON/status")
pods=$("$SKIFF" get pods --no-headers | wc -l)
awk -v b="$before" -v a="$after" -v hz="$HZ" -v idle="$IDLE" -v rss="$rss" -v hwm="$hwm" -v pods="$pods" 'BEGIN {
  cpu = (a - b) / hz / idle * 100
  printf "%d pods (3 Deployments x 10), idle %ds\n", pods, idle
  printf "daemon RSS %.1f MiB (peak %.1f MiB), idle CPU %.2f%% of a core\n", rss/1024, hwm/1024, cpu
  printf "under 30 MiB: %s; under 1%% of a core: %s\n", (rss/1024 < 30 ? "yes" : "NO"), (cpu < 1 ? "yes" : "NO")
}'
