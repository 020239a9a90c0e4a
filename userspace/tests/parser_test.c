// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of npmgr's policy file parser and checker: every grammar and
 * check error with its exact message, and round trips through the printer.
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../config.h"
#include "../print.h"
#include "../sha256.h"

static int passed, failed;

/*
 * Parse + check @len bytes as file "t.policy"; the diagnostics text. The
 * packed parse (npmgr check and load) must find exactly the same: a
 * difference is a failure of its own.
 */
static char *diagnose_n(const char *src, size_t len, struct np_config *cfg)
{
	struct np_diags d = { 0 }, dp = { 0 };
	struct np_config packed;
	char *out;

	if (!config_parse("t.policy", src, len, cfg, &d))
		config_check(cfg, &d);
	out = xstrdup(d.text ? d.text : "");
	diags_free(&d);
	if (!config_parse_packed("t.policy", src, len, &packed, &dp))
		config_check(&packed, &dp);
	if (strcmp(out, dp.text ? dp.text : "")) {
		failed++;
		printf("FAIL the packed parse of\n%.*s\nsays\n%s\n", (int)len, src,
		       dp.text ? dp.text : "");
	}
	diags_free(&dp);
	config_free(&packed);
	return out;
}

static char *diagnose(const char *src, struct np_config *cfg)
{
	return diagnose_n(src, strlen(src), cfg);
}

static void expect_error_n(const char *name, const char *src, size_t len,
			   const char *want)
{
	struct np_config cfg;
	char *got = diagnose_n(src, len, &cfg);

	if (strcmp(got, want)) {
		failed++;
		printf("FAIL %s\n--- want\n%s--- got\n%s---\n", name, want, got);
	} else {
		passed++;
		printf("ok   %s\n", name);
	}
	free(got);
	config_free(&cfg);
}

static void expect_error(const char *name, const char *src, const char *want)
{
	expect_error_n(name, src, strlen(src), want);
}

static char *print_to_string(const struct np_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	print_config(f, cfg);
	fclose(f);
	return buf;
}

/* @src must be clean, and print back as @want; @want must reparse to itself. */
static void expect_roundtrip(const char *name, const char *src, const char *want)
{
	struct np_config cfg, again;
	char *diag = diagnose(src, &cfg), *out, *out2, *diag2;

	config_sort(&cfg);
	out = print_to_string(&cfg);
	diag2 = diagnose(out, &again);
	config_sort(&again);
	out2 = print_to_string(&again);
	if (*diag || strcmp(out, want) || *diag2 || strcmp(out2, out)) {
		failed++;
		printf("FAIL %s\n--- diagnostics\n%s--- want\n%s--- got\n%s--- reparsed\n%s%s---\n",
		       name, diag, want, out, diag2, out2);
	} else {
		passed++;
		printf("ok   %s\n", name);
	}
	free(diag);
	free(diag2);
	free(out);
	free(out2);
	config_free(&cfg);
	config_free(&again);
}

static const char patent[] =
	"policy secure {\n"
	"    ALLOW_CROSS_SERVER = true\n"
	"    REQUIRE_ENCRYPTION = true\n"
	"    PHYSICAL_IFS_ALLOWED = {TAG(testdev_network1), TAG(testdev_network2)}\n"
	"    ISOLATE_FROM = {NAME(my_insecure_vm)}\n"
	"}\n";

static void expect_hex(const char *name, const uint8_t *got, size_t n,
		       const char *want)
{
	char hex[2 * SHA256_LEN + 1];
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", got[i]);
	if (strcmp(hex, want)) {
		failed++;
		printf("FAIL %s\n  want %s\n  got  %s\n", name, want, hex);
	} else {
		passed++;
		printf("ok   %s\n", name);
	}
}

/* The names npmgr gives come from this: known answers from FIPS 180-4. */
static void check(bool ok, const char *name)
{
	if (ok) {
		passed++;
		printf("ok   %s\n", name);
	} else {
		failed++;
		printf("FAIL %s\n", name);
	}
}

/* What config_map_file() and config_read_file() make of @path. */
static void map_vs_read(const char *name, const char *path, bool mapped)
{
	struct np_config a, b;
	struct np_diags da, db;
	struct np_text t;
	char *buf;
	int ra, rb;

	ra = config_map_file(path, &a, NULL, false, &da, &t);
	rb = config_read_file(path, &b, NULL, false, &db, &buf);
	check(!ra && !rb && t.mapped == mapped && da.count == db.count &&
	      !strcmp(da.text ? da.text : "", db.text ? db.text : "") &&
	      a.n_vms == b.n_vms, name);
	diags_free(&da);
	diags_free(&db);
	text_release(&t);
	free(buf);
	config_free(&a);
	config_free(&b);
}

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return false;
	fputs(text, f);
	return !fclose(f);
}

/*
 * In a directory (@sub, which holds x.policy: "vm x { uuid = 1 }"), a
 * message that points to another place names its file and its line there.
 */
