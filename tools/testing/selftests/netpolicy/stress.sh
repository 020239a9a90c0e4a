#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh: what the debug kernel stage of `make check` runs after the
# suites (tools/testing/debug-kernel/run). Each case churns the module from
# several sides at once and then checks that every device is where the
# policy says:
#
#   fuzz        tools/testing/selftests/netpolicy/gnlfuzz, half of the
#               requests as root in the initial namespace, half as the
#               unprivileged admin of a user namespace, both at once, while
#               taps come and go and the policy is reloaded in each
#   modcycle    rmmod/insmod with attached ports, taps created throughout
#   namespaces  namespaces created, loaded, given a port, destroyed
#
# NP_FUZZ_REQUESTS (1000000), NP_MOD_CYCLES (200), NP_NAMESPACES (100)
# scale them; NP_FUZZ_SECONDS gives the fuzzers a time budget as well;
# NP_STRESS_CASES picks cases when none are named. make check runs the fuzz
# case on the distribution kernel (run_all.sh) and the others on the debug
# kernel (tools/testing/debug-kernel/run). Usage: stress.sh [TEST...]   (default: all)
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
. "$here/lib.sh"
NPMGR=${NPMGR:-$top/userspace/npmgr}
KO=${NETPOLICY_KO:-$top/kernel/netpolicy.ko}
GNLFUZZ=${GNLFUZZ:-$here/gnlfuzz}
REQUESTS=${NP_FUZZ_REQUESTS:-1000000}
# a case may take 40 minutes, the fuzz case a second per hundred requests
# or, with a time budget, 15 minutes more than that
limit=$((REQUESTS / 100 > 2400 ? REQUESTS / 100 : 2400))
[ -z "${NP_FUZZ_SECONDS:-}" ] || limit=$((NP_FUZZ_SECONDS + 900 > 2400 ? NP_FUZZ_SECONDS + 900 : 2400))
[ "${NP_CASE_TIMEOUT:-0}" -ge $limit ] || export NP_CASE_TIMEOUT=$limit
[ -z "${NP_STRESS_TIMEOUT:-}" ] || export NP_CASE_TIMEOUT=$NP_STRESS_TIMEOUT
CYCLES=${NP_MOD_CYCLES:-200}
NAMESPACES=${NP_NAMESPACES:-100}

# Two networks, two bridges; taps tps0* belong on br-s0, tps1* on br-s1,
# anything else stays unattached. b.policy swaps them, for the reloads.
write_policies() { # dir
	local d=$1
	cat > "$d/a.policy" <<'POL'
policy p0 {
    ALLOW_CROSS_SERVER = false
    ISOLATE_FROM = {NAME(vm9)}
}
network n0 {
    bridge = br-s0
    policy = p0
}
network n1 {
    bridge = br-s1
}
vm vm0 {
}
vm vm1 {
    tags = {t1}
}
vif v0 {
    ifname = "tps0*"
    network = n0
    vm = vm0
}
vif v1 {
    ifname = "tps1*"
    network = n1
    vm = vm1
}
POL
	sed -e 's/"tps0\*"/"tps9*"/' -e 's/"tps1\*"/"tps0*"/' \
		-e 's/"tps9\*"/"tps1*"/' "$d/a.policy" > "$d/b.policy"
	chmod 0755 "$d"
	chmod 0644 "$d/a.policy" "$d/b.policy"
}

# Every tap of the namespace (default: this one) whose name starts with
# tps: is its master what a.policy says? Prints the ones that are not.
# VMs' taps as QEMU makes them: created, then up (a tap on no master joins
# its bridge when it comes up); one ip for all
vtaps() { # [-n NS] name...
	local t ns=()
	[ "$1" = -n ] && { ns=(-n "$2"); shift 2; }
	for t in "$@"; do
		printf 'tuntap add %s mode tap\nlink set %s up\n' "$t" "$t"
	done | ip "${ns[@]}" -batch -
}

misplaced() { # [ns]
	ip ${1:+-n "$1"} -o link show | awk '
	$2 ~ /^tps/ {
		dev = $2; sub(/[:@].*/, "", dev)
		got = "none"
		for (i = 3; i < NF; i++) if ($i == "master") got = $(i + 1)
		want = dev ~ /^tps0/ ? "br-s0" : dev ~ /^tps1/ ? "br-s1" : "none"
		if (got != want) print dev ": master " got ", want " want
	}'
}

