/* Method dispatch (see mc_service.h): wire messages to mc_strategy/mc_policy values and back. */
#include "mc_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copytrade/v1/margin.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"
#include "mc_log.h"
#include "mc_policy.h"
#include "mc_strategy.h"
#include "ttrpc/ttrpc.pb-c.h"

#define MARGIN_SERVICE "copytrade.v1.Margin"
#define HEALTH_SERVICE "grpc.health.v1.Health"

/* What a method produced: a packed response message, or a status. */
typedef struct {
    mc_error err; /* err.code == MC_STATUS_OK on success */
    uint8_t *payload;
    size_t payload_len;
    bool shutdown;
} reply;

static bool pack(const ProtobufCMessage *m, reply *out) {
    size_t n = protobuf_c_message_get_packed_size(m);
    out->payload = malloc(n + 1); /* +1: a zero-length message still gets a buffer */
    if (!out->payload) return mc_fail(&out->err, MC_STATUS_INTERNAL, "out of memory");
    out->payload_len = protobuf_c_message_pack(m, out->payload);
    return true;
}

/* ---- wire to domain ------------------------------------------------------------------ */

static mc_position position_of(const Copytrade__V1__PositionState *w) {
    mc_position p = {0};
    if (w) {
        p.side = (int)w->side;
        p.quantity_e8 = w->quantity_e8;
        p.entry_price_e8 = w->entry_price_e8;
        p.margin_e8 = w->margin_e8;
        p.leverage = w->leverage;
        p.margin_mode = (int)w->margin_mode;
    }
    return p;
}

/* Fills r with a malloc'd tier array (free r->tiers); a missing message has no tiers,
 * which validation then refuses by name. */
static bool risk_of(const Copytrade__V1__RiskParameters *w, mc_risk *r, mc_error *err) {
    *r = (mc_risk){0};
    if (!w) return true;
    r->fee_rate_e8 = w->fee_rate_e8;
    r->max_leverage = w->max_leverage;
    r->tick_size_e8 = w->tick_size_e8;
    if (w->n_tiers == 0) return true;
    mc_tier *tiers = calloc(w->n_tiers, sizeof *tiers);
    if (!tiers) return mc_fail(err, MC_STATUS_INTERNAL, "out of memory");
    for (size_t i = 0; i < w->n_tiers; i++) {
        const Copytrade__V1__MaintenanceTier *t = w->tiers[i];
        tiers[i] = (mc_tier){t->notional_ceiling_e8, t->mmr_e8, t->cum_e8};
    }
    r->tiers = tiers;
    r->n_tiers = w->n_tiers;
    return true;
}

static void evaluation_to_wire(const mc_evaluation *e, Copytrade__V1__Evaluation *w) {
    copytrade__v1__evaluation__init(w);
    w->has_liquidation_price = e->has_liquidation_price;
    w->liquidation_price_e8 = e->liquidation_price_e8;
    w->liquidation_price_rounded_e8 = e->liquidation_price_rounded_e8;
    w->bankruptcy_price_e8 = e->bankruptcy_price_e8;
    w->has_mark = e->has_mark;
    w->maintenance_requirement_e8 = e->maintenance_requirement_e8;
    w->risk_rate_e8 = e->risk_rate_e8;
    w->risk_infinite = e->risk_infinite;
    w->max_reducible_e8 = e->max_reducible_e8;
    w->unrealized_pnl_e8 = e->unrealized_pnl_e8;
    w->margin_balance_e8 = e->margin_balance_e8;
    w->liquidatable = e->liquidatable;
}

/* ---- copytrade.v1.Margin ------------------------------------------------------------- */

/* The preset is not consulted: this plugin has one model (entry value) and the caller has
 * already resolved the preset's rates into `risk`. */
static bool evaluate_one(const Copytrade__V1__EvaluateRequest *q, mc_evaluation *e, mc_error *err) {
    mc_position p = position_of(q->position);
    mc_risk r;
    if (!risk_of(q->risk, &r, err)) return false;
    bool ok = mc_evaluate(&p, &r, q->has_mark ? &q->mark_price_e8 : NULL, e, err);
    free((void *)r.tiers);
    return ok;
}

static bool m_evaluate(const ProtobufCMessage *in, reply *out) {
    mc_evaluation e;
    if (!evaluate_one((const Copytrade__V1__EvaluateRequest *)in, &e, &out->err)) return false;
    Copytrade__V1__Evaluation w;
    evaluation_to_wire(&e, &w);
    return pack(&w.base, out);
}

