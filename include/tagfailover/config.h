/*
 * config.h - the INI configuration (the README's "Configuration reference"): parse, default,
 * validate, dump.
 *
 * Core module: no I/O, no clock, no globals, no logging. config_parse takes the text of the
 * file; the files the text names (secret files to read, TLS and CA files to check) are
 * reached only through the config_reader the caller passes, and the environment only through
 * the `getenv` function it passes (NULL: none), so tests control both. Reading the file
 * itself from disk is config_load's job (config_load.h, an adapter).
 *
 * Errors are reported into the caller's buffer as `file:line: message` lines (or
 * `file: [section] key: message` for a required key that is missing); every problem found is
 * listed, one per line. Unknown sections and keys are errors.
 *
 * Relative paths (cert_file, key_file, api_key_file, shared_secret_file, ca_file) are used as
 * given, relative to the daemon's working directory.
 */
#ifndef TAGFAILOVER_CONFIG_H
#define TAGFAILOVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/shard.h"

#define CONFIG_DEFAULT_PATH "/etc/tagfailover/tagfailover.conf"

typedef enum {
    CONFIG_OK = 0,
    CONFIG_ERR_IO,      /* the file cannot be opened or read (config_load) */
    CONFIG_ERR_INVALID, /* a syntax, value or consistency error; see the message buffer */
    CONFIG_ERR_NOMEM,
} config_err;

/* An address range: an IPv4 or IPv6 CIDR (a bare address is a /32 or /128). Host bits set
 * after the prefix (10.0.0.1/8) are refused, not masked: in trusted_proxies a typo would
 * otherwise silently trust a whole range. */
typedef struct {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network-order bytes; the first 4 for IPv4 */
    unsigned prefix;        /* prefix length */
} config_cidr;

/* A list of CIDRs, heap-owned by the config. */
typedef struct {
    config_cidr *v;
    size_t n;
} config_cidr_list;

/* A list of strings, heap-owned by the config. */
typedef struct {
    char **v;
    size_t n;
} config_strs;

typedef enum {
    CONFIG_LISTENER_TLS = 0,
    CONFIG_LISTENER_PLAIN,
    CONFIG_LISTENER_OFF
} config_listener_mode;
typedef enum { CONFIG_LOG_JSON = 0, CONFIG_LOG_TEXT } config_log_format;
typedef enum {
    CONFIG_LOG_DEBUG = 0,
    CONFIG_LOG_INFO,
    CONFIG_LOG_WARN,
    CONFIG_LOG_ERROR
} config_log_level;

/* Where a resolved secret came from; check-config shows it, since an environment variable that
 * silently wins over the file is a classic surprise. */
typedef enum {
    CONFIG_SECRET_UNSET = 0, /* no value anywhere */
    CONFIG_SECRET_ENV,       /* MERAKI_DASHBOARD_API_KEY or TAGFAILOVER_SHARED_SECRET */
    CONFIG_SECRET_VALUE,     /* api_key / shared_secret in the file */
    CONFIG_SECRET_FILE,      /* read from api_key_file / shared_secret_file */
} config_secret_source;

/* One [site NAME] section. */
typedef struct {
    char *name;       /* the site, as in the pair tags */
    char *tracked_ip; /* its tracked IP (validated as an IPv4 or IPv6 address) */
} config_site;

