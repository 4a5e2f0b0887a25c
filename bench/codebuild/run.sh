#!/usr/bin/env bash
# CodeBuild orchestration overhead, side by side in one run with nektos/act
# running the same steps on the host (-P ubuntu-latest=-self-hosted).
# Method and results: BENCHMARKS.md. Targets: under 150 ms overhead per
# build on the host runner, under 5 ms per command, log lines visible to
# `skiff build logs -f` within 100 ms of being printed.
#
#   bench/codebuild/run.sh
#   RUNS=15 RUNS200=7 ACT_RUNS=10 ACT_VERSION=latest OUT=dir bench/codebuild/run.sh
#
# Everything runs from scratch in a temporary directory (skiff built there,
# its data directory, free ports); every process started is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-15}
RUNS200=${RUNS200:-7}
ACT_RUNS=${ACT_RUNS:-10}
ACT_VERSION=${ACT_VERSION:-latest}
export AWS_EC2_METADATA_DISABLED=true

TMP=$(mktemp -d)
OUT=${OUT:-$TMP/out}
mkdir -p "$OUT"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }

echo "== building skiff and the driver" >&2
go build -o "$TMP/skiff" ./cmd/skiff
go build -o "$TMP/cbbench" ./bench/codebuild

# nektos/act: on PATH, in GOPATH/bin, or installed now with go install.
ACT=$(command -v act || true)
[ -z "$ACT" ] && [ -x "$(go env GOPATH)/bin/act" ] && ACT="$(go env GOPATH)/bin/act"
ACT_NOTE=""
if [ -z "$ACT" ]; then
  echo "== go install github.com/nektos/act@$ACT_VERSION" >&2
  if GOBIN="$TMP/bin" go install "github.com/nektos/act@$ACT_VERSION" 2> "$TMP/act-install.log"; then
    ACT="$TMP/bin/act"
  else
    ACT_NOTE="go install github.com/nektos/act@$ACT_VERSION failed: $(tail -3 "$TMP/act-install.log" | tr '\n' ' ')"
    echo "$ACT_NOTE" >&2
  fi
fi
[ -n "$ACT" ] && ACT_NOTE="$("$ACT" --version)"

echo "== skiff" >&2
PORT=$(free_port)
"$TMP/skiff" up --data "$TMP/data" --addr "127.0.0.1:$PORT" > "$TMP/skiff.log" 2>&1 &
SKIFF_PID=$!
pids+=("$SKIFF_PID")
for _ in $(seq 500); do curl -sf "http://127.0.0.1:$PORT/_skiff/health" >/dev/null && break; sleep 0.02; done
eval "$("$TMP/skiff" env --data "$TMP/data")"
mkdir -p "$TMP/work"
"$TMP/cbbench" -skiff "$TMP/skiff" -data "$TMP/data" -work "$TMP/work" -runs "$RUNS" -runs200 "$RUNS200" -out "$OUT/skiff.json"
# act runs on a machine without skiff.
kill "$SKIFF_PID"; wait "$SKIFF_PID" 2>/dev/null || true

