/*
 * test_config_load.c - the configuration from disk: config_load's own messages (a file that
 * cannot be opened, is too large or holds a NUL byte), a dump written out and loaded back, and
 * the real file system behind config_load_reader (secret files read, TLS files that must be
 * readable regular files). Everything config_parse decides is tested in tests/unit/test_config.c
 * with files in memory; this file only proves the disk gives the same answers.
 *
 * Files live in a mkdtemp directory, which is also the working directory while the tests run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tagfailover/caps.h"
#include "tagfailover/config.h"
#include "tagfailover/config_load.h"

static const char *env_key(const char *name)
{
    return strcmp(name, "MERAKI_DASHBOARD_API_KEY") == 0 ? "envkey0123456789" : NULL;
}

static const char *env_both(const char *name)
{
    if (strcmp(name, "TAGFAILOVER_SHARED_SECRET") == 0)
        return "env shared secret";
    return env_key(name);
}

/* The temporary directory (also the working directory) and the original one. */
typedef struct {
    char dir[64];
    char old_cwd[4096];
} test_dir;

static void write_bytes(const char *name, const char *content, size_t len)
{
    FILE *f = fopen(name, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_file(const char *name, const char *content)
{
    write_bytes(name, content, strlen(content));
}

static const char *const test_files[] = {"t.conf",  "dump.conf", "api_key", "cert.pem",
                                         "key.pem", "big.conf",  "fifo",    "unreadable",
                                         "secret",  NULL};

static int group_setup(void **state)
{
    test_dir *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -1;
    snprintf(d->dir, sizeof d->dir, "/tmp/test_config_load.XXXXXX");
    if (mkdtemp(d->dir) == NULL || getcwd(d->old_cwd, sizeof d->old_cwd) == NULL ||
        chdir(d->dir) != 0 || mkdir("adir", 0700) != 0) {
        free(d);
        return -1;
    }
    write_file("api_key", "filekey0123456789\n");
    write_file("secret", "file shared secret\n");
    write_file("cert.pem", "-----BEGIN CERTIFICATE-----\n");
    write_file("key.pem", "-----BEGIN PRIVATE KEY-----\n");
    *state = d;
    return 0;
}

static int group_teardown(void **state)
{
    test_dir *d = *state;
    for (size_t i = 0; test_files[i] != NULL; i++)
        unlink(test_files[i]);
    rmdir("adir");
    if (chdir(d->old_cwd) != 0 || rmdir(d->dir) != 0) {
        free(d);
        return -1;
    }
    free(d);
    return 0;
}

static bool config_is_zero(const config *c)
{
    static const config zero;
    return memcmp(c, &zero, sizeof zero) == 0;
}

static void test_load_file(void **state)
{
    (void)state;
    char err[1024];
    config c;

    memset(&c, 0x5a, sizeof c);
    assert_int_equal(config_load("/nonexistent/t.conf", env_both, &c, err, sizeof err),
                     CONFIG_ERR_IO);
    assert_true(config_is_zero(&c));
    assert_string_equal(err, "/nonexistent/t.conf: cannot open: No such file or directory\n");

    write_file("t.conf", "[listener]\nmode = off\n[dashboard]\ntimeout_s = 0\n");
    assert_int_equal(config_load("t.conf", env_both, &c, err, sizeof err), CONFIG_ERR_INVALID);
    assert_string_equal(err, "t.conf:4: timeout_s: must be a whole number of seconds from 1 to "
                             "600 (got '0')\n");

    /* A NUL byte inside the file is a control character on its line. */
    write_bytes("t.conf", "[listener]\nmode = off\nport = 1\0\n", 32);
    assert_int_equal(config_load("t.conf", env_both, &c, err, sizeof err), CONFIG_ERR_INVALID);
    assert_string_equal(err, "t.conf:3: control character (byte 0x00) in line\n");

    write_file("t.conf", "[listener]\nmode = off\n");
    assert_int_equal(config_load("t.conf", NULL, &c, err, sizeof err), CONFIG_ERR_INVALID);
    assert_non_null(strstr(err, "no API key"));
    assert_int_equal(config_load("t.conf", env_key, &c, err, sizeof err), CONFIG_OK);
    assert_string_equal(c.path, "t.conf");
    config_free(&c);

    /* A directory opens but does not read. */
    assert_int_equal(config_load("adir", env_both, &c, err, sizeof err), CONFIG_ERR_IO);
    assert_string_equal(err, "adir: cannot read: Is a directory\n");

    /* One byte over the cap is refused whole, never parsed in part. */
    char *big = malloc(TF_CONFIG_MAX_BYTES + 1);
    assert_non_null(big);
    memset(big, ';', TF_CONFIG_MAX_BYTES + 1);
    write_bytes("big.conf", big, TF_CONFIG_MAX_BYTES + 1);
    free(big);
    memset(&c, 0x5a, sizeof c);
    assert_int_equal(config_load("big.conf", env_both, &c, err, sizeof err), CONFIG_ERR_INVALID);
    assert_true(config_is_zero(&c));
    assert_string_equal(err, "big.conf: larger than 1048576 bytes\n");
}

/* A dump written to disk loads back into the same configuration and dumps the same. */
static void test_dump_round_trip(void **state)
{
    (void)state;
    char err[2048];
    config a, b;

    write_file("t.conf", "[dashboard]\napi_key_file = api_key\n[listener]\nmode = plain\n"
                         "shared_secret_file = secret\ntrusted_proxies = 127.0.0.1, ::1\n"
                         "[site london]\ntracked_ip = 203.0.113.10\n");
    assert_int_equal(config_load("t.conf", NULL, &a, err, sizeof err), CONFIG_OK);
    char *dump = config_dump(&a);
    assert_non_null(dump);
    assert_null(strstr(dump, "filekey0123456789"));
    assert_null(strstr(dump, "file shared secret"));
    write_file("dump.conf", dump);
    assert_int_equal(config_load("dump.conf", NULL, &b, err, sizeof err), CONFIG_OK);
    assert_string_equal(b.path, "dump.conf");
    assert_string_equal(b.api_key, "filekey0123456789");
    assert_int_equal(b.api_key_source, CONFIG_SECRET_FILE);
    assert_string_equal(b.shared_secret, "file shared secret");
    assert_int_equal(b.shared_secret_source, CONFIG_SECRET_FILE);
    char *dump2 = config_dump(&b);
    assert_non_null(dump2);
    assert_string_equal(strchr(dump, '\n'), strchr(dump2, '\n'));
    free(dump2);
    free(dump);
    config_free(&a);
    config_free(&b);
}

/* The files a configuration names, on disk: the same messages as the reader in memory. */
typedef struct {
    const char *listener; /* the [listener] body */
    const char *expect;   /* the whole error text; NULL: loads */
} file_case;

static const file_case file_cases[] = {
    {"mode = tls\nshared_secret = s\ncert_file = cert.pem\nkey_file = key.pem\n", NULL},
    {"mode = tls\nshared_secret = s\ncert_file = missing.pem\nkey_file = key.pem\n",
     "t.conf:5: cert_file: cannot read 'missing.pem': No such file or directory (mode = tls "
     "needs it)\n"},
    /* A directory would pass access(R_OK); it is not a certificate. */
    {"mode = tls\nshared_secret = s\ncert_file = cert.pem\nkey_file = adir\n",
     "t.conf:6: key_file: cannot read 'adir': Is a directory (mode = tls needs it)\n"},
    /* Nor is a FIFO, and checking one must not block. */
    {"mode = tls\nshared_secret = s\ncert_file = fifo\nkey_file = key.pem\n",
     "t.conf:5: cert_file: cannot read 'fifo': not a regular file (a FIFO, socket or device) "
     "(mode = tls needs it)\n"},
    {"mode = tls\nshared_secret = s\ncert_file = cert.pem\nkey_file = fifo\n",
     "t.conf:6: key_file: cannot read 'fifo': not a regular file (a FIFO, socket or device) "
     "(mode = tls needs it)\n"},
    /* A secret file is read, not only checked: opening a FIFO for it must not block either. */
    {"mode = plain\nshared_secret_file = fifo\n",
     "t.conf:4: shared_secret_file: cannot read 'fifo': not a regular file (a FIFO, socket or "
     "device)\n"},
    {"mode = plain\nshared_secret_file = adir\n",
     "t.conf:4: shared_secret_file: cannot read 'adir': Is a directory\n"},
    {"mode = plain\nshared_secret_file = missing\n",
     "t.conf:4: shared_secret_file: cannot read 'missing': No such file or directory\n"},
    {"mode = plain\nshared_secret_file = secret\n", NULL},
};

static void test_named_files(void **state)
{
    (void)state;
    char text[512], err[1024];
    config c;

    assert_int_equal(mkfifo("fifo", 0600), 0);
    /* A blocked open would hang the test: SIGALRM ends it as a failure instead. */
    alarm(20);
    for (size_t i = 0; i < sizeof file_cases / sizeof file_cases[0]; i++) {
        const file_case *t = &file_cases[i];
        snprintf(text, sizeof text, "[dashboard]\n[listener]\n%s", t->listener);
        print_message("case %zu: %s", i, text);
        write_file("t.conf", text);
        config_err rc = config_load("t.conf", env_key, &c, err, sizeof err);
        if (t->expect == NULL) {
            if (rc != CONFIG_OK)
                print_message("%s", err);
            assert_int_equal(rc, CONFIG_OK);
            config_free(&c);
        } else {
            assert_int_equal(rc, CONFIG_ERR_INVALID);
            assert_string_equal(err, t->expect);
        }
    }
}

/* The configuration file itself as a FIFO: refused at once, never opened blocking. */
static void test_config_fifo(void **state)
{
    (void)state;
    char err[1024];
    config c;

    unlink("fifo");
    assert_int_equal(mkfifo("fifo", 0600), 0);
    alarm(20);
    assert_int_equal(config_load("fifo", env_both, &c, err, sizeof err), CONFIG_ERR_IO);
    alarm(0);
    assert_string_equal(err, "fifo: cannot read: not a regular file (a FIFO, socket or device)\n");
    config_reader r = config_load_reader();
    char buf[8];
    size_t n = 1;
    alarm(20);
    assert_int_equal(r.read_file(r.ctx, "fifo", buf, sizeof buf, &n), CONFIG_FILE_NOT_REGULAR);
    assert_int_equal(r.check_file(r.ctx, "fifo"), CONFIG_FILE_NOT_REGULAR);
    alarm(0);
    assert_int_equal(n, 0);
}

/* The warnings with the disk's real permission bits (the file's group is this process's own,
 * as the creator's is). */
static void test_warnings_on_disk(void **state)
{
    (void)state;
    char err[1024];
    config c;

    write_file("t.conf", "[dashboard]\napi_key_file = api_key\n[listener]\nmode = plain\n"
                         "address = 127.0.0.1\nshared_secret_file = secret\n");
    assert_int_equal(chmod("t.conf", 0644), 0);
    assert_int_equal(chmod("api_key", 0600), 0);
    assert_int_equal(chmod("secret", 0640), 0);
    assert_int_equal(config_load("t.conf", NULL, &c, err, sizeof err), CONFIG_OK);
    assert_int_equal(c.warnings.n, 0);
    config_free(&c);

    assert_int_equal(chmod("api_key", 0644), 0);
    assert_int_equal(chmod("secret", 0604), 0);
    assert_int_equal(config_load("t.conf", NULL, &c, err, sizeof err), CONFIG_OK);
    assert_int_equal(c.warnings.n, 2);
    assert_string_equal(c.warnings.v[0],
                        "t.conf:2: warning: api_key_file: 'api_key' holds a secret and is "
                        "readable by others (mode 0644): chmod 0600 it, or 0640 with the "
                        "daemon's own group");
    assert_string_equal(c.warnings.v[1],
                        "t.conf:6: warning: shared_secret_file: 'secret' holds a secret and is "
                        "readable by others (mode 0604): chmod 0600 it, or 0640 with the "
                        "daemon's own group");
    config_free(&c);
    assert_int_equal(chmod("api_key", 0600), 0);
    assert_int_equal(chmod("secret", 0600), 0);

    /* An inline key in a file others can read; none once the file is the owner's alone. */
    write_file("t.conf", "[dashboard]\napi_key = abc123\n[listener]\nmode = off\n");
    assert_int_equal(chmod("t.conf", 0644), 0);
    assert_int_equal(config_load("t.conf", NULL, &c, err, sizeof err), CONFIG_OK);
    assert_int_equal(c.warnings.n, 1);
    assert_string_equal(c.warnings.v[0],
                        "t.conf:2: warning: api_key: a secret written in 't.conf', which is "
                        "readable by others (mode 0644): move it to api_key_file (mode 0600) or "
                        "chmod 0600 the file");
    config_free(&c);
    assert_int_equal(chmod("t.conf", 0600), 0);
    assert_int_equal(config_load("t.conf", NULL, &c, err, sizeof err), CONFIG_OK);
    assert_int_equal(c.warnings.n, 0);
    config_free(&c);
}

/* A file this process may not read, when the process is not root (root reads anything). */
static void test_unreadable(void **state)
{
    (void)state;
    char err[1024];
    config c;

    if (geteuid() == 0)
        skip();
    write_file("unreadable", "x\n");
    assert_int_equal(chmod("unreadable", 0), 0);
    write_file("t.conf", "[dashboard]\nca_file = unreadable\n[listener]\nmode = off\n");
    assert_int_equal(config_load("t.conf", env_key, &c, err, sizeof err), CONFIG_ERR_INVALID);
    assert_string_equal(err, "t.conf:2: ca_file: cannot read 'unreadable': Permission denied "
                             "(ca_file is set)\n");
    config_reader r = config_load_reader();
    char buf[8];
    size_t n = 1;
    assert_int_equal(r.read_file(r.ctx, "unreadable", buf, sizeof buf, &n), EACCES);
    assert_int_equal(n, 0);
}

/* The reader itself: at most `size` bytes, errno values as the file system gives them. */
static void test_reader(void **state)
{
    (void)state;
    config_reader r = config_load_reader();
    char buf[64];
    size_t n = 99;

    assert_int_equal(r.read_file(r.ctx, "secret", buf, sizeof buf, &n), 0);
    assert_int_equal(n, strlen("file shared secret\n"));
    assert_memory_equal(buf, "file shared secret\n", n);
    assert_int_equal(r.read_file(r.ctx, "secret", buf, 4, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(r.read_file(r.ctx, "missing", buf, sizeof buf, &n), ENOENT);
    assert_int_equal(n, 0);
    assert_int_equal(r.read_file(r.ctx, "adir", buf, sizeof buf, &n), EISDIR);
    assert_int_equal(r.check_file(r.ctx, "cert.pem"), 0);
    assert_int_equal(r.check_file(r.ctx, "missing"), ENOENT);
    assert_int_equal(r.check_file(r.ctx, "adir"), EISDIR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_file),        cmocka_unit_test(test_dump_round_trip),
        cmocka_unit_test(test_named_files),      cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_reader),           cmocka_unit_test(test_config_fifo),
        cmocka_unit_test(test_warnings_on_disk),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
