/*
 * notify.c - the notifier: a bounded queue, its thread, the command run under a deadline and
 * the POST. See notify.h.
 *
 * The command is started with posix_spawnp (no shell, safe in a threaded process), in a
 * process group of its own so that a timeout kills it and every child it started; its signal
 * mask and dispositions are reset (the daemon blocks SIGTERM, SIGINT and SIGHUP for sigwait and
 * ignores SIGPIPE, and a child would inherit both). stdin is /dev/null; stdout and stderr go to
 * one pipe that is always drained (the first TF_NOTIFY_OUTPUT_MAX bytes are kept for the
 * debug log), so a chatty command never blocks. Its environment is the daemon's without the
 * API key and shared secret variables, plus the event's TAGFAILOVER_* variables.
 */
#include "tagfailover/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "tagfailover/caps.h"
#include "tagfailover/log.h"
#include "tagfailover/metrics.h"

extern char **environ;

struct notify {
    char **argv; /* NULL: no command */
    char *url;   /* NULL: no URL */
    char url_shown[256];
    int timeout_s;

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;
    notify_msg_event *ring;
    size_t cap, head, count;
    bool stopping;
    uint64_t stop_deadline_ms; /* once stopping: queued events after it are dropped */
    pthread_t thread;
};

static uint64_t notify_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *notify_strerror(notify_err e)
{
    switch (e) {
    case NOTIFY_OK:
        return "success";
    case NOTIFY_ERR_INVALID:
        return "the notify command or timeout is not usable";
    case NOTIFY_ERR_NOMEM:
        return "out of memory";
    case NOTIFY_ERR_THREAD:
        return "cannot start the notifier's thread";
    }
    return "unknown error";
}

/* ---- the command ------------------------------------------------------------------------ */

/* True when an entry of the daemon's environment must not reach the command: a secret, or a
 * variable the event sets itself. */
static bool notify_env_hidden(const char *entry)
{
    static const char *const hidden[] = {
        "MERAKI_DASHBOARD_API_KEY=", "TAGFAILOVER_SHARED_SECRET=", NULL};
    for (size_t i = 0; hidden[i] != NULL; i++)
        if (strncmp(entry, hidden[i], strlen(hidden[i])) == 0)
            return true;
    /* Every TAGFAILOVER_ variable but the configuration's path is the event's to set. */
    return strncmp(entry, "TAGFAILOVER_", 12) == 0 &&
           strncmp(entry, "TAGFAILOVER_CONFIG=", 19) != 0;
}

/* The command's environment: a NULL-terminated array whose strings are borrowed from
 * `environ` and `own`. Caller frees the array only. */
static char **notify_envp(char **own, size_t n_own)
{
    size_t n = 0;
    for (char **e = environ; e != NULL && *e != NULL; e++)
        n++;
    char **v = calloc(n + n_own + 1, sizeof(*v));
    if (v == NULL)
        return NULL;
    size_t k = 0;
    for (char **e = environ; e != NULL && *e != NULL; e++)
        if (!notify_env_hidden(*e))
            v[k++] = *e;
    for (size_t i = 0; i < n_own; i++)
        v[k++] = own[i];
    return v;
}

/* Captured output: the first `cap` bytes, the count of the rest. */
typedef struct {
    char data[TF_NOTIFY_OUTPUT_MAX + 1];
    size_t len;
    size_t dropped;
} notify_output;

static void notify_output_add(notify_output *o, const char *buf, size_t n)
{
    size_t room = TF_NOTIFY_OUTPUT_MAX - o->len;
    size_t k = n < room ? n : room;
    memcpy(o->data + o->len, buf, k);
    o->len += k;
    o->data[o->len] = '\0';
    o->dropped += n - k;
}

/* The end of a channel's time starting now: timeout_s on, or `cap` when that is sooner. */
static uint64_t notify_deadline(const notify *n, uint64_t cap)
{
    uint64_t d = notify_now_ms() + (uint64_t)n->timeout_s * 1000u;
    return d < cap ? d : cap;
}

/* Runs the command for `ev`, killed at `cap` at the latest; true when it exited 0 within the
 * timeout. `why` says otherwise. */
