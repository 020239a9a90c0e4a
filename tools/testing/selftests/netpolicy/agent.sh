#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The pool's agents: a three-member etcd cluster (etcd-server, started
# here) and three hosts, network namespaces hA, hB and hC, each running
# `npmgr agent` (hC only in the cases about a host joining), each with an
# underlay port on a switch and a management port on another, where etcd
# listens:
#
#   hA eth1 10.1.0.1 --+                 hA mgmt 10.99.0.1 --+
#   hB eth1 10.1.0.2 --+-- br-ul         hB mgmt 10.99.0.2 --+-- br-mgmt
#   hC eth1 10.1.0.3 --+   (underlay)    hC mgmt 10.99.0.3 --+   10.99.0.254:
#                                              etcd members on 2379, 2479, 2579
#
# The pool's objects are put by `npmgr pool apply`; no host loads a file.
# Checks that the agents build the cross-host network between them, an
# encrypted one too, take a third host that joins with no command on the
# others, follow a change, drop a peer whose agent dies (after its lease's
# TTL) and take it back when it returns, take an agent's restart without a
# change anywhere, keep enforcing while cut off from etcd and
# resynchronise when healed, and keep their last good load when the store
# holds a bad value.
# Usage: agent.sh [TEST...]   (default: all)
set -u

