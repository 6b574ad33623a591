/*
 * replay.c - runs a libFuzzer target without libFuzzer: feeds every regular file of each
 * directory (or each file) named on the command line to LLVMFuzzerTestOneInput, once.
 *
 * This is how the committed seed corpus runs as a ctest case in every build, sanitizers
 * included, with any compiler. A crash or abort fails the test; so does an empty corpus,
 * which would otherwise pass without testing anything.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds one file; returns 0 on success, -1 when it cannot be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    int rc = -1;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    do {
        if (len == cap) {
            uint8_t *grown = realloc(buf, cap == 0 ? 4096 : cap * 2);

            if (grown == NULL)
                goto out;
            buf = grown;
            cap = cap == 0 ? 4096 : cap * 2;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    if (ferror(f)) {
        perror(path);
        goto out;
    }
    /* An exact-size copy, so ASan catches a read one byte past the input. */
    {
        uint8_t *exact = malloc(len > 0 ? len : 1);

        if (exact == NULL)
            goto out;
        memcpy(exact, buf, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

/* Feeds a file, or every regular file of a directory; returns how many ran, -1 on error. */
static long replay_path(const char *path)
{
    struct stat st;
    DIR *dir;
    struct dirent *de;
    long count = 0;

    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path) == 0 ? 1 : -1;
    dir = opendir(path);
    if (dir == NULL) {
        perror(path);
        return -1;
    }
    while ((de = readdir(dir)) != NULL) {
        char full[4096];

        if (de->d_name[0] == '.')
            continue;
        snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (replay_file(full) != 0) {
            count = -1;
            break;
        }
        count++;
    }
    closedir(dir);
    return count;
}

int main(int argc, char **argv)
{
    long total = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        long n = replay_path(argv[i]);

        if (n < 0)
            return 1;
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "%s: no inputs found\n", argv[0]);
        return 1;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
