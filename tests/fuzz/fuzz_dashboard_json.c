/*
 * fuzz_dashboard_json.c - libFuzzer target: every Dashboard API parser on the same bytes.
 *
 * Checks the parsers' promises as well as memory safety: an error leaves the output empty,
 * loss samples come back sorted, a parsed network's tags survive a trip through the PUT body,
 * and a parsed timestamp survives a trip through dj_format_time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/dashboard_json.h"
#include "tagfailover/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Years 0000..9999, the range dj_format_time's text can be parsed back from. */
#define FUZZ_T_MIN (-62167219200LL)
#define FUZZ_T_MAX 253402300799LL

#define FUZZ_ARRAY(parse, type, freefn, json, len)                                                 \
    do {                                                                                           \
        type *v_;                                                                                  \
        size_t n_;                                                                                 \
        if (parse(json, len, &v_, &n_) != DJ_OK && (v_ != NULL || n_ != 0))                        \
            abort();                                                                               \
        freefn(v_, n_);                                                                            \
    } while (0)

/* The PUT body built from a list parses back to the same list. */
static void fuzz_tags_round_trip(const tags_list *tags)
{
    char *body = dj_build_tags_body(tags);
    json_object *root = NULL, *arr;

    if (body == NULL)
        abort();
    if (tfjson_parse(body, strlen(body), &root) != TFJSON_OK ||
        !json_object_object_get_ex(root, "tags", &arr) || json_object_array_length(arr) != tags->n)
        abort();
    for (size_t i = 0; i < tags->n; i++) {
        if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), tags->v[i]) != 0)
            abort();
    }
    json_object_put(root);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    dj_network net;
    dj_loss_item *loss;
    size_t n;
    char *msg, *text;
    int64_t t, back;

    FUZZ_ARRAY(dj_parse_organizations, dj_org, dj_orgs_free, json, size);
    FUZZ_ARRAY(dj_parse_peers, dj_peer, dj_peers_free, json, size);
    FUZZ_ARRAY(dj_parse_uplink_statuses, dj_appliance, dj_appliances_free, json, size);
    FUZZ_ARRAY(dj_parse_vpn_statuses, dj_vpn_status, dj_vpn_statuses_free, json, size);
    FUZZ_ARRAY(dj_parse_destinations, dj_destination, dj_destinations_free, json, size);

    {
        dj_network *nets;

        if (dj_parse_networks(json, size, &nets, &n) == DJ_OK) {
            for (size_t i = 0; i < n; i++)
                fuzz_tags_round_trip(&nets[i].tags);
        } else if (nets != NULL || n != 0) {
            abort();
        }
        dj_networks_free(nets, n);
    }

    if (dj_parse_network(json, size, &net) == DJ_OK)
        fuzz_tags_round_trip(&net.tags);
    else if (net.id != NULL || net.tags.n != 0)
        abort();
    dj_network_clear(&net);

    if (dj_parse_loss(json, size, &loss, &n) == DJ_OK) {
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 1; k < loss[i].n; k++) {
                if (loss[i].samples[k - 1].ts > loss[i].samples[k].ts)
                    abort();
            }
        }
    } else if (loss != NULL || n != 0) {
        abort();
    }
    dj_loss_free(loss, n);

    if (dj_parse_errors(json, size, &msg) == DJ_OK) {
        if (msg == NULL)
            abort();
        free(msg);
    } else if (msg != NULL) {
        abort();
    }

    /* The same bytes as a timestamp (a C string: stop at the first NUL). */
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (dj_parse_time(text, &t) && t >= FUZZ_T_MIN && t <= FUZZ_T_MAX) {
        char buf[32];

        dj_format_time(t, buf, sizeof(buf));
        if (!dj_parse_time(buf, &back) || back != t)
            abort();
    }
    free(text);
    return 0;
}
