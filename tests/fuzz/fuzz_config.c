/*
 * fuzz_config.c - libFuzzer target: the INI configuration parser and validator on arbitrary
 * text.
 *
 * The environment is empty (no getenv function). Paths named in the text are opened as the
 * real loader would, so run the fuzzer in a scratch directory and as an unprivileged user.
 * Besides memory safety: an error leaves a message, and an accepted configuration dumps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char err[2048];
    config c;
    config_err e;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    err[0] = '\0';
    e = config_load_string(text, "fuzz.conf", NULL, &c, err, sizeof(err));
    if (config_strerror(e) == NULL)
        abort();
    if (e == CONFIG_OK) {
        char *dump = config_dump(&c);

        free(dump);
        config_free(&c);
    } else if (e == CONFIG_ERR_INVALID && err[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
