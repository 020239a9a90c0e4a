#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netpolicy selftests. Run as root on a kernel where netpolicy.ko may be
# loaded (tools/testing/vm/vm-run boots one); see run_all.sh.
#
#  +--------------------- netns npA ----------------------+  +--- netns npB ---+
#  |  br-front   br-back   (bridges named by networks)    |  |  its own objects|
#  |     |          |                                     |  |  tap-web0 ...   |
#  |  tap-web0   tap-db / tap-batch0   tap-x (unbound)    |  |                 |
#  +------------------------------------------------------+  +-----------------+
#
# Every test runs in fresh namespaces and asserts what a user sees: the
# master of each device, npmgr's exact output, the events, the kernel log.
# Usage: netpolicy.sh [TEST...]   (default: all)
set -u

top=$(cd "$(dirname "$0")/../../../.." && pwd)
. "$(dirname "$0")/lib.sh"
NPMGR=${NPMGR:-$top/userspace/npmgr}
KO=${NETPOLICY_KO:-$top/kernel/netpolicy.ko}
OVSDP=$top/tools/testing/selftests/netpolicy/ovsdp
NPREQUEST=$top/tools/testing/selftests/netpolicy/nprequest
tmp=$(mktemp -d)
A=npA
B=npB

cleanup() {
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	return 0
}
trap 'cleanup; rm -rf "$tmp"' EXIT

np() { local ns=$1; shift; ip netns exec "$ns" "$NPMGR" "$@"; }
# A VM's tap as QEMU makes it: created, then up (a tap on no master joins
# its bridge when it comes up; one ip process for both)
tap() { printf 'tuntap add %s mode tap\nlink set %s up\n' "$2" "$2" | ip -n "$1" -batch -; }

state_of() { # ns dev -> "state vif reason..."
	np "$1" -j show interfaces | tr '{' '\n' |
		grep "\"interface\":\"$2\"" | sed 's/.*"state":"\([a-z]*\)".*/\1/'
}

wait_state() { # ns dev state
	poll_eq "$3" state_of "$1" "$2" ||
		fail "$2: state '$(state_of "$1" "$2")', want '$3'"
}

# "state reason_code policy | message" of a port, from npmgr's JSON
port_fields() { # ns dev
	np "$1" -j show interfaces | tr '{' '\n' | grep "\"interface\":\"$2\"" |
		sed -n 's/.*"state":"\([^"]*\)".*"reason_code":"\([^"]*\)","policy":"\{0,1\}\([^",]*\)"\{0,1\},"reason":"\{0,1\}\([^"]*\)"\{0,1\}.*/\1 \2 \3 | \4/p'
}
refusal() { # policy owner constraint...
	echo "network configuration cannot be satisfied: policy '$1' ($2): $3"
}

write_policy() { # file, default: the demo-like policy
	cat > "$tmp/p.policy" <<'POL'
policy secure {
    ALLOW_CROSS_SERVER = true
    REQUIRE_ENCRYPTION = true
    PHYSICAL_IFS_ALLOWED = {TAG(testdev_network1), TAG(testdev_network2)}
    ISOLATE_FROM = {NAME(my_insecure_vm)}
}
network front {
    bridge = br-front
    policy = secure
}
network back {
    bridge = br-back
}
vif web {
    ifname = "tap-web*"
    network = front
    vm = web
}
vif db {
    mac = 52:54:00:00:0d:b0
    network = back
    vm = db
}
vif batch {
    ifname = tap-batch0
    network = back
}
POL
}

setup_ns() {
	ip netns add $A
	ip netns add $B
	ip -n $A link set lo up
}

# ---------------------------------------------------------------------------

test_attach_by_glob() {
	ip -n $A link add br-front type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	expect_master $A tap-web0 br-front
	tap $A tap-web1
	expect_master $A tap-web1 br-front
	tap $A tap-other
	expect_master $A tap-other none
}

test_attach_by_mac() {
	ip -n $A link add br-back type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-db
	expect_master $A tap-db none
	ip -n $A link set tap-db address 52:54:00:00:0d:b0
	expect_master $A tap-db br-back
	[ "$(state_of $A tap-db)" = attached ] || fail "tap-db not attached"
}

# A MAC binding names the guest's MAC, which a toolstack tells the kernel
# (NETPOLICY_CMD_SET_PORT): libvirt's tap carries fe:54:00:..., the guest
# 52:54:00:.... Until told, the device's own address is matched.
test_attach_by_guest_mac() {
	ip -n $A link add br-back type bridge
	ip -n $A link add br-front type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	ip -n $A link set tap-web0 address fe:54:00:00:0d:b0
	expect_master $A tap-web0 br-front
	req() { ip netns exec $A "$NPREQUEST" "$@"; }
	expect_eq "told" "ok" "$(req guest-mac tap-web0 52:54:00:00:0d:b0)"
	# the MAC binding (vif db) wins over the glob (vif web)
	expect_master $A tap-web0 br-back
	expect_eq "state" "attached db back" "$(np $A -j show interfaces | tr '{' '\n' |
		grep '"interface":"tap-web0"' |
		sed 's/.*"guest_mac":"52:54:00:00:0d:b0".*"state":"\([^"]*\)","vif":"\([^"]*\)","network":"\([^"]*\)".*/\1 \2 \3/')"
	# the device's own address no longer matters
	ip -n $A link set tap-web0 address fe:54:00:00:0d:b1
	expect_master $A tap-web0 br-back
	ip -n $A link add d0 type dummy
	expect_eq "errors" "error 19: no such device
error 95: not a tap or Xen vif
error 22: a guest's MAC is a unicast, non-zero address" \
		"$(req guest-mac nosuch 52:54:00:00:00:01
		   req guest-mac d0 52:54:00:00:00:01
		   req guest-mac tap-web0 01:00:5e:00:00:01)"
	! ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$NPREQUEST" guest-mac tap-web0 52:54:00:00:00:09 > "$tmp/out" ||
		fail "nobody set a guest MAC"
	expect_eq "nobody" "error 1: " "$(cat "$tmp/out")"
	expect_master $A tap-web0 br-back
}

test_bridge_after_tap() {
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-batch0
	expect_master $A tap-batch0 none
	[ "$(state_of $A tap-batch0)" = pending ] || fail "not pending"
	ip -n $A link add br-back type bridge
	wait_master $A tap-batch0 br-back
	# the bridge goes away and comes back: pending, then attached again
	ip -n $A link del br-back
	wait_state $A tap-batch0 pending
	ip -n $A link add br-back type bridge
	wait_master $A tap-batch0 br-back
}

# What a bridge shows of a port in sysfs, and what must not be there.
expect_brif() { # ns bridge dev
	ip netns exec "$1" test -e "/sys/class/net/$2/brif/$3" ||
		fail "$3 is not listed in $2's brif/"
	! ip netns exec "$1" test -e "/sys/$3" ||
		fail "a stray /sys/$3 link: the port joined before $2's sysfs existed"
}

# Every order the modules can be loaded in: netpolicy before bridge.ko (a
# dom0 whose watcher unit loads it at boot) and after. With netpolicy's
# notifier first, a pending tap must not join a bridge from inside the
# bridge's own NETDEV_REGISTER, before the bridge made its sysfs directory.
test_module_load_order() {
	local order
	for order in netpolicy-first bridge-first; do
		echo "    order: $order"
		ip -all netns del 2> /dev/null || true
		setup_ns
		rmmod netpolicy || fail "rmmod netpolicy"
		rmmod bridge || fail "rmmod bridge (is something else using it?)"
		if [ $order = netpolicy-first ]; then
			insmod "$KO" reeval_verify=1
		else
			modprobe bridge
			insmod "$KO" reeval_verify=1
		fi
		write_policy
		sed -i 's/ifname = tap-batch0/ifname = "tap-batch*"/' "$tmp/p.policy"
		np $A load "$tmp/p.policy"
		tap $A tap-batch0
		wait_state $A tap-batch0 pending
		# (netpolicy-first: this loads bridge.ko now)
		ip -n $A link add br-back type bridge
		wait_master $A tap-batch0 br-back
		expect_brif $A br-back tap-batch0
		# a tap registered while the bridge exists
		tap $A tap-batch1
		expect_master $A tap-batch1 br-back
		expect_brif $A br-back tap-batch1
		# the bridge goes and comes back
		ip -n $A link del br-back
		wait_state $A tap-batch0 pending
		ip -n $A link add br-back type bridge
		wait_master $A tap-batch0 br-back
		wait_master $A tap-batch1 br-back
		expect_brif $A br-back tap-batch0
		expect_brif $A br-back tap-batch1
		[ "$(state_of $A tap-batch0)" = attached ] || fail "tap-batch0: $(port_fields $A tap-batch0)"
		! dmesg | grep -E "$np_bad_log" || fail "kernel log (order $order)"
	done
	modprobe -a bridge
}

test_unbound_reported() {
	write_policy
	np $A load "$tmp/p.policy"
	ip -n $A link add br-front type bridge
	tap $A tap-x
	expect_master $A tap-x none
	expect_eq "unbound tap reported" \
"INTERFACE  KIND  STATE    VIF  NETWORK  BRIDGE  REASON
tap-x      tap   unbound  -    -        -       no VIF object matches the interface" \
		"$(np $A show interfaces)"
}

test_refused_not_a_bridge() {
	ip -n $A link add br-front type dummy
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	expect_master $A tap-web0 none
	expect_eq "refusal reported" \
"INTERFACE  KIND  STATE    VIF  NETWORK  BRIDGE    REASON
tap-web0   tap   refused  web  front    br-front  device is not a bridge: br-front" \
		"$(np $A show interfaces)"
	dmesg | grep -q "netpolicy: tap-web0: refused: device is not a bridge: br-front$" || fail "refusal not logged"
}

test_show_exact() {
	ip -n $A link add br-front type bridge
	ip -n $A link add br-back type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	tap $A tap-batch0
	tap $A tap-zz
	expect_eq "npmgr show" \
"# loaded for host $(hostname)

policy secure {
	ALLOW_CROSS_SERVER = true
	REQUIRE_ENCRYPTION = true
	PHYSICAL_IFS_ALLOWED = {TAG(testdev_network1), TAG(testdev_network2)}
	ISOLATE_FROM = {NAME(my_insecure_vm)}
}

network back {
	bridge = br-back
}

network front {
	bridge = br-front
	policy = secure
}

vm db {
}

vm web {
}

vif batch {
	ifname = tap-batch0
	network = back
}

vif db {
	mac = 52:54:00:00:0d:b0
	network = back
	vm = db
}

vif web {
	ifname = tap-web*
	network = front
	vm = web
}

INTERFACE   KIND  STATE     VIF    NETWORK  BRIDGE    REASON
tap-web0    tap   attached  web    front    br-front  -
tap-batch0  tap   attached  batch  back     br-back   -
tap-zz      tap   unbound   -      -        -         no VIF object matches the interface" \
		"$(np $A show)"
	# what show prints loads back to the same objects
	np $A show config > "$tmp/round.policy"
	np $A load "$tmp/round.policy"
	expect_eq "round trip" "$(cat "$tmp/round.policy")" "$(np $A show config)"
	expect_master $A tap-web0 br-front
}

