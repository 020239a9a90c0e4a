#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netpolicy on a real Xen: kselftest-style cases run in dom0 (booted by
# `vm-run -X`: Xen 4.17 + the Debian kernel as PV dom0, under QEMU TCG),
# with real PV guests created by xl.
#
#   dom0 (this script)                         domU g1, g2, ... (PV)
#   netpolicy.ko  npmgr xenwatch               busybox /init from mkguest:
#   xenbr-front (network "front") 10.9.0.1     np_ip=10.9.0.N, pings np_ping=
#     +-- vif<d>.0  <-- netback -- xen-netfront eth0
#
# xl vif specs say bridge=NETWORK,script=vif-netpolicy: the module attaches
# each vif when netback registers it; the hotplug script only reports the
# decision to libxl. Every case ends with the dom0 kernel log checked.
# Usage: xen.sh [TEST...]   (default: all)
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
. "$here/lib.sh"
NPMGR=$top/userspace/npmgr
tmp=$(mktemp -d)
# the guest in dom0's memory: xl reads 65 MB of kernel per create
guest=$tmp/guest
mkdir -p "$guest"
cp "$("$top/tools/testing/xen/mkguest")"/{vmlinux,guest.cpio.gz} "$guest/"
watch_pid=
mon_pid=

master_of() {
	local l
	l=$(readlink "/sys/class/net/$1/master" 2>/dev/null) && basename "$l" || echo none
}
domid() { xl domid "$1" 2>/dev/null || true; }
expect_master_of() { # ifname want
	expect_eq "$1's master" "$2" "$(master_of "$1")"
}
# Every wait below is a deadline by the clock, wide enough for the slowest
# machine: it costs time only when a case fails.
wait_master_of() { # ifname want
	local end=$((SECONDS + 30))
	while ((SECONDS < end)); do
		[ "$(master_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	expect_master_of "$1" "$2"
}
# The Xen consoles log guests' output (xenconsoled --log=guest).
console() { cat "/var/log/xen/console/guest-$1.log" 2>/dev/null; }
wait_console() { # guest pattern [seconds]
	local end=$((SECONDS + ${3:-60}))
	while ((SECONDS < end)); do
		console "$1" | grep -q -- "$2" && return 0
		sleep 0.2
	done
	echo "    console of $1:"; console "$1" | tail -n 20 | sed 's/^/    | /'
	fail "$1: no '$2' on its console"
}
# A guest that is (re)booting answers within a minute under TCG.
ping_guest() {
	local end=$((SECONDS + 60))
	while ((SECONDS < end)); do
		busybox ping -c 1 -W 2 "$1" > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
wait_gone() { # ifname
	local end=$((SECONDS + 30))
	while ((SECONDS < end)); do
		[ -e "/sys/class/net/$1" ] || return 0
		sleep 0.1
	done
	fail "$1 still exists"
}
# "ifname state network" of every port, from npmgr's JSON
ports() {
	"$NPMGR" -j show interfaces | tr '{' '\n' |
		sed -n 's/.*"interface":"\([^"]*\)".*"state":"\([^"]*\)".*/\1 \2/p' | sort
}
# The VIF objects npmgr xenwatch and the hotplug script made
xs_objects() {
	"$NPMGR" -j show config | tr '{' '\n' | grep '"source":"xenstore"' |
		sed -n 's/^"name":"\([^"]*\)".*/\1/p' | sort | tr '\n' ' '
}

guest_cfg() { # name ip [script] [ping...]
	local name=$1 ip=$2 script=${3:-vif-netpolicy} p pings=""
	shift 3 2>/dev/null || shift $#
	for p in "$@"; do pings+=" np_ping=$p"; done
	cat > "$tmp/$name.cfg" <<CFG
name = "$name"
type = "pv"
kernel = "$guest/vmlinux"
ramdisk = "$guest/guest.cpio.gz"
extra = "console=hvc0 quiet np_ip=$ip/24$pings"
memory = 96
vcpus = 1
vif = [ 'mac=00:16:3e:09:00:${ip##*.},bridge=front,script=$script' ]
on_crash = "destroy"
CFG
	echo "$tmp/$name.cfg"
}

write_policy() { # extra policy lines for network front
	cat > "$tmp/p.policy" <<POL
policy guests {
    ALLOW_CROSS_SERVER = false
$1
}
network front {
    bridge = xenbr-front
    policy = guests
}
vm g1 {
    tags = {web}
}
POL
	"$NPMGR" load "$tmp/p.policy" || fail "load"
}

start_watch() {
	"$NPMGR" xenwatch -v > "$tmp/xenwatch.log" 2>&1 &
	watch_pid=$!
	for _ in $(seq 50); do
		grep -q "xenwatch: watching" "$tmp/xenwatch.log" && return 0
		sleep 0.1
	done
	cat "$tmp/xenwatch.log"
	fail "xenwatch did not start"
}
# A hotplug script that only reports success, as in testbeds.md.
printf '#!/bin/sh\n[ "$1" = online ] && xenstore-write "$XENBUS_PATH/hotplug-status" connected\nexit 0\n' \
	> /etc/xen/scripts/vif-report-only
chmod +x /etc/xen/scripts/vif-report-only

stop_watch() {
	kill "$watch_pid" 2>/dev/null
	while kill -0 "$watch_pid" 2>/dev/null; do sleep 0.1; done
	watch_pid=
}
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
start_monitor() {
	"$NPMGR" monitor > "$tmp/events" 2>&1 &
	mon_pid=$!
	sleep 0.3
}
events_for() { # ifname -> the event names, in order
	awk -v i="$1" '$2 == i { print $1 }' "$tmp/events" | tr '\n' ' '
}

setup() {
	ip link add xenbr-front type bridge
	ip addr add 10.9.0.1/24 dev xenbr-front
	ip link set xenbr-front up
	write_policy ""
	start_monitor
	start_watch
}

cleanup() {
	local d
	for _ in 1 2 3; do
		# a domain being rebooted can reappear once
		for d in $(xl list | awk 'NR > 2 { print $1 }'); do
			xl destroy "$d" > /dev/null 2>&1
		done
		sleep 0.5
	done
	# also a watcher a case started itself
	pkill -f "^$NPMGR (xenwatch|monitor)" 2>/dev/null
	while pgrep -f "^$NPMGR (xenwatch|monitor)" > /dev/null; do sleep 0.1; done
	wait 2>/dev/null
	watch_pid=
	mon_pid=
	"$NPMGR" flush > /dev/null 2>&1
	ip link del xenbr-front 2>/dev/null
	rm -f /var/log/xen/console/guest-*.log
	return 0
}
trap 'cleanup; rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------------------

# Two PV guests: both vifs attached by the module through vif-netpolicy
# (vif-bridge is not involved), the guests ping each other and dom0.
test_two_guests_ping() {
	local d1 d2
	xl create -q "$(guest_cfg g1 10.9.0.11 vif-netpolicy 10.9.0.1 10.9.0.12)" ||
		fail "xl create g1"
	xl create -q "$(guest_cfg g2 10.9.0.12 vif-netpolicy 10.9.0.1 10.9.0.11)" ||
		fail "xl create g2"
	d1=$(domid g1)
	d2=$(domid g2)
	expect_eq "vif masters" "xenbr-front xenbr-front" \
		"$(master_of "vif$d1.0") $(master_of "vif$d2.0")"
	expect_eq "ports" "$(printf 'vif%s.0 attached\n' "$d1" "$d2" | sort)" "$(ports)"
	# what the administrator sees (ports in the order they appeared)
	expect_eq "npmgr show interfaces" "INTERFACE KIND STATE VIF NETWORK BRIDGE REASON
vif$d1.0 xen-vif attached vif$d1.0 front xenbr-front -
vif$d2.0 xen-vif attached vif$d2.0 front xenbr-front -" \
		"$("$NPMGR" show interfaces | tr -s ' ' | sed 's/ $//')"
	# vm g1 has a block in the policy file: that one describes the guest
	expect_eq "objects from xenstore" "$(sorted g2 "vif$d1.0" "vif$d2.0")" "$(xs_objects)"
	# g1's tags come from the policy file's vm block, not from xenstore
	"$NPMGR" show config | grep -q "tags = {web}" || fail "vm g1 lost its tags"
	expect_eq "hotplug-status" "connected" \
		"$(xenstore-read "/local/domain/0/backend/vif/$d1/0/hotplug-status")"
	wait_console g1 "np-ping 10.9.0.12 ok"
	wait_console g2 "np-ping 10.9.0.11 ok"
	wait_console g1 "np-ping 10.9.0.1 ok"
	busybox ping -c 1 -W 5 10.9.0.11 > /dev/null || fail "dom0 cannot ping g1"
	busybox ping -c 1 -W 5 10.9.0.12 > /dev/null || fail "dom0 cannot ping g2"
	expect_eq "events of g1's vif" "attached " "$(events_for "vif$d1.0")"
}

# An HVM guest's emulated NIC: libxl marks the backend vif_ioemu, QEMU
# creates the tap vifN.0-emu down, and libxl's "add" call of the script
# must leave it up on the guest's bridge (a tap on no bridge is held
# pending until it is up). TCG offers no HVM here: the case makes what
# libxl and QEMU make, beside a running PV guest's vif.
test_emu_tap_added() {
	local d out
	xl create -q "$(guest_cfg g1 10.9.0.11)" || fail "xl create g1"
	d=$(domid g1)
	xenstore-write "/local/domain/0/backend/vif/$d/0/type" vif_ioemu
	ip tuntap add "vif$d.0-emu" mode tap
	out=$(XENBUS_PATH=backend/vif/$d/0 vif=vif$d.0-emu "$NPMGR" xen-hotplug add 2>&1) ||
		fail "xen-hotplug add: $out"
	expect_eq "the -emu tap's master" xenbr-front "$(master_of "vif$d.0-emu")"
	ip -o link show "vif$d.0-emu" | grep -q '<[^>]*,UP[,>]' ||
		fail "the -emu tap is not up: $(ip -o link show "vif$d.0-emu")"
	# unbound first if xenwatch had not yet made its object
	case "$(events_for "vif$d.0-emu")" in
	*"pending attached ") ;;
	*) fail "the -emu tap's events: $(events_for "vif$d.0-emu")" ;;
	esac
	ip link del "vif$d.0-emu"
}

