#!/usr/bin/env bash
# Side by side: a 3-member etcd and a 3-member raftkv on loopback (both fsync, their defaults),
# both up for the whole sweep, the same `raftkv bench` load sent to each one's leader in
# interleaved A/B pairs (etcd, raftkv; then raftkv, etcd; ...), every run after the same warm-up.
# Writes one CSV line per run, then turns the file into a Markdown report and an SVG chart.
#
# Needs: etcd and etcdctl (3.4), getconf, a build (./mvnw -q -B -ntp package -DskipTests).
#
# Usage: [VAR=value ...] bench/scripts/compare-etcd.sh        (every variable has a default)
#   PAIRS=3                A/B pairs per configuration (at least 3 for a result)
#   REQUESTS=20000         measured requests per run
#   WARMUP=10000           untimed requests of the same kind before each run (raftkv bench --warmup)
#   PRIME=400000           puts sent once to each cluster after it starts, from 128 clients: the
#                          JVM's C2 compiler, sharing the 2 cores, keeps raftkv's CPU per request
#                          falling for the first few hundred thousand requests (etcd is primed
#                          alike)
#   CLIENTS="1 32 128 512" client counts
#   CONNS=                 connections; empty: 1 for 1 client, 4 up to 32, 8 up to 128, else 16
#   WORKLOADS="put get mix" (mix: 90% linearizable gets, 10% puts; READ_RATIO=0.9 to change)
#   SIZES="256 4096"       value sizes in bytes; before the get and mix runs of a size, every
#                          key is filled with a value of that size (raftkv bench fill)
#   KEY_SPACE=10000        distinct keys
#   RATE=                  open loop at this many req/s (raftkv bench --rate); empty: closed loop
#   CHECK_PERF=0           1: after the sweep, also run `etcdctl check perf --load=$CHECK_PERF_LOAD`
#   CHECK_PERF_LOAD=l      against each leader (60 s each; s, m, l or xl) and print both throughputs
#   BENCH_JAVA_OPTS=       JVM options of the bench client (bin/raftkv runs it with C1 only; add
#                          -XX:TieredStopAtLevel=4 for C2); SERVER_JAVA_OPTS= of raftkv's servers
#   ETCD_BASE_PORT=28800 RAFTKV_BASE_PORT=27790   member i listens on BASE+10*i (peers +1)
#   TLS=0                  1: client and peer TLS with client-cert-auth on both systems, with the
#                          same certificates (made here by openssl: one CA, EC P-256 keys), and
#                          the client sending a certificate (--cacert/--cert/--key); needs openssl
#   RESULTS_DIR=bench/results/<date>-<time>   CSV, logs, report; kept
#   REPORT=                where the Markdown report goes (the SVG beside it). Empty: the full
#                          default sweep writes docs/benchmarks.md; any other writes RESULTS_DIR/
#                          benchmarks.md, marked as not the default sweep (and as a smoke run
#                          if PAIRS < 3 or REQUESTS < 20000).
#
# Output, in RESULTS_DIR: results.csv, one line per measured run: system (etcd|raftkv), pair,
# slot (1: ran first in its pair), load1 (1-min load average just before), leader_member (1-3),
# leader_changed (1 if the leader's id or term differed after the run), then the columns of
# `raftkv bench --csv`: started, workload, endpoints, mode (closed|open), rate, clients, conns,
# warmup, key_space, value_size, read_ratio, ok, failed, reads, seconds, throughput (ok/s),
# p50_ms, p90_ms, p99_ms, p999_ms, max_ms, client_cpu_us_per_op, server_cpu_us_per_op (members
# 1;2;3, utime+stime over the measured phase / ok), server_cpu_us_per_op_sum. Also meta.env
# (parameters, versions), bench.log (every bench line), the members' logs, check-perf*.txt, and
# the report (benchmarks.md + benchmarks-throughput.svg) unless REPORT puts it elsewhere.
#
# A short smoke run: PAIRS=2 REQUESTS=2000 WARMUP=2000 PRIME=5000 CLIENTS="1 32" WORKLOADS=put \
#   SIZES=256 bench/scripts/compare-etcd.sh
set -euo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
R="$top/bin/raftkv"
export ETCDCTL_API=3

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 0
fi
if [ $# -gt 0 ]; then
  echo "compare-etcd.sh: takes no arguments, only environment variables (see --help)" >&2
  exit 2
fi

# name default: every parameter, so the report can name the ones a run changed.
params=(
  "PAIRS 3" "REQUESTS 20000" "WARMUP 10000" "PRIME 400000" "CLIENTS 1 32 128 512" "CONNS "
  "WORKLOADS put get mix" "SIZES 256 4096" "KEY_SPACE 10000" "READ_RATIO " "RATE "
  "CHECK_PERF 0" "CHECK_PERF_LOAD l" "BENCH_JAVA_OPTS " "SERVER_JAVA_OPTS " "ETCD_BASE_PORT 28800"
  "RAFTKV_BASE_PORT 27790" "TLS 0"
)
changed=""
sweep_changed=""
for p in "${params[@]}"; do
  name="${p%% *}"
  default="${p#* }"
  [ "$default" = "$p" ] && default=""
  if [ -n "${!name+x}" ] && [ "${!name}" != "$default" ]; then
    changed="$changed $name=\"${!name}\""
    case "$name" in
      CHECK_PERF | CHECK_PERF_LOAD | ETCD_BASE_PORT | RAFTKV_BASE_PORT | BENCH_JAVA_OPTS | SERVER_JAVA_OPTS) ;;
      *) sweep_changed=1 ;;
    esac
  fi
  printf -v "$name" '%s' "${!name-$default}"