# npmgr show --graph: the whole DOT text for a host with an attached, a
# refused, a pending and an unbound interface, a tagged NIC and a VXLAN
# tunnel with a peer; then rendered by Graphviz's dot, and without dot.
test_show_graph() {
	ip -n $A link add br-front type bridge
	ip -n $A link add br-wide type bridge
	ip -n $A link add eth-t1 type dummy
	ip -n $A link set eth-t1 master br-wide
	ip -n $A link add np-vx type vxlan id 42 dstport 4789 local 10.1.0.1
	bridge -n $A fdb append 00:00:00:00:00:00 dev np-vx dst 10.1.0.7
	ip -n $A link set np-vx master br-wide
	cat > "$tmp/g.policy" <<'POL'
policy open { ALLOW_CROSS_SERVER = true }
policy apart { ISOLATE_FROM = {NAME(bad)} }
network front { bridge = br-front policy = apart }
network back { bridge = br-back }
network wide { bridge = br-wide policy = open }
nic eth-t1 { tags = {uplink} }
vif web { ifname = "tap-web*" network = front vm = web }
vif bad { ifname = tap-bad network = front vm = bad }
vif db { ifname = tap-db network = back }
POL
	np $A load "$tmp/g.policy" > /dev/null || fail "load"
	tap $A tap-web0
	tap $A tap-bad
	tap $A tap-db
	tap $A tap-zz
	wait_state $A tap-bad refused
	expect_eq "npmgr show --graph" 'digraph netpolicy {
	graph [rankdir=LR, labelloc=t, fontname="sans-serif", label="host '"$(hostname)"' (npmgr show --graph)"];
	node [shape=box, fontname="sans-serif", fontsize=10];
	edge [fontname="sans-serif", fontsize=9];
	subgraph "cluster_vm:web" {
		label="VM web";
		style=rounded;
		"port:tap-web0" [label="tap-web0\nVIF web"];
	}
	subgraph "cluster_vm:bad" {
		label="VM bad";
		style=rounded;
		"port:tap-bad" [label="tap-bad\nVIF bad\nrefused", color=red];
	}
	"port:tap-db" [label="tap-db\nVIF db\npending", color=orange];
	"port:tap-zz" [label="tap-zz\nunbound: no VIF object", style=dashed];
	"port:tap-web0" -> "bridge:br-front";
	"port:tap-bad" -> "bridge:br-front" [label="refused: '"$(refusal apart "network front" "ISOLATE_FROM NAME(bad) matches VM 'bad'")"'", style=dashed, color=red, fontcolor=red];
	"port:tap-db" -> "bridge:br-back" [label="pending: bridge does not exist: br-back", style=dashed, color=orange, fontcolor=orange];
	"bridge:br-back" [label="br-back\nnetwork back\nno policy\n(no such bridge yet)", style="rounded,dashed", color=orange];
	"bridge:br-front" [label="br-front\nnetwork front\npolicy apart (no cross-host rule)", style="rounded,bold"];
	"bridge:br-wide" [label="br-wide\nnetwork wide\npolicy open (crosses hosts)", style="rounded,bold"];
	"dev:eth-t1" [label="eth-t1\ndummy, NIC, tags uplink", shape=cds];
	"bridge:br-wide" -> "dev:eth-t1";
	"dev:np-vx" [label="np-vx\nvxlan"];
	"dev:np-vx" -> "peer:10.1.0.7";
	"bridge:br-wide" -> "dev:np-vx";
	"peer:10.1.0.7" [label="peer 10.1.0.7\nunencrypted", shape=box3d];
}' "$(np $A show --graph)"
	np $A show --graph --svg "$tmp/g.svg" || fail "--svg"
	# dot draws every node and edge, under its DOT name
	expect_eq "nodes in the SVG" 10 "$(grep -c 'class="node"' "$tmp/g.svg")"
	expect_eq "edges in the SVG" 6 "$(grep -c 'class="edge"' "$tmp/g.svg")"
	grep -q '<title>port:tap&#45;bad&#45;&gt;bridge:br&#45;front</title>' "$tmp/g.svg" ||
		fail "no refused edge in the SVG"
	expect_eq "without dot" "npmgr: --svg needs Graphviz's dot, which is not installed (apt-get install graphviz); --graph alone prints the DOT text" \
		"$(ip netns exec $A /usr/bin/env PATH=/nonexistent "$NPMGR" show --graph --svg "$tmp/x.svg" 2>&1)"
	[ ! -e "$tmp/x.svg" ] || fail "an SVG without dot"
	expect_eq "--graph with -j" "npmgr: show: --graph draws everything: no -j
Try 'npmgr help'." \
		"$(np $A -j show --graph 2>&1)"
}

test_delete_recreate() {
	ip -n $A link add br-front type bridge
	ip -n $A link add br-back type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	expect_master $A tap-web0 br-front
	np $A del vif web
	expect_master $A tap-web0 none
	[ "$(state_of $A tap-web0)" = unbound ] || fail "not unbound after del"
	# a network still in use cannot go, and the kernel says why
	! np $A del network back 2> "$tmp/err" || fail "deleted a network in use"
	grep -q "kernel says: the object is still named by another object: delete or change that first" "$tmp/err" ||
		fail "no extack message: $(cat "$tmp/err")"
	np $A del network front
	! np $A del network front 2>/dev/null || fail "deleted twice"
	np $A load "$tmp/p.policy"
	expect_master $A tap-web0 br-front
	# the device goes and comes back
	ip -n $A link del tap-web0
	[ -z "$(state_of $A tap-web0)" ] || fail "deleted device still listed"
	tap $A tap-web0
	expect_master $A tap-web0 br-front
	np $A flush
	expect_master $A tap-web0 none
	expect_eq "flush empties config" "" "$(np $A show config)"
}

test_load_all_or_nothing() {
	ip -n $A link add br-front type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	before=$(np $A show)
	# a file with an error loads nothing
	printf 'network extra { bridge = br-x }\nvif bad { ifname = tap-web0 network = nowhere }\n' > "$tmp/bad.policy"
	! np $A load --add "$tmp/bad.policy" 2> "$tmp/err" || fail "bad file loaded"
	grep -q "bad.policy:2:39: error: vif 'bad' names network 'nowhere'" "$tmp/err" ||
		fail "no file:line:col: $(cat "$tmp/err")"
	# --add: a name that is loaded already is an error, nothing is loaded
	printf 'network other { bridge = br-o }\nnetwork front { bridge = br-y }\n' > "$tmp/dup.policy"
	! np $A load --add "$tmp/dup.policy" 2> "$tmp/err" || fail "duplicate loaded"
	grep -q "dup.policy:2:9: error: network 'front' is loaded already" "$tmp/err" ||
		fail "no error: $(cat "$tmp/err")"
	expect_eq "state unchanged after refused loads" "$before" "$(np $A show)"
}

# A directory (the boot service's /etc/netpolicy): its *.policy files in
# name order, all or nothing, each error named by its own file and line.
test_load_directory() {
	local d=$tmp/etc
	mkdir -p "$d"
	ip -n $A link add br-front type bridge
	printf 'policy open { ALLOW_CROSS_SERVER = true }\nnetwork front { bridge = br-front policy = open }\n' > "$d/10-networks.policy"
	printf '# the VMs\n\nvif web {\n    ifname = "tap-web*"\n    network = front\n}\n' > "$d/20-vifs.policy"
	printf 'not a policy file\n' > "$d/README"
	np $A load "$d" > /dev/null || fail "load of a directory"
	tap $A tap-web0
	expect_master $A tap-web0 br-front
	before=$(np $A show)
	# an error in the second file: named with its own line, nothing loaded
	printf 'vif db {\n    ifname = tap-db0\n    network = back\n}\n' > "$d/30-db.policy"
	! np $A load "$d" 2> "$tmp/err" || fail "a directory with a bad file loaded"
	expect_eq "the error's place" "$d/30-db.policy:3:15: error: vif 'db' names network 'back', which is not defined" \
		"$(head -n 1 "$tmp/err")"
	expect_eq "state unchanged" "$before" "$(np $A show)"
	# no policy file at all: said, nothing flushed
	rm "$d"/*.policy
	! np $A load "$d" 2> "$tmp/err" || fail "an empty directory loaded"
	expect_eq "empty" "npmgr: $d: no *.policy file in this directory: nothing to do" "$(cat "$tmp/err")"
	expect_master $A tap-web0 br-front
}

test_moved_by_other_agent() {
	ip -n $A link add br-front type bridge
	ip -n $A link add br-other type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	# a tap's toolstack may not put it on another bridge: refused, said.
	# (The core takes it off br-front before it asks br-other, and a
	# leave cannot be refused: it is left on none, pending, noticed.)
	! ip -n $A link set tap-web0 master br-other 2> "$tmp/err" ||
		fail "a tap moved to a bridge its decision does not name"
	grep -q "netpolicy: the tap's VIF object puts it on another bridge" "$tmp/err" ||
		fail "the veto's words: $(cat "$tmp/err")"
	expect_master $A tap-web0 none
	[ "$(state_of $A tap-web0)" = pending ] || fail "move not noticed"
	# the next load puts it back where the policy says
	np $A load "$tmp/p.policy"
	expect_master $A tap-web0 br-front
	# a script attaching it correctly first is fine (idempotent)
	ip -n $A link set tap-web0 nomaster
	ip -n $A link set tap-web0 master br-front
	[ "$(state_of $A tap-web0)" = attached ] || fail "correct attach not recognised"
}

# The race libvirt's <interface type='bridge'> makes with a reload: its
# enslave of a new tap to the bridge it was told, while a load moves the
# tap's network to the other bridge; then the tap comes up. Whichever
# comes first, in every round the tap ends up attached on the bridge its
# decision names, and never on the other.
test_enslave_races_reload() {
	local i want other got rounds
	rounds=$(scaled 40)
	ip -n $A link add br-a type bridge
	ip -n $A link add br-b type bridge
	ip -n $A link set br-a up
	ip -n $A link set br-b up
	for want in a b; do
		printf 'network n { bridge = br-%s }\nvif t { ifname = "tap-r*" network = n }\n' \
			"$want" > "$tmp/race-$want.policy"
	done
	np $A load "$tmp/race-a.policy" > /dev/null
	: > "$tmp/race-first"
	for i in $(seq "$rounds"); do
		# libvirt enslaves to the bridge the network had; the load moves it
		other=a
		want=b
		if ((i % 2 == 0)); then
			other=b
			want=a
		fi
		ip -n $A tuntap add "tap-r$i" mode tap
		# the enslave later and later in the load's run, round by round
		{ nap "$(printf '0.%03d' $((i % 10 * 25)))"
		  ip -n $A link set "tap-r$i" master "br-$other" 2> /dev/null &&
			echo "$i" >> "$tmp/race-first"; } &
		np $A load "$tmp/race-$want.policy" > /dev/null
		wait $! || :	# a refused enslave is one outcome
		ip -n $A link set "tap-r$i" up
		got=$(ns_master $A "tap-r$i")
		[ "$got" = "br-$want" ] ||
			fail "round $i: tap-r$i on '$got', its decision names br-$want ($(state_of $A "tap-r$i"))"
		[ "$(state_of $A "tap-r$i")" = attached ] ||
			fail "round $i: tap-r$i is $(state_of $A "tap-r$i")"
		ip -n $A link del "tap-r$i"
	done
	# both orders happen (not asserted: it is a race)
	echo "    # the enslave came before the load in $(wc -l < "$tmp/race-first") of $rounds rounds"
}

test_monitor_events() {
	write_policy
	np $A load "$tmp/p.policy"
	np $A monitor > "$tmp/events" 2>&1 &
	mon=$!
	np $A -j monitor > "$tmp/events.json" 2>&1 &
	monj=$!
	monitor_ready $mon
	monitor_ready $monj
	tap $A tap-web0
	ip -n $A link add br-front type bridge
	tap $A tap-x
	tap $A tap-web1
	ip -n $A link del tap-web1
	np $A del vif web
	ip -n $A link del tap-web0
	sleep 1
	kill $mon $monj
	wait $mon $monj 2>/dev/null || true
	expect_eq "JSON event" \
'{"event":"removed","port":{"interface":"tap-web1","ifindex":N,"mac":"MAC","kind":"tap","state":"attached","vif":"web","network":"front","bridge":"br-front","vm":"web","reason_code":"none","policy":null,"reason":null}}' \
		"$(grep '"removed".*tap-web1' "$tmp/events.json" |
			sed 's/"mac":"[0-9a-f:]*"/"mac":"MAC"/; s/"ifindex":[0-9]*/"ifindex":N/')"
	expect_eq "event stream" \
"pending tap-web0 vif=web network=front bridge=br-front: bridge does not exist: br-front
attached tap-web0 vif=web network=front bridge=br-front
unbound tap-x: no VIF object matches the interface
pending tap-web1 vif=web network=front bridge=br-front: waiting for the tap to come up: br-front
attached tap-web1 vif=web network=front bridge=br-front
removed tap-web1 vif=web network=front bridge=br-front
detached tap-web0: no VIF object matches the interface
unbound tap-web0: no VIF object matches the interface
removed tap-web0" "$(cat "$tmp/events")"
}