# ISOLATE_FROM = {NAME(my_insecure_vm)}: xl create fails at once with the
# refusal as its error, and nothing is attached or left behind.
test_isolated_guest_refused() {
	local out rc want
	write_policy "    ISOLATE_FROM = {NAME(my_insecure_vm)}"
	out=$(xl create "$(guest_cfg my_insecure_vm 10.9.0.66)" 2>&1) && rc=0 || rc=$?
	[ $rc != 0 ] || fail "xl create succeeded"
	# the guest can read hotplug-error: its own facts only
	echo "$out" | grep -qE "script: netpolicy: vif[0-9]+\.0: refused \(isolated\); the host's administrator can see why: npmgr explain vif[0-9]+\.0$" ||
		{ echo "$out" | sed 's/^/    | /'; fail "xl's output lacks the refusal"; }
	# dom0 (libxl's log of the script) has the whole reason
	want="network configuration cannot be satisfied: policy 'guests' (network front): ISOLATE_FROM NAME(my_insecure_vm) matches VM 'my_insecure_vm'"
	grep -rqF "$want" /var/log/xen/ || echo "$out" | grep -qF "$want" ||
		fail "the reason is nowhere in dom0: $(ls /var/log/xen)"
	xl list | grep -q my_insecure_vm && fail "the domain is still there"
	expect_eq "bridge ports" "" "$(ls /sys/class/net/xenbr-front/brif)"
	# refused; then netback removes it, and libxl's offline call deletes
	# its objects (unbound if that came first)
	expect_eq "events" "refused removed " \
		"$(awk '$1 != "unbound" { print $1 }' "$tmp/events" | tr '\n' ' ')"
	sleep 0.5
	expect_eq "objects from xenstore" "" "$(xs_objects)"
}

