/*
 * fuzz_http_head.c - libFuzzer target: arbitrary bytes as a request to libmicrohttpd 0.9.75,
 * with the listeners' request-head checks (src/io/httpd_head.c) run on what MHD parsed.
 *
 * The head checks walk MHD's own read buffer around the pointers it hands out, so the bytes
 * must go through MHD's real parser: one MHD daemon with no listen socket and no thread (run
 * by MHD_run from this thread, as strict as the listeners), and per input a socketpair whose
 * one end is given to MHD and whose other end carries the input, then a half-close, until MHD
 * answers and closes. Besides crashes, hangs and sanitizer reports, it checks the checks'
 * promises: a refusal always names its reason, and a request they pass has at most one
 * Content-Length and not both it and Transfer-Encoding.
 */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs longer than this are cut: the listeners' head is far smaller (MHD's connection
 * memory), and a socketpair's buffer must hold the whole input. */
#define FUZZ_HEAD_MAX 16384

/* MHD_run rounds per input before it counts as a hang: each moves the connection a step. */
#define FUZZ_HEAD_ROUNDS 64

static struct MHD_Daemon *fuzz_daemon;
static struct MHD_Response *fuzz_ok, *fuzz_refused;

static enum MHD_Result fuzz_count_length(void *cls, enum MHD_ValueKind kind, const char *key,
                                         const char *value)
{
    unsigned *n = cls;
    (void)kind, (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        n[0]++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        n[1]++;
    return MHD_YES;
}

static enum MHD_Result fuzz_handler(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    static int passed;
    (void)cls, (void)url, (void)method, (void)upload_data;

    if (*con_cls == NULL) {
        const char *why = NULL;
        if (!httpd_head_ok(c, version, &why)) {
            if (why == NULL || why[0] == '\0')
                abort();
            return MHD_queue_response(c, MHD_HTTP_BAD_REQUEST, fuzz_refused);
        }
        unsigned n[2] = {0, 0};
        MHD_get_connection_values(c, MHD_HEADER_KIND, fuzz_count_length, n);
        if (n[0] > 1 || n[1] > 1 || (n[0] == 1 && n[1] == 1))
            abort();
        *con_cls = &passed;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(c, MHD_HTTP_OK, fuzz_ok);
}

static void fuzz_start(void)
{
    fuzz_ok = MHD_create_response_from_buffer(2, "ok", MHD_RESPMEM_PERSISTENT);
    fuzz_refused = MHD_create_response_from_buffer(3, "bad", MHD_RESPMEM_PERSISTENT);
    fuzz_daemon = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, fuzz_handler, NULL,
                                   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)8192,
                                   MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
    if (fuzz_daemon == NULL || fuzz_ok == NULL || fuzz_refused == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    char buf[4096];

    if (fuzz_daemon == NULL)
        fuzz_start();
    if (size > FUZZ_HEAD_MAX)
        size = FUZZ_HEAD_MAX;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    int sndbuf = 4 * FUZZ_HEAD_MAX;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (MHD_add_connection(fuzz_daemon, sv[0], (struct sockaddr *)&peer, sizeof(peer)) != MHD_YES)
        abort();
    size_t sent = 0;
    while (sent < size) {
        ssize_t w = write(sv[1], data + sent, size - sent);
        if (w <= 0)
            break; /* the buffer is full or MHD closed already: it has enough */
        sent += (size_t)w;
    }
    shutdown(sv[1], SHUT_WR);
    for (int round = 0; round < FUZZ_HEAD_ROUNDS; round++) {
        MHD_run(fuzz_daemon);
        ssize_t r = read(sv[1], buf, sizeof(buf));
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            break; /* MHD answered and closed */
        if (r < 0)
            poll(NULL, 0, 0);
    }
    close(sv[1]);
    /* Let MHD see the close and free the connection before the next input. */
    for (int i = 0; i < 4; i++)
        MHD_run(fuzz_daemon);
    return 0;
}
