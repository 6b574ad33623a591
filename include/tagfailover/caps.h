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

/* Largest Dashboard API response we buffer (10,000 networks are ~6 MiB; loss data for a large
 * organization with 1-s samples is larger). Anything bigger is an error, never truncated. */
#define TF_API_MAX_RESPONSE (256L * 1024 * 1024)

/* Largest response header line we keep (Link headers of paginated answers are ~600 bytes). */
#define TF_API_MAX_HEADER 8192

/* A tag longer than this, or a network with more tags, is an API answer we refuse. Meraki's
 * own limit is far below both; they exist so a broken answer cannot make us allocate
 * without bound. */
#define TF_TAG_MAX_LEN 1024
#define TF_TAGS_MAX_COUNT 1024

/* Longest site name in a pair tag (DESIGN section 2). */
#define TF_SITE_MAX_LEN 64

/* Longest ID (organization, network, alert) accepted from a webhook. */
#define TF_ID_MAX_LEN 128

/* Most redirects followed in a row (DESIGN section 10). */
#define TF_API_MAX_REDIRECTS 3

/* Longest configuration line and the most [site] sections. */
#define TF_CONFIG_MAX_SITES 4096

#endif
