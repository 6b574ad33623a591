/*
 * config_load.c - the configuration from disk: the file read whole, and the real file system
 * behind the config_reader that config_parse reads secret files and checks TLS files through.
 * See config_load.h.
 */
#include "tagfailover/config_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tagfailover/caps.h"

/* config_reader.read_file: at most `size` bytes of the file, as fread gives them. */
static int config_load_read(const void *ctx, const char *path, char *buf, size_t size, size_t *n)
{
    (void)ctx;
    *n = 0;
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return errno;
    errno = 0;
    *n = fread(buf, 1, size, f);
    int e = ferror(f) ? (errno != 0 ? errno : EIO) : 0;
    fclose(f);
    return e;
}

/* config_reader.check_file: the file opens for reading and is a regular file. open, not
 * access: the daemon opens it with its effective IDs, which access does not use. */
static int config_load_check(const void *ctx, const char *path)
{
    struct stat st;
    int e = 0;

    (void)ctx;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno;
    if (fstat(fd, &st) != 0)
        e = errno;
    else if (S_ISDIR(st.st_mode))
        e = EISDIR;
    else if (!S_ISREG(st.st_mode))
        e = EINVAL;
    close(fd);
    return e;
}

config_reader config_load_reader(void)
{
    return (config_reader){
        .read_file = config_load_read, .check_file = config_load_check, .ctx = NULL};
}

config_err config_load(const char *path, config_getenv_fn getenv_fn, config *out, char *err,
                       size_t errlen)
{
    config_err rc = CONFIG_ERR_IO;
    char *text = NULL;
    FILE *f = NULL;

    if (out == NULL)
        return CONFIG_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (path == NULL)
        return CONFIG_ERR_INVALID;
    f = fopen(path, "re");
    if (f == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot open: %s\n", path, strerror(errno));
        goto out;
    }
    text = malloc(TF_CONFIG_MAX_BYTES + 1);
    if (text == NULL) {
        rc = CONFIG_ERR_NOMEM;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: out of memory\n", path);
        goto out;
    }
    size_t n = fread(text, 1, TF_CONFIG_MAX_BYTES + 1, f);
    if (ferror(f)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot read: %s\n", path, strerror(errno ? errno : EIO));
        goto out;
    }
    if (n > TF_CONFIG_MAX_BYTES) {
        rc = CONFIG_ERR_INVALID;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: larger than %d bytes\n", path, TF_CONFIG_MAX_BYTES);
        goto out;
    }
    text[n] = '\0';
    config_reader files = config_load_reader();
    rc = config_parse(text, n, path, getenv_fn, &files, out, err, errlen);
out:
    if (text != NULL)
        explicit_bzero(text, TF_CONFIG_MAX_BYTES + 1);
    free(text);
    if (f != NULL)
        fclose(f);
    return rc;
}