test_unprivileged_cannot_write() {
	write_policy
	np $A load "$tmp/p.policy"
	before=$(np $A show config)
	chmod 0755 "$tmp"
	chmod 0644 "$tmp/p.policy"
	for cmd in "load $tmp/p.policy" "flush" "del vif web"; do
		# shellcheck disable=SC2086
		! ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all "$NPMGR" $cmd 2> "$tmp/err" ||
			fail "nobody could '$cmd'"
		grep -q "Operation not permitted" "$tmp/err" || fail "$cmd: $(cat "$tmp/err")"
	done
	# reading is an administrator's too: the objects are the VM inventory
	for cmd in "show config" "show interfaces" "monitor"; do
		# shellcheck disable=SC2086
		! ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all timeout 5 "$NPMGR" $cmd > "$tmp/out" 2> "$tmp/err" ||
			fail "nobody could '$cmd'"
		grep -qx "npmgr: this needs CAP_NET_ADMIN in the network namespace" "$tmp/err" ||
			fail "$cmd: $(cat "$tmp/err")"
		[ ! -s "$tmp/out" ] || fail "$cmd printed: $(cat "$tmp/out")"
	done
	expect_eq "nothing changed" "$before" "$(np $A show config)"
	# admin of its own user+network namespace: allowed there, and only there
	# (also on a host whose key agreement sessions live in /run: their
	# directory is root's, and holds none of the container's)
	mkdir -p /run/netpolicy/mka
	chmod 0700 /run/netpolicy/mka
	if ! unshare -U true 2>/dev/null; then
		echo "    (user namespaces unavailable: userns admin case not run)"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			unshare -U -r -n sh -c "ip link add br-front type bridge &&
				'$NPMGR' load '$tmp/p.policy' &&
				ip tuntap add tap-web0 mode tap &&
				ip link set tap-web0 up &&
				ip -o link show tap-web0" > "$tmp/userns" 2>&1 ||
			fail "userns admin: $(cat "$tmp/userns")"
		grep -q "master br-front " "$tmp/userns" || fail "userns: $(cat "$tmp/userns")"
		expect_eq "init-userns netns untouched" "$before" "$(np $A show config)"
		# bounded there: at most max_objects_userns objects, printable
		# names only (they reach the host's log), a refusal changes nothing
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			unshare -U -r -n sh -c "'$NPREQUEST' vms 5000
				'$NPREQUEST' vms 4000
				'$NPREQUEST' vms 97 more
				'$NPREQUEST' vm 'evil\\x0a[ 1.0] netpolicy: forged'
				'$NPREQUEST' vm 'a\\x1b[2Jb'
				'$NPMGR' show config | grep -c '^vm '" > "$tmp/userns" 2>&1
		expect_eq "userns limits" \
"error 28: more objects than this namespace may hold (module parameters max_objects, max_objects_userns)
ok
error 28: more objects than this namespace may hold (module parameters max_objects, max_objects_userns)
error 22: a name may hold printable ASCII characters only
error 22: a name may hold printable ASCII characters only
4000" "$(cat "$tmp/userns")"
	fi
}

