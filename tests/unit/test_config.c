/*
 * test_config.c - the INI configuration: defaults, every key, every refusal with its line,
 * secrets and their precedence, the dump (redaction and round trip), the example file, CIDRs.
 *
 * Everything goes through config_parse, linked against the core alone. The environment is a
 * table handed over through test_getenv, and the files a configuration names are a table in
 * memory (config_memory_reader), so a test can give a file any contents or any errno without
 * touching the disk. config_load, which reads real files, is tested in
 * tests/io/test_config_load.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tagfailover/caps.h"
#include "tagfailover/config.h"

#define EXAMPLE_PATH TF_FIXTURES_DIR "/../../scripts/tagfailover.conf.example"

#define ENV_KEY    "MERAKI_DASHBOARD_API_KEY"
#define ENV_SECRET "TAGFAILOVER_SHARED_SECRET"

/* ---- environment and files ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *value;
} test_env_var;

static const test_env_var env_none[] = {{NULL, NULL}};
static const test_env_var env_both[] = {
    {ENV_KEY, "envkey0123456789"}, {ENV_SECRET, "env shared secret"}, {NULL, NULL}};
static const test_env_var env_key_only[] = {{ENV_KEY, "envkey0123456789"}, {NULL, NULL}};
static const test_env_var env_empty[] = {{ENV_KEY, ""}, {ENV_SECRET, ""}, {NULL, NULL}};
static const test_env_var env_bad_key[] = {{ENV_KEY, "bad key"}, {NULL, NULL}};

/* The environment test_getenv answers from; each test sets it before loading. */
static const test_env_var *test_env = env_both;

static const char *test_getenv(const char *name)
{
    for (const test_env_var *v = test_env; v != NULL && v->name != NULL; v++)
        if (strcmp(v->name, name) == 0)
            return v->value;
    return NULL;
}

/* Where the fake files live: a directory that is not there on any disk. */
#define TEST_DIR "/nonexistent-test-config"

#define MEMFILE(name, text)                                                                        \
    {                                                                                              \
        TEST_DIR "/" name, text, sizeof(text) - 1, 0, 0600, false                                  \
    }

/* A secret file one byte over the cap, and one exactly at it (filled by group_setup). */
static char secret_over_cap[TF_SECRET_MAX_BYTES + 1];
static char secret_at_cap[TF_SECRET_MAX_BYTES];

/* The files every test can name. */
static const config_memfile test_files[] = {
    MEMFILE("api_key", "filekey0123456789\n"),
    MEMFILE("api_key_nl", "filekey0123456789 \t\r\n\n"),
    MEMFILE("api_key_empty", ""),
    MEMFILE("api_key_blank", " \n\n"),
    MEMFILE("api_key_inner", "file key\n"),
    MEMFILE("api_key_nul", "filekey\0"
                           "123\n"),
    {TEST_DIR "/api_key_big", secret_over_cap, sizeof secret_over_cap, 0, 0600, false},
    {TEST_DIR "/api_key_cap", secret_at_cap, sizeof secret_at_cap, 0, 0600, false},
    MEMFILE("secret", "file shared secret\n"),
    MEMFILE("cert.pem", "-----BEGIN CERTIFICATE-----\n"),
    MEMFILE("key.pem", "-----BEGIN PRIVATE KEY-----\n"),
    MEMFILE("ca.pem", "-----BEGIN CERTIFICATE-----\n"),
    {TEST_DIR "/unreadable", NULL, 0, EACCES, 0, false},
    {TEST_DIR "/fifo", NULL, 0, CONFIG_FILE_NOT_REGULAR, 0, false},
    /* Permissions, for the warnings. */
    {TEST_DIR "/secret_0644", "s\n", 2, 0, 0644, false},
    {TEST_DIR "/secret_0604", "s\n", 2, 0, 0604, true},
    {TEST_DIR "/secret_0640", "s\n", 2, 0, 0640, false},
    {TEST_DIR "/secret_0640_own", "s\n", 2, 0, 0640, true},
    {TEST_DIR "/key_0644.pem", "x", 1, 0, 0644, false},
    {TEST_DIR "/open.conf", "", 0, 0, 0644, false},
    {TEST_DIR "/own.conf", "", 0, 0, 0640, true},
    {TEST_DIR "/closed.conf", "", 0, 0, 0600, false},
    {TEST_DIR, NULL, 0, EISDIR, 0, false},
    {NULL, NULL, 0, 0, 0, false},
};

/* The default certificate and key (relative paths), for a file without a [listener]. */
static const config_memfile default_cert_files[] = {
    {"certs/server.crt", "x", 1, 0, 0600, false},
    {"certs/server.key", "x", 1, 0, 0600, false},
    {NULL, NULL, 0, 0, 0, false},
};

/* The files load_string's reader answers from; each test that changes it sets it back. */
static const config_memfile *test_fs = test_files;

/* config_parse on a C string, with test_fs as the file system. */
static config_err load_string(const char *text, const char *name, config_getenv_fn getenv_fn,
                              config *out, char *err, size_t errlen)
{
    config_reader files = config_memory_reader(test_fs);
    return config_parse(text, strlen(text), name, getenv_fn, &files, out, err, errlen);
}

static int group_setup(void **state)
{
    (void)state;
    memset(secret_over_cap, 'k', sizeof secret_over_cap);
    memset(secret_at_cap, 'k', sizeof secret_at_cap);
    return 0;
}

