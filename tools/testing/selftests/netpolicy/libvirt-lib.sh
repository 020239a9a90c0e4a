#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What libvirt.sh and the libvirt benchmark share: libvirtd started and
# stopped as the bed needs it without systemd (Documentation/
# libvirt-design.rst), netpolicy's qemu hook, domain XML. Sourced after
# lib.sh, with $tmp and $NPMGR set.

: "${top:?the tree}" "${tmp:?a scratch directory}" "${NPMGR:?npmgr}"
V="virsh -q -c qemu:///system"

# libvirtd up, with netpolicy's hook when HOOK=1 (the default), as
# make install-libvirt puts it (libvirtd finds hooks as it starts); the
# hook runs the tree's npmgr-libvirt-hook, or its ASan build when
# NP_HOOK_ASAN=1
libvirt_up() {
	local _
	getent group libvirt-qemu > /dev/null || groupadd -r libvirt-qemu
	getent passwd libvirt-qemu > /dev/null || useradd -r -g libvirt-qemu libvirt-qemu
	mkdir -p /etc/libvirt /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu
	printf 'user = "root"\ngroup = "root"\n' > /etc/libvirt/qemu.conf
	rm -f /etc/libvirt/hooks/qemu.d/netpolicy
	if [ "${HOOK:-1}" = 1 ]; then
		mkdir -p /etc/libvirt/hooks/qemu.d
		ln -s "$top/userspace/npmgr-libvirt-hook${NP_HOOK_ASAN:+-asan}" \
			/etc/libvirt/hooks/qemu.d/netpolicy
	fi
	pgrep -x virtlogd > /dev/null || virtlogd -d
	if ! pgrep -x libvirtd > /dev/null; then
		libvirtd > "$tmp/libvirtd.log" 2>&1 &
	fi
	for _ in $(seq 100); do
		$V version > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	cat "$tmp/libvirtd.log"
	fail "libvirtd did not answer"
}
libvirt_down() {
	pkill -x libvirtd || return 0
	while pgrep -x libvirtd > /dev/null; do nap 0.1; done
}

# domain NAME: TYPE (bridge|ethernet), target DEV, MAC's last byte, and
# for type='bridge' its source BRIDGE; METADATA (netpolicy's element's
# children) may follow
domain() { # name type dev macbyte [bridge] [metadata]
	local src="" meta=""
	[ -n "${5:-}" ] && src="<source bridge='$5'/>"
	[ -n "${6:-}" ] &&
		meta="<metadata><np:netpolicy xmlns:np='urn:netpolicy:libvirt:1'>$6</np:netpolicy></metadata>"
	cat > "$tmp/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  $meta
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='$2'>$src<target dev='$3'/><mac address='52:54:00:aa:00:$4'/><model type='virtio'/></interface>
  </devices>
</domain>
XML
}
create() { # name: virsh create --paused; prints virsh's words, returns its code
	$V create --paused "$tmp/$1.xml" 2>&1
}

master_of() {
	local l
	l=$(readlink "/sys/class/net/$1/master" 2>/dev/null) && basename "$l" || echo none
}