static void dir_places(const char *sub)
{
	char path[128], *want;
	struct np_config cfg;
	struct np_diags d;
	char *buf;

	snprintf(path, sizeof(path), "%s/y.policy", sub);
	check(write_text(path, "\n\nvm y { }\nvm x { }\nvm y { }\n"),
	      "map: a second file");
	config_read_file(sub, &cfg, NULL, false, &d, &buf);
	want = xasprintf("%s/x.policy:1:15: error: '1' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)\n"
			 "  vm x { uuid = 1 }\n"
			 "                ^\n"
			 "%s/y.policy:4:4: error: vm 'x' is defined twice (first at line 1 of %s/x.policy)\n"
			 "  vm x { }\n"
			 "     ^\n"
			 "%s/y.policy:5:4: error: vm 'y' is defined twice (first at line 3 of %s/y.policy)\n"
			 "  vm y { }\n"
			 "     ^\n", sub, sub, sub, sub, sub);
	config_free(&cfg);
	/* (the parse stops at x.policy's error: check the rest alone) */
	check(d.count == 1 && !strncmp(d.text, want, strcspn(want, "\n")),
	      "map: a directory's problem is at its file's line");
	diags_free(&d);
	free(buf);
	snprintf(path, sizeof(path), "%s/x.policy", sub);
	check(write_text(path, "vm x { }\n"), "map: the first file, fixed");
	config_read_file(sub, &cfg, NULL, false, &d, &buf);
	check(d.count == 2 && !strcmp(d.text, strchr(strchr(strchr(want, '\n') + 1, '\n') + 1, '\n') + 1),
	      "map: a name defined twice in a directory: where first, file and line");
	if (d.count != 2 || strcmp(d.text, strchr(strchr(strchr(want, '\n') + 1, '\n') + 1, '\n') + 1))
		printf("  got:\n%s", d.text ? d.text : "");
	diags_free(&d);
	free(buf);
	config_free(&cfg);
	free(want);
	unlink(path);
	snprintf(path, sizeof(path), "%s/y.policy", sub);
	unlink(path);
	snprintf(path, sizeof(path), "%s/x.policy", sub);
	check(write_text(path, "vm x { uuid = 1 }\n"), "map: the first file, as it was");
}

/*
 * A file the one-shot commands map: the same problems as read, a directory
 * or an empty file read instead, and a file truncated under the mapping
 * ending the process with a message, not a bare SIGBUS.
 */
