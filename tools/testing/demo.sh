#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The end-to-end demo `make demo` runs inside the VM: the distribution
# kernel, netpolicy.ko loaded, the example policy loaded with npmgr, VM
# interfaces (taps) created and attached, and one that no rule binds left
# unattached and reported. Part 2: two hosts (namespaces) carrying an
# encrypted network realized by npmgr, VMs pinging across, drift repaired.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
npmgr=$top/userspace/npmgr
policy=$top/Documentation/examples/demo.policy
if [ -z "${NP_IN_VM:-}" ]; then
	echo "demo.sh runs inside the test VM: use 'make demo'" >&2
	exit 4
fi
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "kernel $(uname -r); loading netpolicy.ko"
modprobe -a tun bridge
run insmod "$top/kernel/netpolicy.ko"
dmesg | grep 'netpolicy: loaded' | tail -n 1

say "events, as they happen (npmgr monitor in the background)"
"$npmgr" monitor | sed 's/^/  [event] /' &
sleep 1

say "the bridge of network 'front' (br-back, of 'back', comes later)"
run ip link add br-front type bridge

say "loading the policy file"
sed 's/^/  | /' "$policy"
run "$npmgr" load "$policy"

say "VMs start: their interfaces appear"
run ip tuntap add tap-web0 mode tap      # matches vif 'web' (glob tap-web*)
run ip tuntap add tap-web1 mode tap
run ip tuntap add tap-db mode tap
run ip link set tap-db address 52:54:00:00:0d:b0   # vif 'db' (by MAC)
run ip tuntap add tap-batch0 mode tap    # vif 'batch': its bridge is missing
run ip tuntap add tap-guest9 mode tap    # no VIF object binds it
run ip tuntap add tap-insecure mode tap  # policy 'secure' isolates its VM
say "QEMU sets them up: each tap joins its bridge as it comes up"
for t in tap-web0 tap-web1 tap-db tap-batch0 tap-guest9 tap-insecure; do
	run ip link set "$t" up
done
sleep 0.5

say "state: tap-db and tap-batch0 wait for br-back, tap-guest9 is unbound, tap-insecure refused"
run "$npmgr" show interfaces

say "why tap-insecure is refused"
run "$npmgr" explain tap-insecure

say "br-back appears: the pending interfaces are attached at once"
run ip link add br-back type bridge
sleep 0.5

say "npmgr show"
run "$npmgr" show

say "what the kernel sees (ip link: master of each tap)"
ip -o link show type tun 2>/dev/null || true
for d in tap-web0 tap-web1 tap-db tap-batch0 tap-guest9 tap-insecure; do
	m=$(basename "$(readlink /sys/class/net/$d/master 2>/dev/null)" 2>/dev/null || true)
	printf '  %-11s master %s\n' "$d" "${m:-(none)}"
done
[ "$(basename "$(readlink /sys/class/net/tap-web0/master)")" = br-front ]
[ "$(basename "$(readlink /sys/class/net/tap-batch0/master)")" = br-back ]
[ ! -e /sys/class/net/tap-guest9/master ]
[ ! -e /sys/class/net/tap-insecure/master ]

say "an untagged uplink joins br-front: policy 'secure' allows only NICs tagged testdev_network1/2, so its interfaces are detached (fail closed)"
run ip link add eth-plain type dummy
run ip link set eth-plain master br-front
sleep 0.5
run "$npmgr" show interfaces
run ip link set eth-plain nomaster
sleep 0.5

say "a VM stops: its interface is removed"
run ip link del tap-web1
sleep 0.5
kill %1 2>/dev/null || true

# ---------------------------------------------------------------------------
say "part 2: two hosts (network namespaces hA, hB joined by eth1), network 'front' realized across them"
modprobe -a veth vxlan macsec
TAPVM=$top/tools/testing/selftests/netpolicy/tapvm
. "$top/tools/testing/selftests/netpolicy/twohosts.sh"
twohosts_up
pool=$top/Documentation/examples/pool.policy
keys=$(mktemp -d)
sed 's/^/  | /' "$pool"
say "the network's key (CAK), the same on both hosts: npmgr genkey"
printf '$ (umask 077; npmgr genkey > %s/front.cak)\n' "$keys"
(umask 077; "$npmgr" genkey > "$keys/front.cak")
for h in hA hB; do
	say "on host $h: npmgr load --host $h pool.policy (builds the bridge and the VXLAN tunnel, starts MKA with the other host, then loads)"
	run ip netns exec $h "$npmgr" load --host $h --keys "$keys" "$pool"
done

say "a VM starts on each host"
vm hA tap-web0 web-on-hA 10.9.0.1
vm hB tap-web0 web-on-hB 10.9.0.2
run ip netns exec hA "$npmgr" show interfaces
run ip -n hA -d link show master br-front

say "the hosts agree on a fresh MACsec key (MKA, wpa_supplicant): npmgr show keys"
for i in $(seq 100); do
	ip netns exec hA "$npmgr" show keys | grep -q ' secured ' && break
	sleep 0.2
done
run ip netns exec hA "$npmgr" show keys

say "the VM on hA pings the VM on hB, through VXLAN over eth1, encrypted by MACsec"
ip netns exec web-on-hA ping -c 2 -W 2 10.9.0.2 > /dev/null || true
run ip netns exec web-on-hA ping -c 3 -W 2 10.9.0.2

say "hA as a picture: npmgr show --graph (Graphviz DOT; --svg FILE draws it, see Documentation/demo-graph.svg)"
run ip netns exec hA "$npmgr" show --graph

say "npmgr realize again: nothing to change"
run ip netns exec hA "$npmgr" realize --host hA --keys "$keys" "$pool"

say "drift: someone switches MACsec encryption off on hA; the kernel detaches the VM (fail closed)"
ms=$(ip -n hA -o link show type macsec | awk -F': ' '{ print $2 }' | cut -d@ -f1)
run ip -n hA link set "$ms" type macsec encrypt off
sleep 0.5
run ip netns exec hA "$npmgr" show interfaces

say "npmgr realize restarts the key agreement; the VM is attached again"
run ip netns exec hA "$npmgr" realize --host hA --keys "$keys" "$pool"
for i in $(seq 100); do
	ip netns exec hA "$npmgr" show keys | grep -q ' secured ' && break
	sleep 0.2
done
run ip netns exec hA "$npmgr" show interfaces
ip netns exec web-on-hA ping -c 2 -W 2 10.9.0.2 > /dev/null || true
run ip netns exec web-on-hA ping -c 2 -W 2 10.9.0.2
run ip netns exec hA "$npmgr" show keys
for h in hA hB; do
	for p in /run/netpolicy/mka/$h/*.pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2> /dev/null
	done
done
rm -rf "$keys"
jobs -p | xargs -r kill 2> /dev/null
say "demo done"