# Create and delete taps in the current namespace until killed, four of
# each a round, a round a second, through one `ip -batch` process: an `ip`
# per tap would spend the CPUs on fork and exec. (What counts is that
# devices come and go while requests are handled, not how many: on the
# debug kernel a tap's life costs tens of milliseconds of CPU.)
# Run in the background; killed (TERM), it finishes its round, closes the
# pipe and waits for ip to run what it was sent: an `ip` that outlived the
# kill would still be adding taps when the case looks at them, and a tap
# that is not up yet is rightly on no bridge.
churn() {
	local i ip stop=
	trap 'stop=1' TERM
	exec > >(exec ip -force -batch - > /dev/null 2>&1)
	ip=$!
	while nap 1; [ -z "$stop" ]; do
		for i in 0 1 2 3; do
			echo "tuntap add tps$((i % 2))c$i mode tap"
			echo "link set tps$((i % 2))c$i up"
		done
		for i in 0 1 2 3; do
			echo "link del tps$((i % 2))c$i"
		done
	done
	exec >&-
	wait "$ip"
}

reloads() { # load a and b by turns, a pair every two seconds, until killed
	# killed, finish the load under way first: a load of b.policy that
	# outlived this loop could land after the check's own load of a
	trap 'exit 0' TERM
	while nap 2; do
		"$NPMGR" load "$pol/b.policy" > /dev/null 2>&1
		"$NPMGR" load "$pol/a.policy" > /dev/null 2>&1
	done
}

fuzz_words=(-w p0 -w n0 -w n1 -w br-s0 -w br-s1 -w vm0 -w vm1 -w vm9
	-w v0 -w v1 -w t1 -w "tps0*" -w "tps1*" -w tps00 -w "*" -w host1)

# The namespace's share of the fuzz case: bridges, the policy, churn and
# reloads, the fuzzer, then the check. Runs as root in the initial
# namespace, and (through `unshare -Urn`) as a user namespace's admin.
fuzz_here() { # requests seed
	local bg rc=0 out
	ip link set lo up
	ip link add br-s0 type bridge || return 1
	ip link add br-s1 type bridge || return 1
	out=$("$NPMGR" load "$pol/a.policy" 2>&1) || { echo "load: $out"; return 1; }
	vtaps tps00 tps10 || return 1
	churn &
	bg=$!
	reloads &
	bg="$bg $!"
	"$GNLFUZZ" -n "$1" ${NP_FUZZ_SECONDS:+-t "$NP_FUZZ_SECONDS"} -s "$2" \
		"${fuzz_words[@]}" netpolicy || rc=1
	kill $bg
	wait $bg 2> /dev/null || :
	# whatever the fuzzer left, a load of a.policy decides every port
	out=$("$NPMGR" load "$pol/a.policy" 2>&1) ||
		{ echo "load after the fuzz: $out"; return 1; }
	vtaps tps01 tps11 tps21
	sleep 0.5
	misplaced | grep . && rc=1
	"$NPMGR" flush
	return $rc
}

setup() { :; }
# A case that timed out: how far the fuzzers got (they print every 100,000)
on_timeout() {
	[ -e "$tmp/root.out" ] && sed 's/^/    root:   /' "$tmp/root.out"
	[ -e "$tmp/userns.out" ] && sed 's/^/    userns: /' "$tmp/userns.out"
}
cleanup() {
	local d
	jobs -p | xargs -r kill 2> /dev/null
	wait 2> /dev/null
	# a case that timed out leaves its children (a dump in progress pins
	# the module: the next case's rmmod would fail)
	pkill -f -- "--fuzz-here" 2> /dev/null
	pkill -x gnlfuzz 2> /dev/null
	sleep 0.2
	for d in /sys/class/net/tps* /sys/class/net/br-s*; do
		[ -e "$d" ] && ip link del "${d##*/}" 2> /dev/null
	done
	for d in $(ip netns list | awk '/^nps/ { print $1 }'); do
		ip netns del "$d"
	done
	lsmod | grep -q '^netpolicy ' || insmod "$KO" reeval_verify=1
	"$NPMGR" flush 2> /dev/null
	return 0
}
test_fuzz() {
	local half=$((REQUESTS / 2)) user rc=0 sent
	write_policies "$pol"
	# the user namespace's half, unprivileged outside it
	setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		unshare -Urn -- "$0" --fuzz-here "$pol" "$((REQUESTS - half))" 2 \
		> "$tmp/userns.out" 2>&1 &
	user=$!
	fuzz_here "$half" 1 > "$tmp/root.out" 2>&1 || { echo "    root: exit status $?"; rc=1; }
	wait $user || { echo "    userns: exit status $?"; rc=1; }
	sed 's/^/    root:   /' "$tmp/root.out"
	sed 's/^/    userns: /' "$tmp/userns.out"
	[ $rc = 0 ] || fail "fuzz: see above"
	# both fuzzers said how many requests they sent: all of them, or, with
	# a time budget, as many as it allowed
	sent=$(cat "$tmp/root.out" "$tmp/userns.out" |
		sed -n 's/^gnlfuzz: \([0-9]*\) requests.*/\1/p' | awk '{ s += $1 } END { print NR, s + 0 }')
	if [ -n "${NP_FUZZ_SECONDS:-}" ]; then
		[ "${sent% *}" = 2 ] || fail "a fuzzer did not finish: $sent"
		echo "    ${sent#* } requests in the ${NP_FUZZ_SECONDS}s budget"
	else
		expect_eq "requests sent (fuzzers, requests)" "2 $REQUESTS" "$sent"
	fi
}

