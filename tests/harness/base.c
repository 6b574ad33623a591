/*
 * base.c - process set-up, environment, clocks, temp dirs and files (see base.h).
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH/FTW_PHYS */

#include "harness/base.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The largest file harness_read_file reads. */
#define HARNESS_MAX_FILE ((size_t)256 * 1024 * 1024)

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

double harness_wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void harness_sleep_until(double at)
{
    double d = at - harness_wall();

    if (d > 0)
        harness_sleep_ms((int)(d * 1000.0) + 1);
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

/* True for the characters a word is made of: [A-Za-z0-9_]. */
static int harness_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

int harness_file_has_word(const char *path, const char *word)
{
    char *s = harness_read_file(path);
    size_t n = strlen(word);
    int found = 0;

    if (s == NULL || n == 0) {
        free(s);
        return 0;
    }
    for (const char *p = strstr(s, word); p != NULL && !found; p = strstr(p + 1, word))
        found = (p == s || !harness_word_char(p[-1])) && !harness_word_char(p[n]);
    free(s);
    return found;
}

char *harness_file_line(const char *path, const char *const needles[])
{
    char *s = harness_read_file(path), *copy = NULL;

    for (char *line = s, *next; line != NULL && *line != '\0' && copy == NULL; line = next) {
        int all = 1;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        for (size_t k = 0; needles[k] != NULL && all; k++)
            all = strstr(line, needles[k]) != NULL;
        if (all)
            copy = strdup(line);
    }
    free(s);
    return copy;
}

struct json_object *harness_source_json(const char *rel)
{
    char path[HARNESS_PATH_MAX];
    const char *src = harness_env("TF_SOURCE_DIR");
    struct json_object *o;

    if (src == NULL)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", src, rel);
    o = json_object_from_file(path);
    if (o == NULL)
        fprintf(stderr, "harness: cannot read %s\n", path);
    return o;
}

void harness_dump_file(const char *title, const char *path, size_t max)
{
    char *s = harness_read_file(path);
    size_t n;

    if (s == NULL)
        return;
    n = strlen(s);
    fprintf(stderr, "---- %s (last %zu bytes) ----\n%s\n----\n", title, max,
            n > max ? s + n - max : s);
    free(s);
}