# A load in several messages (NETPOLICY_CMD_TXN_*): checked per message,
# published only by the commit, all or nothing; bound to its socket,
# dropped when that socket goes, when a message fails, when idle too long;
# its objects count against the cap while it is open.
test_load_transactions() {
	local long=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	local max timeout wmem out

	expect_eq "misuse" \
"ok
error 16: this socket has a transaction open: commit or abort it first
error 22: a transaction's flags and generation are given when it begins
error 2: no such transaction of this socket (committed, aborted, failed or idle too long)
error 2: no such transaction of this socket (committed, aborted, failed or idle too long)" \
		"$(ip netns exec $A "$NPREQUEST" txn begin begin vms-flags 1 f abort commit-other)"
	# a LOAD the module refuses drops its transaction; one refused
	# before it reads it (validation) leaves the count short
	expect_eq "a refused message fails the commit" \
"ok
ok
error 34: Attribute failed policy validation
error 22: the transaction lacks objects its sender counted: one of its LOADs was refused" \
		"$(ip netns exec $A "$NPREQUEST" txn begin vms 2 q vms 1 "$long" commit)"

	# names are checked across messages at the commit, by text alone
	expect_eq "clash across messages" \
"ok
ok
ok
error 17: a VM object with this name exists" \
		"$(ip netns exec $A "$NPREQUEST" txn begin vms 2 u vms 1 u commit)"
	expect_eq "nothing published" "" "$(np $A show config)"
	expect_eq "commit" "ok
ok
ok
ok" "$(ip netns exec $A "$NPREQUEST" txn begin vms 2 c vms 1 d commit)"
	expect_eq "committed" "vm c0 {
vm c1 {
vm d0 {" "$(np $A show config | grep '^vm ')"

	max=$(cat /sys/module/netpolicy/parameters/max_objects)
	timeout=$(cat /sys/module/netpolicy/parameters/txn_timeout)
	echo 200 > /sys/module/netpolicy/parameters/max_objects
	expect_eq "a failed message drops it" \
"ok
ok
error 28: more objects than this namespace may hold (module parameters max_objects, max_objects_userns)
error 2: no such transaction of this socket (committed, aborted, failed or idle too long)" \
		"$(ip netns exec $A "$NPREQUEST" txn begin vms 2 q vms 300 r commit)"
	mkfifo "$tmp/hold"
	ip netns exec $A "$NPREQUEST" txn begin vms 150 h hold \
		< "$tmp/hold" > "$tmp/held" &
	exec 8> "$tmp/hold"
	for _ in $(seq 100); do grep -q held "$tmp/held" && break; sleep 0.1; done
	expect_eq "held" "ok
ok
held" "$(cat "$tmp/held")"
	expect_eq "open transactions count against the cap" "ok
error 28: more objects than this namespace may hold, counting open transactions (module parameters max_objects, max_objects_userns)" \
		"$(ip netns exec $A "$NPREQUEST" txn begin vms 100 k)"
	exec 8>&-		# the holder reads EOF and exits: its socket goes
	wait
	expect_eq "a dead sender's transaction is gone" "ok
ok
ok" "$(ip netns exec $A "$NPREQUEST" txn begin vms 150 k commit)"
	expect_eq "nothing of it published" 0 "$(np $A show config | grep -c '^vm h')"
	echo 1 > /sys/module/netpolicy/parameters/txn_timeout
	expect_eq "idle too long" "ok
ok
error 2: no such transaction of this socket (committed, aborted, failed or idle too long)" \
		"$(ip netns exec $A "$NPREQUEST" txn begin vms 1 late sleep 3 commit)"
	echo "$timeout" > /sys/module/netpolicy/parameters/txn_timeout
	echo "$max" > /sys/module/netpolicy/parameters/max_objects

	# npmgr without CAP_NET_ADMIN on the host cannot raise its send
	# buffer beyond wmem_max: 3,924 objects need several messages
	if ! unshare -U true 2>/dev/null; then
		echo "    (user namespaces unavailable: npmgr case not run)"
		return 0
	fi
	chmod 0755 "$tmp"
	wmem=$(cat /proc/sys/net/core/wmem_max)
	echo 32768 > /proc/sys/net/core/wmem_max
	awk -v vifs=2600 -v nets=10 -v pols=10 -v change=-1 \
		-f "$top/tools/testing/bench/gen_policy.awk" > "$tmp/mid.policy"
	chmod 0644 "$tmp/mid.policy"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare -U -r -n sh -c "'$NPMGR' load '$tmp/mid.policy' &&
			'$NPMGR' show config | grep -c '^vif ' &&
			'$NPMGR' load --add '$tmp/mid.policy' 2>&1 | tail -n 1" 2>&1)
	echo "$wmem" > /proc/sys/net/core/wmem_max
	# --add of a file whose names do not fit one selecting dump request
	# reads everything instead: all its objects are loaded already
	expect_eq "npmgr in several messages" "2600
npmgr: $tmp/mid.policy: 6524 errors, nothing loaded" "$out"
}

test_netns_isolation() {
	write_policy
	np $A load "$tmp/p.policy"
	ip -n $A link add br-front type bridge
	ip -n $B link add br-front type bridge
	expect_eq "B sees no objects" "" "$(np $B show config)"
	tap $B tap-web0
	expect_master $B tap-web0 none
	tap $A tap-web0
	expect_master $A tap-web0 br-front
	expect_eq "B sees only its own ports" \
"INTERFACE  KIND  STATE    VIF  NETWORK  BRIDGE  REASON
tap-web0   tap   unbound  -    -        -       no VIF object matches the interface" \
		"$(np $B show interfaces)"
	# a device moved to another namespace is judged by that one's objects
	np $B load "$tmp/p.policy"
	tap $A tap-web9
	expect_master $A tap-web9 br-front
	ip -n $A link set tap-web9 netns $B
	# it arrives down (the core closes a device it moves), as a tap
	# container tools move, and joins when set up there
	ip -n $B link set tap-web9 up
	expect_master $B tap-web9 br-front
	[ -z "$(state_of $A tap-web9)" ] || fail "moved device still in A's state"
	# a namespace with ports and objects just goes away
	ip netns del $B
}

test_rmmod_insmod_attached() {
	ip -n $A link add br-front type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	tap $A tap-web1
	np $A monitor > "$tmp/events" 2>&1 &
	mon=$!
	monitor_ready $mon
	rmmod netpolicy || fail "rmmod with attached ports"
	sleep 0.5
	kill $mon 2>/dev/null || true
	wait $mon 2>/dev/null || true
	expect_eq "no events at unload (the devices are still there)" "" \
		"$(grep -v 'monitor: ' "$tmp/events")"
	# (an installed copy would be autoloaded by npmgr: then skip this)
	if ! modinfo netpolicy > /dev/null 2>&1; then
		! np $A show 2> "$tmp/err" || fail "show works without the module"
		expect_eq "module missing" \
			"npmgr: the netpolicy kernel module is not loaded (modprobe netpolicy, or insmod netpolicy.ko)" \
			"$(cat "$tmp/err")"
	fi
	# unloading changes no data path
	expect_master $A tap-web0 br-front
	expect_master $A tap-web1 br-front
	insmod "$KO" reeval_verify=1 || fail "insmod"
	# objects went with the module; ports are seen again as unbound
	expect_eq "no objects after reload" "" "$(np $A show config)"
	[ "$(state_of $A tap-web0)" = unbound ] || fail "not re-seen"
	np $A load "$tmp/p.policy"
	[ "$(state_of $A tap-web0)" = attached ] || fail "not adopted"
	expect_master $A tap-web0 br-front
	# a reload that removes the binding detaches what we attached
	rmmod netpolicy
	insmod "$KO" reeval_verify=1
}

test_race_reload_create_script() {
	# Devices created while loads flip their binding between two bridges
	# and a hotplug-script stand-in attaches them too: the final state must
	# be exactly what the final load says, device by device.
	local taps pairs i
	taps=$(scaled 40)
	pairs=$(scaled 30)
	ip -n $A link add br-a type bridge
	ip -n $A link add br-b type bridge
	printf 'network a { bridge = br-a }\nvif r { ifname = "tap-r*" network = a }\n' > "$tmp/a.policy"
	printf 'network b { bridge = br-b }\nvif r { ifname = "tap-r*" network = b }\n' > "$tmp/b.policy"
	np $A load "$tmp/a.policy" > /dev/null
	(
		for ((i = 0; i < pairs; i++)); do
			np $A load "$tmp/b.policy" > /dev/null
			np $A load "$tmp/a.policy" > /dev/null
		done
	) &
	loader=$!
	(
		for ((i = 0; i < 2 * pairs; i++)); do
			ip -n $A link set "tap-r$((i % taps))" master br-a 2>/dev/null || true
		done
	) &
	script=$!
	for ((i = 0; i < taps; i++)); do
		tap $A "tap-r$i"
	done
	wait $loader
	wait $script
	np $A load "$tmp/b.policy" > /dev/null
	for ((i = 0; i < taps; i++)); do
		expect_master $A "tap-r$i" br-b
	done
	expect_eq "all attached" "$taps" \
		"$(np $A show interfaces | grep -c ' attached  r ')"
}

# A port dump answers from one moment however busy the host is. 100 taps
# churn at the head of the port list (each deletion shifts the rest by one)
# and 200 stay: each of 60 `show`s lists each of those exactly once, and
# npmgr never gives up.
test_dump_consistent_under_churn() {
	local i bad=0 failed=0 dev ipb churn shows
	local -a got
	local -A seen
	for ((i = 0; i < 100; i++)); do echo "tuntap add c$i mode tap"; done |
		ip -n $A -batch -
	for ((i = 0; i < 200; i++)); do echo "tuntap add s$i mode tap"; done |
		ip -n $A -batch -
	# one ip for the whole churn (a process per tap would spend a slow
	# kernel's CPUs on fork and exec rather than on the ports)
	mkfifo "$tmp/churn"
	ip -n $A -force -batch - < "$tmp/churn" > /dev/null 2>&1 &
	ipb=$!
	( while :; do
		for ((i = 0; i < 100; i++)); do
			echo "link del c$i"
			echo "tuntap add c$i mode tap"
		done
	  done ) > "$tmp/churn" 2> /dev/null &
	churn=$!
	shows=$(scaled 60)
	for ((i = 0; i < shows; i++)); do
		np $A -j show interfaces > "$tmp/ports" 2> "$tmp/err" ||
			{ failed=$((failed + 1)); sed 's/^/    /' "$tmp/err"; }
		mapfile -t got < <(grep -o '"interface":"s[0-9]*"' "$tmp/ports")
		seen=()
		for dev in "${got[@]}"; do seen[$dev]=1; done
		[ "${#got[@]}" = 200 ] && [ "${#seen[@]}" = 200 ] || bad=$((bad + 1))
	done
	kill $ipb $churn 2> /dev/null || true
	wait $ipb $churn 2> /dev/null || true
	expect_eq "npmgr failed to read" 0 "$failed"
	expect_eq "dumps missing or repeating a steady port" 0 "$bad"
}

# npmgr reads the five kinds of object in five dumps; a change that lands
# between two of them must not be printed as one set. A policy and a VM
# that names it come and go (added together, deleted VM first), while
# 5,000 networks make the dumps in between long: a `show config` with the
# VM but not its policy mixed two generations.
test_config_dump_one_generation() {
	local i mixed=0 failed=0 flip nets shows
	nets=$(scaled 5000)
	shows=$(scaled 60)
	{
		echo "policy base { ALLOW_CROSS_SERVER = true }"
		for ((i = 0; i < nets; i++)); do
			echo "network n$i { bridge = br$i }"
		done
	} > "$tmp/base.policy"
	printf 'policy fp { ALLOW_CROSS_SERVER = false }\nvm fm { policy = fp }\n' \
		> "$tmp/flip.policy"
	np $A load "$tmp/base.policy" > /dev/null
	( while :; do
		np $A load --add "$tmp/flip.policy" && np $A del vm fm &&
			np $A del policy fp
	  done ) > /dev/null 2>&1 &
	flip=$!
	for ((i = 0; i < shows; i++)); do
		np $A show config > "$tmp/cfg" 2> "$tmp/err" ||
			{ failed=$((failed + 1)); sed 's/^/    /' "$tmp/err"; }
		if grep -q '^vm fm {' "$tmp/cfg" && ! grep -q '^policy fp {' "$tmp/cfg"; then
			mixed=$((mixed + 1))
		fi
	done
	kill $flip 2> /dev/null || true
	wait $flip 2> /dev/null || true
	expect_eq "npmgr failed to read" 0 "$failed"
	expect_eq "shows with a VM whose policy they lack" 0 "$mixed"
	expect_eq "networks in the last show" "$nets" "$(grep -c '^network n' "$tmp/cfg")"
}

test_policy_cross_server() {
	cat > "$tmp/l.policy" <<'POL'
policy local { ALLOW_CROSS_SERVER = false }
network lan { bridge = br-lan policy = local }
vif a { ifname = "tap-a*" network = lan vm = a }
POL
	ip -n $A link add br-lan type bridge
	ip -n $A link add up0 type dummy
	ip -n $A link set up0 master br-lan
	np $A load "$tmp/l.policy" > /dev/null
	tap $A tap-a0
	expect_master $A tap-a0 none
	msg=$(refusal local "network lan" "ALLOW_CROSS_SERVER = false, but bridge br-lan has uplink up0")
	expect_eq "refusal" "refused cross-server local | $msg" "$(port_fields $A tap-a0)"
	dmesg | grep -qF "netpolicy: tap-a0: refused: $msg" || fail "refusal not logged"
	# the uplink leaves: the re-check attaches the interface
	ip -n $A link set up0 nomaster
	wait_master $A tap-a0 br-lan
	# while the network's own policy says local only, no uplink may join
	ip -n $A link set up0 master br-lan 2> "$tmp/err" &&
		fail "an uplink joined a local-only bridge"
	expect_eq "the join is refused" \
		"Error: netpolicy: the bridge carries a local-only network: no uplink may join it." \
		"$(cat "$tmp/err")"
	expect_master $A up0 none
	expect_master $A tap-a0 br-lan
	# a VIF's own policy cannot keep uplinks off a shared bridge: one
	# that joins detaches the VIF (fail closed), reported at once
	sed -i 's/ policy = local }/ }/; s/vm = a }/vm = a policy = local }/' "$tmp/l.policy"
	np $A load "$tmp/l.policy" > /dev/null
	expect_master $A tap-a0 br-lan
	np $A monitor > "$tmp/events" 2>&1 &
	mon=$!
	monitor_ready $mon
	ip -n $A link set up0 master br-lan
	wait_master $A tap-a0 none
	sleep 0.3
	kill $mon; wait $mon 2>/dev/null || true
	msg=$(refusal local "VIF a" "ALLOW_CROSS_SERVER = false, but bridge br-lan has uplink up0")
	expect_eq "events" \
"detached tap-a0 vif=a network=lan bridge=br-lan: $msg
refused tap-a0 vif=a network=lan bridge=br-lan: $msg" "$(cat "$tmp/events")"
	# allowing cross-server traffic by reload attaches it again
	sed -i 's/= false/= true/' "$tmp/l.policy"
	np $A load "$tmp/l.policy" > /dev/null
	expect_master $A tap-a0 br-lan
}
test_policy_physical_ifs() {
	cat > "$tmp/p.policy" <<'POL'
policy tagged { PHYSICAL_IFS_ALLOWED = {TAG(trusted), NAME(d-named)} }
nic d-trusted { tags = {trusted} }
network wan { bridge = br-wan policy = tagged }
vif a { ifname = "tap-a*" network = wan }
POL
	ip -n $A link add br-wan type bridge
	for d in d-trusted d-other d-named; do ip -n $A link add $d type dummy; done
	np $A load "$tmp/p.policy" > /dev/null
	n=0
	check_uplink() { # how-to-create uplink-name want-master [message]
		n=$((n + 1))
		ip -n $A link add $1
		ip -n $A link set "$2" master br-wan
		tap $A "tap-a$n"
		expect_master $A "tap-a$n" "$3"
		[ -z "${4:-}" ] ||
			expect_eq "$2" "refused physical-if tagged | $(refusal tagged "network wan" "$4")" \
				"$(port_fields $A "tap-a$n")"
		ip -n $A link del "tap-a$n"
		ip -n $A link del "$2"
	}
	check_uplink "vx-t type vxlan id 1 dev d-trusted dstport 4789" vx-t br-wan
	check_uplink "link d-trusted name v10 type vlan id 10" v10 br-wan
	check_uplink "vx-n type vxlan id 3 dstport 4789 dev d-named" vx-n br-wan
	check_uplink "vx-o type vxlan id 2 dev d-other dstport 4789" vx-o none \
		"PHYSICAL_IFS_ALLOWED does not allow d-other (the underlay of uplink vx-o of bridge br-wan)"
	check_uplink "vx-u type vxlan id 4 dstport 4789 remote 192.0.2.1" vx-u none \
		"PHYSICAL_IFS_ALLOWED, but uplink vx-u of bridge br-wan has no fixed underlay device"
	check_uplink "gt0 type gretap remote 192.0.2.1 local 192.0.2.2" gt0 none \
		"PHYSICAL_IFS_ALLOWED, but uplink gt0 of bridge br-wan has no fixed underlay device"
	# re-tagging the NIC by reload flips the decision
	ip -n $A link add vx-o type vxlan id 2 dev d-other dstport 4789
	ip -n $A link set vx-o master br-wan
	tap $A tap-a99
	expect_master $A tap-a99 none
	sed -i 's/nic d-trusted/nic d-other/' "$tmp/p.policy"
	np $A load "$tmp/p.policy" > /dev/null
	expect_master $A tap-a99 br-wan
	# an empty set allows no physical interface: it reaches the kernel
	# as an empty array, not as no restriction
	sed -i 's/PHYSICAL_IFS_ALLOWED = {[^}]*}/PHYSICAL_IFS_ALLOWED = {}/' "$tmp/p.policy"
	np $A load "$tmp/p.policy" > /dev/null
	expect_master $A tap-a99 none
	expect_eq "empty set" \
		"refused physical-if tagged | $(refusal tagged "network wan" "PHYSICAL_IFS_ALLOWED does not allow d-other (the underlay of uplink vx-o of bridge br-wan)")" \
		"$(port_fields $A tap-a99)"
	expect_eq "empty set shown" "policy tagged {
	PHYSICAL_IFS_ALLOWED = {}
}" "$(np $A show config | sed -n '/^policy tagged/,/^}/p')"
}

# A VXLAN or VLAN device whose lower device lives in another namespace
# names it by that namespace's ifindex: never judge it by the device that
# has the same index here. Unknown underlay: fail closed.
test_uplink_lower_in_other_netns() {
	cat > "$tmp/n.policy" <<'POL'
policy tagged { PHYSICAL_IFS_ALLOWED = {TAG(trusted)} }
nic good { tags = {trusted} }
network wan { bridge = br-wan policy = tagged }
vif w { ifname = "tap-w*" network = wan }
POL
	# the same ifindex in both: "bad" in $A, "good" (trusted) in $B
	ip -n $A link add bad index 50 type dummy
	ip -n $B link add good index 50 type dummy
	ip -n $B link add br-wan type bridge
	np $B load "$tmp/n.policy" > /dev/null
	# a control: an uplink over "good" itself is allowed
	ip -n $B link add vx-good type vxlan id 6 dev good dstport 4789
	ip -n $B link set vx-good master br-wan
	tap $B tap-w0
	expect_master $B tap-w0 br-wan
	ip -n $B link del vx-good
	n=0
	for how in "vx0 type vxlan id 7 dev bad dstport 4789" \
		   "link bad name v7 type vlan id 7"; do
		n=$((n + 1))
		set -- $how
		up=$1
		[ "$1" = link ] && up=$4
		ip -n $A link add $how
		ip -n $A link set $up netns $B
		ip -n $B link set $up master br-wan
		tap $B tap-w$n
		expect_master $B tap-w$n none
		expect_eq "$up" \
			"refused physical-if tagged | $(refusal tagged "network wan" "PHYSICAL_IFS_ALLOWED, but uplink $up of bridge br-wan has no fixed underlay device")" \
			"$(port_fields $B tap-w$n)"
		ip -n $B link del $up
	done
}

# A tap no VIF object binds (an OpenVPN or tinc TAP, a QEMU socket
# backend) is an uplink whose path nobody knows: fail closed.
test_unbound_tap_is_uplink() {
	cat > "$tmp/u.policy" <<'POL'
policy local { ALLOW_CROSS_SERVER = false }
policy enc { REQUIRE_ENCRYPTION = true }
policy tagged { PHYSICAL_IFS_ALLOWED = {TAG(trusted)} }
nic d0 { tags = {trusted} }
network lan { bridge = br-lan policy = local }
network sec { bridge = br-sec policy = enc }
network wan { bridge = br-wan policy = tagged }
vif a { ifname = "tap-a*" network = lan }
vif s { ifname = "tap-s*" network = sec }
vif w { ifname = "tap-w*" network = wan }
POL
	for b in br-lan br-sec br-wan; do ip -n $A link add $b type bridge; done
	tap $A vpn-lan
	tap $A vpn-sec
	tap $A vpn-wan
	ip -n $A link set vpn-lan master br-lan
	ip -n $A link set vpn-sec master br-sec
	ip -n $A link set vpn-wan master br-wan
	np $A load "$tmp/u.policy" > /dev/null
	tap $A tap-a0
	tap $A tap-s0
	tap $A tap-w0
	expect_master $A tap-a0 none
	expect_master $A tap-s0 none
	expect_master $A tap-w0 none
	expect_eq "local only" \
		"refused cross-server local | $(refusal local "network lan" "ALLOW_CROSS_SERVER = false, but bridge br-lan has uplink vpn-lan")" \
		"$(port_fields $A tap-a0)"
	expect_eq "encryption" \
		"refused not-encrypted enc | $(refusal enc "network sec" "REQUIRE_ENCRYPTION = true, but uplink vpn-sec of bridge br-sec is not encrypted")" \
		"$(port_fields $A tap-s0)"
	expect_eq "physical interfaces" \
		"refused physical-if tagged | $(refusal tagged "network wan" "PHYSICAL_IFS_ALLOWED, but uplink vpn-wan of bridge br-wan has no fixed underlay device")" \
		"$(port_fields $A tap-w0)"
	# the unbound taps leave: the VMs attach
	ip -n $A link set vpn-lan nomaster
	ip -n $A link set vpn-sec nomaster
	wait_master $A tap-a0 br-lan
	wait_master $A tap-s0 br-sec
	# and may not join a local-only bridge again
	ip -n $A link set vpn-lan master br-lan 2> "$tmp/err" &&
		fail "an unbound tap joined a local-only bridge"
	expect_eq "the join is refused" \
		"Error: netpolicy: the bridge carries a local-only network: no uplink may join it." \
		"$(cat "$tmp/err")"
	# one that joins an encrypted network's bridge detaches its VMs
	ip -n $A link set vpn-sec master br-sec
	wait_master $A tap-s0 none
}

# A refused port on a master that cannot release it (an Open vSwitch
# datapath's device, named after the datapath, has no ndo_del_slave) is
# "stuck", never "refused".
test_refused_on_ovs_is_stuck() {
	cat > "$tmp/o.policy" <<'POL'
policy iso { ISOLATE_FROM = {NAME(bad)} }
network n { bridge = br-n policy = iso }
vif b { ifname = "tap-b*" network = n vm = bad }
POL
	ip -n $A link add br-n type bridge
	tap $A tap-b0
	# a refused tap is never let onto a master: put it on the datapath
	# while no VIF object binds it, then load the policy that refuses it
	ip netns exec $A "$OVSDP" add-dp dp0 || fail "ovsdp add-dp"
	ip netns exec $A "$OVSDP" add-if dp0 tap-b0 || fail "ovsdp add-if"
	np $A load "$tmp/o.policy" > /dev/null
	wait_state $A tap-b0 stuck
	expect_master $A tap-b0 dp0
	msg="refused, but still a port of dp0, which cannot release it: $(refusal iso "network n" "ISOLATE_FROM NAME(bad) matches VM 'bad'")"
	expect_eq "stuck" "stuck isolated iso | $msg" "$(port_fields $A tap-b0)"
	dmesg | grep -qF "netpolicy: tap-b0: $msg" || fail "not logged"
	ip netns exec $A "$OVSDP" del-dp dp0
	wait_state $A tap-b0 refused
}

test_policy_encryption() {
	cat > "$tmp/e.policy" <<'POL'
policy enc { REQUIRE_ENCRYPTION = true ENCRYPTION_ALGORITHM = gcm-aes-256 }
network sec { bridge = br-sec policy = enc }
vif a { ifname = "tap-a*" network = sec }
POL
	ip -n $A link add br-sec type bridge
	ip -n $A link add d0 type dummy
	ip -n $A link add d1 type dummy
	np $A load "$tmp/e.policy" > /dev/null
	# no uplink: the traffic never leaves the host
	tap $A tap-a0
	expect_master $A tap-a0 br-sec
	ip -n $A link set d0 master br-sec
	wait_master $A tap-a0 none
	expect_eq "plain uplink" \
		"refused not-encrypted enc | $(refusal enc "network sec" "REQUIRE_ENCRYPTION = true, but uplink d0 of bridge br-sec is not encrypted")" \
		"$(port_fields $A tap-a0)"
	ip -n $A link set d0 nomaster
	# MACsec that only authenticates (the default) is not encryption
	ip -n $A link add link d1 ms0 type macsec
	ip -n $A link set ms0 up
	ip -n $A link set ms0 master br-sec
	sleep 0.5
	expect_master $A tap-a0 none
	expect_eq "integrity only" \
		"refused not-encrypted enc | $(refusal enc "network sec" "REQUIRE_ENCRYPTION = true, but uplink ms0 of bridge br-sec is not encrypted")" \
		"$(port_fields $A tap-a0)"
	# encrypting, protected against replay, but not with ENCRYPTION_ALGORITHM
	ip -n $A link set ms0 type macsec encrypt on replay on window 0
	sleep 0.5
	expect_master $A tap-a0 none
	expect_eq "another cipher" \
		"refused not-encrypted enc | $(refusal enc "network sec" "ENCRYPTION_ALGORITHM = gcm-aes-256, but uplink ms0 of bridge br-sec uses gcm-aes-128")" \
		"$(port_fields $A tap-a0)"
	ip -n $A link del ms0
	ip -n $A link add link d1 ms0 type macsec encrypt on cipher gcm-aes-256
	# (up: the core announces the changes of a device that is down only
	# when it comes up)
	ip -n $A link set ms0 up
	# encrypting with the cipher, but a captured frame could be replayed
	ip -n $A link set ms0 master br-sec
	sleep 0.5
	expect_master $A tap-a0 none
	expect_eq "replay protection off" \
		"refused not-encrypted enc | $(refusal enc "network sec" "REQUIRE_ENCRYPTION = true, but uplink ms0 of bridge br-sec accepts replayed frames (MACsec replay protection off, or a window above 0)")" \
		"$(port_fields $A tap-a0)"
	# a window accepts a replay of any of the last frames it covers
	ip -n $A link set ms0 type macsec replay on window 32
	sleep 0.5
	expect_master $A tap-a0 none
	# a MACsec uplink, and a VXLAN tunnel over MACsec, are encrypted
	ip -n $A link set ms0 type macsec replay on window 0
	wait_master $A tap-a0 br-sec
	# a downgrade detaches in the same call, before one more frame: the
	# next command of the same ip(8) process sees the VM off the bridge
	# (pinned to one CPU at real-time priority, so no deferred work can
	# run between the two)
	taskset -c 0 chrt -f 99 ip -n $A -o -batch - > "$tmp/batch" <<'IP'
link set ms0 type macsec encrypt off
link show tap-a0
IP
	! grep -q "master br-sec" "$tmp/batch" ||
		fail "still on br-sec right after the downgrade: $(cat "$tmp/batch")"
	ip -n $A link set ms0 type macsec encrypt on
	wait_master $A tap-a0 br-sec
	ip -n $A link set ms0 nomaster
	ip -n $A link add vx0 type vxlan id 7 dev ms0 dstport 4789
	ip -n $A link set vx0 master br-sec
	tap $A tap-a1
	expect_master $A tap-a1 br-sec
	expect_master $A tap-a0 br-sec
}
isolate_policy() { # shady-tags web-tags bad-vm-name
	cat > "$tmp/i.policy" <<POL
policy secure { ISOLATE_FROM = {NAME(my_insecure_vm), TAG(untrusted)} }
network front { bridge = br-front policy = secure }
network guest { bridge = br-front }
vm $3 { }
vm web { tags = {$2} }
vm shady { tags = {$1} }
vif bad { ifname = tap-bad network = front vm = $3 }
vif web { ifname = tap-web network = front vm = web }
vif shady { ifname = tap-shady network = front vm = shady }
vif visitor { ifname = tap-vis network = guest vm = my_insecure_vm }
POL
}

test_policy_isolate() {
	ip -n $A link add br-front type bridge
	isolate_policy untrusted prod my_insecure_vm
	np $A load "$tmp/i.policy" > /dev/null 2>&1 || fail "load: $(np $A load "$tmp/i.policy" 2>&1)"
	for t in tap-bad tap-shady tap-web tap-vis; do tap $A $t; done
	expect_master $A tap-web br-front
	expect_master $A tap-bad none
	expect_master $A tap-shady none
	expect_master $A tap-vis none
	expect_eq "by NAME" "refused isolated secure | $(refusal secure "network front" "ISOLATE_FROM NAME(my_insecure_vm) matches VM 'my_insecure_vm'")" \
		"$(port_fields $A tap-bad)"
	expect_eq "by TAG" "refused isolated secure | $(refusal secure "network front" "ISOLATE_FROM TAG(untrusted) matches VM 'shady'")" \
		"$(port_fields $A tap-shady)"
	expect_eq "another network on the same bridge" \
		"refused isolated-peer secure | $(refusal secure "network front" "ISOLATE_FROM NAME(my_insecure_vm) of interface tap-web on bridge br-front matches this VM 'my_insecure_vm'")" \
		"$(port_fields $A tap-vis)"
	# a toolstack attaching a refused tap is refused, with the reason
	# in the kernel log
	! ip -n $A link set tap-bad master br-front 2> "$tmp/err" ||
		fail "a refused tap was let onto br-front"
	grep -q "netpolicy: the tap is refused by policy" "$tmp/err" ||
		fail "the veto's words: $(cat "$tmp/err")"
	dmesg | grep -q "tap-bad: may not join br-front: refused: " ||
		fail "no reason logged: $(dmesg | tail -n 3)"
	expect_master $A tap-bad none
	[ "$(port_fields $A tap-bad | cut -d' ' -f1-2)" = "refused isolated" ] ||
		fail "tap-bad: $(port_fields $A tap-bad)"
	# the visitor's VM stops; then VMs are re-tagged and renamed: the
	# decisions flip at reload, and flip back
	ip -n $A link del tap-vis
	isolate_policy '' untrusted fixed_vm
	np $A load "$tmp/i.policy" > /dev/null
	expect_master $A tap-shady br-front
	expect_master $A tap-bad br-front
	expect_master $A tap-web none
	[ "$(port_fields $A tap-web | cut -d' ' -f1-2)" = "refused isolated" ] || fail "web not refused"
	isolate_policy untrusted prod my_insecure_vm
	np $A load "$tmp/i.policy" > /dev/null
	expect_master $A tap-shady none
	expect_master $A tap-bad none
	expect_master $A tap-web br-front
	# a reload that makes two attached interfaces isolated refuses the newer
	sed -i 's/ISOLATE_FROM = .* }/}/' "$tmp/i.policy"
	np $A load "$tmp/i.policy" > /dev/null
	tap $A tap-vis
	expect_master $A tap-vis br-front
	isolate_policy untrusted prod my_insecure_vm
	np $A load "$tmp/i.policy" > /dev/null
	expect_master $A tap-web br-front
	expect_master $A tap-vis none
	expect_eq "peer on the bridge" \
		"refused isolated-peer secure | $(refusal secure "network front" "ISOLATE_FROM NAME(my_insecure_vm) of interface tap-web on bridge br-front matches this VM 'my_insecure_vm'")" \
		"$(port_fields $A tap-vis)"
}

test_policy_host() {
	cat > "$tmp/h.policy" <<'POL'
policy pinned { RESTRICT_TO_HOST = hv1 }
network n { bridge = br-n policy = pinned }
vif a { ifname = "tap-a*" network = n }
POL
	ip -n $A link add br-n type bridge
	np $A load --host hv2 "$tmp/h.policy" > /dev/null
	tap $A tap-a0
	expect_master $A tap-a0 none
	expect_eq "other host" "refused wrong-host pinned | $(refusal pinned "network n" "RESTRICT_TO_HOST hv1, but this host is hv2")" \
		"$(port_fields $A tap-a0)"
	np $A load --host hv1 "$tmp/h.policy" > /dev/null
	expect_master $A tap-a0 br-n
	# local only: an uplink may not join its bridge
	ip -n $A link add d0 type dummy
	ip -n $A link set d0 master br-n 2> /dev/null && fail "d0 joined br-n"
	expect_master $A tap-a0 br-n
	# one that was there before the policy refuses it
	np $A del vif a
	np $A del network n
	ip -n $A link set d0 master br-n
	np $A load --host hv1 "$tmp/h.policy" > /dev/null
	expect_master $A tap-a0 none
	expect_eq "local only" "refused cross-server pinned | $(refusal pinned "network n" "RESTRICT_TO_HOST hv1 (local only), but bridge br-n has uplink d0")" \
		"$(port_fields $A tap-a0)"
}

# load --add reads of what is loaded only what its file names (GET_*
# dumps that select): every check against the loaded objects must still
# see them, the policies of a loaded network and VM included
test_add_reads_what_it_names() {
	cat > "$tmp/base.policy" <<'POL'
policy wide { ALLOW_CROSS_SERVER = true }
policy narrow { ALLOW_CROSS_SERVER = false }
network front { bridge = br-front policy = wide }
vm db { policy = narrow }
vm web { }
vif web0 { ifname = tap-web0 network = front vm = web }
vif web1 { mac = 02:00:00:00:00:01 network = front vm = web }
vif any { ifname = "tap-x*" network = front }
POL
	np $A load "$tmp/base.policy" > /dev/null

	expect_eq "select by name, MAC and exact name: sorted, each once" \
"web0
web1
generation 1" \
		"$(ip netns exec $A "$NPREQUEST" get vif name=web1 mac=02:00:00:00:00:01 ifname=tap-web0 name=nosuch)"
	expect_eq "a glob is not an exact name" "generation 1" \
		"$(ip netns exec $A "$NPREQUEST" get vif ifname=tap-x*)"
	expect_eq "policies" "narrow
generation 1" "$(ip netns exec $A "$NPREQUEST" get policy name=narrow name=none)"
	expect_eq "nothing selected is the empty kind" "generation 1" \
		"$(ip netns exec $A "$NPREQUEST" get net name=back)"
	expect_eq "a key that does not select" \
		"error 22: Unsupported attribute" \
		"$(ip netns exec $A "$NPREQUEST" get net bridge=br-front)"
	# by reference: what points to the object named
	expect_eq "the VIFs of a network" "any
web0
web1
generation 1" "$(ip netns exec $A "$NPREQUEST" get vif network=front network=nosuch)"
	expect_eq "the VIFs of a VM" "web0
web1
generation 1" "$(ip netns exec $A "$NPREQUEST" get vif vm=web name=web0)"
	expect_eq "no VIF names a policy of its own" "generation 1" \
		"$(ip netns exec $A "$NPREQUEST" get vif policy=wide)"
	expect_eq "the networks of a policy" "front
generation 1" "$(ip netns exec $A "$NPREQUEST" get net policy=wide policy=narrow)"
	expect_eq "the VMs of a policy" "db
generation 1" "$(ip netns exec $A "$NPREQUEST" get vm policy=narrow)"

	# every check of --add against the loaded objects, each refused
	cat > "$tmp/add.policy" <<'POL'
vif web2 { ifname = tap-web2 network = front vm = db }
vif web3 { mac = 02:00:00:00:00:01 network = front }
vif web4 { ifname = tap-web0 network = front }
vm web { }
vif web5 { ifname = tap-web5 network = back }
POL
	! np $A load --add "$tmp/add.policy" 2> "$tmp/err" || fail "bad --add loaded"
	expect_eq "refused with every reason" \
"$tmp/add.policy:1:5: error: vif 'web2': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'wide' (network front) but false in policy 'narrow' (VM db)
$tmp/add.policy:2:18: error: vif 'web3' has the same MAC address as vif 'web1'
$tmp/add.policy:3:21: error: vif 'web4' has the same interface name as vif 'web0'
$tmp/add.policy:4:4: error: vm 'web' is loaded already (load without --add replaces what is loaded)
$tmp/add.policy:5:40: error: vif 'web5' names network 'back', which is not defined
npmgr: $tmp/add.policy: 5 errors, nothing loaded" "$(grep -v '^ ' "$tmp/err")"
	printf 'vif web6 { ifname = tap-web6 network = front vm = web }\n' > "$tmp/ok.policy"
	np $A load --add "$tmp/ok.policy" > /dev/null
	expect_eq "a good --add loads" "web0
web1
web6
generation 2" "$(ip netns exec $A "$NPREQUEST" get vif name=web0 name=web1 name=web6)"
}

# load --update: the file's objects replace the loaded ones of their
# name, the others stay; the kernel re-points what named the old ones
# (a network's VIFs move with it), and npmgr checks what the changes
# govern, the loaded VIFs of a changed policy, network or VM included
test_update_replaces_by_name() {
	ip -n $A link add br-front type bridge
	ip -n $A link add br-back type bridge
	cat > "$tmp/base.policy" <<'POL'
policy wide { ALLOW_CROSS_SERVER = true }
policy narrow { }
policy cross { ALLOW_CROSS_SERVER = true }
network front { bridge = br-front policy = wide }
network back { bridge = br-back }
vm db { policy = narrow }
vif d0 { ifname = tap-d0 network = front vm = db }
vif w0 { ifname = tap-w0 network = front policy = cross }
vif b0 { ifname = tap-b0 network = back }
POL
	np $A load "$tmp/base.policy" > /dev/null
	for t in tap-d0 tap-w0 tap-b0; do tap $A $t; done
	expect_master $A tap-d0 br-front
	expect_master $A tap-b0 br-back
	np $A show config > "$tmp/before"

	# contradictions the change would leave in loaded VIFs: refused
	cat > "$tmp/u1.policy" <<'POL'
policy narrow { ALLOW_CROSS_SERVER = false }
policy cross { ALLOW_CROSS_SERVER = false }
POL
	! np $A load --update "$tmp/u1.policy" 2> "$tmp/err" || fail "contradiction loaded"
	expect_eq "each loaded VIF the change governs, at the change" \
"$tmp/u1.policy:1:8: error: vif 'd0': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'wide' (network front) but false in policy 'narrow' (VM db)
$tmp/u1.policy:2:8: error: vif 'w0': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'wide' (network front) but false in policy 'cross' (VIF w0)
npmgr: $tmp/u1.policy: 2 errors, nothing loaded" "$(grep -v '^ ' "$tmp/err")"
	printf 'network back { bridge = br-back policy = nosuch }\n' > "$tmp/u2.policy"
	! np $A load --update "$tmp/u2.policy" 2> "$tmp/err" || fail "dangling loaded"
	expect_eq "a reference is checked" \
"$tmp/u2.policy:1:42: error: network 'back' names policy 'nosuch', which is not defined
npmgr: $tmp/u2.policy: 1 error, nothing loaded" "$(grep -v '^ ' "$tmp/err")"
	expect_eq "refused updates change nothing" "$(cat "$tmp/before")" \
		"$(np $A show config)"
	expect_eq "--add and --update" 2 \
		"$(np $A load --add --update "$tmp/u2.policy" 2> /dev/null; echo $?)"

	# a network moved to another bridge, a policy added: only its ports
	# (newest first, as every load re-evaluates them)
	np $A monitor > "$tmp/events" 2>&1 &
	mon=$!
	monitor_ready $mon
	cat > "$tmp/u3.policy" <<'POL'
policy local { ALLOW_CROSS_SERVER = false }
network front { bridge = br-back policy = wide }
POL
	np $A load --update "$tmp/u3.policy" > /dev/null
	expect_master $A tap-d0 br-back
	expect_master $A tap-w0 br-back
	expect_master $A tap-b0 br-back
	sleep 0.5
	kill $mon; wait $mon 2> /dev/null || true
	expect_eq "the ports of the changed network, and no other" \
"detached tap-w0 vif=w0 network=front bridge=br-back
attached tap-w0 vif=w0 network=front bridge=br-back
detached tap-d0 vif=d0 network=front bridge=br-back
attached tap-d0 vif=d0 network=front bridge=br-back" "$(grep -v 'monitor: ' "$tmp/events")"
	expect_eq "the rest as it was" \
"$(sed -e 's/bridge = br-front/bridge = br-back/' "$tmp/before" |
   awk '/^policy narrow/ { print "policy local {\n\tALLOW_CROSS_SERVER = false\n}\n" } { print }')" \
		"$(np $A show config)"
	expect_eq "one more generation" "generation 2" \
		"$(ip netns exec $A "$NPREQUEST" get policy name=none)"
}

