/*
 * config.h - the one tagfailover configuration writer of the integration tests: the
 * configuration every world starts from, with any key overridden, removed or added.
 *
 * The defaults point the daemon at the world's fake and ports, on 127.0.0.1 only:
 *
 *   [dashboard] base_url = <the fake>   api_key = test-api-key   data_lag_s = 0   timeout_s = 5
 *   [listener]  mode = plain   address = 127.0.0.1   port = <w->port>   shared_secret = secret
 *               cert_file, key_file = <w->certs>/server.crt, server.key (when the world has
 *               certificates)
 *   [admin]     address = 127.0.0.1   port = <w->admin_port>
 *   [failover]  detect_window_s = 6   clean_window_s = 6   confirm_interval_s = 1
 *               confirm_window_s = 10   reconcile_interval_s = 30
 *   [log]       format = json   level = debug
 *
 * Time is compressed (the design allows it): with the fake's 1-s samples and no data lag,
 * 6-s windows and a 1-s confirmation interval make every failover and failback of a test
 * happen within seconds, and a 30-s reconcile interval keeps reconciles out of a test that is
 * about webhooks. Tests poll with deadlines instead of sleeping wherever they wait for
 * something to happen.
 */
#ifndef TF_HARNESS_CONFIG_H
#define TF_HARNESS_CONFIG_H

#include "harness/world.h"

/* The listener's shared_secret: the sharedSecret of Meraki's example payloads. */
#define HARNESS_SECRET "secret"

/* Writes w->conf: the defaults above changed by `overrides` (may be NULL or ""), a text of
 * lines "[section]" and "key = value" read in order: a key of the defaults takes the new
 * value (the last one given wins), any other key is added to its section, and sections the
 * defaults lack (such as "[site london]") come after theirs. Then sets w->tls, w->base and w->url
 * from the listener's mode, port and webhook_path. Returns 0, or -1 (with a message) for an
 * override line that is neither, a key before any section, or a file too large. */
int harness_conf_write(harness_world *w, const char *overrides);

#endif