top=$(cd "$(dirname "$0")/../../../.." && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/twohosts.sh"
NPMGR=${NPMGR:-$top/userspace/npmgr}
TAPVM=${TAPVM:-$here/tapvm}
ETCD=http://10.99.0.254:2379,http://10.99.0.254:2479,http://10.99.0.254:2579
TTL=6
HOSTS="hA hB hC"
tmp=$(mktemp -d)
KEYS=$tmp/keys

# Member i of the cluster (client port 2279 + 100 i, peers 2280 + 100 i),
# started, or started again from its data.
etcd_member() { # i
	local i=$1 j cl=""
	for j in 1 2 3; do
		cl+="${cl:+,}e$j=http://10.99.0.254:$((2280 + j * 100))"
	done
	# elections paced for a loaded TCG guest (etcd's defaults: 100 ms, 1 s)
	etcd --name "e$i" --data-dir "$tmp/etcd$i" \
		--listen-client-urls "http://10.99.0.254:$((2279 + i * 100))" \
		--advertise-client-urls "http://10.99.0.254:$((2279 + i * 100))" \
		--listen-peer-urls "http://10.99.0.254:$((2280 + i * 100))" \
		--initial-advertise-peer-urls "http://10.99.0.254:$((2280 + i * 100))" \
		--initial-cluster "$cl" --heartbeat-interval 250 --election-timeout 2500 \
		>> "$tmp/etcd$i.log" 2>&1 &
	echo $! > "$tmp/etcd$i.pid"
	disown $!
}

# Once a suite: the two switches and the etcd cluster (three members take
# seconds to elect a leader in a loaded guest: not every case).
pool_up() {
	local i m end
	# etcd's gateway dials etcd at its own address: through lo
	ip link set lo up
	for m in br-ul br-mgmt; do
		ip link add $m type bridge
		ip link set $m up
	done
	ip addr add 10.99.0.254/24 dev br-mgmt
	mkdir -p -m 700 "$KEYS"
	(umask 077; "$NPMGR" genkey > "$KEYS/sec.cak")
	for i in 1 2 3; do
		etcd_member $i
	done
	end=$((SECONDS + 90))	# three members under TCG: a deadline
	while ((SECONDS < end)); do
		"$NPMGR" pool --etcd "$ETCD" show > /dev/null 2>&1 && return 0
		nap 0.2
	done
	fail "etcd did not start: $(tail -n 3 "$tmp/etcd1.log")"
}

pool_down() {
	local n
	for n in "$tmp"/etcd*.pid; do
		[ -e "$n" ] || continue
		kill "$(cat "$n")" 2> /dev/null
		for _ in $(seq 50); do	# not our jobs: poll
			kill -0 "$(cat "$n")" 2> /dev/null || break
			nap 0.1
		done
	done
	ip link del br-mgmt 2> /dev/null
	ip link del br-ul 2> /dev/null
}

# Each case: the hosts, and an empty store (no key, no lease of a case
# before: a killed agent's liveness must not outlive its case).
setup() {
	local i=0 h l
	[ -e "$tmp/etcd1.pid" ] || pool_up
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD" del --prefix "" > /dev/null ||
		fail "etcd: cannot empty the store"
	for l in $(ETCDCTL_API=3 etcdctl --endpoints "$ETCD" lease list | grep -x '[0-9a-f]*'); do
		ETCDCTL_API=3 etcdctl --endpoints "$ETCD" lease revoke "$l" > /dev/null
	done
	for h in $HOSTS; do
		i=$((i + 1))
		ip netns add $h
		ip -n $h link set lo up
		ip link add "ul-$h" type veth peer name eth1 netns $h
		ip link add "mg-$h" type veth peer name mgmt netns $h
		ip link set "ul-$h" master br-ul up
		ip link set "mg-$h" master br-mgmt up
		ip -n $h addr add "10.1.0.$i/24" dev eth1
		ip -n $h addr add "10.99.0.$i/24" dev mgmt
		ip -n $h link set eth1 up
		ip -n $h link set mgmt up
		printf 'host %s { address = 10.1.0.%d }\nnic eth1 { tags = {testdev_network1} }\n' \
			$h $i > "$tmp/$h.spec"
	done
}

# A case that timed out: what each agent said last, and the etcd members'.
on_timeout() {
	local f
	for f in "$tmp"/agent-*.log "$tmp"/etcd[123].log; do
		[ -e "$f" ] || continue
		echo "    ${f##*/}:"
		tail -n 6 "$f" | cut -c1-240 | sed 's/^/      /'
	done
}

cleanup() {
	local n j
	for n in "$tmp"/agent-*.pid; do
		[ -e "$n" ] && kill "$(cat "$n")" 2> /dev/null
	done
	# the suite's own jobs (never a bare wait: the etcd members, disowned,
	# live on)
	j=$(jobs -p)
	# shellcheck disable=SC2086 # one word a job
	[ -z "$j" ] || { kill $j 2> /dev/null; wait $j 2> /dev/null; }
	rm -f "$tmp"/agent-*.pid "$tmp"/agent-*.log /run/netpolicy/agent/h[ABC].*
	# shellcheck disable=SC2086 # one word a host
	sessions_stop $HOSTS
	for n in vA1 vB1 vA2 vB2 vC2 vW $HOSTS; do
		ip netns del $n 2> /dev/null
	done
	# a namespace goes in a worker: its veths' other ends go now
	for n in $HOSTS; do
		ip link del "mg-$n" 2> /dev/null
		ip link del "ul-$n" 2> /dev/null
	done
	return 0
}
trap 'cleanup; pool_down; rm -rf "$tmp"' EXIT

pool_file() { # [extra blocks]
	cat > "$tmp/pool.policy" <<POL
policy cross {
    ALLOW_CROSS_SERVER = true
    PHYSICAL_IFS_ALLOWED = {TAG(testdev_network1)}
}
network front {
    bridge = br-front
    policy = cross
    id = 100
}
vif a1 { ifname = tap-a1; network = front }
vif b1 { ifname = tap-b1; network = front }
${1:-}
POL
	"$NPMGR" pool --etcd "$ETCD" apply "$tmp/pool.policy" > "$tmp/apply" 2>&1 ||
		fail "pool apply: $(cat "$tmp/apply")"
}

agent() { # host [ttl]: start its agent (its log: $tmp/agent-HOST.log)
	# shellcheck disable=SC2086 # AGENT_ARGS: words
	ip netns exec "$1" "$NPMGR" agent --etcd "$ETCD" --host "$1" \
		--spec "$tmp/$1.spec" --keys "$KEYS" --ttl "${2:-$TTL}" ${AGENT_ARGS:-} \
		>> "$tmp/agent-$1.log" 2>&1 &
	echo $! > "$tmp/agent-$1.pid"
	disown $!	# a case kills it: no job report
}

# until host $1's agent logged a load whose peers are $2 ("hB", "none"),
# for up to 90 s by default: a load that waits for key agreement with two
# peers took 20 s on 6.12 under ASan beside the 6.1 VM, and more than 30 s
# on the project's slower CI machine
wait_peers() { # host peers [seconds]
	local end=$((SECONDS + ${3:-90}))
	while ((SECONDS < end)); do
		[ "$(sed -n 's/.*: loaded .* objects*; peers: *//p' "$tmp/agent-$1.log" | tail -n 1)" = "$2" ] &&
			return 0
		nap 0.2
	done
	fail "$1: peers never became '$2': $(tail -n 5 "$tmp/agent-$1.log")"
}

# until host $1's agent logged $2 lines matching $3 (beyond $5 of them)
wait_log() { # host count regex seconds [lines already there]
	local end=$((SECONDS + $4))
	while ((SECONDS < end)); do
		(($(grep -c -- "$3" "$tmp/agent-$1.log") >= $2 + ${5:-0})) && return 0
		nap 0.2
	done
	fail "$1: no '$3' in its log: $(tail -n 4 "$tmp/agent-$1.log")"
}

# nothing an ASan/UBSan npmgr (agent-asan) reported in the agents' logs
logs_clean() {
	! grep -h -A5 "Sanitizer\|runtime error" "$tmp"/agent-*.log || fail "sanitizer report above"
}

tunnel_of() { # host: the VXLAN device of network front, or none
	local vx
	vx=$(devname npv front)
	ip -n "$1" link show "$vx" > /dev/null 2>&1 && echo "$vx" || echo none
}

test_agents_build_the_pool() {
	pool_file
	agent hA
	agent hB
	wait_peers hA hB
	wait_peers hB hA
	expect_eq "hA's tunnel" "$(devname npv front)" "$(tunnel_of hA)"
	ip -n hA -d link show "$(tunnel_of hA)" | grep -q "vxlan id 100 local 10.1.0.1 dev eth1" ||
		fail "tunnel: $(ip -n hA -d link show "$(tunnel_of hA)")"
	vm hA tap-a1 vA1 10.9.0.1
	vm hB tap-b1 vB1 10.9.0.2
	wait_master hA tap-a1 br-front
	wait_master hB tap-b1 br-front
	vm_reach vA1 10.9.0.2 || fail "vA1 (hA) cannot reach vB1 (hB) across the agents' tunnel"
	grep -q "^agent hA: joined the pool (lease [0-9a-f]*, $TTL s)$" "$tmp/agent-hA.log" ||
		fail "log: $(head -n 3 "$tmp/agent-hA.log")"
	# what a host loaded is on disk, for the administrator
	grep -q "^host hB {" /run/netpolicy/agent/hA.policy || fail "hA.policy: $(cat /run/netpolicy/agent/hA.policy)"
	expect_eq "npmgr agent status" \
"agent hA: running (pid $(cat "$tmp/agent-hA.pid")), etcd connected, lease L (TTL $TTL s)
  loaded: revision $(pool_rev) (4 objects) at T; peers: hB" \
		"$(status_of hA | sed 's/lease [0-9a-f]* /lease L /; s/ at [0-9TZ:-]*;/ at T;/')"
	expect_eq "agent status -j" '"etcd":"connected","failing":false,"last_error":null,"running":true,"healthy":true' \
		"$(np hA -j agent status --host hA | grep -o '"etcd":"[a-z]*"\|"failing":[a-z]*\|"last_error":null\|"running":[a-z]*\|"healthy":[a-z]*' | paste -sd,)"
	kill "$(cat "$tmp/agent-hA.pid")"
	poll_eq "stopped" status_word hA
	np hA agent status --host hA > /dev/null && fail "agent status: 0 with the agent stopped"
	return 0
}

# npmgr agent status --host HOST as that host (exit status not checked)
status_of() { np "$1" agent status --host "$1" || :; }
# its first line's verdict: running / stopped / gone
status_word() {
	status_of "$1" | sed -n '1{s/.*: running .*/running/; s/.*: not running (pid [0-9]* \(stopped\|is gone\))/\1/; p}'
}
# the store's revision, as npmgr pool show says it
pool_rev() { "$NPMGR" pool --etcd "$ETCD" show | sed -n 's/^# pool at revision \([0-9]*\).*/\1/p'; }

# The encrypted network: MACsec keys agreed by MKA (wpa_supplicant) with
# every peer, each a session of its own.
sec_blocks() {
	cat <<POL
policy secure {
    ALLOW_CROSS_SERVER = true
    REQUIRE_ENCRYPTION = true
    PHYSICAL_IFS_ALLOWED = {TAG(testdev_network1)}
}
network sec {
    bridge = br-sec
    policy = secure
    id = 200
}
vif sa { ifname = tap-sa; network = sec }
vif sb { ifname = tap-sb; network = sec }
vif sc { ifname = tap-sc; network = sec }
POL
}

# Two hosts' VMs talk across the encrypted network; a third host joins
# (only its agent starts, nothing is done on the others) and its VM
# reaches both; its agent killed, its lease runs out and both drop it,
# and the two keep talking, encrypted.
test_three_hosts_encrypted() {
	local t0 h
	pool_file "$(sec_blocks)"
	agent hA
	agent hB
	wait_peers hA hB
	wait_peers hB hA
	vm hA tap-sa vA2 10.8.0.1
	vm hB tap-sb vB2 10.8.0.2
	wait_secured hA sec
	wait_secured hB sec
	wait_master hA tap-sa br-sec
	wait_master hB tap-sb br-sec
	vm_reach vA2 10.8.0.2 || fail "vA2 (hA) cannot reach vB2 (hB), encrypted"
	t0=$SECONDS
	agent hC
	wait_peers hC "hA hB"
	wait_peers hA "hB hC"
	wait_peers hB "hA hC"
	vm hC tap-sc vC2 10.8.0.3
	wait_secured hC sec 2
	wait_secured hA sec 2
	wait_secured hB sec 2
	wait_master hC tap-sc br-sec
	vm_reach vC2 10.8.0.1 || fail "vC2 (hC) cannot reach vA2 (hA)"
	vm_reach vC2 10.8.0.2 || fail "vC2 (hC) cannot reach vB2 (hB)"
	echo "    hC joined: its VM reached hA's and hB's $((SECONDS - t0)) s after its agent started"
	for h in hA hB hC; do
		# exactly two (a look that falls between a session's first
		# key and a second one sees it waiting: looked at again)
		poll_eq 2 sessions_in $h sec secured ||
			expect_eq "$h: secured sessions" 2 "$(sessions_in $h sec secured)"
		# the bridge's uplinks: one MACsec device per peer, nothing
		# in the clear
		expect_eq "$h: br-sec's other ports" "macsec macsec" \
			"$(ip -n $h -d -o link show master br-sec | grep -v ' tap-s' |
				grep -o ' macsec \| vxlan \| veth ' | xargs)"
	done
	expect_master hA tap-sa br-sec
	kill -9 "$(cat "$tmp/agent-hC.pid")"
	wait_peers hA hB $((TTL + 40))
	wait_peers hB hA $((TTL + 40))
	expect_eq "hA's sessions after hC left" 1 "$(ip netns exec hA "$NPMGR" -j show keys | grep -o '"network":"sec"' | wc -l)"
	vm_reach vA2 10.8.0.2 || fail "vA2 cannot reach vB2 after hC left"
	expect_master hA tap-sa br-sec
	# loads that wait for key agreement took longer than the TTL here
	# (6 s): the lease is kept alive beside them, never lost
	for h in hA hB; do
		grep -q "lease .* lost" "$tmp/agent-$h.log" &&
			fail "$h lost its lease while alive: $(grep -m1 "lease .* lost" "$tmp/agent-$h.log")"
	done
	logs_clean
}

