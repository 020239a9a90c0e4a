#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pool.sh: `npmgr pool` against real etcd clusters this script starts on
# loopback ports (etcd-server's etcd; etcdctl only to set up users):
#   - three members over HTTP: apply, diff, show, bad files, applies
#     racing, the leader killed during applies, a member down;
#   - one member over TLS with client certificates (a CA made here with
#     openssl) and authentication on: an etcd user and its password file.
# No kernel is involved (the pool's objects are etcd keys): runs on the
# build machine. Usage: pool.sh [TEST...]   (default: all)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$top/tools/testing/selftests/netpolicy/lib.sh"
NPMGR=${NPMGR:-$top/userspace/npmgr}
WATCHCHECK=$here/watchcheck
export NP_NO_KLOG=1	# lib.sh: no kernel of ours runs here
export NP_CASE_TIMEOUT=${NP_CASE_TIMEOUT:-300}
for b in etcd etcdctl openssl; do
	command -v $b > /dev/null || { echo "pool.sh: $b missing (make deps)"; exit 1; }
done
# The members' data in memory where there is a tmpfs: etcd syncs each write
# to disk, and on a machine whose disk is slow to sync (stop 51's CI ran
# this stage 2.5 times as long as the machine it was timed on) the cases
# would measure the disk.
tmp=$(mktemp -d -p /dev/shm 2> /dev/null || mktemp -d)
# Ports: a block of ten per run, so that two runs on one machine do not
# meet, below the kernel's ephemeral range (ip_local_port_range): a port in
# that range can be any client socket's source port at the moment a member
# binds it, and a member that cannot listen leaves a cluster of two that
# passes until a case stops one of them. The block is also skipped if any
# TCP socket already uses one of its ports.
used_ports() { # local ports of every TCP socket, one per line, decimal
	local h
	for h in $(awk 'FNR > 1 { n = split($2, a, ":"); print a[n] }' \
		/proc/net/tcp /proc/net/tcp6 2> /dev/null); do
		echo $((16#$h))
	done | sort -un
}
pick_base() {
	local low blocks b i p used
	read -r low _ < /proc/sys/net/ipv4/ip_local_port_range
	[ "$low" -gt 20100 ] || { echo "pool.sh: the ephemeral port range starts at $low: no room below it" >&2; exit 1; }
	blocks=$(((low - 20000) / 10 - 1))
	used=$(used_ports)
	for ((i = 0; i < blocks; i++)); do
		b=$((20000 + (($$ + i) % blocks) * 10))
		for ((p = b; p < b + 10; p++)); do
			grep -qx "$p" <<< "$used" && continue 2
		done
		echo "$b"
		return
	done
	echo "pool.sh: no free block of ten ports below $low" >&2
	exit 1
}
base=$(pick_base)

# Member i of an N-member cluster, started (state new) or started again
# from its data (existing); its pid is line i of $tmp/members.
start_member() { # i N scheme state [etcd options...]
	local i=$1 n=$2 scheme=$3 state=$4 j cl=""
	shift 4
	for j in $(seq "$n"); do
		cl+="${cl:+,}m$j=http://127.0.0.1:$((base + 5 + j))"
	done
	etcd --name "m$i" --data-dir "$tmp/m$i" \
		--listen-peer-urls "http://127.0.0.1:$((base + 5 + i))" \
		--initial-advertise-peer-urls "http://127.0.0.1:$((base + 5 + i))" \
		--listen-client-urls "$scheme://127.0.0.1:$((base + i))" \
		--advertise-client-urls "$scheme://127.0.0.1:$((base + i))" \
		--initial-cluster "$cl" --initial-cluster-state "$state" \
		--initial-cluster-token "np$$" "$@" >> "$tmp/m$i.log" 2>&1 &
	# the cases run in subshells: the pids are in a file
	if [ "$(wc -l 2> /dev/null < "$tmp/members" || echo 0)" -ge "$i" ]; then
		sed -i "${i}s/.*/$!/" "$tmp/members"
	else
		echo $! >> "$tmp/members"
	fi
	disown $!	# a case kills it: no job report
}

start_cluster() { # N scheme [etcd options...]: members 1..N, client port base+i
	local n=$1 scheme=$2 i
	shift 2
	for i in $(seq "$n"); do
		start_member "$i" "$n" "$scheme" new "$@"
	done
	endpoints=$(for i in $(seq "$n"); do echo "$scheme://127.0.0.1:$((base + i))"; done | paste -sd,)
	export NPMGR_ETCD=$endpoints
}

member() { sed -n "$1p" "$tmp/members"; }	# its pid

# member i of the three-member HTTP cluster again, from its data
restart_member() { start_member "$1" 3 http existing; }

# until that member alone answers a read
wait_member() { # url
	local i
	for ((i = 0; i < 100; i++)); do
		NPMGR_ETCD=$1 "$NPMGR" pool show > /dev/null 2>&1 && return 0
		nap 0.2
	done
	fail "$1 did not rejoin: $(tail -n 3 "$tmp/m$(( ${1##*:} - base )).log")"
}

stop_member() { # pid (the cases run in subshells: wait cannot reap it)
	local i
	kill "$1" 2> /dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2> /dev/null || return 0
		nap 0.1
	done
	kill -9 "$1" 2> /dev/null || :
}

stop_cluster() {
	local p
	[ -e "$tmp/members" ] || return 0
	for p in $(cat "$tmp/members"); do
		stop_member "$p"
	done
	rm -f "$tmp/members"
	rm -rf "$tmp"/m[0-9]*
}

# until the cluster answers (a leader is elected): npmgr's own read
wait_ready() { # [npmgr pool options...]
	local i
	for ((i = 0; i < 100; i++)); do
		"$NPMGR" pool "$@" show > /dev/null 2>&1 && return 0
		nap 0.2
	done
	fail "etcd did not come up: $(tail -n 3 "$tmp"/m1.log)"
}

write_file() { # path bridge vm
	cat > "$1" <<POL
policy p0 {
    ALLOW_CROSS_SERVER = false
    ISOLATE_FROM = {NAME(vm9)}
}
network n0 {
    bridge = $2
    policy = p0
}
vm $3 {
    tags = {web}
}
vif v0 {
    ifname = "tps0*"
    network = n0
    vm = $3
}
POL
}

rev() { "$NPMGR" pool show | sed -n 's/^# pool at revision \([0-9]*\).*/\1/p'; }

setup() { :; }
cleanup() { :; }

test_apply_diff_show() {
	local out
	write_file "$tmp/a.policy" br-a vm1
	expect_eq "empty pool" "# pool at revision 1, never applied
# live hosts: none" "$("$NPMGR" pool show)"
	expect_eq "diff" "add    network n0
add    policy p0
add    vif v0
add    vm vm1
4 changes (4 added, 0 changed, 0 deleted) against revision 1" "$("$NPMGR" pool diff "$tmp/a.policy")"
	expect_eq "diff wrote nothing" 1 "$(rev)"
	expect_eq "apply" "add    network n0
add    policy p0
add    vif v0
add    vm vm1
4 changes (4 added, 0 changed, 0 deleted) applied at revision 2" "$("$NPMGR" pool apply "$tmp/a.policy")"
	out=$("$NPMGR" pool show)
	expect_eq "show" "policy p0 {
	ALLOW_CROSS_SERVER = false
	ISOLATE_FROM = {NAME(vm9)}
}

network n0 {
	bridge = br-a
	policy = p0
}

vm vm1 {
	tags = {web}
}

vif v0 {
	ifname = tps0*
	network = n0
	vm = vm1
}
# live hosts: none" "$(sed 1d <<< "$out")"
	[[ $(head -n 1 <<< "$out") =~ ^\#\ pool\ at\ revision\ 2,\ applied\ by\ .+\ at\ 20[0-9-]+T[0-9:]+Z$ ]] ||
		fail "show's first line: $(head -n 1 <<< "$out")"
	expect_eq "apply again" "no changes against revision 2" "$("$NPMGR" pool apply "$tmp/a.policy")"
	# one network changed, one vm renamed
	write_file "$tmp/b.policy" br-b vm2
	expect_eq "diff b" "change network n0
change vif v0
delete vm vm1
add    vm vm2
4 changes (1 added, 2 changed, 1 deleted) against revision 2" "$("$NPMGR" pool diff "$tmp/b.policy")"
	"$NPMGR" pool apply "$tmp/b.policy" > /dev/null || fail "apply b"
	expect_eq "b applied" "no changes against revision 3" "$("$NPMGR" pool diff "$tmp/b.policy")"
	expect_eq "json" '{"revision":3,"applied":{"by":"'"$(hostname)"'","at":"AT","objects":4,"id":"ID"},"live_hosts":[],"objects":{"host":null,"policies":[{"name":"p0","ALLOW_CROSS_SERVER":false,"ISOLATE_FROM":[{"type":"name","value":"vm9"}]}],"nics":[],"networks":[{"name":"n0","bridge":"br-b","policy":"p0"}],"vms":[{"name":"vm2","uuid":null,"tags":["web"],"policy":null,"source":null}],"vifs":[{"name":"v0","ifname":"tps0*","mac":null,"network":"n0","vm":"vm2","policy":null,"source":null}]}}' \
		"$("$NPMGR" -j pool show | sed 's/"at":"[^"]*"/"at":"AT"/; s/"id":"[0-9a-f]\{32\}"/"id":"ID"/')"
}

test_bad_files_change_nothing() {
	local r
	r=$(rev)
	printf 'network n1 {\n    bridge = br-x\n    policy = nosuch\n}\n' > "$tmp/bad.policy"
	"$NPMGR" pool apply "$tmp/bad.policy" > "$tmp/out" 2> "$tmp/err" && fail "a bad file applied"
	grep -q "^$tmp/bad.policy:3:14: " "$tmp/err" || fail "no file:line:col: $(cat "$tmp/err")"
	expect_eq "last line" "npmgr: $tmp/bad.policy: 1 error, nothing applied" "$(tail -n 1 "$tmp/err")"
	printf 'host h1 {\n    address = 10.0.0.1\n}\n' > "$tmp/host.policy"
	"$NPMGR" pool apply "$tmp/host.policy" 2> "$tmp/err" && fail "a host block applied"
	grep -q "^$tmp/host.policy:1:6: error: host blocks describe one host" "$tmp/err" ||
		fail "host block: $(cat "$tmp/err")"
	"$NPMGR" pool apply "$tmp/nosuch.policy" 2> "$tmp/err" && fail "a missing file applied"
	expect_eq "missing file" "npmgr: $tmp/nosuch.policy: No such file or directory" "$(cat "$tmp/err")"
	expect_eq "revision unchanged" "$r" "$(rev)"
}

# A network that crosses hosts names its tunnel, identifier and hosts; the
# hosts are not in the file (each agent publishes its own): allowed here.
test_crossing_networks() {
	printf 'policy x {\n    ALLOW_CROSS_SERVER = true\n}\nnetwork n9 {\n    bridge = br-9\n    policy = x\n    tunnel = geneve\n    id = 900\n    hosts = {hv1, hv7}\n}\n' > "$tmp/x.policy"
	"$NPMGR" pool apply "$tmp/x.policy" > "$tmp/out" 2>&1 || fail "apply: $(cat "$tmp/out")"
	expect_eq "n9 as stored" "network n9 {
	bridge = br-9
	policy = x
	tunnel = geneve
	id = 900
	hosts = {hv1, hv7}
}" "$("$NPMGR" pool show | sed -n '/^network n9/,/^}/p')"
	# the checker still runs: two networks, one identifier
	printf 'network n8 {\n    bridge = br-8\n    policy = x\n    tunnel = geneve\n    id = 900\n}\n' >> "$tmp/x.policy"
	"$NPMGR" pool apply "$tmp/x.policy" 2> "$tmp/err" && fail "a duplicate id applied"
	grep -q "has the geneve identifier 900 of network 'n9'" "$tmp/err" || fail "dup: $(cat "$tmp/err")"
}

# Eight applies of eight different files at once: each either applies or
# says the pool changed under it (exit 3), and the store holds exactly the
# objects of one file that applied (never a mix).
test_applies_racing() {
	local i rc won=() r
	for i in $(seq 8); do
		write_file "$tmp/r$i.policy" "br-r$i" "vm-r$i"
	done
	for i in $(seq 8); do
		"$NPMGR" pool apply "$tmp/r$i.policy" > "$tmp/r$i.out" 2> "$tmp/r$i.err" &
		pids[i]=$!
	done
	for i in $(seq 8); do
		rc=0
		wait "${pids[i]}" || rc=$?
		case $rc in
		0) won+=("$i") ;;
		3) grep -Eq "^npmgr: pool apply: the pool changed since it was read \(revision [0-9]+, now [0-9]+, applied by .* at .*\); nothing written$" "$tmp/r$i.err" ||
			fail "apply $i: $(cat "$tmp/r$i.err")" ;;
		*) fail "apply $i: exit $rc: $(cat "$tmp/r$i.err")" ;;
		esac
	done
	[ ${#won[@]} -ge 1 ] || fail "no apply succeeded"
	r=""
	for i in $(seq 8); do
		"$NPMGR" pool diff "$tmp/r$i.policy" | grep -q '^no changes' && r+="$i "
	done
	[ "$(wc -w <<< "$r")" = 1 ] || fail "the store matches files: '$r'"
	[[ " ${won[*]} " == *" ${r% } "* ]] || fail "the store holds file $r, which did not apply (${won[*]} did)"
	echo "    ${#won[@]} of 8 applied, the others were told of the conflict; the store holds file ${r% }"
}

# npmgr's watch (the agent's): a change arrives; a watch from a revision
# etcd has compacted away is canceled by etcd, and the client says so (the
# agent then reads everything again and watches from there).
test_watch() {
	local r
	r=$(rev)
	write_file "$tmp/w.policy" br-w vm-w
	( nap 1; "$NPMGR" pool apply "$tmp/w.policy" > /dev/null ) &
	expect_eq "a change" "changed" "$("$WATCHCHECK" "${endpoints%%,*}" /netpolicy/v1/ $((r + 1)) 20)"
	wait $!
	r=$(rev)
	ETCDCTL_API=3 etcdctl --endpoints "${endpoints%%,*}" compact "$r" > /dev/null || fail "compact"
	expect_eq "compacted away" "ended: etcd canceled the watch (compacted up to revision $r)" \
		"$("$WATCHCHECK" "${endpoints%%,*}" /netpolicy/v1/ 2 10)"
}

# A key holds exactly the object it names: a value written by hand that
# carries a host block (a peer no agent published) or another object is
# refused, not read.
test_smuggled_values() {
	local e=${endpoints%%,*}
	ETCDCTL_API=3 etcdctl --endpoints "$e" put /netpolicy/v1/objects/vm/x \
		"$(printf 'vm x {\n}\nhost evil {\n    address = 10.1.0.66\n}\n')" > /dev/null || fail "put"
	ETCDCTL_API=3 etcdctl --endpoints "$e" put /netpolicy/v1/objects/vm/y 'vm z { }' > /dev/null
	"$NPMGR" pool show > "$tmp/out" 2> "$tmp/err" && fail "show read a smuggled host"
	expect_eq "refused" "npmgr: pool: /netpolicy/v1/objects/vm/x does not hold exactly the one object its key names
npmgr: pool: /netpolicy/v1/objects/vm/y does not hold exactly the one object its key names" "$(cat "$tmp/err")"
	ETCDCTL_API=3 etcdctl --endpoints "$e" del /netpolicy/v1/objects/vm/x > /dev/null
	ETCDCTL_API=3 etcdctl --endpoints "$e" del /netpolicy/v1/objects/vm/y > /dev/null
	"$NPMGR" pool show > /dev/null || fail "show after the clean-up"
}

# The first endpoint's member stopped: npmgr goes on to the next.
# The leader killed (SIGKILL) while an apply of 104 changes is in
# flight, at three moments: each apply either applied everything (said so,
# confirmed by reading the store back when its answer was lost) or said
# that nothing was written; the store holds exactly one file, never a mix;
# the killed member rejoins.
test_leader_killed_during_apply() {
	local round i leader rc prev=k0 want order seen=""
	big_file() { # path tag
		write_file "$1" "br-$2" "vm-$2"
		for i in $(seq 50); do
			printf 'vm vm-%s-%d {\n    tags = {web}\n}\n' "$2" "$i"
		done >> "$1"
	}
	big_file "$tmp/k0.policy" k0
	"$NPMGR" pool apply "$tmp/k0.policy" > "$tmp/out" 2>&1 || fail "apply: $(cat "$tmp/out")"
	for round in 1 2 3; do
		big_file "$tmp/k$round.policy" "k$round"
		# etcdctl (a test tool) names the leader; npmgr asks it first
		leader=$(etcdctl --endpoints "$NPMGR_ETCD" endpoint status -w simple 2> /dev/null |
			awk -F', ' '$5 == "true" { print $1 }')
		[ -n "$leader" ] || fail "no leader"
		i=$(( ${leader##*:} - base ))
		order=$leader,$(tr , '\n' <<< "$NPMGR_ETCD" | grep -vx "$leader" | paste -sd,)
		NPMGR_ETCD=$order "$NPMGR" pool apply "$tmp/k$round.policy" > "$tmp/out" 2> "$tmp/err" &
		# npmgr's read and transaction take about 30 ms here: kill at
		# its start, in its middle, and near its end
		nap "0.0$(( (round - 1) * 15 / 10 ))"
		kill -9 "$(member $i)"
		rc=0
		wait $! || rc=$?
		case $rc in
		0)	want=k$round
			grep -q "^104 changes (.*) applied at revision [0-9]*$" "$tmp/out" ||
				fail "round $round: $(cat "$tmp/out" "$tmp/err")" ;;
		1)	want=$prev
			grep -Eq "^npmgr: pool apply: .*; nothing written \(the store, read back at revision [0-9]+, does not hold this apply\)$" "$tmp/err" ||
				fail "round $round: $(cat "$tmp/err")" ;;
		*)	fail "round $round: exit $rc: $(cat "$tmp/err")" ;;
		esac
		seen+=" $rc"
		! grep -q '^(confirmed' "$tmp/out" || seen+=c
		expect_eq "round $round: the store holds $want" "no changes" \
			"$("$NPMGR" pool diff "$tmp/$want.policy" | cut -d' ' -f1-2)"
		prev=$want
		restart_member "$i"
		wait_member "http://127.0.0.1:$((base + i))"
	done
	echo "    exit statuses (c: confirmed by reading back):$seen"
}

# The leader dies just before an apply, which asks it first: the other
# two members have no leader until they elect one (they answer 503); npmgr
# must wait that out within its timeout and apply, not fail.
test_apply_during_election() {
	local leader i order rc=0
	write_file "$tmp/e.policy" br-e vm-e
	leader=$(etcdctl --endpoints "$NPMGR_ETCD" endpoint status -w simple 2> /dev/null |
		awk -F', ' '$5 == "true" { print $1 }')
	[ -n "$leader" ] || fail "no leader"
	i=$(( ${leader##*:} - base ))
	order=$leader,$(tr , '\n' <<< "$NPMGR_ETCD" | grep -vx "$leader" | paste -sd,)
	kill -9 "$(member $i)"
	NPMGR_ETCD=$order "$NPMGR" pool apply "$tmp/e.policy" > "$tmp/out" 2>&1 || rc=$?
	# the next cases need all three members, whatever happened
	restart_member "$i"
	wait_member "http://127.0.0.1:$((base + i))"
	[ $rc = 0 ] || fail "apply while the others elect a leader: $(cat "$tmp/out")"
	grep -q "^[0-9]* changes (.*) applied at revision [0-9]*$" "$tmp/out" ||
		fail "apply: $(cat "$tmp/out")"
	expect_eq "the store holds the file" "no changes" \
		"$("$NPMGR" pool diff "$tmp/e.policy" | cut -d' ' -f1-2)"
}

test_member_down() {
	write_file "$tmp/c.policy" br-c vm-c
	stop_member "$(member 1)"
	"$NPMGR" pool apply "$tmp/c.policy" > "$tmp/out" 2>&1 || fail "apply, a member down: $(cat "$tmp/out")"
	expect_eq "two of three" "no changes" "$("$NPMGR" pool diff "$tmp/c.policy" | cut -d' ' -f1-2)"
	NPMGR_ETCD=${endpoints%%,*} "$NPMGR" pool show > /dev/null 2> "$tmp/err" && fail "show from a stopped member"
	expect_eq "its error" "npmgr: pool: etcd ${endpoints%%,*}: Couldn't connect to server" "$(cat "$tmp/err")"
	# a majority down: no leader will come; etcd's own answer, not a hang
	stop_member "$(member 2)"
	"$NPMGR" pool apply "$tmp/c.policy" > "$tmp/out" 2> "$tmp/err" && fail "apply without a quorum"
	grep -Eq "^npmgr: pool: etcd http://127\.0\.0\.1:[0-9]+: .*\(HTTP 503\); the members have no leader \(is a majority of them down\?\)$" "$tmp/err" ||
		fail "no quorum: $(cat "$tmp/err")"
	expect_eq "and nothing written" "npmgr: pool apply: nothing written (the pool could not be read)" \
		"$(tail -n 1 "$tmp/err")"
	restart_member 1
	restart_member 2
	wait_ready
}

# TLS both ways, and etcd's authentication with a user of the prefix only.
test_tls_and_user() {
	local c=$tmp/pki o
	stop_cluster
	mkdir -p "$c"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=np-test-ca -keyout "$c/ca.key" -out "$c/ca.crt" 2> /dev/null
	# a client certificate without a CommonName: etcd's gateway refuses
	# one that has it (it would not make it the user, as gRPC does)
	for n in server client cn; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "$(case $n in server) echo /CN=np-server ;; client) echo /O=netpolicy ;; cn) echo /CN=np ;; esac)" -keyout "$c/$n.key" -out "$c/$n.csr" 2> /dev/null
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=%s\n' \
			"$([ $n = server ] && echo serverAuth,clientAuth || echo clientAuth)" > "$c/$n.ext"
		openssl x509 -req -in "$c/$n.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" \
			-CAcreateserial -days 2 -extfile "$c/$n.ext" -out "$c/$n.crt" 2> /dev/null
	done
	start_cluster 1 https --client-cert-auth --trusted-ca-file "$c/ca.crt" \
		--cert-file "$c/server.crt" --key-file "$c/server.key"
	tls=(--cacert "$c/ca.crt" --cert "$c/client.crt" --key "$c/client.key")
	wait_ready "${tls[@]}"
	ectl=(etcdctl --endpoints "$endpoints" --cacert "$c/ca.crt" --cert "$c/client.crt" --key "$c/client.key")
	{
		"${ectl[@]}" user add root --new-user-password rootpw &&
		"${ectl[@]}" user grant-role root root &&
		"${ectl[@]}" role add netpolicy &&
		"${ectl[@]}" role grant-permission netpolicy --prefix=true readwrite /netpolicy/v1/ &&
		"${ectl[@]}" user add np --new-user-password 'n p&"pw' &&
		"${ectl[@]}" user grant-role np netpolicy &&
		"${ectl[@]}" auth enable
	} > "$tmp/ectl" 2>&1 || fail "etcdctl: $(cat "$tmp/ectl")"
	printf '%s\n' 'n p&"pw' > "$c/np.pw"
	chmod 0600 "$c/np.pw"
	user=(--user np --password-file "$c/np.pw")
	write_file "$tmp/t.policy" br-t vm-t
	o=$("$NPMGR" pool "${tls[@]}" "${user[@]}" apply "$tmp/t.policy" 2>&1) || fail "apply over TLS as np: $o"
	expect_eq "over TLS" "4 changes (4 added, 0 changed, 0 deleted) applied at" "$(tail -n 1 <<< "$o" | sed 's/ revision.*//')"
	# no token: etcd refuses; a wrong password: a clear error, nothing applied
	"$NPMGR" pool "${tls[@]}" show > "$tmp/out" 2> "$tmp/err" && fail "read without a user"
	grep -q "user name is empty\|permission denied" "$tmp/err" || fail "no user: $(cat "$tmp/err")"
	printf 'wrong\n' > "$c/bad.pw"
	chmod 0600 "$c/bad.pw"
	"$NPMGR" pool "${tls[@]}" --user np --password-file "$c/bad.pw" apply "$tmp/a.policy" 2> "$tmp/err" &&
		fail "applied with a wrong password"
	expect_eq "wrong password" "npmgr: pool: etcd $endpoints: etcdserver: authentication failed, invalid user ID or password (HTTP 400)" "$(cat "$tmp/err")"
	chmod 0644 "$c/np.pw"
	"$NPMGR" pool "${tls[@]}" "${user[@]}" show 2> "$tmp/err" && fail "a password file others can read"
	expect_eq "open password file" "npmgr: pool: $c/np.pw: readable by others (mode 0644): chmod 0600 it" "$(cat "$tmp/err")"
	chmod 0600 "$c/np.pw"
	# no client certificate: the TLS handshake fails
	"$NPMGR" pool --cacert "$c/ca.crt" "${user[@]}" show > /dev/null 2> "$tmp/err" && fail "no client certificate"
	grep -q "^npmgr: pool: etcd $endpoints: " "$tmp/err" || fail "no certificate: $(cat "$tmp/err")"
	"$NPMGR" pool --cacert "$c/ca.crt" --cert "$c/cn.crt" --key "$c/cn.key" "${user[@]}" show > /dev/null 2> "$tmp/err" &&
		fail "a client certificate with a CommonName"
	expect_eq "CN" "npmgr: pool: etcd $endpoints: CommonName of client sending a request against gateway will be ignored and not used as expected (HTTP 400)" "$(cat "$tmp/err")"
	expect_eq "still t" "no changes" "$("$NPMGR" pool "${tls[@]}" "${user[@]}" diff "$tmp/t.policy" | cut -d' ' -f1-2)"
	# an agent over the same TLS as user np: joins, checks its share,
	# takes a change (a network's bridge: the network and its VIF checked)
	printf 'host hT { address = 10.9.0.1 }\n' > "$tmp/hT.spec"
	"$NPMGR" agent "${tls[@]}" "${user[@]}" --dry-run --host hT --spec "$tmp/hT.spec" \
		--ttl 5 > "$tmp/agent-hT.log" 2>&1 &
	echo $! > "$tmp/agent-hT.pid"
	wait_for 20 "the agent over TLS joins" grep -q "revision [0-9]*: compiled 4 objects" "$tmp/agent-hT.log"
	write_file "$tmp/t2.policy" br-t2 vm-t
	o=$("$NPMGR" pool "${tls[@]}" "${user[@]}" apply "$tmp/t2.policy" 2>&1) || fail "second apply: $o"
	wait_for 20 "the agent over TLS takes the change" \
		grep -q "compiled 4 objects, 2 checked again" "$tmp/agent-hT.log"
	expect_eq "hT alive" '"hT"' "$("$NPMGR" -j pool "${tls[@]}" "${user[@]}" show | grep -o '"hT"' | head -n 1)"
	kill "$(cat "$tmp/agent-hT.pid")"
	wait "$(cat "$tmp/agent-hT.pid")" 2> /dev/null || :
	rm -f /run/netpolicy/agent/hT.*
}

wait_for() { # seconds desc cmd...: until cmd succeeds, else fail
	local end=$((SECONDS + $1)) desc=$2
	shift 2
	until "$@"; do
		((SECONDS < end)) || fail "timed out: $desc"
		nap 0.1
	done
}

# Hosts for placement: real agents (--dry-run: they compile their share
# and load nothing, so no kernel is needed) publish their specs and hold
# their leases; hD's agent is killed and its lease runs out.
start_hosts() {
	local h tag i=0
	for h in hA hB hC hD; do
		i=$((i + 1))
		tag=testdev_network1
		[ $h = hB ] && tag=other
		# hC says it cannot encrypt
		printf 'host %s {\n    address = 10.1.0.%d\n%s}\nnic eth1 {\n    tags = {%s}\n}\n' \
			$h $i "$([ $h = hC ] && echo '    macsec = false')" $tag > "$tmp/$h.spec"
		"$NPMGR" agent --dry-run --host $h --spec "$tmp/$h.spec" --ttl 3 \
			> "$tmp/$h.agent" 2>&1 &
		echo $! > "$tmp/$h.pid"
		disown $!
	done
	for h in hA hB hC hD; do
		wait_for 10 "agent $h joined" grep -q "joined the pool" "$tmp/$h.agent"
	done
	kill -9 "$(cat "$tmp/hD.pid")"
	wait_for 10 "hD's lease ran out" sh -c "! \"$NPMGR\" pool show | grep -q '^# live hosts:.* hD'"
}

stop_hosts() {
	local h
	for h in hA hB hC hD; do
		kill "$(cat "$tmp/$h.pid" 2> /dev/null)" 2> /dev/null || :
	done
	ETCDCTL_API=3 etcdctl --endpoints "${endpoints%%,*}" del --prefix /netpolicy/v1/hosts/ > /dev/null
	ETCDCTL_API=3 etcdctl --endpoints "${endpoints%%,*}" del --prefix /netpolicy/v1/placements/ > /dev/null
	rm -f /run/netpolicy/agent/h[ABCD].*
}

# npmgr place: every host judged in the kernel's words, the choice, the
# record; a local-only network pins its VMs; --migrate looks elsewhere.
test_placement() {
	cat > "$tmp/pl.policy" <<'POL'
policy secure {
    ALLOW_CROSS_SERVER = true
    PHYSICAL_IFS_ALLOWED = {TAG(testdev_network1)}
    ISOLATE_FROM = {NAME(my_insecure_vm)}
}
policy local {
    ALLOW_CROSS_SERVER = false
}
policy enc {
    ALLOW_CROSS_SERVER = true
    REQUIRE_ENCRYPTION = true
}
network vault {
    bridge = br-vault
    policy = enc
}
vif safe0 {
    ifname = "vs*"
    network = vault
    vm = safe
}
network front {
    bridge = br-front
}
network lab {
    bridge = br-lab
    policy = local
}
vm web {
    policy = secure
}
vm my_insecure_vm {
}
vif web0 {
    ifname = "vw*"
    network = front
    vm = web
}
vif insecure0 {
    ifname = "vi*"
    network = front
    vm = my_insecure_vm
}
vif l1 {
    ifname = "vl1*"
    network = lab
    vm = l1
}
vif l2 {
    ifname = "vl2*"
    network = lab
    vm = l2
}
POL
	"$NPMGR" pool apply "$tmp/pl.policy" > /dev/null || fail "apply"
	start_hosts
	"$NPMGR" place --record my_insecure_vm > "$tmp/out" || fail "place my_insecure_vm: $(cat "$tmp/out")"
	expect_eq "recorded" "recorded: my_insecure_vm on hA" "$(tail -n 1 "$tmp/out" | sed 's/ at revision.*//')"
	"$NPMGR" place web > "$tmp/out" || fail "place web"
	expect_eq "place web" "hA    refused   ISOLATE_FROM NAME(my_insecure_vm): my_insecure_vm runs here on network front
hB    refused   PHYSICAL_IFS_ALLOWED (policy secure): no NIC tagged testdev_network1
hC    eligible  0 VMs
hD    refused   not alive (no agent holds its lease)
chosen: hC (the eligible host with the fewest VMs placed)" "$(sed 1d "$tmp/out")"
	"$NPMGR" place --record web > /dev/null || fail "record web"
	"$NPMGR" place --record l1 > /dev/null || fail "record l1"
	"$NPMGR" place l2 > "$tmp/out" || fail "place l2"
	expect_eq "a local-only network pins" "hA    refused   ALLOW_CROSS_SERVER = false: network lab is carried by hB (VM l1)
hB    eligible  1 VM
hC    refused   ALLOW_CROSS_SERVER = false: network lab is carried by hB (VM l1)
hD    refused   not alive (no agent holds its lease)
chosen: hB (the eligible host with the fewest VMs placed)" "$(sed 1d "$tmp/out")"
	expect_eq "a placed VM stays" "chosen: hC (where it is placed, and it can stay)" \
		"$("$NPMGR" place web | tail -n 1)"
	"$NPMGR" place --migrate web > "$tmp/out" && fail "web migrated somewhere"
	expect_eq "nowhere to migrate" "hC    refused   the VM is placed here (--migrate)
chosen: none: no live host satisfies the VM's policies" "$(sed -n '4p;$p' "$tmp/out")"
	expect_eq "-j" '"placed":"hC"' "$("$NPMGR" -j place web | grep -o '"placed":"[a-zA-Z]*"')"
	expect_eq "a host that cannot encrypt" "hC    refused   REQUIRE_ENCRYPTION (policy enc): the host's spec says macsec = false" \
		"$("$NPMGR" place safe | grep '^hC')"
	# what a script runs: the host alone, or nothing and the reasons
	expect_eq "--quiet" "hB" "$("$NPMGR" place --quiet l2)"
	"$NPMGR" place --quiet --migrate web > "$tmp/out" 2> "$tmp/err" && fail "--quiet: migrated"
	expect_eq "--quiet, none" "|npmgr: place: no live host can take VM web:
npmgr: place:   hA: ISOLATE_FROM NAME(my_insecure_vm): my_insecure_vm runs here on network front" \
		"$(cat "$tmp/out")|$(head -n 2 "$tmp/err")"
	"$NPMGR" place nosuch 2> "$tmp/err" && fail "placed a VM the pool lacks"
	expect_eq "no such VM" "npmgr: place: the pool has no VM nosuch (no vm object, no VIF naming it)" "$(cat "$tmp/err")"
	# the pool as a picture: hosts with what is placed on them, networks
	expect_eq "pool show --graph (its title line aside)" 'digraph pool {
	node [shape=box, fontname="sans-serif", fontsize=10];
	edge [fontname="sans-serif", fontsize=9];
	subgraph "cluster_host:hA" {
		label="";
		style=rounded;
		"host:hA" [label="host hA\n10.1.0.1\nNIC eth1: testdev_network1", shape=box3d];
		"vm:my_insecure_vm" [label="VM my_insecure_vm"];
	}
	subgraph "cluster_host:hB" {
		label="";
		style=rounded;
		"host:hB" [label="host hB\n10.1.0.2\nNIC eth1: other", shape=box3d];
		"vm:l1" [label="VM l1"];
	}
	subgraph "cluster_host:hC" {
		label="";
		style=rounded;
		"host:hC" [label="host hC\n10.1.0.3\ncannot encrypt\nNIC eth1: testdev_network1", shape=box3d];
		"vm:web" [label="VM web"];
	}
	subgraph "cluster_host:hD" {
		label="";
		style="rounded,dashed";
		"host:hD" [label="host hD\n10.1.0.4\ndown\nNIC eth1: testdev_network1", shape=box3d, style=dashed, color=gray];
	}
	"vm:l2" [label="VM l2\nnot placed", style=dashed];
	"vm:safe" [label="VM safe\nnot placed", style=dashed];
	"net:front" [label="network front\nbridge br-front\nno policy", shape=ellipse];
	"net:lab" [label="network lab\nbridge br-lab\npolicy local (this host only)", shape=ellipse];
	"net:vault" [label="network vault\nbridge br-vault\npolicy enc (crosses hosts, encrypted)", shape=ellipse];
	"vm:my_insecure_vm" -> "net:front";
	"vm:l1" -> "net:lab";
	"vm:l2" -> "net:lab";
	"vm:safe" -> "net:vault";
	"vm:web" -> "net:front";
	"net:front" -> "host:hA" [label="local", arrowhead=none];
	"net:front" -> "host:hC" [label="local", arrowhead=none];
	"net:lab" -> "host:hB" [label="local", arrowhead=none];
	"net:vault" -> "host:hA" [label="vxlan + MACsec", arrowhead=none];
	"net:vault" -> "host:hB" [label="vxlan + MACsec", arrowhead=none];
	"net:vault" -> "host:hC" [label="cannot encrypt: no VM of it here", arrowhead=none, style=dashed, color=red, fontcolor=red];
	"net:vault" -> "host:hD" [label="vxlan + MACsec", arrowhead=none, style=dashed, color=gray];
}' \
		"$("$NPMGR" pool show --graph | sed 2d)"
	"$NPMGR" pool show --graph --svg "$tmp/pool.svg" || fail "pool show --graph --svg"
	expect_eq "the SVG's hosts" 4 "$(grep -c '<title>cluster_host:' "$tmp/pool.svg")"
	stop_hosts
}

# Eight placements at once of VMs that may not share a host's network
# with the other colour: each is written only if nothing it was decided
# on changed meanwhile, so no host ends with a red and a blue VM.
# Several VMs placed in one run: the pool is read once, and each VM's
# record is seen by the next decision (its host's count, its isolation),
# so red and blue VMs never share a host and the counts spread them.
test_several_in_one_run() {
	local c i
	{
		echo "policy red { ISOLATE_FROM = {TAG(blue)} }"
		echo "policy blue { ISOLATE_FROM = {TAG(red)} }"
		echo "network back { bridge = br-back }"
		for i in 1 2 3; do
			for c in red blue; do
				echo "vm $c$i { tags = {$c} policy = $c }"
				echo "vif $c$i { ifname = \"v$c$i\" network = back vm = $c$i }"
			done
		done
	} > "$tmp/several.policy"
	"$NPMGR" pool apply "$tmp/several.policy" > /dev/null || fail "apply"
	start_hosts
	"$NPMGR" place --record --quiet red1 blue1 red2 blue2 red3 blue3 > "$tmp/out" 2>&1 ||
		fail "place: $(cat "$tmp/out")"
	expect_eq "placed in one run" "red1 hA
blue1 hB
red2 hC
blue2 hB
red3 hA
blue3 hB" "$(cat "$tmp/out")"
	expect_eq "in the store" "blue1 hB,blue2 hB,blue3 hB,red1 hA,red2 hC,red3 hA" \
		"$(ETCDCTL_API=3 etcdctl --endpoints "${endpoints%%,*}" get --prefix \
			/netpolicy/v1/placements/ --print-value-only |
			sed 's/.*"host":"\([^"]*\)","vm":"\([^"]*\)".*/\2 \1/' | sort | paste -sd,)"
	# a VM the pool lacks: said, the others still placed, exit 1
	"$NPMGR" place --quiet red1 nosuch blue1 > "$tmp/out" 2> "$tmp/err" && fail "exit 0 with a VM the pool lacks"
	expect_eq "the others" "red1 hA
blue1 hB" "$(cat "$tmp/out")"
	grep -q "the pool has no VM nosuch" "$tmp/err" || fail "stderr: $(cat "$tmp/err")"
	stop_hosts
}

test_placements_racing() {
	local i c rc placed=0 none=0 h
	{
		echo "policy red { ISOLATE_FROM = {TAG(blue)} }"
		echo "policy blue { ISOLATE_FROM = {TAG(red)} }"
		echo "network back { bridge = br-back }"
		for c in red blue; do
			for i in 1 2 3 4; do
				echo "vm $c$i { tags = {$c} policy = $c }"
				echo "vif $c$i { ifname = \"v$c$i\" network = back vm = $c$i }"
			done
		done
	} > "$tmp/race.policy"
	"$NPMGR" pool apply "$tmp/race.policy" > /dev/null || fail "apply"
	start_hosts
	for c in red blue; do
		for i in 1 2 3 4; do
			"$NPMGR" place --record "$c$i" > "$tmp/$c$i.out" 2>&1 &
			echo $! > "$tmp/$c$i.ppid"
		done
	done
	for c in red blue; do
		for i in 1 2 3 4; do
			rc=0
			wait "$(cat "$tmp/$c$i.ppid")" || rc=$?
			case $rc in
			0) placed=$((placed + 1)) ;;
			1) grep -q "^chosen: none" "$tmp/$c$i.out" ||
				fail "$c$i: $(cat "$tmp/$c$i.out")"
			   none=$((none + 1)) ;;
			*) fail "$c$i: exit $rc: $(cat "$tmp/$c$i.out")" ;;
			esac
		done
	done
	for h in hA hB hC; do
		ETCDCTL_API=3 etcdctl --endpoints "${endpoints%%,*}" get --prefix \
			/netpolicy/v1/placements/ --print-value-only |
			grep "\"host\":\"$h\"" | grep -o '"vm":"[a-z]*' | cut -d'"' -f4 |
			sed 's/[0-9]*$//' | sort -u > "$tmp/colours"
		[ "$(wc -l < "$tmp/colours")" -le 1 ] ||
			fail "$h holds red and blue VMs: $(ETCDCTL_API=3 etcdctl --endpoints "${endpoints%%,*}" get --prefix /netpolicy/v1/placements/ --print-value-only | grep "\"host\":\"$h\"")"
	done
	[ "$placed" -ge 3 ] || fail "only $placed placed"
	echo "    $placed placed, $none refused everywhere; no host has both colours"
	stop_hosts
}

trap '[ -n "${NP_KEEP:-}" ] || stop_cluster; [ -n "${NP_KEEP:-}" ] || rm -rf "$tmp"' EXIT
if [ $# = 0 ] || [ "$1" != tls_and_user ]; then
	start_cluster 3 http
	wait_ready
	# every member, not just a majority: the cases that stop one need
	# the other two
	for ep in ${endpoints//,/ }; do
		wait_member "$ep"
	done
fi
# in this order: the first reads an empty pool, the last stops the cluster
[ $# -gt 0 ] || set -- apply_diff_show bad_files_change_nothing crossing_networks applies_racing \
	watch smuggled_values placement several_in_one_run placements_racing leader_killed_during_apply \
	apply_during_election member_down tls_and_user
run_cases pool "$@"