static bool notify_run_command(notify *n, const notify_msg_event *ev, uint64_t cap,
                               notify_output *out, char *why, size_t why_len)
{
    size_t n_own = 0;
    char **own = notify_msg_env(ev, &n_own);
    char **envp = own != NULL ? notify_envp(own, n_own) : NULL;
    int pipefd[2] = {-1, -1};
    bool ok = false, attr_ok = false, fa_ok = false;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    pid_t pid = -1;

    if (envp == NULL) {
        snprintf(why, why_len, "out of memory");
        goto out;
    }
    if (pipe(pipefd) != 0 || fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) != 0) {
        char e[128];
        snprintf(why, why_len, "pipe: %s",
                 strerror_r(errno, e, sizeof(e)) == 0 ? e : "cannot make a pipe");
        goto out;
    }
    attr_ok = posix_spawnattr_init(&attr) == 0;
    fa_ok = posix_spawn_file_actions_init(&fa) == 0;
    sigset_t none, deflt;
    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGPIPE);
    sigaddset(&deflt, SIGTERM);
    sigaddset(&deflt, SIGINT);
    sigaddset(&deflt, SIGHUP);
    if (!attr_ok || !fa_ok ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF) != 0 ||
        posix_spawnattr_setpgroup(&attr, 0) != 0 || posix_spawnattr_setsigmask(&attr, &none) != 0 ||
        posix_spawnattr_setsigdefault(&attr, &deflt) != 0 ||
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2) != 0) {
        snprintf(why, why_len, "cannot prepare the command: out of memory");
        goto out;
    }
    int rc = posix_spawnp(&pid, n->argv[0], &fa, &attr, n->argv, envp);
    if (rc != 0) {
        char e[128];
        snprintf(why, why_len, "cannot run %s: %s", n->argv[0],
                 strerror_r(rc, e, sizeof(e)) == 0 ? e : "error");
        goto out;
    }
    close(pipefd[1]);
    pipefd[1] = -1;

    uint64_t deadline = notify_deadline(n, cap);
    bool capped = deadline == cap;
    bool eof = false, exited = false, timed_out = false;
    int status = 0;
    while (!(eof && exited)) {
        uint64_t now = notify_now_ms();
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        /* While the pipe is open, its data or EOF wakes us; after EOF, poll the exit. */
        uint64_t left = deadline - now;
        int wait_ms = eof ? 20 : (int)(left < 100 ? left : 100);
        if (!eof) {
            struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
            int pr = poll(&p, 1, wait_ms);
            if (pr > 0) {
                char buf[4096];
                ssize_t r = read(pipefd[0], buf, sizeof(buf));
                if (r > 0)
                    notify_output_add(out, buf, (size_t)r);
                else if (r == 0 || (errno != EINTR && errno != EAGAIN))
                    eof = true;
            }
        } else {
            poll(NULL, 0, wait_ms);
        }
        if (!exited) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid || (w < 0 && errno != EINTR))
                exited = true;
        }
    }
    if (timed_out) {
        /* The whole group: a script's own children (a curl, a sleep) go with it. */
        kill(-pid, SIGKILL);
        if (!exited)
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (capped)
            snprintf(why, why_len, "killed: the notifier is stopping");
        else
            snprintf(why, why_len, "killed after %d s (timeout_s)", n->timeout_s);
        goto out;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        ok = true;
    else if (WIFEXITED(status))
        snprintf(why, why_len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(why, why_len, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, why_len, "ended abnormally");
out:
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    free(envp);
    notify_msg_argv_free(own);
    return ok;
}

/* ---- the URL ---------------------------------------------------------------------------- */

typedef struct {
    notify_output *out;
    size_t total;
} notify_answer;

static size_t notify_on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    notify_answer *a = ud;
    size_t n = size * nmemb;
    if (a->total + n > TF_NOTIFY_RESPONSE_MAX)
        return 0; /* over the cap: curl ends the transfer (CURLE_WRITE_ERROR) */
    a->total += n;
    notify_output_add(a->out, ptr, n);
    return n;
}

/* POSTs the event's body, cut off at `cap` at the latest; true on a 2xx answer within the
 * timeout. */
static bool notify_post_url(notify *n, CURL *h, const notify_msg_event *ev, uint64_t cap,
                            notify_output *out, char *why, size_t why_len)
{
    char *body = notify_msg_body(ev);
    struct curl_slist *hdr = NULL, *l;
    notify_answer a = {.out = out};
    bool ok = false;
    char ua[64];

    if (body == NULL) {
        snprintf(why, why_len, "out of memory");
        return false;
    }
    snprintf(ua, sizeof(ua), "User-Agent: tagfailover/%s", TF_VERSION);
    const char *lines[] = {"Content-Type: application/json", ua, "Expect:"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if ((l = curl_slist_append(hdr, lines[i])) == NULL) {
            snprintf(why, why_len, "out of memory");
            goto out;
        }
        hdr = l;
    }
    uint64_t now = notify_now_ms(), deadline = notify_deadline(n, cap);
    if (deadline <= now) {
        snprintf(why, why_len, "not sent: the notifier is stopping");
        goto out;
    }
    long timeout_ms = (long)(deadline - now);
    curl_easy_reset(h);
    CURLcode rc = CURLE_OK;
#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    SETOPT(CURLOPT_URL, n->url);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, timeout_ms);
    SETOPT(CURLOPT_HTTPHEADER, hdr);
    SETOPT(CURLOPT_POSTFIELDS, body);
    SETOPT(CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    SETOPT(CURLOPT_WRITEFUNCTION, notify_on_body);
    SETOPT(CURLOPT_WRITEDATA, &a);
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)TF_NOTIFY_RESPONSE_MAX);
#undef SETOPT
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        /* curl's own words only: its error buffer may quote the URL, which holds a token. */
        snprintf(why, why_len, "%s",
                 rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED
                     ? "the answer is over the size cap"
                     : curl_easy_strerror(rc));
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300)
        ok = true;
    else
        snprintf(why, why_len, "answered HTTP %ld", code);