if [ -n "$ACT" ]; then
  echo "== nektos/act ($ACT_NOTE)" >&2
  R="$TMP/actrepo"
  mkdir -p "$R/.github/workflows" "$TMP/acthome"
  # The same commands as the buildspecs: n steps, alternately `true` and
  # `echo step N`.
  workflow() {
    echo "name: w$1"; echo "on: push"; echo "jobs:"; echo "  build:"; echo "    runs-on: ubuntu-latest"; echo "    steps:"
    for i in $(seq "$1"); do
      if [ $(((i - 1) % 2)) = 1 ]; then echo "      - run: echo step $i"; else echo '      - run: "true"'; fi
    done
  }
  workflow 20 > "$R/.github/workflows/w20.yml"
  workflow 200 > "$R/.github/workflows/w200.yml"
  {
    echo "name: wlog"; echo "on: push"; echo "jobs:"; echo "  build:"; echo "    runs-on: ubuntu-latest"; echo "    steps:"
    echo "      - run: sleep 1"
    for i in $(seq 20); do echo "      - run: echo \"TS $i \$(date +%s%N)\""; echo "      - run: sleep 0.1"; done
  } > "$TMP/wlog.yml"
  (cd "$R" && git init -q -b main && git add -A &&
    GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.com git commit -q -m bench)
  # act's cache server binds to the machine's outbound address unless told:
  # keep it on loopback. HOME is a scratch one (act writes ~/.cache/act).
  act_cmd() { echo "env HOME=$TMP/acthome $ACT push -W .github/workflows/$1 -P ubuntu-latest=-self-hosted --cache-server-addr 127.0.0.1"; }
  (cd "$R" && $(act_cmd w20.yml) > "$OUT/act-w20.log" 2>&1) || { echo "act failed:" >&2; tail -20 "$OUT/act-w20.log" >&2; exit 1; }
  grep -q "Job succeeded" "$OUT/act-w20.log"
  # Does act need the network? Run it once in a network namespace with
  # only loopback up (root only).
  ACT_OFFLINE="not checked (needs root and unshare)"
  if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    if (cd "$R" && unshare -n sh -c "ip link set lo up 2>/dev/null || true; $(act_cmd w20.yml)" > "$OUT/act-offline.log" 2>&1) && grep -q "Job succeeded" "$OUT/act-offline.log"; then
      ACT_OFFLINE="yes: the 20-step run succeeded in a network namespace with only loopback"
    else
      ACT_OFFLINE="no: $(tail -2 "$OUT/act-offline.log" | tr '\n' ' ')"
    fi
  fi
  echo "act without network: $ACT_OFFLINE" >&2
  (cd "$R" && hyperfine -N -w 2 -r "$ACT_RUNS" --export-json "$OUT/act-w20.json" "$(act_cmd w20.yml)" >&2)
  (cd "$R" && hyperfine -N -w 1 -r "$(( (ACT_RUNS + 1) / 2 ))" --export-json "$OUT/act-w200.json" "$(act_cmd w200.yml)" >&2)
  # Log latency through act: when each TS line appears on act's stdout.
  cp "$TMP/wlog.yml" "$R/.github/workflows/wlog.yml"
  (cd "$R" && python3 - "$OUT/act-log.json" $(act_cmd wlog.yml) <<'PY'
import json, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
lat = []
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
for line in p.stdout:
    now = time.time_ns()
    i = line.find("TS ")
    if i < 0 or "date +" in line:
        continue
    f = line[i:].split()
    if len(f) >= 3 and f[2].isdigit():
        lat.append((now - int(f[2])) / 1e6)
p.wait()
lat.sort()
pct = lambda q: lat[int(q * (len(lat) - 1) + 0.5)] if lat else None
json.dump({"n": len(lat), "p50_ms": pct(0.5), "p90_ms": pct(0.9), "max_ms": pct(1)}, open(out, "w"))
PY
  )
fi

python3 - "$OUT" "$ACT_NOTE" "${ACT_OFFLINE:-}" <<'PY'
import json, os, sys
out, act_note, act_offline = sys.argv[1], sys.argv[2], sys.argv[3]
s = json.load(open(os.path.join(out, "skiff.json")))
def load(name):
    p = os.path.join(out, name)
    return json.load(open(p)) if os.path.exists(p) else None
a20, a200, alog = load("act-w20.json"), load("act-w200.json"), load("act-log.json")
own20, own200 = s["own20_ms"], s["own200_ms"]
def med(h): return h["results"][0]["median"] * 1000 if h else None
def p90(h):
    if not h: return None
    t = sorted(h["results"][0]["times"]); return t[int(0.9 * (len(t) - 1) + 0.5)] * 1000
