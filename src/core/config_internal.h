/*
 * config_internal.h - what the files of the config module share and nothing else includes:
 * the key table, the parser's state and its message functions. The public interface is
 * config.h.
 *
 * The module's files, one job each:
 *   config_keys.c   the table of every key, the defaults, freeing, names and accessors
 *   config_parse.c  INI text to a config: the line reader around libinih, sections, the
 *                   message collection, config_parse
 *   config_value.c  one `key = value` into its member, or the message saying why not
 *   config_cidr.c   IP addresses and CIDRs
 *   config_check.c  the checks that need the whole file: secrets, the files it names (through
 *                   the caller's config_reader; config_memory_reader serves files in memory),
 *                   keys that depend on each other
 *   config_dump.c   the effective configuration as INI text, secrets redacted
 */
#ifndef TAGFAILOVER_CONFIG_INTERNAL_H
#define TAGFAILOVER_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "tagfailover/caps.h"
#include "tagfailover/config.h"

/* Longest value quoted back in a message. */
#define CONFIG_QUOTE_MAX 64

#define CONFIG_ENV_API_KEY       "MERAKI_DASHBOARD_API_KEY"
#define CONFIG_ENV_SHARED_SECRET "TAGFAILOVER_SHARED_SECRET"

typedef enum {
    SEC_NONE = 0, /* before the first section header */
    SEC_DASHBOARD,
    SEC_LISTENER,
    SEC_ADMIN,
    SEC_FAILOVER,
    SEC_LOG,
    SEC_NOTIFY,
    SEC_SITE,
    SEC_IGNORED, /* an unknown or broken header, already reported: its keys are skipped */
    SEC_COUNT
} config_section;

/* How a key's value is read, checked, stored and dumped. */
typedef enum {
    KIND_URL,          /* char *: http(s)://host[:port][/path] */
    KIND_SECRET,       /* char *: empty = unset; never echoed */
    KIND_FILE,         /* char *: a path; empty = unset (NULL) */
    KIND_PATH,         /* char *: a path, required */
    KIND_ORG_IDS,      /* config_strs: may be empty */
    KIND_ALERT_TYPES,  /* config_strs: at least one */
    KIND_UPLINKS,      /* uplinks_active + uplinks */
    KIND_DOUBLE,       /* double in [min, max] (or (min, max] with min_exclusive) */
    KIND_INT,          /* int in [min, max] */
    KIND_LONG,         /* long in [min, max] */
    KIND_BOOL,         /* bool */
    KIND_MODE,         /* config_listener_mode */
    KIND_FAILBACK,     /* bool failback_auto: auto | manual */
    KIND_LOG_FORMAT,   /* config_log_format */
    KIND_LOG_LEVEL,    /* config_log_level */
    KIND_ADDRESS,      /* char *: an IPv4 or IPv6 address, stored canonical */
    KIND_WEBHOOK_PATH, /* char *: an absolute URL path */
    KIND_CIDRS,        /* config_cidr_list: may be empty */
    KIND_TAG,          /* char *: a Meraki tag that is not a pair tag */
    KIND_PUBLIC_URL,   /* char *: an https:// URL, or empty (NULL) */
    KIND_EVIDENCE,     /* bool evidence_live: `series` or `series, live` */
    KIND_BULK,         /* bool bulk_retag: auto | off */
    KIND_SHARD,        /* shard_spec: i/N */
    KIND_COMMAND,      /* char *: an argv line (notify_argv_split's quoting); empty = unset */
    KIND_NOTIFY_URL,   /* char *: an http(s) URL that may hold a token; empty = unset; dumped
                          as its scheme and host only */
} config_kind;

/* Every key of every fixed section, in the order the dump prints them. */
typedef enum {
    K_BASE_URL,
    K_API_KEY,
    K_API_KEY_FILE,
    K_ORGANIZATION_IDS,
    K_REQUESTS_PER_SECOND,
    K_REQUESTS_BURST,
    K_REQUESTS_PER_SECOND_TOTAL,
    K_SHARD,
    K_DATA_LAG_S,
    K_TIMEOUT_S,
    K_MAX_RETRIES,
    K_CA_FILE,
    K_MODE,
    K_LISTENER_ADDRESS,
    K_LISTENER_PORT,
    K_CERT_FILE,
    K_KEY_FILE,
    K_WEBHOOK_PATH,
    K_SHARED_SECRET,
    K_SHARED_SECRET_FILE,
    K_TRUSTED_PROXIES,
    K_ALLOWED_SOURCES,
    K_MAX_BODY_BYTES,
    K_MAX_CONNECTIONS,
    K_CONNECTION_TIMEOUT_S,
    K_PUBLIC_URL,
    K_ADMIN_ADDRESS,
    K_ADMIN_PORT,
    K_LOSS_THRESHOLD_PCT,
    K_DETECT_WINDOW_S,
    K_FAILBACK_MAX_LOSS_PCT,
    K_CLEAN_WINDOW_S,
    K_RECONCILE_INTERVAL_S,
    K_CONFIRM_WINDOW_S,
    K_CONFIRM_INTERVAL_S,
    K_TRIGGER_ALERT_TYPES,
    K_UPLINKS,
    K_HOLD_TAG,
    K_REQUIRE_BACKUP_HEALTHY,
    K_FAILBACK,
    K_DRY_RUN,
    K_EVIDENCE,
    K_LIVE_PING_COUNT,
    K_LIVE_PING_TIMEOUT_S,
    K_LIVE_PING_INTERVAL_S,
    K_LIVE_PING_MAX_INFLIGHT,
    K_VPN_STATUS_HINT,
    K_BULK_RETAG,
    K_LOG_FORMAT,
    K_LOG_LEVEL,
    K_NOTIFY_COMMAND,
    K_NOTIFY_URL,
    K_NOTIFY_TIMEOUT_S,
    K_COUNT
} config_key_id;

