/*
 * fuzz_alert.c - libFuzzer target: the webhook body parser on arbitrary bytes.
 *
 * Besides crashes and leaks (the sanitizers), it checks the parser's promises: an accepted
 * body has the three required IDs, non-empty and within TF_ID_MAX_LEN, the ones that go into
 * API paths (networkId, organizationId, an alertId) by id.h's rule, and a rejected one leaves
 * nothing but, for shape errors, the secret.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/alert.h"
#include "tagfailover/caps.h"
#include "tagfailover/id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const triggers[] = {"failover_event", "vpn_connectivity_change",
                                       "cellular_down"};

static void fuzz_check_id(const char *id)
{
    if (id == NULL || id[0] == '\0' || strlen(id) > TF_ID_MAX_LEN)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    alert a;
    alert_err err = alert_parse((const char *)data, size, TF_WEBHOOK_BODY_CEILING, &a);

    if (alert_strerror(err) == NULL)
        abort();
    if (err == ALERT_OK) {
        fuzz_check_id(a.alert_type_id);
        fuzz_check_id(a.network_id);
        fuzz_check_id(a.organization_id);
        if (!id_valid(a.network_id) || !id_valid(a.organization_id) ||
            (a.alert_id != NULL && !id_valid(a.alert_id)))
            abort();
        (void)alert_is_trigger(&a, triggers, sizeof(triggers) / sizeof(triggers[0]));
    } else if (err != ALERT_ERR_MISSING_FIELD && err != ALERT_ERR_BAD_FIELD) {
        if (a.shared_secret != NULL || a.alert_type_id != NULL || a.network_id != NULL)
            abort();
    }
    alert_clear(&a);
    return 0;
}
