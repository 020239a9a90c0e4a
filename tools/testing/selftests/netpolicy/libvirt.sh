#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netpolicy on a KVM-style host: a real libvirtd (Debian's, QEMU driver,
# started here without systemd) makes the taps; domains are created with
# `virsh create --paused` (QEMU runs, no guest code does). Each case
# checks virsh's exit code and words, the taps' masters, npmgr's state and
# the kernel log.
#
#   libvirtd -- QEMU -- tap vnX --+-- br-front (network "front")
#                                 +-- br-other (no network)
#
# The hook and the watcher run as their ASan/UBSan builds (a finding
# fails the start, or the case).
#
# Usage: libvirt.sh [TEST...]   (default: all)
set -u
export NP_HOOK_ASAN=1

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
. "$here/lib.sh"
NPMGR=${NPMGR:-$top/userspace/npmgr}
tmp=$(mktemp -d)
watch_pid=
. "$here/libvirt-lib.sh"

state_of() { # ifname: its state in npmgr show interfaces
	"$NPMGR" show interfaces | awk -v i="$1" '$1 == i { print $3 }'
}
json_of() { # ifname field: "field":"value" from npmgr's JSON
	"$NPMGR" -j show interfaces | tr '{' '\n' | grep "\"interface\":\"$1\"" |
		grep -o "\"$2\":\"[^\"]*\""
}
vif_of() { json_of "$1" vif; }

setup() {
	ip link add br-front type bridge
	ip link add br-other type bridge
	ip link set br-front up
	ip link set br-other up
	printf 'network front {\n    bridge = br-front\n}\n' > "$tmp/front.policy"
}
cleanup() {
	local d
	for d in $($V list --name 2> /dev/null); do
		$V destroy "$d" > /dev/null 2>&1
	done
	[ -n "$watch_pid" ] && kill "$watch_pid" 2> /dev/null && wait "$watch_pid" 2> /dev/null
	watch_pid=
	"$NPMGR" flush > /dev/null 2>&1
	ip link del br-front 2> /dev/null
	ip link del br-other 2> /dev/null
	return 0
}
trap 'cleanup; rm -rf "$tmp"' EXIT

start_virtwatch() {
	ASAN_OPTIONS=detect_leaks=1 "$top/userspace/npmgr-virtwatch-asan" -v \
		> "$tmp/virtwatch.log" 2>&1 &
	watch_pid=$!
	poll_eq 1 sh -c "grep -c '^npmgr: virtwatch: following' '$tmp/virtwatch.log'" ||
		fail "virtwatch did not start: $(cat "$tmp/virtwatch.log")"
}
# stop it as systemd does (SIGTERM): a clean exit, ASan's findings none
stop_virtwatch() {
	local rc=0
	kill "$watch_pid"
	wait "$watch_pid" || rc=$?
	watch_pid=
	[ $rc = 0 ] || fail "virtwatch exited with $rc: $(cat "$tmp/virtwatch.log")"
}

# the front policy loaded, the watcher started, domain NAME created
# (type='ethernet', tap DEV, MAC byte B, METADATA) and its tap attached
watched_domain() { # name dev macbyte metadata
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	start_virtwatch
	domain "$1" ethernet "$2" "$3" "" "$4"
	out=$(create "$1") || fail "virsh create $1: $out"
	poll_eq attached state_of "$2" || fail "$2: $("$NPMGR" show interfaces)"
}

# <interface type='bridge'> on the bridge the policy names: libvirt's own
# enslave goes through (it failed with EBUSY when netpolicy enslaved the
# tap at REGISTER), the domain runs, the tap is attached.
test_bridge_style_on_its_bridge() {
	printf 'vif vms {\n    ifname = "vn*"\n    network = front\n}\n' >> "$tmp/front.policy"
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	domain d1 bridge vnb0 01 br-front
	out=$(create d1) || fail "virsh create d1: $out"
	expect_eq "vnb0's master" br-front "$(master_of vnb0)"
	expect_eq "vnb0's state" attached "$(state_of vnb0)"
}

# ... on another bridge: the hook's prediction at "prepare" fails the
# start before libvirt makes the tap, and virsh says why (libvirt's own
# enslave would be refused too, but its ioctl carries no extack: the
# errno only; netpolicy.sh's cases test that veto).
test_bridge_style_other_bridge_refused() {
	local rc=0
	printf 'vif vms {\n    ifname = "vn*"\n    network = front\n}\n' >> "$tmp/front.policy"
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	domain d2 bridge vnb1 02 br-other
	out=$(create d2) || rc=$?
	expect_eq "virsh's exit code for d2" 1 "$rc"
	expect_eq "virsh's first line" "error: Failed to create domain from $tmp/d2.xml" \
		"$(echo "$out" | head -n 1)"
	# the hook's words: the describing step's, then the prediction's
	expect_eq "virsh's words after the hook's exit status" \
"netpolicy: vnb1 of d2: no network: name one in its <np:network> metadata, or load one whose bridge is br-other
netpolicy: vnb1 of domain d2: its VIF object vms puts it on bridge br-front (network front), not on br-other" \
		"$(echo "$out" | sed -n 's/.*unexpected exit status 1: //p; t; /^netpolicy: /p')"
	expect_eq "running domains" "" "$($V list --name | xargs)"
	[ ! -e /sys/class/net/vnb1 ] || fail "libvirt made vnb1"
}

