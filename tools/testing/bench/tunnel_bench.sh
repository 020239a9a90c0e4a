#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnel benchmark, run inside the test VM by `make bench`.
#
# VM-to-VM throughput (iperf3, TCP, one stream) across two hosts, through
# the tunnel npmgr realized, next to the same tunnel built by hand with
# ip(8) in the same boot, side by side on the same underlay:
#
#   plain      npmgr: network with ALLOW_CROSS_SERVER = true (VXLAN, VNI 100)
#              hand:  ip link add ... type vxlan id 101 + bridge fdb append
#   encrypted  npmgr: the same with REQUIRE_ENCRYPTION = true (VNI 102;
#              the MACsec device wpa_supplicant's MKA session creates on the
#              VXLAN device: GCM-AES-128, replay protection, window 0)
#              hand:  VXLAN 103 + ip link add ... type macsec encrypt on
#              cipher gcm-aes-128 replay on window 0 + ip macsec add (SAs,
#              static keys: what an operator without key agreement builds)
#
# The hosts are network namespaces hA and hB joined by a veth (eth1), the
# VMs namespaces joined to their host's tap by tapvm, as in realize.sh.
# Each round runs the four paths one after the other, in an order that
# alternates between rounds. The result is the median, over the rounds, of
# the ratio npmgr / hand within a round (the two runs are seconds apart);
# target: >= 0.95. Under TCG one run's throughput swings by about 20% from
# the next, so the line also gives the lowest and highest round ratio.
#
# Before that, the time from `npmgr load` (on both hosts, one after the
# other) to the first VM ping that passes: for the plain network, then for
# the encrypted one (which waits for MKA to agree on a key). The ratio is
# encrypted / plain, both measured in this boot; target: encrypted <= 5 s.
#
# Environment: BENCH_ROUNDS (9), BENCH_SECONDS (5).
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
ROUNDS=${BENCH_ROUNDS:-9}
SECS=${BENCH_SECONDS:-5}
NPMGR=$top/userspace/npmgr
TAPVM=$top/tools/testing/selftests/netpolicy/tapvm
work=$(mktemp -d)
. "$top/tools/testing/bench/hosts_bench_lib.sh"

bench_in_vm tunnel_bench.sh
trap 'stop_sessions; jobs -p | xargs -r kill 2> /dev/null; wait 2> /dev/null; rm -rf "$work"' EXIT
bench_hosts_up

# --- realized by npmgr ---
mkdir -m 700 "$work/keys"
(umask 077; "$NPMGR" genkey > "$work/keys/enc.cak")
cat > "$work/pool.policy" <<'POL'
host hA { address = 10.1.0.1 }
host hB { address = 10.1.0.2 }
nic eth1 { tags = {underlay} }
policy cross { ALLOW_CROSS_SERVER = true; PHYSICAL_IFS_ALLOWED = {TAG(underlay)} }
policy secure {
    ALLOW_CROSS_SERVER = true
    REQUIRE_ENCRYPTION = true
    PHYSICAL_IFS_ALLOWED = {TAG(underlay)}
}
network plain { bridge = br-p; policy = cross; id = 100 }
network enc { bridge = br-e; policy = secure; id = 102 }
vif p { ifname = "tap-p*"; network = plain }
vif e { ifname = "tap-e*"; network = enc }
POL
grep -v '^network enc\|^vif e' "$work/pool.policy" > "$work/plain.policy"

# The VMs of npmgr's paths, before their networks exist: a client on hA
# and a server on hB per path.
vm hA tap-pa vpa 10.9.1.1
vm hB tap-pb vpb 10.9.1.2
vm hA tap-ea vea 10.9.2.1
vm hB tap-eb veb 10.9.2.2

. "$top/tools/testing/bench/clock.sh"
# Load FILE on both hosts, then ping from VM $2 to $3 until one answers:
# the seconds it took.
load_to_ping() { # file vm address
	local t0 i
	t0=$EPOCHREALTIME
	for h in hA hB; do
		ip netns exec $h "$NPMGR" load --host $h --keys "$work/keys" "$1" > /dev/null
	done
	for i in $(seq 600); do
		ip netns exec "$2" ping -c 1 -W 0.2 "$3" > /dev/null 2>&1 && break
	done
	secs_between "$t0" "$EPOCHREALTIME"
}
t_plain=$(load_to_ping "$work/plain.policy" vpa 10.9.1.2)
t_enc=$(load_to_ping "$work/pool.policy" vea 10.9.2.2)
awk -v p="$t_plain" -v e="$t_enc" 'BEGIN {
	printf "BENCH load to first ping: encrypted %.2f s (MKA)  plain %.2f s  ratio %.2f (target: encrypted <= 5 s)\n",
		e, p, e / p }'

