/*
 * commands_history.c - `history [--since DURATION] [NETWORK_ID]`: the tag changes of managed
 * networks from every managed organization's change log, newest first. Reads through the
 * Dashboard client (dash_list_changes, filtered by network when one is given), judges and
 * renders through history.h. See commands.h.
 */
#include "tagfailover/commands.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tagfailover/changes.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/fetch.h"
#include "tagfailover/history.h"

#include "commands_int.h"

/* One organization's entries. */
typedef struct {
    char *org_id; /* borrowed from the organization list */
    chg_entry *v;
    size_t n;
} cmd_hist_org;

int cmd_history(const config *cfg, const cmd_options *opt, const char *network_id, int64_t since_s,
                FILE *out)
{
    cmd_api api;
    char **ids = NULL, **names = NULL;
    size_t n_orgs = 0, n_items = 0, cap = 0;
    cmd_hist_org *logs = NULL;
    hist_item *items = NULL;
    dash_error err = {0};
    char *text = NULL;
    int code = 1;

    if (!cmd_api_open(cfg, &api))
        return 1;
    const fetch_env fenv = {.cfg = cfg, .client = api.client};
    if (fetch_organizations(&fenv, &ids, &names, &n_orgs, &err) != FETCH_OK) {
        fprintf(stderr, "tagfailover: cannot list organizations: %s\n", err.message);
        goto out;
    }
    logs = n_orgs > 0 ? calloc(n_orgs, sizeof(*logs)) : NULL;
    if (n_orgs > 0 && logs == NULL)
        goto nomem;
    code = 0;
    for (size_t i = 0; i < n_orgs; i++) {
        logs[i].org_id = ids[i];
        if (dash_list_changes(api.client, ids[i], (long)since_s, network_id, &logs[i].v, &logs[i].n,
                              &err) != DASH_OK) {
            fprintf(stderr, "tagfailover: organization %s: cannot read its change log: %s\n",
                    ids[i], err.message);
            code = 1;
            continue;
        }
        cap += logs[i].n;
    }
    items = cap > 0 ? calloc(cap, sizeof(*items)) : NULL;
    if (cap > 0 && items == NULL)
        goto nomem;
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n_orgs; i++) {
        for (size_t k = 0; k < logs[i].n; k++) {
            hist_kind kind;
            const chg_entry *e = &logs[i].v[k];
            /* The API filters by network already; the check keeps a stray entry out. */
            if (network_id != NULL && (e->network_id == NULL || strcmp(e->network_id, network_id)))
                continue;
            if (e->ts < now - since_s || !hist_classify(e, &kind))
                continue;
            items[n_items++] =
                (hist_item){.org_id = logs[i].org_id, .e = e, .kind = kind, .seq = k};
        }
    }
    hist_sort(items, n_items);
    text = opt->json ? hist_render_json(items, n_items, now, since_s, network_id, true)
                     : hist_render_text(items, n_items, now, since_s, network_id);
    if (text == NULL)
        goto nomem;
    fputs(text, out);
    if (opt->json)
        fputc('\n', out);
    goto out;
nomem:
    fprintf(stderr, "tagfailover: out of memory\n");
    code = 1;
out:
    free(text);
    free(items);
    for (size_t i = 0; logs != NULL && i < n_orgs; i++)
        chg_free(logs[i].v, logs[i].n);
    free(logs);
    fetch_strs_free(ids, n_orgs);
    fetch_strs_free(names, n_orgs);
    cmd_api_close(&api);
    return code;
}
