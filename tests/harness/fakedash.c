/*
 * fakedash.c - the fake Dashboard's process and control API (see fakedash.h).
 */
#include "harness/fakedash.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario.h"

/* How long fakedash may take to print its first line. */
#define HARNESS_FAKEDASH_START_MS 10000

int harness_fakedash_start_in(const char *dir, const char *scenario_path,
                              struct harness_fakedash *fd)
{
    const char *bin = harness_env("FAKEDASH_BIN");
    const char *argv[12];
    char *made = NULL, *line;
    size_t n = 0;

    harness_init();
    memset(fd, 0, sizeof *fd);
    if (bin == NULL)
        return -1;
    if (dir == NULL) {
        made = harness_tmpdir_create();
        if (made == NULL)
            return -1;
        dir = made;
        fd->own_dir = 1;
    }
    snprintf(fd->dir, sizeof fd->dir, "%s", dir);
    free(made);
    if (snprintf(fd->unknown_log, sizeof fd->unknown_log, "%s/fakedash-unknown.log", fd->dir) >=
        (int)sizeof fd->unknown_log)
        goto fail;
    argv[n++] = bin;
    argv[n++] = "--port";
    argv[n++] = "0";
    if (scenario_path) {
        argv[n++] = "--scenario";
        argv[n++] = scenario_path;
    }
    argv[n++] = "--unknown-log";
    argv[n++] = fd->unknown_log;
    argv[n++] = "--quiet";
    argv[n] = NULL;
    if (harness_spawn(fd->dir, "fakedash", argv, NULL, &fd->proc) != 0)
        goto fail;
    fd->pid = fd->proc.pid;
    line = harness_first_line(&fd->proc, HARNESS_FAKEDASH_START_MS);
    if (line == NULL ||
        sscanf(line, "fakedash listening on 127.0.0.1:%d port2 %d", &fd->port, &fd->port2) != 2) {
        char *err = harness_read_file(fd->proc.stderr_path);

        fprintf(stderr, "harness: fakedash did not start: %s\n%s", line ? line : "(no line)",
                err ? err : "");
        free(err);
        free(line);
        harness_stop(fd->pid);
        goto fail;
    }
    free(line);
    snprintf(fd->root_url, sizeof fd->root_url, "http://127.0.0.1:%d", fd->port);
    snprintf(fd->base_url, sizeof fd->base_url, "http://127.0.0.1:%d/api/v1", fd->port);
    return 0;
fail:
    if (fd->own_dir)
        harness_tmpdir_remove(fd->dir);
    memset(fd, 0, sizeof *fd);
    return -1;
}

int harness_fakedash_start(const char *scenario_path, struct harness_fakedash *fd)
{
    return harness_fakedash_start_in(NULL, scenario_path, fd);
}

int harness_fakedash_stop(struct harness_fakedash *fd)
{
    int status, unknown = 0;
    char *text;

    if (fd->pid <= 0)
        return -1;
    status = harness_stop(fd->pid);
    fd->pid = fd->proc.pid = 0;
    text = harness_read_file(fd->unknown_log);
    if (text) {
        for (const char *p = text; *p; p++)
            unknown += *p == '\n';
        if (unknown)
            fprintf(stderr, "harness: fakedash got %d out-of-spec request(s):\n%s", unknown, text);
        free(text);
    } else {
        fprintf(stderr, "harness: cannot read %s\n", fd->unknown_log);
        unknown = -1;
    }
    if (status != 0) {
        char *err = harness_read_file(fd->proc.stderr_path);

        fprintf(stderr, "harness: fakedash exited with status %d\n%s", status, err ? err : "");
        free(err);
        unknown = -1;
    }
    if (fd->own_dir)
        harness_tmpdir_remove(fd->dir);
    fd->own_dir = 0;
    return unknown;
}

int harness_fakedash_group_setup(void **state)
{
    struct harness_fakedash *fd = calloc(1, sizeof *fd);

    harness_init();
    if (fd == NULL || harness_fakedash_start(NULL, fd) != 0) {
        free(fd);
        return -1;
    }
    *state = fd;
    return 0;
}