# --- the same by hand ---
key_a=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
key_b=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
hand() { # host local peer mymac peermac mykey peerkey
	local h=$1
	ip -n $h link add br-hp type bridge
	ip -n $h link add vx-hp type vxlan id 101 local "$2" dev eth1 dstport 4789
	ip -n $h link add br-he type bridge
	ip -n $h link add vx-he type vxlan id 103 local "$2" dev eth1 dstport 4789
	bridge -n $h fdb append 00:00:00:00:00:00 dev vx-hp dst "$3"
	bridge -n $h fdb append 00:00:00:00:00:00 dev vx-he dst "$3"
	ip -n $h link add link vx-he ms-he address "$4" type macsec \
		cipher gcm-aes-128 encrypt on replay on window 0
	ip netns exec $h ip macsec add ms-he tx sa 0 pn 1 on key 01 "$6"
	ip netns exec $h ip macsec add ms-he rx address "$5" port 1
	ip netns exec $h ip macsec add ms-he rx address "$5" port 1 sa 0 pn 1 on \
		key 02 "$7"
	ip -n $h link set vx-hp master br-hp
	ip -n $h link set ms-he master br-he
	for d in br-hp vx-hp br-he vx-he ms-he; do
		ip -n $h link set $d up
	done
}
hand hA 10.1.0.1 10.1.0.2 02:00:00:00:0a:01 02:00:00:00:0b:01 "$key_a" "$key_b"
hand hB 10.1.0.2 10.1.0.1 02:00:00:00:0b:01 02:00:00:00:0a:01 "$key_b" "$key_a"

# --- the VMs of the hand-built paths ---
i=2
for path in hp he; do
	i=$((i + 1))
	vm hA "tap-${path}a" "v${path}a" "10.9.$i.1"
	vm hB "tap-${path}b" "v${path}b" "10.9.$i.2"
done
for h in hA hB; do
	hs=$([ $h = hA ] && echo a || echo b)
	ip -n $h link set "tap-hp$hs" master br-hp
	ip -n $h link set "tap-he$hs" master br-he
done
for path in p e; do
	for hs in a b; do
		h=h$(echo $hs | tr ab AB)
		m=$(basename "$(ip netns exec $h readlink /sys/class/net/tap-$path$hs/master)")
		[ "$m" = "br-$path" ] || { echo "tunnel_bench: tap-$path$hs is on '$m'" >&2; exit 1; }
	done
done
i=0
for path in p e hp he; do
	i=$((i + 1))
	ip netns exec "v${path}a" ping -c 3 -W 2 "10.9.$i.2" > /dev/null ||
		{ echo "tunnel_bench: path $path does not ping" >&2; exit 1; }
done

# One iperf3 run: Mbit/s received (0 if it failed).
run() { # path index
	ip netns exec "v${1}a" iperf3 -c "10.9.$2.2" -t "$SECS" -f m 2> /dev/null |
		awk '/receiver/ { v = $(NF - 2) } END { print v + 0 }'
}
servers() { # start a one-off server in each path's server VM
	local path
	for path in "$@"; do
		ip netns exec "v${path}b" iperf3 -s -D -1 > /dev/null 2>&1 || true
	done
	sleep 0.5
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

pkill iperf3 || true
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then order="p:1 hp:3 e:2 he:4"; else order="hp:3 p:1 he:4 e:2"; fi
	for pi in $order; do
		servers "${pi%%:*}"
		echo "$r ${pi%%:*} $(run "${pi%%:*}" "${pi##*:}")" >> "$work/results"
	done
done
med() { awk -v p="$1" '$2 == p && $3 > 0 { print $3 }' "$work/results" | median; }
# the ratio of path $1 to path $2 within each round
ratios() {
	awk -v a="$1" -v b="$2" '$2 == a { x[$1] = $3 } $2 == b { y[$1] = $3 }
		END { for (r in x) if (x[r] > 0 && y[r] > 0) print x[r] / y[r] }' \
		"$work/results" | sort -n
}
for kind in plain encrypted; do
	if [ $kind = plain ]; then a=p; b=hp; else a=e; b=he; fi
	ratios $a $b > "$work/r"
	awk -v k=$kind -v a="$(med $a)" -v b="$(med $b)" -v r="$(median < "$work/r")" \
	    -v lo="$(head -n 1 "$work/r")" -v hi="$(tail -n 1 "$work/r")" \
	    -v n="$(wc -l < "$work/r")" 'BEGIN {
		printf "BENCH tunnel %-9s npmgr %6.1f Mbit/s  by hand %6.1f Mbit/s  ratio %.3f (median of %d rounds, %.2f..%.2f; target >= 0.95)\n",
			k, a, b, r, n, lo, hi }'
done
