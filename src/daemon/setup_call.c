/*
 * setup_call.c - what the two halves of `tagfailover setup` (setup.c wires, setup_remove.c
 * unwires) share: API paths with escaped IDs, one API call with a readable failure, the list
 * of networks a run touches, and the receiver URL. See setup_int.h.
 */
#include "setup_int.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tagfailover/json.h"

/* Escapes one path segment (RFC 3986 pchar): server IDs are Base64 and may hold '/', which
 * must not split the path; '=' and '+' are legal in a segment and left as they are. */
static bool setup_seg(const char *s, char *buf, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~!$&'()*+,;=:@", *p) != NULL;
        if (o + (plain ? 1 : 3) >= size)
            return false;
        if (plain) {
            buf[o++] = (char)*p;
        } else {
            buf[o++] = '%';
            buf[o++] = hex[*p >> 4];
            buf[o++] = hex[*p & 15];
        }
    }
    buf[o] = '\0';
    return o > 0;
}

/* Builds "/networks/{net}{suffix}" or, with `arg`, "/networks/{net}{suffix}/{arg}", each ID
 * escaped as a path segment. */
bool setup_path(char *buf, size_t size, const char *net, const char *suffix, const char *arg)
{
    char a[SETUP_PATH_MAX / 3], b[SETUP_PATH_MAX / 3];

    if (!setup_seg(net, a, sizeof(a)) || (arg != NULL && !setup_seg(arg, b, sizeof(b))))
        return false;
    int n = snprintf(buf, size, "/networks/%s%s%s%s", a, suffix, arg != NULL ? "/" : "",
                     arg != NULL ? b : "");
    return n > 0 && (size_t)n < size;
}

/* One API call. `body` (may be NULL) is sent as JSON; the answer, when `answer` is not NULL,
 * is parsed into *answer (caller puts; NULL for an empty body). On failure `why` says what
 * went wrong, with the API's message. */
bool setup_call(setup_ctx *ctx, const char *org_id, const char *method, const char *path,
                struct json_object *body, struct json_object **answer, char *why, size_t why_size)
{
    char *resp = NULL;
    size_t len = 0;
    dash_error err = {0};
    bool ok = false;
    const char *text = NULL;

    if (answer != NULL)
        *answer = NULL;
    if (body != NULL) {
        text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
        if (text == NULL) {
            snprintf(why, why_size, "out of memory");
            goto out;
        }
    }
    dash_err de = dash_request(ctx->client, org_id, method, path, text, &resp, &len, &err);
    if (de != DASH_OK) {
        if (err.http_status > 0)
            snprintf(why, why_size, "%s %s: HTTP %ld: %s", method, path, err.http_status,
                     err.message[0] != '\0' ? err.message : dash_strerror(de));
        else
            snprintf(why, why_size, "%s %s: %s", method, path,
                     err.message[0] != '\0' ? err.message : dash_strerror(de));
        goto out;
    }
    if (answer != NULL && len > 0 && tfjson_parse(resp, len, answer) != TFJSON_OK) {
        snprintf(why, why_size, "%s %s: the answer is not JSON", method, path);
        goto out;
    }
    ok = true;
out:
    free(resp);
    return ok;
}

/* Prints a network's heading. */
void setup_print_net(setup_ctx *ctx, const setup_net *n)
{
    fprintf(ctx->out, "  network %s%s%s%s\n", n->id, n->name ? " (" : "", n->name ? n->name : "",
            n->name ? ")" : "");
}

/* Marks the network failed and prints why. */
void setup_fail(setup_ctx *ctx, setup_net *n, const char *step, const char *why)
{
    n->failed = true;
    fprintf(ctx->out, "    %s: FAILED: %s\n", step, why);
}