static bool m_evaluate_batch(const ProtobufCMessage *in, reply *out) {
    const Copytrade__V1__EvaluateBatchRequest *q = (const void *)in;
    size_t n = q->n_requests;
    Copytrade__V1__EvaluateBatchResponse w = COPYTRADE__V1__EVALUATE_BATCH_RESPONSE__INIT;
    Copytrade__V1__Evaluation *evs = calloc(n + 1, sizeof *evs);
    Copytrade__V1__Evaluation **ev_ptrs = calloc(n + 1, sizeof *ev_ptrs);
    char **errors = calloc(n + 1, sizeof *errors);
    bool ok = evs && ev_ptrs && errors;
    for (size_t i = 0; ok && i < n; i++) {
        /* One bad item must not sink the batch: its error goes in errors[i]. */
        mc_evaluation e = {0};
        mc_error err = {0};
        errors[i] = evaluate_one(q->requests[i], &e, &err) ? strdup("") : strdup(err.message);
        if (err.code == MC_STATUS_INTERNAL || !errors[i]) ok = false;
        evaluation_to_wire(&e, &evs[i]);
        ev_ptrs[i] = &evs[i];
    }
    if (ok) {
        w.n_evaluations = w.n_errors = n;
        w.evaluations = ev_ptrs;
        w.errors = errors;
        ok = pack(&w.base, out);
    } else {
        mc_fail(&out->err, MC_STATUS_INTERNAL, "out of memory");
    }
    for (size_t i = 0; errors && i < n; i++) free(errors[i]);
    free(errors);
    free(ev_ptrs);
    free(evs);
    return ok;
}

static bool m_evaluate_account(const ProtobufCMessage *in, reply *out) {
    const Copytrade__V1__EvaluateAccountRequest *q = (const void *)in;
    size_t n = q->n_positions;
    if (q->n_risks != n || q->n_mark_prices_e8 != n)
        return mc_fail(&out->err, MC_STATUS_INVALID_ARGUMENT,
                       "positions: positions, risks and mark prices must have the same length");
    mc_position *ps = calloc(n + 1, sizeof *ps);
    mc_risk *rs = calloc(n + 1, sizeof *rs);
    bool ok = ps && rs;
    if (!ok) mc_fail(&out->err, MC_STATUS_INTERNAL, "out of memory");
    for (size_t i = 0; ok && i < n; i++) {
        ps[i] = position_of(q->positions[i]);
        ok = risk_of(q->risks[i], &rs[i], &out->err);
    }
    mc_account_evaluation a;
    if (ok) ok = mc_evaluate_account(q->wallet_balance_e8, ps, rs, q->mark_prices_e8, n, &a, &out->err);
    if (ok) {
        Copytrade__V1__AccountEvaluation w = COPYTRADE__V1__ACCOUNT_EVALUATION__INIT;
        w.equity_e8 = a.equity_e8;
        w.maintenance_requirement_e8 = a.maintenance_requirement_e8;
        w.risk_rate_e8 = a.risk_rate_e8;
        w.risk_infinite = a.risk_infinite;
        w.liquidatable = a.liquidatable;
        ok = pack(&w.base, out);
    }
    for (size_t i = 0; rs && i < n; i++) free((void *)rs[i].tiers);
    free(rs);
    free(ps);
    return ok;
}

static bool m_decide_auto_margin(const ProtobufCMessage *in, reply *out) {
    const Copytrade__V1__AutoMarginRequest *q = (const void *)in;
    mc_auto_request r = {
        .position = position_of(q->position),
        .mark_price_e8 = q->mark_price_e8,
        .available_e8 = q->available_e8,
        .amount_e8 = q->amount_e8,
        .cancellable_order_margin_e8 = q->cancellable_order_margin_e8,
        .auto_margin_enabled = q->auto_margin_enabled,
        .policy = q->policy,
        .target_risk_rate_e8 = q->target_risk_rate_e8,
    };
    if (!risk_of(q->risk, &r.risk, &out->err)) return false;
    mc_auto_decision d;
    bool ok = mc_decide_auto_margin(&r, &d, &out->err);
    free((void *)r.risk.tiers);
    if (!ok) return false;
    Copytrade__V1__Evaluation ev;
    evaluation_to_wire(&d.evaluation, &ev);
    Copytrade__V1__AutoMarginDecision w = COPYTRADE__V1__AUTO_MARGIN_DECISION__INIT;
    w.action = (Copytrade__V1__AutoMarginAction)d.action;
    w.add_amount_e8 = d.add_amount_e8;
    w.evaluation = &ev;
    w.reason = d.reason;
    return pack(&w.base, out);
}

static bool m_info(const ProtobufCMessage *in, reply *out) {
    (void)in;
    static char *caps[] = {"entry-value", "policy:target-risk", "policy:fixed"};
    Copytrade__V1__ModuleInfo w = COPYTRADE__V1__MODULE_INFO__INIT;
    w.module = MC_MODULE;
    w.name = MC_NAME;
    w.version = MC_VERSION;
    w.n_capabilities = sizeof caps / sizeof caps[0];
    w.capabilities = caps;
    return pack(&w.base, out);
}

static bool m_shutdown(const ProtobufCMessage *in, reply *out) {
    (void)in;
    Copytrade__V1__ShutdownResponse w = COPYTRADE__V1__SHUTDOWN_RESPONSE__INIT;
    out->shutdown = true;
    return pack(&w.base, out);
}

/* ---- grpc.health.v1.Health ----------------------------------------------------------- */

static bool m_health_check(const ProtobufCMessage *in, reply *out) {
    const Grpc__Health__V1__HealthCheckRequest *q = (const void *)in;
    const char *name = q->service ? q->service : "";
    Grpc__Health__V1__HealthCheckResponse w = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    w.status = (name[0] == '\0' || strcmp(name, MARGIN_SERVICE) == 0)
                   ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
                   : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
    return pack(&w.base, out);
}