test_modcycle() {
	local i bg
	write_policies "$pol"
	ip link add br-s0 type bridge
	ip link add br-s1 type bridge
	"$NPMGR" load "$pol/a.policy" > /dev/null || fail "load"
	vtaps tps00 tps10 tps01 tps11 tps02 tps12 tps03 tps13
	churn &
	bg=$!
	for i in $(seq "$CYCLES"); do
		rmmod netpolicy || fail "cycle $i: rmmod with attached ports"
		insmod "$KO" reeval_verify=1 || fail "cycle $i: insmod"
		"$NPMGR" load "$pol/a.policy" > "$tmp/load" 2>&1 ||
			fail "cycle $i: load: $(cat "$tmp/load")"
	done
	kill $bg
	wait $bg 2> /dev/null || true
	vtaps tps0z tps1z
	sleep 0.5
	expect_eq "every port where the policy says, after $CYCLES cycles" "" \
		"$(misplaced | while read -r dev rest; do
			echo "$dev $rest; $("$NPMGR" show interfaces |
				awk -v d="${dev%:}" '$1 == d')"; done)"
	echo "    $CYCLES rmmod/insmod cycles with $(ls -d /sys/class/net/br-s*/brif/* | wc -l) attached ports"
}

test_namespaces() {
	local i ns
	write_policies "$pol"
	for i in $(seq "$NAMESPACES"); do
		ns=nps$i
		ip netns add $ns
		ip -n $ns link add br-s0 type bridge
		ip -n $ns link add br-s1 type bridge
		ip netns exec $ns "$NPMGR" load "$pol/a.policy" > /dev/null || fail "$ns: load"
		vtaps -n $ns tps0a tps1a
	done
	for i in $(seq "$NAMESPACES"); do
		expect_eq "nps$i: ports" "" "$(misplaced "nps$i")"
	done
	# the objects of each are its own
	expect_eq "the initial namespace has no objects" "" "$("$NPMGR" show config)"
	for i in $(seq "$NAMESPACES"); do
		ip netns del "nps$i"
	done
	# namespaces are torn down by a worker: wait for their devices to go
	for i in $(seq 600); do
		[ "$(ls /sys/devices/virtual/net | grep -c '^tps')" = 0 ] && break
		sleep 0.1
	done
	expect_eq "devices of destroyed namespaces" "" "$(ls /sys/devices/virtual/net | grep '^tps')"
	echo "    $NAMESPACES namespaces created, loaded and destroyed"
}

if [ "${1:-}" = "--fuzz-here" ]; then	# test_fuzz, in the user namespace
	pol=$2
	shift 2
	# a step that fails says so, whatever it printed itself
	set -E
	trap 'echo "fuzz-here: status $? from line $LINENO: $BASH_COMMAND"' ERR
	fuzz_here "$@"
	exit
fi

if [ -z "${NP_IN_VM:-}" ]; then
	echo "SKIP: run inside the test VM, never on the host kernel"
	exit 4
fi
tmp=$(mktemp -d)
pol=$tmp/pol
mkdir -p "$pol"
chmod 0755 "$tmp"
trap 'cleanup; rm -rf "$tmp"' EXIT
lsmod | grep -q '^netpolicy ' || { echo "SKIP: netpolicy.ko not loaded"; exit 4; }
# shellcheck disable=SC2086 # a case a word
[ $# -gt 0 ] || set -- ${NP_STRESS_CASES:-}
run_cases "${NP_SUITE:-stress}" "$@"
