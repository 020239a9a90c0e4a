#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the netpolicy test suites (netpolicy.sh, xen.sh) share: assertions
# and the case runner. Sourced, not run.

fail() { echo "    FAIL: $*"; exit 1; }
expect_eq() { # desc want got
	[ "$2" = "$3" ] && return 0
	echo "    FAIL: $1"
	diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/    /'
	exit 1
}

# A pause that starts no process: a read that times out on a FIFO this
# shell holds open for reading and writing, which nobody writes. On the
# debug kernel a fork and exec costs a sixth of a second of CPU; polls and
# background loops use this, not sleep.
# Not a process substitution (<(:)): bash records one as a process to wait
# for, a subshell inherits the record, and a record of one that ended
# unseen makes a bare `wait` block for as long as any other child of that
# shell lives (an etcd member, an agent a case disowned). Stop 51's CI hung
# each agent case that way (case_jobs_stop waited for ever).
np_nap_dir=$(mktemp -d)
mkfifo "$np_nap_dir/nap"
exec {np_nap_fd}<> "$np_nap_dir/nap"
rm -rf "$np_nap_dir"
unset np_nap_dir
nap() { # seconds (its read's timeout is not a failure, under set -e too)
	read -r -t "$1" -u "$np_nap_fd" || :
}

# The master of device DEV in namespace NS, or "none" (one process).
ns_master() { # ns dev
	local l
	l=$(ip -n "$1" -o link show dev "$2" 2> /dev/null)
	if [[ $l =~ \ master\ ([^ ]+)\  ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo none
	fi
}
expect_master() { # ns dev want
	local got
	got=$(ns_master "$1" "$2")
	[ "$got" = "$3" ] || fail "$1 $2: master is '$got', want '$3'"
}
# Poll for up to 30 s until CMD prints WANT; whether it did. (A deadline,
# not a count of looks: on the debug kernel a look costs a fifth of a second.
# Generous: it only costs time when a case fails, and the project's CI
# machine runs the VMs 1.4 times slower than the one the cases were timed
# on.)
poll_eq() { # want cmd...
	local want=$1 end=$((SECONDS + 30))
	shift
	while ((SECONDS < end)); do
		[ "$("$@")" = "$want" ] && return 0
		nap 0.1
	done
	[ "$("$@")" = "$want" ]
}
# Wait until the `npmgr monitor` of background job PID listens (blocked
# reading its subscribed socket): events before that are lost, and on the
# debug kernel starting a process takes a good part of a second.
monitor_ready() { # pid
	local p end=$((SECONDS + 30))
	while ((SECONDS < end)); do
		for p in "$1" $(pgrep -P "$1"); do
			case $(cat "/proc/$p/comm" 2> /dev/null) in
			npmgr*) ;;	# npmgr-asan too
			*) continue ;;
			esac
			case $(cat "/proc/$p/wchan" 2> /dev/null) in
			*skb_wait* | *poll*) return 0 ;;
			esac
		done
		nap 0.1
	done
	fail "npmgr monitor (job $1) did not start listening"
}
# Until every FILE (a tcpdump's standard error) says that its capture
# listens, by a deadline of 30 s: whether they all do. Packets sent
# before that are not captured, and a loaded machine starts a tcpdump in
# seconds.
wait_listening() { # file...
	local f end=$((SECONDS + 30))
	for f in "$@"; do
		until grep -q listening "$f" 2> /dev/null; do
			((SECONDS < end)) || return 1
			nap 0.1
		done
	done
}
# Re-checks after a bridge gains or loses an uplink run deferred: poll.
wait_master() { # ns dev want
	poll_eq "$3" ns_master "$1" "$2" || expect_master "$1" "$2" "$3"
}

# How many rounds a loop-heavy case (races, storms, dumps under churn)
# runs: COUNT scaled by NP_SCALE percent (default 100), at least 1. The
# debug kernel's stage runs them at a quarter: every step costs it four
# times as much, and the race each case sets up is the same at any size.
scaled() { # count
	local n=$(($1 * ${NP_SCALE:-100} / 100))
	echo $((n > 0 ? n : 1))
}

# What must never be in the kernel log after a case: the kernel's own
# complaints, and a netlink request of npmgr's (npmgr-virtwatch, ...) that
# the kernel found malformed but let through (a fuzzer's are meant to be).
np_bad_log="WARNING:|BUG:|ODEBUG|corruption|duplicate filename|Oops|oops:|general protection|unregister_netdevice: waiting|refcount_t:|KASAN|UBSAN|lockdep|possible circular locking|suspicious RCU usage|leak|netlink: 'npmgr[^']*': |leftover after parsing attributes in process .npmgr"

