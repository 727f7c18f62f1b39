#!/usr/bin/env bash
# The daemon's footprint with 3 Deployments × 10 pods: resident memory and CPU while idle
# (probes running, nothing changing). Target: under 30 MiB RSS and under 1% of a core.
# Usage: bench/footprint.sh [idle-seconds=60]
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE=${1:-60}
source bench/daemon.sh
for i in 1 2 3; do
  sed -e "s/image: hello-kubernetes:/image: IMAGE:/" -e "s/hello-kubernetes/app$i/g" -e "s/image: IMAGE:/image: hello-kubernetes:/" \
    -e "s/replicas: 3/replicas: 10/" examples/hello-kubernetes.yaml >"$WORK/app$i.yaml"
  "$SKIFF" apply -f "$WORK/app$i.yaml" >/dev/null
done
for i in 1 2 3; do "$SKIFF" rollout status "deployment/app$i" >/dev/null; done
sleep 10
ticks() { awk '{print $14, $15}' "/proc/$DAEMON/stat"; }
HZ=$(getconf CLK_TCK)
read -r user0 sys0 < <(ticks); sleep "$IDLE"; read -r user1 sys1 < <(ticks)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$DAEMON/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$DAEMON/status")
pods=$("$SKIFF" get pods --no-headers | wc -l)
awk -v u="$((user1 - user0))" -v s="$((sys1 - sys0))" -v hz="$HZ" -v idle="$IDLE" -v rss="$rss" -v hwm="$hwm" -v pods="$pods" 'BEGIN {
  cpu = (u + s) / hz / idle * 100
  printf "%d pods (3 Deployments x 10), idle %ds\n", pods, idle
  printf "daemon RSS %.1f MiB (peak %.1f MiB), idle CPU %.2f%% of a core (user %.2f%%, kernel %.2f%%)\n", rss/1024, hwm/1024, cpu, u / hz / idle * 100, s / hz / idle * 100
  printf "under 30 MiB: %s; under 1%% of a core: %s\n", (rss/1024 < 30 ? "yes" : "NO"), (cpu < 1 ? "yes" : "NO")
}'
