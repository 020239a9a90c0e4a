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
insmod "${NETPOLICY_KO:-$top/kernel/netpolicy.ko}" reeval_verify=1 || exit 1
# run_all.sh [SUITE [TEST...]]: SUITE is netpolicy, realize, keys, agent,
# libvirt or stress. With no SUITE (the distribution's default kernel):
# all six, stress being its fuzz case (a million requests, a minute here;
# the debug kernel runs the other stress cases).
# run_all.sh other (each other kernel the module supports, 6.12): the same
# six suites, with npmgr under ASan/UBSan for realize and agent (the ASan
# runs of npmgr's realization and agent code: they talk to the kernel
# only, so one kernel is enough for them); suites are named SUITE-KERNEL.
# a case that hangs fails (and says where) instead of stopping the suite
export NP_CASE_TIMEOUT=${NP_CASE_TIMEOUT:-600}
case "${1:-}" in
netpolicy | realize | keys | agent | libvirt | stress)
	suite=$1
	shift
	exec "$here/$suite.sh" "$@" ;;
esac
asan() { # suite name [TEST...]: npmgr under ASan/UBSan
	local suite=$1 name=$2
	shift 2
	[ -x "$top/userspace/npmgr-asan" ] || { echo "no userspace/npmgr-asan"; return 1; }
	lsmod | grep -q '^netpolicy ' || insmod "${NETPOLICY_KO:-$top/kernel/netpolicy.ko}" reeval_verify=1 || return 1
	NPMGR=$top/userspace/npmgr-asan NP_SUITE=$name \
		ASAN_OPTIONS=detect_leaks=1 "$here/$suite.sh" "$@"
}
rc=0
if [ "${1:-}" = other ]; then
	k=$(uname -r)
	NP_SUITE=netpolicy-$k "$here/netpolicy.sh" || rc=1
	asan realize "realize-asan-$k" || rc=1
	NP_SUITE=keys-$k "$here/keys.sh" || rc=1
	asan agent "agent-asan-$k" || rc=1
	NP_SUITE=libvirt-$k "$here/libvirt.sh" || rc=1
	NP_SUITE=stress-$k "$here/stress.sh" fuzz || rc=1
	exit $rc
fi
"$here/netpolicy.sh" || rc=1
"$here/realize.sh" || rc=1
"$here/keys.sh" || rc=1
lsmod | grep -q '^netpolicy ' || insmod "${NETPOLICY_KO:-$top/kernel/netpolicy.ko}" reeval_verify=1 || rc=1
"$here/agent.sh" || rc=1
"$here/libvirt.sh" || rc=1
"$here/stress.sh" fuzz || rc=1
exit $rc