static void map_tests(void)
{
	char dir[] = "/tmp/parser_test.XXXXXX", path[128], sub[64], file2[96];
	char msg[256];
	int fd, pipefd[2], status;
	struct np_text t;
	ssize_t n;
	pid_t pid;

	if (!mkdtemp(dir)) {
		check(false, "map: a temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/a.policy", dir);
	snprintf(sub, sizeof(sub), "%s/d", dir);
	check(write_text(path, "vm v { tags = {a} }\nvm w { bad = 1 }\n"),
	      "map: write a file");
	map_vs_read("map: a file, mapped, says what it says read", path, true);
	check(!mkdir(sub, 0700), "map: a directory");
	snprintf(file2, sizeof(file2), "%s/x.policy", sub);
	check(write_text(file2, "vm x { uuid = 1 }\n"), "map: a file in it");
	map_vs_read("map: a directory is read, as before", sub, false);
	check(map_text(sub, &t) == -EISDIR, "map: a directory is -EISDIR");
	dir_places(sub);
	check(write_text(path, ""), "map: an empty file");
	check(map_text(path, &t) == -ESPIPE, "map: an empty file is read instead");
	map_vs_read("map: an empty file has no problem", path, false);

	/* 3 pages mapped, the file truncated to nothing, its last byte read */
	check(!pipe(pipefd), "map: a pipe for the child's stderr");
	pid = fork();
	if (!pid) {
		static char big[3 * 4096];

		memset(big, '#', sizeof(big));
		big[sizeof(big) - 1] = '\n';
		dup2(pipefd[1], STDERR_FILENO);
		fd = open(path, O_WRONLY | O_TRUNC);
		if (fd < 0 || write(fd, big, sizeof(big)) != (ssize_t)sizeof(big) ||
		    map_text(path, &t) || ftruncate(fd, 0))
			_exit(2);
		_exit(t.buf[t.len - 1] == '\n' ? 3 : 4);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	snprintf(path, sizeof(path), "npmgr: %s/a.policy: the file shrank while npmgr read it\n",
		 dir);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 1 && !strcmp(msg, path),
	      "map: a file truncated under its mapping ends npmgr with a message");
	if (strcmp(msg, path))
		printf("     got \"%s\", status %d\n", msg, status);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	check(!system(path), "map: clean up");
}

static void sha256_tests(void)
{
	static char million[1000];
	uint8_t out[SHA256_LEN];
	struct sha256 c;
	int i;

	sha256_init(&c);
	sha256_update(&c, "abc", 3);
	sha256_final(&c, out);
	expect_hex("sha256 abc", out, SHA256_LEN,
		   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_init(&c);
	sha256_update(&c, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	sha256_final(&c, out);
	expect_hex("sha256 two blocks", out, SHA256_LEN,
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof(million));
	sha256_init(&c);
	for (i = 0; i < 1000; i++)
		sha256_update(&c, million, sizeof(million));
	sha256_final(&c, out);
	expect_hex("sha256 a million a", out, SHA256_LEN,
		   "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static const char pool[] =
	"host hv1 { address = 192.0.2.1 }\n"
	"host hv2 { address = 192.0.2.2 }\n"
	"policy x { ALLOW_CROSS_SERVER = true }\n";

static void pool_tests(void)
{
	char src[1024];

	snprintf(src, sizeof(src), "%s%s", pool,
		 "network n { bridge = br0; policy = x; tunnel = gretap; id = 4000000000;"
		 " hosts = {hv2, hv1} }\n"
		 "network m { bridge = br1; policy = x; id = 7 }\n");
	expect_roundtrip("a pool and how networks cross it", src,
		"policy x {\n\tALLOW_CROSS_SERVER = true\n}\n\n"
		"host hv1 {\n\taddress = 192.0.2.1\n}\n\n"
		"host hv2 {\n\taddress = 192.0.2.2\n}\n\n"
		"network m {\n\tbridge = br1\n\tpolicy = x\n\tid = 7\n}\n\n"
		"network n {\n\tbridge = br0\n\tpolicy = x\n\ttunnel = gretap\n"
		"\tid = 4000000000\n\thosts = {hv2, hv1}\n}\n");
	expect_roundtrip("a host that cannot encrypt",
		"host hv1 { address = 192.0.2.1; macsec = false }\n"
		"host hv2 { address = 192.0.2.2; macsec = true }\n",
		"host hv1 {\n\taddress = 192.0.2.1\n\tmacsec = false\n}\n\n"
		"host hv2 {\n\taddress = 192.0.2.2\n}\n");
	expect_error("host macsec", "host h { macsec = maybe }\n",
		"t.policy:1:19: error: expected true or false, found 'maybe'\n"
		"  host h { macsec = maybe }\n"
		"                    ^\n");
	expect_error("host address", "host h { address = 300.1.2.3 }\n",
		"t.policy:1:20: error: '300.1.2.3' is not an IPv4 address (a.b.c.d)\n"
		"  host h { address = 300.1.2.3 }\n"
		"                     ^\n");
	expect_error("tunnel kind", "network n { bridge = b; tunnel = ipip }\n",
		"t.policy:1:34: error: unknown tunnel kind 'ipip' (known: vxlan, gretap, geneve)\n"
		"  network n { bridge = b; tunnel = ipip }\n"
		"                                   ^\n");
	expect_error("id zero", "network n { bridge = b; id = 0 }\n",
		"t.policy:1:30: error: '0' is not a tunnel identifier (1 to 4294967295)\n"
		"  network n { bridge = b; id = 0 }\n"
		"                               ^\n");
	expect_error("id not a number", "network n { bridge = b; id = 12x }\n",
		"t.policy:1:30: error: '12x' is not a tunnel identifier (1 to 4294967295)\n"
		"  network n { bridge = b; id = 12x }\n"
		"                               ^\n");
	expect_error("id overflows", "network n { bridge = b; id = 99999999999999999999 }\n",
		"t.policy:1:30: error: '99999999999999999999' is not a tunnel identifier (1 to 4294967295)\n"
		"  network n { bridge = b; id = 99999999999999999999 }\n"
		"                               ^\n");
	expect_error("crossing without a pool", "network n { bridge = b; id = 5 }\n",
		"t.policy:1:30: error: network 'n' says how to cross hosts, but the file declares no host blocks (the pool)\n"
		"  network n { bridge = b; id = 5 }\n"
		"                               ^\n");
	snprintf(src, sizeof(src), "%s%s", pool,
		 "network n { bridge = b; policy = x; id = 16777216 }\n"
		 "network m { bridge = c; policy = x; id = 9; hosts = {hv1, hv3} }\n"
		 "network o { bridge = d; policy = x; id = 9 }\n"
		 "network p { bridge = e; policy = x; id = 9; tunnel = gretap }\n");
	expect_error("VNI range, unknown host, VNI clash (per kind)", src,
		"t.policy:4:42: error: network 'n': a vxlan VNI is 1 to 16777215\n"
		"  network n { bridge = b; policy = x; id = 16777216 }\n"
		"                                           ^\n"
		"t.policy:5:53: error: network 'm' names host 'hv3', which is not defined\n"
		"  network m { bridge = c; policy = x; id = 9; hosts = {hv1, hv3} }\n"
		"                                                      ^\n"
		"t.policy:6:42: error: network 'o' has the vxlan identifier 9 of network 'm' (line 5)\n"
		"  network o { bridge = d; policy = x; id = 9 }\n"
		"                                           ^\n");
}

/* ---- load --update: config_check_update() ---- */

/*
 * The messages of @d without their position and quoted lines, sorted,
 * one per line: what two checks of one situation must agree on.
 */
static char *messages(const char *text)
{
	const char *p = text ? text : "", *e, *m;
	size_t n = 0, i, len = 1;
	char **lines;
	char *out;

	for (e = p; *e; e++)
		n += *e == '\n';
	lines = xcalloc(n + 1, sizeof(*lines));
	n = 0;

	for (; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		m = strstr(p, ": error: ");
		if (*p == ' ' || !m || m > e)
			continue;
		m += 9;
		lines[n] = xcalloc((size_t)(e - m) + 2, 1);
		memcpy(lines[n], m, (size_t)(e - m));
		lines[n][e - m] = '\n';
		len += (size_t)(e - m) + 1;
		n++;
	}
	for (i = 1; i < n; i++) {		/* insertion sort: a few lines */
		size_t j;

		for (j = i; j && strcmp(lines[j - 1], lines[j]) > 0; j--) {
			char *t = lines[j];

			lines[j] = lines[j - 1];
			lines[j - 1] = t;
		}
	}
	out = xcalloc(len, 1);
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		free(lines[i]);
	}
	free(lines);
	return out;
}

/* config_drop_if(): a VIF the file (@ctx) does not name */
static bool vif_not_named(void *ctx, enum obj_kind kind, const struct named *o)
{
	return kind == OBJ_VIF && !config_find(ctx, OBJ_VIF, o->name);
}

/*
 * config_check_update() of @file against @base (all of it loaded; with
 * @lean, as read when config_governs_more() says no: only the VIFs the
 * file names, and then NULL when it says yes)
 */
static char *update_messages_as(const char *base, const char *file,
				char **text, bool lean)
{
	struct np_config loaded, cfg;
	struct np_diags d = { 0 };
	char *out;

	if (config_parse("b.policy", base, strlen(base), &loaded, &d))
		return xstrdup("base does not parse\n");
	config_check(&loaded, &d);
	diags_free(&d);
	memset(&d, 0, sizeof(d));
	if (config_parse("u.policy", file, strlen(file), &cfg, &d))
		return xstrdup("update does not parse\n");
	config_sort(&loaded);
	if (lean && config_governs_more(&cfg, &loaded)) {
		config_free(&cfg);
		config_free(&loaded);
		return NULL;
	}
	if (lean) {
		struct np_config named;

		/* (a copy to look names up in: checking sorts @cfg itself) */
		config_parse("u.policy", file, strlen(file), &named, &d);
		config_sort(&named);
		config_drop_if(&loaded, vif_not_named, &named);
		config_free(&named);
	}
	config_check_update(&cfg, &loaded, &d);
	out = messages(d.text);
	if (text)
		*text = xstrdup(d.text ? d.text : "");
	diags_free(&d);
	config_free(&cfg);
	config_free(&loaded);
	return out;
}

static char *update_messages(const char *base, const char *file, char **text)
{
	return update_messages_as(base, file, text, false);
}

static void expect_update(const char *name, const char *base,
			  const char *file, const char *want)
{
	char *text, *got = update_messages(base, file, &text);

	free(got);
	if (strcmp(text, want)) {
		failed++;
		printf("FAIL %s\n--- want\n%s--- got\n%s", name, want, text);
	} else {
		passed++;
	}
	free(text);
}

/* One object of the random world below, as text, into @buf. */
static void world_obj(char *buf, size_t len, unsigned int kind,
		      unsigned int i, unsigned int r)
{
	static const char *const cross[] = { "", "ALLOW_CROSS_SERVER = true",
					     "ALLOW_CROSS_SERVER = false" };
	char pol[32] = "";

	if ((r >> 4) % 3)
		snprintf(pol, sizeof(pol), " policy = p%u", (r >> 6) % 4);
	switch (kind) {
	case 0:
		snprintf(buf, len, "policy p%u { %s }\n", i, cross[r % 3]);
		break;
	case 1:
		snprintf(buf, len, "network n%u { bridge = b%u%s }\n", i, i, pol);
		break;
	case 2:
		snprintf(buf, len, "vm m%u {%s }\n", i, pol);
		break;
	default:
		snprintf(buf, len, "vif v%u { ifname = t%u network = n%u%s%s%s }\n",
			 i, i, (r >> 8) % 3, (r >> 10) % 3 ? " vm = m" : "",
			 (r >> 10) % 3 ? (const char *[]){ "0", "1", "2" }[(r >> 12) % 3] : "",
			 (r >> 14) % 2 ? pol : "");
	}
}

static unsigned int rnd_next(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 4;
}

/*
 * Random small worlds (4 policies that may say ALLOW_CROSS_SERVER either
 * way, 3 networks, 3 VMs and 8 VIFs naming them at random), each free of
 * errors, and random updates of 1 to 3 objects: the update's check must
 * find exactly the problems the full check of the world with the update
 * applied finds (their positions aside).
 */
static void update_random_tests(void)
{
	static const unsigned int counts[] = { 4, 3, 3, 8 };
	char world[4][8][128], upd[3][128], base[4096], merged[4096], file[512];
	unsigned int seed = 7, round, kind, i, j, n, agreed = 0, refused = 0;
	unsigned int n_lean = 0;
	unsigned int uk[3], ui[3];
	struct np_config cfg;
	char *full, *part, *lean, *d;

	for (round = 0; round < 3000; round++) {
		base[0] = '\0';
		for (kind = 0; kind < 4; kind++)
			for (i = 0; i < counts[kind]; i++) {
				world_obj(world[kind][i], sizeof(world[kind][i]),
					  kind, i, rnd_next(&seed));
				strcat(base, world[kind][i]);
			}
		d = diagnose(base, &cfg);
		config_free(&cfg);
		if (*d) {			/* only a world with no error */
			free(d);
			continue;
		}
		free(d);
		n = 1 + rnd_next(&seed) % 3;
		file[0] = '\0';
		for (j = 0; j < n; j++) {
			unsigned int k;

			uk[j] = rnd_next(&seed) % 4;
			ui[j] = rnd_next(&seed) % (counts[uk[j]] + 1);	/* or new */
			for (k = 0; k < j && !(uk[k] == uk[j] && ui[k] == ui[j]); k++)
				;
			if (k < j) {		/* each object once */
				n = j;
				break;
			}
			world_obj(upd[j], sizeof(upd[j]), uk[j], ui[j],
				  rnd_next(&seed));
			strcat(file, upd[j]);
		}
		merged[0] = '\0';
		for (kind = 0; kind < 4; kind++)
			for (i = 0; i < counts[kind]; i++) {
				for (j = 0; j < n && !(uk[j] == kind && ui[j] == i); j++)
					;
				if (j == n)
					strcat(merged, world[kind][i]);
			}
		strcat(merged, file);
		d = diagnose(merged, &cfg);
		config_free(&cfg);
		full = messages(d);
		free(d);
		part = update_messages(base, file, NULL);
		lean = update_messages_as(base, file, NULL, true);
		if (lean && strcmp(lean, part)) {
			failed++;
			printf("FAIL update round %u, reading only what the file names\n--- world\n%s--- update\n%s--- full check\n%s--- lean check\n%s",
			       round, base, file, full, lean);
			return;
		}
		n_lean += lean != NULL;
		free(lean);
		if (strcmp(full, part)) {
			failed++;
			printf("FAIL update round %u\n--- world\n%s--- update\n%s--- full check\n%s--- update check\n%s",
			       round, base, file, full, part);
			free(full);
			free(part);
			return;
		}
		agreed++;
		refused += *full != '\0';
		free(full);
		free(part);
	}
	check(agreed > 1000 && refused > 100, "update: random worlds agree");
	printf("update: %u random updates agree with the full check, %u of them refused; %u also without the VIFs they govern\n",
	       agreed, refused, n_lean);
}

/* Where the blocks of a text start: what a reload compares by. */
static void block_start_tests(void)
{
	const char *src = "# head\npolicy a { }\n\n  network n { bridge = b }"
			  " vm \"x y\" { } # end\n";
	struct np_config cfg;
	struct np_diags d = { 0 };

	check(!config_parse_packed("t.policy", src, strlen(src), &cfg, &d) &&
	      cfg.n_blocks == 3 && cfg.block_starts[0] == 7 &&
	      cfg.block_starts[1] == 23 && cfg.block_starts[2] == 48,
	      "block starts: each block's first byte");
	diags_free(&d);
	config_free(&cfg);
}

static void update_tests(void)
{
	const char *base =
		"policy wide { ALLOW_CROSS_SERVER = true }\n"
		"policy narrow { }\n"
		"network front { bridge = br-front policy = wide }\n"
		"vm db { policy = narrow }\n"
		"vif d0 { ifname = tap-d0 network = front vm = db }\n";

	expect_update("replacing is not a clash", base,
		      "policy wide { }\nnetwork front { bridge = b2 policy = wide }\n",
		      "");
	expect_update("a loaded VIF the change governs, at the change", base,
		      "policy narrow { ALLOW_CROSS_SERVER = false }\n",
		      "u.policy:1:8: error: vif 'd0': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'wide' (network front) but false in policy 'narrow' (VM db)\n"
		      "  policy narrow { ALLOW_CROSS_SERVER = false }\n"
		      "         ^\n");
	expect_update("through a replaced VM", base,
		      "policy strict { ALLOW_CROSS_SERVER = false }\n"
		      "vm db { policy = strict }\n",
		      "u.policy:2:4: error: vif 'd0': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'wide' (network front) but false in policy 'strict' (VM db)\n"
		      "  vm db { policy = strict }\n"
		      "     ^\n");
	expect_update("the file's own problems still count", base,
		      "policy wide { }\npolicy wide { }\n",
		      "u.policy:2:8: error: policy 'wide' is defined twice (first at line 1)\n"
		      "  policy wide { }\n"
		      "         ^\n");
	update_random_tests();
}

int main(void)
{
	char *src;
	size_t n;

	sha256_tests();
	pool_tests();
	map_tests();
	update_tests();
	block_start_tests();

	expect_roundtrip("patent block verbatim", patent,
		"policy secure {\n"
		"\tALLOW_CROSS_SERVER = true\n"
		"\tREQUIRE_ENCRYPTION = true\n"
		"\tPHYSICAL_IFS_ALLOWED = {TAG(testdev_network1), TAG(testdev_network2)}\n"
		"\tISOLATE_FROM = {NAME(my_insecure_vm)}\n"
		"}\n");

	expect_roundtrip("all object kinds, sorted, quoted when needed",
		"# comment\n"
		"vif \"b vif\" { mac = 52:54:00:AB:cd:01; network = n; vm = \"my vm\";"
		" policy = q }\n"
		"vm \"my vm\" { uuid = 6C1B7E2A-3F7D-4C55-9A2E-1D0B6F1E8A01; tags = {x, \"y z\",}"
		" policy = q }\n"
		"vif a { ifname = \"tap*\" network = n vm = lone }\n"
		"nic eth1 { tags = {trusted} }\n"
		"network n { bridge = br0 policy = p }\n"
		"policy q { REQUIRE_ENCRYPTION = true ENCRYPTION_ALGORITHM = gcm-aes-256"
		" COMPRESS = false PHYSICAL_IFS_ALLOWED = {TAG(trusted), NAME(eth2)} }\n"
		"policy p { ALLOW_CROSS_SERVER = false ISOLATE_FROM = {}"
		" RESTRICT_TO_HOST = hv1 }\n",
		"policy p {\n"
		"\tALLOW_CROSS_SERVER = false\n"
		"\tRESTRICT_TO_HOST = hv1\n"
		"\tISOLATE_FROM = {}\n"
		"}\n\n"
		"policy q {\n"
		"\tREQUIRE_ENCRYPTION = true\n"
		"\tENCRYPTION_ALGORITHM = gcm-aes-256\n"
		"\tCOMPRESS = false\n"
		"\tPHYSICAL_IFS_ALLOWED = {TAG(trusted), NAME(eth2)}\n"
		"}\n\n"
		"nic eth1 {\n\ttags = {trusted}\n}\n\n"
		"network n {\n\tbridge = br0\n\tpolicy = p\n}\n\n"
		"vm lone {\n}\n\n"
		"vm \"my vm\" {\n\tuuid = 6c1b7e2a-3f7d-4c55-9a2e-1d0b6f1e8a01\n"
		"\ttags = {x, \"y z\"}\n\tpolicy = q\n}\n\n"
		"vif a {\n\tifname = tap*\n\tnetwork = n\n\tvm = lone\n}\n\n"
		"vif \"b vif\" {\n\tmac = 52:54:00:ab:cd:01\n\tnetwork = n\n"
		"\tvm = \"my vm\"\n\tpolicy = q\n}\n");

	expect_roundtrip("empty file", "  # nothing\n", "");

	expect_roundtrip("VMs named only by VIFs become objects, once each",
		"network n { bridge = b }\n"
		"vm z { }\n"
		"vif a { ifname = t1 network = n vm = y }\n"
		"vif b { ifname = t2 network = n vm = x }\n"
		"vif c { ifname = t3 network = n vm = y }\n"
		"vif d { ifname = t4 network = n vm = z }\n",
		"network n {\n\tbridge = b\n}\n\n"
		"vm x {\n}\n\nvm y {\n}\n\nvm z {\n}\n\n"
		"vif a {\n\tifname = t1\n\tnetwork = n\n\tvm = y\n}\n\n"
		"vif b {\n\tifname = t2\n\tnetwork = n\n\tvm = x\n}\n\n"
		"vif c {\n\tifname = t3\n\tnetwork = n\n\tvm = y\n}\n\n"
		"vif d {\n\tifname = t4\n\tnetwork = n\n\tvm = z\n}\n");

	expect_error("unknown key",
		"policy p {\n  ENCRYPT = true\n}\n",
		"t.policy:2:3: error: unknown key 'ENCRYPT' in a policy block (known keys: ALLOW_CROSS_SERVER, REQUIRE_ENCRYPTION, PHYSICAL_IFS_ALLOWED, ISOLATE_FROM, ENCRYPTION_ALGORITHM, COMPRESS, RESTRICT_TO_HOST)\n"
		"    ENCRYPT = true\n    ^\n");
	expect_error("unknown block",
		"server h { }\n",
		"t.policy:1:1: error: expected 'policy', 'network', 'vm', 'vif', 'nic' or 'host', found 'server'\n"
		"  server h { }\n  ^\n");
	expect_error("bad boolean",
		"policy p { REQUIRE_ENCRYPTION = yes }\n",
		"t.policy:1:33: error: expected true or false, found 'yes'\n"
		"  policy p { REQUIRE_ENCRYPTION = yes }\n"
		"                                  ^\n");
	expect_error("missing equals",
		"network n {\n\tbridge br0\n}\n",
		"t.policy:2:9: error: expected '=', found 'br0'\n"
		"   bridge br0\n          ^\n");
	expect_error("bad selector",
		"policy p { ISOLATE_FROM = {VM(x)} }\n",
		"t.policy:1:28: error: expected TAG(...) or NAME(...), found 'VM'\n"
		"  policy p { ISOLATE_FROM = {VM(x)} }\n"
		"                             ^\n");
	expect_error("unclosed selector",
		"policy p { ISOLATE_FROM = {TAG(x} }\n",
		"t.policy:1:33: error: expected ')', found '}'\n"
		"  policy p { ISOLATE_FROM = {TAG(x} }\n"
		"                                  ^\n");
	expect_error("missing comma in set",
		"policy p { ISOLATE_FROM = {TAG(x) TAG(y)} }\n",
		"t.policy:1:35: error: expected ',' or '}', found 'TAG'\n"
		"  policy p { ISOLATE_FROM = {TAG(x) TAG(y)} }\n"
		"                                    ^\n");
	expect_error("unterminated string",
		"network n { bridge = \"br0\n}\n",
		"t.policy:1:22: error: unterminated string\n"
		"  network n { bridge = \"br0\n"
		"                       ^\n");
	expect_error("bad escape",
		"network \"a\\n\" { bridge = br0 }\n",
		"t.policy:1:9: error: only \\\" and \\\\ escapes exist in strings\n"
		"  network \"a\\n\" { bridge = br0 }\n"
		"          ^\n");
	expect_error("stray character",
		"network n { bridge = br0 } $\n",
		"t.policy:1:28: error: unexpected character '$'\n"
		"  network n { bridge = br0 } $\n"
		"                             ^\n");
	{
		static const char nul[] = "network \"a\0b\" { bridge = b }\n";

		expect_error_n("NUL byte in a string", nul, sizeof(nul) - 1,
			"t.policy:1:9: error: NUL byte in string\n"
			"  network \"a?b\" { bridge = b }\n"
			"          ^\n");
	}
	expect_error("netback's own address",
		"vif v { mac = fe:ff:ff:ff:ff:ff network = n }\nnetwork n { bridge = b }\n",
		"t.policy:1:15: error: 'fe:ff:ff:ff:ff:ff' is the address of every Xen netback vif: bind a Xen guest by its own MAC (the vif's mac=, which npmgr passes on) or by name\n"
		"  vif v { mac = fe:ff:ff:ff:ff:ff network = n }\n"
		"                ^\n");
	expect_error("escape sequence in a string",
		"vm \"a\x1b[2Jb\" { }\n",
		"t.policy:1:4: error: byte 0x1b in string: printable ASCII only\n"
		"  vm \"a?[2Jb\" { }\n"
		"     ^\n");
	expect_error("control byte",
		"network n { bridge = b }\x01\n",
		"t.policy:1:25: error: unexpected byte 0x01\n"
		"  network n { bridge = b }?\n"
		"                          ^\n");
	expect_error("end of file in block",
		"network n { bridge = br0\n",
		"t.policy:2:1: error: expected a key or '}', found end of file\n");
	expect_error("a word quoted in a message is cut at 40 bytes",
		"policy p { ALLOW_CROSS_SERVER = yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy }",
		"t.policy:1:33: error: expected true or false, found 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'\n"
		"  policy p { ALLOW_CROSS_SERVER = yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy }\n"
		"                                  ^\n");
	expect_error("an unknown key is cut at 64 bytes",
		"vm v { kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk = 1 }",
		"t.policy:1:8: error: unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk' in a vm block (known keys: uuid, tags, policy)\n"
		"  vm v { kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk = 1 }\n"
		"         ^\n");
	expect_error("a key that is the start of a key",
		"vm v { tag = {a} }\n",
		"t.policy:1:8: error: unknown key 'tag' in a vm block (known keys: uuid, tags, policy)\n"
		"  vm v { tag = {a} }\n"
		"         ^\n");
	expect_error("a word that runs to the end of the file",
		"network n { bridge = br0",
		"t.policy:1:25: error: expected a key or '}', found end of file\n"
		"  network n { bridge = br0\n"
		"                          ^\n");
	expect_error("a comment that runs to the end of the file",
		"network n { bridge = br0 # no end",
		"t.policy:1:34: error: expected a key or '}', found end of file\n"
		"  network n { bridge = br0 # no end\n"
		"                                   ^\n");
	expect_error("a keyword that is the start of a keyword",
		"polic p { }\n",
		"t.policy:1:1: error: expected 'policy', 'network', 'vm', 'vif', 'nic' or 'host', found 'polic'\n"
		"  polic p { }\n"
		"  ^\n");
	expect_error("key set twice",
		"network n { bridge = br0 bridge = br1 }\n",
		"t.policy:1:26: error: 'bridge' is set twice in this block\n"
		"  network n { bridge = br0 bridge = br1 }\n"
		"                           ^\n");
	expect_error("bad bridge name",
		"network n { bridge = \"br/0\" }\n",
		"t.policy:1:22: error: 'br/0' is not a valid bridge name\n"
		"  network n { bridge = \"br/0\" }\n"
		"                       ^\n");
	expect_error("bridge name too long",
		"network n { bridge = br0123456789abcd }\n",
		"t.policy:1:22: error: 'br0123456789abcd' is not a valid bridge name\n"
		"  network n { bridge = br0123456789abcd }\n"
		"                       ^\n");
	expect_error("bad mac",
		"vif v { mac = 52:54:00:00:00 network = n }\n",
		"t.policy:1:15: error: '52:54:00:00:00' is not a MAC address (xx:xx:xx:xx:xx:xx)\n"
		"  vif v { mac = 52:54:00:00:00 network = n }\n"
		"                ^\n");
	expect_error("multicast mac",
		"vif v { mac = 01:00:5e:00:00:01 network = n }\n",
		"t.policy:1:15: error: '01:00:5e:00:00:01' is a multicast or zero MAC address\n"
		"  vif v { mac = 01:00:5e:00:00:01 network = n }\n"
		"                ^\n");
	expect_error("bad uuid",
		"vm v { uuid = 1234 }\n",
		"t.policy:1:15: error: '1234' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)\n"
		"  vm v { uuid = 1234 }\n"
		"                ^\n");
	expect_error("VM identity in a vif block",
		"vif v { tags = {a} }\n",
		"t.policy:1:9: error: 'tags' describes the VM, not the interface: write it in a 'vm NAME { }' block and set 'vm = NAME' here\n"
		"  vif v { tags = {a} }\n"
		"          ^\n");
	expect_error("unsupported algorithm",
		"policy p { REQUIRE_ENCRYPTION = true ENCRYPTION_ALGORITHM = des }\n",
		"t.policy:1:61: error: unsupported encryption algorithm 'des' (supported: gcm-aes-128, gcm-aes-256)\n"
		"  policy p { REQUIRE_ENCRYPTION = true ENCRYPTION_ALGORITHM = des }\n"
		"                                                              ^\n");
	expect_error("bad nic name",
		"nic \"eth*\" { }\n",
		"t.policy:1:5: error: 'eth*' is not a valid interface name\n"
		"  nic \"eth*\" { }\n"
		"      ^\n");
	expect_error("bad glob",
		"vif v { ifname = \"tap 0\" network = n }\n",
		"t.policy:1:18: error: 'tap 0' is not a valid interface name or glob (1 to 15 characters, no '/', ':' or spaces)\n"
		"  vif v { ifname = \"tap 0\" network = n }\n"
		"                   ^\n");
	expect_error("empty name",
		"network \"\" { bridge = br0 }\n",
		"t.policy:1:9: error: a network name must be 1 to 63 characters long\n"
		"  network \"\" { bridge = br0 }\n"
		"          ^\n");

	/* semantic checks: every problem is reported, not only the first */
	expect_error("checks report every problem",
		"network n { }\n"
		"network n { bridge = br0 policy = nope }\n"
		"vif a { network = ghost }\n"
		"vif b { ifname = tap0 network = n }\n"
		"vif c { ifname = tap0 network = n }\n"
		"vif d { mac = 52:54:00:00:00:01 network = n }\n"
		"vif e { mac = 52:54:00:00:00:01 network = n }\n"
		"vif e { ifname = x network = n }\n"
		"vif f { ifname = y }\n",
		"t.policy:1:9: error: network 'n' has no bridge\n  network n { }\n          ^\n"
		"t.policy:2:9: error: network 'n' is defined twice (first at line 1)\n"
		"  network n { bridge = br0 policy = nope }\n          ^\n"
		"t.policy:2:35: error: network 'n' names policy 'nope', which is not defined\n"
		"  network n { bridge = br0 policy = nope }\n"
		"                                    ^\n"
		"t.policy:3:5: error: vif 'a' needs an ifname or a mac to recognise its interface\n"
		"  vif a { network = ghost }\n      ^\n"
		"t.policy:3:19: error: vif 'a' names network 'ghost', which is not defined\n"
		"  vif a { network = ghost }\n                    ^\n"
		"t.policy:5:18: error: vif 'c' has the same interface name as vif 'b'\n"
		"  vif c { ifname = tap0 network = n }\n                   ^\n"
		"t.policy:7:15: error: vif 'e' has the same MAC address as vif 'd'\n"
		"  vif e { mac = 52:54:00:00:00:01 network = n }\n                ^\n"
		"t.policy:8:5: error: vif 'e' is defined twice (first at line 7)\n"
		"  vif e { ifname = x network = n }\n      ^\n"
		"t.policy:9:5: error: vif 'f' has no network\n"
		"  vif f { ifname = y }\n      ^\n");

	/* contradictions between the policies of one VIF are errors */
	expect_error("VIF policy forbids what the network's allows",
		"policy span { ALLOW_CROSS_SERVER = true }\n"
		"policy local { ALLOW_CROSS_SERVER = false }\n"
		"network n { bridge = br0 policy = span }\n"
		"vif v { ifname = tap0 network = n policy = local }\n",
		"t.policy:4:5: error: vif 'v': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'span' (network n) but false in policy 'local' (VIF v)\n"
		"  vif v { ifname = tap0 network = n policy = local }\n"
		"      ^\n");
	expect_error("every attribute that can contradict",
		"policy a { REQUIRE_ENCRYPTION = true ENCRYPTION_ALGORITHM = gcm-aes-128"
		" COMPRESS = true RESTRICT_TO_HOST = hv1 }\n"
		"policy b { REQUIRE_ENCRYPTION = false COMPRESS = false"
		" RESTRICT_TO_HOST = hv2 }\n"
		"policy c { REQUIRE_ENCRYPTION = true ENCRYPTION_ALGORITHM = gcm-aes-256"
		" ALLOW_CROSS_SERVER = true }\n"
		"network n { bridge = br0 policy = a }\n"
		"vm m { policy = b }\n"
		"vif v { ifname = tap0 network = n vm = m }\n"
		"vif w { ifname = tap1 network = n policy = c }\n",
		"t.policy:6:5: error: vif 'v': contradictory policies: REQUIRE_ENCRYPTION = true in policy 'a' (network n) but false in policy 'b' (VM m)\n"
		"  vif v { ifname = tap0 network = n vm = m }\n      ^\n"
		"t.policy:6:5: error: vif 'v': contradictory policies: COMPRESS = true in policy 'a' (network n) but false in policy 'b' (VM m)\n"
		"  vif v { ifname = tap0 network = n vm = m }\n      ^\n"
		"t.policy:6:5: error: vif 'v': contradictory policies: RESTRICT_TO_HOST = hv1 in policy 'a' (network n) but hv2 in policy 'b' (VM m)\n"
		"  vif v { ifname = tap0 network = n vm = m }\n      ^\n"
		"t.policy:7:5: error: vif 'w': contradictory policies: ALLOW_CROSS_SERVER = true in policy 'c' (VIF w) but local only (RESTRICT_TO_HOST) in policy 'a' (network n)\n"
		"  vif w { ifname = tap1 network = n policy = c }\n      ^\n"
		"t.policy:7:5: error: vif 'w': contradictory policies: ENCRYPTION_ALGORITHM = gcm-aes-128 in policy 'a' (network n) but gcm-aes-256 in policy 'c' (VIF w)\n"
		"  vif w { ifname = tap1 network = n policy = c }\n      ^\n");
	expect_error("policies that contradict themselves, dangling policy names",
		"policy p { ENCRYPTION_ALGORITHM = gcm-aes-128 }\n"
		"policy q { RESTRICT_TO_HOST = hv1 ALLOW_CROSS_SERVER = true }\n"
		"vm m { policy = nope }\n"
		"vm m { }\n"
		"network n { bridge = b }\n"
		"vif v { ifname = t network = n policy = gone }\n",
		"t.policy:1:8: error: policy 'p' sets ENCRYPTION_ALGORITHM without REQUIRE_ENCRYPTION = true\n"
		"  policy p { ENCRYPTION_ALGORITHM = gcm-aes-128 }\n         ^\n"
		"t.policy:2:8: error: policy 'q' is contradictory: RESTRICT_TO_HOST makes the network local only, but ALLOW_CROSS_SERVER = true\n"
		"  policy q { RESTRICT_TO_HOST = hv1 ALLOW_CROSS_SERVER = true }\n         ^\n"
		"t.policy:3:17: error: vm 'm' names policy 'nope', which is not defined\n"
		"  vm m { policy = nope }\n                  ^\n"
		"t.policy:4:4: error: vm 'm' is defined twice (first at line 3)\n"
		"  vm m { }\n     ^\n"
		"t.policy:6:41: error: vif 'v' names policy 'gone', which is not defined\n"
		"  vif v { ifname = t network = n policy = gone }\n"
		"                                          ^\n");

	/* limits */
	n = 0;
	src = xcalloc(8192, 1);
	n += sprintf(src + n, "vm v {\n tags = {");
	for (int i = 0; i <= NETPOLICY_TAGS_MAX; i++)
		n += sprintf(src + n, "t%d,", i);
	sprintf(src + n, "} }\n");
	{
		const char *l2 = strchr(src, '\n') + 1;
		int l2len = (int)(strchr(l2, '\n') - l2);
		int col = 128;	/* where t32, the 33rd tag, starts */
		char want[1024];

		n = (size_t)snprintf(want, sizeof(want),
			"t.policy:2:%d: error: tags holds at most 32 items\n  %.*s\n  ",
			col, l2len, l2);
		memset(want + n, ' ', col - 1);
		strcpy(want + n + col - 1, "^\n");
		expect_error("too many tags", src, want);
	}
	free(src);

	/* many VMs named only by VIFs: the VM name set grows past its start */
	{
		size_t cap = 64 * 1024, len = 0;
		char *big = xcalloc(cap, 1);
		struct np_config cfg;
		char *diag;

		len += (size_t)sprintf(big + len, "network n { bridge = b }\n");
		for (int i = 0; i < 1000; i++)
			len += (size_t)sprintf(big + len,
				"vif v%d { ifname = t%d network = n vm = m%d }\n",
				i, i, i);
		diag = diagnose(big, &cfg);
		if (*diag || cfg.n_vms != 1000) {
			failed++;
			printf("FAIL 1000 implicit VMs: %zu VMs\n%s", cfg.n_vms, diag);
		} else {
			passed++;
			printf("ok   1000 implicit VMs\n");
		}
		free(diag);
		free(big);
		config_free(&cfg);
	}

	/* the examples the documentation shows are valid */
	{
		static const char *const examples[] = {
			"Documentation/examples/demo.policy",
			"Documentation/examples/reference.policy",
			"Documentation/examples/pool.policy",
		};

		for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
			struct np_config cfg;
			size_t len;
			char *buf, *diag;

			if (read_file(examples[i], &buf, &len)) {
				failed++;
				printf("FAIL %s: cannot read (run from the top directory)\n",
				       examples[i]);
				continue;
			}
			diag = diagnose(buf, &cfg);
			if (*diag) {
				failed++;
				printf("FAIL %s\n%s", examples[i], diag);
			} else {
				passed++;
				printf("ok   %s is valid\n", examples[i]);
			}
			free(diag);
			free(buf);
			config_free(&cfg);
		}
	}

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