int harness_fakedash_group_teardown(void **state)
{
    struct harness_fakedash *fd = *state;
    int unknown = harness_fakedash_stop(fd);

    free(fd);
    if (unknown != 0) {
        fprintf(stderr, "fakedash reported %d unknown request(s) or a bad exit\n", unknown);
        return -1;
    }
    return 0;
}

int harness_fakedash_sample_setup(void **state)
{
    return harness_fakedash_scenario(*state, harness_scenario_sample);
}

/* Sends `method` base + `path` with `headers` and `body`; `resp` (or, when NULL, a local
 * answer that is freed) receives the answer. With `report`, an answer other than 200 is
 * printed. Returns the status (0: no answer). */
static long harness_fakedash_call(const char *base, const char *method, const char *path,
                                  const char *const headers[], const char *body,
                                  struct harness_response *resp, int report)
{
    char url[HARNESS_PATH_MAX];
    struct harness_response local;
    struct harness_response *r = resp ? resp : &local;
    long status;

    snprintf(url, sizeof url, "%s%s", base, path);
    harness_http(method, url, headers, body, NULL, r);
    status = r->status;
    if (report && status != 200 && status != 0)
        fprintf(stderr, "harness: control %s %s -> %ld %s\n", method, path, status,
                r->body ? r->body : "");
    if (report && status == 0)
        fprintf(stderr, "harness: control %s %s: %s\n", method, path, r->error);
    if (resp == NULL)
        harness_response_free(&local);
    return status;
}

long harness_control(const struct harness_fakedash *fd, const char *method, const char *path,
                     const char *json_body, struct harness_response *resp)
{
    return harness_fakedash_call(fd->root_url, method, path, NULL, json_body, resp, 1);
}

int harness_fakedash_scenario(const struct harness_fakedash *fd, const char *json)
{
    return harness_control(fd, "POST", "/_control/scenario", json, NULL) == 200 ? 0 : -1;
}

struct json_object *harness_control_json(const struct harness_fakedash *fd, const char *path)
{
    struct harness_response r;
    struct json_object *o = NULL;

    if (harness_control(fd, "GET", path, NULL, &r) == 200)
        o = harness_response_json(&r);
    harness_response_free(&r);
    return o;
}

struct json_object *harness_log(const struct harness_fakedash *fd)
{
    struct json_object *o = harness_control_json(fd, "/_control/log");

    if (o && !json_object_is_type(o, json_type_array)) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

/* True when log entry `e` is an API (non-control) request whose method is `method` (NULL:
 * any), whose path is `path` or, with `prefix`, starts with it (NULL: any), and whose answer
 * had `status` (0: any). */
static int harness_log_match(struct json_object *e, const char *method, const char *path,
                             int prefix, int status)
{
    struct json_object *v;
    const char *p = harness_json_str(e, "path");

    if (json_object_object_get_ex(e, "control", &v) && json_object_get_boolean(v))
        return 0;
    if (method != NULL && strcmp(harness_json_str(e, "method"), method) != 0)
        return 0;
    if (path != NULL && (prefix ? strncmp(p, path, strlen(path)) : strcmp(p, path)) != 0)
        return 0;
    return status == 0 ||
           (json_object_object_get_ex(e, "status", &v) && json_object_get_int(v) == status);
}

int harness_log_count(const struct harness_fakedash *fd, const char *method,
                      const char *path_prefix)
{
    struct json_object *log = harness_log(fd);
    int count = 0;

    if (log == NULL)
        return -1;
    for (size_t i = 0; i < json_object_array_length(log); i++)
        count += harness_log_match(json_object_array_get_idx(log, i), method, path_prefix, 1, 0);
    json_object_put(log);
    return count;
}

int harness_log_clear(const struct harness_fakedash *fd)
{
    return harness_control(fd, "DELETE", "/_control/log", NULL, NULL) == 200 ? 0 : -1;
}

struct json_object *harness_fakedash_tags(const struct harness_fakedash *fd, const char *network_id)
{
    struct json_object *nets = harness_control_json(fd, "/_control/networks"), *tags = NULL;

