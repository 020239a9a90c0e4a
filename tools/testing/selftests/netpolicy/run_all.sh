#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Entry point in the test VM: load what the tests need, run them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
if [ -z "${NP_IN_VM:-}" ]; then
	echo "SKIP: run inside the test VM (make selftest), never on the host kernel"
	exit 4
fi
echo "selftests: kernel $(uname -r), module ${NETPOLICY_KO:-$top/kernel/netpolicy.ko}"
modprobe -a tun bridge dummy veth vxlan 8021q ip_gre geneve macsec openvswitch || exit 1
# What udev's default rules do on a real host (KERNEL=="tun", MODE="0666"):
# containers and user namespaces open /dev/net/tun to create their taps.
chmod 0666 /dev/net/tun
insmod "${NETPOLICY_KO:-$top/kernel/netpolicy.ko}" || exit 1
# run_all.sh [SUITE [TEST...]]: SUITE is netpolicy, realize, keys, agent or
# stress (default: the first three, realize again with an ASan npmgr, agent
# (the pool's agents with a real etcd), and stress's
# fuzz case: a million requests, a minute here; the debug kernel runs the
# other stress cases)
# a case that hangs fails (and says where) instead of stopping the suite
export NP_CASE_TIMEOUT=${NP_CASE_TIMEOUT:-600}
case "${1:-}" in
netpolicy | realize | keys | agent | stress)
	suite=$1
	shift
	exec "$here/$suite.sh" "$@" ;;
esac
rc=0
"$here/netpolicy.sh" || rc=1
"$here/realize.sh" || rc=1
"$here/keys.sh" || rc=1
# realize.c talks to the kernel only: its ASan/UBSan run is this one
if [ -x "$top/userspace/npmgr-asan" ]; then
	NPMGR=$top/userspace/npmgr-asan NP_SUITE=realize-asan \
		ASAN_OPTIONS=detect_leaks=1 "$here/realize.sh" || rc=1
fi
lsmod | grep -q '^netpolicy ' || insmod "${NETPOLICY_KO:-$top/kernel/netpolicy.ko}" || rc=1
"$here/agent.sh" || rc=1
# the agent's own code (etcd's stream, leases) under ASan/UBSan
if [ -x "$top/userspace/npmgr-asan" ]; then
	NPMGR=$top/userspace/npmgr-asan NP_SUITE=agent-asan \
		ASAN_OPTIONS=detect_leaks=1 "$here/agent.sh" agents_build_the_pool agent_restart partition_heals || rc=1
fi
"$here/stress.sh" fuzz || rc=1
exit $rc