out:
    curl_slist_free_all(hdr);
    free(body);
    return ok;
}

/* ---- the thread ------------------------------------------------------------------------- */

/* The captured output of a channel, at debug. */
static void notify_log_output(const char *channel, const notify_msg_event *ev,
                              const notify_output *o)
{
    if (!log_enabled(LOG_DEBUG) || (o->len == 0 && o->dropped == 0))
        return;
    struct json_object *f = json_object_new_object();
    if (f == NULL)
        return;
    json_object_object_add(f, "channel", json_object_new_string(channel));
    json_object_object_add(f, "network_id", json_object_new_string(ev->network_id));
    json_object_object_add(f, "output", json_object_new_string_len(o->data, (int)o->len));
    json_object_object_add(f, "output_dropped_bytes", json_object_new_int64((int64_t)o->dropped));
    log_event(LOG_DEBUG, "notify_output", f);
}

static void notify_log_failed(notify *n, const char *channel, const notify_msg_event *ev,
                              const char *why)
{
    struct json_object *f = json_object_new_object();
    if (f == NULL)
        return;
    json_object_object_add(f, "channel", json_object_new_string(channel));
    if (strcmp(channel, "url") == 0)
        json_object_object_add(f, "url", json_object_new_string(n->url_shown));
    else
        json_object_object_add(f, "command", json_object_new_string(n->argv[0]));
    json_object_object_add(f, "retag", json_object_new_string(ev->event));
    json_object_object_add(f, "network_id", json_object_new_string(ev->network_id));
    json_object_object_add(f, "error", json_object_new_string(why));
    log_event(LOG_WARN, "notify_failed", f);
}

/* Delivers one event on every configured channel (each within timeout_s, and all by `cap`),
 * logs and counts it. */
static void notify_deliver(notify *n, CURL *h, const notify_msg_event *ev, uint64_t cap)
{
    bool all_ok = true;
    char why[256];
    if (n->argv != NULL) {
        notify_output *out = calloc(1, sizeof(*out));
        why[0] = '\0';
        bool ok = out != NULL && notify_run_command(n, ev, cap, out, why, sizeof(why));
        if (out == NULL)
            snprintf(why, sizeof(why), "out of memory");
        if (out != NULL)
            notify_log_output("command", ev, out);
        if (!ok)
            notify_log_failed(n, "command", ev, why);
        all_ok = all_ok && ok;
        free(out);
    }
    if (n->url != NULL) {
        notify_output *out = calloc(1, sizeof(*out));
        why[0] = '\0';
        bool ok = out != NULL && h != NULL && notify_post_url(n, h, ev, cap, out, why, sizeof(why));
        if (out == NULL || h == NULL)
            snprintf(why, sizeof(why), "out of memory");
        if (out != NULL)
            notify_log_output("url", ev, out);
        if (!ok)
            notify_log_failed(n, "url", ev, why);
        all_ok = all_ok && ok;
        free(out);
    }
    metrics_notification(all_ok ? METRICS_NOTIFY_OK : METRICS_NOTIFY_FAILED);
    if (all_ok)
        log_msg(LOG_DEBUG, "notify_sent", "%s of network %s", ev->event, ev->network_id);
}

