#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-links benchmark, run inside the test VM by `make bench`: what npmgr
# costs on a host full of VM interfaces, against the same on a host with
# none, in the same boot. Hosts hA and hB are network namespaces joined by
# a veth (twohosts.sh); the taps are made on hA with ip -batch.
#
#   realize    a pool file whose load makes 50 bridges and 50 VXLAN devices
#              on hA, then a file without hosts whose load deletes them:
#              with BENCH_TAPS taps on hA against none; medians of
#              BENCH_ROUNDS; target: flat (<= 1.2x). npmgr reads only the
#              links a step needs, never every link once per device.
#   supervise  one secured key agreement session between hA and hB; while
#              BENCH_TAPS taps are made, set up, set down and deleted on
#              hA, the CPU time of hA's supervisor (it hears every event)
#              as a share of the churn's wall time, against its share over
#              as long idle; target: <= 5% of a core.
#
# Environment: BENCH_TAPS (2000), BENCH_ROUNDS (3).
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
TAPS=${BENCH_TAPS:-2000}
ROUNDS=${BENCH_ROUNDS:-3}
NPMGR=$top/userspace/npmgr
work=$(mktemp -d)
KEYS=$work/keys
. "$top/tools/testing/bench/hosts_bench_lib.sh"

bench_in_vm hostlinks_bench.sh
trap 'stop_sessions; rm -rf "$work"' EXIT
bench_hosts_up
mkdir -m 700 "$KEYS"
(umask 077; "$NPMGR" genkey > "$KEYS/enc.cak")

. "$top/tools/testing/bench/clock.sh"
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
# clock ticks (USER_HZ) of process $1, user + system
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

for i in $(seq 0 $((TAPS - 1))); do echo "tuntap add vt$i mode tap"; done > "$work/add"
for i in $(seq 0 $((TAPS - 1))); do echo "link set vt$i up"; done > "$work/up"
for i in $(seq 0 $((TAPS - 1))); do echo "link set vt$i down"; done > "$work/down"
for i in $(seq 0 $((TAPS - 1))); do echo "link del vt$i"; done > "$work/del"

{
	echo "host hA { address = 10.1.0.1 }"
	echo "host hB { address = 10.1.0.2 }"
	echo "nic eth1 { tags = {underlay} }"
	echo "policy cross { ALLOW_CROSS_SERVER = true; PHYSICAL_IFS_ALLOWED = {TAG(underlay)} }"
	for i in $(seq 0 49); do
		echo "network n$i { bridge = brn$i; policy = cross; id = $((100 + i)) }"
	done
} > "$work/pool.policy"
printf 'network lone { bridge = br-lone }\n' > "$work/lone.policy"
ip -n hA link add br-lone type bridge

# --- realize: the same loads with and without the taps, alternated ---
for r in $(seq "$ROUNDS"); do
	for with in none taps; do
		[ $with = none ] || ip -n hA -batch "$work/add"
		t0=$EPOCHREALTIME
		npl hA load "$work/pool.policy" > "$work/out"
		t1=$EPOCHREALTIME
		npl hA load "$work/lone.policy" > "$work/out2"
		t2=$EPOCHREALTIME
		[ "$(grep -c created "$work/out") $(grep -c deleted "$work/out2")" = "100 100" ] || {
			echo "FAIL: round $r ($with): not 100 devices made and deleted" >&2
			exit 1
		}
		ms_between "$t0" "$t1" >> "$work/make-$with"
		ms_between "$t1" "$t2" >> "$work/del-$with"
		[ $with = none ] || ip -n hA -batch "$work/del"
	done
done
for op in make del; do
	a=$(median < "$work/$op-taps")
	b=$(median < "$work/$op-none")
	printf 'BENCH realize: %s 100 devices, %s taps vs none: %s vs %s ms  ratio %s (medians of %s; target <= 1.2)\n' \
		"$([ $op = make ] && echo make || echo delete)" "$TAPS" "$a" "$b" \
		"$(ratio "$a" "$b")" "$ROUNDS"
done

# --- supervise: one secured session, the taps' churn against idle ---
cat > "$work/enc.policy" <<'POL'
host hA { address = 10.1.0.1 }
host hB { address = 10.1.0.2 }
nic eth1 { tags = {underlay} }
policy secure {
    ALLOW_CROSS_SERVER = true
    REQUIRE_ENCRYPTION = true
    PHYSICAL_IFS_ALLOWED = {TAG(underlay)}
}
network enc { bridge = br-e; policy = secure; id = 300 }
POL
npl hA load "$work/enc.policy" > /dev/null
npl hB load "$work/enc.policy" > /dev/null
end=$((SECONDS + 90))
until np hA -j show keys | grep -q '"state":"secured"'; do
	((SECONDS < end)) || { echo "FAIL: no secured session after 90 s" >&2; exit 1; }
	sleep 0.2
done
pid=$(cat /run/netpolicy/mka/hA/*.pid)
c0=$(cpu_ticks "$pid")
t0=$EPOCHREALTIME
ip -n hA -batch "$work/add"
ip -n hA -batch "$work/up"
ip -n hA -batch "$work/down"
ip -n hA -batch "$work/del"
sleep 2				# the last events reach it
t1=$EPOCHREALTIME
c1=$(cpu_ticks "$pid")
sleep $((($(ms_between "$t0" "$t1") + 999) / 1000))
t2=$EPOCHREALTIME
c2=$(cpu_ticks "$pid")
hz=$(getconf CLK_TCK)
awk -v busy=$(((c1 - c0) * 1000 / hz)) -v wall="$(ms_between "$t0" "$t1")" \
    -v idle=$(((c2 - c1) * 1000 / hz)) -v iwall="$(ms_between "$t1" "$t2")" -v n="$TAPS" 'BEGIN {
	printf "BENCH supervise: %d taps made, up, down, deleted: supervisor %d ms of CPU in %d ms (%.1f%% of a core); idle %d ms in %d ms (%.1f%%) (target <= 5%%)\n",
		n, busy, wall, 100 * busy / wall, idle, iwall, 100 * idle / iwall
}'
np hA -j show keys | grep -q '"state":"secured"' || { echo "FAIL: the session is no longer secured" >&2; exit 1; }
