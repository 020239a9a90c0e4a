#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Attach benchmark, run inside the test VM by `make bench`.
#
# Creates N taps and sets each up, as QEMU does (ip -batch, one process),
# all of which must join br0, and times it four ways in the same boot,
# each a ratio to the first:
#   bare       no attachment at all (netpolicy not loaded, no udev)
#   netpolicy  netpolicy.ko attaches inside NETDEV_UP
#   udev       systemd-udevd with RUN+="ip link set %k master br0"
#              (the hotplug-script style of Xen's vif-bridge and libvirt)
#   networkd   systemd-networkd, [Match] Name=tap* / [Network] Bridge=br0
# A run ends when every tap has its master. Then, per device: how many of
# M taps created one `ip tuntap add` at a time had no master yet when the
# command returned (the unattached window).
#
# Environment: BENCH_N (1000), BENCH_M (50), BENCH_ROUNDS (3).
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
N=${BENCH_N:-1000}
M=${BENCH_M:-50}
ROUNDS=${BENCH_ROUNDS:-3}
KO=$top/kernel/netpolicy.ko
NPMGR=$top/userspace/npmgr
work=$(mktemp -d)

if [ -z "${NP_IN_VM:-}" ]; then
	echo "attach_bench.sh runs inside the test VM: use 'make bench'" >&2
	exit 4
fi

. "$top/tools/testing/bench/clock.sh"
modprobe -a tun bridge
for i in $(seq 0 $((N - 1))); do
	echo "tuntap add tapb$i mode tap"
	echo "link set tapb$i up"
done > "$work/add"
for i in $(seq 0 $((N - 1))); do echo "link del tapb$i"; done > "$work/del"
for i in $(seq 0 $((N - 1))); do
	echo "tuntap add tapb$i mode tap"
	echo "link set tapb$i master br0"
	echo "link set tapb$i up"
done > "$work/add-attach"

attached_count() {
	local c=0 d
	for d in /sys/class/net/tapb*; do
		[ -e "$d/master" ] && c=$((c + 1))
	done
	echo $c
}

# run_once NAME WAIT: create N taps, wait (if WAIT) until all are attached;
# prints elapsed ms and how many had no master when ip returned.
run_once() {
	local t0 t1 at_return deadline
	sync
	t0=$EPOCHREALTIME
	if [ "$1" = ideal ]; then
		ip -batch "$work/add-attach"
	elif [ "$1" = per-process ]; then
		for i in $(seq 0 $((N - 1))); do
			ip tuntap add tapb$i mode tap
			ip link set tapb$i up
		done
	else
		ip -batch "$work/add"
	fi
	t1=$EPOCHREALTIME
	at_return=$(attached_count)
	if [ "$2" = wait ]; then
		deadline=$(( $(date +%s) + 300 ))
		while [ "$(attached_count)" -lt "$N" ]; do
			[ "$(date +%s)" -lt "$deadline" ] || { echo "timeout" >&2; break; }
			sleep 0.05
		done
		t1=$EPOCHREALTIME
	fi
	echo "$(ms_between "$t0" "$t1") $((N - at_return))"
	ip -batch "$work/del"
	sleep 0.2
}

