#!/usr/bin/env bash
# Throughput of skiff's proxy against nginx in front of the same 3 demo pods, in one run,
# alternating: wrk (keep-alive) on 127.0.0.1 only, bounded in time. nginx is set up the way
# one would put it in front of the pods: round robin, upstream keepalive, worker_processes auto.
# skiff is measured twice over the same pods: through the lesson's Service (HTTP/1.1 to the
# pods, like nginx) and through a second Service whose port declares
# `appProtocol: kubernetes.io/h2c`, which skiff honours by multiplexing requests over one
# HTTP/2 connection per pod (Debian's nginx 1.22 cannot proxy HTTP/2 to an upstream, and the
# HTTP/2 upstream support new in nginx 1.29 does not multiplex).
# Two wrk shapes in the same run: -t1 -c32 and -t2 -c64. Next to requests/s and p50/p99, each
# proxy's own CPU time per request (its processes' utime+stime from /proc over the measured
# interval, and the two apart: user space and kernel; skiff's daemon, nginx's master and
# workers; the pods and Docker's port proxies are not counted for either), and, in a separate
# pass, system calls per request (perf's raw_syscalls:sys_enter count over a run, divided by
# the requests it served).
# Needs wrk, nginx and perf (Debian packages; installed here when run as root).
# Five rounds by default: on these 2-core VMs one proxy's CPU per request moves by up to a
# third from one 10 s round to the next (29.5-39.2 us in one run), so three rounds left the
# verdict to chance; five take about 6 minutes.
# Usage: bench/proxy.sh [rounds=5] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5} SECS=${2:-10}
SHAPES=("-t1 -c32" "-t2 -c64")

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null || ! command -v perf >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "needs wrk, nginx and perf (apt-get install wrk nginx linux-perf)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx linux-perf >/dev/null
fi
source bench/daemon.sh
"$SKIFF" apply -f examples/hello-kubernetes.yaml >/dev/null
"$SKIFF" rollout status deployment/hello-kubernetes >/dev/null
"$SKIFF" apply -f examples/hello-kubernetes-h2c.yaml >/dev/null
node_port() { "$SKIFF" get svc "$1" -o json | sed -n 's/.*"nodePort": \([0-9]*\).*/\1/p' | head -1; }
SKIFF_PORT=$(node_port hello-kubernetes)
H2C_PORT=$(node_port hello-kubernetes-h2c)

# nginx in front of the very same pods (their 127.0.0.1 published ports).
UPSTREAMS=$(for id in $(docker ps -q --filter "label=io.skiff.instance=$(cat "$WORK/state/instance-id")"); do
  echo "    server $(docker port "$id" 8080/tcp | head -1);"
done)
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream pods {
$UPSTREAMS
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://pods;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
NGINX=$!
STARTED+=("$NGINX")
for port in "$NGINX_PORT" "$SKIFF_PORT" "$H2C_PORT"; do
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
done

# The processes that are each proxy: skiff's daemon; nginx's master and its workers.
pids_of() {
  case $1 in
    nginx) echo "$NGINX $(pgrep -P "$NGINX" | tr '\n' ' ')" ;;
    *) echo "$DAEMON" ;;
  esac
}
# CPU ticks in user space and in the kernel of the given processes, all their threads included.
ticks() { for pid in "$@"; do awk '{print $14, $15}' "/proc/$pid/stat"; done | awk '{u += $1; k += $2} END {print u, k}'; }
HZ=$(getconf CLK_TCK)

# One wrk run against $2 with shape $1: "requests/s p50_ms p99_ms non2xx requests".
wrk_run() {
  wrk $1 -d"${SECS}s" --latency "$2" | awk '
    /Requests\/sec/ { rps=$2 }
    /requests in/ { n=$1 }
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    $1=="50%" { p50=ms($2) } $1=="99%" { p99=ms($2) }
    /Non-2xx/ { bad=$NF }
    END { printf "%s %.2f %.2f %s %s\n", rps, p50, p99, (bad==""?0:bad), n }'
}

port_of() { case $1 in nginx) echo "$NGINX_PORT" ;; skiff-http1) echo "$SKIFF_PORT" ;; skiff-h2c) echo "$H2C_PORT" ;; esac; }

