// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: output. The human form of objects is the policy file format
 * itself (what `show config` prints, `load` accepts); `-j` prints JSON.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

/* A value as the parser reads it back: a bare word when it can be one. */
static void put_value(FILE *f, const char *s)
{
	const char *c;
	bool bare = *s != '\0';

	for (c = s; *c && bare; c++)
		bare = isalnum((unsigned char)*c) || strchr("_.-:*?+@", *c);
	if (bare) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fputc('\\', f);
		fputc(*c, f);
	}
	fputc('"', f);
}

static void put_sels(FILE *f, const char *key, const struct np_sel *s, size_t n)
{
	size_t i;

	fprintf(f, "\t%s = {", key);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s%s(", i ? ", " : "",
			s[i].type == NETPOLICY_SEL_TAG ? "TAG" : "NAME");
		put_value(f, s[i].value);
		fputc(')', f);
	}
	fputs("}\n", f);
}

/* "\n" between blocks, then "KIND NAME {" */
static void open_block(FILE *f, bool *first, const char *kind, const char *name)
{
	fputs(*first ? "" : "\n", f);
	*first = false;
	fprintf(f, "%s ", kind);
	put_value(f, name);
	fputs(" {\n", f);
}

/* "\tKEY = VALUE" when there is a value */
static void put_kv(FILE *f, const char *key, const char *value)
{
	if (!value)
		return;
	fprintf(f, "\t%s = ", key);
	put_value(f, value);
	fputc('\n', f);
}

static void put_set(FILE *f, const char *key, char **items, size_t n)
{
	size_t j;

	fprintf(f, "\t%s = {", key);
	for (j = 0; j < n; j++) {
		fputs(j ? ", " : "", f);
		put_value(f, items[j]);
	}
	fputs("}\n", f);
}

static void put_tags(FILE *f, char **tags, size_t n)
{
	if (n)
		put_set(f, "tags", tags, n);
}

/* Every attribute the policy writes, in the table's order. */
static void print_policy_attrs(FILE *f, const struct np_policy_def *p)
{
	const struct np_sel *sels;
	size_t n;
	int i, a;

	for (i = 0; i < PA_COUNT; i++) {
		a = pol_printed(i);
		if (!pol_has(p, a))
			continue;
		if (pol_attrs[a].type != PA_T_SELECTORS) {
			put_kv(f, pol_attrs[a].key, pol_value_text(p, a));
			continue;
		}
		sels = pol_sel_list(p, a, &n);
		put_sels(f, pol_attrs[a].key, sels, n);
	}
}

static void print_vm(FILE *f, bool *first, const struct np_vm_def *m)
{
	char buf[40];

	open_block(f, first, "vm", m->name);
	if (m->has_uuid)
		format_uuid(m->uuid, buf);
	put_kv(f, "uuid", m->has_uuid ? buf : NULL);
	put_tags(f, m->tags, m->n_tags);
	put_kv(f, "policy", m->policy);
	fputs("}\n", f);
}

static void print_vif(FILE *f, bool *first, const struct np_vif_def *v)
{
	char buf[40];

	open_block(f, first, "vif", v->name);
	put_kv(f, "ifname", v->ifname);
	if (v->has_mac)
		format_mac(v->mac, buf);
	put_kv(f, "mac", v->has_mac ? buf : NULL);
	put_kv(f, "network", v->network ? v->network : "");
	put_kv(f, "vm", v->vm);
	put_kv(f, "policy", v->policy);
	fputs("}\n", f);
}

/*
 * The objects a toolstack watcher made (running Xen guests, libvirt
 * domains) are not part of the policy file: printed commented out, under
 * a line saying whose they are, so the output still loads as a policy
 * file.
 */