/* Adds a managed network to the run. */
setup_net *setup_net_add(setup_ctx *ctx, const char *org_id, const dj_network *net)
{
    if (ctx->n_nets == ctx->cap_nets) {
        size_t cap = ctx->cap_nets ? ctx->cap_nets * 2 : 16;
        setup_net *v = realloc(ctx->nets, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        ctx->nets = v;
        ctx->cap_nets = cap;
    }
    setup_net *n = &ctx->nets[ctx->n_nets];
    memset(n, 0, sizeof(*n));
    n->org_id = strdup(org_id);
    n->id = strdup(net->id);
    n->name = net->name != NULL ? strdup(net->name) : NULL;
    if (n->org_id == NULL || n->id == NULL || (net->name != NULL && n->name == NULL)) {
        free(n->org_id);
        free(n->id);
        free(n->name);
        return NULL;
    }
    ctx->n_nets++;
    return n;
}

/* This host's name, fully qualified when the resolver knows it (Meraki must reach it from the
 * internet, and a short name resolves nowhere). */
static bool setup_hostname(char *buf, size_t size)
{
    struct addrinfo hints, *res = NULL;

    if (gethostname(buf, size) != 0 || buf[0] == '\0')
        return false;
    buf[size - 1] = '\0';
    if (strchr(buf, '.') != NULL)
        return true;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_CANONNAME;
    if (getaddrinfo(buf, NULL, &hints, &res) == 0 && res != NULL && res->ai_canonname != NULL &&
        strchr(res->ai_canonname, '.') != NULL && strlen(res->ai_canonname) < size)
        snprintf(buf, size, "%s", res->ai_canonname);
    if (res != NULL)
        freeaddrinfo(res);
    return true;
}

/* Settles the receiver URL into buf, printing where it came from. Returns 0, or the usage
 * exit code 2 with a message on stderr. */
int setup_resolve_url(const config *cfg, const setup_options *opt, char *buf, size_t size,
                      FILE *out)
{
    char host[256];

    if (opt->url != NULL) {
        if (setup_check_url(opt->url) != SETUP_OK || strlen(opt->url) >= size) {
            fprintf(stderr, "tagfailover: setup: --url: %s\n", setup_strerror(SETUP_ERR_URL));
            return 2;
        }
        snprintf(buf, size, "%s", opt->url);
        fprintf(out, "receiver URL: %s (from --url)\n", buf);
    } else if (cfg->public_url != NULL && cfg->public_url[0] != '\0') {
        /* The URL Meraki reaches this listener at, whatever is in front of it. */
        if (setup_check_url(cfg->public_url) != SETUP_OK || strlen(cfg->public_url) >= size) {
            fprintf(stderr, "tagfailover: setup: [listener] public_url: %s\n",
                    setup_strerror(SETUP_ERR_URL));
            return 2;
        }
        snprintf(buf, size, "%s", cfg->public_url);
        fprintf(out, "receiver URL: %s (from [listener] public_url; --url overrides it)\n", buf);
    } else {
        if (cfg->listener_mode == CONFIG_LISTENER_OFF) {
            fprintf(stderr, "tagfailover: setup: [listener] mode is off, so there is no receiver "
                            "to point Meraki at; give --url URL\n");
            return 2;
        }
        if (!setup_hostname(host, sizeof(host)) ||
            setup_default_url(cfg, host, buf, size) != SETUP_OK) {
            fprintf(stderr, "tagfailover: setup: cannot build a receiver URL from this host's "
                            "name; give --url URL\n");
            return 2;
        }
        fprintf(out,
                "receiver URL: %s (built from this host's name, [listener] port and "
                "webhook_path; give --url to override)\n",
                buf);
        if (strchr(host, '.') == NULL)
            fprintf(out,
                    "note: this host's name \"%s\" has no domain, so Meraki cannot resolve "
                    "it: give --url with a public name\n",
                    host);
        if (cfg->listener_mode == CONFIG_LISTENER_PLAIN)
            fprintf(out, "note: [listener] mode is plain: if Meraki reaches the daemon through a "
                         "reverse proxy, give --url with the proxy's public https URL\n");
    }
    if (strncmp(buf, "https://", 8) != 0)
        fprintf(out, "note: Meraki delivers only to https URLs with a CA-signed certificate\n");
    return 0;
}
