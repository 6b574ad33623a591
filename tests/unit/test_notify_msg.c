/*
 * test_notify_msg.c - the words of a notification: argv splitting (the README's quoting), the
 * environment, the sentence, the JSON body and the redacted URL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/notify_msg.h"

/* ---- argv ------------------------------------------------------------------------------ */

typedef struct {
    const char *line;
    const char *words[6]; /* NULL-terminated; all NULL with `why` set: refused */
    const char *why;      /* the problem, or NULL */
} split_case;

static const split_case split_cases[] = {
    {"/usr/bin/notify", {"/usr/bin/notify"}, NULL},
    {"  a   b\tc  ", {"a", "b", "c"}, NULL},
    {"logger -t 'tag failover'", {"logger", "-t", "tag failover"}, NULL},
    {"echo \"a \\\"b\\\" \\\\ c\"", {"echo", "a \"b\" \\ c"}, NULL},
    {"echo 'it\\'s'", {NULL}, "has an unterminated ' quote"},
    {"echo '\\n'", {"echo", "\\n"}, NULL},
    {"echo \"\\n\"", {"echo", "\\n"}, NULL},
    {"echo a\\ b", {"echo", "a b"}, NULL},
    {"echo \"a\"'b'c", {"echo", "abc"}, NULL},
    {"echo ''", {"echo", ""}, NULL},
    {"echo $HOME *", {"echo", "$HOME", "*"}, NULL},
    {"echo a;b|c>d", {"echo", "a;b|c>d"}, NULL},
    {"", {NULL}, "has no program to run"},
    {"   ", {NULL}, "has no program to run"},
    {"echo \"open", {NULL}, "has an unterminated \" quote"},
    {"echo 'open", {NULL}, "has an unterminated ' quote"},
    {"echo a\\", {NULL}, "ends with a backslash"},
    {"echo a\001b", {NULL}, "contains a control character"},
};

static void test_argv_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof split_cases / sizeof split_cases[0]; i++) {
        const split_case *t = &split_cases[i];
        char **argv = (char **)1;
        size_t argc = 99;
        print_message("case [%s]\n", t->line);
        const char *why = notify_msg_argv_split(t->line, &argv, &argc);
        if (t->why != NULL) {
            assert_non_null(why);
            assert_string_equal(why, t->why);
            assert_null(argv);
            assert_int_equal(argc, 0);
            continue;
        }
        assert_null(why);
        size_t n = 0;
        while (t->words[n] != NULL)
            n++;
        assert_int_equal(argc, n);
        for (size_t k = 0; k < n; k++)
            assert_string_equal(argv[k], t->words[k]);
        assert_null(argv[n]);
        notify_msg_argv_free(argv);
    }
    notify_msg_argv_free(NULL);
}

/* More than NOTIFY_MSG_MAX_ARGS words are refused; exactly that many are fine. */
static void test_argv_cap(void **state)
{
    (void)state;
    char line[4 * (NOTIFY_MSG_MAX_ARGS + 1) + 1] = "";
    for (int i = 0; i < NOTIFY_MSG_MAX_ARGS; i++)
        strcat(line, "ab ");
    char **argv;
    size_t argc;
    assert_null(notify_msg_argv_split(line, &argv, &argc));
    assert_int_equal(argc, NOTIFY_MSG_MAX_ARGS);
    notify_msg_argv_free(argv);
    strcat(line, "ab");
    assert_string_equal(notify_msg_argv_split(line, &argv, &argc), "has too many words");
}

/* ---- the event ------------------------------------------------------------------------- */

static char *before_v[] = {"retail", "london_primary_up", "paris_backup_down", "north"};
static char *after_v[] = {"retail", "london_primary_down", "paris_backup_up", "north"};

static notify_msg_event leeds(void)
{
    return (notify_msg_event){
        .event = "failover",
        .network_id = "L_646829496481105433",
        .network_name = "Branch Leeds",
        .org_id = "549236",
        .trigger = "webhook:646829496481210001",
        .evidence = "series",
        .has_loss = true,
        .loss_pct = 45,
        .tags_before = {before_v, 4},
        .tags_after = {after_v, 4},
    };
}