static void print_source(FILE *f, const struct np_config *cfg, int source,
			 const char *whose)
{
	bool first = false;
	char *text = NULL, *line, *save = NULL;
	size_t len = 0, i;
	FILE *m;

	m = open_memstream(&text, &len);
	if (!m)
		return;
	for (i = 0; i < cfg->n_vms; i++)
		if (cfg->vms[i].source == source)
			print_vm(m, &first, &cfg->vms[i]);
	for (i = 0; i < cfg->n_vifs; i++)
		if (cfg->vifs[i].source == source)
			print_vif(m, &first, &cfg->vifs[i]);
	fclose(m);
	if (!len) {
		free(text);
		return;
	}
	fprintf(f, "\n# From %s; not part of\n# the policy file:\n", whose);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		fprintf(f, "#%s%s\n", *line ? " " : "", line);
	free(text);
}

static void print_toolstack(FILE *f, const struct np_config *cfg)
{
	print_source(f, cfg, NETPOLICY_SOURCE_XENSTORE,
		     "xenstore (running Xen guests, npmgr xenwatch)");
	print_source(f, cfg, NETPOLICY_SOURCE_LIBVIRT,
		     "libvirt (running domains, npmgr virtwatch)");
}

void print_config(FILE *f, const struct np_config *cfg)
{
	bool first = true;
	size_t i;

	if (cfg->host) {
		fprintf(f, "# loaded for host %s\n", cfg->host);
		first = false;
	}
	for (i = 0; i < cfg->n_policies; i++) {
		const struct np_policy_def *p = &cfg->policies[i];

		open_block(f, &first, "policy", p->name);
		print_policy_attrs(f, p);
		fputs("}\n", f);
	}
	for (i = 0; i < cfg->n_nics; i++) {
		open_block(f, &first, "nic", cfg->nics[i].name);
		put_tags(f, cfg->nics[i].tags, cfg->nics[i].n_tags);
		fputs("}\n", f);
	}
	for (i = 0; i < cfg->n_pool; i++) {
		open_block(f, &first, "host", cfg->pool[i].name);
		put_kv(f, "address", cfg->pool[i].address);
		if (cfg->pool[i].no_macsec)
			put_kv(f, "macsec", "false");
		fputs("}\n", f);
	}
	for (i = 0; i < cfg->n_nets; i++) {
		const struct np_net_def *n = &cfg->nets[i];

		open_block(f, &first, "network", n->name);
		put_kv(f, "bridge", n->bridge ? n->bridge : "");
		put_kv(f, "policy", n->policy);
		if (n->tunnel)
			put_kv(f, "tunnel", tunnel_name(n->tunnel));
		if (n->has_id)
			fprintf(f, "\tid = %u\n", n->id);
		if (n->hosts)
			put_set(f, "hosts", n->hosts, n->n_hosts);
		if (n->realized_tunnel)
			fprintf(f, "\t# realized on this host: %s %u\n",
				tunnel_name(n->realized_tunnel), n->realized_id);
		fputs("}\n", f);
	}
	for (i = 0; i < cfg->n_vms; i++)
		if (!cfg->vms[i].source)
			print_vm(f, &first, &cfg->vms[i]);
	for (i = 0; i < cfg->n_vifs; i++)
		if (!cfg->vifs[i].source)
			print_vif(f, &first, &cfg->vifs[i]);
	print_toolstack(f, cfg);
}

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

#define TABLE_COLS	10
#define CELL		NETPOLICY_NAME_MAX

/*
 * Row @i of a table: a string per column in @col; cells it has to make go
 * in @buf.
 */
typedef void (*row_fn)(const void *ctx, size_t i, const char **col,
		       char (*buf)[CELL]);

/*
 * A table: a header, then a row per item, every column but the last as
 * wide as its widest cell.
 */
static void print_table(FILE *f, const char *const *head, size_t cols,
			size_t n, row_fn row, const void *ctx)
{
	const char *col[TABLE_COLS];
	char buf[TABLE_COLS][CELL];
	size_t w[TABLE_COLS], i, c;

	for (c = 0; c < cols; c++)
		w[c] = strlen(head[c]);
	for (i = 0; i < n; i++) {
		row(ctx, i, col, buf);
		for (c = 0; c + 1 < cols; c++)
			if (strlen(col[c]) > w[c])
				w[c] = strlen(col[c]);
	}
	for (c = 0; c + 1 < cols; c++)
		fprintf(f, "%-*s  ", (int)w[c], head[c]);
	fprintf(f, "%s\n", head[cols - 1]);
	for (i = 0; i < n; i++) {
		row(ctx, i, col, buf);
		for (c = 0; c + 1 < cols; c++)
			fprintf(f, "%-*s  ", (int)w[c], col[c]);
		fprintf(f, "%s\n", col[cols - 1]);
	}
}

