/*
 * harness.c - integration-test helpers (see harness.h).
 */
#define _GNU_SOURCE /* environ, nftw's FTW_DEPTH/FTW_PHYS */

#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Largest response body harness_http keeps, and the largest file read. */
#define HARNESS_MAX_BODY ((size_t)512 * 1024 * 1024)
#define HARNESS_MAX_FILE ((size_t)256 * 1024 * 1024)
/* Most environment entries a child gets. */
#define HARNESS_MAX_ENV 4096
/* How long fakedash may take to print its first line. */
#define HARNESS_FAKEDASH_START_MS 10000

static pthread_once_t harness_once = PTHREAD_ONCE_INIT;

static void harness_init_once(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void harness_init(void)
{
    pthread_once(&harness_once, harness_init_once);
}

const char *harness_env(const char *name)
{
    const char *v = getenv(name);

    if (v == NULL || *v == '\0') {
        fprintf(stderr, "harness: environment variable %s is not set (run through ctest)\n", name);
        return NULL;
    }
    return v;
}

/* ---- time ---- */

void harness_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

long long harness_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- temp dirs and files ---- */

char *harness_tmpdir_create(void)
{
    const char *base = getenv("TMPDIR");
    char path[HARNESS_PATH_MAX];
    char *out;

    if (base == NULL || *base == '\0')
        base = "/tmp";
    if (snprintf(path, sizeof path, "%s/tf-it-XXXXXX", base) >= (int)sizeof path)
        return NULL;
    if (mkdtemp(path) == NULL) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", path, strerror(errno));
        return NULL;
    }
    out = realpath(path, NULL);
    return out ? out : strdup(path);
}

static int harness_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0)
        fprintf(stderr, "harness: remove %s: %s\n", path, strerror(errno));
    return 0;
}