/* Replaces every "@DIR@" in `tmpl` by TEST_DIR. */
static char *with_dir(const char *tmpl)
{
    size_t n = strlen(tmpl) + 1, dl = strlen(TEST_DIR);
    for (const char *s = strstr(tmpl, "@DIR@"); s != NULL; s = strstr(s + 5, "@DIR@"))
        n += dl;
    char *out = malloc(n);
    assert_non_null(out);
    char *o = out;
    for (const char *s = tmpl; *s;) {
        if (strncmp(s, "@DIR@", 5) == 0) {
            memcpy(o, TEST_DIR, dl);
            o += dl;
            s += 5;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static bool config_is_zero(const config *c)
{
    static const config zero;
    return memcmp(c, &zero, sizeof zero) == 0;
}

/* ---- field checks ---------------------------------------------------------------------------- */

typedef enum { T_STR, T_INT, T_LONG, T_DBL, T_BOOL, T_ENUM, T_STRS, T_CIDRS, T_SHARD } field_type;

typedef struct {
    const char *name;
    field_type type;
    size_t off;
    const char *s; /* T_STR (NULL: unset), T_STRS and T_CIDRS joined with ",", T_SHARD "i/N" */
    long i;        /* T_INT, T_LONG, T_BOOL, T_ENUM */
    double d;      /* T_DBL */
} field_check;

#define F_STR(m, v)                                                                                \
    {                                                                                              \
#m, T_STR, offsetof(config, m), .s = (v)                                                   \
    }
#define F_INT(m, v)                                                                                \
    {                                                                                              \
#m, T_INT, offsetof(config, m), .i = (v)                                                   \
    }
#define F_LONG(m, v)                                                                               \
    {                                                                                              \
#m, T_LONG, offsetof(config, m), .i = (v)                                                  \
    }
#define F_DBL(m, v)                                                                                \
    {                                                                                              \
#m, T_DBL, offsetof(config, m), .d = (v)                                                   \
    }
#define F_BOOL(m, v)                                                                               \
    {                                                                                              \
#m, T_BOOL, offsetof(config, m), .i = (v)                                                  \
    }
#define F_ENUM(m, v)                                                                               \
    {                                                                                              \
#m, T_ENUM, offsetof(config, m), .i = (v)                                                  \
    }
#define F_STRS(m, v)                                                                               \
    {                                                                                              \
#m, T_STRS, offsetof(config, m), .s = (v)                                                  \
    }
#define F_CIDR(m, v)                                                                               \
    {                                                                                              \
#m, T_CIDRS, offsetof(config, m), .s = (v)                                                 \
    }
#define F_SHARD(m, v)                                                                              \
    {                                                                                              \
#m, T_SHARD, offsetof(config, m), .s = (v)                                                 \
    }

static void join_strs(const config_strs *l, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : "", l->v[i]);
}

static void join_cidrs(const config_cidr_list *l, char *buf, size_t size)
{
    char a[INET6_ADDRSTRLEN];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        assert_non_null(inet_ntop(l->v[i].family, l->v[i].addr, a, sizeof a));
        used +=
            (size_t)snprintf(buf + used, size - used, "%s%s/%u", i ? "," : "", a, l->v[i].prefix);
    }
}

static void check_fields(const config *c, const field_check *checks, size_t n)
{
    char buf[1024];
    for (size_t i = 0; i < n; i++) {
        const field_check *f = &checks[i];
        const char *m = (const char *)c + f->off;
        print_message("field %s\n", f->name);
        switch (f->type) {
        case T_STR:
            if (f->s == NULL)
                assert_null(*(char *const *)m);
            else
                assert_string_equal(*(char *const *)m, f->s);
            break;
        case T_INT:
            assert_int_equal(*(const int *)m, f->i);
            break;
        case T_LONG:
            assert_int_equal(*(const long *)m, f->i);
            break;
        case T_DBL:
            assert_true(*(const double *)m == f->d);
            break;
        case T_BOOL:
            assert_int_equal(*(const bool *)m, f->i);
            break;
        case T_ENUM: {
            int v;
            memcpy(&v, m, sizeof v); /* every config enum is int-sized */
            assert_int_equal(v, f->i);
            break;
        }
        case T_STRS:
            join_strs((const config_strs *)(const void *)m, buf, sizeof buf);
            assert_string_equal(buf, f->s);
            break;
        case T_CIDRS:
            join_cidrs((const config_cidr_list *)(const void *)m, buf, sizeof buf);
            assert_string_equal(buf, f->s);
            break;
        case T_SHARD: {
            const shard_spec *sh = (const shard_spec *)(const void *)m;
            snprintf(buf, sizeof buf, "%u/%u", sh->index, sh->count);
            assert_string_equal(buf, f->s);
            break;
        }
        }
    }
}

/* Every default of the README's "Configuration reference" (secrets aside). */
static const field_check default_fields[] = {
    F_STR(base_url, "https://api.meraki.com/api/v1"),
    F_STR(api_key_file, NULL),
    F_STRS(organization_ids, ""),
    F_DBL(requests_per_second, 9),
    F_INT(requests_burst, 5),
    F_DBL(requests_per_second_total, 90),
    F_SHARD(shard, "0/1"),
    F_INT(data_lag_s, 120),
    F_INT(timeout_s, 30),
    F_INT(max_retries, 5),
    F_STR(ca_file, NULL),
    F_ENUM(listener_mode, CONFIG_LISTENER_TLS),
    F_STR(listener_address, "0.0.0.0"),
    F_INT(listener_port, 8443),
    F_STR(cert_file, "certs/server.crt"),
    F_STR(key_file, "certs/server.key"),
    F_STR(webhook_path, "/webhook"),
    F_STR(shared_secret_file, NULL),
    F_CIDR(trusted_proxies, ""),
    F_CIDR(allowed_sources, ""),
    F_LONG(max_body_bytes, 65536),
    F_INT(max_connections, 256),
    F_INT(connection_timeout_s, 10),
    F_STR(admin_address, "127.0.0.1"),
    F_INT(admin_port, 9901),
    F_DBL(loss_threshold_pct, 30),
    F_INT(detect_window_s, 300),
    F_DBL(failback_max_loss_pct, 0),
    F_INT(clean_window_s, 300),
    F_INT(reconcile_interval_s, 30),
    F_INT(confirm_window_s, 180),
    F_INT(confirm_interval_s, 5),
    F_STRS(trigger_alert_types, "failover_event,vpn_connectivity_change,cellular_down"),
    F_BOOL(uplinks_active, true),
    F_STRS(uplinks, ""),
    F_STR(hold_tag, "tagfailover_hold"),
    F_BOOL(require_backup_healthy, true),
    F_BOOL(failback_auto, true),
    F_BOOL(dry_run, false),
    F_BOOL(evidence_live, true),
    F_INT(live_ping_count, 5),
    F_INT(live_ping_timeout_s, 15),
    F_INT(live_ping_interval_s, 30),
    F_INT(live_ping_max_inflight, 5),
    F_BOOL(vpn_status_hint, true),
    F_BOOL(bulk_retag, true),
    F_STR(public_url, NULL),
    F_ENUM(log_format, CONFIG_LOG_JSON),
    F_ENUM(log_level, CONFIG_LOG_INFO),
    F_STR(notify_command, NULL),
    F_STR(notify_url, NULL),
    F_INT(notify_timeout_s, 10),
};
#define N_DEFAULT_FIELDS (sizeof default_fields / sizeof default_fields[0])

static void test_defaults(void **state)
{
    (void)state;
    config c;
    assert_int_equal(config_defaults(&c), CONFIG_OK);
    check_fields(&c, default_fields, N_DEFAULT_FIELDS);
    assert_null(c.api_key);
    assert_null(c.shared_secret);
    assert_int_equal(c.n_sites, 0);
    config_free(&c);
    assert_true(config_is_zero(&c));
    config_free(NULL);
}

/* A file that sets nothing but what it must gets every default. */
static void test_load_defaults(void **state)
{
    (void)state;
    config c;
    char err[1024];
    test_env = env_both;
    /* With no [listener] section the mode is tls: the (default-named, relative) certificate
     * and key must be there. */
    test_fs = default_cert_files;
    config_err rc = load_string("", "t.conf", test_getenv, &c, err, sizeof err);
    test_fs = test_files;
    assert_int_equal(rc, CONFIG_OK);
    check_fields(&c, default_fields, N_DEFAULT_FIELDS);
    assert_string_equal(c.path, "t.conf");
    assert_string_equal(c.api_key, "envkey0123456789");
    assert_int_equal(c.api_key_source, CONFIG_SECRET_ENV);
    assert_string_equal(c.shared_secret, "env shared secret");
    assert_int_equal(c.shared_secret_source, CONFIG_SECRET_ENV);
    config_free(&c);
}

/* ---- every key set to something else --------------------------------------------------------- */

static const char all_keys_text[] =
    "# every key, none at its default\n"
    "[dashboard]\n"
    "base_url = http://127.0.0.1:8080/api/v1/   ; the trailing slash is dropped\n"
    "api_key = abcdef0123456789\n"
    "organization_ids = 111, 222 ,333\n"
    "requests_per_second = 2.5\n"
    "requests_burst = 7\n"
    "requests_per_second_total = 45.5\n"
    "shard = 2/3\n"
    "data_lag_s = 0\n"
    "timeout_s = 12\n"
    "max_retries = 0\n"
    "ca_file = @DIR@/ca.pem\n"
    "\n"
    "[listener]\n"
    "mode = plain\n"
    "address = ::1\n"
    "port = 18443\n"
    "cert_file = other.crt\n"
    "key_file = other.key\n"
    "webhook_path = /hooks/meraki\n"
    "shared_secret = s3cret value\n"
    "trusted_proxies = 127.0.0.1, ::1, 10.0.0.0/8\n"
    "allowed_sources = 203.0.113.0/24,2001:db8::/32\n"
    "max_body_bytes = 4096\n"
    "max_connections = 16\n"
    "connection_timeout_s = 3\n"
    "\n"
    "[admin]\n"
    "address = 0.0.0.0\n"
    "port = 0\n"
    "\n"
    "[failover]\n"
    "loss_threshold_pct = 12.5\n"
    "detect_window_s = 6\n"
    "failback_max_loss_pct = 2\n"
    "clean_window_s = 7\n"
    "reconcile_interval_s = 1\n"
    "confirm_window_s = 4\n"
    "confirm_interval_s = 2\n"
    "trigger_alert_types = uplink_down\n"
    "uplinks = wan2, Cellular\n"
    "hold_tag = maintenance-hold\n"
    "require_backup_healthy = no\n"
    "failback = manual\n"
    "dry_run = on\n"
    "\n"
    "[log]\n"
    "format = text\n"
    "level = debug\n"
    "\n"
    "[site london]\n"
    "tracked_ip = 203.0.113.10\n"
    "[site new_york.dc-2]\n"
    "tracked_ip = 2001:DB8:0::0:1\n";

static const field_check all_keys_fields[] = {
    F_STR(base_url, "http://127.0.0.1:8080/api/v1"),
    F_STR(api_key, "abcdef0123456789"),
    F_STR(api_key_file, NULL),
    F_STRS(organization_ids, "111,222,333"),
    F_DBL(requests_per_second, 2.5),
    F_INT(requests_burst, 7),
    F_DBL(requests_per_second_total, 45.5),
    F_SHARD(shard, "2/3"),
    F_INT(data_lag_s, 0),
    F_INT(timeout_s, 12),
    F_INT(max_retries, 0),
    F_ENUM(listener_mode, CONFIG_LISTENER_PLAIN),
    F_STR(listener_address, "::1"),
    F_INT(listener_port, 18443),
    F_STR(cert_file, "other.crt"),
    F_STR(key_file, "other.key"),
    F_STR(webhook_path, "/hooks/meraki"),
    F_STR(shared_secret, "s3cret value"),
    F_STR(shared_secret_file, NULL),
    F_CIDR(trusted_proxies, "127.0.0.1/32,::1/128,10.0.0.0/8"),
    F_CIDR(allowed_sources, "203.0.113.0/24,2001:db8::/32"),
    F_LONG(max_body_bytes, 4096),
    F_INT(max_connections, 16),
    F_INT(connection_timeout_s, 3),
    F_STR(admin_address, "0.0.0.0"),
    F_INT(admin_port, 0),
    F_DBL(loss_threshold_pct, 12.5),
    F_INT(detect_window_s, 6),
    F_DBL(failback_max_loss_pct, 2),
    F_INT(clean_window_s, 7),
    F_INT(reconcile_interval_s, 1),
    F_INT(confirm_window_s, 4),
    F_INT(confirm_interval_s, 2),
    F_STRS(trigger_alert_types, "uplink_down"),
    F_BOOL(uplinks_active, false),
    F_STRS(uplinks, "wan2,cellular"),
    F_STR(hold_tag, "maintenance-hold"),
    F_BOOL(require_backup_healthy, false),
    F_BOOL(failback_auto, false),
    F_BOOL(dry_run, true),
    F_ENUM(log_format, CONFIG_LOG_TEXT),
    F_ENUM(log_level, CONFIG_LOG_DEBUG),
    F_ENUM(api_key_source, CONFIG_SECRET_VALUE),
    F_ENUM(shared_secret_source, CONFIG_SECRET_VALUE),
};

static void test_every_key(void **state)
{
    (void)state;
    char *text = with_dir(all_keys_text);
    char ca[128];
    char err[2048];
    config c;

    test_env = env_none;
    config_err rc = load_string(text, "t.conf", test_getenv, &c, err, sizeof err);
    if (rc != CONFIG_OK)
        print_message("%s", err);
    assert_int_equal(rc, CONFIG_OK);
    check_fields(&c, all_keys_fields, sizeof all_keys_fields / sizeof all_keys_fields[0]);
    snprintf(ca, sizeof ca, "%s/ca.pem", TEST_DIR);
    assert_string_equal(c.ca_file, ca);
    assert_int_equal(c.n_sites, 2);
    assert_string_equal(config_site_tracked_ip(&c, "london"), "203.0.113.10");
    assert_string_equal(config_site_tracked_ip(&c, "new_york.dc-2"), "2001:db8::1");
    assert_null(config_site_tracked_ip(&c, "paris"));
    assert_null(config_site_tracked_ip(&c, "London"));
    assert_true(config_strs_contains(&c.organization_ids, "222"));
    assert_false(config_strs_contains(&c.organization_ids, "22"));
    config_free(&c);
    free(text);
}

/* ---- accepted spellings ------------------------------------------------------------------------
 */

typedef struct {
    const char *text;
    field_check check;
} accept_case;

static const accept_case accept_cases[] = {
    /* comments: both characters, at the start or after a blank; kept when glued to a value */
    {"[failover]\nhold_tag = hold ; a comment\n", F_STR(hold_tag, "hold")},
    {"[failover]\nhold_tag = hold # a comment\n", F_STR(hold_tag, "hold")},
    {"[failover]\nhold_tag = hold\t#tab then comment\n", F_STR(hold_tag, "hold")},
    {"[failover]\nhold_tag = a#b;c\n", F_STR(hold_tag, "a#b;c")},
    {"# c\n; c\n  # indented comment\n[failover]\nhold_tag = x\n", F_STR(hold_tag, "x")},
    {"[failover] ; comment after a header\nhold_tag = x\n", F_STR(hold_tag, "x")},
    /* an indented line is a line of its own, not the continuation of the previous value */
    {"[failover]\nhold_tag = x\n    dry_run = yes\n", F_BOOL(dry_run, true)},
    {"[failover]\nhold_tag = x\n    dry_run = yes\n", F_STR(hold_tag, "x")},
    {"  [ failover ]  \n\thold_tag=y\n", F_STR(hold_tag, "y")},
    {"\xEF\xBB\xBF[failover]\nhold_tag = bom\n", F_STR(hold_tag, "bom")},
    {"[failover]\r\nhold_tag = crlf\r\n", F_STR(hold_tag, "crlf")},
    {"[failover]\nhold_tag: colon\n", F_STR(hold_tag, "colon")},
    /* booleans and choices */
    {"[failover]\ndry_run = TRUE\n", F_BOOL(dry_run, true)},
    {"[failover]\ndry_run = 1\n", F_BOOL(dry_run, true)},
    {"[failover]\nrequire_backup_healthy = off\n", F_BOOL(require_backup_healthy, false)},
    {"[failover]\nrequire_backup_healthy = 0\n", F_BOOL(require_backup_healthy, false)},
    {"[failover]\nfailback = auto\n", F_BOOL(failback_auto, true)},
    {"[failover]\nevidence = series\n", F_BOOL(evidence_live, false)},
    {"[failover]\nevidence = series, live\n", F_BOOL(evidence_live, true)},
    {"[failover]\nevidence = live,series\n", F_BOOL(evidence_live, true)},
    {"[failover]\nlive_ping_count = 1\n", F_INT(live_ping_count, 1)},
    {"[failover]\nvpn_status_hint = no\n", F_BOOL(vpn_status_hint, false)},
    {"[failover]\nbulk_retag = off\n", F_BOOL(bulk_retag, false)},
    {"[failover]\nbulk_retag = auto\n", F_BOOL(bulk_retag, true)},
    {"[listener]\npublic_url = https://failover.example.com:8443/webhook\nmode = off\n",
     F_STR(public_url, "https://failover.example.com:8443/webhook")},
    {"[listener]\npublic_url =\nmode = off\n", F_STR(public_url, NULL)},
    {"[log]\nlevel = WARN\n", F_ENUM(log_level, CONFIG_LOG_WARN)},
    {"[notify]\ncommand = /usr/bin/logger -t 'tag failover'\n",
     F_STR(notify_command, "/usr/bin/logger -t 'tag failover'")},
    {"[notify]\ncommand =\n", F_STR(notify_command, NULL)},
    {"[notify]\nurl = https://hooks.slack.com/services/T0/B0/abc\n",
     F_STR(notify_url, "https://hooks.slack.com/services/T0/B0/abc")},
    {"[notify]\nurl = https://x.logic.azure.com:443/workflows/1/invoke?api-version=1&sig=s3\n",
     F_STR(notify_url, "https://x.logic.azure.com:443/workflows/1/invoke?api-version=1&sig=s3")},
    {"[notify]\ntimeout_s = 600\n", F_INT(notify_timeout_s, 600)},
    {"[log]\nlevel = error\n", F_ENUM(log_level, CONFIG_LOG_ERROR)},
    {"[failover]\nuplinks = Active\n", F_BOOL(uplinks_active, true)},
    {"[failover]\nuplinks = wan1,wan3\n", F_STRS(uplinks, "wan1,wan3")},
    /* bounds, inclusive */
    {"[dashboard]\nrequests_per_second = 10\n", F_DBL(requests_per_second, 10)},
    {"[dashboard]\nrequests_per_second = 0.5\n", F_DBL(requests_per_second, 0.5)},
    {"[dashboard]\nrequests_per_second = 1e-1\n", F_DBL(requests_per_second, 0.1)},
    {"[dashboard]\nrequests_per_second_total = 1000\n", F_DBL(requests_per_second_total, 1000)},
    {"[dashboard]\nrequests_per_second_total = 9\n", F_DBL(requests_per_second_total, 9)},
    {"[dashboard]\nrequests_per_second = 0.5\nrequests_per_second_total = 0.5\n",
     F_DBL(requests_per_second_total, 0.5)},
    {"[dashboard]\nshard = 0/1\n", F_SHARD(shard, "0/1")},
    {"[dashboard]\nshard = 1/2\n", F_SHARD(shard, "1/2")},
    {"[dashboard]\nshard = 999/1000\n", F_SHARD(shard, "999/1000")},
    {"[dashboard]\nshard = 03/08 ; leading zeros\n", F_SHARD(shard, "3/8")},
    {"[dashboard]\nmax_retries = 20\n", F_INT(max_retries, 20)},
    {"[dashboard]\ntimeout_s = 1\n", F_INT(timeout_s, 1)},
    {"[listener]\nmode = off\nport = 65535\n", F_INT(listener_port, 65535)},
    {"[listener]\nmode = off\nmax_body_bytes = 256\n", F_LONG(max_body_bytes, 256)},
    {"[listener]\nmode = off\nmax_body_bytes = 1048576\n",
     F_LONG(max_body_bytes, TF_WEBHOOK_BODY_CEILING)},
    {"[listener]\nmode = off\nmax_connections = 65536\n",
     F_INT(max_connections, TF_MAX_CONNECTIONS_CEILING)},
    {"[failover]\nloss_threshold_pct = 100\nfailback_max_loss_pct = 99.5\n",
     F_DBL(failback_max_loss_pct, 99.5)},
    {"[failover]\nconfirm_interval_s = 180\n", F_INT(confirm_interval_s, 180)},
    /* values and lists */
    {"[dashboard]\nbase_url = https://[2001:db8::1]:8443/\n",
     F_STR(base_url, "https://[2001:db8::1]:8443")},
    {"[dashboard]\nbase_url = HTTPS://api.meraki.ca/api/v1\n",
     F_STR(base_url, "HTTPS://api.meraki.ca/api/v1")},
    {"[dashboard]\nbase_url = https://h\n", F_STR(base_url, "https://h")},
    {"[dashboard]\norganization_ids = 549236\n", F_STRS(organization_ids, "549236")},
    {"[dashboard]\napi_key_file =\n", F_STR(api_key_file, NULL)},
    {"[listener]\nmode = off\naddress = 0:0::0\n", F_STR(listener_address, "::")},
    {"[listener]\nmode = off\ntrusted_proxies = ::ffff:10.0.0.0/104\n",
     F_CIDR(trusted_proxies, "::ffff:10.0.0.0/104")},
    {"[listener]\nmode = off\nallowed_sources = 0.0.0.0/0, ::/0\n",
     F_CIDR(allowed_sources, "0.0.0.0/0,::/0")},
    /* no shared secret needed while the listener is off */
    {"[listener]\nmode = off\n", F_ENUM(shared_secret_source, CONFIG_SECRET_UNSET)},
};

static void test_accepts(void **state)
{
    (void)state;
    char err[2048];
    for (size_t i = 0; i < sizeof accept_cases / sizeof accept_cases[0]; i++) {
        const accept_case *t = &accept_cases[i];
        config c;
        print_message("case %zu: %s", i, t->text);
        /* Only the api key in the environment: a listener that is on must name its secret. */
        test_env = env_key_only;
        char *text = NULL;
        if (strstr(t->text, "[listener]") == NULL) {
            size_t n = strlen(t->text) + 64;
            text = malloc(n);
            assert_non_null(text);
            snprintf(text, n, "%s\n[listener]\nmode = off\n", t->text);
        }
        config_err rc =
            load_string(text ? text : t->text, "t.conf", test_getenv, &c, err, sizeof err);
        if (rc != CONFIG_OK)
            print_message("%s", err);
        assert_int_equal(rc, CONFIG_OK);
        check_fields(&c, &t->check, 1);
        config_free(&c);
        free(text);
    }
}

/* A line longer than libinih's 200-byte buffer keeps its whole value and every later line
 * keeps its number. */
static void test_long_line(void **state)
{
    (void)state;
    char text[8192], ids[4096], expect[4096];
    size_t used = 0, eused = 0;
    char err[1024];
    config c;

    for (int i = 0; i < 60; i++) {
        used +=
            (size_t)snprintf(ids + used, sizeof ids - used, "%s%d", i ? ", " : "", 100000000 + i);
        eused += (size_t)snprintf(expect + eused, sizeof expect - eused, "%s%d", i ? "," : "",
                                  100000000 + i);
    }
    snprintf(text, sizeof text,
             "[dashboard]\norganization_ids = %s ; trailing comment\n"
             "timeout_s = 7\n[listener]\nmode = off\n",
             ids);
    test_env = env_both;
    assert_int_equal(load_string(text, "t.conf", test_getenv, &c, err, sizeof err), CONFIG_OK);
    assert_int_equal(c.organization_ids.n, 60);
    field_check f[] = {F_STRS(organization_ids, expect), F_INT(timeout_s, 7)};
    check_fields(&c, f, 2);
    config_free(&c);

    snprintf(text, sizeof text, "[dashboard]\norganization_ids = %s\n\ntimeout_s = x\n", ids);
    assert_int_equal(load_string(text, "t.conf", test_getenv, &c, err, sizeof err),
                     CONFIG_ERR_INVALID);
    assert_non_null(strstr(err, "t.conf:4: timeout_s: "));
}

/* ---- refusals -------------------------------------------------------------------------------- */

#define OFF "\n[listener]\nmode = off\n"

typedef struct {
    const char *text;
    const char *expect;      /* a substring of the messages */
    size_t lines;            /* how many messages (0 means 1) */
    const test_env_var *env; /* NULL: env_both */
} error_case;

static const error_case error_cases[] = {
    /* structure */
    {"[dashbaord]\ntimeout_s = 1\n" OFF,
     "t.conf:1: unknown section [dashbaord]: did you mean [dashboard]?\n", 0, NULL},
    {"[dashboard]\nfoo = 1\n" OFF, "t.conf:2: unknown key 'foo' in [dashboard]\n", 0, NULL},
    /* did you mean: the nearest key of the section, case ignored, or the section it is in */
    {"[failover]\nloss_treshold_pct = 30\n" OFF,
     "t.conf:2: unknown key 'loss_treshold_pct' in [failover]: did you mean "
     "loss_threshold_pct?\n",
     0, NULL},
    {"[failover]\nLoss_Threshold_Pct = 30\n" OFF,
     "t.conf:2: unknown key 'Loss_Threshold_Pct' in [failover]: did you mean "
     "loss_threshold_pct?\n",
     0, NULL},
    {"[failover]\nconfrim_window_s = 30\n" OFF,
     "t.conf:2: unknown key 'confrim_window_s' in [failover]: did you mean confirm_window_s?\n", 0,
     NULL},
    {"[dashboard]\nloss_threshold_pct = 30\n" OFF,
     "t.conf:2: unknown key 'loss_threshold_pct' in [dashboard]: it belongs in [failover]\n", 0,
     NULL},
    {"[listener]\nmode = off\nshared_secert_file = x\n",
     "t.conf:3: unknown key 'shared_secert_file' in [listener]: did you mean "
     "shared_secret_file?\n",
     0, NULL},
    {"[failvoer]\n" OFF, "t.conf:1: unknown section [failvoer]: did you mean [failover]?\n", 0,
     NULL},
    {"[Listener]\n" OFF, "t.conf:1: unknown section [Listener]: did you mean [listener]?\n", 0,
     NULL},
    {"[sites]\n" OFF, "t.conf:1: unknown section [sites]: did you mean [site NAME]?\n", 0, NULL},
    {"[site london]\ntrackedip = 1.1.1.1\n" OFF,
     "t.conf:2: unknown key 'trackedip' in [site london]: did you mean tracked_ip?\n", 2, NULL},
    {"[webhook]\n" OFF, "t.conf:1: unknown section [webhook]\n", 0, NULL},
    {"[dashboard]\ntimeout_s = 1\ntimeout_s = 2\n" OFF,
     "t.conf:3: duplicate key 'timeout_s' in [dashboard] (first set on line 2)\n", 0, NULL},
    {"[log]\n[dashboard]\n[log]\n" OFF, "t.conf:3: duplicate section [log] (first on line 1)\n", 0,
     NULL},
    {"timeout_s = 1\n[dashboard]\n" OFF, "t.conf:1: key 'timeout_s' outside any section\n", 0,
     NULL},
    {"[dashboard]\njunk\n" OFF, "t.conf:2: expected 'key = value' or '[section]'\n", 0, NULL},
    {"[dashboard\ntimeout_s = 1\n" OFF, "t.conf:1: missing ']' in section header\n", 0, NULL},
    {"[dashboard] x\n" OFF, "t.conf:1: unexpected text after ']'\n", 0, NULL},
    {"[dashboard]\n= 5\n" OFF, "t.conf:2: missing key name before '='\n", 0, NULL},
    {"[dashboard]\ntimeout_s = 1\x01\n" OFF, "t.conf:2: control character (byte 0x01)", 0, NULL},
    /* [dashboard] */
    {"[dashboard]\nbase_url = ftp://x\n" OFF,
     "t.conf:2: base_url: 'ftp://x' must start with https:// or http://\n", 0, NULL},
    {"[dashboard]\nbase_url = https://\n" OFF, "t.conf:2: base_url: 'https://' has no host\n", 0,
     NULL},
    {"[dashboard]\nbase_url = https:///api\n" OFF, "has no host", 0, NULL},
    {"[dashboard]\nbase_url = https://:443/api\n" OFF, "has no host", 0, NULL},
    {"[dashboard]\nbase_url = https://key@evil.example/\n" OFF, "must not contain '@'", 0, NULL},
    {"[dashboard]\nbase_url = https://h:0/\n" OFF, "has a bad port", 0, NULL},
    {"[dashboard]\nbase_url = https://[::1/\n" OFF, "unterminated IPv6 literal", 0, NULL},
    {"[dashboard]\nbase_url =\n" OFF, "t.conf:2: base_url: '' must start with", 0, NULL},
    {"[dashboard]\napi_key = a b\n" OFF, "t.conf:2: api_key: contains blanks or control", 0, NULL},
    {"[dashboard]\norganization_ids = 1,,2\n" OFF,
     "t.conf:2: organization_ids: empty item in the list", 0, NULL},
    {"[dashboard]\norganization_ids = 1, 2,\n" OFF, "t.conf:2: organization_ids: empty item", 0,
     NULL},
    {"[dashboard]\norganization_ids = 1, 1\n" OFF,
     "t.conf:2: organization_ids: '1' is listed twice\n", 0, NULL},
    {"[dashboard]\norganization_ids = a/b\n" OFF,
     "t.conf:2: organization_ids: 'a/b' is not a valid organization ID\n", 0, NULL},
    {"[dashboard]\nrequests_per_second = 0\n" OFF,
     "t.conf:2: requests_per_second: must be a number above 0 and at most 10 (got '0')\n", 0, NULL},
    {"[dashboard]\nrequests_per_second = 10.5\n" OFF, "t.conf:2: requests_per_second: must be", 0,
     NULL},
    {"[dashboard]\nrequests_per_second = nan\n" OFF, "t.conf:2: requests_per_second: must be", 0,
     NULL},
    {"[dashboard]\nrequests_per_second = 0x5\n" OFF, "t.conf:2: requests_per_second: must be", 0,
     NULL},
    {"[dashboard]\nrequests_per_second = -1\n" OFF, "t.conf:2: requests_per_second: must be", 0,
     NULL},
    {"[dashboard]\nrequests_burst = 0\n" OFF,
     "t.conf:2: requests_burst: must be a whole number from 1 to 100 (got '0')\n", 0, NULL},
    {"[dashboard]\nrequests_per_second_total = 0\n" OFF,
     "t.conf:2: requests_per_second_total: must be a number above 0 and at most 1000 (got '0')\n",
     0, NULL},
    {"[dashboard]\nrequests_per_second_total = 1000.5\n" OFF,
     "t.conf:2: requests_per_second_total: must be", 0, NULL},
    {"[dashboard]\nrequests_per_second_total = -90\n" OFF,
     "t.conf:2: requests_per_second_total: must be", 0, NULL},
    {"[dashboard]\nrequests_per_second_total = 8\n" OFF,
     "t.conf:2: requests_per_second_total: must not be below requests_per_second (9): it is the "
     "budget of every organization together\n",
     0, NULL},
    {"[dashboard]\nrequests_per_second = 4\nrequests_per_second_total = 3.5\n" OFF,
     "t.conf:3: requests_per_second_total: must not be below requests_per_second (4)", 0, NULL},
    {"[dashboard]\nshard = 2/2\n" OFF,
     "t.conf:2: shard: must be i/N, this replica's number i (from 0) of N replicas, with i below "
     "N and N from 1 to 1000 (got '2/2')\n",
     0, NULL},
    {"[dashboard]\nshard = 0/0\n" OFF, "t.conf:2: shard: must be i/N", 0, NULL},
    {"[dashboard]\nshard = 1/1\n" OFF, "t.conf:2: shard: must be i/N", 0, NULL},
    {"[dashboard]\nshard = 0/1001\n" OFF, "t.conf:2: shard: must be i/N", 0, NULL},
    {"[dashboard]\nshard = 1\n" OFF, "t.conf:2: shard: must be i/N", 0, NULL},
    {"[dashboard]\nshard = -1/2\n" OFF, "t.conf:2: shard: must be i/N", 0, NULL},
    {"[dashboard]\nshard = 1 / 2\n" OFF, "t.conf:2: shard: must be i/N", 0, NULL},
    {"[dashboard]\nshard = a/b\n" OFF, "(got 'a/b')", 0, NULL},
    {"[dashboard]\nshard =\n" OFF, "t.conf:2: shard: must be i/N", 0, NULL},
    {"[dashboard]\ndata_lag_s = -1\n" OFF,
     "t.conf:2: data_lag_s: must be a whole number of seconds from 0 to 3600 (got '-1')\n", 0,
     NULL},
    {"[dashboard]\ntimeout_s = 0\n" OFF,
     "t.conf:2: timeout_s: must be a whole number of seconds from 1 to 600 (got '0')\n", 0, NULL},
    {"[dashboard]\ntimeout_s = 5s\n" OFF, "t.conf:2: timeout_s: must be a whole number", 0, NULL},
    {"[dashboard]\ntimeout_s = 1.5\n" OFF, "t.conf:2: timeout_s: must be a whole number", 0, NULL},
    {"[dashboard]\ntimeout_s = 99999999999999999999\n" OFF, "t.conf:2: timeout_s: must be", 0,
     NULL},
    {"[dashboard]\ntimeout_s =\n" OFF, "t.conf:2: timeout_s: must be a whole number", 0, NULL},
    {"[dashboard]\nmax_retries = 21\n" OFF,
     "t.conf:2: max_retries: must be a whole number from 0 to 20 (got '21')\n", 0, NULL},
    {"[dashboard]\nca_file = /nonexistent/ca.pem\n" OFF,
     "t.conf:2: ca_file: cannot read '/nonexistent/ca.pem': No such file or directory", 0, NULL},
    /* [listener] */
    {"[listener]\nmode = udp\n", "t.conf:2: mode: must be tls, plain or off (got 'udp')\n", 0,
     NULL},
    {"[listener]\nmode = off\nport = 0\n",
     "t.conf:3: port: must be a whole number from 1 to 65535 (got '0')\n", 0, NULL},
    {"[listener]\nmode = off\nport = 65536\n", "t.conf:3: port: must be a whole number", 0, NULL},
    {"[listener]\nmode = off\naddress = localhost\n",
     "t.conf:3: address: must be an IPv4 or IPv6 address (got 'localhost')\n", 0, NULL},
    {"[listener]\nmode = off\nwebhook_path = webhook\n",
     "t.conf:3: webhook_path: 'webhook' must start with '/'\n", 0, NULL},
    {"[listener]\nmode = off\nwebhook_path = /a?b\n", "t.conf:3: webhook_path: '/a?b' must not", 0,
     NULL},
    {"[listener]\nmode = off\ncert_file =\n", "t.conf:3: cert_file: must not be empty\n", 0, NULL},
    {"[listener]\nmode = off\ntrusted_proxies = 10.0.0.1/8\n",
     "t.conf:3: trusted_proxies: '10.0.0.1/8' has bits set after the prefix length", 0, NULL},
    {"[listener]\nmode = off\nallowed_sources = 10.0.0.0/33\n",
     "t.conf:3: allowed_sources: '10.0.0.0/33' has a prefix length over 32\n", 0, NULL},
    {"[listener]\nmode = off\nallowed_sources = ::/129\n", "has a prefix length over 128\n", 0,
     NULL},
    {"[listener]\nmode = off\nallowed_sources = 1.2.3/8\n",
     "t.conf:3: allowed_sources: '1.2.3/8' is not an IPv4 or IPv6 address or CIDR\n", 0, NULL},
    {"[listener]\nmode = off\nallowed_sources = 10.0.0.0/\n", "has a bad prefix length\n", 0, NULL},
    {"[listener]\nmode = off\nallowed_sources = 10.0.0.0/+8\n", "has a bad prefix length\n", 0,
     NULL},
    {"[listener]\nmode = off\nallowed_sources = 10.0.0.0 /8\n", "is not an IPv4 or IPv6", 0, NULL},
    {"[listener]\nmode = off\nallowed_sources = 10.0.0.0/8,\n", "empty item in the list", 0, NULL},
    {"[listener]\nmode = off\nmax_body_bytes = 255\n",
     "t.conf:3: max_body_bytes: must be a whole number from 256 to 1048576 (got '255')\n", 0, NULL},
    {"[listener]\nmode = off\nmax_body_bytes = 1048577\n", "t.conf:3: max_body_bytes: must", 0,
     NULL},
    {"[listener]\nmode = off\nmax_connections = 0\n",
     "t.conf:3: max_connections: must be a whole number from 1 to 65536 (got '0')\n", 0, NULL},
    {"[listener]\nmode = off\nmax_connections = 65537\n", "t.conf:3: max_connections: must", 0,
     NULL},
    {"[listener]\nmode = off\nconnection_timeout_s = 0\n",
     "t.conf:3: connection_timeout_s: must be a whole number of seconds from 1 to 600", 0, NULL},
    {"[listener]\nmode = off\nshared_secret = a\x7f\n", "t.conf:3: control character", 0, NULL},
    /* [admin] */
    {"[admin]\nport = -1\n" OFF, "t.conf:2: port: must be a whole number from 0 to 65535", 0, NULL},
    {"[admin]\naddress = 127.0.0.256\n" OFF, "t.conf:2: address: must be an IPv4 or IPv6", 0, NULL},
    {"[listener]\nmode = plain\nport = 9901\n",
     "t.conf:3: port: the admin listener and the webhook listener both use port 9901\n", 0, NULL},
    /* [failover] */
    {"[failover]\nloss_threshold_pct = 101\n" OFF,
     "t.conf:2: loss_threshold_pct: must be a number from 0 to 100 (got '101')\n", 0, NULL},
    {"[failover]\nloss_threshold_pct = -1\n" OFF, "t.conf:2: loss_threshold_pct: must be", 0, NULL},
    {"[failover]\nfailback_max_loss_pct = 100.5\n" OFF, "t.conf:2: failback_max_loss_pct: must", 0,
     NULL},
    {"[failover]\nfailback_max_loss_pct = 30\n" OFF,
     "t.conf:2: failback_max_loss_pct: must be below loss_threshold_pct (30)\n", 0, NULL},
    {"[failover]\nloss_threshold_pct = 10\nfailback_max_loss_pct = 20\n" OFF,
     "t.conf:3: failback_max_loss_pct: must be below loss_threshold_pct (10)\n", 0, NULL},
    {"[failover]\nloss_threshold_pct = 0\n" OFF,
     "t.conf:2: loss_threshold_pct: must be above failback_max_loss_pct (0)\n", 0, NULL},
    {"[failover]\ndetect_window_s = 0\n" OFF, "t.conf:2: detect_window_s: must be a whole", 0,
     NULL},
    {"[failover]\nclean_window_s = 86401\n" OFF, "t.conf:2: clean_window_s: must be a whole", 0,
     NULL},
    {"[failover]\nreconcile_interval_s = 0\n" OFF, "t.conf:2: reconcile_interval_s: must be", 0,
     NULL},
    {"[failover]\nconfirm_window_s = 0\n" OFF, "t.conf:2: confirm_window_s: must be", 0, NULL},
    {"[failover]\nconfirm_interval_s = 0\n" OFF, "t.conf:2: confirm_interval_s: must be", 0, NULL},
    {"[failover]\nconfirm_interval_s = 181\n" OFF,
     "t.conf:2: confirm_interval_s: must not exceed confirm_window_s (180)\n", 0, NULL},
    {"[failover]\ntrigger_alert_types =\n" OFF,
     "t.conf:2: trigger_alert_types: must list at least one alert type\n", 0, NULL},
    {"[failover]\ntrigger_alert_types = a b\n" OFF,
     "t.conf:2: trigger_alert_types: 'a b' is not a valid alert type\n", 0, NULL},
    {"[failover]\nuplinks = wan4\n" OFF,
     "t.conf:2: uplinks: 'wan4' is not wan1, wan2, wan3 or cellular\n", 0, NULL},
    {"[failover]\nuplinks = active, wan1\n" OFF, "('active' stands alone)", 0, NULL},
    {"[failover]\nuplinks =\n" OFF, "t.conf:2: uplinks: must be 'active' or a list", 0, NULL},
    {"[failover]\nuplinks = wan1, wan1\n" OFF, "t.conf:2: uplinks: 'wan1' is listed twice\n", 0,
     NULL},
    {"[failover]\nhold_tag = x_primary_up\n" OFF,
     "t.conf:2: hold_tag: 'x_primary_up' must not look like a pair tag", 0, NULL},
    {"[failover]\nhold_tag = a b\n" OFF, "t.conf:2: hold_tag: 'a b' must not contain blanks", 0,
     NULL},
    {"[failover]\nhold_tag =\n" OFF, "t.conf:2: hold_tag: '' must not be empty", 0, NULL},
    {"[failover]\nrequire_backup_healthy = maybe\n" OFF,
     "t.conf:2: require_backup_healthy: must be true or false", 0, NULL},
    {"[failover]\nfailback = sometimes\n" OFF,
     "t.conf:2: failback: must be auto or manual (got 'sometimes')\n", 0, NULL},
    {"[failover]\ndry_run = 2\n" OFF, "t.conf:2: dry_run: must be true or false", 0, NULL},
    {"[failover]\nevidence = live\n" OFF,
     "t.conf:2: evidence: must be series or series, live (the series is required) (got 'live')\n",
     0, NULL},
    {"[failover]\nevidence = series, ping\n" OFF, "t.conf:2: evidence: must be series or", 0, NULL},
    {"[failover]\nevidence =\n" OFF, "t.conf:2: evidence: must be series or", 0, NULL},
    {"[failover]\nlive_ping_count = 6\n" OFF, "t.conf:2: live_ping_count:", 0, NULL},
    {"[failover]\nbulk_retag = on\n" OFF, "t.conf:2: bulk_retag: must be auto or off (got 'on')\n",
     0, NULL},
    {"[failover]\nlive_ping_max_inflight = 0\n" OFF, "t.conf:2: live_ping_max_inflight:", 0, NULL},
    {"[listener]\nmode = off\npublic_url = http://failover.example.com/webhook\n",
     "t.conf:3: public_url: 'http://failover.example.com/webhook' must be an https:// URL", 0,
     NULL},
    {"[listener]\nmode = off\npublic_url = failover\n", "t.conf:3: public_url: 'failover'", 0,
     NULL},
    /* [log] */
    {"[log]\nformat = xml\n" OFF, "t.conf:2: format: must be json or text (got 'xml')\n", 0, NULL},
    {"[log]\nlevel = trace\n" OFF,
     "t.conf:2: level: must be debug, info, warn or error (got 'trace')\n", 0, NULL},
    /* [notify] */
    {"[notify]\ncommand = notify 'oops\n" OFF,
     "t.conf:2: command: 'notify 'oops' has an unterminated ' quote\n", 0, NULL},
    {"[notify]\ncommand = a\\\n" OFF, "t.conf:2: command: 'a\\' ends with a backslash\n", 0, NULL},
    {"[notify]\nurl = ftp://example.com/x\n" OFF,
     "t.conf:2: url: '<redacted>' must start with https:// or http://\n", 0, NULL},
    {"[notify]\nurl = https://hooks.slack.com/services/SECRET#x\n" OFF,
     "t.conf:2: url: 'https://hooks.slack.com/<redacted>' must not contain a #fragment\n", 0, NULL},
    {"[notify]\nurl = https://u:SECRET@hooks.slack.com/x\n" OFF,
     "t.conf:2: url: 'https:///<redacted>' must not contain user:password@", 0, NULL},
    {"[notify]\ntimeout_s = 0\n" OFF,
     "t.conf:2: timeout_s: must be a whole number of seconds from 1 to 600 (got '0')\n", 0, NULL},
    {"[notify]\nlevel = info\n" OFF, "t.conf:2: unknown key 'level' in [notify]", 0, NULL},
    /* [site NAME] */
    {"[site]\ntracked_ip = 1.2.3.4\n" OFF, "t.conf:1: [site] needs a name: [site NAME]\n", 0, NULL},
    {"[site lon don]\ntracked_ip = 1.2.3.4\n" OFF, "t.conf:1: bad site name 'lon don'", 0, NULL},
    {"[site a/b]\n" OFF, "t.conf:1: bad site name 'a/b'", 0, NULL},
    {"[site "
     "a12345678901234567890123456789012345678901234567890123456789012345]\n" OFF,
     "t.conf:1: bad site name", 0, NULL},
    {"[site london]\ntracked_ip = 1.2.3.4\n[site london]\ntracked_ip = 1.2.3.5\n" OFF,
     "t.conf:3: duplicate section [site london] (first on line 1)\n", 0, NULL},
    {"[site london]\n" OFF, "t.conf:1: [site london] has no tracked_ip\n", 0, NULL},
    {"[site london]\ntracked_ip = 300.1.1.1\n" OFF,
     "t.conf:2: tracked_ip: must be an IPv4 or IPv6 address (got '300.1.1.1')\n", 0, NULL},
    {"[site london]\ntracked_ip = 203.0.113.0/24\n" OFF, "t.conf:2: tracked_ip: must be", 0, NULL},
    {"[site london]\ntracked_ip = 1.1.1.1\nfoo = 1\n" OFF,
     "t.conf:3: unknown key 'foo' in [site london]\n", 0, NULL},
    {"[site london]\ntracked_ip = 1.1.1.1\ntracked_ip = 1.1.1.2\n" OFF,
     "t.conf:3: duplicate key 'tracked_ip' in [site london] (first set on line 2)\n", 0, NULL},
    /* secrets */
    {"[listener]\nmode = off\n",
     "t.conf: [dashboard] api_key: no API key (set api_key_file, api_key or "
     "MERAKI_DASHBOARD_API_KEY)\n",
     1, env_none},
    {"[listener]\nmode = off\n", "t.conf: [dashboard] api_key: no API key", 1, env_empty},
    {"[listener]\nmode = plain\n",
     "t.conf: [listener] shared_secret: no shared secret while the listener is on", 1,
     env_key_only},
    {"[listener]\nmode = plain\nshared_secret =\n", "t.conf: [listener] shared_secret: no", 1,
     env_key_only},
    {"[dashboard]\napi_key = abc\napi_key_file = @DIR@/api_key\n" OFF,
     "t.conf:3: api_key and api_key_file are both set (lines 2 and 3): keep one\n", 0, NULL},
    {"[dashboard]\napi_key_file = @DIR@/api_key\napi_key = abc\n" OFF,
     "t.conf:3: api_key and api_key_file are both set (lines 2 and 3): keep one\n", 1, env_none},
    {"[dashboard]\napi_key_file = /nonexistent/key\n" OFF,
     "t.conf:2: api_key_file: cannot read '/nonexistent/key': No such file or directory\n", 1,
     env_none},
    {"[dashboard]\napi_key_file = @DIR@/api_key_empty\n" OFF,
     "t.conf:2: api_key_file: '@DIR@/api_key_empty' is empty\n", 1, env_none},
    {"[dashboard]\napi_key_file = @DIR@/api_key_blank\n" OFF,
     "t.conf:2: api_key_file: '@DIR@/api_key_blank' is empty\n", 1, env_none},
    {"[dashboard]\napi_key_file = @DIR@/api_key_inner\n" OFF,
     "t.conf:2: api_key_file: '@DIR@/api_key_inner' contains blanks or control characters", 1,
     env_none},
    {"[dashboard]\napi_key_file = @DIR@\n" OFF, "t.conf:2: api_key_file: cannot read '@DIR@'", 1,
     env_none},
    {"[dashboard]\napi_key_file = @DIR@/api_key_nul\n" OFF,
     "t.conf:2: api_key_file: '@DIR@/api_key_nul' contains a NUL byte\n", 1, env_none},
    {"[dashboard]\napi_key_file = @DIR@/api_key_big\n" OFF,
     "t.conf:2: api_key_file: '@DIR@/api_key_big' is larger than 4096 bytes\n", 1, env_none},
    {"[dashboard]\napi_key_file = @DIR@/unreadable\n" OFF,
     "t.conf:2: api_key_file: cannot read '@DIR@/unreadable': Permission denied\n", 1, env_none},
    {"[listener]\nmode = plain\nshared_secret_file = /nonexistent/s\n",
     "t.conf:3: shared_secret_file: cannot read '/nonexistent/s'", 1, env_key_only},
    {"[listener]\nmode = off\n",
     "t.conf: [dashboard] api_key: MERAKI_DASHBOARD_API_KEY contains blanks or control", 1,
     env_bad_key},
    /* tls: the key's line, else the section's, else the key's name */
    {"[listener]\nmode = tls\ncert_file = /nonexistent/c.pem\nkey_file = @DIR@/key.pem\n",
     "t.conf:3: cert_file: cannot read '/nonexistent/c.pem': No such file or directory", 0, NULL},
    {"[listener]\nmode = tls\ncert_file = @DIR@/cert.pem\nkey_file = /nonexistent/k.pem\n",
     "t.conf:4: key_file: cannot read '/nonexistent/k.pem'", 0, NULL},
    {"[listener]\nmode = tls\ncert_file = @DIR@\nkey_file = @DIR@/key.pem\n",
     "t.conf:3: cert_file: cannot read '@DIR@': Is a directory (mode = tls needs it)\n", 0, NULL},
    /* a FIFO (or socket, or device) is refused as any file the configuration names */
    {"[dashboard]\napi_key_file = @DIR@/fifo\n" OFF,
     "t.conf:2: api_key_file: cannot read '@DIR@/fifo': not a regular file (a FIFO, socket or "
     "device)\n",
     0, env_none},
    {"[listener]\nmode = plain\nshared_secret_file = @DIR@/fifo\n",
     "t.conf:3: shared_secret_file: cannot read '@DIR@/fifo': not a regular file", 0, env_key_only},
    {"[listener]\nshared_secret = s\ncert_file = @DIR@/fifo\nkey_file = @DIR@/key.pem\n",
     "t.conf:3: cert_file: cannot read '@DIR@/fifo': not a regular file (a FIFO, socket or "
     "device) (mode = tls needs it)\n",
     0, NULL},
    {"[listener]\nshared_secret = s\ncert_file = @DIR@/cert.pem\nkey_file = @DIR@/fifo\n",
     "t.conf:4: key_file: cannot read '@DIR@/fifo': not a regular file", 0, NULL},
    {"[dashboard]\nca_file = @DIR@/fifo\n" OFF,
     "t.conf:2: ca_file: cannot read '@DIR@/fifo': not a regular file", 0, NULL},
    {"[dashboard]\nca_file = @DIR@/unreadable\n" OFF,
     "t.conf:2: ca_file: cannot read '@DIR@/unreadable': Permission denied (ca_file is set)\n", 0,
     NULL},
    {"[admin]\n[listener]\ncert_file = @DIR@/cert.pem\n",
     "t.conf:2: key_file: cannot read 'certs/server.key'", 0, NULL},
    {"[dashboard]\n", "t.conf: [listener] cert_file: cannot read 'certs/server.crt'", 2, NULL},
    {"[dashboard]\n", "t.conf: [listener] key_file: cannot read 'certs/server.key'", 2, NULL},
    /* every problem at once, in file order, the line-less ones last */
    {"[log]\nlevel = x\n[dashboard]\ntimeout_s = 0\n[listener]\nmode = plain\nport = 0\n",
     "t.conf:2: level: must be debug, info, warn or error (got 'x')\n"
     "t.conf:4: timeout_s: must be a whole number of seconds from 1 to 600 (got '0')\n"
     "t.conf:7: port: must be a whole number from 1 to 65535 (got '0')\n"
     "t.conf: [dashboard] api_key: no API key (set api_key_file, api_key or "
     "MERAKI_DASHBOARD_API_KEY)\n"
     "t.conf: [listener] shared_secret: no shared secret while the listener is on",
     5, env_none},
};

/* ---- warnings: loads, but check-config says what should not stay so ------------------------- */

typedef struct {
    const char *name;   /* the configuration file's name (@DIR@: the directory in memory) */
    const char *text;   /* the whole file */
    const char *expect; /* every warning, one per line; "" for none */
    const test_env_var *env;
} warning_case;

#define TLS_OK "cert_file = @DIR@/cert.pem\nkey_file = @DIR@/key.pem\n"

static const warning_case warning_cases[] = {
    /* secret files: others, a group that is not the daemon's, the daemon's own group */
    {"t.conf", "[dashboard]\napi_key_file = @DIR@/secret_0644\n" OFF,
     "t.conf:2: warning: api_key_file: '@DIR@/secret_0644' holds a secret and is readable by "
     "others (mode 0644): chmod 0600 it, or 0640 with the daemon's own group\n",
     env_none},
    {"t.conf", "[dashboard]\napi_key_file = @DIR@/secret_0604\n" OFF,
     "t.conf:2: warning: api_key_file: '@DIR@/secret_0604' holds a secret and is readable by "
     "others (mode 0604): chmod 0600 it, or 0640 with the daemon's own group\n",
     env_none},
    {"t.conf", "[dashboard]\napi_key_file = @DIR@/secret_0640\n" OFF,
     "t.conf:2: warning: api_key_file: '@DIR@/secret_0640' holds a secret and is readable by "
     "its group (mode 0640): chmod 0600 it, or 0640 with the daemon's own group\n",
     env_none},
    {"t.conf", "[dashboard]\napi_key_file = @DIR@/secret_0640_own\n" OFF, "", env_none},
    {"t.conf", "[dashboard]\napi_key_file = @DIR@/api_key\n" OFF, "", env_none},
    /* the environment wins, but the file is still there to be read */
    {"t.conf", "[dashboard]\napi_key_file = @DIR@/secret_0644\n" OFF,
     "t.conf:2: warning: api_key_file: '@DIR@/secret_0644' holds a secret", env_both},
    {"t.conf",
     "[dashboard]\n[listener]\nmode = plain\naddress = 127.0.0.1\nshared_secret_file = "
     "@DIR@/secret_0644\n",
     "t.conf:5: warning: shared_secret_file: '@DIR@/secret_0644' holds a secret and is readable "
     "by others (mode 0644): chmod 0600 it, or 0640 with the daemon's own group\n",
     env_key_only},
    /* the TLS key, only when the listener uses it */
    {"t.conf",
     "[dashboard]\n[listener]\nshared_secret = s\ncert_file = @DIR@/cert.pem\nkey_file = "
     "@DIR@/key_0644.pem\n",
     "t.conf:5: warning: key_file: '@DIR@/key_0644.pem' holds a secret and is readable by others "
     "(mode 0644): chmod 0600 it, or 0640 with the daemon's own group\n",
     NULL},
    {"t.conf", "[dashboard]\n[listener]\nmode = off\nkey_file = @DIR@/key_0644.pem\n", "", NULL},
    /* a secret written in a configuration file others can read */
    {"@DIR@/open.conf", "[dashboard]\napi_key = abc123\n" OFF,
     "@DIR@/open.conf:2: warning: api_key: a secret written in '@DIR@/open.conf', which is "
     "readable by others (mode 0644): move it to api_key_file (mode 0600) or chmod 0600 the "
     "file\n",
     env_none},
    {"@DIR@/open.conf", "[dashboard]\napi_key = abc123\n[listener]\nshared_secret = s\n" TLS_OK,
     "@DIR@/open.conf:2: warning: api_key: a secret written in '@DIR@/open.conf'"
     ", which is readable by others (mode 0644): move it to api_key_file (mode 0600) or chmod "
     "0600 the file\n"
     "@DIR@/open.conf:4: warning: shared_secret: a secret written in '@DIR@/open.conf', which "
     "is readable by others (mode 0644): move it to shared_secret_file (mode 0600) or chmod "
     "0600 the file\n",
     env_none},
    {"@DIR@/own.conf", "[dashboard]\napi_key = abc123\n" OFF, "", env_none},
    /* an empty value holds no secret; the environment's value is not in the file */
    {"@DIR@/open.conf", "[dashboard]\napi_key =\n" OFF, "", env_both},
    /* a value the environment overrides is still written in the file */
    {"@DIR@/open.conf", "[dashboard]\napi_key = abc123\n" OFF,
     "@DIR@/open.conf:2: warning: api_key: a secret written in", env_both},
    {"@DIR@/closed.conf", "[dashboard]\napi_key = abc123\n" OFF, "", env_none},
    /* not known to the reader: nothing to say */
    {"t.conf", "[dashboard]\napi_key = abc123\n" OFF, "", env_none},
    /* listeners off loopback */
    {"t.conf", "[dashboard]\n[listener]\nmode = plain\nshared_secret = s\n",
     "t.conf:2: warning: address: mode = plain on 0.0.0.0, not loopback: webhooks and their "
     "shared secret travel unencrypted; bind it to 127.0.0.1 behind the TLS proxy\n",
     NULL},
    {"t.conf", "[dashboard]\n[listener]\nmode = plain\nshared_secret = s\naddress = ::\n",
     "t.conf:5: warning: address: mode = plain on ::, not loopback", NULL},
    {"t.conf", "[dashboard]\n[listener]\nmode = plain\nshared_secret = s\naddress = 127.0.0.2\n",
     "", NULL},
    {"t.conf", "[dashboard]\n[listener]\nmode = plain\nshared_secret = s\naddress = ::1\n", "",
     NULL},
    {"t.conf", "[dashboard]\n[listener]\nshared_secret = s\n" TLS_OK, "", NULL},
    {"t.conf", "[dashboard]\n[admin]\naddress = 0.0.0.0\n" OFF,
     "t.conf:3: warning: address: the admin listener (plain HTTP, no authentication: /status, "
     "/metrics, the page) is on 0.0.0.0, not loopback\n",
     NULL},
    {"t.conf", "[dashboard]\n[admin]\naddress = 192.0.2.1\nport = 0\n" OFF, "", NULL},
    {"t.conf", "[dashboard]\n[admin]\naddress = ::ffff:127.0.0.1\n" OFF, "", NULL},
    /* every warning at once, in file order */
    {"@DIR@/open.conf",
     "[dashboard]\napi_key = abc123\n[listener]\nmode = plain\nshared_secret_file = "
     "@DIR@/secret_0640\n[admin]\naddress = ::\n",
     "@DIR@/open.conf:2: warning: api_key: a secret written in '@DIR@/open.conf', which is "
     "readable by others (mode 0644): move it to api_key_file (mode 0600) or chmod 0600 the "
     "file\n"
     "@DIR@/open.conf:3: warning: address: mode = plain on 0.0.0.0, not loopback: webhooks and "
     "their shared secret travel unencrypted; bind it to 127.0.0.1 behind the TLS proxy\n"
     "@DIR@/open.conf:5: warning: shared_secret_file: '@DIR@/secret_0640' holds a secret and is "
     "readable by its group (mode 0640): chmod 0600 it, or 0640 with the daemon's own group\n"
     "@DIR@/open.conf:7: warning: address: the admin listener (plain HTTP, no authentication: "
     "/status, /metrics, the page) is on ::, not loopback\n",
     env_none},
};

static void test_warnings(void **state)
{
    (void)state;
    char err[4096], got[4096];

    for (size_t i = 0; i < sizeof warning_cases / sizeof warning_cases[0]; i++) {
        const warning_case *t = &warning_cases[i];
        config c;
        char *name = with_dir(t->name), *text = with_dir(t->text), *expect = with_dir(t->expect);
        test_env = t->env ? t->env : env_both;
        print_message("case %zu: %s", i, text);
        config_err rc = load_string(text, name, test_getenv, &c, err, sizeof err);
        if (rc != CONFIG_OK)
            print_message("%s", err);
        assert_int_equal(rc, CONFIG_OK);
        got[0] = '\0';
        for (size_t k = 0; k < c.warnings.n; k++) {
            strncat(got, c.warnings.v[k], sizeof got - strlen(got) - 2);
            strcat(got, "\n");
        }
        print_message("got: %s", got);
        /* A whole text is compared whole; a prefix (no final newline) as the start. */
        if (expect[0] != '\0' && expect[strlen(expect) - 1] != '\n')
            assert_memory_equal(got, expect, strlen(expect));
        else
            assert_string_equal(got, expect);
        config_free(&c);
        free(name);
        free(text);
        free(expect);
    }
}

static void test_errors(void **state)
{
    (void)state;
    char err[4096];

    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const error_case *t = &error_cases[i];
        config c;
        char *text = with_dir(t->text);
        char *expect = with_dir(t->expect);
        test_env = t->env ? t->env : env_both;
        print_message("case %zu: %s", i, text);
        memset(&c, 0x5a, sizeof c);
        config_err rc = load_string(text, "t.conf", test_getenv, &c, err, sizeof err);
        if (t->expect[0] == '\0') {
            assert_int_equal(rc, CONFIG_OK);
            config_free(&c);
        } else {
            print_message("got: %s", err);
            assert_int_equal(rc, CONFIG_ERR_INVALID);
            assert_true(config_is_zero(&c));
            assert_non_null(strstr(err, expect));
            assert_int_equal(count_lines(err), t->lines ? t->lines : 1);
        }
        free(text);
        free(expect);
    }
}