done
command_line="${changed# } bench/scripts/compare-etcd.sh"
command_line="${command_line# }"

die() { echo "compare-etcd.sh: $*" >&2; exit 2; }
is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }
for v in PAIRS REQUESTS KEY_SPACE ETCD_BASE_PORT RAFTKV_BASE_PORT; do
  is_count "${!v}" || die "$v must be a positive whole number, got '${!v}'"
done
for v in WARMUP PRIME; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
[ -z "$CONNS" ] || is_count "$CONNS" || die "CONNS must be a positive whole number, got '$CONNS'"
for c in $CLIENTS; do is_count "$c" || die "CLIENTS: '$c' is not a positive whole number"; done
for s in $SIZES; do [[ "$s" =~ ^[0-9]+$ ]] || die "SIZES: '$s' is not a size in bytes"; done
case "$CHECK_PERF" in 0 | 1) ;; *) die "CHECK_PERF must be 0 or 1, got '$CHECK_PERF'" ;; esac
case "$TLS" in 0 | 1) ;; *) die "TLS must be 0 or 1, got '$TLS'" ;; esac
[ "$TLS" = 0 ] || command -v openssl >/dev/null || die "TLS=1 needs openssl"
case "$CHECK_PERF_LOAD" in s | m | l | xl) ;; *) die "CHECK_PERF_LOAD must be s, m, l or xl" ;; esac
for w in $WORKLOADS; do
  case "$w" in put | get | mix) ;; *) die "WORKLOADS: '$w' is not put, get or mix" ;; esac
done
[ -n "$CLIENTS" ] && [ -n "$SIZES" ] && [ -n "$WORKLOADS" ] || die "empty CLIENTS, SIZES or WORKLOADS"
command -v etcd >/dev/null || die "etcd is not installed"
command -v etcdctl >/dev/null || die "etcdctl is not installed"
[ -x "$R" ] && ls "$top"/cli/target/cli-*.jar >/dev/null 2>&1 ||
  die "raftkv is not built; run: ./mvnw -q -B -ntp package -DskipTests"