/* ---- dispatch ------------------------------------------------------------------------ */

static const struct method {
    const char *service, *method;
    const ProtobufCMessageDescriptor *request;
    bool (*fn)(const ProtobufCMessage *in, reply *out);
} METHODS[] = {
    {MARGIN_SERVICE, "Evaluate", &copytrade__v1__evaluate_request__descriptor, m_evaluate},
    {MARGIN_SERVICE, "EvaluateBatch", &copytrade__v1__evaluate_batch_request__descriptor, m_evaluate_batch},
    {MARGIN_SERVICE, "EvaluateAccount", &copytrade__v1__evaluate_account_request__descriptor, m_evaluate_account},
    {MARGIN_SERVICE, "DecideAutoMargin", &copytrade__v1__auto_margin_request__descriptor, m_decide_auto_margin},
    {MARGIN_SERVICE, "Info", &copytrade__v1__module_info_request__descriptor, m_info},
    {MARGIN_SERVICE, "Shutdown", &copytrade__v1__shutdown_request__descriptor, m_shutdown},
    {HEALTH_SERVICE, "Check", &grpc__health__v1__health_check_request__descriptor, m_health_check},
};

/* Unknown names get Go ttrpc's UNIMPLEMENTED texts ("service X", "method X"). */
static void call(const char *service, const char *method, const ProtobufCBinaryData *payload, reply *out) {
    bool known_service = false;
    for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++) {
        const struct method *m = &METHODS[i];
        if (strcmp(m->service, service) != 0) continue;
        known_service = true;
        if (strcmp(m->method, method) != 0) continue;
        ProtobufCMessage *in = protobuf_c_message_unpack(m->request, NULL, payload->len, payload->data);
        if (!in) {
            mc_fail(&out->err, MC_STATUS_INVALID_ARGUMENT, "ttrpc: error unmarshalling payload");
            return;
        }
        m->fn(in, out);
        protobuf_c_message_free_unpacked(in, NULL);
        return;
    }
    if (known_service)
        mc_fail(&out->err, MC_STATUS_UNIMPLEMENTED, "method %.200s", method);
    else
        mc_fail(&out->err, MC_STATUS_UNIMPLEMENTED, "service %.200s", service);
}

/* Encodes ttrpc.Response{status?, payload}; a response over the frame limit becomes a
 * RESOURCE_EXHAUSTED status, since the client would refuse the frame anyway. */
static bool encode_response(const mc_error *err, const uint8_t *payload, size_t len, mc_buf *response) {
    Ttrpc__Response w = TTRPC__RESPONSE__INIT;
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    if (err->code != MC_STATUS_OK) {
        st.code = err->code;
        st.message = (char *)err->message;
        w.status = &st;
    } else {
        w.payload.data = (uint8_t *)payload;
        w.payload.len = len;
    }
    size_t n = ttrpc__response__get_packed_size(&w);
    if (n > MC_FRAME_MAX_PAYLOAD) {
        mc_error big = {MC_STATUS_RESOURCE_EXHAUSTED, ""};
        snprintf(big.message, sizeof big.message, "message length %zu exceed maximum message size of %u", n,
                 MC_FRAME_MAX_PAYLOAD);
        return encode_response(&big, NULL, 0, response);
    }
    uint8_t *bytes = malloc(n + 1);
    if (!bytes) return false;
    ttrpc__response__pack(&w, bytes);
    bool ok = mc_buf_append(response, bytes, n);
    free(bytes);
    return ok;
}

bool mc_service_status(int code, const char *message, mc_buf *response) {
    mc_error err = {code, ""};
    snprintf(err.message, sizeof err.message, "%s", message);
    return encode_response(&err, NULL, 0, response);
}

bool mc_service_handle(uint32_t stream_id, const uint8_t *request, size_t len, mc_buf *response, bool *shutdown) {
    reply out = {0};
    Ttrpc__Request *q = ttrpc__request__unpack(NULL, len, request);
    if (!q) {
        mc_fail(&out.err, MC_STATUS_INVALID_ARGUMENT, "unmarshal request error");
    } else if (stream_id % 2 != 1) {
        /* Go's rule and message: clients open odd streams. */
        mc_fail(&out.err, MC_STATUS_INVALID_ARGUMENT, "StreamID must be odd for client initiated streams");
    } else {
        call(q->service ? q->service : "", q->method ? q->method : "", &q->payload, &out);
    }
    if (out.err.code != MC_STATUS_OK)
        mc_log("stream %u /%.100s/%.100s: status %d %s", (unsigned)stream_id, q && q->service ? q->service : "?",
               q && q->method ? q->method : "?", out.err.code, out.err.message);
    bool ok = encode_response(&out.err, out.payload, out.payload_len, response);
    *shutdown = out.shutdown && out.err.code == MC_STATUS_OK;
    free(out.payload);
    if (q) ttrpc__request__free_unpacked(q, NULL);
    return ok;
}