# A guest refused because of another VM learns nothing of that VM: the
# backend directory (hotplug-error) is the guest's to read.
test_refusal_tells_guest_only_its_own() {
	local out rc
	cat >> "$tmp/p.policy" <<'POL'
policy keep_away { ISOLATE_FROM = {NAME(g1)} }
vm intruder { policy = keep_away }
POL
	"$NPMGR" load "$tmp/p.policy" > /dev/null || fail "load"
	xl create -q "$(guest_cfg g1 10.9.0.11)" || fail "xl create g1"
	out=$(xl create "$(guest_cfg intruder 10.9.0.12)" 2>&1) && rc=0 || rc=$?
	[ $rc != 0 ] || fail "xl create intruder succeeded"
	echo "$out" | grep "script: " > "$tmp/seen" || true
	! grep -qE "g1|vif$(domid g1)\.0|keep_away|xenbr-front" "$tmp/seen" ||
		fail "the guest was told about others: $(cat "$tmp/seen")"
	grep -qE "netpolicy: vif[0-9]+\.0: refused \(isolated-peer\)" "$tmp/seen" ||
		{ echo "$out" | sed 's/^/    | /'; fail "xl's output lacks the refusal"; }
}

# A vif spec naming a network that is not loaded: xl create fails and
# says so.
test_unknown_network() {
	local out rc
	sed 's/bridge=front/bridge=nosuch/' "$(guest_cfg g1 10.9.0.11)" > "$tmp/bad.cfg"
	out=$(xl create "$tmp/bad.cfg" 2>&1) && rc=0 || rc=$?
	[ $rc != 0 ] || fail "xl create succeeded"
	echo "$out" | grep -q "script: netpolicy: vif[0-9]*\.0: network 'nosuch' is not loaded (npmgr show config)" ||
		{ echo "$out" | sed 's/^/    | /'; fail "xl's output lacks the reason"; }
	xl list | grep -q g1 && fail "the domain is still there"
	expect_eq "ports" "" "$(ports)"
}

