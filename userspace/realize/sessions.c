// SPDX-License-Identifier: GPL-2.0
/*
 * Realizing key agreement sessions: for each session a plan has, write its
 * wpa_supplicant configuration (mode 0600, in a 0700 directory) and make
 * sure its supervisor runs (`npmgr mka-supervise`, see supervise.c);
 * restart it when its configuration changed or its MACsec device drifted;
 * stop the sessions no plan has. A supervisor holds an exclusive lock on
 * its pid file (an OFD lock) for as long as it runs: that, not the pid,
 * says it is alive. A session is named by its id (TUNNEL-hash(peer)).
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "mka.h"

/* The host's session directory, created 0700 if missing. */
static int host_dir(const char *host, char *dir, size_t size)
{
	struct stat st;

	rz_mka_host_dir(host, dir, size);
	mkdir("/run/netpolicy", 0755);
	mkdir(NPMGR_RUN_DIR, 0700);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "npmgr: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077)) {
		fprintf(stderr,
			"npmgr: %s must be a directory of mode 0700 owned by this user\n",
			dir);
		return -1;
	}
	return 0;
}

/* A file of ours, whole, or NULL. */
static char *slurp(const char *path)
{
	char *buf;
	size_t len;

	return read_file(path, &buf, &len) ? NULL : buf;
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int rz_write_private(const char *path, const char *text)
{
	char tmp[RZ_PATH_MAX + 8];
	size_t len = strlen(text), off = 0;
	ssize_t n;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		goto fail;
	while (off < len && (n = write(fd, text + off, len - off)) > 0)
		off += (size_t)n;
	if (close(fd) || off < len || rename(tmp, path))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "npmgr: %s: %s\n", path, strerror(errno));
	unlink(tmp);
	return -1;
}

/*
 * The pid of the supervisor of session @sid if it runs (holds its lock, an
 * OFD write lock: asking takes no lock, see take_pidfile() in supervise.c).
 */