    for (size_t i = 0; nets && i < json_object_array_length(nets); i++) {
        struct json_object *n = json_object_array_get_idx(nets, i), *t;

        if (strcmp(harness_json_str(n, "id"), network_id) == 0 &&
            json_object_object_get_ex(n, "tags", &t)) {
            tags = json_object_get(t);
            break;
        }
    }
    json_object_put(nets);
    return tags;
}

long harness_controlf(const struct harness_fakedash *fd, const char *path, const char *fmt, ...)
{
    char body[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return harness_control(fd, "POST", path, body, NULL);
}

long harness_fakedash_api(const struct harness_fakedash *fd, const char *method, const char *path,
                          const char *body, struct harness_response *resp)
{
    static const char *const hdrs[] = {"Authorization: Bearer " HARNESS_API_KEY, NULL};

    return harness_fakedash_call(fd->base_url, method, path, hdrs, body, resp, 0);
}

long harness_fakedash_loss(const struct harness_fakedash *fd, const char *net, const char *ip,
                           const char *uplink, double pct, double from)
{
    char up[64] = "", value[32];

    if (uplink != NULL)
        snprintf(up, sizeof up, ",\"uplink\":\"%s\"", uplink);
    if (pct < 0)
        snprintf(value, sizeof value, "null");
    else
        snprintf(value, sizeof value, "%g", pct);
    return harness_controlf(
        fd, "/_control/loss",
        "{\"networkId\":\"%s\",\"ip\":\"%s\"%s,\"lossPercent\":%s,\"from\":%.3f}", net, ip, up,
        value, from);
}

long harness_fakedash_set_tags(const struct harness_fakedash *fd, const char *net,
                               const char *tags_json)
{
    return harness_controlf(fd, "/_control/tags", "{\"networkId\":\"%s\",\"tags\":%s}", net,
                            tags_json);
}

long harness_fakedash_fault(const struct harness_fakedash *fd, const char *kind, const char *method,
                            const char *path_prefix, int count, const char *extra)
{
    return harness_controlf(
        fd, "/_control/fault",
        "{\"kind\":\"%s\",\"method\":\"%s\",\"path_prefix\":\"%s\",\"count\":%d%s}", kind, method,
        path_prefix, count, extra != NULL ? extra : "");
}

const char *harness_fakedash_tags_text(const struct harness_fakedash *fd, const char *net,
                                       char *buf, size_t len)
{
    struct json_object *tags = harness_fakedash_tags(fd, net);

    snprintf(buf, len, "%s",
             tags != NULL ? json_object_to_json_string_ext(tags, JSON_C_TO_STRING_PLAIN) : "");
    json_object_put(tags);
    return buf;
}

int harness_fakedash_wait_tags(const struct harness_fakedash *fd, const char *net, const char *want,
                               int timeout_ms)
{
    char buf[4096];
    long long end = harness_now_ms() + timeout_ms;

    do {
        if (strcmp(harness_fakedash_tags_text(fd, net, buf, sizeof buf), want) == 0)
            return 0;
        harness_sleep_ms(HARNESS_POLL_MS);
    } while (harness_now_ms() < end);
    fprintf(stderr, "%s: tags %s, want %s\n", net, buf, want);
    return -1;
}

int harness_log_times(const struct harness_fakedash *fd, const char *method, const char *path,
                      int status, double *out, int max)
{
    struct json_object *log = harness_log(fd);
    int n = 0;

    if (log == NULL)
        return -1;
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        struct json_object *e = json_object_array_get_idx(log, i), *t;

        if (!harness_log_match(e, method, path, 0, status))
            continue;
        if (n < max && json_object_object_get_ex(e, "t", &t))
            out[n] = json_object_get_double(t);
        n++;
    }
    json_object_put(log);
    return n < max ? n : max;
}

int harness_fakedash_puts(const struct harness_fakedash *fd, const char *net)
{
    char path[128];

    snprintf(path, sizeof path, "/api/v1/networks/%s", net);
    return harness_log_count(fd, "PUT", path);
}

double harness_fakedash_first_put(const struct harness_fakedash *fd, const char *net)
{
    char path[128];
    double v[1];

    snprintf(path, sizeof path, "/api/v1/networks/%s", net);
    return harness_log_times(fd, "PUT", path, 200, v, 1) >= 1 ? v[0] : NAN;
}