static void test_env(void **state)
{
    (void)state;
    notify_msg_event ev = leeds();
    size_t n = 0;
    char **env = notify_msg_env(&ev, &n);
    assert_non_null(env);
    const char *want[] = {
        "TAGFAILOVER_EVENT=failover",
        "TAGFAILOVER_NETWORK_ID=L_646829496481105433",
        "TAGFAILOVER_NETWORK_NAME=Branch Leeds",
        "TAGFAILOVER_ORG_ID=549236",
        "TAGFAILOVER_TRIGGER=webhook:646829496481210001",
        "TAGFAILOVER_EVIDENCE=series",
        "TAGFAILOVER_LOSS_PCT=45.0",
        "TAGFAILOVER_TAGS_BEFORE=retail,london_primary_up,paris_backup_down,north",
        "TAGFAILOVER_TAGS_AFTER=retail,london_primary_down,paris_backup_up,north",
        "TAGFAILOVER_DRY_RUN=false",
    };
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(env[i], want[i]);
    assert_null(env[n]);
    notify_msg_argv_free(env);

    /* A manual failback: no loss, no name, a dry run. */
    ev.event = "failback";
    ev.has_loss = false;
    ev.network_name = NULL;
    ev.dry_run = true;
    ev.tags_before = (tags_list){0};
    env = notify_msg_env(&ev, &n);
    assert_non_null(env);
    assert_string_equal(env[2], "TAGFAILOVER_NETWORK_NAME=");
    assert_string_equal(env[6], "TAGFAILOVER_LOSS_PCT=");
    assert_string_equal(env[7], "TAGFAILOVER_TAGS_BEFORE=");
    assert_string_equal(env[9], "TAGFAILOVER_DRY_RUN=true");
    notify_msg_argv_free(env);
}

typedef struct {
    const char *event;
    const char *name;
    bool has_loss;
    bool dry_run;
    bool no_pair;
    const char *want;
} sentence_case;

static const sentence_case sentence_cases[] = {
    {"failover", "Branch Leeds", true, false, false,
     "Branch Leeds (L_646829496481105433, organization 549236) failed over from london to paris: "
     "45.0% loss, trigger webhook:646829496481210001, evidence series."},
    {"failback", "Branch Leeds", true, false, false,
     "Branch Leeds (L_646829496481105433, organization 549236) failed back from paris to london: "
     "45.0% loss, trigger webhook:646829496481210001, evidence series."},
    {"failover", NULL, false, true, false,
     "[dry run] L_646829496481105433 (L_646829496481105433, organization 549236) would fail over "
     "from london to paris: trigger webhook:646829496481210001, evidence series."},
    {"failback", "Line\nbreak", false, false, true,
     "Line break (L_646829496481105433, organization 549236) failed back to its primary: trigger "
     "webhook:646829496481210001, evidence series."},
};

static void test_sentence(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sentence_cases / sizeof sentence_cases[0]; i++) {
        const sentence_case *t = &sentence_cases[i];
        notify_msg_event ev = leeds();
        char buf[NOTIFY_MSG_SENTENCE_MAX];
        ev.event = (char *)t->event;
        ev.network_name = (char *)t->name;
        ev.has_loss = t->has_loss;
        ev.dry_run = t->dry_run;
        if (t->no_pair)
            ev.tags_before = (tags_list){0};
        notify_msg_sentence(&ev, buf, sizeof buf);
        print_message("%s\n", buf);
        assert_string_equal(buf, t->want);
    }
}

/* A sentence cut by its buffer ends on a whole UTF-8 character. */
static void test_sentence_cut(void **state)
{
    (void)state;
    notify_msg_event ev = leeds();
    ev.network_name = "\xc3\xa9\xc3\xa9\xc3\xa9"; /* "ééé" */
    char buf[4];
    for (size_t size = 1; size <= sizeof buf; size++) {
        memset(buf, 'x', sizeof buf);
        notify_msg_sentence(&ev, buf, size);
        size_t len = strlen(buf);
        assert_true(len < size);
        assert_int_equal(len % 2, 0); /* whole two-byte characters only */
    }
}

