/* SPDX-License-Identifier: ISC */
/* read_pager.c: long output to a terminal through $PAGER (default less).
 *
 * Output is collected first, then shown through the pager when it is longer than the screen.
 * Collecting first means a command that fails verification part-way shows its error without a
 * pager in the way. At most PAGE_CAP bytes are collected: longer output (show of a large
 * document) starts the pager at once and streams into it, so memory stays bounded whatever the
 * document size.
 *
 * As git and man do: a pager that cannot run (not found, or exits with a failure before
 * reading anything) is reported in a warning and the output goes to the terminal instead; a
 * pager the user quits early is success, and the rest of the output is dropped. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "read.h"

#define PAGE_CAP (4u << 20)

typedef enum {
    PAGE_COLLECT, /* gathering output to decide */
    PAGE_PAGER,   /* the pager is reading */
    PAGE_DIRECT,  /* to the terminal: the output fits, or the pager could not run */
    PAGE_GONE     /* the user quit the pager: output is dropped */
} page_state;

typedef struct pager {
    FILE *real; /* the terminal */
    page_state state;
    int fd; /* the pipe to the pager, or -1 */
    pid_t pid;
    const char *cmd;
    char *buf; /* collected output, kept until the pager is known to have read some */
    size_t len, cap;
    uint64_t sent; /* bytes written into the pipe */
} pager;

static pager page = {.fd = -1};

/* Whether the collected output needs a pager: longer than the screen, or too long to hold. */
static bool too_long(void)
{
    struct winsize ws;
    size_t lines = 0;
    if (page.len >= PAGE_CAP)
        return true;
    for (size_t i = 0; i < page.len; i++)
        lines += page.buf[i] == '\n';
    return ioctl(fileno(page.real), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && lines >= ws.ws_row;
}

/* Starts sh -c CMD reading a pipe; our end is page.fd. SIGPIPE is ignored from now on so that
 * a pager that goes away is a write error (EPIPE) to handle, not the end of the program. */
static bool spawn(void)
{
    int p[2];
    const char *cmd = getenv("PAGER");
    page.cmd = cmd != NULL && *cmd != '\0' ? cmd : "less";
    setenv("LESS", "FRX", 0);
    if (pipe2(p, O_CLOEXEC) != 0)
        return false;
    fflush(page.real);
    fflush(stderr);
    signal(SIGPIPE, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL); /* an ignored signal would stay ignored across exec */
        if (p[0] == STDIN_FILENO ? fcntl(p[0], F_SETFD, 0) != 0 : dup2(p[0], STDIN_FILENO) < 0)
            _exit(127);
        execl("/bin/sh", "sh", "-c", page.cmd, (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        return false;
    }
    page.fd = p[1];
    page.pid = pid;
    return true;
}

static int send_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(page.fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k, n -= (size_t)k;
        page.sent += (uint64_t)k;
    }
    return 0;
}

static void warn_pager(const char *why)
{
    fputs(PROG ": warning: pager '", stderr);
    cli_escape_str(stderr, page.cmd, strlen(page.cmd), 0);
    fprintf(stderr, "' %s: writing to the terminal instead\n", why);
}

/* Closes the pipe and waits for the pager. One that failed before reading a byte is broken:
 * warn and go on on the terminal (the caller writes the kept output there). Otherwise the
 * pager has shown what the user wanted: the rest is dropped. */
static void pager_end(void)
{
    int unread = 0, st = 0;
    if (ioctl(page.fd, FIONREAD, &unread) != 0)
        unread = 0;
    close(page.fd);
    page.fd = -1;
    while (waitpid(page.pid, &st, 0) < 0 && errno == EINTR)
        ;
    bool failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    if (failed && page.sent == (uint64_t)unread && page.buf != NULL) {
        char why[64];
        if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
            snprintf(why, sizeof why, "was not found");
        else if (WIFEXITED(st))
            snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(st));
        else
            snprintf(why, sizeof why, "was killed by signal %d", WTERMSIG(st));
        warn_pager(why);
        page.state = PAGE_DIRECT;
        if (page.len > 0)
            fwrite(page.buf, 1, page.len, page.real);
    } else if (page.state == PAGE_PAGER) {
        page.state = PAGE_GONE;
    }
}

/* Ends collecting: shows the output so far through the pager or on the terminal. */
static void release(void)
{
    page.state = PAGE_DIRECT;
    if (too_long()) {
        if (spawn())
            page.state = PAGE_PAGER;
        else
            warn_pager("could not be started");
    }
    if (page.state == PAGE_DIRECT) {
        if (page.len > 0) /* nothing collected: buf may be NULL, which fwrite may not take */
            fwrite(page.buf, 1, page.len, page.real);
        free(page.buf);
        page.buf = NULL;
        page.cap = 0;
    } else if (send_all(page.buf, page.len) != 0) {
        pager_end();
    }
}

static ssize_t pager_write(void *cookie, const char *p, size_t n)
{
    (void)cookie;
    if (page.state == PAGE_COLLECT) {
        if (page.cap - page.len < n) { /* doubling: linear copying, whatever the write sizes */
            size_t cap = page.cap ? page.cap : 65536;
            while (cap - page.len < n)
                cap *= 2;
            char *b = realloc(page.buf, cap);
            if (b == NULL)
                return -1;
            page.buf = b, page.cap = cap;
        }
        memcpy(page.buf + page.len, p, n);
        page.len += n;
        if (page.len > PAGE_CAP)
            release();
        return (ssize_t)n;
    }
    if (page.state == PAGE_PAGER && send_all(p, n) != 0)
        pager_end();
    if (page.state == PAGE_DIRECT)
        return fwrite(p, 1, n, page.real) == n ? (ssize_t)n : -1;
    return (ssize_t)n; /* sent to the pager, or dropped after the user quit it */
}

bool read_pager_start(void)
{
    FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){.write = pager_write});
    if (f == NULL)
        return false;
    page.real = stdout;
    stdout = f;
    return true;
}

void read_pager_finish(void)
{
    fflush(stdout);
    if (page.state == PAGE_COLLECT)
        release();
    fclose(stdout);
    stdout = page.real;
    if (page.state == PAGE_PAGER)
        pager_end();
    free(page.buf);
    page.buf = NULL;
    page.cap = 0;
}

bool read_pager_gone(void)
{
    return page.state == PAGE_GONE;
}
