#!/usr/bin/env bash
# A real Slurm test: installs Debian's slurm-wlm and munge if missing, starts a single-node
# cluster (munged, slurmctld, slurmd; no systemd; state under /tmp), submits the tiny sweep as a
# 4-task job array with a dependent merge job via `restake slurm --submit`, waits (bounded), and
# checks that the merged dataset equals the same sweep run unsharded on this machine.
#
# If the cluster cannot be started or a job fails, it says so loudly and exits non-zero: it never
# passes without having run the jobs. Needs root (apt-get, daemons) and the debug binary built by
# `cargo test` (or RESTAKE=/path/to/restake).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
root=$(pwd)
RESTAKE="${RESTAKE:-${CARGO_TARGET_DIR:-$HOME/.cache/restake-target}/debug/restake}"
work=$(mktemp -d /tmp/restake-slurm.XXXXXX)
export SLURM_CONF="$work/slurm.conf"
started_munge=""

say() { echo "== slurm test: $*"; }
cleanup() {
  for d in slurmd slurmctld; do
    if [ -s "$work/$d.pid" ]; then kill "$(cat "$work/$d.pid")" 2>/dev/null || true; fi
  done
  if [ -n "$started_munge" ] && [ -s /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; fi
}
fail() {
  echo "!! SLURM TEST FAILED: $*" >&2
  for f in "$work"/slurmctld.log "$work"/slurmd.log "$work"/sharded/slurm/logs/*.out; do
    [ -f "$f" ] && { echo "--- $f (last 30 lines)" >&2; tail -n 30 "$f" >&2; }
  done
  echo "!! (after $(( $(date +%s) - start )) s; files in $work)" >&2
  exit 1
}
trap cleanup EXIT

[ -x "$RESTAKE" ] || fail "no restake binary at $RESTAKE: build it first (cargo test / cargo build)"
[ "$(id -u)" = 0 ] || fail "needs root to install and start Slurm"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq slurm-wlm munge >/dev/null || fail "cannot install slurm-wlm and munge"
fi

say "starting munged"
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 || true; fi
  [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key
if ! munge -n </dev/null >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged || fail "munged did not start"
  started_munge=1
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n </dev/null | unmunge >/dev/null 2>&1 || fail "munge does not work (munge -n | unmunge)"

host=$(hostname -s)
say "writing $SLURM_CONF for node $host"
mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<EOF
ClusterName=restakeci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

# A controller or node daemon left running by an earlier, interrupted run of this test holds our
# ports (16817/16818) and answers sbatch with its own, deleted state: stop it first.
if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
  say "stopping Slurm daemons left from an earlier run"
  pkill -x slurmd || true
  pkill -x slurmctld || true
  for _ in $(seq 50); do pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || break; sleep 0.1; done
fi
say "starting slurmctld and slurmd"
slurmctld -c || fail "slurmctld did not start"
slurmd || fail "slurmd did not start"
ready=""
for _ in $(seq 120); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  case "$state" in
    idle*|mix*|alloc*) ready=1; break ;;
    down*|drain*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
[ -n "$ready" ] || fail "the node never became idle (state: ${state:-none}); the cluster could not start here"
say "cluster up ($(sinfo -h -o '%P %D %T %c CPUs'))"

exp="$root/experiments/tiny.toml"
say "submitting $exp as a 4-task array (at most 2 at once) and a merge job"
"$RESTAKE" slurm "$exp" --shards 4 --cpus 1 --time 00:10:00 --partition debug --throttle 2 --out "$work/sharded" --submit \
  || fail "restake slurm --submit failed"
read -r array merge < "$work/sharded/slurm/jobs" || fail "no job ids in $work/sharded/slurm/jobs"
deadline=$(( $(date +%s) + 300 ))
while [ -n "$(squeue -h -j "$array,$merge" -o %i 2>/dev/null)" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { squeue >&2 || true; fail "jobs still queued or running after 300 s"; }
  sleep 1
done
[ -s "$work/sharded/manifest.json" ] || fail "the merge job did not write manifest.json (did an array task fail?)"
for k in 0 1 2 3; do
  [ -d "$work/sharded/runs/shard=$k" ] || fail "array task $k wrote no runs part"
done

say "running the same sweep unsharded on this machine"
"$RESTAKE" sweep "$exp" --out "$work/whole" --threads 2 >/dev/null 2>"$work/whole.log" || { cat "$work/whole.log" >&2; fail "unsharded sweep failed"; }

say "comparing the merged dataset with the unsharded one"
python3 - "$work/sharded" "$work/whole" <<'EOF' || fail "the sharded and unsharded results differ"
import json, sys
import polars as pl
sharded, whole = sys.argv[1], sys.argv[2]
m = json.load(open(f"{sharded}/manifest.json"))
assert m["complete"] and m["runs"]["finished"] == m["runs"]["expected"], m["runs"]
assert len(m["hosts"]) >= 1
a = pl.read_parquet(f"{sharded}/runs.parquet").sort("run_id")
b = pl.read_parquet(f"{whole}/runs.parquet").sort("run_id")
assert a.equals(b), "runs.parquet differs"
for kind, keys in [("steps", ["run_id", "step"]), ("events", ["run_id", "event_id"])]:
    x = pl.read_parquet(f"{sharded}/{kind}/", hive_partitioning=True).drop("shard").sort(keys)
    y = pl.read_parquet(f"{whole}/{kind}/", hive_partitioning=True).drop("shard").sort(keys)
    assert x.height > 0 and x.equals(y), f"{kind} differ"
s = pl.read_parquet(f"{sharded}/summary.parquet")
assert s.equals(pl.read_parquet(f"{whole}/summary.parquet")), "summary.parquet differs"
shards = pl.read_parquet(f"{sharded}/runs/", hive_partitioning=True)["shard"].unique().sort().to_list()
assert shards == [0, 1, 2, 3], shards
print(f"   {a.height} runs, {x.height} events rows identical; written by shards {shards}")
EOF
say "PASSED in $(( $(date +%s) - start )) s"
rm -rf "$work"