/* The messages fill the caller's buffer with whole lines and say how many were left out. */
static void test_error_buffer(void **state)
{
    (void)state;
    char text[4096] = "[dashboard]\n";
    char err[120];
    config c;

    for (int i = 0; i < 150; i++)
        strcat(text, "x\n");
    strcat(text, OFF);
    test_env = env_both;
    assert_int_equal(load_string(text, "t.conf", test_getenv, &c, err, sizeof err),
                     CONFIG_ERR_INVALID);
    assert_string_equal(err, "t.conf:2: expected 'key = value' or '[section]'\n"
                             "t.conf: ... and 149 more errors\n");
    /* no buffer at all is fine too */
    assert_int_equal(load_string(text, "t.conf", test_getenv, &c, NULL, 0), CONFIG_ERR_INVALID);
    assert_int_equal(load_string(text, "t.conf", test_getenv, &c, err, 1), CONFIG_ERR_INVALID);
    assert_string_equal(err, "");

    /* a line past TF_CONFIG_MAX_LINE */
    size_t n = TF_CONFIG_MAX_LINE + 100;
    char *big = malloc(n + 64);
    assert_non_null(big);
    strcpy(big, "[dashboard]\norganization_ids = ");
    size_t used = strlen(big);
    memset(big + used, '1', n);
    strcpy(big + used + n, "\nfoo = 1\n" OFF);
    char err2[1024];
    assert_int_equal(load_string(big, "t.conf", test_getenv, &c, err2, sizeof err2),
                     CONFIG_ERR_INVALID);
    assert_string_equal(err2, "t.conf:2: line too long (over 4096 characters)\n"
                              "t.conf:3: unknown key 'foo' in [dashboard]\n");
    free(big);
}