static void test_body(void **state)
{
    (void)state;
    notify_msg_event ev = leeds();
    ev.batch_id = "1234";
    char *body = notify_msg_body(&ev);
    assert_non_null(body);
    print_message("%s\n", body);
    struct json_object *o = json_tokener_parse(body), *text, *e, *v;
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "text", &text));
    char want[NOTIFY_MSG_SENTENCE_MAX];
    notify_msg_sentence(&ev, want, sizeof want);
    assert_string_equal(json_object_get_string(text), want);
    assert_true(json_object_object_get_ex(o, "event", &e));
    assert_int_equal(json_object_object_length(e), 11);
    const char *strs[][2] = {{"event", "failover"},
                             {"network_id", "L_646829496481105433"},
                             {"network_name", "Branch Leeds"},
                             {"org_id", "549236"},
                             {"trigger", "webhook:646829496481210001"},
                             {"evidence", "series"},
                             {"batch_id", "1234"}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        assert_true(json_object_object_get_ex(e, strs[i][0], &v));
        assert_string_equal(json_object_get_string(v), strs[i][1]);
    }
    assert_true(json_object_object_get_ex(e, "loss_pct", &v));
    assert_true(json_object_get_double(v) == 45.0);
    assert_true(json_object_object_get_ex(e, "dry_run", &v));
    assert_true(json_object_is_type(v, json_type_boolean));
    assert_false(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(e, "tags_after", &v));
    assert_int_equal(json_object_array_length(v), 4);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 2)), "paris_backup_up");
    json_object_put(o);
    free(body);

    /* Unknown values are JSON nulls. */
    ev.has_loss = false;
    ev.batch_id = NULL;
    ev.network_name = NULL;
    body = notify_msg_body(&ev);
    assert_non_null(body);
    o = json_tokener_parse(body);
    assert_true(json_object_object_get_ex(o, "event", &e));
    assert_true(json_object_object_get_ex(e, "loss_pct", &v));
    assert_null(v);
    assert_true(json_object_object_get_ex(e, "batch_id", &v));
    assert_null(v);
    assert_true(json_object_object_get_ex(e, "network_name", &v));
    assert_null(v);
    json_object_put(o);
    free(body);
}

static void test_event_copy(void **state)
{
    (void)state;
    notify_msg_event ev = leeds(), copy;
    assert_true(notify_msg_event_copy(&copy, &ev));
    assert_ptr_not_equal(copy.network_id, ev.network_id);
    assert_string_equal(copy.network_id, ev.network_id);
    assert_null(copy.batch_id);
    assert_int_equal(copy.tags_after.n, 4);
    assert_string_equal(copy.tags_after.v[3], "north");
    notify_msg_event_clear(&copy);
    assert_null(copy.network_id);
    notify_msg_event_clear(NULL);
}

/* ---- the URL --------------------------------------------------------------------------- */

typedef struct {
    const char *url;
    const char *problem; /* NULL: usable */
    const char *shown;
} url_case;

static const url_case url_cases[] = {
    {"https://hooks.slack.com/services/T0/B0/XXXX", NULL, "https://hooks.slack.com/<redacted>"},
    {"https://webexapis.com/v1/webhooks/incoming/Y2lzY29", NULL,
     "https://webexapis.com/<redacted>"},
    {"https://prod-1.westus.logic.azure.com:443/workflows/a/invoke?api-version=1&sig=S", NULL,
     "https://prod-1.westus.logic.azure.com:443/<redacted>"},
    {"https://x.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d", NULL,
     "https://x.webhook.office.com/<redacted>"},
    {"http://127.0.0.1:8080", NULL, "http://127.0.0.1:8080"},
    {"http://127.0.0.1:8080/", NULL, "http://127.0.0.1:8080"},
    {"http://[::1]:8080/hook?token=T", NULL, "http://[::1]:8080/<redacted>"},
    {"HTTPS://Example.com?token=T", NULL, "HTTPS://Example.com/<redacted>"},
    {"ftp://example.com/x", "must start with https:// or http://", "<redacted>"},
    {"https://", "has no host", "https://"},
    {"https:///path", "has no host", "https:///<redacted>"},
    {"https://a b/x", "must not contain blanks, control characters or non-ASCII bytes",
     "https://a b/<redacted>"},
    {"https://example.com/x#frag", "must not contain a #fragment",
     "https://example.com/<redacted>"},
    {"https://user:pw@example.com/x",
     "must not contain user:password@ (put a token in the path or the query)",
     "https:///<redacted>"},
};

static void test_url(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
        const url_case *t = &url_cases[i];
        char shown[128];
        print_message("case %s\n", t->url);
        const char *why = notify_msg_url_problem(t->url);
        if (t->problem == NULL)
            assert_null(why);
        else
            assert_string_equal(why, t->problem);
        notify_msg_url_redact(t->url, shown, sizeof shown);
        assert_string_equal(shown, t->shown);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_split),   cmocka_unit_test(test_argv_cap),
        cmocka_unit_test(test_env),          cmocka_unit_test(test_sentence),
        cmocka_unit_test(test_sentence_cut), cmocka_unit_test(test_body),
        cmocka_unit_test(test_event_copy),   cmocka_unit_test(test_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
