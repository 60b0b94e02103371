/* End to end: the real ./margin-c process, spawned both ways the coordinator can start it,
 * spoken to over real sockets. The plugin's stderr goes to obj/e2e-plugin.log. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grpc/health/v1/health.pb-c.h"
#include "mc_test.h"
#include "tclient.h"

#define TIMEOUT_MS 10000 /* generous: the suite also runs under valgrind */

static const char *plugin(void) {
    const char *p = getenv("MARGIN_C_BIN");
    return p && p[0] ? p : "./margin-c";
}

/* In the child: stderr to the log, everything else closed, then exec. */
static void child_exec(char *const argv[]) {
    int log = open("obj/e2e-plugin.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) dup2(log, 2);
    execv(argv[0], argv);
    _exit(127);
}

/* Launcher mode (a): a connected socket on fd 3 and the protocol environment. */
static pid_t spawn_fd3(int *fd) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        if (sv[1] != 3) {
            dup2(sv[1], 3);
            close(sv[1]);
        }
        setenv("COPYTRADE_PLUGIN_PROTOCOL", "1", 1);
        setenv("COPYTRADE_PLUGIN_MODULE", "margin", 1);
        char *argv[] = {(char *)plugin(), NULL};
        child_exec(argv);
    }
    close(sv[1]);
    *fd = sv[0];
    return pid;
}

/* Launcher mode (b): --listen PATH, stdout piped for the handshake line. */
static pid_t spawn_listen(const char *path, int *out) {
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        close(p[1]);
        char *argv[] = {(char *)plugin(), "--listen", (char *)path, NULL};
        child_exec(argv);
    }
    close(p[1]);
    *out = p[0];
    return pid;
}

/* The child's exit status, or -1 if it did not exit in time (then it is killed). */
static int wait_exit(pid_t pid, int timeout_ms) {
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        nanosleep(&(struct timespec){0, 10 * 1000000}, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static int read_line(int fd, char *buf, size_t size, int timeout_ms) {
    size_t n = 0;
    while (n + 1 < size) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, timeout_ms) <= 0 || read(fd, buf + n, 1) != 1) break;
        if (buf[n++] == '\n') break;
    }
    buf[n] = '\0';
    return (int)n;
}