vm_reach() { # vm address
	local i
	for i in 1 2 3 4 5; do
		ip netns exec "$1" ping -c 1 -W 2 "$2" > /dev/null 2>&1 && return 0
	done
	return 1
}

# A change to the pool reaches both hosts; a port whose decision did not
# change is not touched (no detach).
test_change_propagates() {
	pool_file
	agent hA
	agent hB
	wait_peers hA hB
	vm hA tap-a1 vA1 10.9.0.1
	wait_master hA tap-a1 br-front
	np hA monitor > "$tmp/events" &
	monitor_ready $!
	pool_file "vm web { tags = {db} }"
	poll_eq "vm web" sh -c "ip netns exec hA '$NPMGR' show config | grep -o '^vm web'" ||
		fail "hA never loaded the change: $(tail -n 3 "$tmp/agent-hA.log")"
	poll_eq "vm web" sh -c "ip netns exec hB '$NPMGR' show config | grep -o '^vm web'" ||
		fail "hB never loaded the change"
	nap 0.5
	expect_master hA tap-a1 br-front
	expect_eq "events on hA during the change" "" "$(cat "$tmp/events")"
}

# An agent killed: its lease expires after the TTL and the other host
# drops it as a peer (its tunnel goes); started again: back.
test_peer_dies_and_returns() {
	local t0
	pool_file
	agent hA
	agent hB
	wait_peers hA hB
	kill -9 "$(cat "$tmp/agent-hB.pid")"
	t0=$SECONDS
	wait_peers hA none $((TTL + 40))
	echo "    hB's agent killed: hA dropped it after $((SECONDS - t0)) s (lease TTL $TTL s)"
	expect_eq "hA's tunnel, no peer" none "$(tunnel_of hA)"
	agent hB
	wait_peers hA hB
	expect_eq "hA's tunnel, hB back" "$(devname npv front)" "$(tunnel_of hA)"
}