aw20, aw200 = med(a20), med(a200)
f = lambda v, d=1: "–" if v is None else f"{v:.{d}f} ms"
ok = lambda b: "ok" if b else "MISSED"
b20, b200 = s["b20"], s["b200"]
rows = []
rows.append(("build of 20 trivial commands, wall (median; p90)", "", f"{f(b20['wall_ms'])}; {f(b20['wall_p90_ms'])}", f"{f(aw20)}; {f(p90(a20))}" if a20 else "–", ""))
rows.append(("the 20 commands on their own (one sh, median of 21)", "", f(own20, 2), f(own20, 2), ""))
ov = b20["overhead_ms"]
act_ov = aw20 - own20 if aw20 else None
rows.append(("**overhead per build** (wall − own time)", "< 150 ms", f"**{f(ov)}**", f(act_ov), ok(ov < 150)))
pc = s["per_command_ms"]
act_pc = ((aw200 - aw20) - (own200 - own20)) / 180 if aw20 and aw200 else None
rows.append(("build of 200 commands, wall (median)", "", f(b200["wall_ms"]), f(aw200), ""))
rows.append(("**overhead per command** (slope 20 → 200 commands)", "< 5 ms", f"**{f(pc, 2)}**", f(act_pc, 2), ok(pc < 5)))
lc = s["log_cli"]
rows.append(("**log line printed → seen by `skiff build logs -f`** (p50 / p90 / max)", "< 100 ms",
             f"**{lc['p50_ms']:.1f} / {lc['p90_ms']:.1f} / {lc['max_ms']:.1f} ms** (n={lc['n']})",
             f"{alog['p50_ms']:.1f} / {alog['p90_ms']:.1f} / {alog['max_ms']:.1f} ms on act's stdout (n={alog['n']})" if alog and alog["n"] else "–",
             ok(lc["max_ms"] < 100)))
lp, li = s["log_poll10ms"], s["log_ingest"]
rows.append(("log line printed → GetLogEvents poller, 10 ms (p50 / p90 / max)", "", f"{lp['p50_ms']:.1f} / {lp['p90_ms']:.1f} / {lp['max_ms']:.1f} ms", "", ""))
rows.append(("log line printed → its ingestionTime in CloudWatch Logs (p50 / p90 / max)", "", f"{li['p50_ms']:.1f} / {li['p90_ms']:.1f} / {li['max_ms']:.1f} ms", "", ""))
ps, pi = s["push_to_build_start"], s["push_to_build_install"]
pso = s.get("push_to_source_complete")
if pso and pso["n"]:
    rows.append(("`git push` returned → pipeline's Source action complete (p50 / p90 / max)", "< 200 ms", f"**{pso['p50_ms']:.1f} / {pso['p90_ms']:.1f} / {pso['max_ms']:.1f} ms** (n={pso['n']})", "n/a", ok(pso["max_ms"] < 200)))
rows.append(("`git push` returned → build startTime, pipeline Source → Build (p50 / p90 / max)", "", f"{ps['p50_ms']:.1f} / {ps['p90_ms']:.1f} / {ps['max_ms']:.1f} ms (n={ps['n']})", "n/a (no push trigger)", ""))
rows.append(("`git push` returned → build's INSTALL phase starts (p50 / p90 / max)", "", f"{pi['p50_ms']:.1f} / {pi['p90_ms']:.1f} / {pi['max_ms']:.1f} ms", "", ""))
print(f"\nCodeBuild orchestration, skiff (host runner) vs nektos/act ({act_note or 'not run'}, -P ubuntu-latest=-self-hosted); "
      f"{os.cpu_count()} CPUs, load average {open('/proc/loadavg').read().split()[0]}\n")
print("| measure | target | skiff | nektos/act | |")
print("|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print(f"\nskiff 20-command build by phase (median): StartBuild call → startTime {b20['startbuild_ms']:.1f} ms, "
      f"startTime → INSTALL start {b20['to_install_ms']:.0f} ms, INSTALL..POST_BUILD {b20['command_phases']:.0f} ms, "
      f"POST_BUILD end → COMPLETED {b20['after_post_ms']:.0f} ms (API timestamps have millisecond resolution); "
      f"client-observed (BatchGetBuilds every 5 ms) {b20['observed_ms']:.1f} ms.")
print("act's wall time is the whole `act` process (hyperfine -N), including its start-up, workflow parsing and the copy of the repository; "
      "skiff's starts at the StartBuild call of a running server.")
if act_offline:
    print(f"act without network: {act_offline}.")
PY
