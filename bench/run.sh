#!/usr/bin/env bash
# skiff's infrastructure-as-code benchmarks, side by side in one run with the
# peers a user would otherwise pick: moto_server (in-memory AWS mock) and
# Terraform (500 terraform_data resources). Results go to bench/out/ as JSON
# lines and are summarized on stdout in the shape BENCHMARKS.md uses.
#
#   bench/run.sh            # everything
#   SKIP_TERRAFORM=1 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
RES="$OUT/results.jsonl"
: > "$RES"
export AWS_EC2_METADATA_DISABLED=true CHECKPOINT_DISABLE=1

go build -o "$OUT/skiff" ./cmd/skiff
go build -o "$OUT/driver" ./bench/driver

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "== startup and idle memory" >&2
SP=$(free_port)
WARM=$(mktemp -d)
"$OUT/skiff" up --addr 127.0.0.1:$SP --data "$WARM" >/dev/null 2>&1 & p=$!; sleep 1; kill -INT $p; wait $p || true
"$OUT/driver" -suite startup -peer skiff -runs 10 -cmd "$OUT/skiff up --addr 127.0.0.1:$SP --data $WARM" -ready "http://127.0.0.1:$SP/_skiff/health" | tee -a "$RES"
if command -v moto_server >/dev/null; then
  MP=$(free_port)
  "$OUT/driver" -suite startup -peer moto -runs 5 -cmd "moto_server -H 127.0.0.1 -p $MP" -ready "http://127.0.0.1:$MP/moto-api/" | tee -a "$RES"
fi

echo "== 500-resource stack: create, update, drift, delete" >&2
SD=$(mktemp -d)
SP=$(free_port)
"$OUT/skiff" up --addr 127.0.0.1:$SP --data "$SD" >/dev/null 2>&1 & pids+=($!)
for i in $(seq 200); do curl -sf "http://127.0.0.1:$SP/_skiff/health" >/dev/null && break; sleep 0.02; done
eval "$("$OUT/skiff" env --data "$SD")"
for i in 1 2 3; do "$OUT/driver" -suite cfn500 -peer skiff -endpoint "http://127.0.0.1:$SP" | tee -a "$RES"; done
"$OUT/driver" -suite ssmget -peer skiff -endpoint "http://127.0.0.1:$SP" -duration 10s -concurrency 32 | tee -a "$RES"

if command -v moto_server >/dev/null; then
  MP=$(free_port)
  moto_server -H 127.0.0.1 -p "$MP" >/dev/null 2>&1 & pids+=($!)
  for i in $(seq 300); do curl -sf "http://127.0.0.1:$MP/moto-api/" >/dev/null && break; sleep 0.05; done
  for i in 1 2 3; do AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "$OUT/driver" -suite cfn500 -peer moto -drift=false -endpoint "http://127.0.0.1:$MP" | tee -a "$RES"; done
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "$OUT/driver" -suite ssmget -peer moto -endpoint "http://127.0.0.1:$MP" -duration 10s -concurrency 32 | tee -a "$RES" || true
fi

if [ -z "${SKIP_TERRAFORM:-}" ] && command -v terraform >/dev/null; then
  echo "== Terraform: apply and destroy 500 terraform_data resources" >&2
  TF=$(mktemp -d)
  cat > "$TF/main.tf" <<'TFEOF'
resource "terraform_data" "r" {
  count = 500
  input = "value-${count.index}"
}
TFEOF
  (cd "$TF" && terraform init -input=false >/dev/null)
  for i in 1 2 3; do
    t0=$(date +%s.%N); (cd "$TF" && terraform apply -auto-approve -input=false >/dev/null); t1=$(date +%s.%N)
    (cd "$TF" && terraform destroy -auto-approve -input=false >/dev/null); t2=$(date +%s.%N)
    python3 -c "import json;print(json.dumps({'peer':'terraform','measure':'create_s','value':$t1-$t0}));print(json.dumps({'peer':'terraform','measure':'delete_s','value':$t2-$t1}));print(json.dumps({'peer':'terraform','measure':'create_plus_delete_s','value':$t2-$t0}))" | tee -a "$RES"
  done
fi

python3 bench/summarize.py "$RES"
