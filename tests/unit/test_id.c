/*
 * test_id.c - the rule for Dashboard IDs (id.h): 1 to TF_ID_MAX_LEN characters of
 * [A-Za-z0-9_-], and nothing that could name another resource in an API path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/caps.h"
#include "tagfailover/id.h"

static void test_ids(void **state)
{
    static const struct {
        const char *id;
        bool ok;
    } cases[] = {
        {"L_646829496481105433", true},
        {"N_24329156", true},
        {"549236", true},
        {"0000000000000000", true},
        {"a", true},
        {"-", true},
        {"_", true},
        {"aZ09-_", true},
        {"", false},
        {".", false},
        {"..", false},
        {"L_1/../L_2", false},
        {"L_1/", false},
        {"L_1?x=1", false},
        {"L_1#x", false},
        {"L_1%2F", false},
        {"L 1", false},
        {"L_1\n", false},
        {"L_1\t", false},
        {"L_\xc3\xa9", false},
        {"L_1\\", false},
        {"L_1:8080", false},
        {"L_1@host", false},
        {"L.1", false},
        {"L+1", false},
    };
    char at_cap[TF_ID_MAX_LEN + 2];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (id_valid(cases[i].id) != cases[i].ok)
            fail_msg("case %zu (%s): want %s", i, cases[i].id, cases[i].ok ? "valid" : "refused");
    }
    assert_false(id_valid(NULL));
    memset(at_cap, 'a', TF_ID_MAX_LEN);
    at_cap[TF_ID_MAX_LEN] = '\0';
    assert_true(id_valid(at_cap));
    at_cap[TF_ID_MAX_LEN] = 'a';
    at_cap[TF_ID_MAX_LEN + 1] = '\0';
    assert_false(id_valid(at_cap));
    assert_int_equal(TF_ID_MAX_LEN, 64);
}

/* Appliance serials, as they go into a live ping's path: letters, digits and '-', 1..32. */
static void test_serials(void **state)
{
    static const struct {
        const char *serial;
        bool ok;
    } cases[] = {
        {"Q234-ABCD-5678", true},
        {"Q2XX-XXXX-XXXX", true},
        {"q2", true},
        {"-", true},
        {"", false},
        {"Q_234", false},
        {"..", false},
        {"Q2/../x", false},
        {"Q2?x", false},
        {"Q2 34", false},
        {"Q2%2F", false},
        {"Q2\n", false},
        {"Q2.3", false},
        {"Q\xc3\xa9", false},
        {"Q2#x", false},
        {"Q2\\", false},
    };
    char s[ID_SERIAL_MAX_LEN + 2];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (id_serial_valid(cases[i].serial) != cases[i].ok)
            fail_msg("case %zu (%s): want %s", i, cases[i].serial,
                     cases[i].ok ? "valid" : "refused");
    }
    assert_false(id_serial_valid(NULL));
    memset(s, 'Q', ID_SERIAL_MAX_LEN);
    s[ID_SERIAL_MAX_LEN] = '\0';
    assert_true(id_serial_valid(s));
    s[ID_SERIAL_MAX_LEN] = 'Q';
    s[ID_SERIAL_MAX_LEN + 1] = '\0';
    assert_false(id_serial_valid(s));
    /* The same length as the alert's deviceSerial cap (alert.h), which the serials compare
     * with. */
    assert_int_equal(ID_SERIAL_MAX_LEN, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_serials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