window() { # how many of M taps created and set up had no master once up
	local miss=0 i
	for i in $(seq 0 $((M - 1))); do
		ip tuntap add tapb$i mode tap
		ip link set tapb$i up
		[ -e /sys/class/net/tapb$i/master ] || miss=$((miss + 1))
	done
	# let asynchronous agents finish before deleting
	sleep 2
	for i in $(seq 0 $((M - 1))); do ip link del tapb$i; done
	echo $miss
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

ip link add br0 type bridge
cat > "$work/p.policy" <<POL
network lan { bridge = br0 }
vif taps { ifname = "tapb*"  network = lan }
POL

echo "netpolicy attach benchmark: N=$N taps, kernel $(uname -r), QEMU TCG, $(nproc) vCPUs"
: > "$work/bare"
: > "$work/np"
: > "$work/ideal"
: > "$work/pbare"
: > "$work/pnp"
for r in $(seq 1 "$ROUNDS"); do
	run_once bare nowait | cut -d' ' -f1 >> "$work/bare"
	run_once ideal nowait | cut -d' ' -f1 >> "$work/ideal"
	run_once per-process nowait | cut -d' ' -f1 >> "$work/pbare"
	insmod "$KO"
	"$NPMGR" load "$work/p.policy" > /dev/null
	run_once netpolicy wait > "$work/np.$r"
	cut -d' ' -f1 "$work/np.$r" >> "$work/np"
	run_once per-process wait > "$work/pnp.$r"
	cut -d' ' -f1 "$work/pnp.$r" >> "$work/pnp"
	rmmod netpolicy
done
bare=$(median < "$work/bare")
ideal=$(median < "$work/ideal")
np=$(median < "$work/np")
pbare=$(median < "$work/pbare")
pnp=$(median < "$work/pnp")
np_unattached=$(cut -d' ' -f2 "$work/np.$ROUNDS")
pnp_unattached=$(cut -d' ' -f2 "$work/pnp.$ROUNDS")
insmod "$KO"
"$NPMGR" load "$work/p.policy" > /dev/null
np_window=$(window)
rmmod netpolicy

# udev, the hotplug-script way
mkdir -p /run/udev/rules.d /run/systemd/network
echo 'ACTION=="add", SUBSYSTEM=="net", KERNEL=="tapb*", RUN+="/sbin/ip link set %k master br0"' \
	> /run/udev/rules.d/90-bench.rules
/lib/systemd/systemd-udevd --daemon 2>/dev/null
sleep 1
read -r udev udev_unattached < <(run_once udev wait)
udev_window=$(window)
rm /run/udev/rules.d/90-bench.rules
pkill -f systemd-udevd || true
sleep 1

# systemd-networkd (needs udev for link initialisation); it owns its bridge
ip link del br0
printf '[NetDev]\nName=br0\nKind=bridge\n' > /run/systemd/network/10-br0.netdev
printf '[Match]\nName=tapb*\n[Network]\nBridge=br0\n' > /run/systemd/network/50-tap.network
/lib/systemd/systemd-udevd --daemon 2>/dev/null
/lib/systemd/systemd-networkd > "$work/networkd.log" 2>&1 &
for _ in $(seq 100); do [ -e /sys/class/net/br0 ] && break; sleep 0.1; done
if [ -e /sys/class/net/br0 ]; then
	read -r nd nd_unattached < <(run_once networkd wait)
	nd_window=$(window)
else
	nd=""
fi
pkill -f systemd-networkd || true
pkill -f systemd-udevd || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo
echo "A. taps created one 'ip tuntap add' process each (as hotplug scripts and toolstacks do)"
printf '%-10s %10s %12s %22s\n' method "time (ms)" "ratio/bare" "no master at return"
printf '%-10s %10s %12s %22s\n' bare "$pbare" 1.000 "-"
printf '%-10s %10s %12s %22s\n' netpolicy "$pnp" "$(ratio "$pnp" "$pbare")" "$pnp_unattached/$N"
echo
echo "B. taps created by one 'ip -batch' (kernel-bound: the attach itself dominates)"
printf '%-10s %10s %12s %22s %20s\n' method "time (ms)" "ratio/bare" "no master at return" "window (1 at a time)"
printf '%-10s %10s %12s %22s %20s\n' bare "$bare" 1.000 "-" "-"
printf '%-10s %10s %12s %22s %20s\n' ideal "$ideal" "$(ratio "$ideal" "$bare")" "0/$N" "-"
printf '%-10s %10s %12s %22s %20s\n' netpolicy "$np" "$(ratio "$np" "$bare")" "$np_unattached/$N" "$np_window/$M"
printf '%-10s %10s %12s %22s %20s\n' udev "$udev" "$(ratio "$udev" "$bare")" "$udev_unattached/$N" "$udev_window/$M"
if [ -n "$nd" ]; then
	printf '%-10s %10s %12s %22s %20s\n' networkd "$nd" "$(ratio "$nd" "$bare")" "$nd_unattached/$N" "$nd_window/$M"
else
	echo "networkd   did not start: $(tail -n 3 "$work/networkd.log" | tr '\n' ' ')"
fi
echo
echo "ideal = the same batch with 'link set master br0' after each add: the bridge's own"
echo "cost of taking a port, which every method pays; netpolicy/ideal = $(ratio "$np" "$ideal")"
echo "bare, ideal, netpolicy: median of $ROUNDS interleaved rounds (ms: bare $(tr '\n' ' ' < "$work/bare")| ideal $(tr '\n' ' ' < "$work/ideal")| netpolicy $(tr '\n' ' ' < "$work/np")| per-process bare $(tr '\n' ' ' < "$work/pbare")| per-process netpolicy $(tr '\n' ' ' < "$work/pnp"))"
echo "target: netpolicy ratio <= 1.05 (A) and 0 taps without master at return"