/* ---- secrets -----------------------------------------------------------------------------------
 */

typedef struct {
    const char *text; /* a [dashboard] body; @DIR@ is the temporary directory */
    const test_env_var *env;
    const char *api_key;         /* expected */
    config_secret_source source; /* expected */
} secret_case;

static const secret_case secret_cases[] = {
    {"api_key_file = @DIR@/api_key\n", env_none, "filekey0123456789", CONFIG_SECRET_FILE},
    {"api_key_file = @DIR@/api_key_nl\n", env_none, "filekey0123456789", CONFIG_SECRET_FILE},
    {"api_key = valuekey\n", env_none, "valuekey", CONFIG_SECRET_VALUE},
    {"api_key = valuekey\n", env_both, "envkey0123456789", CONFIG_SECRET_ENV},
    {"api_key_file = @DIR@/api_key\n", env_both, "envkey0123456789", CONFIG_SECRET_ENV},
    /* the environment wins without the file being read */
    {"api_key_file = /nonexistent/key\n", env_both, "envkey0123456789", CONFIG_SECRET_ENV},
    /* an empty variable is no variable */
    {"api_key = valuekey\n", env_empty, "valuekey", CONFIG_SECRET_VALUE},
    {"api_key_file = @DIR@/api_key\n", env_empty, "filekey0123456789", CONFIG_SECRET_FILE},
};

