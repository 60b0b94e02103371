/* The connection loop (see mc_server.h).
 *
 * Single-threaded: every method is a few microseconds of arithmetic, so answering in order
 * on one thread is simpler than a pool and still serves many connections through poll().
 * Sockets are never switched to O_NONBLOCK (fd 3's file description is shared with the
 * launcher); reads follow poll() readiness and writes use MSG_DONTWAIT. */
#include "mc_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mc_frame.h"
#include "mc_log.h"
#include "mc_service.h"
#include "mc_status.h"

#define MAX_CONNS 64
#define READ_CHUNK 65536
#define OUT_HIGH_WATER (8u << 20) /* stop reading a peer that does not read its answers */
#define DRAIN_MS 2000             /* how long answers may take to flush on the way out */

typedef struct {
    int fd;
    unsigned id;
    mc_frame_reader reader;
    mc_buf out;
    bool eof; /* the peer sent EOF: flush what is owed, then close */
} conn;

typedef struct {
    int listen_fd;  /* -1 in fd 3 mode */
    bool single;    /* fd 3 mode: exit when the connection ends */
    bool stopping;  /* Shutdown or a signal: read nothing more, flush, exit */
    conn conns[MAX_CONNS];
    size_t n;
    unsigned next_id;
} server;

/* Self-pipe: the signal handler only writes a byte, the loop sees it in poll(). */
static int wake_pipe[2] = {-1, -1};

static void on_signal(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t unused = write(wake_pipe[1], &b, 1);
    (void)unused;
    errno = saved;
}

static bool install_signals(void) {
    if (pipe(wake_pipe) != 0) return false;
    fcntl(wake_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(wake_pipe[1], F_SETFD, FD_CLOEXEC);
    fcntl(wake_pipe[1], F_SETFL, O_NONBLOCK); /* a burst of signals must not block the handler */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* A launcher may hand down a blocked signal mask (threaded parents often do): unblock the
     * signals that stop us, or SIGTERM would never arrive. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
    sa.sa_handler = SIG_IGN; /* a vanished peer is an EPIPE to handle, not a reason to die */
    sigaction(SIGPIPE, &sa, NULL);
    return true;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_conn(server *s, int fd) {
    conn *c = &s->conns[s->n++];
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->id = ++s->next_id;
}

static void close_conn(server *s, size_t i, const char *why) {
    conn *c = &s->conns[i];
    mc_log("connection %u closed (%s)", c->id, why);
    close(c->fd);
    mc_frame_reader_free(&c->reader);
    mc_buf_free(&c->out);
    s->conns[i] = s->conns[--s->n];
}

/* Queues the answer to one complete frame. Returns false when out of memory. */
static bool answer(server *s, conn *c, const mc_frame_header *h, const uint8_t *payload) {
    mc_buf body = {0};
    bool ok, shutdown = false;
    if (h->type != MC_FRAME_REQUEST) {
        return true; /* Go ignores other types "for future compat"; this server has no streams */
    } else if (s->stopping) {
        ok = mc_service_status(MC_STATUS_UNAVAILABLE, "ttrpc: server shutting down", &body);
    } else {
        ok = mc_service_handle(h->stream_id, payload, h->length, &body, &shutdown);
    }
    ok = ok && mc_frame_append(&c->out, h->stream_id, MC_FRAME_RESPONSE, 0, body.data, body.len);
    mc_buf_free(&body);
    if (shutdown) {
        mc_log("shutdown requested on connection %u", c->id);
        s->stopping = true;
    }
    return ok;
}

/* Reads what is available and answers every complete frame. False: close the connection. */
static bool read_conn(server *s, conn *c, const char **why) {
    static uint8_t chunk[READ_CHUNK];
    ssize_t n = recv(c->fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
        *why = strerror(errno);
        return false;
    }
    if (n == 0) {
        c->eof = true;
        return true;
    }
    size_t at = 0;
    while (at < (size_t)n) {
        size_t used;
        mc_frame_event ev = mc_frame_feed(&c->reader, chunk + at, (size_t)n - at, &used);
        at += used;
        if (ev == MC_FRAME_READY) {
            if (!answer(s, c, &c->reader.header, c->reader.payload)) goto no_memory;
        } else if (ev == MC_FRAME_OVERSIZED) {
            char msg[96];
            snprintf(msg, sizeof msg, "message length %u exceed maximum message size of %u",
                     (unsigned)c->reader.header.length, MC_FRAME_MAX_PAYLOAD);
            mc_log("connection %u stream %u: %s", c->id, (unsigned)c->reader.header.stream_id, msg);
            mc_buf body = {0};
            bool ok = mc_service_status(MC_STATUS_RESOURCE_EXHAUSTED, msg, &body) &&
                      mc_frame_append(&c->out, c->reader.header.stream_id, MC_FRAME_RESPONSE, 0, body.data, body.len);
            mc_buf_free(&body);
            if (!ok) goto no_memory;
        } else if (ev == MC_FRAME_NO_MEMORY) {
            goto no_memory;
        }
    }
    return true;
no_memory:
    *why = "out of memory";
    return false;
}

static bool write_conn(conn *c, const char **why) {
    ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
        *why = strerror(errno);
        return false;
    }
    mc_buf_consume(&c->out, (size_t)n);
    return true;
}

static void accept_conn(server *s) {
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) mc_log("accept: %s", strerror(errno));
        return;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    add_conn(s, fd);
    mc_log("connection %u accepted", s->conns[s->n - 1].id);
}

