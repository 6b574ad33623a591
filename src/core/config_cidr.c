/*
 * config_cidr.c - IP addresses and CIDRs: the canonical text of an address, a CIDR parsed (or
 * why not), and whether an address is inside a range or a list of them.
 */
#include "tagfailover/config.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "config_internal.h"

/* Canonical text of an IPv4 or IPv6 address; false when `v` is neither. */
bool config_address_canonical(const char *v, char *buf, size_t size)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, v, a) == 1)
        return inet_ntop(AF_INET, a, buf, (socklen_t)size) != NULL;
    if (inet_pton(AF_INET6, v, a) == 1)
        return inet_ntop(AF_INET6, a, buf, (socklen_t)size) != NULL;
    return false;
}

/* Parses a CIDR; returns NULL or why not. */
const char *config_cidr_problem(const char *s, config_cidr *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    config_cidr c = {0};
    size_t n = strlen(s);

    if (n == 0)
        return "is empty";
    if (n >= sizeof(buf))
        return "is too long";
    memcpy(buf, s, n + 1);

    char *slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    if (inet_pton(AF_INET, buf, c.addr) == 1) {
        c.family = AF_INET;
        c.prefix = 32;
    } else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
        c.family = AF_INET6;
        c.prefix = 128;
    } else {
        return "is not an IPv4 or IPv6 address or CIDR";
    }
    if (slash != NULL) {
        const char *d = slash + 1;
        size_t digits = strspn(d, "0123456789");
        if (digits == 0 || digits > 3 || d[digits] != '\0')
            return "has a bad prefix length";
        unsigned long len = strtoul(d, NULL, 10);
        if (len > c.prefix)
            return c.family == AF_INET ? "has a prefix length over 32"
                                       : "has a prefix length over 128";
        c.prefix = (unsigned)len;
    }
    /* Host bits are refused rather than masked (see config.h). */
    unsigned bytes = c.family == AF_INET ? 4 : 16;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned bits = i * 8;
        unsigned keep = c.prefix >= bits + 8 ? 8 : (c.prefix > bits ? c.prefix - bits : 0);
        unsigned char mask = (unsigned char)(keep == 0 ? 0 : 0xffu << (8 - keep));
        if ((c.addr[i] & (unsigned char)~mask) != 0)
            return "has bits set after the prefix length (write the network address)";
    }
    *out = c;
    return NULL;
}

bool config_cidr_parse(const char *s, config_cidr *out)
{
    config_cidr c;
    if (s == NULL || out == NULL || config_cidr_problem(s, &c) != NULL)
        return false;
    *out = c;
    return true;
}

static bool config_prefix_match(const unsigned char *net, const unsigned char *addr,
                                unsigned prefix)
{
    unsigned full = prefix / 8, rest = prefix % 8;
    if (memcmp(net, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (net[full] & mask) == (addr[full] & mask);
}

static const unsigned char config_v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool config_cidr_contains(const config_cidr *c, int family, const unsigned char *addr)
{
    unsigned char mapped[16];

    if (c == NULL || addr == NULL)
        return false;
    if (c->family == AF_INET) {
        /* An IPv4-mapped IPv6 address is the IPv4 address as a dual-stack socket reports it. */
        if (family == AF_INET6 && memcmp(addr, config_v4_mapped_prefix, 12) == 0)
            return config_prefix_match(c->addr, addr + 12, c->prefix);
        return family == AF_INET && config_prefix_match(c->addr, addr, c->prefix);
    }
    if (c->family != AF_INET6)
        return false;
    if (family == AF_INET) {
        /* Seen from an IPv6 range, an IPv4 peer is its mapped address. */
        memcpy(mapped, config_v4_mapped_prefix, 12);
        memcpy(mapped + 12, addr, 4);
        return config_prefix_match(c->addr, mapped, c->prefix);
    }
    return family == AF_INET6 && config_prefix_match(c->addr, addr, c->prefix);
}

bool config_cidr_list_contains(const config_cidr_list *l, int family, const unsigned char *addr)
{
    if (l == NULL)
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (config_cidr_contains(&l->v[i], family, addr))
            return true;
    return false;
}