static void test_secrets(void **state)
{
    (void)state;
    char err[1024];
    for (size_t i = 0; i < sizeof secret_cases / sizeof secret_cases[0]; i++) {
        const secret_case *t = &secret_cases[i];
        char tmpl[512];
        config c;
        snprintf(tmpl, sizeof tmpl, "[dashboard]\n%s[listener]\nmode = off\n", t->text);
        char *text = with_dir(tmpl);
        test_env = t->env;
        print_message("case %zu: %s", i, text);
        config_err rc = load_string(text, "t.conf", test_getenv, &c, err, sizeof err);
        if (rc != CONFIG_OK)
            print_message("%s", err);
        assert_int_equal(rc, CONFIG_OK);
        assert_string_equal(c.api_key, t->api_key);
        assert_int_equal(c.api_key_source, t->source);
        config_free(&c);
        free(text);
    }
}

typedef struct {
    const char *body; /* the [listener] body */
    const test_env_var *env;
    const char *secret;          /* expected; NULL: unset */
    config_secret_source source; /* expected */
} shared_case;

static const shared_case shared_cases[] = {
    {"mode = plain\nshared_secret_file = @DIR@/secret\n", env_key_only, "file shared secret",
     CONFIG_SECRET_FILE},
    {"mode = plain\nshared_secret = in file ; comment\n", env_key_only, "in file",
     CONFIG_SECRET_VALUE},
    {"mode = plain\nshared_secret = in file\n", env_both, "env shared secret", CONFIG_SECRET_ENV},
    {"mode = plain\nshared_secret_file = @DIR@/secret\n", env_both, "env shared secret",
     CONFIG_SECRET_ENV},
    {"mode = off\n", env_key_only, NULL, CONFIG_SECRET_UNSET},
    {"mode = off\nshared_secret_file = @DIR@/secret\n", env_key_only, "file shared secret",
     CONFIG_SECRET_FILE},
    {"mode = tls\ncert_file = @DIR@/cert.pem\nkey_file = @DIR@/key.pem\n", env_both,
     "env shared secret", CONFIG_SECRET_ENV},
};

