/* Dispatch without a socket: wire messages in, ttrpc.Response out. */
#include <stdlib.h>

#include "copytrade/v1/margin.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"
#include "mc_service.h"
#include "mc_test.h"
#include "tclient.h"

static bool last_shutdown;

static Ttrpc__Response *call_on(uint32_t stream, const char *svc, const char *method, const ProtobufCMessage *msg) {
    mc_buf req = {0}, resp = {0};
    CHECK(tc_request(svc, method, msg, &req));
    CHECK(mc_service_handle(stream, req.data, req.len, &resp, &last_shutdown));
    Ttrpc__Response *r = ttrpc__response__unpack(NULL, resp.len, resp.data);
    CHECK(r != NULL);
    mc_buf_free(&req);
    mc_buf_free(&resp);
    return r;
}

static Ttrpc__Response *call(const char *svc, const char *method, const ProtobufCMessage *msg) {
    return call_on(1, svc, method, msg);
}

static void info_and_health(void) {
    Copytrade__V1__ModuleInfoRequest iq = COPYTRADE__V1__MODULE_INFO_REQUEST__INIT;
    Ttrpc__Response *r = call("copytrade.v1.Margin", "Info", &iq.base);
    CHECK(r && r->status == NULL);
    Copytrade__V1__ModuleInfo *info = copytrade__v1__module_info__unpack(NULL, r->payload.len, r->payload.data);
    CHECK(info != NULL);
    if (info) {
        CHECK_STR(info->module, "margin");
        CHECK_STR(info->name, "margin-c");
        CHECK_STR(info->version, "0.1.0");
        CHECK(info->n_capabilities == 3);
        if (info->n_capabilities == 3) {
            CHECK_STR(info->capabilities[0], "entry-value");
            CHECK_STR(info->capabilities[1], "policy:target-risk");
            CHECK_STR(info->capabilities[2], "policy:fixed");
        }
        copytrade__v1__module_info__free_unpacked(info, NULL);
    }
    ttrpc__response__free_unpacked(r, NULL);

    const char *names[] = {"", "copytrade.v1.Margin", "copytrade.v1.Pricing"};
    const int want[] = {1, 1, 3}; /* SERVING, SERVING, SERVICE_UNKNOWN */
    for (int i = 0; i < 3; i++) {
        Grpc__Health__V1__HealthCheckRequest hq = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
        hq.service = (char *)names[i];
        r = call("grpc.health.v1.Health", "Check", &hq.base);
        Grpc__Health__V1__HealthCheckResponse *h =
            grpc__health__v1__health_check_response__unpack(NULL, r->payload.len, r->payload.data);
        CHECK(h && (int)h->status == want[i]);
        if (h) grpc__health__v1__health_check_response__free_unpacked(h, NULL);
        ttrpc__response__free_unpacked(r, NULL);
    }
}

static void unknown_and_malformed(void) {
    Ttrpc__Response *r = call("copytrade.v1.Margin", "Nope", NULL);
    CHECK_I64(tc_code(r), 12);
    CHECK_STR(r->status->message, "method Nope");
    ttrpc__response__free_unpacked(r, NULL);
    r = call("copytrade.v1.Pricing", "Quote", NULL);
    CHECK_I64(tc_code(r), 12);
    CHECK_STR(r->status->message, "service copytrade.v1.Pricing");
    ttrpc__response__free_unpacked(r, NULL);
    r = call_on(2, "grpc.health.v1.Health", "Check", NULL); /* clients open odd streams */
    CHECK_I64(tc_code(r), 3);
    ttrpc__response__free_unpacked(r, NULL);

    /* A request envelope that is not protobuf, and a payload that is not the method's message. */
    mc_buf resp = {0};
    bool sd;
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
    CHECK(mc_service_handle(1, junk, sizeof junk, &resp, &sd));
    r = ttrpc__response__unpack(NULL, resp.len, resp.data);
    CHECK_I64(tc_code(r), 3);
    ttrpc__response__free_unpacked(r, NULL);
    mc_buf_free(&resp);
    Ttrpc__Request q = TTRPC__REQUEST__INIT;
    q.service = "copytrade.v1.Margin";
    q.method = "Evaluate";
    q.payload.data = (uint8_t *)junk;
    q.payload.len = sizeof junk;
    uint8_t buf[128];
    size_t n = ttrpc__request__pack(&q, buf);
    CHECK(mc_service_handle(1, buf, n, &resp, &sd));
    r = ttrpc__response__unpack(NULL, resp.len, resp.data);
    CHECK_I64(tc_code(r), 3);
    ttrpc__response__free_unpacked(r, NULL);
    mc_buf_free(&resp);
}

