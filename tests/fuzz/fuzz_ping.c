/*
 * fuzz_ping.c - libFuzzer target: the live ping answers and Meraki's callback body (ping.h) on
 * arbitrary bytes, the same bytes through all three parsers.
 *
 * Besides crashes and leaks (the sanitizers), it checks the parsers' promises: an accepted
 * answer has a non-empty id within TF_ID_MAX_LEN, a loss percentage in 0..100 when it has
 * results, a refused callback leaves nothing behind, and a verdict of "loss" or "clean" only
 * comes from a finished ping that sent packets.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/caps.h"
#include "tagfailover/ping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_id(const char *id)
{
    size_t n = strnlen(id, TF_ID_MAX_LEN + 1);
    if (n == 0 || n > TF_ID_MAX_LEN)
        abort();
}

static void fuzz_check_result(const ping_result *r)
{
    fuzz_check_id(r->ping_id);
    if (r->has_results && (r->loss_pct < 0 || r->loss_pct > 100))
        abort();
    ping_verdict v = ping_judge(r, 30);
    if ((v == PING_VERDICT_LOSS || v == PING_VERDICT_CLEAN) &&
        (!r->finished || !r->has_results || r->sent <= 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    char id[TF_ID_MAX_LEN + 1];
    ping_result r;
    ping_callback cb;

    if (ping_parse_created(json, size, id) == PING_OK)
        fuzz_check_id(id);
    if (ping_parse_result(json, size, &r) == PING_OK)
        fuzz_check_result(&r);
    ping_err e = ping_parse_callback(json, size, &cb);
    if (ping_strerror(e) == NULL)
        abort();
    if (e == PING_OK) {
        fuzz_check_id(cb.callback_id);
        fuzz_check_result(&cb.result);
        if (strnlen(cb.organization_id, TF_ID_MAX_LEN + 1) > TF_ID_MAX_LEN)
            abort();
    } else if (cb.callback_id[0] != '\0' || cb.result.ping_id[0] != '\0') {
        abort();
    }
    return 0;
}