# A change re-evaluates only the ports it can affect (np_ports_reconcile()):
# the ports of the changed objects, and the ports whose decision reads
# them. Here the change is of a VM whose tap is the older of two on one
# bridge: the newer tap's ISOLATE_FROM now matches it, so the newer one
# must be refused (as a full re-evaluation, newest first, decides),
# although nothing it is bound to changed; a tap on another bridge is
# not touched. Run with reeval_verify (run_all.sh): every port the change
# skipped is evaluated after it, and a change there is a WARN.
test_update_reevaluates_neighbours() {
	local why
	ip -n $A link add br-front type bridge
	ip -n $A link add br-back type bridge
	cat > "$tmp/base.policy" <<'POL'
policy careful { ISOLATE_FROM = {TAG(suspect)} }
network front { bridge = br-front }
network back { bridge = br-back policy = careful }
vm old { tags = {fine} }
vm new { policy = careful }
vm other { tags = {fine} }
vif o0 { ifname = tap-o0 network = front vm = old }
vif n0 { ifname = tap-n0 network = front vm = new }
vif x0 { ifname = tap-x0 network = back vm = other }
POL
	np $A load "$tmp/base.policy" > /dev/null
	for t in tap-o0 tap-n0 tap-x0; do tap $A $t; done
	expect_master $A tap-o0 br-front
	expect_master $A tap-n0 br-front
	expect_master $A tap-x0 br-back

	np $A monitor > "$tmp/events" 2>&1 &
	mon=$!
	monitor_ready $mon
	printf 'vm old { tags = {suspect} }\n' > "$tmp/u.policy"
	np $A load --update "$tmp/u.policy" > /dev/null
	expect_master $A tap-o0 br-front
	expect_master $A tap-n0 none
	expect_master $A tap-x0 br-back
	expect_eq "the newer port, refused for its neighbour" \
		"refused isolated-peer careful | $(refusal careful "VM new" "ISOLATE_FROM TAG(suspect) matches VM 'old' of interface tap-o0 on bridge br-front")" \
		"$(port_fields $A tap-n0)"
	# and back: the neighbour's change lets it join again
	printf 'vm old { tags = {fine} }\n' > "$tmp/u.policy"
	np $A load --update "$tmp/u.policy" > /dev/null
	expect_master $A tap-n0 br-front
	sleep 0.5
	kill $mon; wait $mon 2> /dev/null || true
	why="$(refusal careful "VM new" "ISOLATE_FROM TAG(suspect) matches VM 'old' of interface tap-o0 on bridge br-front")"
	expect_eq "events of the newer port only" \
"detached tap-n0 vif=n0 network=front bridge=br-front: $why
refused tap-n0 vif=n0 network=front bridge=br-front: $why
attached tap-n0 vif=n0 network=front bridge=br-front" \
		"$(grep -v 'monitor: ' "$tmp/events")"
	expect_eq "no port the change skipped changed" "" \
		"$(dmesg | grep 'the change did not re-evaluate it' || true)"
}