static void port_row(const void *ctx, size_t i, const char **col,
		     char (*buf)[CELL])
{
	const struct np_port_info *p = (const struct np_port_info *)ctx + i;

	(void)buf;
	col[0] = p->ifname;
	col[1] = kind_name(p->kind);
	col[2] = state_name(p->state);
	col[3] = dash(p->vif);
	col[4] = dash(p->network);
	col[5] = dash(p->bridge);
	col[6] = dash(p->message);
}

void print_ports(FILE *f, const struct np_port_info *ports, size_t n)
{
	static const char *const head[] = {
		"INTERFACE", "KIND", "STATE", "VIF", "NETWORK", "BRIDGE", "REASON",
	};

	print_table(f, head, 7, n, port_row, ports);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_kv(FILE *f, bool *first, const char *k, const char *v)
{
	fprintf(f, "%s\"%s\":", *first ? "" : ",", k);
	*first = false;
	if (v)
		json_str(f, v);
	else
		fputs("null", f);
}

static void json_sels(FILE *f, const struct np_sel *s, size_t n)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{\"type\":\"%s\",\"value\":", i ? "," : "",
			s[i].type == NETPOLICY_SEL_TAG ? "tag" : "name");
		json_str(f, s[i].value);
		fputc('}', f);
	}
	fputc(']', f);
}

static void json_port(FILE *f, const struct np_port_info *p)
{
	bool first = true;
	char mac[18];

	format_mac(p->mac, mac);
	fputc('{', f);
	json_kv(f, &first, "interface", p->ifname);
	fprintf(f, ",\"ifindex\":%u", p->ifindex);
	json_kv(f, &first, "mac", mac);
	if (p->has_guest_mac) {
		format_mac(p->guest_mac, mac);
		json_kv(f, &first, "guest_mac", mac);
	}
	json_kv(f, &first, "kind", kind_name(p->kind));
	json_kv(f, &first, "state", state_name(p->state));
	json_kv(f, &first, "vif", p->vif);
	json_kv(f, &first, "network", p->network);
	json_kv(f, &first, "bridge", p->bridge);
	json_kv(f, &first, "vm", p->vm);
	json_kv(f, &first, "reason_code", reason_name(p->reason));
	json_kv(f, &first, "policy", p->policy);
	json_kv(f, &first, "reason", p->message && *p->message ? p->message : NULL);
	if (p->err)
		fprintf(f, ",\"errno\":%u", p->err);
	fputc('}', f);
}

static void json_policy_attrs(FILE *f, const struct np_policy_def *p)
{
	const struct np_sel *sels;
	bool first = false;
	size_t n;
	int i, a;

	for (i = 0; i < PA_COUNT; i++) {
		a = pol_printed(i);
		if (!pol_has(p, a))
			continue;
		switch (pol_attrs[a].type) {
		case PA_T_BOOL:
			fprintf(f, ",\"%s\":%s", pol_attrs[a].key,
				pol_value_text(p, a));
			break;
		case PA_T_SELECTORS:
			fprintf(f, ",\"%s\":", pol_attrs[a].key);
			sels = pol_sel_list(p, a, &n);
			json_sels(f, sels, n);
			break;
		default:
			json_kv(f, &first, pol_attrs[a].key, pol_value_text(p, a));
		}
	}
}

static void json_tags(FILE *f, char **tags, size_t n)
{
	size_t j;

	fputs(",\"tags\":[", f);
	for (j = 0; j < n; j++) {
		fputs(j ? "," : "", f);
		json_str(f, tags[j]);
	}
	fputc(']', f);
}

static void json_nic(FILE *f, bool *first, const void *obj)
{
	const struct np_nic_def *c = obj;

	(void)first;
	json_tags(f, c->tags, c->n_tags);
}

