#!/usr/bin/env bash
# slurmtest.sh starts or stops a private single-node Slurm cluster for the
# tests (Debian's slurmctld, slurmd, slurm-client and munge packages), in a
# directory of its own: one node (this machine) in one partition, its own
# munge key and socket, its own ports, state and logs.
#
#   eval "$(scripts/slurmtest.sh start /tmp/fifteen-slurm)"   # exports FIFTEEN_TEST_SLURM_CONF
#   scripts/slurmtest.sh stop /tmp/fifteen-slurm
#
# It runs the daemons as root (CI): Slurm then runs jobs as their
# submitter. It starts in well under a second.
set -euo pipefail
cmd=${1:?usage: slurmtest.sh start|stop DIR}
dir=${2:?usage: slurmtest.sh start|stop DIR}
for b in munged slurmctld slurmd sinfo; do
	command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] ||
		{ echo "slurmtest.sh: $b not installed (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin
case $cmd in
start)
	[ "$(id -u)" = 0 ] || { echo "slurmtest.sh: the daemons run as root" >&2; exit 1; }
	mkdir -p "$dir/state" "$dir/spool"
	dir=$(cd "$dir" && pwd)
	host=$(hostname -s)
	ports=()
	for p in $(shuf -i 20000-60000 -n 50); do
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then ports+=("$p"); fi
		[ ${#ports[@]} -ge 2 ] && break
	done
	[ ${#ports[@]} -ge 2 ] || { echo "slurmtest.sh: no free ports" >&2; exit 1; }
	head -c 1024 /dev/urandom >"$dir/munge.key"
	chmod 600 "$dir/munge.key"
	cat >"$dir/slurm.conf" <<CONF
ClusterName=fifteen
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
AuthType=auth/munge
AuthInfo=socket=$dir/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$(nproc) RealMemory=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024)) State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
	munged --force --socket="$dir/munge.sock" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
		--log-file="$dir/munged.log" --seed-file="$dir/munge.seed"
	SLURM_CONF=$dir/slurm.conf slurmctld
	SLURM_CONF=$dir/slurm.conf slurmd
	for _ in $(seq 1 150); do
		if SLURM_CONF=$dir/slurm.conf sinfo -h -o %T 2>/dev/null | grep -q idle; then
			echo "export FIFTEEN_TEST_SLURM_CONF=$dir/slurm.conf"
			exit 0
		fi
		sleep 0.2
	done
	echo "slurmtest.sh: the node did not come up in 30 s" >&2
	cat "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
	exit 1
	;;
stop)
	for d in slurmd slurmctld munged; do
		[ -f "$dir/$d.pid" ] && kill "$(cat "$dir/$d.pid")" 2>/dev/null || true
	done
	sleep 0.5
	rm -rf "$dir"
	;;
*)
	echo "usage: slurmtest.sh start|stop DIR" >&2; exit 2 ;;
esac