int harness_tmpdir_remove(const char *path)
{
    struct stat sb;

    if (path == NULL || *path == '\0' || strcmp(path, "/") == 0)
        return -1;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    nftw(path, harness_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return lstat(path, &sb) == 0 ? -1 : 0;
}

char *harness_read_file_len(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 4096, n = 0;
    char *buf;

    if (fd < 0)
        return NULL;
    buf = malloc(cap);
    while (buf) {
        ssize_t r;

        if (n + 1 >= cap) {
            char *nb = cap * 2 > HARNESS_MAX_FILE ? NULL : realloc(buf, cap * 2);

            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = n;
    }
    return buf;
}

char *harness_read_file(const char *path)
{
    return harness_read_file_len(path, NULL);
}

int harness_write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(text), off = 0;

    if (fd < 0) {
        fprintf(stderr, "harness: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd) == 0 ? 0 : -1;
}

int harness_file_count(const char *path, const char *needle)
{
    char *text = harness_read_file(path);
    int count = 0;

    if (text == NULL || *needle == '\0') {
        free(text);
        return 0;
    }
    for (const char *p = strstr(text, needle); p; p = strstr(p + strlen(needle), needle))
        count++;
    free(text);
    return count;
}

int harness_wait_file_contains(const char *path, const char *needle, int timeout_ms)
{
    long long deadline = harness_now_ms() + timeout_ms;

    for (;;) {
        if (harness_file_count(path, needle) > 0)
            return 0;
        if (harness_now_ms() >= deadline)
            return -1;
        harness_sleep_ms(20);
    }
}

/* ---- processes ---- */

/* Builds the child's environment: ours, changed by `env`. Returns a malloc'd array of
 * borrowed strings (free the array only). */
static char **harness_build_env(const char *const env[])
{
    char **out = calloc(HARNESS_MAX_ENV + 1, sizeof *out);
    size_t n = 0;

    if (out == NULL)
        return NULL;
    for (char **e = environ; *e && n < HARNESS_MAX_ENV; e++) {
        int replaced = 0;

        for (size_t i = 0; env && env[i]; i++) {
            size_t klen = strcspn(env[i], "=");

            if (strncmp(*e, env[i], klen) == 0 && (*e)[klen] == '=')
                replaced = 1;
        }
        if (!replaced)
            out[n++] = *e;
    }
    for (size_t i = 0; env && env[i] && n < HARNESS_MAX_ENV; i++)
        if (strchr(env[i], '='))
            out[n++] = (char *)env[i];
    out[n] = NULL;
    return out;
}

int harness_spawn(const char *dir, const char *name, const char *const argv[],
                  const char *const env[], struct harness_proc *out)
{
    char **envp;
    int fd_out, fd_err, fd_null;
    pid_t parent = getpid(), pid;

    memset(out, 0, sizeof *out);
    if (snprintf(out->stdout_path, sizeof out->stdout_path, "%s/%s.stdout", dir, name) >=
            (int)sizeof out->stdout_path ||
        snprintf(out->stderr_path, sizeof out->stderr_path, "%s/%s.stderr", dir, name) >=
            (int)sizeof out->stderr_path)
        return -1;
    envp = harness_build_env(env);
    fd_out = open(out->stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    fd_err = open(out->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    fd_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (envp == NULL || fd_out < 0 || fd_err < 0 || fd_null < 0) {
        fprintf(stderr, "harness: spawn %s: cannot set up files: %s\n", argv[0], strerror(errno));
        goto fail;
    }
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "harness: fork: %s\n", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        /* Child: only async-signal-safe calls until execve. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        if (dup2(fd_null, 0) < 0 || dup2(fd_out, 1) < 0 || dup2(fd_err, 2) < 0)
            _exit(127);
        execve(argv[0], (char *const *)argv, envp);
        {
            static const char msg[] = "harness: execve failed\n";
            ssize_t ignored = write(2, msg, sizeof msg - 1);

            (void)ignored;
        }
        _exit(127);
    }
    out->pid = pid;
    free(envp);
    close(fd_out);
    close(fd_err);
    close(fd_null);
    return 0;
fail:
    free(envp);
    if (fd_out >= 0)
        close(fd_out);
    if (fd_err >= 0)
        close(fd_err);
    if (fd_null >= 0)
        close(fd_null);
    return -1;
}

/* Whether pid has exited, without reaping it (so harness_wait_exit still sees its status). */
static int harness_exited(pid_t pid)
{
    siginfo_t info;

    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return info.si_pid == pid;
}

char *harness_first_line(const struct harness_proc *proc, int timeout_ms)
{
    long long deadline = harness_now_ms() + timeout_ms;

    for (;;) {
        char *text = harness_read_file(proc->stdout_path);
        char *nl = text ? strchr(text, '\n') : NULL;
        int gone;

        if (nl) {
            *nl = '\0';
            return text;
        }
        free(text);
        gone = harness_exited(proc->pid);
        if (gone || harness_now_ms() >= deadline) {
            /* One last look: the line may have landed just before the exit. */
            text = harness_read_file(proc->stdout_path);
            nl = text ? strchr(text, '\n') : NULL;
            if (nl) {
                *nl = '\0';
                return text;
            }
            free(text);
            fprintf(stderr, "harness: no first line from pid %d (%s)\n", (int)proc->pid,
                    gone ? "it exited" : "timeout");
            return NULL;
        }
        harness_sleep_ms(10);
    }
}

int harness_wait_exit(pid_t pid, int timeout_ms)
{
    long long deadline = harness_now_ms() + timeout_ms;

    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid) {
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
            return -1;
        }
        if (r < 0 && errno != EINTR)
            return -1;
        if (harness_now_ms() >= deadline)
            return -1;
        harness_sleep_ms(10);
    }
}

int harness_stop(pid_t pid)
{
    int status;

    if (pid <= 0)
        return -1;
    if (kill(pid, SIGTERM) != 0 && errno != ESRCH)
        return -1;
    status = harness_wait_exit(pid, 5000);
    if (status >= 0)
        return status;
    fprintf(stderr, "harness: pid %d ignored SIGTERM for 5 s; killing it\n", (int)pid);
    kill(pid, SIGKILL);
    return harness_wait_exit(pid, 5000);
}

/* ---- ports ---- */

int harness_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port = -1;

    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int harness_wait_port(int port, int timeout_ms)
{
    long long deadline = harness_now_ms() + timeout_ms;

    for (;;) {
        struct sockaddr_in a;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int ok;

        if (fd < 0)
            return -1;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return 0;
        if (harness_now_ms() >= deadline)
            return -1;
        harness_sleep_ms(20);
    }
}

/* ---- HTTP client ---- */

struct harness_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int overflow;
};

static int harness_buf_add(struct harness_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->max) {
        b->overflow = 1;
        return -1;
    }
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        char *nd;

        while (ncap < b->len + n + 1)
            ncap *= 2;
        nd = realloc(b->data, ncap);
        if (nd == NULL)
            return -1;
        b->data = nd;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static size_t harness_on_body(char *p, size_t size, size_t n, void *ud)
{
    return harness_buf_add(ud, p, size * n) == 0 ? size * n : 0;
}

static size_t harness_on_header(char *p, size_t size, size_t n, void *ud)
{
    struct harness_buf *b = ud;

    /* Keep only the final response's headers: a new status line starts over. */
    if (size * n >= 5 && strncmp(p, "HTTP/", 5) == 0)
        b->len = 0;
    return harness_buf_add(b, p, size * n) == 0 ? size * n : 0;
}

static int harness_has_header(const char *const headers[], const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], name, len) == 0 && headers[i][len] == ':')
            return 1;
    return 0;
}