static void json_net(FILE *f, bool *first, const void *obj)
{
	const struct np_net_def *n = obj;

	json_kv(f, first, "bridge", n->bridge);
	json_kv(f, first, "policy", n->policy);
	if (n->realized_tunnel) {
		json_kv(f, first, "tunnel", tunnel_name(n->realized_tunnel));
		fprintf(f, ",\"tunnel_id\":%u", n->realized_id);
	}
}

static void json_vm(FILE *f, bool *first, const void *obj)
{
	const struct np_vm_def *m = obj;
	char buf[40];

	if (m->has_uuid)
		format_uuid(m->uuid, buf);
	json_kv(f, first, "uuid", m->has_uuid ? buf : NULL);
	json_tags(f, m->tags, m->n_tags);
	json_kv(f, first, "policy", m->policy);
	json_kv(f, first, "source", source_name(m->source));
}

static void json_vif(FILE *f, bool *first, const void *obj)
{
	const struct np_vif_def *v = obj;
	char buf[40];

	json_kv(f, first, "ifname", v->ifname);
	if (v->has_mac)
		format_mac(v->mac, buf);
	json_kv(f, first, "mac", v->has_mac ? buf : NULL);
	json_kv(f, first, "network", v->network);
	json_kv(f, first, "vm", v->vm);
	json_kv(f, first, "policy", v->policy);
	json_kv(f, first, "source", source_name(v->source));
}

static void json_policy(FILE *f, bool *first, const void *obj)
{
	(void)first;
	json_policy_attrs(f, obj);
}

/* The arrays of `show -j`, in order; every object starts with its name. */
static const struct {
	const char *key;
	enum obj_kind kind;
	void (*fields)(FILE *f, bool *first, const void *obj);
} json_arrays[] = {
	{ "policies", OBJ_POLICY, json_policy },
	{ "nics", OBJ_NIC, json_nic },
	{ "networks", OBJ_NET, json_net },
	{ "vms", OBJ_VM, json_vm },
	{ "vifs", OBJ_VIF, json_vif },
};

static void json_objects(FILE *f, const struct np_config *cfg)
{
	size_t a, i;

	fputs("\"host\":", f);
	if (cfg->host)
		json_str(f, cfg->host);
	else
		fputs("null", f);
	for (a = 0; a < sizeof(json_arrays) / sizeof(json_arrays[0]); a++) {
		enum obj_kind k = json_arrays[a].kind;

		fprintf(f, ",\"%s\":[", json_arrays[a].key);
		for (i = 0; i < config_count(cfg, k); i++) {
			const struct named *o = config_obj(cfg, k, i);
			bool first = true;

			fputs(i ? ",{" : "{", f);
			json_kv(f, &first, "name", o->name);
			json_arrays[a].fields(f, &first, o);
			fputc('}', f);
		}
		fputc(']', f);
	}
}

/* "42s", "3m05s", "2h10m", "3d04h": how long @secs is. */
static void duration(long long secs, char *out, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(out, size, "%llds", secs);
	else if (secs < 3600)
		snprintf(out, size, "%lldm%02llds", secs / 60, secs % 60);
	else if (secs < 86400)
		snprintf(out, size, "%lldh%02lldm", secs / 3600, secs / 60 % 60);
	else
		snprintf(out, size, "%lldd%02lldh", secs / 86400, secs / 3600 % 24);
}

/* Who distributes the keys: this host, the peer, or nobody yet. */
static const char *key_server(const struct np_session_info *s)
{
	if (!strcmp(s->key_server, "this host"))
		return s->key_server;
	return s->key_server[0] ? s->peer : NULL;
}

struct sessions {
	const struct np_session_info *s;
	long long now;
};

