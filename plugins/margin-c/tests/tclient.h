/* A tiny blocking ttrpc client for the tests (the plugin's own framing, a real socket). */
#ifndef TCLIENT_H
#define TCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "mc_frame.h"
#include "copytrade/v1/margin.pb-c.h"
#include "ttrpc/ttrpc.pb-c.h"

/* Encodes ttrpc.Request{service, method, payload = msg} into out (appended). */
bool tc_request(const char *service, const char *method, const ProtobufCMessage *msg, mc_buf *out);

/* Sends one request frame; false on error. */
bool tc_send(int fd, uint32_t stream, const char *service, const char *method, const ProtobufCMessage *msg);
bool tc_write_all(int fd, const void *data, size_t len);

/* Reads one response frame within timeout_ms; NULL on timeout, EOF or a bad frame. Free with
 * ttrpc__response__free_unpacked(r, NULL). */
Ttrpc__Response *tc_recv(int fd, uint32_t *stream, int timeout_ms);

/* The status code of a response (0 when the status is omitted, i.e. OK). */
int tc_code(const Ttrpc__Response *r);

/* True when nothing more arrives but EOF within timeout_ms. */
bool tc_expect_eof(int fd, int timeout_ms);

/* Wire form of the strategy tests' BTC long: 0.5 @ 20000, M 1000, 10x, one tier with mmr
 * 0.00333333 and cum 0, tick 0.1, max leverage 100 (LP 18066.6666, on tick 18066.6). */
typedef struct {
    Copytrade__V1__MaintenanceTier tier, *tiers[1];
    Copytrade__V1__RiskParameters risk;
    Copytrade__V1__PositionState position;
} tc_btc;

void tc_btc_init(tc_btc *w);

#endif
