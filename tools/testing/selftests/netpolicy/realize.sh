#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Realization selftests: two hosts carrying networks across an underlay.
# Run as root on a kernel where netpolicy.ko may be loaded (run_all.sh in
# the test VM).
#
# The two hosts are two network namespaces of one guest (hA, hB), each with
# its own netpolicy objects and its own npmgr; VMs are network namespaces
# whose eth0 is joined to a tap of their host by tapvm (what QEMU does).
# One guest instead of two QEMU guests: the module is per namespace, so
# the two hosts are as separate as two kernels for everything tested here
# (own devices, own objects, own routing), a run boots once instead of
# twice, and the two TCG guests would share this machine's two cores with
# the benchmark. The underlay is two veth "wires" between the hosts:
#
#   +-------- hA --------+   eth1 10.1.0.0/24 (tagged   +-------- hB --------+
#   | br-*  tunnels      |===  testdev_network1) =======| br-*  tunnels      |
#   | tap-a1             |===  eth2 10.2.0.0/24 ========| tap-b1  tap-b2     |
#   +---|----------------+      (untagged)              +---|-------|--------+
#     vA1 10.9.0.1                                        vB1 .2   vB2 .3
#
# Usage: realize.sh [TEST...]   (default: all)
set -u

top=$(cd "$(dirname "$0")/../../../.." && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/twohosts.sh"
NPMGR=${NPMGR:-$top/userspace/npmgr}
TAPVM=${TAPVM:-$here/tapvm}
tmp=$(mktemp -d)
KEYS=$tmp/keys

ifindex() { ip netns exec "$1" cat "/sys/class/net/$2/ifindex" 2>/dev/null || echo none; }
# "state reason | message" of a port, from npmgr's JSON
port_state() { # host dev
	np "$1" -j show interfaces | tr '{' '\n' | grep "\"interface\":\"$2\"" |
		sed -n 's/.*"state":"\([^"]*\)".*"reason_code":"\([^"]*\)".*"reason":"\{0,1\}\([^"]*\)"\{0,1\}.*/\1 \2 | \3/p'
}
# The MACsec device a key agreement session made on host $1, or "none".
macsec_dev() { ip -n "$1" -o link show type macsec | awk -F'[ :@]+' '{print $2; exit}' | grep . || echo none; }
vm_ping() { # vm address: one ping, quietly
	ip netns exec "$1" ping -c 1 -W 2 "$2" > /dev/null 2>&1
}
# Pings until one answers: the first ones may wait for ARP and the FDB.
vm_reach() { # vm address
	local i
	for i in 1 2 3 4 5; do
		vm_ping "$1" "$2" && return 0
	done
	return 1
}

setup() {
	twohosts_up
	mkdir -p -m 700 "$KEYS"
	(umask 077; "$NPMGR" genkey > "$KEYS/front.cak"; "$NPMGR" genkey > "$KEYS/back.cak")
}

cleanup() {
	jobs -p | xargs -r kill 2> /dev/null
	wait 2> /dev/null
	local n
	sessions_stop hA hB
	for n in vA1 vB1 vB2 hA hB; do
		ip netns del $n 2> /dev/null
	done
	return 0
}
trap 'cleanup; rm -rf "$tmp"' EXIT

# The pool file both hosts load. $1: the policy of network front (and
# extra lines for it); $2: extra blocks.
write_pool() {
	cat > "$tmp/pool.policy" <<POL
host hA { address = 10.1.0.1 }
host hB { address = 10.1.0.2 }
nic eth1 { tags = {testdev_network1} }
policy cross {
    ALLOW_CROSS_SERVER = true
    PHYSICAL_IFS_ALLOWED = {TAG(testdev_network1)}
}
policy secure {
    ALLOW_CROSS_SERVER = true
    REQUIRE_ENCRYPTION = true
    PHYSICAL_IFS_ALLOWED = {TAG(testdev_network1)}
}
policy local { ALLOW_CROSS_SERVER = false }
network front {
    bridge = br-front
    id = 100
    ${1:-policy = cross}
}
network back {
    bridge = br-back
    policy = cross
    id = 200
}
vif a1 { ifname = tap-a1; network = front }
vif b1 { ifname = tap-b1; network = front }
vif b2 { ifname = tap-b2; network = back }
${2:-}
POL
}

load_both() {
	npl hA load "$tmp/pool.policy" > "$tmp/loadA" || fail "load on hA: $(cat "$tmp/loadA")"
	npl hB load "$tmp/pool.policy" > "$tmp/loadB" || fail "load on hB"
}

vms() {
	vm hA tap-a1 vA1 10.9.0.1
	vm hB tap-b1 vB1 10.9.0.2
	vm hB tap-b2 vB2 10.9.0.3
	expect_master hA tap-a1 br-front
	expect_master hB tap-b1 br-front
	expect_master hB tap-b2 br-back
}

# Capture on host $1's $2 while $3 (a command) runs; the hex dump to $4.
capture() {
	local h=$1 dev=$2 cmd=$3 out=$4 pid
	# IPv4 only: the tunnels' packets, not the hosts' own IPv6 chatter
	ip netns exec "$h" tcpdump -i "$dev" -nn -U -w "$tmp/cap" ip 2> "$tmp/tcpdump.err" &
	pid=$!
	wait_listening "$tmp/tcpdump.err" ||
		fail "tcpdump on $h's $dev did not start: $(cat "$tmp/tcpdump.err")"
	eval "$cmd" || true
	sleep 0.5
	kill "$pid"
	wait "$pid" 2> /dev/null
	tcpdump -r "$tmp/cap" -nn -x 2> /dev/null > "$out"
}
# the ICMP payload pattern ping -p writes, as tcpdump -x prints it
PATTERN=c0ffee11
pattern_count() { tr -d ' \n\t' < "$1" | grep -o "$PATTERN$PATTERN" | wc -l; }
packets() { grep -c '^[0-9]' "$1"; }

# ---------------------------------------------------------------------------

test_cross_host_ping() {
	local vx
	vx=$(devname npv front)
	write_pool
	load_both
	expect_eq "npmgr load on hA prints what it built" \
"network back: created vxlan $(devname npv back) (vni 200, over eth1, port of br-back, peers 10.1.0.2)
network front: created vxlan $vx (vni 100, over eth1, port of br-front, peers 10.1.0.2)" \
		"$(grep -v 'created bridge' "$tmp/loadA")"
	grep -q '^network front: created bridge br-front' "$tmp/loadA" ||
		fail "no bridge created: $(cat "$tmp/loadA")"
	expect_master hA "$vx" br-front
	ip -n hA -d link show "$vx" | grep -q "vxlan id 100 local 10.1.0.1 dev eth1" ||
		fail "$vx: $(ip -n hA -d link show "$vx")"
	vms
	vm_reach vA1 10.9.0.2 || fail "vA1 (hA, front) cannot reach vB1 (hB, front)"
	vm_ping vA1 10.9.0.3 && fail "vA1 (front) reaches vB2 (back)"
	vm_ping vB2 10.9.0.2 && fail "vB2 (back) reaches vB1 (front) on its own host"
	expect_eq "npmgr show config marks the realization" \
		"	# realized on this host: vxlan 100" \
		"$(np hA show config | sed -n '/^network front/,/^}/p' | grep realized)"
}

# VMs running before the load: realizing first, loading second means the
# kernel never sees a network whose tunnel is missing, so the only event is
# the attachment (no refused / not-realized flap on the way).
test_vms_before_load() {
	write_pool "policy = secure"
	vm hA tap-a1 vA1 10.9.0.1
	vm hB tap-b1 vB1 10.9.0.2
	np hA monitor > "$tmp/events" &
	monitor_ready $!
	load_both
	sleep 0.5
	expect_eq "events on hA" "attached tap-a1" "$(awk '{print $1, $2}' "$tmp/events")"
	expect_master hA tap-a1 br-front
	wait_secured hA front
	vm_reach vA1 10.9.0.2 || fail "no ping"
}

test_realize_idempotent() {
	local before after
	write_pool "policy = secure"
	load_both
	vms
	wait_secured hA front
	vm_reach vA1 10.9.0.2 || fail "no ping before"
	before=$(ip -n hA -o link show | awk '{print $1, $2}')
	np hA monitor > "$tmp/events" &
	monitor_ready $!
	expect_eq "realize again changes nothing" \
		"host hA: the 4 devices and 1 key agreement session of $tmp/pool.policy are as they should be" \
		"$(npl hA realize "$tmp/pool.policy")"
	npl hA load "$tmp/pool.policy" > "$tmp/again" || fail "reload"
	expect_eq "a reload prints nothing" "" "$(cat "$tmp/again")"
	sleep 0.5
	after=$(ip -n hA -o link show | awk '{print $1, $2}')
	expect_eq "no device was replaced" "$before" "$after"
	expect_eq "no event" "" "$(cat "$tmp/events")"
	expect_eq "the session was not restarted" 0 \
		"$(np hA -j show keys | grep -o '"restarts":[0-9]*' | cut -d: -f2)"
	vm_ping vA1 10.9.0.2 || fail "no ping after"
}

test_encrypted_no_plaintext() {
	local ms vx
	vx=$(devname npv front)
	write_pool "policy = secure"
	load_both
	expect_eq "load starts a key agreement session" \
		"network front: started key agreement with hB on $vx (MKA, MACsec port of br-front)" \
		"$(grep 'key agreement' "$tmp/loadA")"
	ms=$(macsec_dev hA)
	expect_master hA "$ms" br-front
	expect_master hA "$vx" none
	# 6.12 also reports the offload mode (IFLA_MACSEC_OFFLOAD), 6.1 does not
	ip -n hA -d link show "$ms" | grep -Eq "cipher GCM-AES-128 icvlen 16 encodingsa [0-3] validate strict (offload off )?encrypt on .* replay on window 0" ||
		fail "$ms: $(ip -n hA -d link show "$ms")"
	vms
	wait_secured hA front
	wait_secured hB front
	vm_reach vA1 10.9.0.2 || fail "encrypted: vA1 cannot reach vB1"
	# the tunnel is up with no IPv6 address of the host's own, so no
	# neighbour discovery or MLD leaves in clear (6.1 and 6.12 alike: 6.1
	# takes the address mode only as a change, after creation)
	ip -n hA -d link show "$vx" | grep -q 'addrgenmode none' ||
		fail "$vx generates IPv6 addresses: $(ip -n hA -d link show "$vx")"
	expect_eq "$vx's IPv6 addresses" "" "$(ip -n hA -6 -o addr show dev "$vx")"
	capture hA eth1 "ip netns exec vA1 ping -c 3 -i 0.2 -p $PATTERN 10.9.0.2 > /dev/null" \
		"$tmp/enc"
	[ "$(packets "$tmp/enc")" -ge 6 ] || fail "encrypted: nothing on the underlay"
	{ cat "$tmp/loadA" "$tmp/loadB"; np hA show; np hA -j show; dmesg
	  cat /run/netpolicy/mka/hA/*.state /run/netpolicy/mka/hA/*.log; ps -eo args; } |
		grep -qFf "$KEYS/front.cak" && fail "the CAK shows up in output, state, logs or command lines"
	expect_eq "the daemon's configuration is root's alone" "600 0 600 0" \
		"$(stat -c '%a %u' /run/netpolicy/mka/hA/"$vx"-*.conf /run/netpolicy/mka/hA/"$vx"-*.wpa | xargs)"
	expect_eq "in a directory of its own" "700" "$(stat -c '%a' /run/netpolicy/mka/hA)"
	# the state and the sessions are root's: nobody is told why not
	ip netns exec hA setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NPMGR" show > "$tmp/out" 2> "$tmp/err" && fail "nobody could show"
	grep -qx "npmgr: this needs CAP_NET_ADMIN in the network namespace" "$tmp/err" ||
		fail "nobody's show: $(cat "$tmp/err")"
	ip netns exec hA setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NPMGR" show keys > /dev/null 2>&1 && fail "nobody read the sessions"
	expect_eq "encrypted: plaintext payloads on the underlay" 0 "$(pattern_count "$tmp/enc")"
	# every frame in the tunnel is MACsec (ethertype 88e5)
	tr -d ' \n\t' < "$tmp/enc" | grep -q 88e5 || fail "encrypted: no MACsec frame"
	# the same ping on the unencrypted network shows its payload: the
	# check above can fail
	vm_reach vB2 10.9.0.3 || true
	vm hA tap-a2 vA2 10.9.0.4
	np hA load --add --host hA <(echo 'vif a2 { ifname = tap-a2; network = back }') > /dev/null ||
		fail "add vif a2"
	expect_master hA tap-a2 br-back
	vm_reach vA2 10.9.0.3 || fail "plain: vA2 cannot reach vB2"
	capture hA eth1 "ip netns exec vA2 ping -c 3 -i 0.2 -p $PATTERN 10.9.0.3 > /dev/null" \
		"$tmp/plain"
	[ "$(pattern_count "$tmp/plain")" -ge 3 ] ||
		fail "plain: the payload pattern is not visible on the underlay"
	ip netns del vA2
}

test_algorithm_honoured() {
	write_pool "policy = aes256" "policy aes256 {
    ALLOW_CROSS_SERVER = true
    REQUIRE_ENCRYPTION = true
    ENCRYPTION_ALGORITHM = gcm-aes-256
}"
	npl hA load "$tmp/pool.policy" > "$tmp/out" 2>&1 && fail "gcm-aes-256 was realized with less"
	expect_eq "gcm-aes-256 is refused, not weakened" \
		"$tmp/pool.policy:27:8: error: policy 'aes256': ENCRYPTION_ALGORITHM = gcm-aes-256 cannot be realized: the key agreement (MKA in Debian 12's wpa_supplicant 2.10) agrees on gcm-aes-128 only (see Documentation, \"Encryption: key agreement\")" \
		"$(head -n 1 "$tmp/out")"
	expect_eq "nothing was created" "" "$(ip -n hA -o link show type bridge)"
	sed -i 's/gcm-aes-256/gcm-aes-128/' "$tmp/pool.policy"
	load_both
	ip -n hA -d link show "$(macsec_dev hA)" | grep -q "cipher GCM-AES-128 " ||
		fail "cipher: $(ip -n hA -d link show "$(macsec_dev hA)")"
	vms
	wait_secured hA front
	vm_reach vA1 10.9.0.2 || fail "gcm-aes-128: no ping"
}

test_physical_ifs_allowed() {
	write_pool
	load_both
	vms
	vm_reach vA1 10.9.0.2 || fail "no ping"
	capture hA eth2 "ip netns exec vA1 ping -c 3 -i 0.2 10.9.0.2 > /dev/null" "$tmp/eth2"
	expect_eq "packets on the untagged eth2" 0 "$(packets "$tmp/eth2")"
	# (what counts is where the packets go: a ping lost to a busy
	# machine is tried again, up to three times)
	for _ in 1 2 3; do
		capture hA eth1 "ip netns exec vA1 ping -c 3 -i 0.2 10.9.0.2 > /dev/null" "$tmp/eth1"
		[ "$(packets "$tmp/eth1")" -ge 6 ] && break
	done
	[ "$(packets "$tmp/eth1")" -ge 6 ] || fail "no packets on the tagged eth1"
	# a tunnel over the untagged NIC, built by hand: refused, fail closed
	ip -n hA link add gre9 type gretap local 10.2.0.1 remote 10.2.0.2 key 9 dev eth2
	ip -n hA link set gre9 master br-front up
	wait_master hA tap-a1 none
	expect_eq "tap-a1 refused" \
		"refused physical-if | network configuration cannot be satisfied: policy 'cross' (network front): PHYSICAL_IFS_ALLOWED does not allow eth2 (the underlay of uplink gre9 of bridge br-front)" \
		"$(port_state hA tap-a1)"
	ip -n hA link del gre9
	wait_master hA tap-a1 br-front
}

# A link of another kind where the plan puts a device: npmgr reads only
# the kinds it creates at first, so it must ask for the name before it
# makes the device, and say what is in the way.
test_device_in_the_way() {
	local vx
	write_pool
	vx=$(devname npv front)
	ip -n hA tuntap add br-front mode tap
	npl hA load "$tmp/pool.policy" > "$tmp/out" 2>&1 && fail "load succeeded"
	grep -qx "npmgr: network front: br-front exists and is not a bridge" "$tmp/out" ||
		fail "the tap in the way is not named: $(cat "$tmp/out")"
	expect_eq "nothing was loaded" "" "$(np hA show config)"
	expect_eq "what the load made is gone" "" \
		"$(ip -n hA -o link show type bridge; ip -n hA -o link show type vxlan)"
	ip -n hA link del br-front
	ip -n hA link add "$vx" type dummy
	npl hA load "$tmp/pool.policy" > "$tmp/out" 2>&1 && fail "load succeeded"
	grep -qx "npmgr: network front: $vx exists and netpolicy did not create it: remove or rename it" "$tmp/out" ||
		fail "the dummy in the way is not named: $(cat "$tmp/out")"
	expect_eq "the dummy stays" "$vx" "$(ip -n hA -o link show type dummy | awk -F': ' '{ print $2 }')"
	ip -n hA link del "$vx"
	npl hA load "$tmp/pool.policy" > /dev/null || fail "load once the way is clear"
	[ "$(ifindex hA "$vx")" != none ] || fail "$vx was not made"
}

test_no_allowed_nic_refused() {
	write_pool "policy = wrongtag" "policy wrongtag {
    ALLOW_CROSS_SERVER = true
    PHYSICAL_IFS_ALLOWED = {TAG(testdev_network2)}
}"
	npl hA load "$tmp/pool.policy" > "$tmp/out" 2>&1 && fail "load succeeded"
	expect_eq "the refusal names the network and the policy" \
"$tmp/pool.policy:14:9: error: network 'front': no interface of host 'hA' is allowed by PHYSICAL_IFS_ALLOWED of policy 'wrongtag' (declare it with a nic block and its tags)
  network front {
          ^
npmgr: $tmp/pool.policy: 1 error, nothing changed" "$(cat "$tmp/out")"
	expect_eq "nothing was created" "" "$(ip -n hA -o link show type bridge; ip -n hA -o link show type vxlan)"
	expect_eq "nothing was loaded" "" "$(np hA show config)"
}

test_local_only() {
	write_pool "policy = local"
	sed -i 's/^    id = 100$//' "$tmp/pool.policy"
	load_both
	expect_eq "no tunnel for a local-only network (only back's)" \
		"$(devname npv back)" \
		"$(ip -n hA -o link show | grep -Eo ': np[vgesm][0-9a-f]{8}' | cut -c3-)"
	expect_eq "its bridge has no port" "" "$(ip -n hA -o link show master br-front)"
	vms
	vm_ping vA1 10.9.0.2 && fail "vA1 reaches vB1 across hosts on a local-only network"
	ip -n hA link set eth2 master br-front > "$tmp/err" 2>&1 &&
		fail "an uplink joined a local-only bridge"
	expect_eq "the join is refused with the reason" \
		"Error: netpolicy: the bridge carries a local-only network: no uplink may join it." \
		"$(cat "$tmp/err")"
	expect_master hA eth2 none
	expect_master hA tap-a1 br-front
	dmesg | grep -q "netpolicy: eth2: may not join br-front: network front is local only (policy local)" ||
		fail "no log line"
}

test_drift_encryption_off() {
	local ms
	write_pool "policy = secure"
	load_both
	vms
	wait_secured hA front
	vm_reach vA1 10.9.0.2 || fail "no ping"
	ms=$(macsec_dev hA)
	np hA monitor > "$tmp/events" &
	monitor_ready $!
	ip -n hA link set "$ms" type macsec encrypt off
	wait_master hA tap-a1 none
	expect_eq "tap-a1 refused" \
		"refused not-encrypted | network configuration cannot be satisfied: policy 'secure' (network front): REQUIRE_ENCRYPTION = true, but uplink $ms of bridge br-front is not encrypted" \
		"$(port_state hA tap-a1)"
	sleep 0.3
	expect_eq "events" "detached tap-a1
refused tap-a1" "$(awk '{print $1, $2}' "$tmp/events")"
	dmesg | grep -q "netpolicy: tap-a1: refused: .*REQUIRE_ENCRYPTION = true, but uplink $ms" ||
		fail "no log line"
	vm_ping vA1 10.9.0.2 && fail "ping passes while refused"
	expect_eq "realize restarts the session" \
"network front: restarted key agreement with hB on $(devname npv front): encryption was switched off or weakened" \
		"$(npl hA realize "$tmp/pool.policy")"
	wait_master hA tap-a1 br-front
	wait_secured hA front
	vm_reach vA1 10.9.0.2 || fail "no ping after the repair"
	# replay protection switched off is drift too
	ip -n hA link set "$(macsec_dev hA)" type macsec replay off
	wait_master hA tap-a1 none
	expect_eq "replay off: tap-a1 refused" \
		"refused not-encrypted | network configuration cannot be satisfied: policy 'secure' (network front): REQUIRE_ENCRYPTION = true, but uplink $(macsec_dev hA) of bridge br-front accepts replayed frames (MACsec replay protection off, or a window above 0)" \
		"$(port_state hA tap-a1)"
	expect_eq "realize restarts it again" \
"network front: restarted key agreement with hB on $(devname npv front): replay protection was switched off or widened" \
		"$(npl hA realize "$tmp/pool.policy")"
	wait_master hA tap-a1 br-front
}

test_drift_tunnel_deleted() {
	local vx
	vx=$(devname npv front)
	write_pool
	load_both
	vms
	ip -n hA link del "$vx"
	wait_master hA tap-a1 none
	expect_eq "tap-a1 refused" \
		"refused not-realized | network configuration cannot be satisfied: network 'front' is realized as vxlan 100, but bridge br-front has no such tunnel port" \
		"$(port_state hA tap-a1)"
	expect_master hB tap-b1 br-front
	npl hA realize "$tmp/pool.policy" > /dev/null || fail "realize"
	wait_master hA tap-a1 br-front
	vm_reach vA1 10.9.0.2 || fail "no ping after the repair"
}

test_drift_at_reload() {
	write_pool "policy = plaincross" "policy plaincross { ALLOW_CROSS_SERVER = true }"
	load_both
	vms
	# a plain uplink on the bridge, then a reload that makes it local only
	ip -n hA link add dummy0 type dummy
	ip -n hA link set dummy0 master br-front
	expect_master hA tap-a1 br-front
	write_pool "policy = local"
	sed -i 's/^    id = 100$//' "$tmp/pool.policy"
	npl hA load "$tmp/pool.policy" > /dev/null || fail "reload"
	expect_master hA tap-a1 none
	expect_eq "tap-a1 refused at reload" \
		"refused cross-server | network configuration cannot be satisfied: policy 'local' (network front): ALLOW_CROSS_SERVER = false, but bridge br-front has uplink dummy0" \
		"$(port_state hA tap-a1)"
	expect_eq "the realized tunnel went" "" "$(ip -n hA -o link show "$(devname npv front)" 2> /dev/null)"
}

test_remove_network() {
	local keep
	write_pool
	load_both
	keep="$(ifindex hA br-front) $(ifindex hA "$(devname npv front)")"
	sed -i '/^network back {/,/^}/d; /^vif b2/d' "$tmp/pool.policy"
	npl hA load "$tmp/pool.policy" > "$tmp/out" || fail "reload"
	expect_eq "load removes what was built for network back, and only that" \
"network back: deleted vxlan $(devname npv back): no network needs it
network back: deleted bridge br-back: no network needs it" "$(cat "$tmp/out")"
	expect_eq "front untouched" "$keep" \
		"$(ifindex hA br-front) $(ifindex hA "$(devname npv front)")"
	# an administrator's bridge is used, never deleted
	ip -n hA link add br-admin type bridge
	printf 'network adm {\n bridge = br-admin\n}\n' >> "$tmp/pool.policy"
	npl hA load "$tmp/pool.policy" > /dev/null || fail "load adm"
	np hA del vif a1 && np hA del vif b1 &&
		np hA del network front > "$tmp/out" || fail "del front"
	expect_eq "del says what it removed" \
"network front: deleted vxlan $(devname npv front): no network needs it
network front: deleted bridge br-front: no network needs it" "$(cat "$tmp/out")"
	expect_eq "del removes the network's devices" "none none" \
		"$(ifindex hA br-front) $(ifindex hA "$(devname npv front)")"
	sed -i '/^network adm {/,/^}/d' "$tmp/pool.policy"
	npl hA load "$tmp/pool.policy" > /dev/null || fail "reload without adm"
	[ "$(ifindex hA br-admin)" != none ] || fail "br-admin was deleted"
}

test_gretap_and_geneve() {
	write_pool "policy = cross
    tunnel = gretap"
	load_both
	expect_master hA "$(devname npg front hB)" br-front
	vms
	vm_reach vA1 10.9.0.2 || fail "gretap: no ping"
	cleanup
	setup
	write_pool "policy = plaincross
    tunnel = geneve" "policy plaincross { ALLOW_CROSS_SERVER = true }"
	load_both
	expect_master hA "$(devname npe front hB)" br-front
	vms
	vm_reach vA1 10.9.0.2 || fail "geneve: no ping"
}

# A file without hosts realizes nothing: its load prunes every device
# netpolicy built, of each kind (npmgr reads only those kinds), and keeps
# an administrator's bridge and VXLAN device and the VMs' taps.
test_prune_without_pool() {
	write_pool "policy = cross
    tunnel = gretap"
	npl hA load "$tmp/pool.policy" > /dev/null || fail "load"
	ip -n hA link add br-admin type bridge
	ip -n hA link add vx-admin type vxlan id 999 dstport 4789 dev eth1
	vm hA tap-a1 vA1 10.9.0.1
	expect_master hA tap-a1 br-front
	printf 'network lone {\n    bridge = br-admin\n}\nvif a1 { ifname = tap-a1; network = lone }\n' \
		> "$tmp/lone.policy"
	npl hA load "$tmp/lone.policy" > "$tmp/out" || fail "load without hosts"
	expect_eq "every device netpolicy built is deleted, tunnels first" \
"network back: deleted vxlan $(devname npv back): no network needs it
network front: deleted gretap $(devname npg front hB): no network needs it
network back: deleted bridge br-back: no network needs it
network front: deleted bridge br-front: no network needs it" "$(cat "$tmp/out")"
	expect_eq "none of them is left" "" \
		"$(ip -n hA -o link show type gretap | grep -v gretap0; ip -n hA -o link show type vxlan | grep -v vx-admin)"
	expect_master hA tap-a1 br-admin
	[ "$(ifindex hA vx-admin)" != none ] || fail "the administrator's vx-admin was deleted"
}

test_config_errors() {
	write_pool "policy = squeeze" "policy squeeze {
    ALLOW_CROSS_SERVER = true
    COMPRESS = true
}"
	npl hA load "$tmp/pool.policy" > "$tmp/out" 2>&1 && fail "COMPRESS loaded"
	expect_eq "COMPRESS is refused" \
		"$tmp/pool.policy:27:8: error: policy 'squeeze': COMPRESS = true cannot be realized (netpolicy encrypts with MACsec, which has no compression; see Documentation, \"Realization\")" \
		"$(head -n 1 "$tmp/out")"
	write_pool "policy = secure"
	chmod 644 "$KEYS/front.cak"
	npl hA load "$tmp/pool.policy" > "$tmp/out" 2>&1 && fail "loaded with a 0644 CAK"
	expect_eq "the CAK file's mode is checked" \
		"$tmp/pool.policy:8:8: error: the CAK file $KEYS/front.cak must be a regular file of mode 0600 owned by root (it is mode 0644, owner 0)" \
		"$(head -n 1 "$tmp/out")"
	grep -qF "$(cat "$KEYS/front.cak")" "$tmp/out" && fail "the CAK was printed"
	chmod 600 "$KEYS/front.cak"
	rm "$KEYS/front.cak"
	npl hA load "$tmp/pool.policy" > "$tmp/out" 2>&1 && fail "loaded without a CAK"
	expect_eq "a missing CAK file is named" \
		"$tmp/pool.policy:8:8: error: network 'front' is encrypted and needs its CAK in $KEYS/front.cak: No such file or directory (create it with npmgr genkey; see Documentation, \"Encryption: key agreement\")" \
		"$(head -n 1 "$tmp/out")"
	expect_eq "nothing was created" "" "$(ip -n hA -o link show type bridge)"
	write_pool "policy = cross" "host hC { address = 10.1.0.3 }"
	sed -i 's/^    id = 100$//' "$tmp/pool.policy"
	npl hA load "$tmp/pool.policy" > "$tmp/out" 2>&1 && fail "loaded without id"
	expect_eq "a crossing network needs an id" \
		"$tmp/pool.policy:14:9: error: network 'front' crosses hosts (policy 'cross': ALLOW_CROSS_SERVER = true) and needs an 'id' (its VNI, the same on every host)" \
		"$(head -n 1 "$tmp/out")"
}

run_cases "${NP_SUITE:-realize}" "$@"
