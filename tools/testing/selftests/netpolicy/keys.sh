#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Key agreement selftests: encrypted networks whose keys the hosts agree on
# with MKA (wpa_supplicant), checked as an attacker on the underlay would:
# a capture of every frame between the hosts, taken apart by sectag.
#
#                   root namespace of the test VM: bridge "ul"
#        ulA            ulB            ulC            (ulD)   <- captured (-Q in)
#         |              |              |              |
#   +-- hA --+     +-- hB --+     +-- hC --+     +-- hD --+   10.1.0.1 .. .4
#   | br-front (VXLAN 100 + MACsec)  one pairwise MKA session, one MACsec
#   | br-back  (GRE key 7 + MACsec)  device, per network and other host
#   +-|----|-+     +-|----|-+     +-|----|-+
#    vfA  vbA       vfB  vbB       vfC  vbC     VMs (tapvm): front 10.9.0.x,
#                                               back 10.8.0.x
#
# Usage: keys.sh [TEST...]   (default: all)
set -u

top=$(cd "$(dirname "$0")/../../../.." && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/twohosts.sh"
NPMGR=${NPMGR:-$top/userspace/npmgr}
TAPVM=${TAPVM:-$here/tapvm}
SECTAG=${SECTAG:-$here/sectag}
tmp=$(mktemp -d)
KEYS=$tmp/keys
PATTERN=5ec12e75ec12e75e
HOSTS="hA hB hC"

addr() { case $1 in hA) echo 1;; hB) echo 2;; hC) echo 3;; hD) echo 4;; hX) echo 9;; esac; }
# The id of host $1's session with host $3 on tunnel $2 (names its files).
sid() { devname "$2-" "$3"; }
# That session's field $4 in `npmgr -j show keys` on host $1.
session_field() { # host network peer field
	np "$1" -j show keys | tr '{' '\n' | grep "\"network\":\"$2\",\"peer\":\"$3\"" |
		sed -n "s/.*\"$4\":\"\{0,1\}\([^\",]*\).*/\1/p"
}
# The MACsec device of host $1's session with $3 on network $2.
session_macsec() { session_field "$1" "$2" "$3" macsec; }
# The SCI of MACsec device $2 on host $1.
sci_of() { ip -n "$1" -d link show "$2" | grep -o 'sci [0-9a-f]*' | cut -d' ' -f2; }
# The wpa_supplicant of host $1's session with $3 on tunnel $2.
session_daemon() { pgrep -f "wpa_supplicant -D macsec_linux -i $2 -c /run/netpolicy/mka/$1/$(sid "$1" "$2" "$3").wpa"; }