# <interface type='ethernet'>: libvirt names no bridge; the tap joins its
# bridge as it comes up.
test_ethernet_style_attached_at_up() {
	printf 'vif vms {\n    ifname = "vn*"\n    network = front\n}\n' >> "$tmp/front.policy"
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	"$NPMGR" monitor > "$tmp/events" 2>&1 &
	monitor_ready $!
	domain d3 ethernet vne0 03
	out=$(create d3) || fail "virsh create d3: $out"
	expect_eq "vne0's master" br-front "$(master_of vne0)"
	kill %1 2> /dev/null
	expect_eq "vne0's events" \
"pending vne0 vif=vms network=front bridge=br-front: waiting for the tap to come up: br-front
attached vne0 vif=vms network=front bridge=br-front" "$(grep ' vne0 ' "$tmp/events")"
}

# npmgr virtwatch: a running domain's VM (with its metadata's tags) and
# VIF objects, with libvirt as their source; gone with the domain.
test_virtwatch_describes() {
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	start_virtwatch
	domain web bridge vnw0 04 br-front "<np:tag>web</np:tag><np:tag>frontend</np:tag>"
	out=$(create web) || fail "virsh create web: $out"
	poll_eq attached state_of vnw0 ||
		fail "vnw0: $("$NPMGR" show interfaces; cat "$tmp/virtwatch.log")"
	expect_eq "libvirt's objects" "
# From libvirt (running domains, npmgr virtwatch); not part of
# the policy file:
# vm web {
# 	uuid = $($V domuuid web)
# 	tags = {web, frontend}
# }
# vif vnw0 {
# 	ifname = vnw0
# 	network = front
# 	vm = web
# }" "$("$NPMGR" show config | sed -n '/^# From libvirt/,$p' | sed '1s/^/\n/')"
	$V destroy web > /dev/null
	poll_eq "" sh -c "'$NPMGR' show config | grep 'From libvirt'" ||
		fail "objects left: $("$NPMGR" show config)"
	stop_virtwatch
}

# The hook: a type='ethernet' domain netpolicy refuses (its metadata tags
# it db, the network's policy isolates db) does not start, and virsh
# gives the kernel's reason; so does a type='bridge' one, from the
# prediction at "prepare"; one it accepts starts, attached, described by
# the hook alone (no watcher runs), and its objects go with it.
test_hook_refusal_fails_start() {
	cat >> "$tmp/front.policy" <<'POL'
policy apart { ISOLATE_FROM = {TAG(db)} }
POL
	sed -i 's/^    bridge = br-front$/    bridge = br-front\n    policy = apart/' "$tmp/front.policy"
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	domain db1 ethernet vne1 05 "" "<np:tag>db</np:tag><np:network>front</np:network>"
	rc=0
	out=$(create db1) || rc=$?
	expect_eq "virsh's exit code for db1" 1 "$rc"
	expect_eq "virsh's first line" "error: Failed to create domain from $tmp/db1.xml" \
		"$(echo "$out" | head -n 1)"
	echo "$out" | grep -qF "unexpected exit status 1: netpolicy: vne1 of domain db1 is refused: network configuration cannot be satisfied: policy 'apart' (network front): ISOLATE_FROM TAG(db) matches VM 'db1' (npmgr explain vne1 says why)" ||
		fail "virsh's words: $out"
	expect_eq "running domains" "" "$($V list --name | xargs)"
	expect_eq "libvirt objects after the refusal" "" \
		"$("$NPMGR" show config | grep 'From libvirt')"

	# type='bridge': refused at "prepare", by the prediction, before
	# libvirt makes the tap and enslaves it
	domain db2 bridge vnb5 0b br-front "<np:tag>db</np:tag>"
	rc=0
	out=$(create db2) || rc=$?
	expect_eq "virsh's exit code for db2" 1 "$rc"
	echo "$out" | grep -qF "unexpected exit status 1: netpolicy: vnb5 of domain db2 would be refused: network configuration cannot be satisfied: policy 'apart' (network front): ISOLATE_FROM TAG(db) matches VM 'db2'" ||
		fail "virsh's words for db2: $out"
	[ ! -e /sys/class/net/vnb5 ] || fail "libvirt made vnb5"
	expect_eq "libvirt objects after db2's refusal" "" \
		"$("$NPMGR" show config | grep 'From libvirt')"

	domain web1 ethernet vne2 06 "" "<np:tag>web</np:tag><np:network>front</np:network>"
	out=$(create web1) || fail "virsh create web1: $out"
	expect_eq "vne2's master" br-front "$(master_of vne2)"
	expect_eq "vne2's VM" '"vm":"web1"' "$(json_of vne2 vm)"
	$V destroy web1 > /dev/null
	# libvirt runs the "release" hook as the last step of the stop
	poll_eq "" sh -c "'$NPMGR' show config | grep 'From libvirt'" ||
		fail "libvirt objects after destroy: $("$NPMGR" show config)"
}