# The configuration generation: moved by every change of the
# configuration's objects (load, del, flush), by nothing else; a load
# against a generation it does not find changes nothing
test_config_generation() {
	local g
	g=$(ip netns exec $A "$NPREQUEST" config-gen)
	[ "$g" -ge 0 ] || fail "no configuration generation: $g"
	expect_eq "a load at the generation" ok \
		"$(ip netns exec $A "$NPREQUEST" vm a "$g")"
	expect_eq "a load at a generation gone" \
		"error 116: the configuration changed since it was read (NETPOLICY_A_CONFIG_GEN)" \
		"$(ip netns exec $A "$NPREQUEST" vm b "$g")"
	expect_eq "nothing changed" "a
generation 1" "$(ip netns exec $A "$NPREQUEST" get vm)"
	expect_eq "one load, one step" $((g + 1)) "$(ip netns exec $A "$NPREQUEST" config-gen)"
	printf 'network n { bridge = br0 }\n' > "$tmp/n.policy"
	np $A load --add "$tmp/n.policy" > /dev/null
	np $A del vm a
	np $A flush
	expect_eq "--add, del, flush: a step each" $((g + 4)) \
		"$(ip netns exec $A "$NPREQUEST" config-gen)"
	expect_eq "a namespace of its own" 1 \
		"$(ip netns exec $B "$NPREQUEST" config-gen | grep -c -v "^$g$")"
}

# What npmgr load prints on a terminal (its summary line): how it loaded
load_tty() { # ns file
	ip netns exec "$1" script -qec "$NPMGR load '$2'" /dev/null | tr -d '\r'
}

# npmgr load of a file loaded before sends only what changed, when that
# gives exactly what a full load gives; anything else takes the full load
test_reload_sends_only_what_changed() {
	ip -n $A link add br-front type bridge
	ip -n $A link add br-back type bridge
	gen() { # ISOLATE_FROM of policy secure, more blocks
		echo "# the front end"
		echo "policy secure { ISOLATE_FROM = {$1} }"
		echo "policy open { }"
		echo "network front { bridge = br-front policy = secure }"
		echo "network back { bridge = br-back policy = open }"
		echo "vm web { tags = {prod} }"
		echo "vm bad { tags = {untrusted} }"
		echo "vif web0 { ifname = tap-web0 network = front vm = web }"
		echo "vif bad0 { ifname = tap-bad0 network = front vm = bad }"
		shift
		for b in "$@"; do echo "$b"; done
	}
	gen "NAME(nobody)" > "$tmp/f.policy"
	expect_eq "a first load is full" \
		"loaded 2 policies, 2 networks, 2 vms, 2 vifs, 0 nics from $tmp/f.policy (host $(hostname))" \
		"$(load_tty $A "$tmp/f.policy")"
	tap $A tap-web0
	tap $A tap-bad0
	expect_master $A tap-bad0 br-front
	expect_eq "the same file again: nothing to send" \
		"loaded the changes to $tmp/f.policy: 0 policies, 0 networks, 0 vms, 0 vifs, 0 nics replaced or added (host $(hostname))" \
		"$(load_tty $A "$tmp/f.policy")"

	# one policy changed: only its block goes, and it takes effect
	gen "TAG(untrusted)" > "$tmp/g.policy"
	mv "$tmp/g.policy" "$tmp/f.policy"
	expect_eq "one policy changed" \
		"loaded the changes to $tmp/f.policy: 1 policy, 0 networks, 0 vms, 0 vifs, 0 nics replaced or added (host $(hostname))" \
		"$(load_tty $A "$tmp/f.policy")"
	expect_master $A tap-bad0 none
	expect_master $A tap-web0 br-front
	# a block added at the end, one changed in the middle
	gen "TAG(untrusted)" "vif web1 { ifname = tap-web1 network = back vm = web }" |
		sed 's/network back { bridge = br-back policy = open }/network back { bridge = br-front policy = open }/' \
		> "$tmp/f.policy"
	expect_eq "two blocks apart: what lies between goes too" \
		"loaded the changes to $tmp/f.policy: 0 policies, 1 network, 2 vms, 3 vifs, 0 nics replaced or added (host $(hostname))" \
		"$(load_tty $A "$tmp/f.policy")"
	expect_eq "as a full load has it" "$(np $A show config | md5sum)" \
		"$(ip netns exec $B "$NPMGR" load "$tmp/f.policy" > /dev/null &&
		   np $B show config | md5sum)"

	# what a reload cannot prove: a removed block, another writer
	gen "TAG(untrusted)" > "$tmp/f.policy"
	expect_eq "a block removed: the full load" \
		"loaded 2 policies, 2 networks, 2 vms, 2 vifs, 0 nics from $tmp/f.policy (host $(hostname))" \
		"$(load_tty $A "$tmp/f.policy")"
	expect_eq "the vif is gone" "" "$(np $A show config | grep web1)"
	printf 'nic eth9 { tags = {x} }\n' > "$tmp/nic.policy"
	np $A load --update "$tmp/nic.policy" > /dev/null
	expect_eq "another writer came in between: the full load" \
		"loaded 2 policies, 2 networks, 2 vms, 2 vifs, 0 nics from $tmp/f.policy (host $(hostname))" \
		"$(load_tty $A "$tmp/f.policy")"
	expect_eq "the nic is gone" "" "$(np $A show config | grep eth9)"

	# a problem in a changed block is the full load's to report
	gen "TAG(untrusted)" "vif web0 { ifname = tap-web9 network = front }" > "$tmp/f.policy"
	! np $A load "$tmp/f.policy" 2> "$tmp/err" || fail "a name twice loaded"
	expect_eq "reported with its line" \
		"$tmp/f.policy:10:5: error: vif 'web0' is defined twice (first at line 8)
