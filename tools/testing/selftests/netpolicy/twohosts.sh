#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hosts and their VMs in one guest, for realize.sh, keys.sh and the tunnel
# benchmark. Sourced, not run; needs $TAPVM (and $NPMGR for np, npl).
#
#   hosts: network namespaces hA and hB joined by two veth "wires",
#          eth1 (10.1.0.1 - 10.1.0.2) and eth2 (10.2.0.1 - 10.2.0.2)
#   VMs:   network namespaces whose eth0 is joined to a tap of their host
#          by tapvm, as QEMU joins a guest's NIC to its tap

twohosts_up() {
	local h
	for h in hA hB; do
		ip netns add $h
		ip -n $h link set lo up
	done
	ip -n hA link add eth1 type veth peer name eth1 netns hB
	ip -n hA link add eth2 type veth peer name eth2 netns hB
	ip -n hA addr add 10.1.0.1/24 dev eth1
	ip -n hB addr add 10.1.0.2/24 dev eth1
	ip -n hA addr add 10.2.0.1/24 dev eth2
	ip -n hB addr add 10.2.0.2/24 dev eth2
	for h in hA hB; do
		ip -n $h link set eth1 up
		ip -n $h link set eth2 up
	done
}

# A VM on host HOST behind tap TAP: namespace VM, eth0 with ADDRESS/24 and
# an MTU that fits a VXLAN + MACsec path over a 1500-byte underlay.
vm() { # host tap vm address
	local end=$((SECONDS + 30))	# a deadline: a process start under TCG
	ip netns add "$3"
	ip netns exec "$1" "$TAPVM" "$2" "/run/netns/$3" &
	while ((SECONDS < end)); do
		ip -n "$3" link show eth0 > /dev/null 2>&1 && break
		sleep 0.1
	done
	ip -n "$3" link set lo up
	ip -n "$3" link set eth0 mtu 1400 up
	ip -n "$3" addr add "$4/24" dev eth0
	ip -n "$1" link set "$2" up
}

# npmgr in host namespace $1; `npl HOST load|realize ...` as that host,
# with the CAKs in $KEYS (or $KEYS_OF)
np() { local h=$1; shift; ip netns exec "$h" "$NPMGR" "$@"; }
npl() { local h=$1 cmd=$2; shift 2; np "$h" "$cmd" --host "$h" --keys "${KEYS_OF:-$KEYS}" "$@"; }
# the name npmgr gives a device: PREFIX + 8 hex of sha256(a \0 b \0)
devname() { printf '%s\0%s\0' "$2" "${3:-}" | sha256sum | cut -c1-8 | sed "s/^/$1/"; }