# xl reboot: the old vif goes, the new domain's vif is attached.
test_reboot() {
	local d1 d2 end
	xl create -q "$(guest_cfg g1 10.9.0.11)" || fail "xl create"
	d1=$(domid g1)
	wait_console g1 "np-guest: ready"
	xl reboot g1 || fail "xl reboot"
	end=$((SECONDS + 60))
	while ((SECONDS < end)); do
		d2=$(domid g1)
		[ -n "$d2" ] && [ "$d2" != "$d1" ] &&
			[ "$(master_of "vif$d2.0")" = xenbr-front ] && break
		sleep 0.2
	done
	wait_gone "vif$d1.0"
	expect_eq "master" "xenbr-front" "$(master_of "vif$d2.0")"
	expect_eq "ports" "vif$d2.0 attached" "$(ports)"
	expect_eq "objects from xenstore" "vif$d2.0 " "$(xs_objects)"
	expect_eq "events of the old vif" "attached removed " "$(events_for "vif$d1.0")"
	expect_eq "events of the new vif" "attached " "$(events_for "vif$d2.0")"
	ping_guest 10.9.0.11 || fail "rebooted g1 unreachable"
}

# xl shutdown and xl destroy: no vif, port or object left behind.
test_shutdown_destroy() {
	local d1 d2
	xl create -q "$(guest_cfg g1 10.9.0.11)" || fail "xl create g1"
	xl create -q "$(guest_cfg g2 10.9.0.12)" || fail "xl create g2"
	d1=$(domid g1)
	d2=$(domid g2)
	wait_console g1 "np-guest: ready"
	xl shutdown -w g1 > /dev/null || fail "xl shutdown"
	xl destroy g2 || fail "xl destroy"
	wait_gone "vif$d1.0"
	wait_gone "vif$d2.0"
	sleep 0.5
	expect_eq "ports" "" "$(ports)"
	expect_eq "objects from xenstore" "" "$(xs_objects)"
	expect_eq "bridge ports" "" "$(ls /sys/class/net/xenbr-front/brif)"
	expect_eq "events of g1's vif" "attached removed " "$(events_for "vif$d1.0")"
}

# xl save + xl restore, the local stand-in for a migration.
test_save_restore() {
	local d1 d2
	xl create -q "$(guest_cfg g1 10.9.0.11)" || fail "xl create"
	d1=$(domid g1)
	wait_console g1 "np-guest: ready"
	xl save g1 "$tmp/g1.save" > /dev/null 2>&1 || fail "xl save"
	wait_gone "vif$d1.0"
	expect_eq "ports while saved" "" "$(ports)"
	xl restore "$tmp/g1.save" > /dev/null 2>&1 || fail "xl restore"
	d2=$(domid g1)
	expect_eq "master" "xenbr-front" "$(master_of "vif$d2.0")"
	expect_eq "ports" "vif$d2.0 attached" "$(ports)"
	expect_eq "objects from xenstore" "vif$d2.0 " "$(xs_objects)"
	ping_guest 10.9.0.11 || fail "restored g1 unreachable"
	rm -f "$tmp/g1.save"
}

