#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libvirt benchmark, run inside the test VM by `make bench`: how long
# `virsh create --paused` takes to return with the domain's tap on its
# bridge (QEMU runs, no guest code does), four ways in the same boot and
# the same libvirtd, each a ratio to the first:
#   libvirt     libvirt's own attach: <interface type='bridge'>, netpolicy
#               not loaded, no hook (a host without netpolicy)
#   any-hook    the same with a qemu hook that does nothing (/bin/true):
#               what libvirtd's running of any hook costs, three runs for
#               a start, which netpolicy's hook cannot cost less than
#   np-bridge   the same domain, netpolicy loaded and its qemu hook
#               installed: libvirt's enslave checked against the decision
#   np-ethernet <interface type='ethernet'> and <np:network>: netpolicy
#               attaches the tap as it comes up; the hook describes the
#               domain and waits for the decision
# The ways alternate within each round, their order rotating from round
# to round, so that a drift of the machine's speed falls on all of them.
# A way is set up without restarting libvirtd: the module loaded or
# unloaded, the hook's link made or removed, then SIGHUP (libvirtd looks
# for hooks again when it reloads). Then one untimed start (the first start after a
# reload is slower whatever the way), STARTS timed starts of one domain,
# and one start of 8 domains at once (8 virsh processes; the time until
# all have returned). Every tap is checked on br-front after virsh
# returns, and in the netpolicy ways checked attached by netpolicy.
#
# The ratio for one domain is that of the medians of all rounds' starts;
# the range of each way's starts is printed beside it, and each round's
# ratios of its medians.
#
# Environment: BENCH_ROUNDS (6), BENCH_STARTS (4).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
NPMGR=$top/userspace/npmgr
ROUNDS=${BENCH_ROUNDS:-6}
STARTS=${BENCH_STARTS:-4}
tmp=$(mktemp -d)
. "$top/tools/testing/selftests/netpolicy/lib.sh"
. "$top/tools/testing/selftests/netpolicy/libvirt-lib.sh"

if [ -z "${NP_IN_VM:-}" ]; then
	echo "libvirt_bench.sh runs inside the test VM: use 'make bench'" >&2
	exit 4
fi

. "$top/tools/testing/bench/clock.sh"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

modprobe -a tun bridge
ip link add br-front type bridge
ip link set br-front up
printf 'network front {\n    bridge = br-front\n}\n' > "$tmp/front.policy"
for i in $(seq 0 8); do
	domain "lb$i" bridge "vnb$i" "1$i" br-front
	mv "$tmp/lb$i.xml" "$tmp/libvirt-$i.xml"
	cp "$tmp/libvirt-$i.xml" "$tmp/any-hook-$i.xml"
	cp "$tmp/libvirt-$i.xml" "$tmp/np-bridge-$i.xml"
	domain "le$i" ethernet "vne$i" "2$i" "" "<np:network>front</np:network>"
	mv "$tmp/le$i.xml" "$tmp/np-ethernet-$i.xml"
done

# libvirtd reloaded (SIGHUP), and answering again
reload() {
	local _
	pkill -HUP -x libvirtd
	for _ in $(seq 50); do
		nap 0.2
		$V version > /dev/null 2>&1 && return 0
	done
	fail "libvirtd did not answer after SIGHUP"
}
way() { # libvirt|any-hook|np-bridge|np-ethernet: the host set up for it
	if [ "$1" = libvirt ] || [ "$1" = any-hook ]; then
		rm -f /etc/libvirt/hooks/qemu.d/netpolicy
		lsmod | grep -q '^netpolicy ' && rmmod netpolicy
		[ "$1" = libvirt ] ||
			ln -s /bin/true /etc/libvirt/hooks/qemu.d/netpolicy
	else
		lsmod | grep -q '^netpolicy ' || insmod "$top/kernel/netpolicy.ko"
		"$NPMGR" load "$tmp/front.policy" > /dev/null
		ln -sf "$top/userspace/npmgr-libvirt-hook" /etc/libvirt/hooks/qemu.d/netpolicy
	fi
	reload
}
# start domains FIRST..LAST of WAY at once; prints the ms until all returned
start() { # way first last
	local t0 t1 i dev pids=()
	t0=$EPOCHREALTIME
	for i in $(seq "$2" "$3"); do
		$V create --paused "$tmp/$1-$i.xml" > "$tmp/out-$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || { cat "$tmp"/out-*; fail "$1: virsh create failed"; }
	done
	t1=$EPOCHREALTIME
	for i in $(seq "$2" "$3"); do
		dev=vnb$i
		[ "$1" = np-ethernet ] && dev=vne$i
		[ "$(master_of "$dev")" = br-front ] ||
			fail "$1: $dev is on '$(master_of "$dev")' when virsh returned"
		[ "${1#np-}" = "$1" ] ||
			"$NPMGR" show interfaces | grep -q "^$dev .* attached" ||
			fail "$1: $dev not attached by netpolicy: $("$NPMGR" show interfaces)"
	done
	ms_between "$t0" "$t1"
	for i in $($V list --name); do $V destroy "$i" > /dev/null; done
}

echo "netpolicy libvirt benchmark: kernel $(uname -r), $(libvirtd --version), QEMU TCG, $(nproc) vCPUs, $ROUNDS rounds of $STARTS starts"
ways="libvirt any-hook np-bridge np-ethernet"
for w in $ways; do : > "$tmp/one-$w"; : > "$tmp/eight-$w"; done
HOOK=0 libvirt_up
mkdir -p /etc/libvirt/hooks/qemu.d
for r in $(seq "$ROUNDS"); do
	order=$(echo "$ways" | tr ' ' '\n' | awk -v r="$r" '{ a[NR] = $0 } END { for (i = 0; i < NR; i++) print a[(i + r) % NR + 1] }')
	for w in $order; do
		way "$w"
		start "$w" 0 0 > /dev/null
		for _ in $(seq "$STARTS"); do start "$w" 0 0; done > "$tmp/round"
		cat "$tmp/round" >> "$tmp/one-$w"
		median < "$tmp/round" > "$tmp/round-$w"
		start "$w" 1 8 >> "$tmp/eight-$w"
	done
	line="round $r: one $(for w in $ways; do cat "$tmp/round-$w"; done | xargs) ms"
	line+=" ($(for w in any-hook np-bridge np-ethernet; do ratio "$(cat "$tmp/round-$w")" "$(cat "$tmp/round-libvirt")"; echo x; done | xargs))"
	echo "$line; eight $(for w in $ways; do tail -n 1 "$tmp/eight-$w"; done | xargs) ms"
done
libvirt_down
rm -f /etc/libvirt/hooks/qemu.d/netpolicy
for n in one eight; do
	base=$(median < "$tmp/$n-libvirt")
	hook=$(median < "$tmp/$n-any-hook")
	line=""
	for w in $ways; do
		m=$(median < "$tmp/$n-$w")
		line+=" $w ${m} ms ($(ratio "$m" "$base")x"
		[ "${w#np-}" = "$w" ] || line+=", $(ratio "$m" "$hook")x of any-hook"
		line+=", $(sort -n "$tmp/$n-$w" | sed -n '1p;$p' | paste -sd-) ms)"
	done
	label="1 domain, median of $((ROUNDS * STARTS)) starts"
	[ $n = eight ] && label="8 domains at once, median of $ROUNDS"
	echo "BENCH libvirt virsh create to attached, $label:$line (target np <= 1.05x)"
done
rm -rf "$tmp"
