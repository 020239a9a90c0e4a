#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The systemd units npmgr ships: each passes `systemd-analyze verify`, and
# the boot-time load is ordered before networking, guests and the
# watchers, so that the first guest of a boot is already governed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check() { # desc cond...
	local desc=$1
	shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $desc"; fi
}
if ! command -v systemd-analyze > /dev/null; then
	echo "SKIP: no systemd-analyze"
	exit 0
fi
# the units as installed (npmgr at /usr/sbin), with stand-ins for the
# units they name that this machine may not have
mkdir -p "$work/sbin"
printf '#!/bin/sh\n' > "$work/sbin/npmgr"
chmod 0755 "$work/sbin/npmgr"
for u in netpolicy.service.in xen/npmgr-xenwatch.service.in pool/npmgr-agent.service.in \
	libvirt/npmgr-virtwatch.service.in; do
	sed "s|@SBINDIR@|$work/sbin|g" "$top/userspace/$u" > "$work/$(basename "$u" .in)"
done
for u in xendomains libvirtd libvirt-guests xenstored; do
	printf '[Service]\nExecStart=/bin/true\n' > "$work/$u.service"
done
for u in netpolicy npmgr-xenwatch npmgr-agent npmgr-virtwatch; do
	out=$(cd "$work" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$work/$u.service" 2>&1)
	check "$u.service verifies: $out" [ -z "$out" ]
done
before=$(sed -n 's/^Before=//p' "$work/netpolicy.service" | tr ' ' '\n')
for u in network-pre.target xendomains.service libvirtd.service libvirt-guests.service \
	npmgr-xenwatch.service npmgr-virtwatch.service npmgr-agent.service; do
	check "netpolicy.service before $u" grep -qx "$u" <<< "$before"
done
# the libvirt watcher: after libvirtd answers, before libvirt-guests starts
# the domains of a boot
check "npmgr-virtwatch.service after libvirtd.service" \
	grep -q "^After=.*libvirtd.service" "$work/npmgr-virtwatch.service"
check "npmgr-virtwatch.service before libvirt-guests.service" \
	grep -qx "Before=libvirt-guests.service" "$work/npmgr-virtwatch.service"
check "netpolicy.service loads the directory" \
	grep -qx "ExecStart=$work/sbin/npmgr load /etc/netpolicy" "$work/netpolicy.service"
echo "units: $pass passed, $fail failed"
[ "$fail" = 0 ]
