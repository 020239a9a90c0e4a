#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xl create with netpolicy vs Xen's stock vif-bridge, in the Xen test bed's
# dom0 (make bench runs it through `vm-run -X`), in one run:
#
#   attached  time from `xl create` to the vif being a port of its bridge
#             (from `ip -ts monitor link`)
#   returned  time from `xl create` to its return (hotplug done)
#
# Guests are created paused (-p): the guest kernel's boot is not part of
# either number, the domain build and the hotplug script are. Rounds
# alternate between the two methods. Then 8 guests created at once, per
# method (3 rounds, alternating; medians): the time until all 8 are
# attached and all 8 xl create calls returned, against one guest (8x
# serial work would be a ratio of 8; target: netpolicy's ratio no worse
# than vif-bridge's). That ratio measures how creations overlap: make
# bench runs this bed with multi-threaded TCG (VM_TCG_THREAD=multi), its
# two vCPUs on two host threads; on one thread nothing can overlap, and
# the ratio only divides the domain build's fixed cost by each script's
# one-guest time. A third method, vif-least (two programs: ip, then
# xenstore-write), is the floor of any script: its ratio is what the
# toolstack's own creations overlap. For each, the time until the last
# vif appeared (netback's device, before any script) and the time each
# vif took from appearing to being attached (its script's share) say
# where a creation waits. Last, one guest with netpolicy on a host that has
# 10,000 VIF objects loaded against the same with only its network
# (rounds alternate, 12 by default: single creates spread by 20 %;
# target: within 1.1x).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
NPMGR=$top/userspace/npmgr
ROUNDS=${ROUNDS:-5}
ROUNDS_10K=${ROUNDS_10K:-12}	# one guest, 10,000 VIFs loaded or not
tmp=$(mktemp -d)
trap 'for d in $(xl list | awk "NR > 2 { print \$1 }"); do xl destroy $d; done 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

if [ -z "${NP_IN_XEN:-}" ]; then
	echo "SKIP: run in the Xen test bed (make bench)"
	exit 4
fi
"$top/tools/testing/xen/dom0-up" || exit 1
modprobe bridge
lsmod | grep -q '^netpolicy ' || insmod "$top/kernel/netpolicy.ko" || exit 1
sed "s|@SBINDIR@|$top/userspace|" "$top/userspace/xen/vif-netpolicy.in" \
	> /etc/xen/scripts/vif-netpolicy
chmod 0755 /etc/xen/scripts/vif-netpolicy
# the guest in dom0's memory: no 9p reads during the domain build
cp "$("$top/tools/testing/xen/mkguest")"/{vmlinux,guest.cpio.gz} "$tmp/"

# vif-bridge attaches to the bridge the `bridge` key names: "front";
# netpolicy to the bridge of network object "front": "xenbr-front".
ip link add front type bridge && ip link set front up
ip link add xenbr-front type bridge && ip link set xenbr-front up
printf 'network front {\n    bridge = xenbr-front\n}\n' > "$tmp/p.policy"
"$NPMGR" load "$tmp/p.policy" > /dev/null || exit 1

cfg() { # name script
	cat > "$tmp/$1.cfg" <<CFG
name = "$1"
type = "pv"
kernel = "$tmp/vmlinux"
ramdisk = "$tmp/guest.cpio.gz"
memory = 96
vcpus = 1
vif = [ 'bridge=front,script=$2' ]
CFG
	echo "$tmp/$1.cfg"
}
. "$top/tools/testing/bench/clock.sh"
# seconds of an `ip -ts monitor` timestamp "[2026-11-26T01:02:03.456789]"
ts_secs() { date -d "$(echo "$1" | tr -d '[]' | tr T ' ')" +%s.%N; }

# The least a vif script can do (the floor of any script, netpolicy's
# or Xen's): attach the vif to bridge front and tell libxl, with two
# programs. Its ratio is the toolstack's own: what creations that wait
# on no script overlap.
cat > /etc/xen/scripts/vif-least <<'SH'
#!/bin/sh
case "$1" in
online|add)
	ip link set dev "$vif" master front up &&
		exec xenstore-write "$XENBUS_PATH/hotplug-status" connected ;;
esac
SH
chmod 0755 /etc/xen/scripts/vif-least

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col_median() { cut -d' ' -f"$2" "$tmp/$1" | median; } # file-in-tmp column