int harness_http(const char *method, const char *url, const char *const headers[], const char *body,
                 const struct harness_http_opts *opts, struct harness_response *resp)
{
    static const struct harness_http_opts none = {0};
    struct harness_buf bb = {0}, hb = {0};
    struct curl_slist *hl = NULL, *resolve = NULL;
    const char *bptr = body;
    size_t blen = body ? strlen(body) : 0;
    CURLcode cc;
    CURL *c;

    harness_init();
    memset(resp, 0, sizeof *resp);
    if (opts == NULL)
        opts = &none;
    if (opts->body_ptr) {
        bptr = opts->body_ptr;
        blen = opts->body_len;
    }
    c = curl_easy_init();
    if (c == NULL) {
        snprintf(resp->error, sizeof resp->error, "curl_easy_init failed");
        return -1;
    }
    bb.max = HARNESS_MAX_BODY;
    hb.max = 1024 * 1024;
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (bptr && !harness_has_header(headers, "Content-Type"))
        hl = curl_slist_append(hl, "Content-Type: application/json");
    if (!harness_has_header(headers, "Expect"))
        hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (bptr) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, bptr);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, harness_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, opts->timeout_ms > 0 ? opts->timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, resp->error);
    if (opts->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_file);
    if (opts->client_cert)
        curl_easy_setopt(c, CURLOPT_SSLCERT, opts->client_cert);
    if (opts->client_key)
        curl_easy_setopt(c, CURLOPT_SSLKEY, opts->client_key);
    if (opts->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (opts->resolve) {
        resolve = curl_slist_append(NULL, opts->resolve);
        curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    }
    cc = curl_easy_perform(c);
    resp->curl_code = (int)cc;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &resp->total_s);
    if (cc != CURLE_OK && resp->error[0] == '\0')
        snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(cc));
    if (bb.overflow)
        snprintf(resp->error, sizeof resp->error, "response body over %zu bytes",
                 (size_t)HARNESS_MAX_BODY);
    resp->body = bb.data ? bb.data : strdup("");
    resp->len = bb.len;
    resp->headers = hb.data ? hb.data : strdup("");
    curl_slist_free_all(hl);
    curl_slist_free_all(resolve);
    curl_easy_cleanup(c);
    return cc == CURLE_OK ? 0 : -1;
}

void harness_response_free(struct harness_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    free(resp->headers);
    memset(resp, 0, sizeof *resp);
}