# An agent restarted (a package upgrade, systemctl restart) within its
# lease's TTL: the new one takes the old one's place; nothing changes on
# either host (no event, the tunnel is the same device), and the host that
# stopped keeps enforcing what it had meanwhile.
test_agent_restart() {
	local vx ifa ifb mark end ttl=15
	pool_file
	# a restart must fit in what is left of the lease (two thirds of its
	# TTL at least): a slow VM needs more than the other cases' 6 s
	agent hA $ttl
	agent hB
	wait_peers hA hB
	wait_peers hB hA
	vm hA tap-a1 vA1 10.9.0.1
	wait_master hA tap-a1 br-front
	vx=$(tunnel_of hA)
	ifa=$(ip netns exec hA cat "/sys/class/net/$vx/ifindex")
	ifb=$(ip netns exec hB cat "/sys/class/net/$vx/ifindex")
	np hA monitor > "$tmp/events" &
	monitor_ready $!
	# hB may have loaded once before hA joined ("peers: none"): what
	# counts is what it loads from here on
	mark=$(wc -l < "$tmp/agent-hB.log")
	kill "$(cat "$tmp/agent-hA.pid")"
	end=$((SECONDS + 30))	# a deadline: ASan on a slow machine
	while ((SECONDS < end)); do
		kill -0 "$(cat "$tmp/agent-hA.pid")" 2> /dev/null || break
		nap 0.1
	done
	grep -q "^agent hA: stopped; the pool drops this host when its lease runs out ($ttl s) unless its agent starts again$" \
		"$tmp/agent-hA.log" || fail "hA: $(tail -n 2 "$tmp/agent-hA.log")"
	expect_eq "hA's objects with its agent stopped" "network front" \
		"$(np hA show config | grep -o '^network front')"
	agent hA $ttl
	poll_eq 2 grep -c "joined the pool" "$tmp/agent-hA.log" || fail "hA did not join again"
	# a lease's worth and more: hB never dropped hA
	nap $((ttl + 2))
	expect_eq "hB's peers since hA stopped" "" \
		"$(tail -n "+$((mark + 1))" "$tmp/agent-hB.log" |
			sed -n 's/.*: loaded .* objects*; peers: *//p' | grep -vx hA | sort -u | xargs)"
	expect_eq "hA's tunnel" "$ifa" "$(ip netns exec hA cat "/sys/class/net/$vx/ifindex")"
	expect_eq "hB's tunnel" "$ifb" "$(ip netns exec hB cat "/sys/class/net/$vx/ifindex")"
	expect_master hA tap-a1 br-front
	expect_eq "events on hA across the restart" "" "$(cat "$tmp/events")"
	logs_clean
}

