/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a pool agent tells `npmgr agent status`: a JSON file per host,
 * /run/netpolicy/agent/HOST.status, rewritten whole (rename) on every
 * change of the agent's state.
 */
#ifndef NPMGR_POOL_STATUS_H
#define NPMGR_POOL_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define AGENT_DIR "/run/netpolicy/agent"

struct agent_status {
	const char *host;
	int ttl;
	time_t started;
	const char *etcd;	/* "connected", "unreachable", "stopped" */
	int64_t lease;		/* 0: none held */
	int64_t seen_rev;	/* the last revision read */
	int64_t loaded_rev;	/* the last one loaded (0: none) */
	time_t loaded_at;
	size_t objects;
	const char *peers;	/* " hB hC" of that load, or "" */
	bool failing;		/* the last revision read did not load */
	char *last_error;	/* owned */
	time_t last_error_at;
};

/* Write @s for `agent status`; errors are the agent's to say (-1). */
int agent_status_write(const struct agent_status *s);

/* npmgr agent status [--host NAME]: 0 every agent healthy, 1 not */
int agent_status_main(int argc, char **argv, bool json);

#endif
