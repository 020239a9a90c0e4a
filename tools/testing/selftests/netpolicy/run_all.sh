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
modprobe -a tun bridge dummy vxlan 8021q ip_gre || exit 1
modprobe macsec 2>/dev/null || true	# optional: the encryption test says when it is missing
# What udev's default rules do on a real host (KERNEL=="tun", MODE="0666"):
# containers and user namespaces open /dev/net/tun to create their taps.
chmod 0666 /dev/net/tun
insmod "$top/kernel/netpolicy.ko" || exit 1
"$here/netpolicy.sh" "$@"