static void shutdown_sets_flag(void) {
    Copytrade__V1__ShutdownRequest sq = COPYTRADE__V1__SHUTDOWN_REQUEST__INIT;
    Ttrpc__Response *r = call("copytrade.v1.Margin", "Shutdown", &sq.base);
    CHECK(r && r->status == NULL && last_shutdown);
    ttrpc__response__free_unpacked(r, NULL);
}

static void batch_keeps_per_item_errors(void) {
    tc_btc w;
    tc_btc_init(&w);
    Copytrade__V1__PositionState bad = w.position;
    bad.quantity_e8 = 0;
    Copytrade__V1__EvaluateRequest a = COPYTRADE__V1__EVALUATE_REQUEST__INIT, b = a;
    a.position = &w.position;
    a.risk = &w.risk;
    b.position = &bad;
    b.risk = &w.risk;
    Copytrade__V1__EvaluateRequest *items[] = {&a, &b};
    Copytrade__V1__EvaluateBatchRequest q = COPYTRADE__V1__EVALUATE_BATCH_REQUEST__INIT;
    q.n_requests = 2;
    q.requests = items;
    Ttrpc__Response *r = call("copytrade.v1.Margin", "EvaluateBatch", &q.base);
    CHECK_I64(tc_code(r), 0);
    Copytrade__V1__EvaluateBatchResponse *out =
        copytrade__v1__evaluate_batch_response__unpack(NULL, r->payload.len, r->payload.data);
    CHECK(out && out->n_evaluations == 2 && out->n_errors == 2);
    if (out && out->n_errors == 2) {
        CHECK_I64(out->evaluations[0]->liquidation_price_e8, D(18066, 66660000));
        CHECK_STR(out->errors[0], "");
        CHECK_STR(out->errors[1], "position.quantity: must be greater than 0");
    }
    if (out) copytrade__v1__evaluate_batch_response__free_unpacked(out, NULL);
    ttrpc__response__free_unpacked(r, NULL);
}

static void account_lengths_must_match(void) {
    tc_btc w;
    tc_btc_init(&w);
    Copytrade__V1__PositionState *ps[] = {&w.position};
    Copytrade__V1__EvaluateAccountRequest q = COPYTRADE__V1__EVALUATE_ACCOUNT_REQUEST__INIT;
    q.n_positions = 1;
    q.positions = ps;
    Ttrpc__Response *r = call("copytrade.v1.Margin", "EvaluateAccount", &q.base);
    CHECK_I64(tc_code(r), 3);
    CHECK_STR(r->status->message, "positions: positions, risks and mark prices must have the same length");
    ttrpc__response__free_unpacked(r, NULL);
}

static void auto_margin_over_the_wire(void) {
    tc_btc w;
    tc_btc_init(&w);
    Copytrade__V1__AutoMarginRequest q = COPYTRADE__V1__AUTO_MARGIN_REQUEST__INIT;
    q.position = &w.position;
    q.risk = &w.risk;
    q.mark_price_e8 = D(18050, 0);
    q.available_e8 = D(500, 0);
    q.auto_margin_enabled = true; /* policy "" is target-risk here: 16.666625 (see test_policy.c) */
    Ttrpc__Response *r = call("copytrade.v1.Margin", "DecideAutoMargin", &q.base);
    CHECK_I64(tc_code(r), 0);
    Copytrade__V1__AutoMarginDecision *d =
        copytrade__v1__auto_margin_decision__unpack(NULL, r->payload.len, r->payload.data);
    CHECK(d && d->action == COPYTRADE__V1__AUTO_MARGIN_ACTION__AUTO_MARGIN_ACTION_ADD_MARGIN);
    if (d) {
        CHECK_I64(d->add_amount_e8, D(16, 66662500));
        CHECK(d->evaluation && d->evaluation->liquidatable && d->evaluation->has_mark);
        CHECK(d->reason && d->reason[0]);
        copytrade__v1__auto_margin_decision__free_unpacked(d, NULL);
    }
    ttrpc__response__free_unpacked(r, NULL);
}

const mc_test_case mc_service_tests[] = {
    {"service: Info and Health", info_and_health},
    {"service: unknown names, odd streams, malformed input", unknown_and_malformed},
    {"service: Shutdown answers and asks to exit", shutdown_sets_flag},
    {"service: EvaluateBatch keeps per-item errors", batch_keeps_per_item_errors},
    {"service: EvaluateAccount lengths must match", account_lengths_must_match},
    {"service: DecideAutoMargin over the wire", auto_margin_over_the_wire},
    {NULL, NULL},
};