# bin/raftkv runs cli/target/lib/*; a build of cli alone (-pl cli) copies the other modules'
# jars there from ~/.m2, which may hold someone else's build: measure this tree or nothing.
for m in raft-core raft-storage raft-transport raft-runtime replicator kv api server testkit; do
  for j in "$top/$m"/target/"$m"-*.jar; do
    [ -e "$j" ] || die "$m is not built; run: ./mvnw -q -B -ntp package -DskipTests"
    case "$j" in *-tests.jar) continue ;; esac # a module's test classes are not run by bin/raftkv
    cmp -s "$j" "$top/cli/target/lib/$(basename "$j")" ||
      die "cli/target/lib/$(basename "$j") is not this tree's $m build; run: ./mvnw -q -B -ntp package -DskipTests"
  done
done
hz=$(getconf CLK_TCK)

RESULTS_DIR="${RESULTS_DIR:-$top/bench/results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$RESULTS_DIR"
results="$RESULTS_DIR/results.csv"
log="$RESULTS_DIR/bench.log"
[ -e "$results" ] && die "$results exists already; pick another RESULTS_DIR"
if [ -z "${REPORT:-}" ]; then
  if [ -z "$sweep_changed" ]; then REPORT="$top/docs/benchmarks.md"; else REPORT="$RESULTS_DIR/benchmarks.md"; fi