npmgr: $tmp/f.policy: 1 error, nothing loaded" "$(grep -v '^ ' "$tmp/err")"
	gen "TAG(untrusted)" "vif web2 { ifname = tap-web2 network = nowhere }" > "$tmp/f.policy"
	! np $A load "$tmp/f.policy" 2> "$tmp/err" || fail "a dangling name loaded"
	expect_eq "reported with its line" \
		"$tmp/f.policy:10:40: error: vif 'web2' names network 'nowhere', which is not defined
npmgr: $tmp/f.policy: 1 error, nothing loaded" "$(grep -v '^ ' "$tmp/err")"
}

# A reload keeps what it changed, not the whole text again: a patch of
# the text the last full load kept, while the patch is small next to it,
# else a new base. A patch that is not sound gives the full load.
test_reload_keeps_a_patch() {
	local dir=/run/netpolicy/loaded base ino h
	h=$(hostname)
	gen() { # p0's ISOLATE_FROM, the last VIF's network
		awk -v iso="$1" -v net="$2" 'BEGIN {
			print "policy p0 { ISOLATE_FROM = {" iso "} }"
			print "network n0 { bridge = b0 policy = p0 }"
			print "network n1 { bridge = b1 }"
			for (i = 0; i < 199; i++) print "vif v" i " { ifname = t" i " network = n0 }"
			print "vif v199 { ifname = t199 network = " net " }" }' > "$tmp/f.policy"
	}
	rm -f "$dir"/loaded-*	# other cases' namespaces': gone
	gen "NAME(a)" n0
	expect_eq "a first load" \
		"loaded 1 policy, 2 networks, 0 vms, 200 vifs, 0 nics from $tmp/f.policy (host $h)" \
		"$(load_tty $A "$tmp/f.policy")"
	base=$(ls "$dir"/loaded-*)
	ino=$(stat -c %i "$base")
	gen "NAME(b)" n0
	expect_eq "the first block changed" \
		"loaded the changes to $tmp/f.policy: 1 policy, 0 networks, 0 vms, 0 vifs, 0 nics replaced or added (host $h)" \
		"$(load_tty $A "$tmp/f.policy")"
	expect_eq "the base, kept" "$ino" "$(stat -c %i "$base")"
	[ "$(stat -c %s "$base.patch")" -lt 200 ] || fail "patch: $(stat -c %s "$base.patch") bytes"
	expect_eq "the same text again (the base and its patch)" \
		"loaded the changes to $tmp/f.policy: 0 policies, 0 networks, 0 vms, 0 vifs, 0 nics replaced or added (host $h)" \
		"$(load_tty $A "$tmp/f.policy")"
	# the last block too: the patch would span the text, a new base
	gen "NAME(b)" n1
	expect_eq "the last block changed" \
		"loaded the changes to $tmp/f.policy: 0 policies, 0 networks, 0 vms, 1 vif, 0 nics replaced or added (host $h)" \
		"$(load_tty $A "$tmp/f.policy")"
	[ "$(stat -c %i "$base")" != "$ino" ] || fail "the base was not written again"
	[ ! -e "$base.patch" ] || fail "a patch of no base: $(ls -l "$base.patch")"
	gen "NAME(c)" n1
	expect_eq "a patch of the new base" \
		"loaded the changes to $tmp/f.policy: 1 policy, 0 networks, 0 vms, 0 vifs, 0 nics replaced or added (host $h)" \
		"$(load_tty $A "$tmp/f.policy")"
	# the range it replaces, past the base's end: no kept text is trusted
	printf '\377' | dd of="$base.patch" bs=1 seek=31 conv=notrunc status=none
	gen "NAME(d)" n1
	expect_eq "a patch out of its base: the full load" \
		"loaded 1 policy, 2 networks, 0 vms, 200 vifs, 0 nics from $tmp/f.policy (host $h)" \
		"$(load_tty $A "$tmp/f.policy")"
	[ ! -e "$base.patch" ] || fail "the bad patch stayed"
	np $A show config | grep -q "ISOLATE_FROM = {NAME(d)}" ||
		fail "p0: $(np $A show config | head -n 3)"
}

# Random edits of a file, each loaded again (sending only what changed
# where it can) in one namespace and loaded in full in another: both
# always hold the same objects
test_reload_random_edits() {
	local round seed=${NP_SEED:-$RANDOM} incremental=0 patched=0
	echo "    seed $seed (NP_SEED=$seed reruns it)"
	awk -v seed="$seed" -v dir="$tmp" 'BEGIN {
		srand(seed)
		for (i = 0; i < 6; i++) pol[i] = "policy p" i " { }"
		for (i = 0; i < 4; i++) net[i] = "network n" i " { bridge = b" i " policy = p" i " }"
		for (i = 0; i < 8; i++) vif[i] = "vif v" i " { ifname = t" i " network = n" (i % 4) (i % 2 ? " vm = m" (i % 3) : "") " }"
		for (i = 0; i < 3; i++) nic[i] = "nic e" i " { tags = {x} }"
		for (r = 0; r < 40; r++) {
			k = int(rand() * 6)
			i = int(rand() * 6)
			if (k == 0) pol[i] = "policy p" i " { ALLOW_CROSS_SERVER = " (rand() < 0.5 ? "true" : "false") " }"
			else if (k == 1) pol[i] = "policy p" i " { ISOLATE_FROM = {TAG(t" int(rand() * 3) ")} }"
			else if (k == 2) net[i % 4] = "network n" (i % 4) " { bridge = b" int(rand() * 9) " policy = p" int(rand() * 6) " }"
			else if (k == 3) vif[i] = (rand() < 0.3) ? "" : "vif v" i " { ifname = t" i " network = n" int(rand() * 4) (rand() < 0.5 ? " vm = m" int(rand() * 3) : "") " }"
			else if (k == 4) { j = 6 + int(rand() * 2); vif[j] = "# round " r "\nvif v" j " { mac = 02:00:00:00:00:0" j " network = n1 }" }
			else nic[i % 3] = (rand() < 0.4) ? "" : "nic e" (i % 3) " { tags = {x" int(rand() * 3) "} }"
			file = dir "/round" r ".policy"
			for (j = 0; j < 6; j++) print pol[j] > file
			for (j = 0; j < 3; j++) if (nic[j] != "") print nic[j] > file
			for (j = 0; j < 4; j++) print net[j] > file
			# what never changes: a reload keeps a patch of
			# its base while the patch is small next to it
			for (j = 0; j < 120; j++) print "vif f" j " { ifname = f" j " network = n0 }" > file
			for (j = 0; j < 8; j++) if (vif[j] != "") print vif[j] > file
			close(file)
		}
	}' </dev/null
	for round in $(seq 0 39); do
		mv "$tmp/round$round.policy" "$tmp/r.policy"
		out=$(load_tty $A "$tmp/r.policy")
		case $out in
		"loaded the changes to"*) incremental=$((incremental + 1)) ;;
		"loaded "*) ;;
		*) fail "round $round: $out" ;;
		esac
		# (only $A's: $B's loads follow a flush, all in full)
		ls /run/netpolicy/loaded/*.patch > /dev/null 2>&1 && patched=$((patched + 1))
		np $B flush
		np $B load "$tmp/r.policy" > /dev/null
		expect_eq "round $round" "$(np $B show config)" "$(np $A show config)"
	done
	echo "    $incremental of 40 reloads sent only what changed; $patched left a patch of the kept text"
	[ "$incremental" -ge 15 ] || fail "only $incremental reloads were incremental"
	[ "$patched" -ge 5 ] || fail "only $patched reloads kept a patch"
}

# The kernel's own bound on a policy's selectors (npmgr's parser has the
# same): the most each set may hold arrive whole, one more is refused with
# the reason, and a refused load changes nothing.
test_selectors_at_the_limit() {
	local max=64 sets

	expect_eq "$max and $max" ok \
		"$(ip netns exec $A "$NPREQUEST" policy wide $max $max)"
	sets=$(awk -v n=$max 'BEGIN {
		printf "policy wide {\n\tPHYSICAL_IFS_ALLOWED = {"
		for (i = 1; i <= n; i++) printf "%sTAG(t%d)", (i > 1 ? ", " : ""), i
		printf "}\n\tISOLATE_FROM = {"
		for (i = 1; i <= n; i++) printf "%sNAME(v%d)", (i > 1 ? ", " : ""), i
		print "}\n}" }')
	expect_eq "every selector, in order" "$sets" "$(np $A show config)"
	expect_eq "one physical too many" "error 7: too many selectors" \
		"$(ip netns exec $A "$NPREQUEST" policy big $((max + 1)) 0)"
	expect_eq "one isolated too many" "error 7: too many selectors" \
		"$(ip netns exec $A "$NPREQUEST" policy big $max $((max + 1)))"
	expect_eq "nothing changed" "$sets" "$(np $A show config)"
	expect_eq "one set" ok \
		"$(ip netns exec $A "$NPREQUEST" policy small 0 1)"
	expect_eq "one set, shown" "policy small {
	ISOLATE_FROM = {NAME(v1)}
}" "$(np $A show config | sed -n '/^policy small/,/^}/p')"
}

test_add_and_delete_kinds() {
	ip -n $A link add br-front type bridge
	cat > "$tmp/base.policy" <<'POL'
policy secure { ISOLATE_FROM = {TAG(untrusted)} }
network front { bridge = br-front policy = secure }
nic eth9 { tags = {x} }
POL
	cat > "$tmp/more.policy" <<'POL'
vm web { tags = {prod} policy = secure }
vif web { ifname = tap-web network = front vm = web }
POL
	np $A load "$tmp/base.policy" > /dev/null
	# --add may refer to what is loaded
	np $A load --add "$tmp/more.policy" > /dev/null
	tap $A tap-web
	expect_master $A tap-web br-front
	! np $A load --add "$tmp/base.policy" 2> "$tmp/err" || fail "loaded twice"
	grep -q "base.policy:1:8: error: policy 'secure' is loaded already" "$tmp/err" ||
		fail "$(cat "$tmp/err")"
	# what is still named by another object cannot go, whatever its kind
	for o in "policy secure" "vm web" "network front"; do
		# shellcheck disable=SC2086
		! np $A del $o 2> "$tmp/err" || fail "deleted $o in use"
		grep -q "kernel says: the object is still named by another object" "$tmp/err" ||
			fail "$o: $(cat "$tmp/err")"
	done
	! np $A del vm nosuch 2> "$tmp/err" || fail "deleted nothing"
	grep -q "kernel says: no such object" "$tmp/err" || fail "$(cat "$tmp/err")"
	np $A del nic eth9
	np $A del vif web
	expect_master $A tap-web none
	np $A del vm web
	np $A del network front
	np $A del policy secure
	expect_eq "all gone" "# loaded for host $(hostname)" "$(np $A show config)"
}

test_contradiction_loads_nothing() {
	ip -n $A link add br-front type bridge
	write_policy
	np $A load "$tmp/p.policy" > /dev/null
	before=$(np $A show config)
	cat > "$tmp/c.policy" <<'POL'
policy span { ALLOW_CROSS_SERVER = true }
policy local { ALLOW_CROSS_SERVER = false }
network n { bridge = br0 policy = span }
vif v { ifname = tap0 network = n policy = local }
POL
	! np $A load "$tmp/c.policy" 2> "$tmp/err" || fail "contradiction loaded"
	expect_eq "error" \
"$tmp/c.policy:4:5: error: vif 'v': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'span' (network n) but false in policy 'local' (VIF v)
  vif v { ifname = tap0 network = n policy = local }
      ^
npmgr: $tmp/c.policy: 1 error, nothing loaded" "$(cat "$tmp/err")"
	expect_eq "unchanged" "$before" "$(np $A show config)"
}

# npmgr predict (NETPOLICY_CMD_PREDICT): what the kernel would decide
# for a tap that is to come (libvirt's hook asks at "prepare"), equal to
# what it decides when the tap comes; no side effect (no event, no
# device); by a name, by the guest's MAC alone, never by a name that a
# device has already; not by an unprivileged user.
test_predict() {
	local rc out what
	ip -n $A link add br-front type bridge
	isolate_policy untrusted prod my_insecure_vm
	cat >> "$tmp/i.policy" <<'POL'
network nowhere { bridge = br-none }
vif far { ifname = tap-far network = nowhere }
vif g9 { mac = 52:54:00:aa:00:09 network = front vm = web }
vif named { mac = 52:54:00:aa:00:0a ifname = "tap-n*" network = front }
POL
	np $A load "$tmp/i.policy" > /dev/null || fail "load: $(np $A load "$tmp/i.policy" 2>&1)"
	np $A monitor > "$tmp/events" 2>&1 &
	mon=$!
	monitor_ready $mon
	predicted() { # args...: "EXIT OUTPUT"
		rc=0
		out=$(np $A predict "$@" 2>&1) || rc=$?
		echo "$rc $out"
	}
	expect_eq "tap-web" "0 tap tap-web: would be attached to br-front (vif web, network front)" \
		"$(predicted --name tap-web)"
	expect_eq "tap-shady" "3 tap tap-shady: would be refused (vif shady, network front): $(refusal secure "network front" "ISOLATE_FROM TAG(untrusted) matches VM 'shady'")" \
		"$(predicted --name tap-shady)"
	expect_eq "tap-far" "3 tap tap-far: would wait (vif far, network nowhere): bridge does not exist: br-none" \
		"$(predicted --name tap-far)"
	expect_eq "by the guest's MAC" "0 tap (not named yet), guest MAC 52:54:00:aa:00:09: would be attached to br-front (vif g9, network front)" \
		"$(predicted --mac 52:54:00:aa:00:09)"
	# a VIF object that also wants a name: no prediction without it
	expect_eq "by MAC, a name wanted" "0 tap (not named yet), guest MAC 52:54:00:aa:00:0a: not netpolicy's: no VIF object matches the interface" \
		"$(predicted --mac 52:54:00:aa:00:0a)"
	expect_eq "nobody's" "0 tap vnet7: not netpolicy's: no VIF object matches the interface" \
		"$(predicted --name vnet7)"
	# no side effect: no event, no device
	sleep 1
	kill $mon
	wait $mon 2> /dev/null || :
	expect_eq "events of six predictions" "" "$(cat "$tmp/events")"
	expect_eq "taps made by predictions" "" "$(ip -n $A -o link show type tun)"
	# each prediction is what the kernel decides for the real tap
	for what in web shady far; do
		tap $A tap-$what
	done
	expect_master $A tap-web br-front
	expect_master $A tap-shady none
	expect_eq "tap-shady decided" "refused isolated secure | $(refusal secure "network front" "ISOLATE_FROM TAG(untrusted) matches VM 'shady'")" \
		"$(port_fields $A tap-shady)"
	expect_eq "tap-far decided" pending "$(state_of $A tap-far)"
	# a peer's isolation, from the live bridge: the visitor's VM is
	# isolated from web's, which is on br-front now
	expect_eq "tap-vis" "3 tap tap-vis: would be refused (vif visitor, network guest): $(refusal secure "network front" "ISOLATE_FROM NAME(my_insecure_vm) of interface tap-web on bridge br-front matches this VM 'my_insecure_vm'")" \
		"$(predicted --name tap-vis)"
	tap $A tap-vis
	expect_eq "tap-vis decided" "refused isolated-peer secure | $(refusal secure "network front" "ISOLATE_FROM NAME(my_insecure_vm) of interface tap-web on bridge br-front matches this VM 'my_insecure_vm'")" \
		"$(port_fields $A tap-vis)"
	# a device that exists is GET_PORT's: no prediction
	expect_eq "an existing name" "1 npmgr: predict: File exists
npmgr: kernel says: a device of that name exists: its state is in GET_PORT" \
		"$(predicted --name tap-shady)"
	expect_eq "no name, no MAC" "2 npmgr: usage: npmgr predict [--name IFNAME] [--mac GUEST_MAC] (one of them at least)" \
		"$(predicted | head -n 1)"
	# an administrator's question: not an unprivileged user's
	! ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$NPMGR" predict --name tap-web 2> "$tmp/err" > /dev/null ||
		fail "nobody could predict"
	grep -qx "npmgr: this needs CAP_NET_ADMIN in the network namespace" "$tmp/err" ||
		fail "nobody's predict: $(cat "$tmp/err")"
}

# br-front, the isolation policies loaded, tap-web and tap-shady made
web_and_shady() {
	ip -n $A link add br-front type bridge
	isolate_policy untrusted prod my_insecure_vm
	np $A load "$tmp/i.policy" > /dev/null
	tap $A tap-web
	tap $A tap-shady
}

# GET_PORT selecting one port by its device's name (what npmgr's waits
# for a decision read, in the libvirt hook and xen-hotplug): that port
# only, of this namespace only; nothing for a device that is no port or
# for a selection without a name; of two selections, the last
test_port_dump_selects_one() {
	web_and_shady
	expect_master $A tap-web br-front
	expect_eq "every port" "tap-web
tap-shady" "$(ip netns exec $A "$NPREQUEST" get port)"
	expect_eq "one port" tap-shady \
		"$(ip netns exec $A "$NPREQUEST" get port ifname=tap-shady)"
	expect_eq "a bridge is no port" "" \
		"$(ip netns exec $A "$NPREQUEST" get port ifname=br-front)"
	expect_eq "no such device" "" \
		"$(ip netns exec $A "$NPREQUEST" get port ifname=nosuch)"
	expect_eq "another namespace's" "" \
		"$(ip netns exec $B "$NPREQUEST" get port ifname=tap-web)"
	expect_eq "two selections: the last" tap-shady \
		"$(ip netns exec $A "$NPREQUEST" get port ifname=tap-web ifname=tap-shady)"
	expect_eq "a selection without the name" "" \
		"$(ip netns exec $A "$NPREQUEST" get port none=)"
	expect_eq "a name too long for a device" "error 34: Attribute failed policy validation" \
		"$(ip netns exec $A "$NPREQUEST" get port ifname=abcdefghijklmnopq)"
	# the port's state as the full dump has it
	expect_eq "tap-shady's state" "refused isolated secure | $(refusal secure "network front" "ISOLATE_FROM TAG(untrusted) matches VM 'shady'")" \
		"$(port_fields $A tap-shady)"
}

test_explain() {
	web_and_shady
	expect_eq "explain a refusal" \
"interface tap-shady (tap, ifindex N)
  vif object  shady (matched by name tap-shady)
  network     front, bridge br-front
  vm          shady (tags untrusted)
  policies    secure (network front)
  checks
    1. ISOLATE_FROM does not match this VM                     FAILED
    2. RESTRICT_TO_HOST names this host                        not set
    3. local only: the bridge has no uplink                    not set
    4. PHYSICAL_IFS_ALLOWED allows every uplink's NIC          not set
    5. REQUIRE_ENCRYPTION: every uplink is encrypted           not set
    6. ISOLATE_FROM: no isolated VM on the bridge, either way  not reached
    7. realized: the network's tunnel is on the bridge         not set
  result      refused (isolated): $(refusal secure "network front" "ISOLATE_FROM TAG(untrusted) matches VM 'shady'")" \
		"$(np $A explain tap-shady | sed 's/ifindex [0-9]*/ifindex N/')"
	expect_eq "explain an attached VM by name" \
