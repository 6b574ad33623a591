/*
 * fuzz_config.c - libFuzzer target: the INI configuration parser and validator (config_parse)
 * on arbitrary bytes, NULs included.
 *
 * The environment is empty (no getenv function) and the disk is never touched: the files a
 * configuration names are the table below, in memory (a secret file, an empty one, one with a
 * NUL byte, one over the cap, a certificate and key, a directory, an unreadable file); any other
 * path does not exist. Besides memory safety: every error leaves a message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/caps.h"
#include "tagfailover/config.h"

#define FUZZ_FILE(path, text)                                                                      \
    {                                                                                              \
        path, text, sizeof(text) - 1, 0, 0, false                                                  \
    }

/* One byte over the secret cap. */
static char fuzz_big[TF_SECRET_MAX_BYTES + 1];

static const config_memfile fuzz_files[] = {
    FUZZ_FILE("/fuzz/api_key", "0123456789abcdef\n"),
    FUZZ_FILE("/fuzz/secret", "shared secret\n"),
    FUZZ_FILE("/fuzz/empty", ""),
    FUZZ_FILE("/fuzz/nul", "key\0key\n"),
    FUZZ_FILE("/fuzz/cert.pem", "-----BEGIN CERTIFICATE-----\n"),
    FUZZ_FILE("/fuzz/key.pem", "-----BEGIN PRIVATE KEY-----\n"),
    {"/fuzz/big", fuzz_big, sizeof fuzz_big, 0, 0, false},
    {"/fuzz/denied", NULL, 0, EACCES, 0, false},
    {"/fuzz", NULL, 0, EISDIR, 0, false},
    {NULL, NULL, 0, 0, 0, false},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    config_reader files = config_memory_reader(fuzz_files);
    char err[2048];
    config c;
    config_err e;

    if (fuzz_big[0] == '\0')
        memset(fuzz_big, 'k', sizeof fuzz_big);
    err[0] = '\0';
    /* libFuzzer may hand an empty input as a NULL pointer. */
    const char *text = size > 0 ? (const char *)data : "";
    e = config_parse(text, size, "fuzz.conf", NULL, &files, &c, err, sizeof(err));
    if (config_strerror(e) == NULL)
        abort();
    if (e == CONFIG_OK) {
        char *dump = config_dump(&c);

        free(dump);
        config_free(&c);
    } else if (e == CONFIG_ERR_INVALID && err[0] == '\0') {
        abort();
    }
    return 0;
}
