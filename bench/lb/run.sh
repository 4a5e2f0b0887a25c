#!/usr/bin/env bash
# Load balancer benchmark, side by side in one run: wrk against the Go
# backend directly, through nginx (Debian's package, configured here as a
# keep-alive reverse proxy on loopback), and through skiff's Application
# Load Balancer (the real proxy, started in-process by bench/lb). Same
# backend, same client settings: 50 connections, 10 s, --latency.
#
#   bench/lb/run.sh          # CONNS=50 DURATION=10s THREADS=2 ROUNDS=3
#
# The three systems are measured in turn, ROUNDS times, and each figure is
# the median over the rounds: on a small shared machine one run is noise.
# Besides wrk's requests/s and latency percentiles the script reports the
# proxy's own CPU time per request (nginx's workers, skiff's process),
# which other load on the machine disturbs less.
#
# Targets: skiff ≥ 0.8× nginx's requests/s; added p50 (skiff − direct)
# under 0.3 ms and added p99 under 2 ms. Each round also measures the three
# at one connection (the hop alone, with no queueing).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNS=${CONNS:-50}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} (apt-get install -y ${need[*]})" >&2
    exit 1
  fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

TMP=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }
wait_http() { for _ in $(seq 300); do curl -sf "http://$1/" >/dev/null && return 0; sleep 0.02; done; echo "no answer on $1" >&2; exit 1; }
# cpu_ticks PID...: user+system clock ticks of the processes' threads.
cpu_ticks() {
  local t=0 f s
  for p in "$@"; do
    for f in /proc/"$p"/task/*/stat; do
      s=$(sed 's/.*) //' "$f" 2>/dev/null) || continue
      set -- $s
      t=$((t + ${12} + ${13}))
    done
  done
  echo "$t"
}

go build -o "$TMP/lb" ./bench/lb

BP=$(free_port); NP=$(free_port); SP=$(free_port)
"$TMP/lb" backend -addr "127.0.0.1:$BP" >/dev/null & pids+=($!)
BACKEND=$!
wait_http "127.0.0.1:$BP"

mkdir -p "$TMP/nginx"
cat > "$TMP/nginx/nginx.conf" <<NGX
worker_processes auto;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  upstream backend { server 127.0.0.1:$BP; keepalive 128; }
  server {
    listen 127.0.0.1:$NP;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGX
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" & pids+=($!)
NGINX_MASTER=$!
wait_http "127.0.0.1:$NP"
NGINX_WORKERS=$(pgrep -P "$NGINX_MASTER" | tr '\n' ' ')

"$TMP/lb" skiff -addr "127.0.0.1:$SP" -target "127.0.0.1:$BP" > "$TMP/skiff.out" & pids+=($!)
SKIFF=$!
for _ in $(seq 500); do grep -q ready "$TMP/skiff.out" 2>/dev/null && break; sleep 0.02; done
wait_http "127.0.0.1:$SP"

TICK=$(getconf CLK_TCK)
# run NAME PORT PIDS...: a warm-up, then the measured run; appends
# "NAME rps p50_ms p99_ms non2xx cpu_us_per_request" to $TMP/results.
run() {
  local name=$1 port=$2; shift 2
  wrk -t"$THREADS" -c"$CONNS" -d2s "http://127.0.0.1:$port/" >/dev/null
  local a b
  a=$(cpu_ticks "$@")
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$port/" > "$TMP/$name.wrk"
  b=$(cpu_ticks "$@")
  awk -v name="$name" -v ticks=$((b - a)) -v hz="$TICK" -v proxied="$#" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps = $2 }
    /requests in/ { n = $1 }
    $1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
    $1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
    / Non-2xx/ { bad = $NF }
    END { printf "%s %.0f %.3f %.3f %d %.1f\n", name, rps, p50, p99, bad, (n > 0 ? ticks / hz * 1e6 / n : 0) }' "$TMP/$name.wrk" >> "$TMP/results"
}

# At 50 closed-loop connections the median latency is mostly queueing: by
# Little's law it is about CONNS / requests-per-second, so "added p50"
# there measures throughput lost, not the hop. The hop itself is measured
# with one connection (wrk -t1 -c1), where nothing queues.
run_single() {
  local name=$1 port=$2
  wrk -t1 -c1 -d2s "http://127.0.0.1:$port/" >/dev/null
  wrk -t1 -c1 -d"$DURATION" --latency "http://127.0.0.1:$port/" > "$TMP/$name.single.wrk"
  awk -v name="$name" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    $1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
    $1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
    END { printf "%s %.3f %.3f\n", name, p50, p99 }' "$TMP/$name.single.wrk" >> "$TMP/single"
}

echo "load balancer benchmark: wrk -t$THREADS -c$CONNS -d$DURATION --latency, $ROUNDS rounds, $(nproc) CPUs shared by wrk, the backend and the proxy; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  run direct "$BP" "$BACKEND"
  # shellcheck disable=SC2086
  run nginx "$NP" $NGINX_WORKERS
  run skiff "$SP" "$SKIFF"
  run_single direct "$BP"
  run_single nginx "$NP"
  run_single skiff "$SP"
done
python3 - "$TMP/results" "$TMP/single" "$CONNS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p50, p99, bad, cpu = line.split()
    rows.setdefault(name, []).append((float(rps), float(p50), float(p99), int(bad), float(cpu)))
med = {n: [statistics.median(col) for col in zip(*rs)] for n, rs in rows.items()}
print(f"{'system':8} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'proxy CPU µs/req':>17}   (median of {len(rows['skiff'])}; every round: rps)")
for n in ("direct", "nginx", "skiff"):
    rps, p50, p99, bad, cpu = med[n]
    cpu_s = "-" if n == "direct" else f"{cpu:.1f}"
    print(f"{n:8} {rps:11.0f} {p50:8.3f} {p99:8.3f} {bad:8.0f} {cpu_s:>17}   {' '.join(str(int(r[0])) for r in rows[n])}")
d, g, s = med["direct"], med["nginx"], med["skiff"]
ok = lambda b: "ok" if b else "MISSED"
ratio = s[0] / g[0]
print(f"skiff/nginx requests/s: {ratio:.2f}x (target >= 0.80x) {ok(ratio >= 0.8)}")
print(f"added latency, skiff: p50 +{s[1]-d[1]:.3f} ms (target < 0.3) {ok(s[1]-d[1] < 0.3)}, p99 +{s[2]-d[2]:.3f} ms (target < 2) {ok(s[2]-d[2] < 2)}")
print(f"added latency, nginx: p50 +{g[1]-d[1]:.3f} ms, p99 +{g[2]-d[2]:.3f} ms")
print(f"proxy CPU per request, skiff/nginx: {s[4]/g[4]:.2f}x")
conns = int(sys.argv[3])
print(f"Little's law, conns/rps in ms (p50 follows throughput): direct {1000*conns/d[0]:.3f}, nginx {1000*conns/g[0]:.3f}, skiff {1000*conns/s[0]:.3f}")
single = {}
for line in open(sys.argv[2]):
    name, p50, p99 = line.split()
    single.setdefault(name, []).append((float(p50), float(p99)))
sm = {n: [statistics.median(col) for col in zip(*rs)] for n, rs in single.items()}
print(f"one connection (the hop alone), median p50/p99 ms: direct {sm['direct'][0]:.3f}/{sm['direct'][1]:.3f}, nginx {sm['nginx'][0]:.3f}/{sm['nginx'][1]:.3f}, skiff {sm['skiff'][0]:.3f}/{sm['skiff'][1]:.3f}")
print(f"added latency at one connection, skiff: p50 +{sm['skiff'][0]-sm['direct'][0]:.3f} ms {ok(sm['skiff'][0]-sm['direct'][0] < 0.3)}, p99 +{sm['skiff'][1]-sm['direct'][1]:.3f} ms; nginx: p50 +{sm['nginx'][0]-sm['direct'][0]:.3f} ms, p99 +{sm['nginx'][1]-sm['direct'][1]:.3f} ms")
PY