static pid_t supervisor(const char *host, const char *sid)
{
	char path[RZ_PATH_MAX], buf[32] = "";
	struct flock lk = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	ssize_t n;
	int fd;

	rz_mka_path(host, sid, "pid", path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fcntl(fd, F_OFD_GETLK, &lk) || lk.l_type == F_UNLCK) {
		close(fd);		/* nobody holds it */
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

/*
 * Start the supervisor of session @sid, detached, and wait until it runs.
 * It says so on a pipe (--ready-fd) once it holds its lock and has set
 * up; if it dies first, the pipe ends without a word. No guess at how
 * long an exec takes on a loaded host: only a supervisor that neither
 * answers nor dies within SPAWN_MS counts as not started.
 */
#define SPAWN_MS	60000

static int spawn(const struct rz_host *h, const char *sid)
{
	char self[PATH_MAX], log[RZ_PATH_MAX], ok = 0;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct pollfd pfd;
	int64_t left, end;
	int fd, ready[2];
	pid_t pid;

	if (n < 0 || pipe2(ready, O_CLOEXEC))
		return -1;
	self[n] = '\0';
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (!pid) {
		/* a session of its own, then a grandchild: no terminal */
		setsid();
		if (fork())
			_exit(0);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* the write end as fd 3, open across the exec */
		if (ready[1] == 3 ? fcntl(3, F_SETFD, 0) : dup2(ready[1], 3) < 0)
			_exit(127);
		closefrom(4);
		execl(self, "npmgr", "mka-supervise", "--host", h->name,
		      "--session", sid, "--ready-fd", "3", (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	waitpid(pid, NULL, 0);
	pfd = (struct pollfd){ ready[0], POLLIN, 0 };
	end = mono_ms() + SPAWN_MS;
	n = -1;
	while ((left = end - mono_ms()) > 0) {
		int r = poll(&pfd, 1, (int)left);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n = read(ready[0], &ok, 1);
		if (n >= 0 || errno != EINTR)
			break;
	}
	close(ready[0]);
	if (n == 1 && ok == '1')
		return 0;
	rz_mka_path(h->name, sid, "log", log, sizeof(log));
	fprintf(stderr, "npmgr: the key agreement supervisor of %s %s (see %s)\n",
		sid, n == 0 ? "exited while it started" :
		"did not start within 60 s", log);
	return -1;
}

/* Stop the supervisor of session @sid and remove the session's files. */
static void stop(const char *host, const char *sid)
{
	static const char *const exts[] = {
		"conf", "wpa", "state", "log", "pid",
	};
	char path[RZ_PATH_MAX];
	pid_t pid = supervisor(host, sid);
	size_t i;
	int t;

	if (pid > 0 && !kill(pid, SIGTERM)) {
		/* it stops wpa_supplicant, which deletes its MACsec device */
		for (t = 0; t < 250 && supervisor(host, sid); t++)
			sleep_ms(20);
		if (supervisor(host, sid))
			kill(pid, SIGKILL);
	}
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		rz_mka_path(host, sid, exts[i], path, sizeof(path));
		unlink(path);
	}
	rz_mka_path(host, sid, "ctrl", path, sizeof(path));
	rmdir(path);
}

/* The MACsec device the supervisor of @sid last reported, into @out. */
static bool session_macsec(const char *host, const char *sid, char *out,
			   size_t size)
{
	char path[RZ_PATH_MAX], *text, *p;
	size_t n;

	rz_mka_path(host, sid, "state", path, sizeof(path));
	text = slurp(path);
	p = text ? strstr(text, "\nmacsec=") : NULL;
	if (p) {
		p += 8;
		n = strcspn(p, "\n");
		snprintf(out, size, "%.*s", (int)n, p);
	}
	free(text);
	return p && *out;
}

/* Why the session's MACsec device needs a new daemon, or NULL. */
static const char *session_drift(struct rz_host *h, const struct rz_mka *m)
{
	char name[IFNAMSIZ_NP];
	const char *why = NULL;
	struct rz_macsec ms;
	struct nl_sock *gs;
	struct rz_txsa tx;
	int family;

	if (!session_macsec(h->name, m->sid, name, sizeof(name)) ||
	    rz_host_reread(h, name) ||
	    !rz_macsec_by_name(h->links, rtnl_link_name2i(h->links, m->tunnel),
			       name, &ms))
		return NULL;		/* none yet: the daemon is at work */
	why = rz_macsec_drift(&ms);
	if (why || !ms.up)
		return why;
	/* up (the session is secured): it sends with an active SA */
	family = rz_macsec_family(&gs);
	if (family >= 0 && !rz_macsec_txsa(gs, family, ms.ifindex, &tx) &&
	    (!tx.found || !tx.active))
		why = "its transmit SA is gone";
	nl_socket_free(gs);
	return why;
}

/*
 * Wait until session @m's MACsec device is a port of its bridge: a load
 * then hands the kernel a network whose encrypted uplink is there (the
 * daemon creates the device at once, keys it once the peer answers). As
 * long as the supervisor runs, a slow host is given up to SPAWN_MS (no
 * guess at how fast it should be); a supervisor that exits is reported at
 * once.
 */
static int wait_port(struct rz_host *h, const struct rz_mka *m)
{
	char log[RZ_PATH_MAX], name[IFNAMSIZ_NP];
	int64_t end = mono_ms() + SPAWN_MS;
	struct rtnl_link *l;
	const char *why = "within 60 s";
	int br, master;
	bool gone = false;

	do {
		/* the bridge is in h->links: rz_apply() made or found it */
		br = rtnl_link_name2i(h->links, m->bridge);
		l = NULL;
		if (br > 0 && session_macsec(h->name, m->sid, name, sizeof(name))) {
			if (rz_host_reread(h, name)) {
				why = "that npmgr could read (rtnetlink failed)";
				break;
			}
			l = rtnl_link_get_by_name(h->links, name);
		}
		master = l ? rtnl_link_get_master(l) : 0;
		if (l)
			rtnl_link_put(l);
		if (master && master == br)
			return 0;
		gone = !supervisor(h->name, m->sid);
		if (gone)
			why = "before its supervisor exited";
		else
			sleep_ms(20);
	} while (!gone && mono_ms() < end);
	rz_mka_path(h->name, m->sid, "log", log, sizeof(log));
	fprintf(stderr,
		"npmgr: network %s: key agreement with %s on %s made no MACsec device %s (see %s)\n",
		m->net->name, m->peer, m->tunnel, why, log);
	return -1;
}

/* Write session @m's configuration; whether it changed, or -1. */
static int write_config(struct rz_host *h, const struct rz_plan *pl,
			const struct rz_mka *m)
{
	char conf[RZ_PATH_MAX], ctrl[RZ_PATH_MAX], *text, *old;
	int changed;

	if (!pl->caks[m->cak].set)
		return -1;		/* the caller read no CAK: a bug */
	rz_mka_path(h->name, m->sid, "conf", conf, sizeof(conf));
	rz_mka_path(h->name, m->sid, "ctrl", ctrl, sizeof(ctrl));
	text = rz_mka_config(m, ctrl, pl->caks[m->cak].key);
	if (!text)
		return -1;
	old = slurp(conf);
	changed = !old || strcmp(old, text);
	wipe_free(old);
	if (changed && rz_write_private(conf, text))
		changed = -1;
	wipe_free(text);
	return changed;
}

int rz_sessions_apply(struct rz_host *h, const struct rz_plan *pl)
{
	char dir[RZ_PATH_MAX];
	size_t i;

	if (!pl->n_mkas)
		return 0;
	if (host_dir(h->name, dir, sizeof(dir)))
		return -1;
	for (i = 0; i < pl->n_mkas; i++) {
		const struct rz_mka *m = &pl->mkas[i];
		int changed = write_config(h, pl, m);
		const char *why;
		pid_t pid;

		if (changed < 0)
			return -1;
		pid = supervisor(h->name, m->sid);
		if (!pid) {
			if (spawn(h, m->sid))
				return -1;
			*(struct rz_mka *)xpush((void **)&h->started,
						&h->n_started,
						sizeof(*h->started)) = *m;
			if (wait_port(h, m))
				return -1;
			h->changes++;
			fprintf(h->log,
				"network %s: started key agreement with %s on %s (MKA, MACsec port of %s)\n",
				m->net->name, m->peer, m->tunnel, m->bridge);
			continue;
		}
		why = changed ? "its configuration changed" :
		      session_drift(h, m);
		if (!why || kill(pid, SIGHUP))
			continue;
		h->changes++;
		fprintf(h->log,
			"network %s: restarted key agreement with %s on %s: %s\n",
			m->net->name, m->peer, m->tunnel, why);
		/* the old device goes first, then the new one comes */
		sleep_ms(200);
		if (wait_port(h, m))
			return -1;
	}
	return 0;
}

void rz_sessions_rollback(struct rz_host *h)
{
	size_t i;

	for (i = 0; i < h->n_started; i++)
		stop(h->name, h->started[i].sid);
	free(h->started);
	h->started = NULL;
	h->n_started = 0;
}

static bool planned(const struct rz_plan *pl, const char *sid,
		    const struct rz_mka_names *s)
{
	size_t i;

	for (i = 0; pl && i < pl->n_mkas; i++)
		if (!strcmp(pl->mkas[i].sid, sid) &&
		    !strcmp(pl->mkas[i].net->name, s->network))
			return true;
	return false;
}

/* The sessions of @host: each one's id and configuration's names, by @fn. */
static int for_each_session(const char *host,
			    void (*fn)(const char *sid,
				       const struct rz_mka_names *s, void *arg),
			    void *arg)
{
	char dir[RZ_PATH_MAX], path[RZ_PATH_MAX + 256], sid[RZ_SID_LEN];
	struct rz_mka_names s;
	struct dirent *e;
	DIR *d;

	rz_mka_host_dir(host, dir, sizeof(dir));
	d = opendir(dir);
	if (!d && errno == ENOENT)
		return 0;
	if (!d && errno == EACCES)
		return -EACCES;		/* the caller says what it means */
	if (!d) {
		fprintf(stderr, "npmgr: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *text;

		if (len < 6 || len - 5 >= RZ_SID_LEN ||
		    strcmp(e->d_name + len - 5, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(sid, sizeof(sid), "%.*s", (int)(len - 5), e->d_name);
		text = slurp(path);
		if (text && !rz_mka_config_names(text, &s))
			fn(sid, &s, arg);
		wipe_free(text);
	}
	closedir(d);
	return 0;
}

struct prune {
	struct rz_host *h;
	const struct rz_plan *pl;
	const char *only;
};

static void prune_one(const char *sid, const struct rz_mka_names *s,
		      void *arg)
{
	struct prune *p = arg;

	if ((p->only && strcmp(p->only, s->network)) ||
	    planned(p->pl, sid, s))
		return;
	stop(p->h->name, sid);
	p->h->changes++;
	fprintf(p->h->log,
		"network %s: stopped key agreement with %s on %s: no network needs it\n",
		s->network, s->peer, s->tunnel);
}

int rz_sessions_prune(struct rz_host *h, const struct rz_plan *pl,
		      const char *only_net)
{
	struct prune p = { h, pl, only_net };
	int rc = for_each_session(h->name, prune_one, &p);

	/*
	 * A directory this user cannot read is not one it made, and holds
	 * none of its sessions: a user namespace's admin on a host whose own
	 * sessions live in /run, which is root's.
	 */
	return rc == -EACCES ? 0 : rc;
}

struct read_ctx {
	const char *host;
	struct np_session_info *v;
	size_t n;
};

static void read_one(const char *sid, const struct rz_mka_names *s,
		     void *arg)
{
	struct read_ctx *r = arg;
	struct np_session_info *si;
	char state[RZ_PATH_MAX], *text;

	si = xpush((void **)&r->v, &r->n, sizeof(*r->v));
	snprintf(si->network, sizeof(si->network), "%s", s->network);
	snprintf(si->peer, sizeof(si->peer), "%s", s->peer);
	snprintf(si->tunnel, sizeof(si->tunnel), "%s", s->tunnel);
	snprintf(si->bridge, sizeof(si->bridge), "%s", s->bridge);
	si->running = supervisor(r->host, sid) != 0;
	rz_mka_path(r->host, sid, "state", state, sizeof(state));
	text = slurp(state);
	if (text)
		rz_session_state_parse(text, si);
	free(text);
	if (!si->running)
		snprintf(si->state, sizeof(si->state), "stopped");
	else if (!si->state[0])
		snprintf(si->state, sizeof(si->state), "starting");
}

static int cmp_session(const void *a, const void *b)
{
	const struct np_session_info *x = a, *y = b;
	int c = strcmp(x->network, y->network);

	return c ? c : strcmp(x->peer, y->peer);
}

int rz_sessions_read(const char *host, struct np_session_info **out,
		     size_t *n)
{
	struct read_ctx r = { host, NULL, 0 };
	int rc = for_each_session(host, read_one, &r);

	if (rc == -EACCES) {	/* the caller says so */
		errno = EACCES;
		rc = -1;
	}

	if (r.n)
		qsort(r.v, r.n, sizeof(*r.v), cmp_session);
	*out = r.v;
	*n = r.n;
	return rc;
}
