/*
 * caps.h - every cap on input that comes from the network or a file, in one place.
 *
 * Each number bounds memory or time an outsider can make us spend. The configurable ones
 * ([listener] max_body_bytes, max_connections, connection_timeout_s) have their hard
 * ceilings here; config validation refuses values above them.
 */
#ifndef TAGFAILOVER_CAPS_H
#define TAGFAILOVER_CAPS_H

/* Deepest JSON nesting accepted from a webhook or the API (Meraki's payloads reach 4). */
#define TF_JSON_MAX_DEPTH 32

/* Ceiling for [listener] max_body_bytes; Meraki's largest example payload is ~2 KiB. */
#define TF_WEBHOOK_BODY_CEILING (1024 * 1024)

/* Ceiling for [listener] max_connections. */
#define TF_MAX_CONNECTIONS_CEILING 65536

/* Largest Dashboard API response we buffer, counted on the wire (CURLOPT_MAXFILESIZE_LARGE)
 * and again after decoding (gzip and the like: a 100-KB answer can decode to 100 MiB).
 * 10,000 networks are ~6 MiB; one 300-s loss read of a 10,000-appliance organization with
 * Meraki's 60-s samples is ~20 MiB. Anything bigger is an error, never truncated. The answers
 * that can be this large (listings, loss) are parsed one element at a time, so one costs the
 * buffer plus the structs it becomes: about two to three times its size, not the ten to
 * thirty-six times of a json-c tree of the whole text. */
#define TF_API_MAX_RESPONSE (64L * 1024 * 1024)

/* Largest answer parsed as one json-c tree (ten to thirty-six times its size in memory): one
 * network (1,024 tags of 1,024 characters are 1 MiB), the third-party peers, an error body,
 * the set-up calls' answers. Over it such an answer is too large (an error body is then
 * reported as text). */
#define TF_API_MAX_OBJECT_RESPONSE (4L * 1024 * 1024)

/* Largest response header line we keep (Link headers of paginated answers are ~600 bytes). */
#define TF_API_MAX_HEADER 8192

/* A tag longer than this, or a network with more tags, is an API answer we refuse. Meraki's
 * own limit is far below both; they exist so a broken answer cannot make us allocate
 * without bound. */
#define TF_TAG_MAX_LEN    1024
#define TF_TAGS_MAX_COUNT 1024

/* Longest site name in a pair tag (the README's "Tags and network states"). */
#define TF_SITE_MAX_LEN 64

/* Longest ID (organization, network, alert, alert type), from a webhook, the command line, the
 * configuration or the API: IDs go into API paths, so they are also held to id.h's characters.
 * Meraki's are under 25 characters. */
#define TF_ID_MAX_LEN 64

/* Longest short field of an API answer that is not an ID (a serial, an uplink's name or status,
 * a destination IP). */
#define TF_API_FIELD_MAX_LEN 128

/* Most redirects followed in a row (the README's "How it talks to the Dashboard"). */
#define TF_API_MAX_REDIRECTS 3

/* Longest Retry-After honoured, in seconds: a longer one is taken as this (a broken or hostile
 * answer must not stop an organization for hours). Meraki's are a few seconds. */
#define TF_API_MAX_RETRY_AFTER_S 300

/* Most pages one paginated read follows (a `Link: rel=next` loop must end). At the smallest
 * perPage (3) this is 30,000 items; at the sizes the client asks for, far more than exists. */
#define TF_API_MAX_PAGES 10000

/* Longest configuration line and the most [site] sections. */
#define TF_CONFIG_MAX_LINE  4096
#define TF_CONFIG_MAX_SITES 4096

/* Largest configuration file, and largest secret file (an API key is 40 characters). */
#define TF_CONFIG_MAX_BYTES (1024 * 1024)
#define TF_SECRET_MAX_BYTES 4096

/* Per-connection memory of the HTTP servers: request line, headers, read and write buffers.
 * A request whose headers do not fit (about 6 KiB of them) is refused by libmicrohttpd itself
 * (431). Meraki's requests carry well under 1 KiB of headers; libmicrohttpd zeroes this pool
 * for every request, so a larger one costs time as well as memory (~8 KiB per connection). */
#define TF_HTTP_CONNECTION_MEMORY (8 * 1024)

/* Largest PEM file (certificate chain or private key) read for TLS. */
#define TF_PEM_MAX_BYTES (1024 * 1024)

/* Longest X-Forwarded-For considered (all such headers joined), and the most addresses walked
 * in it; past either, the client is unknown (and fails a non-empty allowed_sources). */
#define TF_XFF_MAX_LEN     2048
#define TF_XFF_MAX_ENTRIES 64

/* A streamed (chunked) webhook body that passes max_body_bytes is no longer kept; its further
 * bytes are read and dropped so the 413 can be sent once it ends, but only up to this many:
 * past it the connection is cut without an answer. */
#define TF_WEBHOOK_DISCARD_MAX (1024 * 1024)

/* Entries in the webhook duplicate table (16 bytes each; the oldest is evicted when full). */
#define TF_WEBHOOK_DEDUP_SLOTS 8192

/* Connections the admin listener serves at once, and its idle timeout / request deadline. */
#define TF_ADMIN_MAX_CONNECTIONS 256
#define TF_ADMIN_TIMEOUT_S       10

/* Most confirmations one organization keeps pending; an alert for a new network while this
 * many wait is left to the reconcile (logged and counted as skipped). */
#define TF_MAX_CONFIRMATIONS 4096

/* Alerts one organization's queue holds while its thread is busy (a burst of Meraki alerts for
 * a whole organization is a few hundred); past it that organization's alerts are answered 503
 * with Retry-After, and every other organization's still go through. */
#define TF_ORG_QUEUE_CAPACITY 1024

/* Most loss samples the status model keeps per network for the operator's page (the detect
 * window's series): a chart is about this many pixels wide, and 1,000 networks of a day-long
 * window of 1-s samples would otherwise hold 1.4 GB. Past it, each run of consecutive samples
 * keeps its worst, so a peak is never thinned away. */
#define TF_STATUS_SERIES_MAX 120

/* Notifications waiting for the notifier's thread (one per retag); past it a notification is
 * dropped and counted, so a hanging command or chat service never holds memory or a retag. */
#define TF_NOTIFY_QUEUE_CAPACITY 256

/* Bytes of a notify command's output (stdout and stderr together) kept for the debug log;
 * the rest is read and thrown away so the command never blocks on a full pipe. */
#define TF_NOTIFY_OUTPUT_MAX 2048

/* Bytes of a notify URL's answer read at all (a chat service answers "ok"); past it the
 * transfer is cut off, and the first TF_NOTIFY_OUTPUT_MAX are kept for the log. */
#define TF_NOTIFY_RESPONSE_MAX (64 * 1024)

#endif