typedef struct {
    config_section section;
    const char *name;
    config_kind kind;
    size_t offset;      /* of the member in `config` */
    double min, max;    /* numeric kinds: the accepted range */
    bool min_exclusive; /* the range is (min, max] */
} config_key;

/* Every key of every fixed section (config_keys.c), and the names of sections and choices. */
extern const config_key config_keys[K_COUNT];
extern const char *const config_section_names[SEC_COUNT];
extern const char *const config_mode_names[];   /* by config_listener_mode, NULL-terminated */
extern const char *const config_format_names[]; /* by config_log_format, NULL-terminated */
extern const char *const config_level_names[];  /* by config_log_level, NULL-terminated */
extern const char *const config_failback_names[];
extern const char *const config_bulk_names[];   /* auto, manual; NULL-terminated */
extern const char *const config_uplink_names[]; /* wan1, wan2, wan3, cellular; NULL-terminated */

/* One collected message. */
typedef struct {
    int line;   /* 0 for a message about a missing key (sorted last) */
    size_t seq; /* arrival order, to keep the sort stable */
    char *text; /* the whole line, without newline */
} config_msg;

/* The state of one config_parse. */
typedef struct {
    const char *name;           /* file name for messages */
    config_getenv_fn getenv_fn; /* may be NULL */
    const config_reader *files; /* the files the text names (never NULL) */
    config *c;                  /* being filled */
    const char *text;           /* the input, `len` bytes (NULs are reported) */
    size_t len;
    size_t pos;                        /* next unread byte */
    int lineno;                        /* line being handed to libinih */
    char line[TF_CONFIG_MAX_LINE + 1]; /* the current line, normalized in place */
    const char *long_value;            /* the value of a line too long for libinih's buffer */
    bool expect_key;                   /* the current line must reach the handler */
    bool key_seen;                     /* ...and it did */
    config_section section;            /* the section being read */
    int section_line[SEC_COUNT];       /* where each fixed section started (0: absent) */
    int site_line;                     /* where the current [site NAME] started */
    int *site_lines;                   /* header line of each site, parallel to c->sites */
    size_t sites_cap;
    int site_ip_line;      /* where the current site's tracked_ip was set */
    int key_line[K_COUNT]; /* where each key was set (0: defaulted) */
    bool key_bad[K_COUNT]; /* the key's value was refused */
    config_msg *msgs;
    size_t n_msgs, msgs_cap;
    size_t dropped; /* messages past CONFIG_MAX_ERRORS */
    bool nomem;
} config_parser;

/* ---- config_keys.c ---- */

/* The known key of section `sec` nearest to `name` ("did you mean"); NULL when none is near. */
const char *config_key_suggest(config_section sec, const char *name);

/* The fixed section other than `sec` that has a key called exactly `name`; SEC_NONE when
 * none has. */
config_section config_key_home(config_section sec, const char *name);

/* The section name nearest to `name` (`site` among them); NULL when none is near. */
const char *config_section_suggest(const char *name);

/* Frees a list's items and the list, and empties it. */
void config_strs_free(config_strs *l);
void config_cidrs_free(config_cidr_list *l);

/* ---- config_parse.c: messages ---- */

/* strerror_r into a caller's buffer. */
const char *config_errno_text(int errnum, char *buf, size_t size);

/* strdup that records running out of memory in the parser. */
char *config_strdup(config_parser *p, const char *s);

/* Quotes at most CONFIG_QUOTE_MAX bytes of a value for a message. */
const char *config_quote(const char *v, char *buf, size_t size);

/* Reports a problem on a line: `file:line: message`. */
void config_error(config_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports a problem about a key on its line when it was set (`file:line: key: message`),
 * else on its section's header line, else as `file: [section] key: message`. */
void config_key_error(config_parser *p, config_key_id k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports a problem about a key as `file: [section] key: message`, whatever its line. */
void config_keyless_error(config_parser *p, config_key_id k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- config_value.c ---- */

/* Reads one value into its member; reports and returns false when refused. */
bool config_set(config_parser *p, config_key_id k, const char *value);

/* True when every byte is printable ASCII other than a blank (an API key goes into a header). */
bool config_is_token(const char *s);

/* True when no byte is a control character (blanks and UTF-8 are fine). */
bool config_no_controls(const char *s);

/* A site name as in a pair tag: 1..64 of [A-Za-z0-9._-]. */
bool config_site_name_valid(const char *s);

/* ---- config_cidr.c ---- */

/* Canonical text of an IPv4 or IPv6 address; false when `v` is neither. */
bool config_address_canonical(const char *v, char *buf, size_t size);

/* Parses a CIDR; returns NULL or why not. */
const char *config_cidr_problem(const char *s, config_cidr *out);

/* ---- config_check.c ---- */

/* The checks that need the whole file: secrets, readable files, keys that depend on others. */
void config_check(config_parser *p);

#endif