static bool all_flushed(const server *s) {
    for (size_t i = 0; i < s->n; i++)
        if (s->conns[i].out.len > 0) return false;
    return true;
}

/* The poll loop shared by both modes; returns when it is time to exit. */
static void run(server *s) {
    struct pollfd fds[MAX_CONNS + 2];
    long long drain_deadline = 0;
    for (;;) {
        if (s->stopping) {
            if (!drain_deadline) drain_deadline = now_ms() + DRAIN_MS;
            if (all_flushed(s) || now_ms() >= drain_deadline) return;
        }
        if (s->single && s->n == 0) return;
        size_t nf = 0;
        fds[nf++] = (struct pollfd){wake_pipe[0], POLLIN, 0};
        bool listening = s->listen_fd >= 0 && !s->stopping && s->n < MAX_CONNS;
        if (listening) fds[nf++] = (struct pollfd){s->listen_fd, POLLIN, 0};
        size_t first_conn = nf;
        for (size_t i = 0; i < s->n; i++) {
            conn *c = &s->conns[i];
            short ev = 0;
            if (!s->stopping && !c->eof && c->out.len < OUT_HIGH_WATER) ev |= POLLIN;
            if (c->out.len > 0) ev |= POLLOUT;
            fds[nf++] = (struct pollfd){c->fd, ev, 0};
        }
        int timeout = s->stopping ? (int)(drain_deadline - now_ms()) : -1;
        if (poll(fds, nf, timeout < 0 && s->stopping ? 0 : timeout) < 0) {
            if (errno == EINTR) continue;
            mc_log("poll: %s", strerror(errno));
            s->stopping = true;
            continue;
        }
        if (fds[0].revents & POLLIN) {
            unsigned char sig[16];
            ssize_t unused = read(wake_pipe[0], sig, sizeof sig);
            (void)unused;
            mc_log("signal received; shutting down");
            s->stopping = true;
        }
        if (listening && (fds[1].revents & POLLIN)) accept_conn(s);
        /* Walk backwards: closing swaps the last connection into slot i. Connections
         * accepted just now sit beyond the polled range and wait for the next round. */
        for (size_t k = nf - first_conn; k-- > 0;) {
            conn *c = &s->conns[k];
            short re = fds[first_conn + k].revents;
            const char *why = NULL;
            bool ok = true;
            if (re & POLLOUT) ok = write_conn(c, &why);
            if (ok && (re & (POLLIN | POLLHUP)) && !s->stopping && !c->eof) ok = read_conn(s, c, &why);
            if (ok && (re & (POLLERR | POLLNVAL))) ok = false, why = "socket error";
            if (ok && (re & POLLHUP) && c->eof && c->out.len > 0 && !(re & POLLOUT))
                ok = false, why = "peer hung up with answers pending";
            if (!ok)
                close_conn(s, k, why ? why : "error");
            else if (c->eof && c->out.len == 0)
                close_conn(s, k, "peer closed");
        }
    }
}

static void close_all(server *s) {
    for (size_t i = s->n; i-- > 0;) close_conn(s, i, s->stopping ? "shutting down" : "exit");
}

int mc_serve_fd(int fd) {
    static server s;
    if (!install_signals()) {
        mc_log("pipe: %s", strerror(errno));
        return 1;
    }
    s.listen_fd = -1;
    s.single = true;
    add_conn(&s, fd);
    mc_log("serving fd %d (module %s, %s %s)", fd, MC_MODULE, MC_NAME, MC_VERSION);
    run(&s);
    close_all(&s);
    mc_log("exiting");
    return 0;
}

int mc_serve_listen(const char *path) {
    static server s;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        mc_log("--listen: path is longer than %zu bytes", sizeof addr.sun_path - 1);
        return 2;
    }
    strcpy(addr.sun_path, path);
    if (!install_signals()) {
        mc_log("pipe: %s", strerror(errno));
        return 1;
    }
    /* Replace a stale socket from an earlier run, but never delete some other file. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            mc_log("--listen: %s exists and is not a socket", path);
            return 1;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        mc_log("socket: %s", strerror(errno));
        return 1;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, O_NONBLOCK); /* our own socket: a raced accept() must not block */
    mode_t old = umask(0177);       /* no window in which the socket is reachable by others */
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 64) != 0) {
        mc_log("listen on %s: %s", path, strerror(errno));
        close(fd);
        return 1;
    }
    s.listen_fd = fd;
    printf("COPYTRADE-PLUGIN|1|unix|%s\n", path);
    fflush(stdout);
    mc_log("listening on %s (module %s, %s %s)", path, MC_MODULE, MC_NAME, MC_VERSION);
    run(&s);
    close_all(&s);
    close(fd);
    unlink(path);
    mc_log("exiting");
    return 0;
}
