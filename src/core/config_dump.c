/*
 * config_dump.c - the effective configuration as INI text, in the key table's order, with
 * every secret replaced by where it came from. The text loads again into the same
 * configuration (the secrets aside).
 */
#include "tagfailover/config.h"

#include <stdio.h>
#include <stdlib.h>

#include <arpa/inet.h>

#include "config_internal.h"
#include "tagfailover/notify_msg.h"

/* The shortest text of `d` that reads back as the same double: fixed notation ("30", "12.5")
 * for the values a configuration holds, exponent notation only for the absurdly small. */
static void config_format_double(double d, char *buf, size_t size)
{
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(buf, size, "%.*f", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
    snprintf(buf, size, "%.17g", d);
}

static void config_dump_cidrs(FILE *f, const config_cidr_list *l)
{
    char a[INET6_ADDRSTRLEN];
    for (size_t i = 0; i < l->n; i++) {
        const config_cidr *c = &l->v[i];
        if (inet_ntop(c->family, c->addr, a, sizeof a) == NULL)
            snprintf(a, sizeof a, "?");
        fprintf(f, "%s%s/%u", i ? ", " : "", a, c->prefix);
    }
}

static void config_dump_strs(FILE *f, const config_strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        fprintf(f, "%s%s", i ? ", " : "", l->v[i]);
}

/* A secret's line: live only when it came from the file's own value (so the dump loads
 * again); otherwise a comment saying where it came from. */
static void config_dump_secret(FILE *f, const char *name, config_secret_source source,
                               const char *env_name, const char *file_key)
{
    switch (source) {
    case CONFIG_SECRET_VALUE:
        fprintf(f, "%s = <redacted>\n", name);
        break;
    case CONFIG_SECRET_ENV:
        fprintf(f, "; %s = <redacted> (from %s)\n", name, env_name);
        break;
    case CONFIG_SECRET_FILE:
        fprintf(f, "; %s = <redacted> (read from %s)\n", name, file_key);
        break;
    case CONFIG_SECRET_UNSET:
        fprintf(f, "; %s = <unset>\n", name);
        break;
    }
}

char *config_dump(const config *c)
{
    char *buf = NULL;
    size_t size = 0;
    char num[64];
    FILE *f;

    if (c == NULL)
        return NULL;
    f = open_memstream(&buf, &size);
    if (f == NULL)
        return NULL;
    fprintf(f, "; effective configuration%s%s; secrets redacted\n", c->path ? " of " : "",
            c->path ? c->path : "");
    config_section section = SEC_NONE;
    for (int k = 0; k < K_COUNT; k++) {
        const config_key *key = &config_keys[k];
        const void *m = (const char *)c + key->offset;
        if (key->section != section) {
            section = key->section;
            fprintf(f, "%s[%s]\n", k ? "\n" : "", config_section_names[section]);
        }
        if (k == K_API_KEY) {
            config_dump_secret(f, "api_key", c->api_key_source, CONFIG_ENV_API_KEY, "api_key_file");
            continue;
        }
        if (k == K_SHARED_SECRET) {
            config_dump_secret(f, "shared_secret", c->shared_secret_source,
                               CONFIG_ENV_SHARED_SECRET, "shared_secret_file");
            continue;
        }
        fprintf(f, "%s =", key->name);
        switch (key->kind) {
        case KIND_URL:
        case KIND_FILE:
        case KIND_PATH:
        case KIND_ADDRESS:
        case KIND_WEBHOOK_PATH:
        case KIND_TAG:
        case KIND_PUBLIC_URL:
        case KIND_SECRET:
        case KIND_COMMAND:
            if (*(char *const *)m != NULL)
                fprintf(f, " %s", *(char *const *)m);
            break;
        case KIND_NOTIFY_URL:
            if (*(char *const *)m != NULL) {
                char shown[512];
                notify_msg_url_redact(*(char *const *)m, shown, sizeof shown);
                fprintf(f, " %s", shown);
            }
            break;
        case KIND_ORG_IDS:
        case KIND_ALERT_TYPES:
            if (((const config_strs *)m)->n > 0)
                fputc(' ', f);
            config_dump_strs(f, m);
            break;
        case KIND_UPLINKS:
            fputc(' ', f);
            if (c->uplinks_active)
                fputs("active", f);
            else
                config_dump_strs(f, &c->uplinks);
            break;
        case KIND_CIDRS:
            if (((const config_cidr_list *)m)->n > 0)
                fputc(' ', f);
            config_dump_cidrs(f, m);
            break;
        case KIND_DOUBLE:
            config_format_double(*(const double *)m, num, sizeof num);
            fprintf(f, " %s", num);
            break;
        case KIND_INT:
            fprintf(f, " %d", *(const int *)m);
            break;
        case KIND_LONG:
            fprintf(f, " %ld", *(const long *)m);
            break;
        case KIND_BOOL:
            fprintf(f, " %s", *(const bool *)m ? "true" : "false");
            break;
        case KIND_FAILBACK:
            fprintf(f, " %s", c->failback_auto ? "auto" : "manual");
            break;
        case KIND_BULK:
            fprintf(f, " %s", c->bulk_retag ? "auto" : "off");
            break;
        case KIND_EVIDENCE:
            fprintf(f, " %s", c->evidence_live ? "series, live" : "series");
            break;
        case KIND_SHARD:
            fprintf(f, " %u/%u", c->shard.index, c->shard.count);
            break;
        case KIND_MODE:
            fprintf(f, " %s", config_mode_names[c->listener_mode]);
            break;
        case KIND_LOG_FORMAT:
            fprintf(f, " %s", config_format_names[c->log_format]);
            break;
        case KIND_LOG_LEVEL:
            fprintf(f, " %s", config_log_level_name(c->log_level));
            break;
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < c->n_sites; i++)
        fprintf(f, "\n[site %s]\ntracked_ip = %s\n", c->sites[i].name,
                c->sites[i].tracked_ip ? c->sites[i].tracked_ip : "");
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return NULL;
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