static void test_shared_secret(void **state)
{
    (void)state;
    char err[1024];
    for (size_t i = 0; i < sizeof shared_cases / sizeof shared_cases[0]; i++) {
        const shared_case *t = &shared_cases[i];
        char tmpl[512];
        config c;
        snprintf(tmpl, sizeof tmpl, "[listener]\n%s", t->body);
        char *text = with_dir(tmpl);
        test_env = t->env;
        print_message("case %zu: %s", i, text);
        config_err rc = load_string(text, "t.conf", test_getenv, &c, err, sizeof err);
        if (rc != CONFIG_OK)
            print_message("%s", err);
        assert_int_equal(rc, CONFIG_OK);
        if (t->secret == NULL)
            assert_null(c.shared_secret);
        else
            assert_string_equal(c.shared_secret, t->secret);
        assert_int_equal(c.shared_secret_source, t->source);
        config_free(&c);
        free(text);
    }
}

/* ---- dump ---------------------------------------------------------------------------------- */

/* Every field of two configurations is the same; the secrets too when `secrets`. */
static void assert_config_equal(const config *a, const config *b, bool secrets)
{
    char x[1024], y[1024];
    const field_check *f = default_fields;
    for (size_t i = 0; i < N_DEFAULT_FIELDS; i++) {
        const char *ma = (const char *)a + f[i].off, *mb = (const char *)b + f[i].off;
        print_message("field %s\n", f[i].name);
        switch (f[i].type) {
        case T_STR:
            if (*(char *const *)ma == NULL || *(char *const *)mb == NULL)
                assert_ptr_equal(*(char *const *)ma, *(char *const *)mb);
            else
                assert_string_equal(*(char *const *)ma, *(char *const *)mb);
            break;
        case T_INT:
        case T_ENUM:
            assert_memory_equal(ma, mb, sizeof(int));
            break;
        case T_LONG:
            assert_int_equal(*(const long *)ma, *(const long *)mb);
            break;
        case T_DBL:
            assert_true(*(const double *)ma == *(const double *)mb);
            break;
        case T_BOOL:
            assert_int_equal(*(const bool *)ma, *(const bool *)mb);
            break;
        case T_STRS:
            join_strs((const config_strs *)(const void *)ma, x, sizeof x);
            join_strs((const config_strs *)(const void *)mb, y, sizeof y);
            assert_string_equal(x, y);
            break;
        case T_CIDRS:
            join_cidrs((const config_cidr_list *)(const void *)ma, x, sizeof x);
            join_cidrs((const config_cidr_list *)(const void *)mb, y, sizeof y);
            assert_string_equal(x, y);
            break;
        case T_SHARD:
            assert_memory_equal(ma, mb, sizeof(shard_spec));
            break;
        }
    }
    assert_int_equal(a->api_key_source, b->api_key_source);
    assert_int_equal(a->shared_secret_source, b->shared_secret_source);
    if (secrets) {
        assert_string_equal(a->api_key, b->api_key);
        if (a->shared_secret != NULL || b->shared_secret != NULL)
            assert_string_equal(a->shared_secret, b->shared_secret);
    }
    assert_int_equal(a->n_sites, b->n_sites);
    for (size_t i = 0; i < a->n_sites; i++) {
        assert_string_equal(a->sites[i].name, b->sites[i].name);
        assert_string_equal(a->sites[i].tracked_ip, b->sites[i].tracked_ip);
    }
}

