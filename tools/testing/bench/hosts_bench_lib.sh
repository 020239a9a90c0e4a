#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the benchmarks on two hosts (tunnel_bench.sh, hostlinks_bench.sh)
# share. Sourced, not run; needs $top (the repository). Hosts hA and hB
# are network namespaces joined by a veth (twohosts.sh).

. "${top:?}/tools/testing/selftests/netpolicy/twohosts.sh"

# A benchmark of the test VM refuses to run anywhere else.
bench_in_vm() { # script name
	if [ -z "${NP_IN_VM:-}" ]; then
		echo "$1 runs inside the test VM: use 'make bench'" >&2
		exit 4
	fi
}

# Stop the key agreement sessions npmgr started on hA and hB.
stop_sessions() {
	local p
	for p in /run/netpolicy/mka/h[AB]/*.pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2> /dev/null
	done
	return 0
}

# The drivers a realized pool needs, the module, and the two hosts.
bench_hosts_up() {
	modprobe -a tun bridge veth vxlan macsec
	insmod "$top/kernel/netpolicy.ko"
	twohosts_up
}