static void session_row(const void *ctx, size_t i, const char **col,
			char (*cells)[CELL])
{
	const struct sessions *t = ctx;
	const struct np_session_info *s = &t->s[i];
	size_t c;

	snprintf(cells[0], CELL, "%s", s->network);
	snprintf(cells[1], CELL, "%s", s->peer);
	snprintf(cells[2], CELL, "%s", s->tunnel);
	snprintf(cells[3], CELL, "%s", dash(s->macsec));
	snprintf(cells[4], CELL, "%s", s->state);
	snprintf(cells[5], CELL, "%s", dash(key_server(s)));
	if (s->key_id[0])
		snprintf(cells[6], CELL, "%u", s->key_number);
	else
		snprintf(cells[6], CELL, "-");
	if (s->key_since)
		duration(t->now - s->key_since, cells[7], CELL);
	else
		snprintf(cells[7], CELL, "-");
	if (s->last_rekey) {
		duration(t->now - s->last_rekey, cells[8], CELL - 8);
		strcat(cells[8], " ago");
	} else {
		snprintf(cells[8], CELL, "-");
	}
	snprintf(cells[9], CELL, "%u", s->restarts);
	for (c = 0; c < 10; c++)
		col[c] = cells[c];
}

void print_sessions(FILE *f, const struct np_session_info *s, size_t n,
		    long long now)
{
	static const char *const head[] = {
		"NETWORK", "PEER", "TUNNEL", "MACSEC", "STATE", "KEY SERVER",
		"KEY", "KEY AGE", "LAST REKEY", "RESTARTS",
	};
	struct sessions t = { s, now };

	print_table(f, head, 10, n, session_row, &t);
}

static void json_session(FILE *f, const struct np_session_info *s)
{
	bool first = true;

	fputc('{', f);
	json_kv(f, &first, "network", s->network);
	json_kv(f, &first, "peer", s->peer);
	json_kv(f, &first, "tunnel", s->tunnel);
	json_kv(f, &first, "bridge", s->bridge);
	json_kv(f, &first, "macsec", s->macsec[0] ? s->macsec : NULL);
	json_kv(f, &first, "state", s->state);
	json_kv(f, &first, "key_server", key_server(s));
	fprintf(f, ",\"live_peers\":%u", s->live_peers);
	json_kv(f, &first, "key_id", s->key_id[0] ? s->key_id : NULL);
	fprintf(f, ",\"key_number\":%u", s->key_number);
	if (s->key_since)
		fprintf(f, ",\"key_since\":%lld", s->key_since);
	else
		fputs(",\"key_since\":null", f);
	if (s->last_rekey)
		fprintf(f, ",\"last_rekey\":%lld", s->last_rekey);
	else
		fputs(",\"last_rekey\":null", f);
	fprintf(f, ",\"restarts\":%u,\"running\":%s,\"updated\":%lld}",
		s->restarts, s->running ? "true" : "false", s->updated);
}

void print_json(FILE *f, const struct np_config *cfg, bool with_ports,
		const struct np_port_info *ports, size_t n_ports,
		const struct np_session_info *sessions, size_t n_sessions)
{
	bool first = true;
	size_t i;

	fputc('{', f);
	if (cfg) {
		json_objects(f, cfg);
		first = false;
	}
	if (with_ports) {
		fprintf(f, "%s\"interfaces\":[", first ? "" : ",");
		for (i = 0; i < n_ports; i++) {
			fputs(i ? "," : "", f);
			json_port(f, &ports[i]);
		}
		fputc(']', f);
		first = false;
	}
	if (sessions || n_sessions) {
		fprintf(f, "%s\"sessions\":[", first ? "" : ",");
		for (i = 0; i < n_sessions; i++) {
			fputs(i ? "," : "", f);
			json_session(f, &sessions[i]);
		}
		fputc(']', f);
	}
	fputs("}\n", f);
}

void print_event(FILE *f, int ev, const struct np_port_info *p, bool json)
{
	if (json) {
		fprintf(f, "{\"event\":\"%s\",\"port\":", event_name(ev));
		json_port(f, p);
		fputs("}\n", f);
	} else {
		fprintf(f, "%s %s", event_name(ev), p->ifname);
		if (p->vif && *p->vif)
			fprintf(f, " vif=%s network=%s bridge=%s", p->vif,
				p->network, p->bridge);
		if (ev != NETPOLICY_EV_REMOVED && ev != NETPOLICY_EV_ATTACHED &&
		    p->message && *p->message)
			fprintf(f, ": %s", p->message);
		fputc('\n', f);
	}
	fflush(f);
}