static void *notify_main(void *arg)
{
    notify *n = arg;
    CURL *h = n->url != NULL ? curl_easy_init() : NULL;

    pthread_mutex_lock(&n->lock);
    for (;;) {
        while (n->count == 0 && !n->stopping)
            pthread_cond_wait(&n->wake, &n->lock);
        if (n->count == 0)
            break;
        if (n->stopping && notify_now_ms() >= n->stop_deadline_ms) {
            /* Shutting down and out of time: what is left is dropped, and counted. */
            size_t left = n->count;
            for (; n->count > 0; n->count--) {
                notify_msg_event_clear(&n->ring[n->head]);
                n->head = (n->head + 1) % n->cap;
                metrics_notification(METRICS_NOTIFY_DROPPED);
            }
            log_msg(LOG_WARN, "notify_dropped", "stopping: %zu notifications not sent", left);
            break;
        }
        /* Once stopping, what is still queued must be done by the stop's deadline. */
        uint64_t cap = n->stopping ? n->stop_deadline_ms : UINT64_MAX;
        notify_msg_event ev = n->ring[n->head];
        memset(&n->ring[n->head], 0, sizeof(n->ring[n->head]));
        n->head = (n->head + 1) % n->cap;
        n->count--;
        pthread_mutex_unlock(&n->lock);
        notify_deliver(n, h, &ev, cap);
        notify_msg_event_clear(&ev);
        pthread_mutex_lock(&n->lock);
    }
    pthread_mutex_unlock(&n->lock);
    if (h != NULL)
        curl_easy_cleanup(h);
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------------------- */

static void notify_destroy(notify *n)
{
    for (size_t i = 0; n->ring != NULL && i < n->cap; i++)
        notify_msg_event_clear(&n->ring[i]);
    free(n->ring);
    notify_msg_argv_free(n->argv);
    if (n->url != NULL)
        explicit_bzero(n->url, strlen(n->url));
    free(n->url);
    pthread_cond_destroy(&n->wake);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

notify_err notify_new(const notify_options *o, notify **out)
{
    *out = NULL;
    bool has_cmd = o->command != NULL && o->command[0] != '\0';
    bool has_url = o->url != NULL && o->url[0] != '\0';
    if (!has_cmd && !has_url)
        return NOTIFY_OK;
    if (o->timeout_s < 1)
        return NOTIFY_ERR_INVALID;
    notify *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return NOTIFY_ERR_NOMEM;
    pthread_mutex_init(&n->lock, NULL);
    pthread_cond_init(&n->wake, NULL);
    n->timeout_s = o->timeout_s;
    n->cap = o->queue_cap > 0 ? o->queue_cap : TF_NOTIFY_QUEUE_CAPACITY;
    n->ring = calloc(n->cap, sizeof(*n->ring));
    if (n->ring == NULL) {
        notify_destroy(n);
        return NOTIFY_ERR_NOMEM;
    }
    if (has_cmd) {
        size_t argc;
        if (notify_msg_argv_split(o->command, &n->argv, &argc) != NULL) {
            notify_destroy(n);
            return NOTIFY_ERR_INVALID;
        }
    }
    if (has_url) {
        n->url = strdup(o->url);
        if (n->url == NULL) {
            notify_destroy(n);
            return NOTIFY_ERR_NOMEM;
        }
        notify_msg_url_redact(n->url, n->url_shown, sizeof(n->url_shown));
    }
    if (pthread_create(&n->thread, NULL, notify_main, n) != 0) {
        notify_destroy(n);
        return NOTIFY_ERR_THREAD;
    }
    *out = n;
    return NOTIFY_OK;
}

void notify_post(notify *n, const notify_msg_event *ev)
{
    if (n == NULL)
        return;
    /* The copy is made before the lock: the lock is held for a struct assignment only. */
    notify_msg_event copy;
    if (!notify_msg_event_copy(&copy, ev)) {
        metrics_notification(METRICS_NOTIFY_DROPPED);
        log_msg(LOG_WARN, "notify_dropped", "network %s: out of memory", ev->network_id);
        return;
    }
    bool queued = false;
    pthread_mutex_lock(&n->lock);
    if (!n->stopping && n->count < n->cap) {
        n->ring[(n->head + n->count) % n->cap] = copy;
        n->count++;
        queued = true;
        pthread_cond_signal(&n->wake);
    }
    pthread_mutex_unlock(&n->lock);
    if (!queued) {
        metrics_notification(METRICS_NOTIFY_DROPPED);
        log_msg(LOG_WARN, "notify_dropped", "%s of network %s: %zu notifications already waiting",
                copy.event, copy.network_id, n->cap);
        notify_msg_event_clear(&copy);
    }
}

void notify_post_hook(void *n, const notify_msg_event *ev)
{
    notify_post(n, ev);
}

void notify_free(notify *n)
{
    if (n == NULL)
        return;
    pthread_mutex_lock(&n->lock);
    n->stopping = true;
    n->stop_deadline_ms = notify_now_ms() + (uint64_t)n->timeout_s * 1000u;
    pthread_cond_broadcast(&n->wake);
    pthread_mutex_unlock(&n->lock);
    pthread_join(n->thread, NULL);
    notify_destroy(n);
}