echo "3 demo pods, ${SECS}s per run, $ROUNDS rounds alternating per shape"
printf "%-10s %-6s %-11s %12s %9s %9s %7s %12s %8s %8s\n" shape round proxy requests/s p50_ms p99_ms non2xx cpu_us/req user kernel
for shape in "${SHAPES[@]}"; do
  for r in $(seq 1 "$ROUNDS"); do
    for who in skiff-h2c nginx skiff-http1; do
      read -r -a pids <<<"$(pids_of "$who")"
      read -r user0 kernel0 < <(ticks "${pids[@]}")
      read -r rps p50 p99 bad n < <(wrk_run "$shape" "http://127.0.0.1:$(port_of "$who")/")
      read -r user1 kernel1 < <(ticks "${pids[@]}")
      read -r user kernel < <(awk -v u="$((user1 - user0))" -v k="$((kernel1 - kernel0))" -v hz="$HZ" -v n="$n" \
        'BEGIN { printf "%.1f %.1f\n", u / hz * 1e6 / n, k / hz * 1e6 / n }')
      cpu=$(awk -v u="$user" -v k="$kernel" 'BEGIN { printf "%.1f", u + k }')
      printf "%-10s %-6s %-11s %12s %9s %9s %7s %12s %8s %8s\n" "$shape" "$r" "$who" "$rps" "$p50" "$p99" "$bad" "$cpu" "$user" "$kernel"
      echo "${shape// /} $who $rps $p50 $p99 $cpu $user $kernel" >>"$WORK/results"
    done
  done
done

# System calls per request, in a pass of its own (counting costs a little): perf counts every
# system call entry of the proxy's processes while wrk runs.
echo
echo "system calls per request (perf raw_syscalls:sys_enter, wrk ${SHAPES[1]}, ${SECS}s)"
for who in nginx skiff-http1 skiff-h2c; do
  pids=$(pids_of "$who" | tr ' ' ',' | sed 's/,*$//')
  perf stat -e raw_syscalls:sys_enter -x, -o "$WORK/perf.$who" -p "$pids" -- sleep "$SECS" &
  perf_pid=$!
  read -r _ _ _ _ n < <(wrk_run "${SHAPES[1]}" "http://127.0.0.1:$(port_of "$who")/")
  wait "$perf_pid"
  calls=$(awk -F, '/raw_syscalls/ {print $1}' "$WORK/perf.$who")
  awk -v c="$calls" -v n="$n" -v w="$who" 'BEGIN { printf "%-11s %6.2f syscalls/request\n", w, c / n }'
done

awk '
  { k = $1 " " $2; n[k]++; rps[k]+=$3; p50[k]+=$4; p99[k]+=$5; cpu[k]+=$6; user[k]+=$7; kernel[k]+=$8; shape[$1]=1 }
  END {
    print ""
    for (s in shape) for (w in n) {
      split(w, part, " "); if (part[1] != s) continue
      printf "mean %-8s %-11s %7.0f req/s  p50 %5.2f ms  p99 %5.2f ms  cpu %5.1f us/req (user %4.1f, kernel %4.1f)\n", s, part[2], rps[w]/n[w], p50[w]/n[w], p99[w]/n[w], cpu[w]/n[w], user[w]/n[w], kernel[w]/n[w]
    }
    print ""
    for (s in shape) {
      g = s " nginx"
      for (w in n) {
        split(w, part, " "); if (part[1] != s || part[2] == "nginx") continue
        ratio = rps[w] / rps[g]; cpur = cpu[w] / cpu[g]
        printf "%-8s %-11s / nginx: requests/s %.2fx (target >= 1.15x: %s), p99 %s nginx'"'"'s (%s), cpu/request %.2fx (target <= 0.8x: %s)\n", s, part[2], ratio, (ratio >= 1.15 ? "yes" : "NO"), (p99[w] <= p99[g] ? "<=" : ">"), (p99[w] <= p99[g] ? "yes" : "NO"), cpur, (cpur <= 0.8 ? "yes" : "NO")
      }
    }
  }' "$WORK/results"
