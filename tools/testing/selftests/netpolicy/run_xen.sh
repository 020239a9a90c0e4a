#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Entry point in the Xen test bed's dom0 (vm-run -X): start the toolstack,
# load the module, install the hotplug script, run xen.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
if [ -z "${NP_IN_XEN:-}" ]; then
	echo "SKIP: run in the Xen test bed's dom0 (make xen-selftest)"
	exit 4
fi
"$top/tools/testing/xen/dom0-up" || exit 1
modprobe -a bridge tun || exit 1
insmod "$top/kernel/netpolicy.ko" reeval_verify=1 || exit 1
sed "s|@SBINDIR@|$top/userspace|" "$top/userspace/xen/vif-netpolicy.in" \
	> /etc/xen/scripts/vif-netpolicy
chmod 0755 /etc/xen/scripts/vif-netpolicy
# a hang shows up in the log: blocked tasks are reported after 60 s
echo 60 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
if [ -n "${NP_XEN_DEBUG:-}" ]; then
	dmesg -w &
	( while sleep 30; do echo "== $(date)"; xl list; ps axf | grep -v "\]$"; done ) &
fi
"$here/xen.sh" "$@"