# A VIF object bound by the guest's MAC: libvirt gives the tap the guest's
# MAC with its first byte fe; the hook tells the kernel the guest's, and
# the tap is bound by it.
test_bind_by_guest_mac() {
	printf 'vif g7 {\n    mac = 52:54:00:aa:00:07\n    network = front\n}\n' >> "$tmp/front.policy"
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	domain m7 ethernet vnm7 07
	out=$(create m7) || fail "virsh create m7: $out"
	expect_eq "vnm7's own MAC" fe:54:00:aa:00:07 "$(cat /sys/class/net/vnm7/address)"
	expect_eq "vnm7's master" br-front "$(master_of vnm7)"
	expect_eq "vnm7's VIF object" '"vif":"g7"' "$(vif_of vnm7)"
}

# Reloading the administrator's file, with domains running: libvirt's
# objects stay, and no port flaps (no event, the same master).
test_reload_keeps_domains() {
	watched_domain r1 vnr1 08 "<np:network>front</np:network>"
	"$NPMGR" monitor > "$tmp/events" 2>&1 &
	mon=$!
	monitor_ready $mon
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	"$NPMGR" load "$tmp/front.policy" > /dev/null
	sleep 1
	kill $mon
	expect_eq "events during two reloads" "" "$(cat "$tmp/events")"
	expect_eq "vnr1's master" br-front "$(master_of vnr1)"
	"$NPMGR" show config | grep -q "^# vif vnr1 {" ||
		fail "the reload dropped libvirt's objects: $("$NPMGR" show config)"
	stop_virtwatch
}

# virsh save and restore: the domain's objects go with it and come back,
# and the restored domain's new tap is attached.
test_save_restore() {
	watched_domain s1 vns1 09 "<np:tag>web</np:tag><np:network>front</np:network>"
	out=$($V save s1 "$tmp/s1.save" 2>&1) || fail "virsh save: $out"
	[ -e /sys/class/net/vns1 ] && fail "vns1 outlived the save"
	poll_eq "" sh -c "'$NPMGR' show config | grep 'From libvirt'" ||
		fail "objects left after the save: $("$NPMGR" show config)"
	out=$($V restore "$tmp/s1.save" 2>&1) || fail "virsh restore: $out"
	expect_eq "vns1's master after the restore" br-front "$(master_of vns1)"
	poll_eq attached state_of vns1 || fail "vns1: $("$NPMGR" show interfaces)"
	"$NPMGR" show config | grep -q "^# 	tags = {web}" ||
		fail "s1's tags after the restore: $("$NPMGR" show config)"
	stop_virtwatch
}

# An interface plugged into a running domain (virsh attach-device): no hook
# runs for it; the watcher describes it from libvirt's device-added event.
test_attach_device() {
	watched_domain a1 vna1 10 "<np:network>front</np:network>"
	cat > "$tmp/nic.xml" <<'XML'
<interface type='ethernet'><target dev='vna2'/><mac address='52:54:00:aa:00:11'/><model type='virtio'/></interface>
XML
	out=$($V attach-device a1 "$tmp/nic.xml" --live 2>&1) || fail "virsh attach-device: $out"
	poll_eq attached state_of vna2 ||
		fail "vna2: $("$NPMGR" show interfaces; cat "$tmp/virtwatch.log")"
	expect_eq "vna2's master" br-front "$(master_of vna2)"
	expect_eq "vna2's VIF object" '"vif":"vna2"' "$(vif_of vna2)"
	stop_virtwatch
}

# npmgr runs the two libvirt programs it does not link (from its own
# directory here; from ../libexec/npmgr when installed).
test_npmgr_runs_them() {
	rc=0
	out=$("$NPMGR" libvirt-hook 2>&1) || rc=$?
	expect_eq "npmgr libvirt-hook's exit code" 2 "$rc"
	expect_eq "its usage" "usage: npmgr libvirt-hook DOMAIN OPERATION SUBOPERATION [EXTRA] < DOMAIN-XML
(libvirtd runs it as /etc/libvirt/hooks/qemu.d/netpolicy)" "$out"
	rc=0
	out=$("$NPMGR" virtwatch --bogus 2>&1) || rc=$?
	expect_eq "npmgr virtwatch --bogus's exit code" 2 "$rc"
	expect_eq "its usage" "usage: npmgr virtwatch [--connect URI] [--once] [-v]" "$out"
}

libvirt_up
NP_CASE_TIMEOUT=${NP_CASE_TIMEOUT:-240} run_cases "${NP_SUITE:-netpolicy libvirt}" "$@"
