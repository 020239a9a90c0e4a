#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# npmgr's bash completion (userspace/npmgr.bash-completion): what TAB
# offers after each kind of word, exactly.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../npmgr.bash-completion"
pass=0 fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
touch web.policy notes.txt
mkdir pool

offers() { # "expected" words...: the line, the cursor on its last word
	local want=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_npmgr 2> /dev/null
	local got
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: '$*': got '$got', want '$want'"
	fi
}

offers "load" npmgr lo
offers "-j" npmgr -
offers "pool" npmgr -j po
offers "pool/ web.policy" npmgr load ""
offers "pool/ web.policy" npmgr load --host hA ""
offers "--add" npmgr load --a
offers "--update" npmgr load --u
offers "config interfaces keys" npmgr show ""
offers "network nic" npmgr del n
offers "" npmgr del vif ""
offers "apply diff show" npmgr pool --etcd http://e:2379 ""
offers "pool/ web.policy" npmgr pool --etcd http://e:2379 apply ""
offers "--record" npmgr place --rec
offers "--mac --name" npmgr predict ""
offers "" npmgr predict --name ""
offers "--mac --name" npmgr predict --name vnet0 --
offers "status" npmgr agent s
offers "--host" npmgr agent status --h
offers "--release-after" npmgr agent --host hA --rel
offers "" npmgr load --host ""
offers "lo" npmgr explain l
offers "virtwatch" npmgr vi
offers "--connect" npmgr virtwatch --c
echo "completion: $pass passed, $fail failed"
[ "$fail" = 0 ]