static int connect_to(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends Health/Check("") on `stream` and expects SERVING back on it. */
static void expect_health(int fd, uint32_t stream) {
    Grpc__Health__V1__HealthCheckRequest q = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    CHECK(tc_send(fd, stream, "grpc.health.v1.Health", "Check", &q.base));
    uint32_t got = 0;
    Ttrpc__Response *r = tc_recv(fd, &got, TIMEOUT_MS);
    CHECK(r && got == stream && tc_code(r) == 0);
    if (!r) return;
    Grpc__Health__V1__HealthCheckResponse *h =
        grpc__health__v1__health_check_response__unpack(NULL, r->payload.len, r->payload.data);
    CHECK(h && h->status == GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    if (h) grpc__health__v1__health_check_response__free_unpacked(h, NULL);
    ttrpc__response__free_unpacked(r, NULL);
}

/* Evaluate(BTC long) on `stream`: the strategy tests' LP over the wire. */
static void expect_evaluate(int fd, uint32_t stream) {
    tc_btc w;
    tc_btc_init(&w);
    Copytrade__V1__EvaluateRequest q = COPYTRADE__V1__EVALUATE_REQUEST__INIT;
    q.preset = "bybit";
    q.position = &w.position;
    q.risk = &w.risk;
    q.has_mark = true;
    q.mark_price_e8 = D(18500, 0);
    CHECK(tc_send(fd, stream, "copytrade.v1.Margin", "Evaluate", &q.base));
    uint32_t got = 0;
    Ttrpc__Response *r = tc_recv(fd, &got, TIMEOUT_MS);
    CHECK(r && got == stream && r->status == NULL);
    if (!r) return;
    Copytrade__V1__Evaluation *e = copytrade__v1__evaluation__unpack(NULL, r->payload.len, r->payload.data);
    CHECK(e != NULL);
    if (e) {
        CHECK(e->has_liquidation_price && e->has_mark && !e->liquidatable);
        CHECK_I64(e->liquidation_price_e8, D(18066, 66660000));
        CHECK_I64(e->liquidation_price_rounded_e8, D(18066, 60000000));
        CHECK_I64(e->risk_rate_e8, 13333320);
        copytrade__v1__evaluation__free_unpacked(e, NULL);
    }
    ttrpc__response__free_unpacked(r, NULL);
}

static void expect_status(int fd, uint32_t stream, int code) {
    uint32_t got = 0;
    Ttrpc__Response *r = tc_recv(fd, &got, TIMEOUT_MS);
    CHECK(r != NULL && got == stream);
    CHECK_I64(tc_code(r), code);
    if (r) ttrpc__response__free_unpacked(r, NULL);
}

static void fd3_session(void) {
    int fd = -1;
    pid_t pid = spawn_fd3(&fd);
    CHECK(pid > 0);
    expect_health(fd, 1);
    expect_evaluate(fd, 3);
    /* Unknown method: UNIMPLEMENTED (12) on its stream. */
    CHECK(tc_send(fd, 5, "copytrade.v1.Margin", "Liquidate", NULL));
    expect_status(fd, 5, 12);
    /* Garbage request payload: INVALID_ARGUMENT (3), connection kept. */
    mc_buf frame = {0};
    CHECK(mc_frame_append(&frame, 7, MC_FRAME_REQUEST, 0, "\xff\xff\xff", 3));
    CHECK(tc_write_all(fd, frame.data, frame.len));
    mc_buf_free(&frame);
    expect_status(fd, 7, 3);
    /* Oversized frame (4 MiB + 1): RESOURCE_EXHAUSTED (8) after the payload is discarded. */
    uint8_t head[MC_FRAME_HEADER_LEN];
    mc_frame_header h = {MC_FRAME_MAX_PAYLOAD + 1, 9, MC_FRAME_REQUEST, 0};
    mc_frame_header_encode(&h, head);
    uint8_t *junk = calloc(1, MC_FRAME_MAX_PAYLOAD + 1);
    CHECK(tc_write_all(fd, head, sizeof head) && tc_write_all(fd, junk, MC_FRAME_MAX_PAYLOAD + 1));
    free(junk);
    expect_status(fd, 9, 8);
    expect_health(fd, 11); /* still answering */
    /* Pipelined: three requests in one write, three answers in order. */
    mc_buf body = {0}, all = {0};
    Grpc__Health__V1__HealthCheckRequest q = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    for (uint32_t s = 13; s <= 17; s += 2) {
        body.len = 0;
        CHECK(tc_request("grpc.health.v1.Health", "Check", &q.base, &body));
        CHECK(mc_frame_append(&all, s, MC_FRAME_REQUEST, 0, body.data, body.len));
    }
    CHECK(tc_write_all(fd, all.data, all.len));
    for (uint32_t s = 13; s <= 17; s += 2) expect_status(fd, s, 0);
    mc_buf_free(&body);
    mc_buf_free(&all);
    /* EOF from the launcher: the plugin exits 0. */
    close(fd);
    CHECK_I64(wait_exit(pid, TIMEOUT_MS), 0);
}

static void fd3_shutdown(void) {
    int fd = -1;
    pid_t pid = spawn_fd3(&fd);
    Copytrade__V1__ShutdownRequest q = COPYTRADE__V1__SHUTDOWN_REQUEST__INIT;
    CHECK(tc_send(fd, 1, "copytrade.v1.Margin", "Shutdown", &q.base));
    expect_status(fd, 1, 0);
    CHECK(tc_expect_eof(fd, TIMEOUT_MS));
    CHECK_I64(wait_exit(pid, TIMEOUT_MS), 0);
    close(fd);
}

/* Leaves a socket file nobody listens on, as a crashed earlier run would. */
static void make_stale_socket(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    unlink(path);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    close(fd);
}

/* Starts the listener on a fresh path and checks the handshake line; returns its pid. */
static pid_t start_listener(char *path, size_t size, const char *tag) {
    snprintf(path, size, "/tmp/margin-c-test-%ld-%s.sock", (long)getpid(), tag);
    make_stale_socket(path);
    int out = -1;
    pid_t pid = spawn_listen(path, &out);
    char line[256], want[256];
    read_line(out, line, sizeof line, TIMEOUT_MS);
    snprintf(want, sizeof want, "COPYTRADE-PLUGIN|1|unix|%s\n", path);
    CHECK_STR(line, want);
    close(out);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);
    return pid;
}

static void listen_two_connections_sigterm(void) {
    char path[108];
    pid_t pid = start_listener(path, sizeof path, "a");
    int a = connect_to(path), b = connect_to(path);
    CHECK(a >= 0 && b >= 0);
    /* Both open at once, answered interleaved. */
    expect_health(a, 1);
    expect_evaluate(b, 1);
    expect_evaluate(a, 3);
    expect_health(b, 3);
    kill(pid, SIGTERM);
    CHECK_I64(wait_exit(pid, TIMEOUT_MS), 0);
    CHECK(access(path, F_OK) != 0); /* socket removed */
    close(a);
    close(b);
}

static void listen_shutdown(void) {
    char path[108];
    pid_t pid = start_listener(path, sizeof path, "b");
    int a = connect_to(path), b = connect_to(path);
    CHECK(a >= 0 && b >= 0);
    expect_health(b, 1);
    Copytrade__V1__ShutdownRequest q = COPYTRADE__V1__SHUTDOWN_REQUEST__INIT;
    CHECK(tc_send(a, 1, "copytrade.v1.Margin", "Shutdown", &q.base));
    expect_status(a, 1, 0);
    CHECK_I64(wait_exit(pid, TIMEOUT_MS), 0);
    CHECK(access(path, F_OK) != 0);
    close(a);
    close(b);
}

const mc_test_case mc_e2e_tests[] = {
    {"e2e: fd 3 - health, evaluate, unknown (12), garbage (3), oversized (8), pipelined", fd3_session},
    {"e2e: fd 3 - Shutdown answers then exits 0", fd3_shutdown},
    {"e2e: --listen - handshake, 0600, stale socket, two connections, SIGTERM", listen_two_connections_sigterm},
    {"e2e: --listen - Shutdown exits 0 and removes the socket", listen_shutdown},
    {NULL, NULL},
};
