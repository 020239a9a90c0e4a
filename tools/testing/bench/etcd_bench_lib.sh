#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the etcd benchmarks (pool_bench.sh, place_bench.sh) share. Sourced,
# not run; needs $work (a scratch directory), $NPMGR and $NPMGR_ETCD.

. "${top:?}/tools/testing/bench/clock.sh"
pct() { # percentile (0-100): of the numbers on stdin
	sort -n | awk -v p="$1" '{ a[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print a[i] }'
}

# One etcd member on loopback, client port $2, peer port $2 + 1, sized
# for one apply of a whole pool (one transaction); returns once npmgr
# reaches it. Its pid in $work/etcd.pid.
bench_etcd_start() { # name port
	local ep=http://127.0.0.1:$2 peer=http://127.0.0.1:$(($2 + 1))
	etcd --name "$1" --data-dir "$work/etcd" --listen-client-urls "$ep" --advertise-client-urls "$ep" \
		--listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
		--initial-cluster "$1=$peer" \
		--max-txn-ops 1000000 --max-request-bytes $((512 << 20)) \
		--quota-backend-bytes $((8 << 30)) > "$work/etcd.log" 2>&1 &
	echo $! > "$work/etcd.pid"
	for _ in $(seq 100); do
		"$NPMGR" pool show > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "bench: etcd did not start: $(tail -n 3 "$work/etcd.log")" >&2
	return 1
}