# hA cut off from etcd (its management port off the switch) for longer than its
# lease: its agent says so and keeps retrying; its kernel keeps enforcing
# what it had (the VM stays attached, the tunnel is the same device, not
# one event); the pool goes on without it (hB drops it, a change is
# applied, etcd compacts its history past hA's revision). Healed: hA joins
# again, resynchronises to the change it missed and hB takes it back.
test_partition_heals() {
	local vx ifa t0 loads
	pool_file
	agent hA
	agent hB
	wait_peers hA hB
	wait_peers hB hA
	vm hA tap-a1 vA1 10.9.0.1
	wait_master hA tap-a1 br-front
	vx=$(tunnel_of hA)
	ifa=$(ip netns exec hA cat "/sys/class/net/$vx/ifindex")
	np hA monitor > "$tmp/events" &
	monitor_ready $!
	# its switch port gone: frames vanish, nothing answers (no RST, no
	# unreachable): the agent's own timeouts must notice
	ip link set mg-hA nomaster
	t0=$SECONDS
	wait_log hA 1 "lease [0-9a-f]* lost: " 40
	echo "    partitioned: hA's agent said so after $((SECONDS - t0)) s (TTL $TTL s)"
	np hA agent status --host hA > "$tmp/status" && fail "agent status: 0 while cut off"
	grep -q "^agent hA: running (pid [0-9]*), etcd unreachable$" "$tmp/status" &&
		grep -q "^  last error: \(lease [0-9a-f]* lost\|etcd\).* at [0-9TZ:-]*$" "$tmp/status" ||
		fail "agent status while cut off: $(cat "$tmp/status")"
	wait_peers hB none $((TTL + 40))
	pool_file "vm web { }"
	# and etcd compacts its history past every revision hA has seen
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD" compact "$(pool_rev)" > /dev/null ||
		fail "etcdctl compact"
	nap 2
	expect_master hA tap-a1 br-front
	expect_eq "hA's tunnel while cut off" "$ifa" "$(ip netns exec hA cat "/sys/class/net/$vx/ifindex")"
	grep -q "etcd unreachable" "$tmp/agent-hA.log" ||
		fail "no retry reported: $(tail -n 3 "$tmp/agent-hA.log")"
	np hA show config | grep -q "^vm web" && fail "hA loaded while cut off"
	loads=$(grep -c ": loaded .* objects*; peers: hB" "$tmp/agent-hA.log")
	ip link set mg-hA master br-mgmt
	t0=$SECONDS
	# its retries back off up to 30 s
	wait_log hA 2 "joined the pool" 60
	wait_log hA 1 ": loaded .* objects*; peers: hB" 40 "$loads"
	np hA show config | grep -q "^vm web" || fail "hA did not load what it missed"
	np hA agent status --host hA > "$tmp/status" ||
		fail "agent status after the heal: $(cat "$tmp/status")"
	grep -q "^  loaded: revision $(pool_rev) (5 objects) at .*; peers: hB$" "$tmp/status" ||
		fail "agent status after the heal: $(cat "$tmp/status") (store at $(pool_rev))"
	echo "    healed: hA resynchronised after $((SECONDS - t0)) s"
	wait_peers hB hA
	expect_master hA tap-a1 br-front
	expect_eq "hA's tunnel after" "$ifa" "$(ip netns exec hA cat "/sys/class/net/$vx/ifindex")"
	expect_eq "events on hA" "" "$(cat "$tmp/events")"
	logs_clean
}

