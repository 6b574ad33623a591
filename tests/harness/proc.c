/*
 * proc.c - child processes, ports and certificates (see proc.h).
 */
#define _GNU_SOURCE /* environ */

#include "harness/proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Most environment entries a child gets. */
#define HARNESS_MAX_ENV 4096
/* How long gen-certs.sh may take on a loaded machine. */
#define HARNESS_GEN_CERTS_MS 60000

/* Builds the child's environment: ours, changed by `env`. Returns a malloc'd array of
 * borrowed strings (free the array only). */
static char **harness_build_env(const char *const env[])
{
    char **out = calloc(HARNESS_MAX_ENV + 1, sizeof *out);
    size_t n = 0;

    if (out == NULL)
        return NULL;
    for (char **e = environ; *e && n < HARNESS_MAX_ENV; e++) {
        int replaced = 0;

        for (size_t i = 0; env && env[i]; i++) {
            size_t klen = strcspn(env[i], "=");

            if (strncmp(*e, env[i], klen) == 0 && (*e)[klen] == '=')
                replaced = 1;
        }
        if (!replaced)
            out[n++] = *e;
    }
    for (size_t i = 0; env && env[i] && n < HARNESS_MAX_ENV; i++)
        if (strchr(env[i], '='))
            out[n++] = (char *)env[i];
    out[n] = NULL;
    return out;
}

int harness_spawn(const char *dir, const char *name, const char *const argv[],
                  const char *const env[], struct harness_proc *out)
{
    char **envp;
    int fd_out, fd_err, fd_null;
    pid_t parent = getpid(), pid;

    memset(out, 0, sizeof *out);
    if (snprintf(out->stdout_path, sizeof out->stdout_path, "%s/%s.stdout", dir, name) >=
            (int)sizeof out->stdout_path ||
        snprintf(out->stderr_path, sizeof out->stderr_path, "%s/%s.stderr", dir, name) >=
            (int)sizeof out->stderr_path)
        return -1;
    envp = harness_build_env(env);
    fd_out = open(out->stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    fd_err = open(out->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    fd_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (envp == NULL || fd_out < 0 || fd_err < 0 || fd_null < 0) {
        fprintf(stderr, "harness: spawn %s: cannot set up files: %s\n", argv[0], strerror(errno));
        goto fail;
    }
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "harness: fork: %s\n", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        /* Child: only async-signal-safe calls until execve. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        if (dup2(fd_null, 0) < 0 || dup2(fd_out, 1) < 0 || dup2(fd_err, 2) < 0)
            _exit(127);
        execve(argv[0], (char *const *)argv, envp);
        {
            static const char msg[] = "harness: execve failed\n";
            ssize_t ignored = write(2, msg, sizeof msg - 1);

            (void)ignored;
        }
        _exit(127);
    }
    out->pid = pid;
    free(envp);
    close(fd_out);
    close(fd_err);
    close(fd_null);
    return 0;
fail:
    free(envp);
    if (fd_out >= 0)
        close(fd_out);
    if (fd_err >= 0)
        close(fd_err);
    if (fd_null >= 0)
        close(fd_null);
    return -1;
}

/* Whether pid has exited, without reaping it (so harness_wait_exit still sees its status). */
static int harness_exited(pid_t pid)
{
    siginfo_t info;

    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return info.si_pid == pid;
}

char *harness_first_line(const struct harness_proc *proc, int timeout_ms)
{
    long long deadline = harness_now_ms() + timeout_ms;

    for (;;) {
        char *text = harness_read_file(proc->stdout_path);
        char *nl = text ? strchr(text, '\n') : NULL;
        int gone;

        if (nl) {
            *nl = '\0';
            return text;
        }
        free(text);
        gone = harness_exited(proc->pid);
        if (gone || harness_now_ms() >= deadline) {
            /* One last look: the line may have landed just before the exit. */
            text = harness_read_file(proc->stdout_path);
            nl = text ? strchr(text, '\n') : NULL;
            if (nl) {
                *nl = '\0';
                return text;
            }
            free(text);
            fprintf(stderr, "harness: no first line from pid %d (%s)\n", (int)proc->pid,
                    gone ? "it exited" : "timeout");
            return NULL;
        }
        harness_sleep_ms(10);
    }
}

int harness_wait_exit(pid_t pid, int timeout_ms)
{
    long long deadline = harness_now_ms() + timeout_ms;

    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid) {
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
            return -1;
        }
        if (r < 0 && errno != EINTR)
            return -1;
        if (harness_now_ms() >= deadline)
            return -1;
        harness_sleep_ms(10);
    }
}

int harness_stop(pid_t pid)
{
    int status;

    if (pid <= 0)
        return -1;
    if (kill(pid, SIGTERM) != 0 && errno != ESRCH)
        return -1;
    status = harness_wait_exit(pid, 5000);
    if (status >= 0)
        return status;
    fprintf(stderr, "harness: pid %d ignored SIGTERM for 5 s; killing it\n", (int)pid);
    kill(pid, SIGKILL);
    return harness_wait_exit(pid, 5000);
}

int harness_gen_certs(const char *log_dir, const char *out_dir)
{
    char script[HARNESS_PATH_MAX];
    struct harness_proc p;
    const char *src = harness_env("TF_SOURCE_DIR");
    int rc;

    if (src == NULL ||
        snprintf(script, sizeof script, "%s/scripts/gen-certs.sh", src) >= (int)sizeof script)
        return -1;
    const char *argv[] = {"/bin/bash", script, out_dir, NULL};
    if (harness_spawn(log_dir, "gen-certs", argv, NULL, &p) != 0)
        return -1;
    rc = harness_wait_exit(p.pid, HARNESS_GEN_CERTS_MS);
    if (rc != 0) {
        char *err = harness_read_file(p.stderr_path);

        fprintf(stderr, "harness: gen-certs.sh exited %d: %s\n", rc, err ? err : "");
        free(err);
        return -1;
    }
    return 0;
}

/* ---- ports ---- */

/* The address 127.0.0.1:port. */
static struct sockaddr_in harness_loopback(int port)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

int harness_connect(int port)
{
    struct sockaddr_in a = harness_loopback(port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int harness_free_port(void)
{
    struct sockaddr_in a = harness_loopback(0);
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port = -1;

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int harness_wait_port(int port, int timeout_ms)
{
    long long deadline = harness_now_ms() + timeout_ms;

    for (;;) {
        int fd = harness_connect(port);

        if (fd >= 0) {
            close(fd);
            return 0;
        }
        if (harness_now_ms() >= deadline)
            return -1;
        harness_sleep_ms(20);
    }
}