# The xenstore watch and the vif's registration race. With a script that
# only reports success (the watcher stopped), the vif registers first: it
# stays unbound (never attached without a decision) until the watcher
# describes it, then it is attached.
test_vif_before_object() {
	local d1
	stop_watch
	xl create -q "$(guest_cfg g1 10.9.0.11 vif-report-only)" || fail "xl create"
	d1=$(domid g1)
	expect_eq "before the watcher" "none vif$d1.0 unbound" \
		"$(master_of "vif$d1.0") $(ports)"
	start_watch
	wait_master_of "vif$d1.0" xenbr-front
	expect_eq "after the watcher" "xenbr-front vif$d1.0 attached" \
		"$(master_of "vif$d1.0") $(ports)"
	# a new port without a VIF object sends no event; its attachment does
	expect_eq "events" "attached " "$(events_for "vif$d1.0")"
}

# A guest whose network is not loaded yet, with a hotplug script that
# does not refuse it: the watcher's description fails, and is tried again
# until the administrator loads the network.
test_watch_retries_failed_add() {
	local d1
	ip link add xenbr-later type bridge
	sed 's/bridge=front/bridge=later/' "$(guest_cfg g1 10.9.0.11 vif-report-only)" \
		> "$tmp/later.cfg"
	xl create -q "$tmp/later.cfg" || fail "xl create"
	d1=$(domid g1)
	for _ in $(seq 50); do
		grep -q "not described to the kernel" "$tmp/xenwatch.log" && break
		sleep 0.1
	done
	expect_eq "before the network" "none vif$d1.0 unbound" \
		"$(master_of "vif$d1.0") $(ports)"
	printf 'network later {\n    bridge = xenbr-later\n}\n' >> "$tmp/p.policy"
	"$NPMGR" load "$tmp/p.policy" > /dev/null || fail "load"
	wait_master_of "vif$d1.0" xenbr-later
	expect_eq "once the network is loaded" "xenbr-later vif$d1.0 attached" \
		"$(master_of "vif$d1.0") $(ports)"
	grep -q "xenwatch: vif$d1.0 of g1 (network later) not described to the kernel; trying again every 3 s" \
		"$tmp/xenwatch.log" || fail "watcher log: $(cat "$tmp/xenwatch.log")"
	xl destroy g1
	wait_gone "vif$d1.0"
	ip link del xenbr-later
}

# A VIF object bound by MAC names the guest's MAC (the vif spec's mac=),
# not netback's fe:ff:ff:ff:ff:ff: the hotplug script and the watcher pass
# it on, and the MAC binding wins over the toolstack's bridge= name.
test_bind_by_guest_mac() {
	local d1 d2
	ip link add xenbr-back type bridge
	cat >> "$tmp/p.policy" <<'POL'
network back { bridge = xenbr-back }
vif db { mac = 00:16:3e:09:00:11 network = back }
vif db2 { mac = 00:16:3e:09:00:12 network = back }
POL
	"$NPMGR" load "$tmp/p.policy" > /dev/null || fail "load"
	# through vif-netpolicy
	xl create -q "$(guest_cfg g1 10.9.0.11)" || fail "xl create g1"
	d1=$(domid g1)
	expect_eq "g1's vif" "xenbr-back db back" \
		"$(master_of "vif$d1.0") $("$NPMGR" -j show interfaces | tr '{' '\n' |
			grep "\"interface\":\"vif$d1.0\"" |
			sed 's/.*"vif":"\([^"]*\)","network":"\([^"]*\)".*/\1 \2/')"
	"$NPMGR" -j show interfaces | grep -q '"guest_mac":"00:16:3e:09:00:11"' ||
		fail "no guest MAC in the state: $("$NPMGR" -j show interfaces)"
	# through the watcher alone (a script that only reports success)
	xl create -q "$(guest_cfg g2 10.9.0.12 vif-report-only)" || fail "xl create g2"
	d2=$(domid g2)
	wait_master_of "vif$d2.0" xenbr-back
	xl destroy g1
	xl destroy g2
	wait_gone "vif$d1.0"
	wait_gone "vif$d2.0"
	ip link del xenbr-back
}