fi
say() { echo "$*" | tee -a "$log"; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for i in 1 2 3; do
  for base in "$ETCD_BASE_PORT" "$RAFTKV_BASE_PORT"; do
    for off in 0 1 2; do
      port_busy $((base + 10 * i + off)) && die "port $((base + 10 * i + off)) is in use; set ETCD_BASE_PORT / RAFTKV_BASE_PORT"
    done
  done
done

work="$(mktemp -d)"
etcd_pids=()
raftkv_pids=()

# running PID: the process exists and is not a zombie (etcd is this shell's child until reaped).
running() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]; }
# Stops the given pids, each only if its command line names this run's data ($work), so a
# recycled pid is never hit: TERM, up to 10 s, then KILL.
stop_pids() {
  local ours=() p
  for p in "$@"; do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$work" && ours+=("$p")
  done
  [ ${#ours[@]} -eq 0 ] && return 0
  kill "${ours[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    local alive=0
    for p in "${ours[@]}"; do running "$p" && alive=1; done
    [ $alive -eq 0 ] && return 0
    sleep 0.2
  done
  for p in "${ours[@]}"; do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$work" && kill -9 "$p" 2>/dev/null
  done
  return 0
}
cleanup() {
  stop_pids "${etcd_pids[@]}" "${raftkv_pids[@]}"
  for f in "$work"/etcd-*.log "$work"/raftkv/*.log "$work"/raftkv-start.log; do
    [ -e "$f" ] && cp "$f" "$RESULTS_DIR/" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

git_rev="$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$top" diff --quiet HEAD 2>/dev/null || git_rev="$git_rev (with uncommitted changes)"
etcd_version="$(etcd --version | awk '/etcd Version/ {print $3}')"
smoke=0
{ [ "$PAIRS" -lt 3 ] || [ "$REQUESTS" -lt 20000 ]; } && smoke=1
{
  echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command=$command_line"
  echo "default_sweep=$([ -z "$sweep_changed" ] && echo 1 || echo 0)"
  echo "smoke=$smoke"
  echo "git=$git_rev"
  echo "etcd=$etcd_version"
  echo "java=$(java -version 2>&1 | head -1)"
  echo "cpus=$(nproc)"
  echo "kernel=$(uname -sr)"
  echo "clk_tck=$hz"
  echo "results_dir=$RESULTS_DIR"
  for p in "${params[@]}"; do n="${p%% *}"; echo "$n=${!n}"; done
} >"$RESULTS_DIR/meta.env"

say "== results in $RESULTS_DIR; data in $work; the report will go to $REPORT"

# --- TLS=1: one CA and the members' and the client's certificates, used by both systems
# (raftkv's `cluster start --tls` keeps the files it finds in <data-dir>/tls).
scheme=http
endpoint_prefix="" # etcdctl and raftkv bench take host:port, or https://host:port for TLS
client_tls=()
if [ "$TLS" = 1 ]; then
  scheme=https
  endpoint_prefix=https://
  tls="$work/raftkv/tls"
  mkdir -p "$tls"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$tls/ca.key" -out "$tls/ca.crt" -days 30 \
    -subj "/CN=compare-etcd CA" 2>/dev/null
  for n in n1 n2 n3 client; do
    cn=$n
    [ $n = client ] && cn=root
    openssl req "${ec[@]}" -keyout "$tls/$n.key" -out "$tls/$n.csr" -subj "/CN=$cn" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$tls/ext"
    openssl x509 -req -in "$tls/$n.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
      -days 30 -extfile "$tls/ext" -out "$tls/$n.crt" 2>/dev/null
  done
  client_tls=(--cacert "$tls/ca.crt" --cert "$tls/client.crt" --key "$tls/client.key")
fi
ctl() { etcdctl "${client_tls[@]}" "$@"; }

# --- etcd: 3 members, started here, pids from $!
cluster=""
for i in 1 2 3; do
  cluster="${cluster:+$cluster,}e$i=$scheme://127.0.0.1:$((ETCD_BASE_PORT + 10 * i + 1))"
done
eeps=""
for i in 1 2 3; do
  c=$((ETCD_BASE_PORT + 10 * i))
  etcd_tls=()
  [ "$TLS" = 1 ] && etcd_tls=(--cert-file "$tls/n$i.crt" --key-file "$tls/n$i.key" \
    --trusted-ca-file "$tls/ca.crt" --client-cert-auth --peer-cert-file "$tls/n$i.crt" \
    --peer-key-file "$tls/n$i.key" --peer-trusted-ca-file "$tls/ca.crt" --peer-client-cert-auth)
  eeps="${eeps:+$eeps,}${endpoint_prefix}127.0.0.1:$c"
  etcd --name "e$i" --data-dir "$work/etcd/$i" \
    --listen-client-urls "$scheme://127.0.0.1:$c" --advertise-client-urls "$scheme://127.0.0.1:$c" \
    --listen-peer-urls "$scheme://127.0.0.1:$((c + 1))" --initial-advertise-peer-urls "$scheme://127.0.0.1:$((c + 1))" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "bench-$$" \
    "${etcd_tls[@]}" >"$work/etcd-$i.log" 2>&1 &
  etcd_pids+=($!)
done
up=0
for _ in $(seq 1 150); do
  ctl --endpoints "$eeps" endpoint health >/dev/null 2>&1 && { up=1; break; }
  sleep 0.2
done
[ $up -eq 1 ] || { echo "compare-etcd.sh: etcd did not come up; see $work/etcd-*.log" >&2; exit 1; }
say "etcd $etcd_version: members $eeps, pids ${etcd_pids[*]}"

# --- raftkv: 3 members, `raftkv cluster start` records their pids in <data-dir>/cluster.pids
reps=""
for i in 1 2 3; do
  reps="${reps:+$reps,}${endpoint_prefix}127.0.0.1:$((RAFTKV_BASE_PORT + 10 * i))"
done
raftkv_tls=()
[ "$TLS" = 1 ] && raftkv_tls=(--tls)
(cd "$work" && RAFTKV_JAVA_OPTS="$SERVER_JAVA_OPTS" "$R" cluster start --nodes 3 "${raftkv_tls[@]}" \
  --base-port "$RAFTKV_BASE_PORT" --data-dir "$work/raftkv" >"$work/raftkv-start.log" 2>&1) || {
  [ -f "$work/raftkv/cluster.pids" ] && mapfile -t raftkv_pids <"$work/raftkv/cluster.pids"
  cat "$work/raftkv-start.log" >&2
  exit 1
}
mapfile -t raftkv_pids <"$work/raftkv/cluster.pids"
say "raftkv $git_rev: members $reps, pids ${raftkv_pids[*]}"

# leader SYSTEM: sets leader (its client endpoint), leader_member (1-3) and leader_id
# (id@term, to notice an election during a run). etcdctl endpoint status asks both the same way
# (Maintenance.Status); for raftkv, `raftkv status` is asked first and must agree (see below).
leader() {
  local eps line
  if [ "$1" = etcd ]; then eps="$eeps"; else eps="$reps"; fi
  for _ in $(seq 1 20); do # an election may be under way: up to 10 s
    line=$(ctl --endpoints "$eps" endpoint status 2>/dev/null | awk -F', ' '$5 == "true"' | head -1)
    [ -n "$line" ] && break
    sleep 0.5
  done
  [ -n "$line" ] || { echo "compare-etcd.sh: no leader in $1 ($eps)" >&2; exit 1; }
  leader="${line%%,*}"
  leader_id=$(echo "$line" | awk -F', ' '{print $2 "@" $7}')
  leader_member=$(echo "$eps" | tr ',' '\n' | grep -nxF "$leader" | cut -d: -f1)
}
leader etcd
say "etcd leader: $leader (member $leader_member)"
own=$("$R" status "${client_tls[@]}" --endpoints "$reps" | awk '/role=leader/ {print $1}' | head -1)
leader raftkv
[ "$own" = "${leader#https://}" ] || { # raftkv status prints host:port
  echo "compare-etcd.sh: raftkv status names leader '$own', etcdctl endpoint status '$leader'" >&2
  exit 1
}
say "raftkv leader: $leader (member $leader_member; raftkv status and etcdctl endpoint status agree)"
pids_of() { if [ "$1" = etcd ]; then echo "${etcd_pids[*]}" | tr ' ' ','; else echo "${raftkv_pids[*]}" | tr ' ' ','; fi; }

# bench SYSTEM ARGS...: raftkv bench against SYSTEM's leader, with the client's JVM options.
bench() {
  local system="$1"
  shift
  leader "$system"
  RAFTKV_JAVA_OPTS="$BENCH_JAVA_OPTS" "$R" bench "$@" "${client_tls[@]}" --endpoints "$leader" \
    --key-space "$KEY_SPACE"
}

# compact SYSTEM: compacts SYSTEM to its current revision (waiting for it), so old revisions
# do not pile up over the sweep (etcd's backend quota is 2 GB); the same for both, untimed.
# Nothing to do if nothing was written since the last time (a get run).
declare -A compacted=([etcd]=0 [raftkv]=0)
compact() {
  local rev
  leader "$1"
  rev=$(ctl --endpoints "$leader" get bench-0 -w json | grep -o '"revision":[0-9]*' | head -1 | cut -d: -f2)
  if [ -n "$rev" ] && [ "$rev" -gt "${compacted[$1]}" ]; then
    # A large history (after check perf) takes etcd longer than etcdctl's default 5 s.
    if ctl --endpoints "$leader" --command-timeout=120s compact "$rev" --physical >/dev/null; then
      compacted[$1]=$rev
    else
      say "warning: compacting $1 at revision $rev failed; the next run starts with more history"
    fi
  fi
}

conns_for() {
  if [ -n "$CONNS" ]; then echo "$CONNS"
  elif [ "$1" -le 1 ]; then echo 1
  elif [ "$1" -le 32 ]; then echo 4
  elif [ "$1" -le 128 ]; then echo 8
  else echo 16
  fi
}

failures=0
if [ "$PRIME" -gt 0 ]; then
  for s in etcd raftkv; do
    say "-- priming $s: $PRIME puts (untimed, not recorded)"
    bench "$s" put --requests "$PRIME" --clients 128 --conns 8 2>&1 | tee -a "$log" ||
      { echo "compare-etcd.sh: priming $s failed (above)" >&2; exit 1; }
    compact "$s"
  done
fi

run_one() { # system workload size clients pair slot
  local system="$1" workload="$2" size="$3" clients="$4" pair="$5" slot="$6" load1 id_before rc=0
  local tmp="$work/run.csv" extra=()
  leader "$system"
  id_before="$leader_id"
  [ "$workload" = mix ] && [ -n "$READ_RATIO" ] && extra+=(--read-ratio "$READ_RATIO")
  [ -n "$RATE" ] && extra+=(--rate "$RATE")
  rm -f "$tmp"
  load1=$(cut -d' ' -f1 /proc/loadavg)
  printf '%-6s pair %d/%d  load %s  ' "$system" "$pair" "$PAIRS" "$load1" | tee -a "$log"
  RAFTKV_JAVA_OPTS="$BENCH_JAVA_OPTS" "$R" bench "$workload" "${client_tls[@]}" --endpoints "$leader" \
    --key-space "$KEY_SPACE" --value-size "$size" --clients "$clients" --conns "$(conns_for "$clients")" \
    --requests "$REQUESTS" --warmup "$WARMUP" --cpu-pids "$(pids_of "$system")" --csv "$tmp" \
    "${extra[@]}" 2>&1 | tee -a "$log" || rc=$?
  [ "$rc" -le 1 ] || { echo "compare-etcd.sh: raftkv bench failed (exit $rc)" >&2; exit 1; }
  [ "$rc" -eq 0 ] || failures=$((failures + 1))
  local member="$leader_member"
  leader "$system"
  local changed=0
  [ "$leader_id" = "$id_before" ] || { changed=1; say "   (leader or term changed during this run: $id_before -> $leader_id)"; }
  if [ ! -e "$results" ]; then
    echo "system,pair,slot,load1,leader_member,leader_changed,$(head -1 "$tmp")" >"$results"
  fi
  echo "$system,$pair,$slot,$load1,$member,$changed,$(tail -1 "$tmp")" >>"$results"
  compact "$system"
}

for size in $SIZES; do
  if echo " $WORKLOADS " | grep -qE ' (get|mix) '; then
    for s in etcd raftkv; do
      say "-- filling $s: every key with $size bytes (untimed, not recorded)"
      bench "$s" fill --value-size "$size" --clients 32 --conns 4 2>&1 | tee -a "$log" ||
        { echo "compare-etcd.sh: filling $s failed (above)" >&2; exit 1; }
      compact "$s"
    done
  fi
  for workload in $WORKLOADS; do
    for clients in $CLIENTS; do
      say "== $workload, $size-byte values, $clients clients, $(conns_for "$clients") conns"
      for pair in $(seq 1 "$PAIRS"); do
        if [ $((pair % 2)) -eq 1 ]; then order="etcd raftkv"; else order="raftkv etcd"; fi
        slot=1
        for system in $order; do
          run_one "$system" "$workload" "$size" "$clients" "$pair" "$slot"
          slot=2
        done
      done
    done
  done
done

if [ "$CHECK_PERF" = 1 ]; then
  for s in etcd raftkv; do
    leader "$s"
    say "-- etcdctl check perf --load=$CHECK_PERF_LOAD against $s ($leader), 60 s"
    ctl --endpoints "$leader" check perf --load="$CHECK_PERF_LOAD" >"$RESULTS_DIR/check-perf-$s.txt" 2>&1 || true
    compact "$s"
  done
  # Its progress bar is one long line of carriage returns; keep the verdict lines, and the error
  # of a check that ended without one (grep finding nothing must not end this script: set -e).
  for s in etcd raftkv; do
    verdict=$(tr '\r' '\n' <"$RESULTS_DIR/check-perf-$s.txt" | { grep -aE '^(PASS|FAIL|Error)' || true; } | paste -sd';' - | sed 's/;/; /g')
    echo "$s: ${verdict:-no verdict (see check-perf-$s.txt)}"
  done | tee "$RESULTS_DIR/check-perf.txt" | tee -a "$log"
fi

say "== report: $REPORT"
java "$top/bench/src/main/java/dev/raftkv/bench/BenchReport.java" \
  "$results" "$RESULTS_DIR/meta.env" "$REPORT" "${REPORT%.md}-throughput.svg"
[ "$failures" -eq 0 ] || say "compare-etcd.sh: $failures runs had failed requests (see the failed column)"
