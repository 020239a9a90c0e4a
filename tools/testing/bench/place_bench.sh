#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The placement benchmark, run by `make bench` on the build machine (no
# kernel involved): one etcd member on loopback holding a pool of HOSTS
# hosts (specs and liveness, as agents publish them: poolbench hosts),
# 1,000 networks whose policies cycle through crossing, encrypted on fast
# NICs, local only and isolated from red VMs, and VMS VMs with one
# interface each (npmgr pool apply).
#
#   npmgr place VM (one VM, nothing written): its latency, p50 and p99 of
#     RUNS runs: the pool read from etcd, then the decision;
#   npmgr place --record VM... (PLACE VMs in one run: the pool read once,
#     each placement committed in its own transaction): committed
#     placements per second, the read taken out (the median latency
#     above);
#   the baseline, in the same run: the same transactions (four compares,
#     two puts) sent back to back by poolbench: etcd's raw rate.
# The decisions alone (no etcd) are `place_test --bench`, also in make bench.
# usage: place_bench.sh   (HOSTS=1000 VMS=100000 PLACE=2000 RUNS=10)
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
NPMGR=${NPMGR:-$top/userspace/npmgr}
POOLBENCH=$top/tools/testing/pool/poolbench
HOSTS=${HOSTS:-1000}
VMS=${VMS:-100000}
PLACE=${PLACE:-2000}
RUNS=${RUNS:-10}
work=$(mktemp -d)
port=$((26000 + ($$ % 1000) * 2))
EP=http://127.0.0.1:$port
export NPMGR_ETCD=$EP

cleanup() {
	[ -e "$work/etcd.pid" ] && kill "$(cat "$work/etcd.pid")" 2> /dev/null
	wait 2> /dev/null || :
	rm -rf "$work"
}
trap cleanup EXIT
. "$top/tools/testing/bench/etcd_bench_lib.sh"

bench_etcd_start pl "$port"

awk -v vms="$VMS" 'BEGIN {
	print "policy open { ALLOW_CROSS_SERVER = true }"
	print "policy sec { ALLOW_CROSS_SERVER = true REQUIRE_ENCRYPTION = true PHYSICAL_IFS_ALLOWED = {TAG(fast)} }"
	print "policy here { ALLOW_CROSS_SERVER = false }"
	print "policy nored { ALLOW_CROSS_SERVER = true ISOLATE_FROM = {TAG(red)} }"
	split("open sec here nored", pol, " ")
	for (n = 0; n < 1000; n++)
		printf "network n%04d { bridge = br%04d id = %d policy = %s }\n", n, n, 1000 + n, pol[n % 4 + 1]
	srand(20261203)
	for (v = 0; v < vms; v++) {
		printf "vm v%06d { tags = {%s} }\n", v, v % 2 ? "red" : "blue"
		printf "vif v%06d { mac = 52:54:00:%02x:%02x:%02x network = n%04d vm = v%06d }\n",
			v, int(v / 65536) % 256, int(v / 256) % 256, v % 256, int(rand() * 1000), v
	}
}' > "$work/pool.policy"
"$NPMGR" pool apply "$work/pool.policy" > /dev/null
"$POOLBENCH" hosts "$EP" "$HOSTS"

# one VM placed, nothing written: the read and the decision
for i in $(seq "$RUNS"); do
	t=$EPOCHREALTIME
	"$NPMGR" place --quiet "v$(printf %06d $((i * 7919 % VMS)))" > /dev/null 2>&1 || :
	ms_between "$t" "$EPOCHREALTIME"
done > "$work/lat"
p50=$(pct 50 < "$work/lat")
p99=$(pct 99 < "$work/lat")

# PLACE VMs recorded in one run
seq 0 $((PLACE - 1)) | awk '{ printf "v%06d\n", $1 * 37 % '"$VMS"' }' > "$work/vms"
t=$EPOCHREALTIME
# shellcheck disable=SC2046 # one word a VM
"$NPMGR" place --record --quiet $(cat "$work/vms") > "$work/placed" 2> "$work/place.err" || :
total=$(ms_between "$t" "$EPOCHREALTIME")
placed=$(wc -l < "$work/placed")
[ "$placed" -gt 0 ] || { echo "place_bench: nothing placed: $(tail -n 3 "$work/place.err")"; exit 1; }
commit_ms=$((total - p50))
[ "$commit_ms" -gt 0 ] || commit_ms=1

# the baseline: etcd's raw transactions of the same shape
read -r n secs < <("$POOLBENCH" txn "$EP" "$PLACE")
awk -v h="$HOSTS" -v v="$VMS" -v p50="$p50" -v p99="$p99" -v placed="$placed" -v want="$PLACE" \
    -v ms="$commit_ms" -v total="$total" -v n="$n" -v secs="$secs" 'BEGIN {
	ours = placed / (ms / 1000); raw = n / secs
	printf "BENCH place: a pool of %d hosts and %d VMs in etcd: npmgr place (read + decide) p50 %d ms, p99 %d ms\n", h, v, p50, p99
	printf "BENCH place: %d of %d VMs placed and recorded in one run of %.1f s: %.0f committed/s after the read; etcd raw %.0f txn/s: ratio %.2f (target 0.8)\n",
		placed, want, total / 1000, ours, raw, ours / raw
}'