# After a case timed out: the tasks asleep in the kernel (state D) and
# where, and the kernel's last words: a case that waits on the kernel
# forever leaves nothing else to go by.
blocked_tasks() {
	local d k st
	for d in /proc/[0-9]*; do
		st=
		while read -r k st _; do
			[ "$k" = State: ] && break
		done 2> /dev/null < "$d/status"
		[ "$st" = D ] || continue
		echo "    blocked in the kernel: ${d#/proc/} $(tr '\0' ' ' < "$d/cmdline")"
		sed 's/^/      /' "$d/stack" 2> /dev/null
	done
	[ -n "${NP_NO_KLOG:-}" ] || dmesg | tail -n 30 | sed 's/^/    dmesg: /'
}

# The processes below PID (its children, theirs, ...), parents first.
descendants() { # pid
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}
# One line a process of PID...: what it is and what it waits in.
ps_lines() { # pid...
	local p
	for p in "$@"; do
		[ -e "/proc/$p" ] || continue
		echo "    process $p ($(sed -n 's/^State:\t//p' "/proc/$p/status" 2> /dev/null), in $(cat "/proc/$p/wchan" 2> /dev/null)): $(tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null)"
	done
}

# A case runs in a subshell: what it starts in the background (a tapvm, a
# monitor, a capture) is that subshell's job, which the suite's cleanup()
# (in the parent) cannot see. Stop them as the case's subshell exits, so
# none outlives its case (holding a namespace, or the output a reader of
# the suite waits on the end of). A job that is a shell function (np ...
# &) is a shell whose command is its child: that child first. (It runs
# under the case's set -e: nothing here may fail.)
case_jobs_stop() {
	local j p

	j=$(jobs -p)
	for p in $j; do
		pkill -P "$p" 2> /dev/null || true
	done
	[ -z "$j" ] || kill $j 2> /dev/null || true
	# its jobs, never a bare wait: that also waits for what the shell
	# holds records of, and would wait on the processes a case disowned
	# shellcheck disable=SC2086 # one word a job
	[ -z "$j" ] || wait $j 2> /dev/null || true
}

