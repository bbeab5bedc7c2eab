#!/usr/bin/env bash
# Side by side: a 3-member raftkv cluster and a 3-member etcd cluster on this machine, the same
# load from `raftkv bench` against each (the leader's endpoint first). Needs etcd (Debian's
# etcd-server) and a build (./mvnw -q package -DskipTests).
# Usage: bench/scripts/compare-etcd.sh [REQUESTS [WARMUP]]
# Each run first sends WARMUP untimed requests of its kind (default 20000, the same for both):
# raftkv's JVMs run interpreted code until the JIT has compiled it, which on a cold cluster costs
# more CPU than the requests themselves. WARMUP=0 measures the cold start as well.
set -euo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
requests="${1:-20000}"
warmup="${2:-20000}"
work="$(mktemp -d)"
trap 'pkill -f "name etcd-bench-" 2>/dev/null || true; (cd "$work" && "$top/bin/raftkv" cluster stop >/dev/null 2>&1) || true; rm -rf "$work"' EXIT
R="$top/bin/raftkv"

echo "== raftkv (3 members, data in $work/raftkv-data)"
(cd "$work" && "$R" cluster start --nodes 3 --base-port 24790 >/dev/null)
eps=127.0.0.1:24800,127.0.0.1:24810,127.0.0.1:24820
leader=$("$R" status --endpoints "$eps" | awk '/role=leader/ {print $1}')
"$R" bench put --endpoints "$leader" --requests "$requests" --warmup "$warmup"
"$R" bench get --endpoints "$leader" --requests "$requests" --warmup "$warmup"
(cd "$work" && "$R" cluster stop >/dev/null)

echo "== etcd $(etcd --version | head -1 | awk '{print $3}') (3 members, data in $work/etcd)"
cluster=""
for i in 1 2 3; do cluster="${cluster:+$cluster,}etcd-bench-$i=http://127.0.0.1:$((25800 + 10 * i + 1))"; done
for i in 1 2 3; do
  c=$((25800 + 10 * i)); p=$((c + 1))
  etcd --name "etcd-bench-$i" --data-dir "$work/etcd/$i" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token bench \
    >"$work/etcd-$i.log" 2>&1 &
done
eeps=127.0.0.1:25810,127.0.0.1:25820,127.0.0.1:25830
for _ in $(seq 1 100); do
  ETCDCTL_API=3 etcdctl --endpoints "$eeps" endpoint health >/dev/null 2>&1 && break
  sleep 0.2
done
eleader=$(ETCDCTL_API=3 etcdctl --endpoints "$eeps" endpoint status | awk -F', ' '$5 == "true" {print $1}')
"$R" bench put --endpoints "$eleader" --requests "$requests" --warmup "$warmup"
"$R" bench get --endpoints "$eleader" --requests "$requests" --warmup "$warmup"
