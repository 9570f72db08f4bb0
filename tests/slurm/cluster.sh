#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for tests: munged, slurmctld and slurmd started by hand
# (no systemd), every file under one state directory. Needs Debian's slurmctld, slurmd, slurm-client
# and munge (scripts/setup.sh --test installs them).
#
#   tests/slurm/cluster.sh start DIR   starts the cluster; prints `export SLURM_CONF=...` to eval
#   tests/slurm/cluster.sh stop DIR    stops it
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop DIR}
dir=${2:?usage: cluster.sh start|stop DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf=$dir/slurm.conf

start() {
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  # munged refuses a socket whose directories others cannot traverse (mktemp -d makes 0700 ones).
  local d=$dir/munge
  while [ "$d" != / ]; do
    chmod go+x "$d"
    d=$(dirname "$d")
  done
  [ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key"
  chmod 0600 "$dir/munge/munge.key"
  munged -F --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" \
    --log-file="$dir/munge/munged.log" > "$dir/munge/munged.out" 2>&1 &
  echo $! > "$dir/munged.pid"
  local ready=0
  for _ in $(seq 100); do
    if munge -S "$dir/munge/munge.socket.2" -n 2>/dev/null | unmunge -S "$dir/munge/munge.socket.2" >/dev/null 2>&1; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [ "$ready" -eq 0 ]; then
    echo "cluster.sh: munged did not start:" >&2
    tail -n 5 "$dir/munge/munged.out" "$dir/munge/munged.log" >&2 || true
    stop
    return 1
  fi

  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  # A RealMemory above the real one puts the node in state `inval`; 90% is safe.
  mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  cat > "$conf" <<CONF
ClusterName=tfbindci
SlurmUser=root
SlurmdUser=root
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,bf_interval=1,sched_min_interval=0
EnforcePartLimits=ALL
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$conf
  slurmctld -D -c -f "$conf" > "$dir/log/slurmctld.out" 2>&1 &
  echo $! > "$dir/slurmctld.main.pid"
  slurmd -D -f "$conf" > "$dir/log/slurmd.out" 2>&1 &
  echo $! > "$dir/slurmd.main.pid"
  # About a second on an idle machine; much longer when the cores are busy.
  for _ in $(seq 300); do
    state=$(sinfo -h -N -o %T 2>/dev/null || true)
    [ "$state" = idle ] && { echo "export SLURM_CONF=$conf"; return 0; }
    sleep 0.2
  done
  echo "cluster.sh: the node did not become idle (state: '${state:-none}'); logs in $dir/log" >&2
  tail -n 5 "$dir"/log/*.log "$dir"/log/*.out >&2 || true
  stop
  return 1
}

stop() {
  SLURM_CONF=$conf scontrol shutdown >/dev/null 2>&1 || true
  for f in slurmctld.main.pid slurmd.main.pid munged.pid; do
    [ -f "$dir/$f" ] || continue
    pid=$(cat "$dir/$f")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; [ "$f" = munged.pid ] && kill "$pid" 2>/dev/null; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$f"
  done
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
