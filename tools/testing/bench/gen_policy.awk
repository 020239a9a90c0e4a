# SPDX-License-Identifier: GPL-2.0
# A large policy set for the policy benchmark:
#   awk -v vifs=100000 -v nets=10000 -v pols=10000 -v change=-1 -f gen_policy.awk
# Policies mix every attribute; VMs (one per two VIFs) carry tags; VIF i
# is the interface named vt<i>. With change=K, policy K differs (it
# isolates VMs tagged t0, which refuses exactly the interfaces of those
# VMs on networks using policy K).
BEGIN {
	if (change == "") change = -1
	for (i = 0; i < pols; i++) {
		printf "policy p%d {", i
		if (i % 3 == 0) printf " REQUIRE_ENCRYPTION = true"
		if (i % 3 == 1) printf " ALLOW_CROSS_SERVER = false"
		if (i % 5 == 0) printf " PHYSICAL_IFS_ALLOWED = {TAG(uplink%d), NAME(eth%d)}", i % 7, i % 4
		if (i == change) printf " ISOLATE_FROM = {TAG(t0)}"
		else if (i % 4 == 0) printf " ISOLATE_FROM = {NAME(nobody%d)}", i
		printf " }\n"
	}
	for (i = 0; i < 4; i++)
		printf "nic eth%d { tags = {uplink%d} }\n", i, i
	for (i = 0; i < nets; i++)
		printf "network n%d { bridge = brn%d policy = p%d }\n", i, i % 1000, i % pols
	for (i = 0; i < vifs / 2; i++)
		printf "vm vm%d { tags = {t%d, tier%d} }\n", i, i % 100, i % 3
	for (i = 0; i < vifs; i++)
		printf "vif v%d { ifname = vt%d network = n%d vm = vm%d }\n", i, i, i % nets, int(i / 2)
}