# Whether process PID is still running: it exists and is not a zombie.
# Builtins only (a watchdog asks this five times a second).
running() { # pid
	local l
	{ read -r l < "/proc/$1/stat"; } 2> /dev/null || return 1
	l=${l##*) }
	[ "${l%% *}" != Z ]
}

# The suite's cleanup(), by a deadline (NP_CLEANUP_TIMEOUT, 180 s): one
# that hangs says where and what it waited on, and is stopped, so that a
# case that failed does not hold the rest of the run until the VM's own
# limit. What the suite shell had running before (an etcd member, a
# daemon a case disowned) is left alone; what cleanup started is killed,
# and a wait it is in is cut short (a signal it traps). Whether it ended
# in time.
# The watchdog sees the end of the cleanup by a file it polls, not by a
# signal or a wait of the suite shell's: it ends on its own, whatever the
# shell missed.
np_cleanup_late=
cleanup_by_deadline() {
	local dog before flag=${TMPDIR:-/tmp}/np-cleanup.$$
	before=" $(pgrep -P $$ | xargs) "
	np_cleanup_late=
	: > "$flag"
	trap 'np_cleanup_late=1' USR1
	( exec 2> /dev/null
	  end=$((SECONDS + ${NP_CLEANUP_TIMEOUT:-180}))
	  while [ -e "$flag" ] && ((SECONDS < end)); do
		  nap 0.5
	  done
	  [ -e "$flag" ] || exit 0
	  echo "    FAIL: the suite's cleanup did not end in ${NP_CLEANUP_TIMEOUT:-180}s"
	  late=
	  for p in $(pgrep -P $$); do
		  [ "$p" = "$BASHPID" ] || [[ $before == *" $p "* ]] || late+=" $p $(descendants "$p")"
	  done
	  # shellcheck disable=SC2086 # one word a process
	  ps_lines $late
	  blocked_tasks
	  [ -e "$flag" ] && kill -USR1 $$
	  # shellcheck disable=SC2086
	  [ -z "$late" ] || kill -9 $late ) &
	dog=$!
	disown "$dog"	# not one of the jobs a cleanup waits for
	cleanup
	rm -f "$flag"
	trap : USR1	# handled, not the default (which ends the shell)
	[ -z "$np_cleanup_late" ]
}

# run_cases PREFIX [TEST...]: run the suite's test_* functions (default:
# all but those NP_SKIP names), each as `setup; test_NAME; cleanup` with
# the kernel log checked after it; TAP-like lines; "<PREFIX> selftests: N
# passed, N failed".
# With NP_CASE_TIMEOUT=S a case that runs longer fails, and the suite's
# `on_timeout` (if any) says what the system looked like; after two cases
# in a row timed out the rest are not run (each fails, said so at once):
# a system that is stuck would only hang each of them in turn, until the
# VM's own limit cut the run and the other suites' results with it.
# NP_NO_KLOG=1: a suite that runs no kernel of ours (pool.sh, on the
# build machine).
run_cases() {
	local prefix=$1 t n=0 pass=0 failn=0 rc tpid dog tests t0 t1 hung=0
	local hung_mark=${TMPDIR:-/tmp}/np-timeout.$$
	shift
	tests=$(declare -F | awk -v skip=" ${NP_SKIP:-} " \
		'$3 ~ /^test_/ { sub("test_", "", $3); if (index(skip, " " $3 " ") == 0) print $3 }')
	[ $# -gt 0 ] && tests="$*"
	for t in $tests; do
		n=$((n + 1))
		if ((hung >= 2)); then
			echo "not ok $n $t # not run: the two cases before it timed out"
			failn=$((failn + 1))
			continue
		fi
		[ -n "${NP_NO_KLOG:-}" ] || dmesg -c > /dev/null
		t0=$SECONDS
		setup
		t1=$SECONDS
		if [ -n "${NP_CASE_TIMEOUT:-}" ]; then
			( set -e; trap case_jobs_stop EXIT; "test_$t" ) &
			tpid=$!
			# the watchdog polls the case: it ends a fifth of
			# a second after the case does, whether or not this
			# shell's wait saw the case end (its end wakes that
			# wait)
			( exec 2> /dev/null
			  end=$((t1 + NP_CASE_TIMEOUT))
			  while running "$tpid" && ((SECONDS < end)); do
				  nap 0.2
			  done
			  running "$tpid" || exit 0
			  # what matters first (a report may be cut)
			  echo "    FAIL: timed out after ${NP_CASE_TIMEOUT}s (its setup took $((t1 - t0))s)"
			  : > "$hung_mark"
			  tree="$tpid $(descendants "$tpid")"
			  # shellcheck disable=SC2086 # one word a process
			  ps_lines $tree
			  declare -F on_timeout > /dev/null && on_timeout
			  blocked_tasks
			  # the case and all it started go: a process of
			  # it left behind can hold what cleanup undoes
			  # shellcheck disable=SC2086
			  kill -9 $tree ) &
			dog=$!
			wait "$tpid"
			rc=$?
			wait "$dog" 2> /dev/null
			if [ -e "$hung_mark" ]; then
				hung=$((hung + 1))
				rm -f "$hung_mark"
			else
				hung=0
			fi
		else
			( set -e; trap case_jobs_stop EXIT; "test_$t" )
			rc=$?
		fi
		cleanup_by_deadline || rc=1
		if [ -z "${NP_NO_KLOG:-}" ] && dmesg | grep -E "$np_bad_log" > "$tmp/dmesg"; then
			echo "    FAIL: kernel log:"
			sed 's/^/    /' "$tmp/dmesg"
			rc=1
		fi
		if [ $rc = 0 ]; then
			echo "ok $n $t # $((SECONDS - t0))s"
			pass=$((pass + 1))
		else
			echo "not ok $n $t # $((SECONDS - t0))s"
			failn=$((failn + 1))
		fi
	done
	echo "$prefix selftests: $pass passed, $failn failed"
	[ $failn = 0 ]
}

# Key agreement sessions (npmgr mka-supervise, one per encrypted tunnel).
# Stop those of hosts HOST... (before their namespaces go: a supervisor
# deletes its MACsec device in its own namespace).
sessions_stop() { # host...
	local h p pid i
	for h in "$@"; do
		for p in /run/netpolicy/mka/"$h"/*.pid; do
			[ -e "$p" ] || continue
			pid=$(cat "$p")
			kill "$pid" 2> /dev/null || continue
			for ((i = 0; i < 100; i++)); do
				kill -0 "$pid" 2> /dev/null || break
				nap 0.05
			done
		done
		rm -rf "/run/netpolicy/mka/$h"
	done
}
# How many sessions of network NET on host HOST are in state STATE.
sessions_in() { # host net state
	ip netns exec "$1" "$NPMGR" -j show keys | tr '{' '\n' |
		grep "\"network\":\"$2\"" | grep -c "\"state\":\"$3\""
}
# Wait until N (default 1) sessions of NET on HOST are secured.
wait_secured() { # host net [n]
	local end=$((SECONDS + 90))
	while ((SECONDS < end)); do
		[ "$(sessions_in "$1" "$2" secured)" -ge "${3:-1}" ] && return 0
		nap 0.2
	done
	echo "    the session logs:"
	tail -n 25 /run/netpolicy/mka/*/*.log 2>&1 | sed 's/^/    /'
	fail "$1: network $2: no secured key agreement session after 90 s: $(ip netns exec "$1" "$NPMGR" show keys)"
}