# A watcher started after guests went away deletes what they left.
test_watch_rebuilds() {
	local d1
	# objects made by the watcher; a script that does not delete them
	xl create -q "$(guest_cfg g1 10.9.0.11 vif-report-only)" || fail "xl create"
	d1=$(domid g1)
	wait_master_of "vif$d1.0" xenbr-front
	stop_watch
	xl destroy g1
	wait_gone "vif$d1.0"
	[ -n "$(xs_objects)" ] || fail "test premise: objects were deleted"
	"$NPMGR" xenwatch --once 2> "$tmp/once.log" || fail "xenwatch --once"
	expect_eq "objects from xenstore" "" "$(xs_objects)"
	grep -q "vif$d1.0: no such vif in xenstore any more, deleted" "$tmp/once.log" ||
		fail "xenwatch did not say what it deleted: $(cat "$tmp/once.log")"
}

# The administrator reloads the policy file while guests run: their vifs
# stay attached and described; a file without their network is refused.
test_reload_keeps_guests() {
	local d1 out
	xl create -q "$(guest_cfg g1 10.9.0.11)" || fail "xl create"
	d1=$(domid g1)
	"$NPMGR" load "$tmp/p.policy" || fail "reload"
	expect_eq "after reload" "xenbr-front vif$d1.0 attached" \
		"$(master_of "vif$d1.0") $(ports)"
	expect_eq "objects from xenstore" "vif$d1.0 " "$(xs_objects)"
	printf 'network other {\n    bridge = xenbr-other\n}\n' > "$tmp/other.policy"
	! out=$("$NPMGR" load "$tmp/other.policy" 2>&1) || fail "load without network front succeeded"
	echo "$out" | grep -qF "a running guest's VIF object (from its toolstack) names a network object the new set lacks" ||
		fail "unexpected error: $out"
	expect_eq "after the refused load" "xenbr-front vif$d1.0 attached" \
		"$(master_of "vif$d1.0") $(ports)"
	expect_eq "events" "attached " "$(events_for "vif$d1.0")"
}

# xenstored restarts (runs last: the toolstack's state is gone after it):
# the watcher reconnects, re-reads, and follows xenstore again. The vif
# here is only a backend directory, written by hand, with no device.
test_xenstored_restart() {
	local be=/local/domain/0/backend/vif/77/0
	pkill -x xenstored
	for _ in $(seq 150); do		# the watcher probes every 3 s
		grep -q "lost xenstore" "$tmp/xenwatch.log" && break
		sleep 0.1
	done
	grep -q "lost xenstore" "$tmp/xenwatch.log" || fail "the watcher did not notice"
	/usr/lib/xen-4.17/bin/xenstored --pid-file /var/run/xenstored.pid
	/usr/lib/xen-4.17/bin/xen-init-dom0 > /dev/null 2>&1 || true
	for _ in $(seq 100); do
		grep -q "connected to xenstore" "$tmp/xenwatch.log" && break
		sleep 0.1
	done
	grep -q "connected to xenstore" "$tmp/xenwatch.log" ||
		fail "the watcher did not reconnect: $(tail -n 3 "$tmp/xenwatch.log")"
	xenstore-write /local/domain/77/name ghost "$be/frontend-id" 77 \
		"$be/handle" 0 "$be/bridge" front "$be/type" vif
	for _ in $(seq 50); do
		[ -n "$(xs_objects)" ] && break
		sleep 0.1
	done
	expect_eq "objects after the restart" "ghost vif77.0 " "$(xs_objects)"
	xenstore-rm /local/domain/0/backend/vif/77
	for _ in $(seq 50); do
		[ -z "$(xs_objects)" ] && break
		sleep 0.1
	done
	expect_eq "objects after the vif went" "" "$(xs_objects)"
	xenstore-rm /local/domain/77
}

# ---------------------------------------------------------------------------

on_timeout() {
	xl list
	ps axf | grep -v "\]$"
	tail -n 5 "$tmp/xenwatch.log"
}
NP_CASE_TIMEOUT=${NP_CASE_TIMEOUT:-240} run_cases "netpolicy xen" "$@"