# A host on the underlay bridge, its eth1 joined to ul$1's veth.
host_up() { # hX
	local h=$1 x
	x=${h#h}
	ip netns add "$h"
	ip -n "$h" link set lo up
	ip link add "ul$x" type veth peer name eth1 netns "$h"
	ip link set "ul$x" master ul up
	ip -n "$h" addr add "10.1.0.$(addr "$h")/24" dev eth1
	ip -n "$h" link set eth1 up
}

# Every frame a host sends onto the underlay, in $tmp/ulX.pcap.
capture_start() { # hX...
	local h x
	for h in "$@"; do
		x=${h#h}
		tcpdump -i "ul$x" -Q in -nn -U -w "$tmp/ul$x.pcap" 2> "$tmp/tcpdump$x.err" &
		echo $! > "$tmp/tcpdump$x.pid"
		wait_listening "$tmp/tcpdump$x.err" ||
			fail "tcpdump on ul$x did not start: $(cat "$tmp/tcpdump$x.err")"
	done
}
capture_stop() {
	local p pid
	sleep 0.5
	for p in "$tmp"/tcpdump*.pid; do
		[ -e "$p" ] || continue
		pid=$(cat "$p")
		kill "$pid" 2> /dev/null
		wait "$pid" 2> /dev/null
		rm -f "$p"
	done
}

write_pool() { # hosts...
	local h
	{
		for h in "$@"; do
			echo "host $h { address = 10.1.0.$(addr "$h") }"
		done
		cat <<POL
policy secure { ALLOW_CROSS_SERVER = true REQUIRE_ENCRYPTION = true }
network front { bridge = br-front policy = secure id = 100 }
network back { bridge = br-back policy = secure tunnel = gretap id = 7 }
POL
		for h in hA hB hC hD hX; do
			echo "vif f${h#h} { ifname = tap-f${h#h} network = front }"
			echo "vif b${h#h} { ifname = tap-b${h#h} network = back }"
		done
	} > "$tmp/pool.policy"
}

# The VMs of host $1 on both networks.
vms_of() { # hX
	local x=${1#h}
	vm "$1" "tap-f$x" "vf$x" "10.9.0.$(addr "$1")"
	vm "$1" "tap-b$x" "vb$x" "10.8.0.$(addr "$1")"
	expect_master "$1" "tap-f$x" br-front
	expect_master "$1" "tap-b$x" br-back
}

# Wait until host $1's sessions with its $2 peers are secured, both networks.
secured() { # hX n-peers
	wait_secured "$1" front "$2"
	wait_secured "$1" back "$2"
}

# What the hosts' sessions and MACsec devices look like (on a failure).
dump_state() {
	local h
	for h in $HOSTS; do
		echo "    == $h"
		{ np "$h" show keys; ip -n "$h" macsec show; ip -n "$h" -br link
		  tail -n 8 /run/netpolicy/mka/"$h"/*.log; } 2>&1 | sed 's/^/    /'
	done
}

# On a case that hangs (NP_CASE_TIMEOUT): where the sessions were.
on_timeout() {
	dump_state
	ps -eo pid,args | grep -E '[n]pmgr|[w]pa_supplicant' | sed 's/^/    /'
}
# A step of a long case, as a TAP comment.
step() { echo "    # $(date +%s.%N | cut -c1-17) $*"; }

reach() { # vm address: pings until one answers (ARP, FDB, keys settle)
	local end=$((SECONDS + 60))	# a deadline: a ping can fail at once
	while ((SECONDS < end)); do
		ip netns exec "$1" ping -c 1 -W 1 "$2" > /dev/null 2>&1 && return 0
		nap 0.2
	done
	dump_state
	return 1
}

# Background pings with the payload pattern: VM payload on the underlay,
# sent through every event a case provokes.
traffic_start() { # vm address...
	while [ $# -ge 2 ]; do
		ip netns exec "$1" ping -q -i 0.2 -W 1 -p "$PATTERN" "$2" > /dev/null 2>&1 &
		echo $! >> "$tmp/traffic.pids"
		shift 2
	done
}
traffic_stop() {
	if [ -e "$tmp/traffic.pids" ]; then
		xargs -r kill < "$tmp/traffic.pids" 2> /dev/null || true
		rm -f "$tmp/traffic.pids"
	fi
}

setup() {
	ip link add ul type bridge
	ip link set ul up
	for h in $HOSTS; do host_up "$h"; done
	mkdir -p -m 700 "$KEYS"
	(umask 077; "$NPMGR" genkey > "$KEYS/front.cak"; "$NPMGR" genkey > "$KEYS/back.cak")
}

cleanup() {
	local n
	jobs -p | xargs -r kill 2> /dev/null
	wait 2> /dev/null
	sessions_stop hA hB hC hD hX
	# deleting a namespace is asynchronous: its veths go now, by hand
	for n in ulA ulB ulC ulD ulX; do
		ip link del "$n" 2> /dev/null
	done
	for n in vfA vfB vfC vfD vfX vbA vbB vbC vbD vbX hA hB hC hD hX; do
		ip netns del "$n" 2> /dev/null
	done
	ip link del ul 2> /dev/null
	rm -f "$tmp"/*.pcap
	return 0
}
trap 'cleanup; rm -rf "$tmp"' EXIT

# The sessions of a network each host has: one per other host.
peers() { set -- $HOSTS; echo $(($# - 1)); }

# Load the pool on every host of $HOSTS, bring up their VMs, secure it.
pool_up() {
	local h
	write_pool $HOSTS
	for h in $HOSTS; do
		npl "$h" load "$tmp/pool.policy" > "$tmp/load$h" ||
			fail "load on $h: $(cat "$tmp/load$h")"
	done
	for h in $HOSTS; do vms_of "$h"; done
	for h in $HOSTS; do secured "$h" "$(peers)"; done
}

# Every host of $HOSTS loads the pool of $HOSTS again (what the pool agent
# will do on its own).
pool_reload() {
	local h
	write_pool $HOSTS
	for h in $HOSTS; do
		npl "$h" load "$tmp/pool.policy" > /dev/null || fail "load on $h ($HOSTS)"
	done
}

# The sessions' supervisors restart a daemon that dies; its MACsec device
# goes with it at once, so nothing is sent to that peer (in the clear or
# under old keys) until the keys are agreed again. The host's VMs stay on
# the bridge: its other sessions still carry them to the other hosts.
test_daemon_dies() {
	local vx ms pid sci
	pool_up
	reach vfA 10.9.0.2 || fail "no ping before"
	vx=$(devname npv front)
	ms=$(session_macsec hA front hB)
	sci=$(sci_of hA "$ms")
	[ -n "$sci" ] || fail "no SCI: $(ip -n hA -d link show "$ms")"
	pid=$(session_daemon hA "$vx" hB)
	[ -n "$pid" ] || fail "no wpa_supplicant for front with hB on hA: $(pgrep -af wpa_supplicant)"
	np hA monitor > "$tmp/events" &
	monitor_ready $!
	kill -9 "$pid"
	# a deadline in seconds, not a count of looks: on the debug kernel each
	# look costs a fifth of a second, and the supervisor shares the CPUs
	# with eleven other sessions
	local end=$((SECONDS + 20))
	while ((SECONDS < end)); do
		ip -n hA link show "$ms" > /dev/null 2>&1 || break
		nap 0.05
	done
	ip -n hA link show "$ms" > /dev/null 2>&1 && fail "$ms survived its daemon"
	ip netns exec vfA ping -c 1 -W 1 10.9.0.2 > /dev/null 2>&1 &&
		fail "traffic to hB passes without a daemon"
	ip netns exec vfA ping -c 1 -W 1 10.9.0.3 > /dev/null 2>&1 ||
		fail "traffic to hC stopped with hB's session"
	secured hA "$(peers)"
	reach vfA 10.9.0.2 || fail "no ping after the restart"
	expect_eq "the VM stayed attached" "" "$(awk '{print $1, $2}' "$tmp/events")"
	expect_master hA tap-fA br-front
	expect_eq "the session counts the restart" 1 "$(session_field hA front hB restarts)"
	expect_eq "the other session did not restart" 0 "$(session_field hA front hC restarts)"
	grep -q "wpa_supplicant was killed by signal 9; its MACsec device is deleted" \
		/run/netpolicy/mka/hA/"$(sid hA "$vx" hB)".log || fail "no log line"
	[ "$(sci_of hA "$(session_macsec hA front hB)")" != "$sci" ] ||
		fail "the restarted daemon sends under the old SCI $sci"
}

# What `npmgr show keys` says about the sessions of a host.
test_show_keys() {
	local vx got h p ks
	pool_up
	vx=$(devname npv front)
	# network peer tunnel state restarts, from the columns of the header
	got=$(np hB show keys | awk 'NR == 1 { r = index($0, "RESTARTS"); next }
		{ print $1, $2, $3, $5, substr($0, r) + 0 }')
	expect_eq "hB's sessions: network peer tunnel state restarts" \
"back hA $(devname npg back hA) secured 0
back hC $(devname npg back hC) secured 0
front hA $vx secured 0
front hC $vx secured 0" "$got"
	np hB show keys | head -n 1 | grep -q '^NETWORK  *PEER  *TUNNEL  *MACSEC  *STATE  *KEY SERVER  *KEY  *KEY AGE  *LAST REKEY  *RESTARTS$' ||
		fail "header: $(np hB show keys | head -n 1)"
	# each pair has one key server: one host says "this host", the other
	# names it
	for h in hA hB hC; do
		for p in hA hB hC; do
			[ "$h" \< "$p" ] || continue
			ks="$(session_field "$h" front "$p" key_server) / $(session_field "$p" front "$h" key_server)"
			[ "$ks" = "this host / $h" ] || [ "$ks" = "$p / this host" ] ||
				fail "front $h-$p: key servers $ks"
		done
	done
	np hB -j show | grep -q '"sessions":\[{' || fail "show -j has no sessions"
}

# Whoever asks whether a session's supervisor runs must not make one that
# starts at that moment believe another one runs and go away. Asking used
# to take a shared flock() for a moment, and a supervisor believed whoever
# held one: one started against a busy asker left its session without a
# supervisor, the load said "the key agreement supervisor ... did not
# start", and a CI run was red. Here a reader holds a shared flock() on a
# pid file the whole time (as `flock -s FILE cat FILE` would) and npmgr
# show keys asks nonstop, while realize restarts killed supervisors.
test_supervisor_start_asked() {
	local round held asker p n
	HOSTS="hA hB"
	pool_up
	p=$(ls /run/netpolicy/mka/hB/*.pid | head -n 1)
	flock -s "$p" sleep 600 &
	held=$!
	while :; do np hB show keys > /dev/null 2>&1; done &
	asker=$!
	for round in 1 2 3 4; do
		# each supervisor killed outright (its daemon follows it:
		# PR_SET_PDEATHSIG), then realize starts them again
		for p in /run/netpolicy/mka/hB/*.pid; do
			kill -9 "$(cat "$p")" 2> /dev/null || true
		done
		npl hB realize "$tmp/pool.policy" > "$tmp/realize" 2>&1 ||
			fail "round $round: realize on hB: $(cat "$tmp/realize")"
		n=$(np hB -j show keys | grep -o '"running":true' | wc -l)
		[ "$n" = 2 ] || fail "round $round: $n of 2 supervisors run"
	done
	kill "$asker" "$held"
	secured hB 1
	reach vfB 10.9.0.1 || fail "no ping after the restarts"
}

# Packet numbers running out: the key server draws a new key first.
test_rekey_before_exhaustion() {
	local vx ms an before after end
	HOSTS="hA hB"
	pool_up
	vx=$(devname npv front)
	ms=$(session_macsec hA front hB)
	before=$(session_field hA front hB key_id)
	an=$(ip -n hA macsec show "$ms" | sed -n 's/.*TXSC: [0-9a-f]* on SA \([0-3]\).*/\1/p')
	# 3/4 of the 2^32 packet numbers a GCM-AES-128 SA has are spent
	ip -n hA macsec set "$ms" tx sa "$an" pn 3221225600 on ||
		fail "cannot set the PN: $(ip -n hA macsec show "$ms")"
	end=$((SECONDS + 60))	# a deadline, as wide as the slowest machine needs
	while ((SECONDS < end)); do
		after=$(session_field hA front hB key_id)
		[ -n "$after" ] && [ "$after" != "$before" ] && break
		nap 0.2
	done
	[ "$after" != "$before" ] || fail "no new key after 60 s: $before"
	ip -n hA macsec show "$ms" | grep -q 'PN 3221' && [ "$(ip -n hA macsec show "$ms" | sed -n 's/.*TXSC: [0-9a-f]* on SA \([0-3]\).*/\1/p')" = "$an" ] &&
		fail "still sending on the exhausted SA"
	reach vfA 10.9.0.2 || fail "no ping on the new key"
	[ "$(session_field hA front hB last_rekey)" != null ] ||
		fail "show keys has no last rekey"
}

# InPktsLate of the receive channel of MACsec device $2 on host $1.
late() { # host dev
	ip -n "$1" -s macsec show "$2" | awk '/InPktsLate/ {
		for (i = 1; i <= NF; i++) if ($i == "InPktsLate") c = i - 1
		getline; print $c; exit }'
}

# A captured frame sent again is dropped: replay protection, window 0.
test_replay_dropped() {
	local ms before after n cap vmcap try
	HOSTS="hA hB"
	pool_up
	reach vfA 10.9.0.2 || fail "no ping"
	ms=$(session_macsec hB front hA)
	# Once, in a CI run, the capture of hA's underlay held no frame of
	# hA's (the ping had gone through): such a capture is said, and the
	# round taken again, at most three times.
	for try in 1 2 3; do
		ip netns exec hA tcpdump -i eth1 -nn -U -w "$tmp/one.pcap" 'udp port 4789' 2> "$tmp/t.err" &
		cap=$!
		ip netns exec vfB tcpdump -i eth0 -nn -U -w "$tmp/vm.pcap" icmp 2> "$tmp/v.err" &
		vmcap=$!
		# both listening (the pause alone was too short on a loaded machine)
		wait_listening "$tmp/t.err" "$tmp/v.err" ||
			fail "a capture did not start: $(cat "$tmp/t.err" "$tmp/v.err")"
		sleep 1.5
		# the largest frame hA sends is this echo request
		ip netns exec vfA ping -c 1 -W 1 -s 900 -p "$PATTERN" 10.9.0.2 > /dev/null || fail "no ping"
		sleep 0.5
		kill "$cap"
		wait "$cap" 2> /dev/null	# the capture whole on disk
		before=$(late hB "$ms")
		ip netns exec hA "$SECTAG" replay "$tmp/one.pcap" 10.1.0.1 eth1 > "$tmp/replay.out" 2>&1 &&
			break
		echo "    # try $try: nothing to replay: $(cat "$tmp/replay.out"); tcpdump: $(tr '\n' ' ' < "$tmp/t.err")"
		kill "$vmcap"
		wait "$vmcap" 2> /dev/null
		[ "$try" = 3 ] && fail "nothing to replay in three captures"
	done
	sleep 1
	kill "$vmcap"
	wait "$vmcap" 2> /dev/null
	after=$(late hB "$ms")
	[ "$after" -gt "$before" ] ||
		fail "the replay was not dropped as late: $before -> $after: $(ip -n hB -s macsec show "$ms")"
	n=$(tcpdump -r "$tmp/vm.pcap" -nn 'icmp[icmptype] = icmp-echo' 2> /dev/null | wc -l)
	expect_eq "the VM saw the request once" 1 "$n"
}

# A host of the pool without the network's key gets nothing in or out:
# its sessions with the others never come up, theirs with it neither.
test_no_credentials() {
	local h
	HOSTS="hA hB"
	pool_up
	host_up hX
	mkdir -p -m 700 "$tmp/xkeys"
	(umask 077; "$NPMGR" genkey > "$tmp/xkeys/front.cak"; "$NPMGR" genkey > "$tmp/xkeys/back.cak")
	write_pool hA hB hX
	for h in hA hB; do npl "$h" load "$tmp/pool.policy" > /dev/null || fail "load $h with hX"; done
	KEYS_OF=$tmp/xkeys npl hX load "$tmp/pool.policy" > /dev/null || fail "load on hX"
	vms_of hX
	sleep 8
	for h in hA hB; do
		expect_eq "$h's session with hX: waiting, no live peer" "waiting 0" \
			"$(session_field "$h" front hX state) $(session_field "$h" front hX live_peers)"
	done
	expect_eq "hX's sessions: none secured" "0 0" \
		"$(sessions_in hX front secured) $(sessions_in hX back secured)"
	ip netns exec vfX ping -c 3 -W 1 10.9.0.1 > /dev/null 2>&1 && fail "hX's VM reaches hA's"
	ip netns exec vfA ping -c 3 -W 1 10.9.0.9 > /dev/null 2>&1 && fail "hA's VM reaches hX's"
	reach vfA 10.9.0.2 || fail "hA and hB stopped talking"
	reach vbB 10.8.0.1 || fail "hA and hB stopped talking on back"
}

# The checker can fail: MACsec with static keys, as a realization without
# key agreement builds it (netpolicy's did, before MKA): the device is
# created again with the same key, its packet numbers start again at 1,
# and sectag finds the repeated nonces in the capture.
test_checker_catches_reuse() {
	local key h x rc=0
	key=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	static_macsec() { # host peer: ms-s on vx-s, keyed by hand, PN 1
		ip -n "$1" link add link vx-s ms-s type macsec encrypt on
		ip -n "$1" macsec add ms-s tx sa 0 pn 1 on key 01 "$key"
		ip -n "$1" macsec add ms-s rx address "02:00:00:00:00:0$(addr "$2")" port 1
		ip -n "$1" macsec add ms-s rx address "02:00:00:00:00:0$(addr "$2")" port 1 sa 0 pn 1 on key 01 "$key"
		ip -n "$1" addr add "10.7.0.$(addr "$1")/24" dev ms-s
		ip -n "$1" link set ms-s up
	}
	for h in hA hB; do
		x=$([ $h = hA ] && echo hB || echo hA)
		ip -n $h link add vx-s type vxlan id 300 local "10.1.0.$(addr $h)" \
			remote "10.1.0.$(addr $x)" dstport 4789
		ip -n $h link set vx-s address "02:00:00:00:00:0$(addr $h)" addrgenmode none
		ip -n $h link set vx-s up
	done
	capture_start hA hB
	static_macsec hA hB
	static_macsec hB hA
	ip netns exec hA ping -c 5 -i 0.2 10.7.0.2 > /dev/null || fail "static MACsec does not ping"
	# re-created with the same key: packet numbers start again at 1
	ip -n hA link del ms-s
	static_macsec hA hB
	ip netns exec hA ping -c 5 -i 0.2 10.7.0.2 > /dev/null || fail "no ping after re-creation"
	capture_stop
	"$SECTAG" check --caks "$KEYS" --sak "$key" "$tmp"/ul*.pcap > "$tmp/sectag" 2>&1 || rc=$?
	sed 's/^/    /' "$tmp/sectag"
	expect_eq "sectag fails on reused nonces" 1 "$rc"
	grep -Eq '^REPEAT static key .* sci 0200000000010001 pn [0-9]+ ' "$tmp/sectag" ||
		fail "no repeat of hA's packet numbers reported"
	grep -Eq ' 0 under none; [1-9][0-9]* repeated nonces, 0 plaintext frames' "$tmp/sectag" ||
		fail "the summary does not count them (alone)"
}

# The proof of "no nonce ever reused": one capture of the underlay across
# device re-creation, drift repair, a daemon restart, a host reboot, a
# module reload and a fourth host that joins and leaves; sectag finds no
# (key, SCI, PN) twice, no plaintext frame, and never the VMs' payload.
test_nonces() {
	local vx h
	capture_start hA hB hC
	pool_up
	traffic_start vfA 10.9.0.2 vfC 10.9.0.1 vbA 10.8.0.3 vbB 10.8.0.1
	reach vfB 10.9.0.3 || fail "front: no ping"
	reach vbC 10.8.0.2 || fail "back: no ping"
	vx=$(devname npv front)

	step "device re-creation"
	# device re-creation: the tunnel and its MACsec device go, come back
	ip -n hB link del "$vx"
	npl hB realize "$tmp/pool.policy" > /dev/null || fail "realize hB"
	secured hB "$(peers)"
	reach vfB 10.9.0.1 || fail "after re-creation"

	step "drift repair"
	# drift repair: encryption off, realize restarts the session. Turning
	# it off is root's own doing, and the frames sent before the module's
	# recheck detaches the port go out with integrity only (Documentation,
	# "Limits of this version"): the pattern pauses until the detach.
	traffic_stop
	ip -n hA link set "$(session_macsec hA front hC)" type macsec encrypt off
	wait_master hA tap-fA none
	traffic_start vfA 10.9.0.2 vfC 10.9.0.1 vbA 10.8.0.3 vbB 10.8.0.1
	npl hA realize "$tmp/pool.policy" > /dev/null || fail "realize hA"
	secured hA "$(peers)"
	reach vfA 10.9.0.3 || fail "after repair"

	step "a daemon restart"
	# a daemon restart
	kill -9 "$(session_daemon hC "$vx" hB)"
	sleep 0.5
	secured hC "$(peers)"
	reach vfC 10.9.0.2 || fail "after the daemon restart"

	step "a reboot of hB"
	# a reboot of hB: everything of it goes, then it loads again
	sessions_stop hB
	for d in $(ip -n hB -o link show | grep -Eo ': (np[vge][0-9a-f]{8}|br-front|br-back)' | cut -c3-); do
		ip -n hB link del "$d" 2> /dev/null
	done
	npl hB load "$tmp/pool.policy" > /dev/null || fail "load after reboot"
	secured hB "$(peers)"
	reach vfB 10.9.0.1 || fail "after the reboot"

	step "a module reload"
	# a module reload: ports stay, sessions stay
	rmmod netpolicy || fail "rmmod"
	insmod "${NETPOLICY_KO:-$top/kernel/netpolicy.ko}" reeval_verify=1 || fail "insmod"
	pool_reload
	reach vfA 10.9.0.2 || fail "after the module reload"

	step "a fourth host joins"
	# a fourth host joins, with no command on the others but a reload of
	# the pool file (the pool agent will make that automatic), then leaves
	host_up hD
	capture_start hD
	HOSTS="hA hB hC hD"
	pool_reload
	vms_of hD
	for h in $HOSTS; do secured "$h" "$(peers)"; done
	reach vfD 10.9.0.1 || fail "hD: front"
	reach vbD 10.8.0.2 || fail "hD: back"
	step "the fourth host leaves"
	HOSTS="hA hB hC"
	pool_reload
	sessions_stop hD
	for h in $HOSTS; do secured "$h" "$(peers)"; done
	reach vfA 10.9.0.3 || fail "after hD left"

	step "the check"
	traffic_stop
	capture_stop
	local rc=0
	"$SECTAG" check --caks "$KEYS" --pattern "$PATTERN" "$tmp"/ul*.pcap > "$tmp/sectag" 2>&1 || rc=$?
	sed 's/^/    /' "$tmp/sectag"
	if [ $rc != 0 ]; then
		# the keys and channels of the association that repeated
		local ca
		ca=$(sed -n 's/^REPEAT .* ckn \([0-9a-f?]*\) .*/\1/p' "$tmp/sectag" | head -n 1)
		[ -n "$ca" ] && "$SECTAG" check --caks "$KEYS" -v "$tmp"/ul*.pcap 2>&1 |
			grep -F "ckn $ca" | grep -v '^REPEAT' | head -n 60 | sed 's/^/    /'
		fail "the underlay shows a repeated nonce, plaintext or the payload"
	fi
	# the check saw enough to mean something: thousands of frames, tens
	# of keys, and the VMs' payload inside them
	grep -Eq ' ([0-9]{4,}) frames verified under ([1-9][0-9]) SAKs, 0 under none;.* in ([1-9][0-9]*) decrypted frames$' "$tmp/sectag" ||
		fail "too little traffic or too few keys to judge: $(cat "$tmp/sectag")"
}

run_cases "${NP_SUITE:-keys}" "$@"