# create N guests at once with SCRIPT; print "attached returned appeared
# hotplug": seconds until the last vif was attached, until the last xl
# create returned, until the last vif appeared (the device netback
# registers, before any script runs), and the median over the guests of
# the time from a vif's appearing to its attaching (its script's share)
run() { # script n
	local script=$1 n=$2 i t0 t_ret t_att t_new line dev new att
	ip -ts monitor link > "$tmp/mon" 2>&1 &
	local mon=$!
	sleep 0.3
	t0=$EPOCHREALTIME
	for i in $(seq "$n"); do
		xl create -q -p "$(cfg "b$i" "$script")" > "$tmp/xl$i.log" 2>&1 &
	done
	wait $(jobs -p | grep -v "^$mon$") 2>/dev/null
	t_ret=$EPOCHREALTIME
	sleep 0.3
	kill $mon
	wait $mon 2>/dev/null
	t_att=0
	t_new=0
	: > "$tmp/hp"
	for i in $(seq "$n"); do
		dev=vif$(xl domid "b$i").0
		line=$(grep -E "^\[[^]]*\] [0-9]+: $dev: .* master (front|xenbr-front) " "$tmp/mon" | head -n 1)
		[ -n "$line" ] || { echo "xen_bench: $dev never attached ($script)" >&2; cat "$tmp/xl$i.log" >&2; exit 1; }
		att=$(echo "$(ts_secs "${line%%]*}]") - $t0" | bc -l)
		line=$(grep -E "^\[[^]]*\] [0-9]+: $dev: " "$tmp/mon" | head -n 1)
		new=$(echo "$(ts_secs "${line%%]*}]") - $t0" | bc -l)
		t_att=$(echo "$att" | awk -v m="$t_att" '{ print ($1 > m) ? $1 : m }')
		t_new=$(echo "$new" | awk -v m="$t_new" '{ print ($1 > m) ? $1 : m }')
		echo "$att - $new" | bc -l >> "$tmp/hp"
	done
	for i in $(seq "$n"); do xl destroy "b$i"; done
	sleep 1
	echo "$t_att $(echo "$t_ret - $t0" | bc -l) $t_new $(median < "$tmp/hp")"
}

run vif-bridge 1 > /dev/null		# warm the caches for all three
run vif-netpolicy 1 > /dev/null
run vif-least 1 > /dev/null
for _ in $(seq "$ROUNDS"); do
	run vif-bridge 1 >> "$tmp/vb"
	run vif-netpolicy 1 >> "$tmp/np"
	run vif-least 1 >> "$tmp/ls"
done
for _ in 1 2 3; do
	run vif-bridge 8 >> "$tmp/vb8"
	run vif-netpolicy 8 >> "$tmp/np8"
	run vif-least 8 >> "$tmp/ls8"
done

# 10,000 VIF objects (of other guests: vt* names) with 5,000 VMs, 1,000
# networks and policies, beside network front; against front alone
awk -v vifs=10000 -v nets=1000 -v pols=1000 -v change=-1 \
	-f "$top/tools/testing/bench/gen_policy.awk" > "$tmp/big.policy"
cat "$tmp/p.policy" >> "$tmp/big.policy"
for _ in $(seq "$ROUNDS_10K"); do
	"$NPMGR" load "$tmp/big.policy" > /dev/null || exit 1
	run vif-netpolicy 1 >> "$tmp/np10k"
	"$NPMGR" load "$tmp/p.policy" > /dev/null || exit 1
	run vif-netpolicy 1 >> "$tmp/np0"
done
big_att=$(col_median np10k 1)
big_ret=$(col_median np10k 2)
small_att=$(col_median np0 1)
small_ret=$(col_median np0 2)

# one method's line: medians of its rounds; with 8 guests, the ratios
# to its one guest's medians
report() { # label file [one-guest file]
	local a r n h
	a=$(col_median "$2" 1) r=$(col_median "$2" 2) n=$(col_median "$2" 3) h=$(col_median "$2" 4)
	if [ $# = 2 ]; then
		printf 'BENCH   %-16s %6.2f %6.2f   %6.2f %6.2f\n' "$1" "$a" "$r" "$n" "$h"
	else
		printf 'BENCH   %-16s %6.2f %6.2f   %6.2f %6.2f   ratio %5.2f %5.2f\n' "$1" "$a" "$r" "$n" "$h" \
			"$(echo "$a / $(col_median "$3" 1)" | bc -l)" "$(echo "$r / $(col_median "$3" 2)" | bc -l)"
	fi
}
printf 'BENCH xen one guest, median of %d (s): attached, returned; last vif appeared, its script (appeared to attached)\n' "$ROUNDS"
report "vif-bridge" vb
report "vif-netpolicy" np
report "vif-least" ls
printf 'BENCH   ratio netpolicy/vif-bridge       %8.2f  %8.2f   (target <= 0.5)\n' \
	"$(echo "$(col_median np 1) / $(col_median vb 1)" | bc -l)" \
	"$(echo "$(col_median np 2) / $(col_median vb 2)" | bc -l)"
printf 'BENCH xen 8 guests at once, median of 3 (s): the same, for the last of the 8 (the script: median of the 8); ratio to one guest\n'
report "vif-bridge" vb8 vb
report "vif-netpolicy" np8 np
report "vif-least" ls8 ls
printf 'BENCH   target: vif-netpolicy ratio <= vif-bridge ratio   (vif-least: two programs, the floor of any script)\n'
printf 'BENCH   rounds (attached returned appeared script): bridge %s| netpolicy %s| least %s\n' \
	"$(tr '\n' ' ' < "$tmp/vb8")" "$(tr '\n' ' ' < "$tmp/np8")" "$(tr '\n' ' ' < "$tmp/ls8")"
printf 'BENCH xen one guest, vif-netpolicy, median of %d (s)   attached  returned\n' "$ROUNDS_10K"
printf 'BENCH   network front only                 %8.2f  %8.2f\n' "$small_att" "$small_ret"
printf 'BENCH   10000 VIF objects loaded           %8.2f  %8.2f\n' "$big_att" "$big_ret"
printf 'BENCH   ratio                              %8.2f  %8.2f   (target <= 1.1)\n' \
	"$(echo "$big_att / $small_att" | bc -l)" "$(echo "$big_ret / $small_ret" | bc -l)"