/* The whole configuration. Strings are heap-owned; config_free releases them. */
typedef struct {
    char *path; /* the file it came from */

    /* [dashboard] */
    char *base_url;     /* default https://api.meraki.com/api/v1 */
    char *api_key;      /* resolved: env > api_key > api_key_file contents; secret */
    char *api_key_file; /* as configured (NULL when unset) */
    config_secret_source api_key_source; /* where api_key came from */
    config_strs organization_ids;        /* empty: every organization the key sees */
    double requests_per_second;          /* default 9 */
    int requests_burst;                  /* default 5 */
    double requests_per_second_total;    /* default 90: all organizations together (one
                                            source IP); not below requests_per_second */
    shard_spec shard;                    /* default 0/1: the organizations this replica handles */
    int data_lag_s;                      /* default 120; 0 allowed */
    int timeout_s;                       /* default 30 */
    int max_retries;                     /* default 5 (0 allowed) */
    char *ca_file;                       /* NULL when unset */

    /* [listener] */
    config_listener_mode listener_mode;        /* default tls */
    char *listener_address;                    /* default 0.0.0.0 */
    int listener_port;                         /* default 8443 */
    char *cert_file;                           /* default certs/server.crt */
    char *key_file;                            /* default certs/server.key */
    char *webhook_path;                        /* default /webhook; must start with '/' */
    char *shared_secret;                       /* resolved: env > shared_secret > file; secret */
    char *shared_secret_file;                  /* as configured (NULL when unset) */
    config_secret_source shared_secret_source; /* where shared_secret came from */
    config_cidr_list trusted_proxies;          /* empty: X-Forwarded-For never believed */
    config_cidr_list allowed_sources;          /* empty: any source */
    long max_body_bytes;                       /* default 65536, ceiling TF_WEBHOOK_BODY_CEILING */
    int max_connections;                       /* default 256 */
    int connection_timeout_s;                  /* default 10 */
    char *public_url; /* the https:// URL Meraki reaches this listener at; NULL when unset
                         (then live pings are polled, and setup needs --url) */

    /* [admin] */
    char *admin_address; /* default 127.0.0.1 */
    int admin_port;      /* default 9901; 0 = off */

    /* [failover] */
    double loss_threshold_pct;       /* default 30 */
    int detect_window_s;             /* default 300 */
    double failback_max_loss_pct;    /* default 0 */
    int clean_window_s;              /* default 300 */
    int reconcile_interval_s;        /* default 30 */
    int confirm_window_s;            /* default 180 */
    int confirm_interval_s;          /* default 5 */
    config_strs trigger_alert_types; /* default failover_event, vpn_connectivity_change,
                                        cellular_down */
    bool uplinks_active;             /* default true: `uplinks = active` */
    config_strs uplinks;             /* the configured list when !uplinks_active */
    char *hold_tag;                  /* default tagfailover_hold */
    bool require_backup_healthy;     /* default true */
    bool failback_auto;              /* default true: `failback = auto` */
    bool dry_run;                    /* default false */
    bool evidence_live;              /* default true: `evidence = series, live` */
    int live_ping_count;             /* default 5: packets per live ping (1..5) */
    int live_ping_timeout_s;         /* default 15 */
    int live_ping_interval_s;        /* default 30: at most one ping per network per interval */
    int live_ping_max_inflight;      /* default 5: per organization */
    bool vpn_status_hint;            /* default true */
    bool bulk_retag;                 /* default true: `bulk_retag = auto` (action batches) */

    /* [log] */
    config_log_format log_format; /* default json */
    config_log_level log_level;   /* default info */

    /* [notify] */
    char *notify_command; /* run once per retag (argv, no shell); NULL when unset */
    char *notify_url;     /* POSTed a JSON body once per retag; NULL when unset; its path and
                             query may hold a token: shown only as scheme and host */
    int notify_timeout_s; /* default 10: a command is killed, a POST cut off, after it */

    /* [site NAME] sections */
    config_site *sites;
    size_t n_sites;

    /* What check-config warns about and serve logs at start-up (a secret readable by others,
     * a listener off loopback): whole lines, `file:line: warning: ...`, in file order. */
    config_strs warnings;
} config;

/* What config_parse learns of a named file for its warnings, without opening it. */
typedef struct {
    unsigned mode;     /* permission bits (st_mode & 07777) */
    bool group_is_own; /* the file's group is one of this process's groups (a service's own
                          group may read its secrets) */
} config_file_info;

/* What a reader returns for a path that is neither a regular file nor a directory (a FIFO, a
 * socket, a device): such a file is refused, and never opened in a way that can block. */
#define CONFIG_FILE_NOT_REGULAR (-1)

/* Returns the environment variable `name`, or NULL. */
typedef const char *(*config_getenv_fn)(const char *name);

