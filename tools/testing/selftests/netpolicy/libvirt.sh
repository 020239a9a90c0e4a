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
# The migrate case adds two hosts, network namespaces hA and hB joined by
# a veth pair, each with a libvirtd of its own (mig_host).
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
	mig_cleanup
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

# Host H of a migration: network namespace H (its own br-front, netpolicy
# tables and underlay address) and a libvirtd of its own, in a mount
# namespace with private libvirt directories, netpolicy's hook, and a
# host UUID of its own (libvirt refuses to migrate a domain to a host with
# the source's UUID, and both would read the VM's SMBIOS).
# Documentation/libvirt-design.rst, "virsh migrate on the bed".
mig_host() { # name underlay-address uuid-digit
	local d=$tmp/$1 m
	mkdir -p "$d"/etc/hooks/qemu.d "$d"/run "$d"/lib/qemu "$d"/log/qemu "$d"/cache
	mkdir -p /var/cache/libvirt
	# no cgroups: both daemons would name the migrating domain's the same
	printf 'user = "root"\ngroup = "root"\ncgroup_controllers = [ ]\n' > "$d/etc/qemu.conf"
	printf 'host_uuid = "6e657470-6f6c-6963-7900-00000000000%s"\n' "$3" > "$d/etc/libvirtd.conf"
	ln -s "$top/userspace/npmgr-libvirt-hook-asan" "$d/etc/hooks/qemu.d/netpolicy"
	ip netns add "$1"
	ip link set "ul${1#h}" netns "$1"
	ip -n "$1" link set lo up
	ip -n "$1" link add br-front type bridge
	ip -n "$1" link set br-front up
	ip netns exec "$1" "$NPMGR" load "$tmp/front.policy" > /dev/null || fail "load on $1"
	ip netns exec "$1" unshare -m --propagation private sh -c '
		d=$1
		mount --bind "$d/etc" /etc/libvirt &&
		mount --bind "$d/run" /run/libvirt &&
		mount --bind "$d/lib" /var/lib/libvirt &&
		mount --bind "$d/log" /var/log/libvirt &&
		mount --bind "$d/cache" /var/cache/libvirt || exit 1
		virtlogd -d -p "$d/run/virtlogd.pid" || exit 1
		exec libvirtd -p "$d/run/libvirtd.pid"' sh "$d" > "$d/libvirtd.log" 2>&1 &
	echo $! > "$d/pid"
	m="qemu+unix:///system?socket=$d/run/libvirt-sock"
	poll_eq 0 sh -c "virsh -q -c '$m' version > /dev/null 2>&1; echo \$?" ||
		fail "$1's libvirtd did not answer: $(cat "$d/libvirtd.log")"
	ip -n "$1" addr add "$2/24" dev "ul${1#h}"
	ip -n "$1" link set "ul${1#h}" up
}
mig_cleanup() {
	local h p
	for h in hA hB; do
		[ -e "$tmp/$h/pid" ] || continue
		virsh -q -c "qemu+unix:///system?socket=$tmp/$h/run/libvirt-sock" \
			destroy mg1 > /dev/null 2>&1
		for p in "$tmp/$h/run/libvirtd.pid" "$tmp/$h/run/virtlogd.pid"; do
			[ -e "$p" ] && kill "$(cat "$p")" 2> /dev/null
		done
		ip netns del "$h" 2> /dev/null
	done
	ip link del ulA 2> /dev/null
	return 0
}

# virsh migrate between two hosts (two libvirtds, each host a namespace
# with netpolicy's own tables): the destination's hook describes the
# domain and its tap is attached there before QEMU takes the state; the
# source's objects go. Then a migration back into a host whose policy now
# refuses the domain: virsh fails with netpolicy's reason, and the domain
# keeps running where it was, attached.
test_migrate() {
	local VA VB rc out mon
	ip link add ulA type veth peer name ulB
	mig_host hA 10.98.0.1 1
	mig_host hB 10.98.0.2 2
	VA="virsh -q -c qemu+unix:///system?socket=$tmp/hA/run/libvirt-sock"
	VB="virsh -q -c qemu+unix:///system?socket=$tmp/hB/run/libvirt-sock"
	domain mg1 bridge vmg0 0c br-front "<np:tag>db</np:tag>"
	out=$($VA create --paused "$tmp/mg1.xml" 2>&1) || fail "virsh create mg1 on hA: $out"
	expect_master hA vmg0 br-front
	ip netns exec hB "$NPMGR" monitor > "$tmp/events" 2>&1 &
	mon=$!
	monitor_ready $mon

	out=$($VA migrate --live mg1 "qemu+unix:///system?socket=$tmp/hB/run/libvirt-sock" \
		--migrateuri tcp://10.98.0.2 2>&1) || fail "virsh migrate to hB: $out"
	expect_eq "domains on hA" "" "$($VA list --name | xargs)"
	expect_eq "domains on hB" mg1 "$($VB list --name | xargs)"
	expect_master hB vmg0 br-front
	expect_eq "vmg0's VM on hB" '"vm":"mg1"' \
		"$(ip netns exec hB "$NPMGR" -j show interfaces | tr '{' '\n' |
			grep '"interface":"vmg0"' | grep -o '"vm":"[^"]*"')"
	# the source's "release" hook is the last step of its stop
	poll_eq "" sh -c "ip netns exec hA '$NPMGR' show config | grep 'From libvirt'" ||
		fail "libvirt objects left on hA: $(ip netns exec hA "$NPMGR" show config)"
	kill $mon
	wait $mon 2> /dev/null || :
	grep -q '^attached vmg0 ' "$tmp/events" || fail "hB's events: $(cat "$tmp/events")"
	grep '^refused' "$tmp/events" && fail "a refusal on hB"

	# hA now isolates VMs tagged db: the way back is refused at "prepare"
	cat >> "$tmp/front.policy" <<'POL'
policy apart { ISOLATE_FROM = {TAG(db)} }
POL
	sed -i 's/^    bridge = br-front$/    bridge = br-front\n    policy = apart/' "$tmp/front.policy"
	ip netns exec hA "$NPMGR" load "$tmp/front.policy" > /dev/null || fail "reload hA"
	rc=0
	out=$($VB migrate --live mg1 "qemu+unix:///system?socket=$tmp/hA/run/libvirt-sock" \
		--migrateuri tcp://10.98.0.1 2>&1) || rc=$?
	expect_eq "virsh migrate's exit code" 1 "$rc"
	echo "$out" | grep -qF "netpolicy: vmg0 of domain mg1 would be refused: network configuration cannot be satisfied: policy 'apart' (network front): ISOLATE_FROM TAG(db) matches VM 'mg1'" ||
		fail "virsh's words: $out"
	echo "    virsh migrate to hA: $(echo "$out" | grep -o 'unexpected exit status 1: .*')"
	expect_eq "domains on hB after the refusal" mg1 "$($VB list --name | xargs)"
	expect_eq "domains on hA after the refusal" "" "$($VA list --name | xargs)"
	expect_master hB vmg0 br-front
	[ "$(ns_master hA vmg0)" = none ] || fail "hA kept a vmg0"
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
