// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr mka-supervise: the supervisor of one key agreement session (see
 * Documentation, "Encryption: key agreement"). One event loop: signals
 * (signalfd), link changes (rtnetlink), and a 2 s timer.
 *
 *  - Each start of wpa_supplicant sends under a secure channel identifier
 *    (SCI: the tunnel's MAC address and a port) this tunnel has not used:
 *    the port comes from a counter per tunnel (TUNNEL.sci, under a lock,
 *    shared by the sessions on the tunnel). Peers still remember the old
 *    one for a while; a new SCI is a new member to them, never a replay.
 *  - The session's MACsec device is the one on the tunnel with its SCI:
 *    the supervisor touches no other (on a VXLAN tunnel there is one per
 *    peer, each a session of its own).
 *  - wpa_supplicant runs as its child, without core dumps, and dies with
 *    it (PR_SET_PDEATHSIG).
 *  - The MACsec device the daemon creates becomes a port of the network's
 *    bridge as soon as its settings are those of a session (encrypt,
 *    protect, validate strict, replay protection with window 0); the
 *    daemon brings it up once the session is secured.
 *  - When the daemon dies, the MACsec device is deleted at once (nothing
 *    leaves with stale keys; the module detaches the network's VMs), and
 *    the daemon is started again after 1, 2, 4 ... 30 s.
 *  - Every 2 s: the daemon's STATUS and the kernel's transmit SA, written
 *    to the session's state file for `npmgr show keys`.
 *  - SIGTERM: stop the daemon (it deletes its MACsec device), exit.
 *    SIGHUP: restart it (a fresh SCI, fresh keys).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "ctrl.h"
#include "host.h"
#include "mka.h"

#define STATUS_SECONDS	2
#define PENDING_MS	100
#define BACKOFF_MAX	30
#define PORT_MAX	0xffff

/*
 * Restarts are timed on the monotonic clock in milliseconds (mono_ms()):
 * with time()'s whole seconds, "restarting in 1 s" could come 10 ms after
 * the death.
 */

struct sup {
	const char *host, *sid;
	struct rz_mka_names s;		/* from the configuration's header */
	char conf[RZ_PATH_MAX], wpa[RZ_PATH_MAX], state[RZ_PATH_MAX];
	char ctrl[RZ_PATH_MAX + 32], sci_file[RZ_PATH_MAX];
	int log;
	struct nl_sock *sk, *ev, *gs;
	int macsec_family;
	struct nl_cache *links;
	pid_t child;
	int64_t started, restart_at;	/* CLOCK_MONOTONIC, ms */
	unsigned int backoff, restarts;
	int tunnel;			/* its ifindex, or 0 */
	bool stopping;
	bool event_ours;		/* note_event(): look again */
	bool is_port;			/* the device is the bridge's port */
	/* the SCI the daemon sends under (MAC, port), in memory order */
	uint64_t sci;
	bool have_sci;
	/* the transmit key, to see rekeys */
	uint8_t keyid[16];
	bool have_key;
	time_t key_since, last_rekey;
};

static void slog(const struct sup *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void slog(const struct sup *s, const char *fmt, ...)
{
	char line[512], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	int n;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s npmgr mka-supervise %s: ", stamp,
		     s->sid);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	dprintf(s->log, "%s\n", line);
}

/*
 * Read what the session looks at: the MACsec devices (one filtered dump,
 * none while the macsec driver is not there: then there are none), its
 * tunnel and its bridge. Not every link: each event of a host's
 * thousands of taps reaches every supervisor. (A dump the kernel did not
 * filter holds every link: the lookups below work on it too.)
 */
static void refill(struct sup *s)
{
	struct rtnl_link *t;

	nl_cache_clear(s->links);
	if (rz_module_present("macsec"))
		rz_dump_kind(s->sk, s->links, "macsec");
	rz_reread_link(s->sk, s->links, s->s.tunnel);
	rz_reread_link(s->sk, s->links, s->s.bridge);
	t = rtnl_link_get_by_name(s->links, s->s.tunnel);
	s->tunnel = t ? rtnl_link_get_ifindex(t) : 0;
	if (t)
		rtnl_link_put(t);
}

/* Delete the session's MACsec device: it holds the old keys. */
static void delete_own(struct sup *s)
{
	struct rtnl_link *l;
	struct rz_macsec m;

	refill(s);
	if (!s->have_sci || !rz_macsec_by_sci(s->links, s->tunnel, s->sci, &m))
		return;
	l = rtnl_link_get(s->links, m.ifindex);
	if (l && !rtnl_link_delete(s->sk, l))
		slog(s, "deleted MACsec device %s", m.name);
	if (l)
		rtnl_link_put(l);
	refill(s);
}

static void mac_text(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

/* The tunnel's MAC address; 0, or -1. */
static int tunnel_mac(struct sup *s, uint8_t mac[6])
{
	struct rtnl_link *t = rtnl_link_get(s->links, s->tunnel);
	struct nl_addr *a = t ? rtnl_link_get_addr(t) : NULL;
	int err = -1;

	if (a && nl_addr_get_len(a) == 6) {
		memcpy(mac, nl_addr_get_binary_addr(a), 6);
		err = 0;
	}
	if (t)
		rtnl_link_put(t);
	return err;
}

/*
 * The tunnel's ports are all used: a locally administered unicast address
 * no one has used, for the next 65535 starts. (The other sessions on the
 * tunnel keep the SCIs their daemons started with.)
 */
static int fresh_mac(struct sup *s, uint8_t mac[6])
{
	struct rtnl_link *t = rtnl_link_get(s->links, s->tunnel);
	int err = -1;

	if (t && getrandom(mac, 6, 0) == 6) {
		mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
		err = rz_link_set_mac(s->sk, t, mac);
		if (err)
			slog(s, "cannot give %s a fresh address: %s",
			     s->s.tunnel, nl_geterror(err));
	}
	if (t)
		rtnl_link_put(t);
	refill(s);
	return err;
}

/*
 * The next SCI of the tunnel: its MAC address and the port after the one
 * the counter file says was used last with that address.
 */
static int next_sci(struct sup *s, unsigned int *port)
{
	char buf[64] = "", last_mac[18] = "", now[18];
	unsigned int last = 0;
	uint8_t mac[6], sci[8];
	ssize_t n;
	int fd, err = -1;

	fd = open(s->sci_file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) || tunnel_mac(s, mac))
		goto out;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (sscanf(buf, "%17s %u", last_mac, &last) != 2)
		last = 0;
	mac_text(mac, now);
	*port = strcmp(last_mac, now) ? 1 : last + 1;
	if (*port > PORT_MAX) {
		if (fresh_mac(s, mac))
			goto out;
		mac_text(mac, now);
		*port = 1;
	}
	n = snprintf(buf, sizeof(buf), "%s %u\n", now, *port);
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n)
		goto out;
	memcpy(sci, mac, 6);
	sci[6] = (uint8_t)(*port >> 8);
	sci[7] = (uint8_t)*port;
	memcpy(&s->sci, sci, sizeof(sci));
	s->have_sci = true;
	err = 0;
out:
	if (err)
		slog(s, "cannot choose a secure channel identifier (%s): %s",
		     s->sci_file, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

/* What wpa_supplicant reads: the session's configuration and its port. */
static int write_wpa(struct sup *s, unsigned int port)
{
	char *text, *wpa;
	size_t len;
	int err = -1;

	if (read_file(s->conf, &text, &len))
		return -1;
	wpa = rz_mka_with_port(text, port);
	if (wpa) {
		err = rz_write_private(s->wpa, wpa);
		explicit_bzero(wpa, strlen(wpa));
		free(wpa);
	}
	explicit_bzero(text, len);
	free(text);
	return err;
}

static void start_child(struct sup *s, const sigset_t *old_mask)
{
	struct rlimit no_core = { 0, 0 };
	pid_t parent = getpid();
	int null;

	unsigned int port;

	if (!s->tunnel)
		return;
	delete_own(s);
	if (next_sci(s, &port) || write_wpa(s, port)) {
		s->restart_at = mono_ms() + 5000;
		return;
	}
	s->child = fork();
	if (s->child < 0) {
		slog(s, "fork: %s", strerror(errno));
		s->child = 0;
		s->restart_at = mono_ms() + 1000;
		return;
	}
	if (!s->child) {
		sigprocmask(SIG_SETMASK, old_mask, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		setrlimit(RLIMIT_CORE, &no_core);
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(s->log, 1);
		dup2(s->log, 2);
		closefrom(3);
		execl(RZ_WPA_SUPPLICANT, "wpa_supplicant", "-D", "macsec_linux",
		      "-i", s->s.tunnel, "-c", s->wpa, (char *)NULL);
		_exit(127);
	}
	s->started = mono_ms();
	s->have_key = false;
	slog(s, "started wpa_supplicant (pid %d) on %s, SCI port %u",
	     (int)s->child, s->s.tunnel, port);
}

/* Stop the daemon: it deletes its MACsec device; whatever is left goes. */
static void stop_child(struct sup *s)
{
	int i, status;

	if (!s->child)
		return;
	kill(s->child, SIGTERM);
	for (i = 0; i < 60; i++) {
		if (waitpid(s->child, &status, WNOHANG) == s->child)
			break;
		usleep(50000);
	}
	if (i == 60) {
		kill(s->child, SIGKILL);
		waitpid(s->child, &status, 0);
	}
	s->child = 0;
	delete_own(s);
}

/* The daemon died on its own: fail closed, then try again later. */
static void child_died(struct sup *s, int status)
{
	int64_t now = mono_ms();

	s->child = 0;
	delete_own(s);
	s->backoff = now - s->started > 60000 ? 1 :
		     s->backoff ? (s->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
				   s->backoff * 2) : 1;
	s->restart_at = now + s->backoff * 1000;
	s->restarts++;
	if (WIFSIGNALED(status))
		slog(s, "wpa_supplicant was killed by signal %d; its MACsec device is deleted; restarting in %u s",
		     WTERMSIG(status), s->backoff);
	else
		slog(s, "wpa_supplicant exited with status %d; its MACsec device is deleted; restarting in %u s",
		     WEXITSTATUS(status), s->backoff);
}

/*
 * Make the session's MACsec device, once configured, a bridge port;
 * whether it became one now.
 */
static bool enslave(struct sup *s)
{
	struct rtnl_link *l;
	struct rz_macsec m;
	int master, err;

	master = rtnl_link_name2i(s->links, s->s.bridge);
	s->is_port = false;
	if (!s->child || !s->have_sci || master <= 0 ||
	    !rz_macsec_by_sci(s->links, s->tunnel, s->sci, &m))
		return false;
	s->is_port = m.master == master;
	if (s->is_port || rz_macsec_drift(&m))
		return false;
	l = rtnl_link_get(s->links, m.ifindex);
	err = l ? rz_link_set_master(s->sk, l, master, false) : -NLE_OBJ_NOTFOUND;
	if (!err && s->s.isolated)
		err = rz_link_isolate(s->sk, m.ifindex);
	if (err)
		slog(s, "cannot make %s a port of %s: %s", m.name, s->s.bridge,
		     nl_geterror(err));
	else
		slog(s, "MACsec device %s is a port of %s", m.name,
		     s->s.bridge);
	if (l)
		rtnl_link_put(l);
	refill(s);
	s->is_port = !err;
	return !err;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

/* What the daemon and the kernel say now, into the state file. */
static void report(struct sup *s)
{
	char reply[4096], key_id[33] = "", tmp[RZ_PATH_MAX + 8], sci[17] = "";
	struct rz_mka_status st = { 0 };
	struct rz_macsec ms[1];
	struct rz_txsa tx = { 0 };
	const char *state, *key_server = "";
	time_t now = time(NULL);
	unsigned int kn = 0;
	bool n;
	FILE *f;

	n = s->have_sci &&
	    rz_macsec_by_sci(s->links, s->tunnel, s->sci, &ms[0]);
	if (s->have_sci)
		hex((const uint8_t *)&s->sci, sizeof(s->sci), sci);
	if (s->child && !rz_ctrl_request(s->ctrl, "STATUS", reply,
					 sizeof(reply), 500))
		rz_mka_parse_status(reply, &st);
	if (n && s->macsec_family < 0)
		s->macsec_family = rz_macsec_family(&s->gs);
	if (n && s->macsec_family >= 0)
		rz_macsec_txsa(s->gs, s->macsec_family, ms[0].ifindex, &tx);
	if (tx.found && (!s->have_key || memcmp(tx.keyid, s->keyid, 16))) {
		if (s->have_key)
			s->last_rekey = now;
		s->key_since = now;
		memcpy(s->keyid, tx.keyid, 16);
		s->have_key = true;
	}
	if (tx.found) {
		hex(tx.keyid, 16, key_id);
		/* wpa_supplicant stores the key number after the MI, LE */
		kn = tx.keyid[12] | tx.keyid[13] << 8 | tx.keyid[14] << 16 |
		     (unsigned int)tx.keyid[15] << 24;
	}
	if (!s->tunnel)
		state = "down";
	else if (!s->child)
		state = "restarting";
	else if (st.secured && n && ms[0].up && tx.found && tx.active)
		state = "secured";
	else
		state = "waiting";
	if (st.key_server)
		key_server = "this host";
	else if (st.key_server_sci[0] && st.live_peers)
		key_server = st.key_server_sci;

	snprintf(tmp, sizeof(tmp), "%s.new", s->state);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "state=%s\nmacsec=%s\nkey_server=%s\nlive_peers=%u\n"
		"key_id=%s\nkey_number=%u\nkey_since=%lld\nlast_rekey=%lld\n"
		"restarts=%u\nupdated=%lld\nsci=%s\n", state,
		n ? ms[0].name : "",
		key_server, st.live_peers, key_id, kn,
		tx.found ? (long long)s->key_since : 0LL,
		(long long)s->last_rekey, s->restarts, (long long)now, sci);
	if (fclose(f) || rename(tmp, s->state))
		unlink(tmp);
}

/* Which tunnel, bridge and network: the configuration's first line. */
static int read_names(struct sup *s)
{
	struct rz_mka_names names;
	char *text;
	size_t len;
	int err;

	if (read_file(s->conf, &text, &len))
		return -1;
	err = rz_mka_config_names(text, &names);
	explicit_bzero(text, len);
	free(text);
	if (err || (s->s.tunnel[0] && strcmp(names.tunnel, s->s.tunnel)))
		return -1;
	s->s = names;
	return 0;
}

/*
 * A supervisor killed outright leaves its daemon's MACsec device (the
 * daemon dies with it, without cleaning up): the state file says which.
 */
static void delete_left_over(struct sup *s)
{
	char *text, *p;
	uint8_t sci[8];
	size_t len;
	int i;

	if (read_file(s->state, &text, &len))
		return;
	p = strstr(text, "\nsci=");
	for (i = 0; p && i < 8; i++)
		if (sscanf(p + 5 + 2 * i, "%2hhx", &sci[i]) != 1)
			break;
	free(text);
	if (i == 8) {
		memcpy(&s->sci, sci, sizeof(sci));
		s->have_sci = true;
		delete_own(s);
		s->have_sci = false;
	}
}

static int setup(struct sup *s)
{
	if (read_names(s))
		return -1;
	rz_mka_path(s->host, s->s.tunnel, "sci", s->sci_file,
		    sizeof(s->sci_file));
	snprintf(s->ctrl + strlen(s->ctrl), sizeof(s->ctrl) - strlen(s->ctrl),
		 "/%s", s->s.tunnel);
	s->sk = nl_socket_alloc();
	s->ev = nl_socket_alloc();
	if (!s->sk || !s->ev || nl_connect(s->sk, NETLINK_ROUTE) ||
	    nl_connect(s->ev, NETLINK_ROUTE) ||
	    nl_cache_alloc_name("route/link", &s->links))
		return -1;
	nl_socket_disable_seq_check(s->ev);
	nl_socket_set_nonblocking(s->ev);
	if (nl_socket_add_membership(s->ev, RTNLGRP_LINK))
		return -1;
	s->macsec_family = -1;
	refill(s);
	delete_left_over(s);
	return 0;
}

/*
 * Whether link event @msg can concern the session: it is about its tunnel
 * (by index or name), its bridge (by name) or a device on its tunnel (its
 * MACsec devices). The host's other events, each tap's, are not.
 */
static int note_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	struct sup *s = arg;

	if (s->event_ours)
		return NL_OK;
	if ((nlh->nlmsg_type != RTM_NEWLINK &&
	     nlh->nlmsg_type != RTM_DELLINK) ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0) {
		s->event_ours = true;	/* not understood: look */
		return NL_OK;
	}
	ifi = nlmsg_data(nlh);
	if (s->tunnel && (ifi->ifi_index == s->tunnel ||
			  (tb[IFLA_LINK] &&
			   nla_get_u32(tb[IFLA_LINK]) == (uint32_t)s->tunnel)))
		s->event_ours = true;
	if (tb[IFLA_IFNAME] && (!nla_strcmp(tb[IFLA_IFNAME], s->s.tunnel) ||
				!nla_strcmp(tb[IFLA_IFNAME], s->s.bridge)))
		s->event_ours = true;
	return NL_OK;
}

/*
 * Read the pending link events; whether one of them can concern the
 * session. Events the socket had no room for (ENOBUFS) may have.
 */
static bool events_ours(struct sup *s)
{
	int err, n = 0;

	s->event_ours = false;
	do
		err = nl_recvmsgs_default(s->ev);
	while (!err && ++n < 4096);
	if (err && err != -NLE_AGAIN)
		s->event_ours = true;
	return s->event_ours;
}

/*
 * The lock says this supervisor runs; the file says its pid. An
 * open-file-description write lock, not flock(): whoever asks whether a
 * supervisor runs (npmgr, sessions.c) reads it with F_OFD_GETLK, which
 * takes nothing. With flock() the asker had to take a shared lock for a
 * moment, and a supervisor starting in that moment believed another one
 * ran and went away.
 */
static int take_pidfile(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fd < 0)
		return -1;
	if (fcntl(fd, F_OFD_SETLK, &lk)) {
		int err = errno;

		close(fd);
		errno = err;
		/* another one runs */
		return err == EAGAIN || err == EACCES ? -2 : -1;
	}
	if (ftruncate(fd, 0) || dprintf(fd, "%d\n", (int)getpid()) < 0) {
		close(fd);
		return -1;
	}
	return fd;			/* kept open: the lock lives with it */
}

/* At most a second, and no later than a pending restart is due. */
static int poll_ms(const struct sup *s)
{
	int64_t left;

	if (s->child || !s->tunnel)
		return 1000;
	left = s->restart_at - mono_ms();
	return left < 0 ? 0 : left > 1000 ? 1000 : (int)left;
}

static void loop(struct sup *s, int sfd, int tfd, const sigset_t *old_mask)
{
	struct pollfd pfd[3] = {
		{ sfd, POLLIN, 0 },
		{ nl_socket_get_fd(s->ev), POLLIN, 0 },
		{ tfd, POLLIN, 0 },
	};
	struct signalfd_siginfo si;
	int tunnel_before, status, n;
	uint64_t ticks;

	nl_socket_modify_cb(s->ev, NL_CB_VALID, NL_CB_CUSTOM, note_event, s);
	while (!s->stopping) {
		if (!s->child && s->tunnel && mono_ms() >= s->restart_at) {
			start_child(s, old_mask);
			report(s);
		}
		/*
		 * wpa_supplicant configures its device while it is down, and
		 * the kernel announces no change to a down device: until the
		 * device is a port, look every PENDING_MS rather than wait
		 * for an event that may come only at the next status tick.
		 */
		n = poll(pfd, 3, s->child && !s->is_port ? PENDING_MS :
			 poll_ms(s));
		if (n < 0 && errno != EINTR)
			break;
		if (!n && s->child && !s->is_port) {
			refill(s);
			if (enslave(s))
				report(s);
		}
		if (pfd[0].revents & POLLIN &&
		    read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGCHLD:
				while (s->child &&
				       waitpid(s->child, &status, WNOHANG) ==
				       s->child)
					child_died(s, status);
				break;
			case SIGHUP:
				slog(s, "restarting wpa_supplicant (SIGHUP)");
				stop_child(s);
				s->restarts++;
				if (read_names(s))
					slog(s, "cannot read %s", s->conf);
				s->restart_at = 0;
				s->backoff = 0;
				break;
			default:
				s->stopping = true;
			}
		}
		/*
		 * POLLERR alone: events were lost (ENOBUFS) and none is
		 * queued. Only a read clears it; unread, every poll returns
		 * at once, and the supervisor spins.
		 */
		if (pfd[1].revents & (POLLIN | POLLERR) && events_ours(s)) {
			tunnel_before = s->tunnel;
			refill(s);
			if (s->child && s->tunnel != tunnel_before) {
				/* the tunnel went, or is another device now */
				slog(s, "%s changed under the session: restarting",
				     s->s.tunnel);
				stop_child(s);
				s->restart_at = 0;
			}
			/* the state file names the port: npmgr waits for it */
			if (enslave(s))
				report(s);
		}
		if (pfd[2].revents & POLLIN &&
		    read(tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks)) {
			refill(s);
			enslave(s);
			report(s);
		}
	}
}

/* Tell npmgr, which waits on the pipe at @fd, that this session runs. */
static void say_ready(int fd)
{
	ssize_t n;

	if (fd < 0)
		return;
	do
		n = write(fd, "1", 1);
	while (n < 0 && errno == EINTR);
	close(fd);
}

int cmd_mka_supervise(int argc, char **argv)
{
	struct itimerspec every = { { STATUS_SECONDS, 0 },
				    { STATUS_SECONDS, 0 } };
	const char *host = NULL, *sid = NULL;
	char pid[RZ_PATH_MAX], log[RZ_PATH_MAX], *end;
	struct sup s = { 0 };
	sigset_t mask, old_mask;
	int i, sfd, tfd, pfd, ready = -1;
	bool bad = false;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--host")) {
			host = argv[i + 1];
		} else if (!strcmp(argv[i], "--session")) {
			sid = argv[i + 1];
		} else if (!strcmp(argv[i], "--ready-fd")) {
			errno = 0;
			ready = (int)strtol(argv[i + 1], &end, 10);
			bad |= errno || *end || ready < 3 ||
			       fcntl(ready, F_SETFD, FD_CLOEXEC);
		} else {
			bad = true;
		}
	}
	if (bad || !host || !sid || i != argc || !sid[0] ||
	    strlen(sid) >= RZ_SID_LEN || strchr(sid, '/') || sid[0] == '.') {
		fprintf(stderr, "usage: npmgr mka-supervise --host NAME --session ID [--ready-fd FD]\n"
			"(npmgr load and realize start it; see npmgr(8))\n");
		return 2;
	}
	prctl(PR_SET_DUMPABLE, 0);
	s.host = host;
	s.sid = sid;
	rz_mka_path(host, sid, "conf", s.conf, sizeof(s.conf));
	rz_mka_path(host, sid, "wpa", s.wpa, sizeof(s.wpa));
	rz_mka_path(host, sid, "state", s.state, sizeof(s.state));
	rz_mka_path(host, sid, "ctrl", s.ctrl, sizeof(s.ctrl));
	rz_mka_path(host, sid, "pid", pid, sizeof(pid));
	rz_mka_path(host, sid, "log", log, sizeof(log));
	s.log = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		     0600);
	if (s.log < 0)
		s.log = STDERR_FILENO;
	pfd = take_pidfile(pid);
	if (pfd == -2) {
		say_ready(ready);	/* one supervisor per session */
		return 0;
	}
	if (pfd < 0 || setup(&s)) {
		slog(&s, "cannot start: %s", strerror(errno));
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old_mask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &every, NULL)) {
		slog(&s, "cannot start: %s", strerror(errno));
		return 1;
	}
	slog(&s, "supervising the key agreement of network %s with %s on %s (bridge %s)",
	     s.s.network, s.s.peer, s.s.tunnel, s.s.bridge);
	say_ready(ready);
	loop(&s, sfd, tfd, &old_mask);
	slog(&s, "stopping");
	stop_child(&s);
	unlink(s.state);
	unlink(s.wpa);
	nl_cache_free(s.links);
	nl_socket_free(s.sk);
	nl_socket_free(s.ev);
	nl_socket_free(s.gs);
	close(sfd);
	close(tfd);
	close(pfd);
	return 0;
}
