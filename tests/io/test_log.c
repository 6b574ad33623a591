/*
 * test_log.c - the log lines (log.h): in the text format no field can forge a line (control
 * characters and backslashes are escaped), the JSON format escapes them too, and a registered
 * secret never shows, in whatever form a line holds it.
 *
 * stderr is pointed at a temporary file for each case and read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/log.h"

/* A network name that tries to forge a whole `failover` line, with a terminal escape. */
static const char forged[] = "Branch\n2026-01-01T00:00:00.000Z info  failover network_id=L_200 "
                             "\x1b[2Jcleared\r\\n\x7f\tend";

/* Runs `emit` with stderr in a temporary file and returns what it wrote (caller frees). */
static char *capture(void (*emit)(void))
{
    char path[] = "/tmp/test_log_XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    char *out = calloc(1, 65536);
    ssize_t n;

    assert_true(fd >= 0 && saved >= 0 && out != NULL);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    emit();
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    n = read(fd, out, 65535);
    assert_true(n > 0);
    close(fd);
    unlink(path);
    return out;
}

static void emit_forged(void)
{
    struct json_object *f = json_object_new_object();
    struct json_object *tags = json_object_new_array();

    json_object_array_add(tags, json_object_new_string("a\nb"));
    json_object_object_add(f, "network_id", json_object_new_string("L_100"));
    json_object_object_add(f, "network_name", json_object_new_string(forged));
    json_object_object_add(f, "tags_before", tags);
    log_event(LOG_INFO, "retag_skipped", f);
    log_msg(LOG_INFO, "note", "name %s", forged);
}

/* The number of '\n' in s. */
static size_t lines(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

/* True when s holds a control byte other than the newline (or, with `del`, a DEL). */
static bool has_control(const char *s, bool del)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\n') || (del && c == 0x7f))
            return true;
    }
    return false;
}

static void test_text_escapes(void **state)
{
    (void)state;
    log_init(false, LOG_DEBUG);
    char *out = capture(emit_forged);

    assert_int_equal(lines(out), 2);
    assert_false(has_control(out, true));
    assert_non_null(strstr(out, " network_name=Branch\\n2026-01-01T00:00:00.000Z info  failover "
                                "network_id=L_200 \\x1b[2Jcleared\\r\\\\n\\x7f\\tend"));
    /* A JSON value keeps its own escapes, and nothing raw gets through it either. */
    assert_non_null(strstr(out, " tags_before=[\"a\\nb\"]"));
    assert_non_null(strstr(out, " msg=name Branch\\n"));
    /* No line starts with anything but a timestamp: nothing was forged. */
    for (char *l = out; *l != '\0'; l = strchr(l, '\n') + 1)
        assert_true(strncmp(l, "20", 2) == 0 && strstr(l, " info  ") == l + 24);
    free(out);
}

static void test_json_escapes(void **state)
{
    (void)state;
    log_init(true, LOG_DEBUG);
    char *out = capture(emit_forged);

    /* json-c escapes every control byte (a raw DEL is valid JSON and ends no line). */
    assert_int_equal(lines(out), 2);
    assert_false(has_control(out, false));
    /* The first line parses back to exactly the name given. */
    *strchr(out, '\n') = '\0';
    struct json_object *line = json_tokener_parse(out), *name;
    assert_non_null(line);
    assert_true(json_object_object_get_ex(line, "network_name", &name));
    assert_string_equal(json_object_get_string(name), forged);
    json_object_put(line);
    free(out);
}

/* Secrets as a careless caller might pass them: in a message, in a field, in an array, and
 * with characters both formats escape. */
static const char key[] = "0123456789abcdef\"key\\\n";
static const char secret[] = "sh4red-secret";

static void emit_secrets(void)
{
    struct json_object *f = json_object_new_object();
    struct json_object *tags = json_object_new_array();

    json_object_array_add(tags, json_object_new_string(secret));
    json_object_object_add(f, "message", json_object_new_string(key));
    json_object_object_add(f, "tags", tags);
    json_object_object_add(f, "body",
                           json_object_new_string("Authorization: Bearer sh4red-secret!"));
    log_event(LOG_ERROR, "api_error", f);
    log_msg(LOG_WARN, "retry", "key=%s secret=%s", key, secret);
}

static void emit_plain(void)
{
    log_msg(LOG_INFO, "plain", "sh4red-secret");
}

static void test_secrets_redacted(void **state)
{
    const char *const secrets[] = {key, NULL, "", secret};

    (void)state;
    for (int json = 0; json < 2; json++) {
        log_init(json, LOG_DEBUG);
        log_set_secrets(secrets, 4);
        char *out = capture(emit_secrets);

        assert_int_equal(lines(out), 2);
        assert_null(strstr(out, "sh4red"));
        assert_null(strstr(out, "0123456789abcdef"));
        assert_non_null(strstr(out, "Bearer [REDACTED]!"));
        assert_non_null(strstr(out, json ? "\"tags\":[\"[REDACTED]\"]" : "tags=[\"[REDACTED]\"]"));
        assert_non_null(strstr(out, "key=[REDACTED] secret=[REDACTED]"));
        free(out);
    }
    /* A new call replaces the list: with none, nothing is redacted. */
    log_set_secrets(NULL, 0);
    char *out = capture(emit_plain);
    assert_non_null(strstr(out, "sh4red-secret"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_escapes),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_secrets_redacted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