/* The dump without its first line (which names the file it came from). */
static const char *after_first_line(const char *s)
{
    const char *nl = strchr(s, '\n');
    assert_non_null(nl);
    return nl + 1;
}

typedef struct {
    const char *text;
    const test_env_var *env;
    const char *secrets[3]; /* texts that must never appear in the dump */
    const char *expect[4];  /* lines the dump must hold */
} dump_case;

static const dump_case dump_cases[] = {
    /* numbers come back exactly, in plain notation where it can be */
    {"[dashboard]\nrequests_per_second = 1e-30\n[failover]\nloss_threshold_pct = "
     "33.333333333333336\nfailback_max_loss_pct = 0.1\n[listener]\nmode = off\n",
     env_both,
     {"envkey0123456789", NULL, NULL},
     {"\nloss_threshold_pct = 33.333333333333336\n", "\nfailback_max_loss_pct = 0.1\n",
      "\nrequests_burst = 5\n", "\nmax_body_bytes = 65536\n"}},
    {all_keys_text,
     env_none,
     {"abcdef0123456789", "s3cret value", NULL},
     {"\napi_key = <redacted>\n", "\nshared_secret = <redacted>\n",
      "\nbase_url = http://127.0.0.1:8080/api/v1\n", "\n[site new_york.dc-2]\n"}},
    {"[dashboard]\napi_key_file = @DIR@/api_key\n[listener]\nmode = plain\n"
     "shared_secret_file = @DIR@/secret\n",
     env_none,
     {"filekey0123456789", "file shared secret", NULL},
     {"\n; api_key = <redacted> (read from api_key_file)\n", "\napi_key_file = @DIR@/api_key\n",
      "\nshared_secret_file = @DIR@/secret\n", "\nmode = plain\n"}},
    {"[dashboard]\napi_key_file = @DIR@/api_key\n[listener]\nmode = off\n",
     env_both,
     {"envkey0123456789", "filekey0123456789", NULL},
     {"\n; api_key = <redacted> (from MERAKI_DASHBOARD_API_KEY)\n",
      "\n; shared_secret = <redacted> (from TAGFAILOVER_SHARED_SECRET)\n",
      "\napi_key_file = @DIR@/api_key\n", "\nca_file =\n"}},
    {"[listener]\nmode = off\n",
     env_key_only,
     {"envkey0123456789", NULL, NULL},
     {"\n; shared_secret = <unset>\n", "\nuplinks = active\n", "\norganization_ids =\n",
      "\ntrigger_alert_types = failover_event, vpn_connectivity_change, cellular_down\n"}},
};

/* The dump hides every secret and loads again into the same configuration, and dumping that
 * gives the same text. */
static void test_dump(void **state)
{
    (void)state;
    char err[2048];

    for (size_t i = 0; i < sizeof dump_cases / sizeof dump_cases[0]; i++) {
        const dump_case *t = &dump_cases[i];
        config a, b;
        char *text = with_dir(t->text);
        test_env = t->env;
        print_message("case %zu\n", i);
        config_err rc = load_string(text, "t.conf", test_getenv, &a, err, sizeof err);
        if (rc != CONFIG_OK)
            print_message("%s", err);
        assert_int_equal(rc, CONFIG_OK);
        char *dump = config_dump(&a);
        assert_non_null(dump);
        print_message("%s", dump);
        for (size_t j = 0; j < 3 && t->secrets[j] != NULL; j++)
            assert_null(strstr(dump, t->secrets[j]));
        for (size_t j = 0; j < 4 && t->expect[j] != NULL; j++) {
            char *e = with_dir(t->expect[j]);
            assert_non_null(strstr(dump, e));
            free(e);
        }

        /* The dump as a file of its own (tests/io/test_config_load.c does this on disk). */
        rc = load_string(dump, "dump.conf", test_getenv, &b, err, sizeof err);
        if (rc != CONFIG_OK)
            print_message("%s", err);
        assert_int_equal(rc, CONFIG_OK);
        assert_string_equal(b.path, "dump.conf");
        /* A secret that was the file's own value comes back as the text "<redacted>". */
        bool same_secrets = a.api_key_source != CONFIG_SECRET_VALUE &&
                            a.shared_secret_source != CONFIG_SECRET_VALUE;
        assert_config_equal(&a, &b, same_secrets);
        char *dump2 = config_dump(&b);
        assert_non_null(dump2);
        assert_string_equal(after_first_line(dump), after_first_line(dump2));
        free(dump2);
        free(dump);
        config_free(&a);
        config_free(&b);
        free(text);
    }
    assert_null(config_dump(NULL));
}

/* The notify URL's path and query may be a token: the dump shows its scheme and host only,
 * and the command as it is. */
static void test_notify_dump(void **state)
{
    (void)state;
    char err[2048];
    config c;
    test_env = env_both;
    config_err rc = load_string("[listener]\nmode = off\n[notify]\ncommand = /bin/echo \"a b\"\n"
                                "url = https://hooks.slack.com/services/T0/B0/TOKEN123?x=SIG456\n",
                                "t.conf", test_getenv, &c, err, sizeof err);
    if (rc != CONFIG_OK)
        print_message("%s", err);
    assert_int_equal(rc, CONFIG_OK);
    char *dump = config_dump(&c);
    assert_non_null(dump);
    print_message("%s", dump);
    assert_null(strstr(dump, "TOKEN123"));
    assert_null(strstr(dump, "SIG456"));
    assert_non_null(strstr(dump, "\n[notify]\ncommand = /bin/echo \"a b\"\n"
                                 "url = https://hooks.slack.com/<redacted>\ntimeout_s = 10\n"));
    free(dump);
    config_free(&c);
}

/* ---- the example file ---------------------------------------------------------------------- */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    assert_true(n < (1 << 16) - 1);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The shipped example loads (once the listener is plain), holds every default, and mentions
 * every key the dump knows. */
static void test_example(void **state)
{
    (void)state;
    char err[2048];
    config c, dflt;
    /* Replace `mode = tls` by `mode = plain`, as an operator without certificates would. */
    char *text = read_all(EXAMPLE_PATH);
    char *mode = strstr(text, "\nmode = tls\n");
    assert_non_null(mode);
    size_t head = (size_t)(mode - text);
    char *patched = malloc(strlen(text) + 8);
    assert_non_null(patched);
    memcpy(patched, text, head);
    strcpy(patched + head, "\nmode = plain\n");
    strcat(patched, mode + strlen("\nmode = tls\n"));

    test_env = env_both;
    config_err rc = load_string(patched, "example", test_getenv, &c, err, sizeof err);
    if (rc != CONFIG_OK)
        print_message("%s", err);
    assert_int_equal(rc, CONFIG_OK);
    assert_int_equal(c.listener_mode, CONFIG_LISTENER_PLAIN);
    assert_string_equal(c.api_key_file, "/etc/tagfailover/api_key");
    assert_string_equal(c.shared_secret_file, "/etc/tagfailover/shared_secret");
    assert_int_equal(c.api_key_source, CONFIG_SECRET_ENV);

    /* Every value the example sets is the default (the paths of the secret files aside). */
    assert_int_equal(config_defaults(&dflt), CONFIG_OK);
    dflt.listener_mode = CONFIG_LISTENER_PLAIN;
    free(c.api_key_file);
    free(c.shared_secret_file);
    c.api_key_file = NULL;
    c.shared_secret_file = NULL;
    c.api_key_source = CONFIG_SECRET_UNSET;
    c.shared_secret_source = CONFIG_SECRET_UNSET;
    assert_config_equal(&c, &dflt, false);

    /* Every key of the dump appears in the example as "key =" (live or commented out). */
    char *dump = config_dump(&dflt);
    assert_non_null(dump);
    for (char *line = strtok(dump, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '[' || line[0] == '\0')
            continue;
        if (line[0] == ';') {
            if (strncmp(line, "; ", 2) != 0 || strstr(line, " = <") == NULL)
                continue;
            line += 2;
        }
        char *eq = strstr(line, " =");
        assert_non_null(eq);
        char key[64];
        snprintf(key, sizeof key, "%.*s =", (int)(eq - line), line);
        print_message("key %s\n", key);
        assert_non_null(strstr(text, key));
    }
    assert_non_null(strstr(text, "\n;[site london]\n;tracked_ip = "));
    assert_non_null(strstr(text, "\ncert_file = certs/server.crt\n"));
    assert_non_null(strstr(text, "\nkey_file = certs/server.key\n"));
    free(dump);
    config_free(&dflt);
    config_free(&c);
    free(patched);
    free(text);
}