# The etcd leader killed while an apply is in flight, agents watching
# through it: the apply says what happened (applied, or nothing written);
# both agents end with exactly what the store holds; the VM stays
# attached, no event; the member rejoins.
test_leader_killed_during_apply() {
	local leader i rc want h n
	pool_file
	agent hA
	agent hB
	wait_peers hA hB
	wait_peers hB hA
	vm hA tap-a1 vA1 10.9.0.1
	wait_master hA tap-a1 br-front
	np hA monitor > "$tmp/events" &
	monitor_ready $!
	leader=$(ETCDCTL_API=3 etcdctl --endpoints "$ETCD" endpoint status -w simple 2> /dev/null |
		awk -F', ' '$5 == "true" { print $1 }')
	[ -n "$leader" ] || fail "no leader"
	i=$(( (${leader##*:} - 2279) / 100 ))
	cat > "$tmp/web.policy" < "$tmp/pool.policy"
	printf 'vm web {\n    tags = {web}\n}\n' >> "$tmp/web.policy"
	"$NPMGR" pool --etcd "$leader,$ETCD" apply "$tmp/web.policy" > "$tmp/apply" 2>&1 &
	nap 0.02
	kill -9 "$(cat "$tmp/etcd$i.pid")"
	rc=0
	wait $! || rc=$?
	case $rc in
	0) want="vm web" ;;
	1) want="" ;;
	*) fail "apply: exit $rc: $(cat "$tmp/apply")" ;;
	esac
	echo "    the leader (member $i) killed during an apply: exit $rc ($(tail -n 1 "$tmp/apply"))"
	expect_eq "the store" "$want" "$("$NPMGR" pool --etcd "$ETCD" show | grep -o '^vm web')"
	for h in hA hB; do
		for ((n = 0; n < 100; n++)); do
			[ "$(np $h show config | grep -o '^vm web')" = "$want" ] && break
			nap 0.2
		done
		expect_eq "$h holds what the store holds" "$want" "$(np $h show config | grep -o '^vm web')"
	done
	expect_master hA tap-a1 br-front
	expect_eq "events on hA" "" "$(cat "$tmp/events")"
	# the member comes back from its data; the cluster has three again
	etcd_member "$i"
	for ((n = 0; n < 100; n++)); do
		"$NPMGR" pool --etcd "$leader" show > /dev/null 2>&1 && break
		nap 0.2
	done
	"$NPMGR" pool --etcd "$leader" show > /dev/null || fail "member $i did not rejoin"
	logs_clean
}

# A value in etcd that the checker refuses (written by hand, not by npmgr
# pool apply): each agent says so and keeps its last good load; fixed, it
# loads again.
test_bad_value_in_store() {
	pool_file
	agent hA
	wait_peers hA none
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD" put /netpolicy/v1/objects/network/bad \
		"network bad { bridge = br-x  policy = nosuch }" > /dev/null || fail "etcdctl put"
	poll_eq 1 grep -c "not loaded (see above); the host keeps revision" "$tmp/agent-hA.log" ||
		fail "hA: $(tail -n 4 "$tmp/agent-hA.log")"
	grep -q "error: network 'bad' names policy 'nosuch'" "$tmp/agent-hA.log" ||
		fail "no checker message: $(tail -n 6 "$tmp/agent-hA.log")"
	expect_eq "hA kept its objects" "network front" "$(np hA show config | grep -o '^network [a-z]*' | xargs)"
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD" del /netpolicy/v1/objects/network/bad > /dev/null
	poll_eq 1 grep -c "the same as the host's (revision [0-9]*), nothing to load" "$tmp/agent-hA.log" ||
		fail "hA did not say it is back: $(tail -n 3 "$tmp/agent-hA.log")"
	# a value that smuggles a host block (a peer no agent published)
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD" put /netpolicy/v1/objects/vm/x \
		"$(printf 'vm x {\n}\nhost evil {\n    address = 10.1.0.66\n}\n')" > /dev/null || fail "put"
	poll_eq 1 grep -c "not loaded: the store holds a bad value" "$tmp/agent-hA.log" ||
		fail "hA: $(tail -n 3 "$tmp/agent-hA.log")"
	grep -q "objects/vm/x does not hold exactly the one object its key names" "$tmp/agent-hA.log" ||
		fail "no reason: $(tail -n 3 "$tmp/agent-hA.log")"
	grep -q evil /run/netpolicy/agent/hA.policy && fail "the smuggled host reached the share"
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD" del /netpolicy/v1/objects/vm/x > /dev/null
	# and the next change loads
	pool_file "vm web { }"
	poll_eq 2 grep -c ": loaded .* objects*; peers" "$tmp/agent-hA.log" ||
		fail "hA did not load the next change: $(tail -n 3 "$tmp/agent-hA.log")"
	logs_clean
}

# where the pool says VM $1 is placed: "hA", or null
placed_of() {
	"$NPMGR" -j place --etcd "$ETCD" "$1" | grep -o '"placed":[^,}]*' | sed 's/"placed"://; s/"//g'
}

# A placement follows its VM: the VM's interface goes and comes back at
# once (a reboot): still placed; it goes for longer than --release-after:
# released, by the agent of the host it was placed on, with a word in its
# log. A VM placed on a host but never started there stays placed.
test_placement_follows_vm() {
	local end
	pool_file "vm w { tags = {w} }
vif w1 { ifname = tap-w1; vm = w; network = front }
vm x { tags = {x} }"
	AGENT_ARGS="--release-after 4" agent hA
	AGENT_ARGS="--release-after 4" agent hB
	wait_peers hA hB
	wait_peers hB hA
	expect_eq "w placed on" hA "$("$NPMGR" place --etcd "$ETCD" --record --quiet w)"
	expect_eq "x placed on" hB "$("$NPMGR" place --etcd "$ETCD" --record --quiet x)"
	vm hA tap-w1 vW 10.9.0.9
	wait_master hA tap-w1 br-front
	nap 3		# the agent saw it
	# the reboot: the interface goes and is back within a second
	pkill -f "tapvm tap-w1"
	ip netns del vW
	vm hA tap-w1 vW 10.9.0.9
	wait_master hA tap-w1 br-front
	nap 7
	expect_eq "w after its reboot" hA "$(placed_of w)"
	# the stop: gone for good
	pkill -f "tapvm tap-w1"
	end=$((SECONDS + 60))	# 4 s and a write: a deadline, not a pace
	while ((SECONDS < end)); do
		[ "$(placed_of w)" = null ] && break
		nap 0.2
	done
	expect_eq "w after its stop" null "$(placed_of w)"
	grep -q "^agent hA: VM w: no interface here for 4 s: its placement is released$" \
		"$tmp/agent-hA.log" || fail "hA's log: $(tail -n 3 "$tmp/agent-hA.log")"
	expect_eq "x, never started" hB "$(placed_of x)"
	logs_clean
}

command -v etcd > /dev/null || { echo "SKIP: no etcd (make deps)"; exit 4; }
lsmod | grep -q '^netpolicy ' || { echo "SKIP: netpolicy.ko not loaded"; exit 4; }
run_cases "${NP_SUITE:-agent}" "$@"