const char *harness_header(const struct harness_response *resp, const char *name, char *buf,
                           size_t size)
{
    size_t nlen = strlen(name);
    const char *p = resp->headers;

    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t llen = eol ? (size_t)(eol - p) : strlen(p);

        if (llen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            size_t vlen = llen - nlen - 1;

            while (vlen && (*v == ' ' || *v == '\t')) {
                v++;
                vlen--;
            }
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (size == 0)
                return NULL;
            if (vlen >= size)
                vlen = size - 1;
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            return buf;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

struct json_object *harness_response_json(const struct harness_response *resp)
{
    struct json_tokener *tok;
    struct json_object *o;

    if (resp->body == NULL)
        return NULL;
    tok = json_tokener_new();
    if (tok == NULL)
        return NULL;
    o = json_tokener_parse_ex(tok, resp->body, (int)resp->len);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

double harness_metric(const char *base_url, const char *series)
{
    char url[HARNESS_PATH_MAX];
    struct harness_response r;
    size_t n = strlen(series);
    double v = -1;

    snprintf(url, sizeof url, "%s/metrics", base_url);
    if (harness_http("GET", url, NULL, NULL, NULL, &r) == 0 && r.status == 200 && r.body) {
        for (const char *p = r.body; p != NULL && *p != '\0';) {
            if (strncmp(p, series, n) == 0 && p[n] == ' ') {
                v = strtod(p + n + 1, NULL);
                break;
            }
            p = strchr(p, '\n');
            if (p != NULL)
                p++;
        }
    }
    harness_response_free(&r);
    return v;
}

/* ---- fakedash ---- */

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

long harness_control(const struct harness_fakedash *fd, const char *method, const char *path,
                     const char *json_body, struct harness_response *resp)
{
    char url[HARNESS_PATH_MAX];
    struct harness_response local;
    struct harness_response *r = resp ? resp : &local;
    long status;

    snprintf(url, sizeof url, "%s%s", fd->root_url, path);
    harness_http(method, url, NULL, json_body, NULL, r);
    status = r->status;
    if (status != 200 && status != 0)
        fprintf(stderr, "harness: control %s %s -> %ld %s\n", method, path, status,
                r->body ? r->body : "");
    if (status == 0)
        fprintf(stderr, "harness: control %s %s: %s\n", method, path, r->error);
    if (resp == NULL)
        harness_response_free(&local);
    return status;
}

int harness_fakedash_scenario(const struct harness_fakedash *fd, const char *json)
{
    return harness_control(fd, "POST", "/_control/scenario", json, NULL) == 200 ? 0 : -1;
}

struct json_object *harness_log(const struct harness_fakedash *fd)
{
    struct harness_response r;
    struct json_object *o = NULL;

    if (harness_control(fd, "GET", "/_control/log", NULL, &r) == 200)
        o = harness_response_json(&r);
    harness_response_free(&r);
    if (o && !json_object_is_type(o, json_type_array)) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

static const char *harness_jstr(struct json_object *o, const char *key)
{
    struct json_object *v;

    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

int harness_log_count(const struct harness_fakedash *fd, const char *method,
                      const char *path_prefix)
{
    struct json_object *log = harness_log(fd);
    int count = 0;

    if (log == NULL)
        return -1;
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        struct json_object *e = json_object_array_get_idx(log, i), *control;

        if (json_object_object_get_ex(e, "control", &control) && json_object_get_boolean(control))
            continue;
        if (method && strcmp(harness_jstr(e, "method"), method) != 0)
            continue;
        if (path_prefix && strncmp(harness_jstr(e, "path"), path_prefix, strlen(path_prefix)) != 0)
            continue;
        count++;
    }
    json_object_put(log);
    return count;
}

int harness_log_clear(const struct harness_fakedash *fd)
{
    return harness_control(fd, "DELETE", "/_control/log", NULL, NULL) == 200 ? 0 : -1;
}

struct json_object *harness_fakedash_tags(const struct harness_fakedash *fd, const char *network_id)
{
    struct harness_response r;
    struct json_object *nets = NULL, *tags = NULL;

    if (harness_control(fd, "GET", "/_control/networks", NULL, &r) == 200)
        nets = harness_response_json(&r);
    harness_response_free(&r);
    for (size_t i = 0; nets && i < json_object_array_length(nets); i++) {
        struct json_object *n = json_object_array_get_idx(nets, i), *t;

        if (strcmp(harness_jstr(n, "id"), network_id) == 0 &&
            json_object_object_get_ex(n, "tags", &t)) {
            tags = json_object_get(t);
            break;
        }
    }
    json_object_put(nets);
    return tags;
}
