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
NPMGR=${NPMGR:-$top/userspace/npmgr}
KO=${NETPOLICY_KO:-$top/kernel/netpolicy.ko}
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
master_of() {
	local l
	l=$(ip netns exec "$1" readlink "/sys/class/net/$2/master" 2>/dev/null) &&
		basename "$l" || echo none
}
tap() { ip -n "$1" tuntap add "$2" mode tap; }

fail() { echo "    FAIL: $*"; exit 1; }
expect_master() { # ns dev want
	local got
	got=$(master_of "$1" "$2")
	[ "$got" = "$3" ] || fail "$2: master is '$got', want '$3'"
}
expect_eq() { # desc want got
	[ "$2" = "$3" ] && return 0
	echo "    FAIL: $1"
	diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/    /'
	exit 1
}
state_of() { # ns dev -> "state vif reason..."
	np "$1" -j show interfaces | tr '{' '\n' |
		grep "\"interface\":\"$2\"" | sed 's/.*"state":"\([a-z]*\)".*/\1/'
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

test_bridge_after_tap() {
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-batch0
	expect_master $A tap-batch0 none
	[ "$(state_of $A tap-batch0)" = pending ] || fail "not pending"
	ip -n $A link add br-back type bridge
	expect_master $A tap-batch0 br-back
	# the bridge goes away and comes back: pending, then attached again
	ip -n $A link del br-back
	[ "$(state_of $A tap-batch0)" = pending ] || fail "not pending after bridge deletion"
	ip -n $A link add br-back type bridge
	expect_master $A tap-batch0 br-back
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
	# the kernel refuses a name that exists (--add), atomically
	printf 'network other { bridge = br-o }\nnetwork front { bridge = br-y }\n' > "$tmp/dup.policy"
	! np $A load --add "$tmp/dup.policy" 2> "$tmp/err" || fail "duplicate loaded"
	grep -q "kernel says: a network object with this name exists" "$tmp/err" ||
		fail "no extack: $(cat "$tmp/err")"
	expect_eq "state unchanged after refused loads" "$before" "$(np $A show)"
}

test_moved_by_other_agent() {
	ip -n $A link add br-front type bridge
	ip -n $A link add br-other type bridge
	write_policy
	np $A load "$tmp/p.policy"
	tap $A tap-web0
	ip -n $A link set tap-web0 master br-other
	[ "$(state_of $A tap-web0)" = pending ] || fail "move not noticed"
	# the next load puts it back where the policy says
	np $A load "$tmp/p.policy"
	expect_master $A tap-web0 br-front
	# a script attaching it correctly first is fine (idempotent)
	ip -n $A link set tap-web0 nomaster
	ip -n $A link set tap-web0 master br-front
	[ "$(state_of $A tap-web0)" = attached ] || fail "correct attach not recognised"
}

test_monitor_events() {
	write_policy
	np $A load "$tmp/p.policy"
	np $A monitor > "$tmp/events" 2>&1 &
	mon=$!
	np $A -j monitor > "$tmp/events.json" 2>&1 &
	monj=$!
	sleep 1
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
'{"event":"removed","port":{"interface":"tap-web1","ifindex":5,"mac":"MAC","kind":"tap","state":"attached","vif":"web","network":"front","bridge":"br-front","vm":"web","reason_code":"none","policy":null,"reason":null}}' \
		"$(grep '"removed".*tap-web1' "$tmp/events.json" | sed 's/"mac":"[0-9a-f:]*"/"mac":"MAC"/')"
	expect_eq "event stream" \
"pending tap-web0 vif=web network=front bridge=br-front: bridge does not exist: br-front
attached tap-web0 vif=web network=front bridge=br-front
unbound tap-x: no VIF object matches the interface
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
	# reading is allowed
	ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NPMGR" show config > /dev/null || fail "nobody cannot read"
	expect_eq "nothing changed" "$before" "$(np $A show config)"
	# admin of its own user+network namespace: allowed there, and only there
	if ! unshare -U true 2>/dev/null; then
		echo "    (user namespaces unavailable: userns admin case not run)"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			unshare -U -r -n sh -c "ip link add br-front type bridge &&
				'$NPMGR' load '$tmp/p.policy' &&
				ip tuntap add tap-web0 mode tap &&
				ip -o link show tap-web0" > "$tmp/userns" 2>&1 ||
			fail "userns admin: $(cat "$tmp/userns")"
		grep -q "master br-front " "$tmp/userns" || fail "userns: $(cat "$tmp/userns")"
		expect_eq "init-userns netns untouched" "$before" "$(np $A show config)"
	fi
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
	sleep 1
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
	insmod "$KO" || fail "insmod"
	# objects went with the module; ports are seen again as unbound
	expect_eq "no objects after reload" "" "$(np $A show config)"
	[ "$(state_of $A tap-web0)" = unbound ] || fail "not re-seen"
	np $A load "$tmp/p.policy"
	[ "$(state_of $A tap-web0)" = attached ] || fail "not adopted"
	expect_master $A tap-web0 br-front
	# a reload that removes the binding detaches what we attached
	rmmod netpolicy
	insmod "$KO"
}

test_race_reload_create_script() {
	# Devices created while loads flip their binding between two bridges
	# and a hotplug-script stand-in attaches them too: the final state must
	# be exactly what the final load says, device by device.
	ip -n $A link add br-a type bridge
	ip -n $A link add br-b type bridge
	printf 'network a { bridge = br-a }\nvif r { ifname = "tap-r*" network = a }\n' > "$tmp/a.policy"
	printf 'network b { bridge = br-b }\nvif r { ifname = "tap-r*" network = b }\n' > "$tmp/b.policy"
	np $A load "$tmp/a.policy" > /dev/null
	(
		for i in $(seq 1 30); do
			np $A load "$tmp/b.policy" > /dev/null
			np $A load "$tmp/a.policy" > /dev/null
		done
	) &
	loader=$!
	(
		for i in $(seq 1 60); do
			ip -n $A link set "tap-r$((i % 40))" master br-a 2>/dev/null || true
		done
	) &
	script=$!
	for i in $(seq 0 39); do
		tap $A "tap-r$i"
	done
	wait $loader
	wait $script
	np $A load "$tmp/b.policy" > /dev/null
	for i in $(seq 0 39); do
		expect_master $A "tap-r$i" br-b
	done
	expect_eq "all attached" "40" \
		"$(np $A show interfaces | grep -c ' attached  r ')"
}

# ---------------------------------------------------------------------------

all_tests=$(declare -F | awk '$3 ~ /^test_/ { sub("test_", "", $3); print $3 }')
[ $# -gt 0 ] && all_tests="$*"

if [ "$(id -u)" != 0 ]; then echo "SKIP: must be root"; exit 4; fi
[ -x "$NPMGR" ] || { echo "SKIP: $NPMGR not built"; exit 4; }
lsmod | grep -q '^netpolicy ' || { echo "SKIP: netpolicy.ko not loaded"; exit 4; }

bad_log='WARNING:|BUG:|Oops|oops:|general protection|unregister_netdevice: waiting|refcount_t:|KASAN|UBSAN|lockdep|possible circular locking|suspicious RCU usage|leak'
pass=0
failn=0
n=0
for t in $all_tests; do
	n=$((n + 1))
	dmesg -c > /dev/null
	setup_ns
	( set -e; "test_$t" )
	rc=$?
	cleanup
	# kernel log must be clean after each test
	if dmesg | grep -E "$bad_log" > "$tmp/dmesg"; then
		echo "    FAIL: kernel log:"
		sed 's/^/    /' "$tmp/dmesg"
		rc=1
	fi
	if [ $rc = 0 ]; then
		echo "ok $n $t"
		pass=$((pass + 1))
	else
		echo "not ok $n $t"
		failn=$((failn + 1))
	fi
done
echo "netpolicy selftests: $pass passed, $failn failed"
[ $failn = 0 ]
