/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * netpolicy: policy-driven attachment of VM network interfaces.
 *
 * This header is the specification of the "netpolicy" generic netlink
 * family (version NETPOLICY_GENL_VERSION), shared by netpolicy.ko and npmgr.
 *
 * Objects
 * -------
 * All state is per network namespace: a request acts on the namespace of
 * the socket it was sent on, and a device is matched only against the
 * objects of its own namespace.
 *
 *  - A policy object is a named set of constraints (a policy block:
 *    ALLOW_CROSS_SERVER, REQUIRE_ENCRYPTION, PHYSICAL_IFS_ALLOWED,
 *    ISOLATE_FROM, and RESTRICT_TO_HOST, COMPRESS, ENCRYPTION_ALGORITHM).
 *    Network, VM and VIF objects name the policy that applies to them.
 *  - A network object has a unique name, the name of the bridge its
 *    interfaces join, and optionally a policy. When npmgr realized the
 *    network across hosts it also says how (NETPOLICY_A_NET_TUNNEL and
 *    _TUNNEL_ID): the kind and identifier of the encapsulated tunnel that
 *    joins the bridge to the other hosts. The module does not trust that
 *    claim: before attaching it looks for such a tunnel among the bridge's
 *    uplinks (enum netpolicy_reason, NETPOLICY_R_NOT_REALIZED).
 *  - A VM object has a unique name, a 16-byte UUID, tags, and optionally a
 *    policy. ISOLATE_FROM selectors match VMs by name and by tag.
 *  - A VIF object says how a VM interface is recognised: an interface name
 *    (exact, or a glob using '*' and '?'), a MAC address, or both (then
 *    both must match). It names the network the interface joins, and
 *    optionally its VM and a policy of its own.
 *  - A NIC object names a physical interface of the host and gives it tags
 *    (PHYSICAL_IFS_ALLOWED = {TAG(...)} matches them).
 *  - A port is an interface the module has seen: every tap device (tun
 *    driver in TAP mode) and every Xen netback vif in the namespace. A port
 *    is in one of the states of enum netpolicy_port_state.
 *
 * Matching: a device's VIF object is, in this order of precedence, the one
 * whose MAC equals the guest's MAC (NETPOLICY_CMD_SET_PORT; until that is
 * known, the device's own address); else the one whose interface name
 * equals the device's name exactly; else the glob with the longest literal
 * prefix (the characters before the first wildcard) that matches, ties
 * broken by the smaller VIF object name. MACs and exact names are unique
 * among VIF objects.
 *
 * Commands
 * --------
 * Every command validates its attributes strictly, against a policy of its
 * own: an attribute a command does not list below is refused (EINVAL, with
 * an extack message naming it), never ignored. Every string (names,
 * references, globs, tags, the host) is NUL-terminated printable ASCII,
 * 0x20 to 0x7e: names reach the kernel log.
 *
 * "admin" means CAP_NET_ADMIN in the user namespace that owns the network
 * namespace (GENL_UNS_ADMIN_PERM; for the event group
 * GENL_MCAST_CAP_NET_ADMIN): reading is an administrator's as writing is,
 * since the objects are the VM inventory. A namespace holds at most
 * max_objects objects (module parameter, default 1048576) when the initial
 * user namespace owns it, and max_objects_userns (default 4096) otherwise;
 * a LOAD beyond that fails with ENOSPC and changes nothing.
 *
 * NETPOLICY_CMD_LOAD (admin, doit)
 *	Adds objects, given as arrays of nests: NETPOLICY_A_POLICIES
 *	(NETPOLICY_A_POLICY_*), NETPOLICY_A_NETS (NETPOLICY_A_NET_*),
 *	NETPOLICY_A_VMS (NETPOLICY_A_VM_*), NETPOLICY_A_VIFS
 *	(NETPOLICY_A_VIF_*) and NETPOLICY_A_NICS (NETPOLICY_A_NIC_*). Each of
 *	these array attributes may appear any number of times (an attribute
 *	holds at most 64 KiB, so large sets are sent in chunks). References
 *	between objects are by name and are resolved against the objects of
 *	the resulting set; a dangling reference is an error (ENOENT).
 *	NETPOLICY_A_HOST, if present, sets the name of this host, which
 *	RESTRICT_TO_HOST is compared with. With NETPOLICY_LOAD_F_REPLACE in
 *	NETPOLICY_A_FLAGS the request replaces every object of the namespace
 *	that came from the configuration. With NETPOLICY_LOAD_F_UPDATE each
 *	configuration object of the request replaces the configuration
 *	object of its kind and name, or is added; the others stay, and
 *	their references to a replaced object now name the new one (the
 *	two flags together: EINVAL). With neither, a name that already
 *	exists is an error (EEXIST). The load
 *	is all-or-nothing: on any error nothing changes and the extack message
 *	names the offending attribute. On success every port of the namespace
 *	is re-evaluated before the reply is sent; ports whose decision does
 *	not change are not touched.
 *
 *	VIF and VM objects carry a source (enum netpolicy_source, attributes
 *	NETPOLICY_A_VIF_SOURCE and NETPOLICY_A_VM_SOURCE): the configuration
 *	(the default) or a toolstack watcher such as `npmgr xenwatch`, which
 *	describes the guests that are running. The two sources meet by name:
 *	- a replacing load keeps the VIF and VM objects of other sources; a
 *	  kept VIF that names a VM object the new set lacks gets an empty VM
 *	  object of its source; one that names a network the new set lacks
 *	  fails the load (ENOENT): remove a network only once no running
 *	  guest uses it;
 *	- when a configuration object and a toolstack object of one kind have
 *	  the same name, the configuration object stays and the other is
 *	  dropped (so the administrator's `vm NAME { tags ... }` describes a
 *	  Xen guest of that name);
 *	- a toolstack object replaces an older one of the same name and
 *	  source (a watcher re-reading the toolstack is idempotent).
 *
 *	The configuration generation (NETPOLICY_A_CONFIG_GEN, GET_POLICY
 *	reports it) moves by one with every change of the configuration's
 *	objects: a LOAD (or commit) that replaces or carries any of them, a
 *	DEL of one, a FLUSH; a toolstack's objects do not move it. It starts
 *	at a random value in each namespace. A LOAD (or TXN_BEGIN) that
 *	carries NETPOLICY_A_CONFIG_GEN is refused (ESTALE) unless the
 *	namespace's configuration generation is that value when it is
 *	published: a reader that prepared a change against what it read (npmgr
 *	load sending only what changed in a file) changes nothing if another
 *	writer came in between.
 *
 *	A load too large for one message (the sender's socket buffer bounds
 *	a message) goes in a transaction: NETPOLICY_CMD_TXN_BEGIN, then any
 *	number of LOADs that carry its NETPOLICY_A_TXN, then
 *	NETPOLICY_CMD_TXN_COMMIT. Such a LOAD is checked as it arrives
 *	(attributes, names, the object cap, with its extack) but publishes
 *	nothing; COMMIT checks and publishes the whole set exactly as one
 *	LOAD of all of it would, all or nothing. A LOAD of a transaction
 *	carries no NETPOLICY_A_FLAGS or _CONFIG_GEN (they belong to TXN_BEGIN).
 *
 * NETPOLICY_CMD_TXN_BEGIN (admin, doit)
 *	Opens a transaction, NETPOLICY_A_FLAGS and NETPOLICY_A_CONFIG_GEN as
 *	for LOAD (the generation is compared at the commit). The reply is a
 *	NETPOLICY_CMD_TXN_BEGIN message carrying NETPOLICY_A_TXN (u32). The
 *	transaction belongs to the sending socket in this namespace: other
 *	sockets cannot add to, commit or abort it (ENOENT). One open
 *	transaction per socket (EBUSY); at most 64 per namespace (ENOSPC).
 *	The objects it holds count against the namespace's object cap. It
 *	is dropped, with everything it holds, when its socket is closed
 *	(the sender died), when one of its LOADs fails, and when it has
 *	been idle for txn_timeout seconds (module parameter, default 30).
 *
 * NETPOLICY_CMD_TXN_COMMIT (admin, doit)
 *	Publishes the transaction NETPOLICY_A_TXN and closes it, success or
 *	not. NETPOLICY_A_TXN_OBJECTS (required) is the number of objects
 *	the sender's LOADs of it carried: a LOAD refused before the module
 *	read it (its attributes failed validation) cannot drop the
 *	transaction, and the count makes its commit fail (EINVAL) instead of
 *	publishing the rest. An error is reported as LOAD reports it, except
 *	that the extack cannot point into an earlier message: it carries the
 *	message text only.
 *
 * NETPOLICY_CMD_TXN_ABORT (admin, doit)
 *	Drops the transaction NETPOLICY_A_TXN and what it holds.
 *
 * NETPOLICY_CMD_DEL (admin, doit)
 *	Deletes one object: the one named by the _NAME attribute inside a
 *	NETPOLICY_A_NET, NETPOLICY_A_VIF, NETPOLICY_A_VM, NETPOLICY_A_POLICY or
 *	NETPOLICY_A_NIC nest. An object still named by another one cannot be
 *	deleted (EBUSY). With NETPOLICY_A_SOURCE, only an object of that
 *	source is deleted (else ENOENT): a watcher never deletes the
 *	administrator's object of the same name. Ports whose decision changes
 *	are re-evaluated.
 *
 * NETPOLICY_CMD_FLUSH (admin, doit)
 *	Deletes every object of the namespace; bound ports are detached.
 *
 * NETPOLICY_CMD_GET_NET, _GET_VIF, _GET_VM, _GET_POLICY, _GET_NIC (admin, dump)
 *	One message per object, sorted by name, each carrying a
 *	NETPOLICY_A_NET, _VIF, _VM, _POLICY or _NIC nest and
 *	NETPOLICY_A_GENERATION. When a host name is set, GET_POLICY's first
 *	message also carries NETPOLICY_A_HOST. A kind with no objects is
 *	one message carrying only NETPOLICY_A_GENERATION (and, for
 *	GET_POLICY, NETPOLICY_A_HOST when set); the generation is 0 before
 *	the first load. GET_POLICY's first message also carries
 *	NETPOLICY_A_CONFIG_GEN (see LOAD). A dump is the object set published when it started,
 *	whatever is loaded while it runs: it is never interrupted. Dumps of
 *	several kinds are separate reads; a reader that wants them to agree
 *	compares their generations and reads again when they differ.
 *
 *	A dump request may select objects instead of asking for all: one
 *	or more nests of its kind (NETPOLICY_A_NET for GET_NET, and so on),
 *	each carrying exactly one key: the object's _NAME, or for a VIF its
 *	NETPOLICY_A_VIF_MAC (the VIF object with that MAC) or its exact
 *	NETPOLICY_A_VIF_IFNAME (the VIF object without a MAC that binds
 *	that name exactly, no glob); or a reference, which selects every
 *	object that points to the object it names: NETPOLICY_A_NET_POLICY,
 *	NETPOLICY_A_VM_POLICY, and NETPOLICY_A_VIF_NETWORK, _VIF_VM and
 *	_VIF_POLICY (npmgr load --update reads what a replaced policy,
 *	network or VM governs). The dump then has the selected objects
 *	that exist, each once, sorted by name, in the same messages; a
 *	selection that finds nothing is the message of a kind with no
 *	objects. A reader checking a few objects against a large set (npmgr
 *	load --add) reads what it needs, not everything. Modules before
 *	this selection refuse such a request (EINVAL, "Unsupported
 *	attribute"); a reader then falls back to reading all.
 *
 * NETPOLICY_CMD_GET_PORT (admin, dump)
 *	One message per port, in the order the ports were first seen, each
 *	carrying a NETPOLICY_A_PORT nest: the ports as they were when the
 *	dump started (copied then), never interrupted.
 *
 *	A dump request may select one port: a NETPOLICY_A_PORT nest
 *	carrying NETPOLICY_A_PORT_IFNAME, the device's name (of repeated
 *	attributes, the last counts). The dump then has that port only, or
 *	no message when no device of the namespace has that name or the
 *	device is not a port (a nest without the name selects nothing). A
 *	toolstack waiting for one interface's decision (npmgr's libvirt hook
 *	and xen-hotplug) reads it without the kernel copying every port of
 *	the host under RTNL. Modules before this selection refuse such a
 *	request (EINVAL, "Unsupported attribute"); a reader then reads every
 *	port.
 *
 * NETPOLICY_CMD_SET_PORT (admin, doit)
 *	Tells the module the MAC address the guest uses on a port:
 *	NETPOLICY_A_PORT with NETPOLICY_A_PORT_IFNAME and
 *	NETPOLICY_A_PORT_GUEST_MAC (a unicast address). The host's side of a
 *	VM interface does not carry it (every Xen netback vif is
 *	fe:ff:ff:ff:ff:ff; libvirt gives a tap the guest's MAC with the first
 *	byte fe), so a toolstack watcher that knows it (npmgr xenwatch and
 *	vif-netpolicy read the vif's "mac" from xenstore) passes it on. From
 *	then on MAC matching uses it instead of the device's address, and the
 *	port is evaluated again. ENODEV if no such device, EOPNOTSUPP if it is
 *	not a tap or vif. The port keeps it until the device goes.
 *
 * NETPOLICY_CMD_PREDICT (admin, doit)
 *	What the module would decide for a tap that does not exist yet, so
 *	that a toolstack can refuse a start with the reason before it creates
 *	anything (libvirt's hook at "prepare"): NETPOLICY_A_PORT with
 *	NETPOLICY_A_PORT_IFNAME (the name the tap will have, when known)
 *	and/or NETPOLICY_A_PORT_GUEST_MAC (the guest's MAC, which the
 *	toolstack will tell with NETPOLICY_CMD_SET_PORT). The reply is a
 *	NETPOLICY_CMD_PREDICT message with a NETPOLICY_A_PORT nest as
 *	GET_PORT gives it (NETPOLICY_A_PORT_IFINDEX 0): the state the tap
 *	would be in once up (ATTACHED: it would be attached to
 *	NETPOLICY_A_PORT_BRIDGE), the reason, the VIF object, the policy
 *	that refuses it. The same lookup and decision over the same objects
 *	and the same live bridges, with no side effect: nothing is created
 *	or attached, no event is sent. Without a name only a VIF object that
 *	binds by MAC alone is predicted (a name could match another object's
 *	glob): otherwise the answer is UNBOUND. A prediction is not a
 *	promise: a load or a change of the bridge before the tap appears
 *	changes the decision, which is taken again then. EEXIST if a device
 *	of that name exists (GET_PORT says its state).
 *
 * NETPOLICY_CMD_EVENT (multicast group NETPOLICY_MCGRP_EVENTS, admin)
 *	Sent when a port changes state (or changes VIF object / bridge), and
 *	when a port disappears: NETPOLICY_A_EVENT (enum netpolicy_event) and a
 *	NETPOLICY_A_PORT nest with the port's new state.
 */
#ifndef _UAPI_LINUX_NETPOLICY_H
#define _UAPI_LINUX_NETPOLICY_H

#define NETPOLICY_GENL_NAME		"netpolicy"
#define NETPOLICY_GENL_VERSION		2
#define NETPOLICY_MCGRP_EVENTS		"events"

/* Longest object, VM, tag or selector name, including the trailing NUL. */
#define NETPOLICY_NAME_MAX		64
/* Most tags on one VM or NIC, and most selectors in one selector set. */
#define NETPOLICY_TAGS_MAX		32
#define NETPOLICY_SELECTORS_MAX		64
#define NETPOLICY_UUID_LEN		16

enum netpolicy_cmd {
	NETPOLICY_CMD_UNSPEC,
	NETPOLICY_CMD_LOAD,
	NETPOLICY_CMD_DEL,
	NETPOLICY_CMD_FLUSH,
	NETPOLICY_CMD_GET_NET,
	NETPOLICY_CMD_GET_VIF,
	NETPOLICY_CMD_GET_PORT,
	NETPOLICY_CMD_EVENT,
	NETPOLICY_CMD_GET_VM,
	NETPOLICY_CMD_GET_POLICY,
	NETPOLICY_CMD_GET_NIC,
	NETPOLICY_CMD_SET_PORT,
	NETPOLICY_CMD_PREDICT,
	NETPOLICY_CMD_TXN_BEGIN,
	NETPOLICY_CMD_TXN_COMMIT,
	NETPOLICY_CMD_TXN_ABORT,
	__NETPOLICY_CMD_MAX
};

#define NETPOLICY_CMD_MAX (__NETPOLICY_CMD_MAX - 1)

/* NETPOLICY_A_FLAGS of NETPOLICY_CMD_LOAD */
enum netpolicy_load_flag {
	NETPOLICY_LOAD_F_REPLACE = 1U << 0,
	NETPOLICY_LOAD_F_UPDATE = 1U << 1,
	__NETPOLICY_LOAD_F_ALL = NETPOLICY_LOAD_F_REPLACE |
				 NETPOLICY_LOAD_F_UPDATE
};

/* Where a VIF or VM object came from; see NETPOLICY_CMD_LOAD. */
enum netpolicy_source {
	NETPOLICY_SOURCE_CONFIG,	/* the policy configuration */
	NETPOLICY_SOURCE_XENSTORE,	/* a running Xen guest (xenstore) */
	NETPOLICY_SOURCE_LIBVIRT,	/* a running libvirt domain */
	__NETPOLICY_SOURCE_MAX
};

#define NETPOLICY_SOURCE_MAX (__NETPOLICY_SOURCE_MAX - 1)

enum netpolicy_attr {
	NETPOLICY_A_UNSPEC,
	NETPOLICY_A_FLAGS,		/* u32: enum netpolicy_load_flag */
	NETPOLICY_A_NETS,		/* array of nests of NETPOLICY_A_NET_* */
	NETPOLICY_A_VIFS,		/* array of nests of NETPOLICY_A_VIF_* */
	NETPOLICY_A_NET,		/* nest of NETPOLICY_A_NET_* */
	NETPOLICY_A_VIF,		/* nest of NETPOLICY_A_VIF_* */
	NETPOLICY_A_PORT,		/* nest of NETPOLICY_A_PORT_* */
	NETPOLICY_A_GENERATION,		/* u32: object set generation */
	NETPOLICY_A_EVENT,		/* u8: enum netpolicy_event */
	NETPOLICY_A_POLICIES,		/* array of nests of NETPOLICY_A_POLICY_* */
	NETPOLICY_A_VMS,		/* array of nests of NETPOLICY_A_VM_* */
	NETPOLICY_A_NICS,		/* array of nests of NETPOLICY_A_NIC_* */
	NETPOLICY_A_POLICY,		/* nest of NETPOLICY_A_POLICY_* */
	NETPOLICY_A_VM,			/* nest of NETPOLICY_A_VM_* */
	NETPOLICY_A_NIC,		/* nest of NETPOLICY_A_NIC_* */
	NETPOLICY_A_HOST,		/* string: this host's name */
	NETPOLICY_A_SOURCE,		/* u8: enum netpolicy_source (DEL) */
	NETPOLICY_A_TXN,		/* u32: transaction id (TXN_BEGIN's) */
	NETPOLICY_A_TXN_OBJECTS,	/* u32: objects sent in it (COMMIT) */
	NETPOLICY_A_CONFIG_GEN,		/* u32: configuration generation */
	__NETPOLICY_A_MAX
};

#define NETPOLICY_A_MAX (__NETPOLICY_A_MAX - 1)

enum netpolicy_net_attr {
	NETPOLICY_A_NET_UNSPEC,
	NETPOLICY_A_NET_NAME,		/* string, required */
	NETPOLICY_A_NET_BRIDGE,		/* string: ifname, required on load */
	NETPOLICY_A_NET_POLICY,		/* string: policy object */
	NETPOLICY_A_NET_TUNNEL,		/* u8: enum netpolicy_tunnel */
	NETPOLICY_A_NET_TUNNEL_ID,	/* u32: VNI or GRE key; needs _TUNNEL */
	__NETPOLICY_A_NET_MAX
};

#define NETPOLICY_A_NET_MAX (__NETPOLICY_A_NET_MAX - 1)

/*
 * A policy as the administrator wrote it: attributes that are absent were
 * not written and constrain nothing.
 */
enum netpolicy_policy_attr {
	NETPOLICY_A_POLICY_UNSPEC,
	NETPOLICY_A_POLICY_NAME,		/* string, required */
	NETPOLICY_A_POLICY_ALLOW_CROSS_SERVER,	/* u8: 0 or 1 */
	NETPOLICY_A_POLICY_REQUIRE_ENCRYPTION,	/* u8: 0 or 1 */
	NETPOLICY_A_POLICY_PHYSICAL_IFS_ALLOWED,/* array of selector nests */
	NETPOLICY_A_POLICY_ISOLATE_FROM,	/* array of selector nests */
	NETPOLICY_A_POLICY_ENCRYPTION_ALG,	/* u8: enum netpolicy_enc_alg */
	NETPOLICY_A_POLICY_COMPRESS,		/* u8: 0 or 1 */
	NETPOLICY_A_POLICY_HOST,		/* string: RESTRICT_TO_HOST */
	__NETPOLICY_A_POLICY_MAX
};

#define NETPOLICY_A_POLICY_MAX (__NETPOLICY_A_POLICY_MAX - 1)

enum netpolicy_enc_alg {
	NETPOLICY_ENC_GCM_AES_128 = 1,	/* "gcm-aes-128" */
	NETPOLICY_ENC_GCM_AES_256,	/* "gcm-aes-256" */
	__NETPOLICY_ENC_MAX
};

#define NETPOLICY_ENC_MAX (__NETPOLICY_ENC_MAX - 1)

/*
 * How a network is carried to the other hosts: a tunnel port of the
 * network's bridge (directly, or through the MACsec device that encrypts
 * it), with the identifier NETPOLICY_A_NET_TUNNEL_ID (a VXLAN or Geneve
 * VNI, 1 to 2^24 - 1; a GRE key, 1 to 2^32 - 1).
 */
enum netpolicy_tunnel {
	NETPOLICY_TUNNEL_VXLAN = 1,	/* "vxlan" */
	NETPOLICY_TUNNEL_GRETAP,	/* "gretap" (IPv4 GRE, Ethernet) */
	NETPOLICY_TUNNEL_GENEVE,	/* "geneve" */
	__NETPOLICY_TUNNEL_MAX
};

#define NETPOLICY_TUNNEL_MAX (__NETPOLICY_TUNNEL_MAX - 1)

enum netpolicy_selector_type {
	NETPOLICY_SEL_TAG = 1,		/* TAG(value) */
	NETPOLICY_SEL_NAME,		/* NAME(value) */
	__NETPOLICY_SEL_MAX
};

#define NETPOLICY_SEL_MAX (__NETPOLICY_SEL_MAX - 1)

enum netpolicy_sel_attr {
	NETPOLICY_A_SEL_UNSPEC,
	NETPOLICY_A_SEL_TYPE,		/* u8: enum netpolicy_selector_type */
	NETPOLICY_A_SEL_VALUE,		/* string */
	__NETPOLICY_A_SEL_MAX
};

#define NETPOLICY_A_SEL_MAX (__NETPOLICY_A_SEL_MAX - 1)

enum netpolicy_vif_attr {
	NETPOLICY_A_VIF_UNSPEC,
	NETPOLICY_A_VIF_NAME,		/* string, required */
	NETPOLICY_A_VIF_IFNAME,		/* string: name or glob, < IFNAMSIZ */
	NETPOLICY_A_VIF_MAC,		/* binary: ETH_ALEN bytes */
	NETPOLICY_A_VIF_NETWORK,	/* string: network object, required */
	NETPOLICY_A_VIF_VM,		/* string: VM object */
	NETPOLICY_A_VIF_POLICY,		/* string: policy object */
	NETPOLICY_A_VIF_SOURCE,		/* u8: enum netpolicy_source */
	__NETPOLICY_A_VIF_MAX
};

#define NETPOLICY_A_VIF_MAX (__NETPOLICY_A_VIF_MAX - 1)

enum netpolicy_vm_attr {
	NETPOLICY_A_VM_UNSPEC,
	NETPOLICY_A_VM_NAME,		/* string, required */
	NETPOLICY_A_VM_UUID,		/* binary: NETPOLICY_UUID_LEN bytes */
	NETPOLICY_A_VM_TAGS,		/* array of strings */
	NETPOLICY_A_VM_POLICY,		/* string: policy object */
	NETPOLICY_A_VM_SOURCE,		/* u8: enum netpolicy_source */
	__NETPOLICY_A_VM_MAX
};

#define NETPOLICY_A_VM_MAX (__NETPOLICY_A_VM_MAX - 1)

enum netpolicy_nic_attr {
	NETPOLICY_A_NIC_UNSPEC,
	NETPOLICY_A_NIC_NAME,		/* string: interface name, required */
	NETPOLICY_A_NIC_TAGS,		/* array of strings */
	__NETPOLICY_A_NIC_MAX
};

#define NETPOLICY_A_NIC_MAX (__NETPOLICY_A_NIC_MAX - 1)

enum netpolicy_port_kind {
	NETPOLICY_KIND_TAP = 1,		/* tun driver, TAP mode */
	NETPOLICY_KIND_XEN_VIF,		/* Xen netback */
	__NETPOLICY_KIND_MAX
};

#define NETPOLICY_KIND_MAX (__NETPOLICY_KIND_MAX - 1)

enum netpolicy_port_state {
	NETPOLICY_PORT_UNBOUND = 1,	/* no VIF object matches: untouched */
	NETPOLICY_PORT_PENDING,		/* bound, the bridge does not exist */
	NETPOLICY_PORT_ATTACHED,	/* bound and a port of its bridge */
	NETPOLICY_PORT_REFUSED,		/* bound, attaching was refused */
	/*
	 * Refused, but still a port of a master that cannot release it (one
	 * without ndo_del_slave: an Open vSwitch datapath, HSR): the policy
	 * is violated until an administrator takes it off that master. The
	 * message names the master and the refusal.
	 */
	NETPOLICY_PORT_STUCK,
	__NETPOLICY_PORT_MAX
};

#define NETPOLICY_PORT_MAX (__NETPOLICY_PORT_MAX - 1)

/*
 * Why a port is in its state; NETPOLICY_A_PORT_MESSAGE says it in words.
 * An uplink counts as encrypted (NETPOLICY_R_NOT_ENCRYPTED otherwise) when a
 * MACsec device on its path encrypts, protects every frame, validates
 * strictly and drops every replayed frame (replay protection on, window
 * 0), with the cipher suite ENCRYPTION_ALGORITHM names (or its XPN variant).
 */
enum netpolicy_reason {
	NETPOLICY_R_NONE,
	NETPOLICY_R_NO_VIF_OBJECT,	/* unbound: no VIF object matches */
	NETPOLICY_R_NO_BRIDGE,		/* pending: the bridge does not exist */
	NETPOLICY_R_NOT_A_BRIDGE,	/* refused: target is not a bridge */
	NETPOLICY_R_ATTACH_FAILED,	/* refused: the bridge refused the port */
	NETPOLICY_R_MOVED,		/* pending: another agent moved it */
	/* Refusals by policy, in the order the constraints are checked. */
	NETPOLICY_R_ISOLATED,		/* ISOLATE_FROM matches the port's VM */
	NETPOLICY_R_WRONG_HOST,		/* RESTRICT_TO_HOST names another host */
	NETPOLICY_R_CROSS_SERVER,	/* local-only network, bridge has an uplink */
	NETPOLICY_R_PHYSICAL_IF,	/* an uplink's underlay is not allowed */
	NETPOLICY_R_NOT_ENCRYPTED,	/* an uplink is not encrypted (as asked) */
	NETPOLICY_R_ISOLATED_PEER,	/* the bridge carries an isolated VM */
	NETPOLICY_R_NOT_REALIZED,	/* the network's tunnel is not there */
	/*
	 * Pending: a tap that is down, allowed on its bridge. It joins it when
	 * it comes up, or when its toolstack enslaves it there first (libvirt
	 * does, for <interface type='bridge'>); an enslave to any other
	 * master is refused with the reason.
	 */
	NETPOLICY_R_TAP_DOWN,
	__NETPOLICY_R_MAX
};

#define NETPOLICY_R_MAX (__NETPOLICY_R_MAX - 1)

enum netpolicy_port_attr {
	NETPOLICY_A_PORT_UNSPEC,
	NETPOLICY_A_PORT_IFINDEX,	/* u32 */
	NETPOLICY_A_PORT_IFNAME,	/* string */
	NETPOLICY_A_PORT_KIND,		/* u8: enum netpolicy_port_kind */
	NETPOLICY_A_PORT_STATE,		/* u8: enum netpolicy_port_state */
	NETPOLICY_A_PORT_REASON,	/* u8: enum netpolicy_reason */
	NETPOLICY_A_PORT_MESSAGE,	/* string: the reason in words */
	NETPOLICY_A_PORT_VIF,		/* string: VIF object, if bound */
	NETPOLICY_A_PORT_NETWORK,	/* string: network object, if bound */
	NETPOLICY_A_PORT_BRIDGE,	/* string: target bridge, if bound */
	NETPOLICY_A_PORT_ERRNO,		/* u32: positive errno of a refusal */
	NETPOLICY_A_PORT_MAC,		/* binary: ETH_ALEN bytes */
	NETPOLICY_A_PORT_VM,		/* string: VM object, if bound to one */
	NETPOLICY_A_PORT_POLICY,	/* string: the policy that refused it */
	NETPOLICY_A_PORT_GUEST_MAC,	/* binary: ETH_ALEN, see _SET_PORT */
	__NETPOLICY_A_PORT_MAX
};

#define NETPOLICY_A_PORT_MAX (__NETPOLICY_A_PORT_MAX - 1)

enum netpolicy_event {
	NETPOLICY_EV_ATTACHED = 1,	/* the port joined its bridge */
	NETPOLICY_EV_DETACHED,		/* the port left the bridge we chose */
	NETPOLICY_EV_PENDING,		/* bound, waiting for its bridge */
	NETPOLICY_EV_REFUSED,		/* bound, attaching was refused */
	NETPOLICY_EV_UNBOUND,		/* seen, no VIF object matches */
	NETPOLICY_EV_REMOVED,		/* the device is gone */
	NETPOLICY_EV_STUCK,		/* refused, its master cannot release it */
	__NETPOLICY_EV_MAX
};

#define NETPOLICY_EV_MAX (__NETPOLICY_EV_MAX - 1)

#endif /* _UAPI_LINUX_NETPOLICY_H */
