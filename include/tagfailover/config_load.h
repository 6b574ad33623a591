/*
 * config_load.h - the configuration from disk: reads the file and hands its text to
 * config_parse (config.h) with the real file system as the reader of the files it names.
 *
 * Adapter (io): this is where the configuration touches the file system. Any thread may call
 * it; it keeps no state.
 */
#ifndef TAGFAILOVER_CONFIG_LOAD_H
#define TAGFAILOVER_CONFIG_LOAD_H

#include <stddef.h>

#include "tagfailover/config.h"

/* Loads and validates the file at `path` (at most TF_CONFIG_MAX_BYTES) into `out`, as
 * config_parse does with the file's text; secret files are read from disk and TLS and CA
 * files must be readable regular files. CONFIG_ERR_IO when the file cannot be opened or read.
 * On error the messages go to `err` (one per line, NUL-terminated, truncated to errlen) and
 * `out` is left empty. On success the caller frees `out` with config_free. */
config_err config_load(const char *path, config_getenv_fn getenv_fn, config *out, char *err,
                       size_t errlen) __attribute__((warn_unused_result));

/* The reader config_load gives config_parse: the real file system, paths as given (relative
 * ones to the working directory). */
config_reader config_load_reader(void);

#endif
