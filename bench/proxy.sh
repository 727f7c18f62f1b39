#!/usr/bin/env bash
# Throughput of skiff's proxy against nginx in front of the same 3 demo pods, in one run,
# alternating: wrk (keep-alive) on 127.0.0.1 only, bounded in time. nginx is set up the way
# one would put it in front of the pods: round robin, upstream keepalive, worker_processes auto.
# skiff is measured twice over the same pods: through the lesson's Service (HTTP/1.1 to the
# pods, like nginx) and through a second Service whose port declares
# `appProtocol: kubernetes.io/h2c`, which skiff honours by multiplexing requests over one
# HTTP/2 connection per pod (Debian's nginx 1.22 cannot proxy HTTP/2 to an upstream, and the
# HTTP/2 upstream support new in nginx 1.29 does not multiplex).
# Needs wrk and nginx (Debian packages; installed here when run as root).
# Usage: bench/proxy.sh [rounds=3] [seconds=10] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3} SECS=${2:-10} CONNS=${3:-64}

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "needs wrk and nginx (apt-get install wrk nginx)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null
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
STARTED+=("$!")
for port in "$NGINX_PORT" "$SKIFF_PORT" "$H2C_PORT"; do
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
done

# One wrk run: "requests/s p50_ms p99_ms".
measure() {
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$1" | awk '
    /Requests\/sec/ { rps=$2 }
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    $1=="50%" { p50=ms($2) } $1=="99%" { p99=ms($2) }
    /Non-2xx/ { bad=$NF }
    END { printf "%s %.2f %.2f %s\n", rps, p50, p99, (bad==""?0:bad) }'
}

echo "wrk -t2 -c$CONNS -d${SECS}s, 3 demo pods, $ROUNDS rounds alternating"
printf "%-6s %-11s %12s %10s %10s %8s\n" round proxy requests/s p50_ms p99_ms non2xx
for r in $(seq 1 "$ROUNDS"); do
  for who in skiff-h2c nginx skiff-http1; do
    case $who in nginx) port=$NGINX_PORT ;; skiff-http1) port=$SKIFF_PORT ;; skiff-h2c) port=$H2C_PORT ;; esac
    read -r rps p50 p99 bad < <(measure "http://127.0.0.1:$port/")
    printf "%-6s %-11s %12s %10s %10s %8s\n" "$r" "$who" "$rps" "$p50" "$p99" "$bad"
    echo "$who $rps $p50 $p99" >>"$WORK/results"
  done
done
awk '
  { n[$1]++; rps[$1]+=$2; p50[$1]+=$3; p99[$1]+=$4 }
  END {
    print ""
    for (w in n) {
      rps[w]/=n[w]; p50[w]/=n[w]; p99[w]/=n[w]
      printf "mean  %-11s %6.0f req/s  p50 %5.2f ms  p99 %5.2f ms\n", w, rps[w], p50[w], p99[w]
    }
    for (w in n) {
      if (w == "nginx") continue
      ratio = rps[w]/rps["nginx"]
      printf "%s / nginx requests/s: %.2fx (target >= 1.30x: %s); p99 no worse than nginx: %s\n", w, ratio, (ratio >= 1.3 ? "yes" : "NO"), (p99[w] <= p99["nginx"] ? "yes" : "NO")
    }
  }' "$WORK/results"