"interface tap-web (tap, ifindex N)
  vif object  web (matched by name tap-web)
  network     front, bridge br-front
  vm          web (tags prod)
  policies    secure (network front)
  checks
    1. ISOLATE_FROM does not match this VM                     passed
    2. RESTRICT_TO_HOST names this host                        not set
    3. local only: the bridge has no uplink                    not set
    4. PHYSICAL_IFS_ALLOWED allows every uplink's NIC          not set
    5. REQUIRE_ENCRYPTION: every uplink is encrypted           not set
    6. ISOLATE_FROM: no isolated VM on the bridge, either way  passed
    7. realized: the network's tunnel is on the bridge         not set
  result      attached (none)" "$(np $A explain web | sed 's/ifindex [0-9]*/ifindex N/')"
	! np $A explain nothing-here 2> "$tmp/err" || fail "explained nothing"
	expect_eq "unknown name" "npmgr: explain: no interface, VM or VIF object named 'nothing-here'" \
		"$(cat "$tmp/err")"
}

test_reload_no_flap() {
	# 20 attached interfaces; a reload that re-tags one VM touches only it
	ip -n $A link add br-front type bridge
	gen() { # tag of VM one
		echo "policy secure { ISOLATE_FROM = {TAG(untrusted)} }"
		echo "network front { bridge = br-front policy = secure }"
		echo "vm one { tags = {$1} }"
		echo "vif many { ifname = \"tap-m*\" network = front vm = many }"
		echo "vif one { ifname = tap-one network = front vm = one }"
	}
	gen ok > "$tmp/a.policy"
	gen untrusted > "$tmp/b.policy"
	np $A load "$tmp/a.policy" > /dev/null
	for i in $(seq 0 19); do tap $A "tap-m$i"; done
	tap $A tap-one
	expect_master $A tap-one br-front
	# the core announces a tap's carrier (none) up to a second after it
	# comes up (linkwatch): those are not flaps, so they go first
	poll_eq 21 sh -c "ip -n $A -o link show | grep -E ': tap-(m[0-9]+|one):' | grep -c 'state DOWN'" ||
		fail "the taps' carrier never settled: $(ip -n $A -o link show | grep tap- | head -n 3)"
	np $A monitor > "$tmp/events" 2>&1 &
	mon=$!
	ip -n $A monitor link > "$tmp/links" 2>&1 &
	ipmon=$!
	monitor_ready $mon
	sleep 0.5
	np $A load "$tmp/b.policy" > /dev/null
	np $A load "$tmp/b.policy" > /dev/null	# the same again: nothing at all
	sleep 0.5
	kill $mon $ipmon; wait $mon $ipmon 2>/dev/null || true
	msg=$(refusal secure "network front" "ISOLATE_FROM TAG(untrusted) matches VM 'one'")
	expect_eq "only tap-one's events" \
"detached tap-one vif=one network=front bridge=br-front: $msg
refused tap-one vif=one network=front bridge=br-front: $msg" "$(cat "$tmp/events")"
	! grep -q "tap-m" "$tmp/links" || fail "unchanged ports flapped: $(grep tap-m "$tmp/links" | head -3)"
	for i in $(seq 0 19); do expect_master $A "tap-m$i" br-front; done
	expect_master $A tap-one none
}

test_policy_storm() {
	# Devices appear while policy reloads flip which VMs are isolated; the
	# final state must be what the final load says, device by device.
	local vms pairs
	vms=$(scaled 40)
	pairs=$(scaled 15)
	ip -n $A link add br-front type bridge
	gen() { # tag of odd VMs
		echo "policy secure { ISOLATE_FROM = {TAG(untrusted)} }"
		echo "network front { bridge = br-front policy = secure }"
		for ((i = 0; i < vms; i++)); do
			[ $((i % 2)) = 1 ] && t=$1 || t=fine
			echo "vm s$i { tags = {$t} }"
			echo "vif s$i { ifname = tap-s$i network = front vm = s$i }"
		done
	}
	gen untrusted > "$tmp/a.policy"
	gen fine > "$tmp/b.policy"
	np $A load "$tmp/a.policy" > /dev/null
	(
		for ((i = 0; i < pairs; i++)); do
			np $A load "$tmp/b.policy" > /dev/null
			np $A load "$tmp/a.policy" > /dev/null
		done
	) &
	loader=$!
	for ((i = 0; i < vms; i++)); do tap $A "tap-s$i"; done
	wait $loader
	for ((i = 0; i < vms; i++)); do
		if [ $((i % 2)) = 1 ]; then
			expect_master $A "tap-s$i" none
			[ "$(port_fields $A "tap-s$i" | cut -d' ' -f1-2)" = "refused isolated" ] ||
				fail "tap-s$i: $(port_fields $A "tap-s$i")"
		else
			expect_master $A "tap-s$i" br-front
		fi
	done
}

# ---------------------------------------------------------------------------

if [ "$(id -u)" != 0 ]; then echo "SKIP: must be root"; exit 4; fi
[ -x "$NPMGR" ] || { echo "SKIP: $NPMGR not built"; exit 4; }
lsmod | grep -q '^netpolicy ' || { echo "SKIP: netpolicy.ko not loaded"; exit 4; }

setup() { setup_ns; }
run_cases "${NP_SUITE:-netpolicy}" "$@"