/* How config_parse reaches the files a configuration names: it reads api_key_file and
 * shared_secret_file, and checks that cert_file and key_file (mode = tls) and ca_file are
 * there to be read. config_load passes the real file system; tests and the fuzzer pass files
 * in memory (config_memory_reader).
 *
 * The functions return 0 or an errno value (or CONFIG_FILE_NOT_REGULAR), which config_parse
 * words with strerror, so a message reads the same whatever the reader: "cannot read 'x': No
 * such file or directory". read_file and check_file refuse what is not a regular file. */
typedef struct {
    /* Reads at most `size` bytes of the file at `path` into `buf` (not NUL-terminated) and
     * sets *n to how many it read. A longer file is not an error: config_parse asks for one
     * byte more than its cap to notice it. */
    int (*read_file)(const void *ctx, const char *path, char *buf, size_t size, size_t *n);
    /* 0 when `path` is a regular file this process can open for reading; else why not
     * (EISDIR for a directory). */
    int (*check_file)(const void *ctx, const char *path);
    /* 0 with *info filled when `path` (a named file, or the configuration file itself under
     * the name config_parse was given) can be looked at; else an errno value. NULL: nothing
     * is known of permissions and no warning is made about them. */
    int (*file_info)(const void *ctx, const char *path, config_file_info *info);
    const void *ctx; /* handed back to all three; borrowed */
} config_reader;

/* One file of a file system in memory, for config_memory_reader. */
typedef struct {
    const char *path; /* exactly as the configuration names it; NULL ends a table */
    const char *data; /* its contents, `len` bytes */
    size_t len;
    int err;       /* 0, or the errno value reading or checking it fails with (EISDIR, EACCES...,
                      or CONFIG_FILE_NOT_REGULAR) */
    unsigned mode; /* its permission bits for file_info (0: nothing to warn about) */
    bool group_is_own; /* for file_info */
} config_memfile;

/* Fills `c` with every default (the README's "Configuration reference"). Caller frees with
 * config_free. */
config_err config_defaults(config *c) __attribute__((warn_unused_result));

/* Parses and validates `len` bytes of INI text into `out` (zeroed first, defaults applied);
 * `name` is the file name messages and config.path carry. Environment overrides:
 * MERAKI_DASHBOARD_API_KEY, TAGFAILOVER_SHARED_SECRET. The files the text names are reached
 * through `files` (borrowed for the call; NULL: there are none, every one is ENOENT). On
 * error the messages go to `err` (one per line, NUL-terminated, truncated to errlen) and
 * `out` is left empty. On success the caller frees `out` with config_free. */
config_err config_parse(const char *text, size_t len, const char *name, config_getenv_fn getenv_fn,
                        const config_reader *files, config *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* A reader over `files`, a table ending with a NULL path: a path the table does not hold is
 * ENOENT. The table is borrowed and must outlive every use of the reader. */
config_reader config_memory_reader(const config_memfile *files);

/* Frees every member and zeroes the struct. NULL is a no-op. */
void config_free(config *c);

/* The effective configuration as INI text, secrets replaced by "<redacted>" (or "<unset>").
 * Caller frees; NULL when out of memory. */
char *config_dump(const config *c);

/* The configured tracked IP of `site`, or NULL when there is no [site NAME] section. */
const char *config_site_tracked_ip(const config *c, const char *site);

/* Parses "203.0.113.0/24", "2001:db8::/32" or a bare address. */
bool config_cidr_parse(const char *s, config_cidr *out);

/* True when the address (AF_INET: 4 bytes, AF_INET6: 16 bytes, network order) is inside the
 * CIDR. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 ranges. */
bool config_cidr_contains(const config_cidr *c, int family, const unsigned char *addr);

/* True when the address is inside any CIDR of the list. */
bool config_cidr_list_contains(const config_cidr_list *l, int family, const unsigned char *addr);

/* True when `s` is one of the list's strings. */
bool config_strs_contains(const config_strs *l, const char *s);

/* A message for an error code; never NULL. */
const char *config_strerror(config_err e);

/* Names used in dumps and logs. */
const char *config_log_level_name(config_log_level l);

#endif
