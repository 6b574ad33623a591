/*
 * config_load.c - the configuration from disk: the file read whole, and the real file system
 * behind the config_reader that config_parse reads secret files and checks TLS files through.
 * See config_load.h.
 */
#include "tagfailover/config_load.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tagfailover/caps.h"

/* Opens `path` for reading without ever blocking (a FIFO's open waits for a writer; with
 * O_NONBLOCK it does not) and keeps it only when the opened file is a regular one: fstat on
 * the descriptor, not stat on the name, so the file checked is the file read. Returns the
 * descriptor, or -1 with *e set (EISDIR, CONFIG_FILE_NOT_REGULAR or open's errno). */
static int config_load_open(const char *path, int *e)
{
    struct stat st;

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *e = errno;
        return -1;
    }
    if (fstat(fd, &st) != 0)
        *e = errno;
    else if (S_ISDIR(st.st_mode))
        *e = EISDIR;
    else if (!S_ISREG(st.st_mode))
        *e = CONFIG_FILE_NOT_REGULAR;
    else
        return fd;
    close(fd);
    return -1;
}

/* config_reader.read_file: at most `size` bytes of a regular file. */
static int config_load_read(const void *ctx, const char *path, char *buf, size_t size, size_t *n)
{
    int e = 0;

    (void)ctx;
    *n = 0;
    int fd = config_load_open(path, &e);
    if (fd < 0)
        return e;
    while (*n < size) {
        ssize_t r = read(fd, buf + *n, size - *n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            e = errno;
            break;
        }
        if (r == 0)
            break;
        *n += (size_t)r;
    }
    close(fd);
    return e;
}

/* config_reader.check_file: the file opens for reading and is a regular file. open, not
 * access: the daemon opens it with its effective IDs, which access does not use. */
static int config_load_check(const void *ctx, const char *path)
{
    int e = 0;

    (void)ctx;
    int fd = config_load_open(path, &e);
    if (fd < 0)
        return e;
    close(fd);
    return 0;
}

/* True when `gid` is this process's effective group or one of its supplementary groups. */
static bool config_load_own_group(gid_t gid)
{
    gid_t groups[256];

    if (gid == getegid())
        return true;
    int n = getgroups((int)(sizeof groups / sizeof groups[0]), groups);
    for (int i = 0; i < n; i++)
        if (groups[i] == gid)
            return true;
    return false;
}

/* config_reader.file_info: the permission bits by name (stat opens nothing). */
static int config_load_info(const void *ctx, const char *path, config_file_info *info)
{
    struct stat st;

    (void)ctx;
    if (stat(path, &st) != 0)
        return errno;
    *info = (config_file_info){.mode = (unsigned)(st.st_mode & 07777),
                               .group_is_own = config_load_own_group(st.st_gid)};
    return 0;
}

config_reader config_load_reader(void)
{
    return (config_reader){.read_file = config_load_read,
                           .check_file = config_load_check,
                           .file_info = config_load_info,
                           .ctx = NULL};
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
    /* Never fopen the name: a FIFO given as the file would block the open (check-config, or a
     * reload on the signal thread) until someone writes to it. */
    int e = 0;
    int fd = config_load_open(path, &e);
    if (fd < 0) {
        if (err != NULL && errlen > 0) {
            if (e == CONFIG_FILE_NOT_REGULAR)
                snprintf(err, errlen,
                         "%s: cannot read: not a regular file (a FIFO, socket or device)\n", path);
            else
                snprintf(err, errlen, "%s: cannot %s: %s\n", path, e == EISDIR ? "read" : "open",
                         strerror(e));
        }
        goto out;
    }
    f = fdopen(fd, "r");
    if (f == NULL) {
        close(fd);
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
