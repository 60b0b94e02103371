/* Test ttrpc client (see tclient.h). */
#include "tclient.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

bool tc_request(const char *service, const char *method, const ProtobufCMessage *msg, mc_buf *out) {
    Ttrpc__Request q = TTRPC__REQUEST__INIT;
    q.service = (char *)service;
    q.method = (char *)method;
    uint8_t *body = NULL;
    if (msg) {
        body = malloc(protobuf_c_message_get_packed_size(msg) + 1);
        q.payload.len = protobuf_c_message_pack(msg, body);
        q.payload.data = body;
    }
    uint8_t *bytes = malloc(ttrpc__request__get_packed_size(&q) + 1);
    size_t n = ttrpc__request__pack(&q, bytes);
    bool ok = mc_buf_append(out, bytes, n);
    free(bytes);
    free(body);
    return ok;
}

bool tc_write_all(int fd, const void *data, size_t len) {
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool tc_send(int fd, uint32_t stream, const char *service, const char *method, const ProtobufCMessage *msg) {
    mc_buf body = {0}, frame = {0};
    bool ok = tc_request(service, method, msg, &body) &&
              mc_frame_append(&frame, stream, MC_FRAME_REQUEST, 0, body.data, body.len) &&
              tc_write_all(fd, frame.data, frame.len);
    mc_buf_free(&body);
    mc_buf_free(&frame);
    return ok;
}

/* Reads exactly len bytes, waiting at most timeout_ms for each chunk. */
static bool read_exact(int fd, uint8_t *p, size_t len, int timeout_ms) {
    while (len > 0) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) return false;
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

Ttrpc__Response *tc_recv(int fd, uint32_t *stream, int timeout_ms) {
    uint8_t head[MC_FRAME_HEADER_LEN];
    mc_frame_header h;
    if (!read_exact(fd, head, sizeof head, timeout_ms)) return NULL;
    mc_frame_header_decode(head, &h);
    if (h.type != MC_FRAME_RESPONSE || h.length > MC_FRAME_MAX_PAYLOAD) return NULL;
    uint8_t *payload = malloc((size_t)h.length + 1);
    Ttrpc__Response *r = NULL;
    if (read_exact(fd, payload, h.length, timeout_ms)) r = ttrpc__response__unpack(NULL, h.length, payload);
    free(payload);
    if (stream) *stream = h.stream_id;
    return r;
}

int tc_code(const Ttrpc__Response *r) { return r && r->status ? r->status->code : 0; }

bool tc_expect_eof(int fd, int timeout_ms) {
    uint8_t b;
    struct pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0) return false;
    return read(fd, &b, 1) == 0;
}

void tc_btc_init(tc_btc *w) {
    copytrade__v1__maintenance_tier__init(&w->tier);
    w->tier.notional_ceiling_e8 = 100000000000000; /* 1,000,000 */
    w->tier.mmr_e8 = 333333;
    w->tiers[0] = &w->tier;
    copytrade__v1__risk_parameters__init(&w->risk);
    w->risk.n_tiers = 1;
    w->risk.tiers = w->tiers;
    w->risk.max_leverage = 100;
    w->risk.tick_size_e8 = 10000000;
    copytrade__v1__position_state__init(&w->position);
    w->position.side = COPYTRADE__V1__SIDE__SIDE_LONG;
    w->position.quantity_e8 = 50000000;
    w->position.entry_price_e8 = 2000000000000;
    w->position.margin_e8 = 100000000000;
    w->position.leverage = 10;
}