/* ---- config_parse and its reader ------------------------------------------------------------ */

/* config_parse's own contract: the text is `len` bytes (NULs included), no reader means no
 * files, and missing arguments are refused with the output left empty. */
static void test_parse(void **state)
{
    static const char nul[] = "[listener]\nmode = off\nport = 1\0\n";
    static const char keyfile[] = "[dashboard]\napi_key_file = /etc/tagfailover/api_key\n"
                                  "[listener]\nmode = off\n";
    static const char cut[] = "[listener]\nmode = off\ngarbage";
    char err[1024];
    config c;

    (void)state;
    test_env = env_both;
    /* A NUL byte inside the text is a control character on its line. */
    memset(&c, 0x5a, sizeof c);
    assert_int_equal(
        config_parse(nul, sizeof nul - 1, "t.conf", test_getenv, NULL, &c, err, sizeof err),
        CONFIG_ERR_INVALID);
    assert_true(config_is_zero(&c));
    assert_string_equal(err, "t.conf:3: control character (byte 0x00) in line\n");

    /* Only `len` bytes are read: the line after them does not exist. */
    assert_int_equal(config_parse(cut, strlen(cut) - strlen("garbage"), "t.conf", test_getenv, NULL,
                                  &c, err, sizeof err),
                     CONFIG_OK);
    config_free(&c);

    /* No reader: there are no files. */
    test_env = env_none;
    assert_int_equal(
        config_parse(keyfile, strlen(keyfile), "t.conf", test_getenv, NULL, &c, err, sizeof err),
        CONFIG_ERR_INVALID);
    assert_string_equal(err, "t.conf:2: api_key_file: cannot read '/etc/tagfailover/api_key': "
                             "No such file or directory\n");

    /* A secret file exactly at the cap is read whole. */
    assert_int_equal(load_string("[dashboard]\napi_key_file = " TEST_DIR
                                 "/api_key_cap\n[listener]\nmode = off\n",
                                 "t.conf", test_getenv, &c, err, sizeof err),
                     CONFIG_OK);
    assert_int_equal(strlen(c.api_key), TF_SECRET_MAX_BYTES);
    assert_int_equal(c.api_key_source, CONFIG_SECRET_FILE);
    config_free(&c);

    memset(&c, 0x5a, sizeof c);
    assert_int_equal(config_parse(NULL, 0, "t.conf", test_getenv, NULL, &c, err, sizeof err),
                     CONFIG_ERR_INVALID);
    assert_true(config_is_zero(&c));
    memset(&c, 0x5a, sizeof c);
    assert_int_equal(config_parse("", 0, NULL, test_getenv, NULL, &c, err, sizeof err),
                     CONFIG_ERR_INVALID);
    assert_true(config_is_zero(&c));
    assert_int_equal(config_parse("", 0, "t.conf", test_getenv, NULL, NULL, err, sizeof err),
                     CONFIG_ERR_INVALID);
}

/* The reader over files in memory answers as the real one would. */
static void test_memory_reader(void **state)
{
    config_reader r = config_memory_reader(test_files);
    char buf[64];
    size_t n = 99;

    (void)state;
    assert_int_equal(r.read_file(r.ctx, TEST_DIR "/secret", buf, sizeof buf, &n), 0);
    assert_int_equal(n, strlen("file shared secret\n"));
    assert_memory_equal(buf, "file shared secret\n", n);
    /* At most `size` bytes: a longer file is cut, not refused. */
    assert_int_equal(r.read_file(r.ctx, TEST_DIR "/secret", buf, 4, &n), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "file", 4);
    assert_int_equal(r.read_file(r.ctx, TEST_DIR "/api_key_empty", buf, sizeof buf, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(r.read_file(r.ctx, TEST_DIR "/absent", buf, sizeof buf, &n), ENOENT);
    assert_int_equal(n, 0);
    assert_int_equal(r.read_file(r.ctx, TEST_DIR, buf, sizeof buf, &n), EISDIR);
    assert_int_equal(r.read_file(r.ctx, TEST_DIR "/unreadable", buf, sizeof buf, &n), EACCES);
    assert_int_equal(r.check_file(r.ctx, TEST_DIR "/cert.pem"), 0);
    assert_int_equal(r.check_file(r.ctx, TEST_DIR "/absent"), ENOENT);
    assert_int_equal(r.check_file(r.ctx, TEST_DIR), EISDIR);
    assert_int_equal(r.check_file(r.ctx, TEST_DIR "/unreadable"), EACCES);
    /* Paths are compared exactly: no normalisation. */
    assert_int_equal(r.check_file(r.ctx, TEST_DIR "//cert.pem"), ENOENT);
}

/* ---- CIDRs --------------------------------------------------------------------------------- */

typedef struct {
    const char *text;
    bool ok;
    int family;
    unsigned prefix;
} cidr_parse_case;

static const cidr_parse_case cidr_parse_cases[] = {
    {"203.0.113.0/24", true, AF_INET, 24},
    {"203.0.113.7", true, AF_INET, 32},
    {"0.0.0.0/0", true, AF_INET, 0},
    {"10.0.0.0/8", true, AF_INET, 8},
    {"10.0.0.1/32", true, AF_INET, 32},
    {"2001:db8::/32", true, AF_INET6, 32},
    {"::1", true, AF_INET6, 128},
    {"::/0", true, AF_INET6, 0},
    {"::ffff:10.0.0.0/104", true, AF_INET6, 104},
    {"fe80::/10", true, AF_INET6, 10},
    {"10.0.0.1/8", false, 0, 0},   /* host bits */
    {"10.128.0.0/8", false, 0, 0}, /* host bits in the prefix's own byte */
    {"10.0.0.0/9", true, AF_INET, 9},
    {"10.64.0.0/9", false, 0, 0},
    {"2001:db8::1/64", false, 0, 0}, /* host bits */
    {"10.0.0.0/33", false, 0, 0},
    {"::/129", false, 0, 0},
    {"10.0.0.0/", false, 0, 0},
    {"10.0.0.0/-1", false, 0, 0},
    {"10.0.0.0/08x", false, 0, 0},
    {"10.0.0.0/0008", false, 0, 0},
    {"10.0.0.0/8/8", false, 0, 0},
    {"10.0.0/8", false, 0, 0},
    {"", false, 0, 0},
    {"/8", false, 0, 0},
    {"example.com/8", false, 0, 0},
    {" 10.0.0.0/8", false, 0, 0},
    {"1234:5678:9abc:def0:1234:5678:9abc:def0:1234/128", false, 0, 0},
};

static void test_cidr_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cidr_parse_cases / sizeof cidr_parse_cases[0]; i++) {
        const cidr_parse_case *t = &cidr_parse_cases[i];
        config_cidr c;
        print_message("case %s\n", t->text);
        assert_int_equal(config_cidr_parse(t->text, &c), t->ok);
        if (t->ok) {
            assert_int_equal(c.family, t->family);
            assert_int_equal(c.prefix, t->prefix);
        }
    }
    config_cidr c;
    assert_false(config_cidr_parse(NULL, &c));
}

typedef struct {
    const char *cidr;
    const char *addr;
    bool inside;
} cidr_contains_case;

static const cidr_contains_case cidr_contains_cases[] = {
    {"10.0.0.0/8", "10.1.2.3", true},
    {"10.0.0.0/8", "11.0.0.0", false},
    {"10.0.0.0/8", "9.255.255.255", false},
    {"192.168.1.128/25", "192.168.1.200", true},
    {"192.168.1.128/25", "192.168.1.127", false},
    {"10.0.0.0/9", "10.127.255.255", true},
    {"10.0.0.0/9", "10.128.0.0", false},
    {"0.0.0.0/0", "203.0.113.9", true},
    {"203.0.113.7", "203.0.113.7", true},
    {"203.0.113.7", "203.0.113.8", false},
    {"2001:db8::/32", "2001:db8:ffff::1", true},
    {"2001:db8::/32", "2001:db9::1", false},
    {"2001:db8::/33", "2001:db8:7fff::1", true},
    {"2001:db8::/33", "2001:db8:8000::1", false},
    {"::/0", "::1", true},
    {"::1", "::1", true},
    /* an IPv4-mapped IPv6 address matches IPv4 ranges */
    {"10.0.0.0/8", "::ffff:10.9.8.7", true},
    {"10.0.0.0/8", "::ffff:11.9.8.7", false},
    {"0.0.0.0/0", "::ffff:1.2.3.4", true},
    /* but a plain IPv6 address never does, nor an IPv4-compatible one */
    {"0.0.0.0/0", "::1", false},
    {"0.0.0.0/0", "::10.9.8.7", false},
    {"10.0.0.0/8", "64:ff9b::10.9.8.7", false},
    /* and an IPv4 address is its mapped form to an IPv6 range */
    {"::ffff:10.0.0.0/104", "10.1.1.1", true},
    {"::ffff:10.0.0.0/104", "11.1.1.1", false},
    {"::/0", "127.0.0.1", true},
    {"2001:db8::/32", "127.0.0.1", false},
};

static void test_cidr_contains(void **state)
{
    (void)state;
    config_cidr list[2];
    for (size_t i = 0; i < sizeof cidr_contains_cases / sizeof cidr_contains_cases[0]; i++) {
        const cidr_contains_case *t = &cidr_contains_cases[i];
        config_cidr c;
        unsigned char a[16];
        int family = strchr(t->addr, ':') ? AF_INET6 : AF_INET;
        print_message("case %s in %s\n", t->addr, t->cidr);
        assert_true(config_cidr_parse(t->cidr, &c));
        assert_int_equal(inet_pton(family, t->addr, a), 1);
        assert_int_equal(config_cidr_contains(&c, family, a), t->inside);

        /* In a list, behind a range that never matches. */
        assert_true(config_cidr_parse("198.51.100.0/24", &list[0]));
        list[1] = c;
        config_cidr_list l = {list, 2};
        assert_int_equal(config_cidr_list_contains(&l, family, a), t->inside);
        config_cidr_list one = {list, 1};
        assert_false(config_cidr_list_contains(&one, family, a));
    }
    config_cidr_list empty = {NULL, 0};
    unsigned char a[4] = {10, 0, 0, 1};
    assert_false(config_cidr_list_contains(&empty, AF_INET, a));
    assert_false(config_cidr_list_contains(NULL, AF_INET, a));
}

/* ---- names --------------------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(config_log_level_name(CONFIG_LOG_DEBUG), "debug");
    assert_string_equal(config_log_level_name(CONFIG_LOG_INFO), "info");
    assert_string_equal(config_log_level_name(CONFIG_LOG_WARN), "warn");
    assert_string_equal(config_log_level_name(CONFIG_LOG_ERROR), "error");
    assert_string_equal(config_log_level_name((config_log_level)42), "unknown");
    for (int e = CONFIG_OK; e <= CONFIG_ERR_NOMEM + 1; e++)
        assert_non_null(config_strerror((config_err)e));
    assert_string_equal(config_strerror(CONFIG_ERR_NOMEM), "out of memory");
    assert_false(config_strs_contains(NULL, "x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_load_defaults),
        cmocka_unit_test(test_every_key),     cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_long_line),     cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_buffer),  cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_shared_secret), cmocka_unit_test(test_dump),
        cmocka_unit_test(test_notify_dump),   cmocka_unit_test(test_example),
        cmocka_unit_test(test_parse),         cmocka_unit_test(test_memory_reader),
        cmocka_unit_test(test_cidr_parse),    cmocka_unit_test(test_cidr_contains),
        cmocka_unit_test(test_names),         cmocka_unit_test(test_warnings),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
