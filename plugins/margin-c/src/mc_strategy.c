/* The entry-value liquidation model (see mc_strategy.h for the rounding policy).
 *
 * Scales: an e8 value times an e8 value is e16, times a rate again e24. Sums are formed at a
 * common scale before any division, so each published figure is rounded exactly once. */
#include "mc_strategy.h"

#include <stdio.h>

/* Any failed checked operation becomes OUT_OF_RANGE naming the figure being computed. */
#define TRY(expr, what)                                                                                                \
    do {                                                                                                               \
        if (!(expr)) return mc_overflow(err, (what));                                                                  \
    } while (0)

bool mc_check_mark(int64_t mark_e8, const char *field, mc_error *err) {
    if (mark_e8 <= 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s: must be greater than 0", field);
    return true;
}

/* The rules under which the formulas keep their meaning (the Swift core's, by field). */
static bool validate_risk(const mc_risk *r, const char *f, mc_error *err) {
    if (r->n_tiers == 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.tiers: must have at least one tier", f);
    if (r->max_leverage < 1) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.max_leverage: must be at least 1", f);
    if (r->tick_size_e8 < 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.tick_size: must not be negative", f);
    if (r->fee_rate_e8 < 0 || r->fee_rate_e8 >= MC_E8)
        return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.fee_rate: must be in [0, 1)", f);
    for (size_t i = 0; i < r->n_tiers; i++) {
        const mc_tier *t = &r->tiers[i];
        if (t->mmr_e8 < 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.tiers[%zu].mmr: must not be negative", f, i);
        /* A long's requirement must grow more slowly than its value, or no price is safe. */
        if ((mc_i128)t->mmr_e8 + r->fee_rate_e8 >= MC_E8)
            return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.tiers[%zu].mmr: plus the fee rate must be below 1", f, i);
        if (t->cum_e8 < 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.tiers[%zu].cum: must not be negative", f, i);
    }
    return true;
}

static bool validate_position(const mc_position *p, int32_t max_leverage, const char *f, mc_error *err) {
    if (p->quantity_e8 <= 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.quantity: must be greater than 0", f);
    if (p->entry_price_e8 <= 0)
        return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.entry_price: must be greater than 0", f);
    if (p->margin_e8 < 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.margin: must not be negative", f);
    if (p->leverage < 1 || p->leverage > max_leverage)
        return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.leverage: must be between 1 and the maximum %d, got %d", f,
                       (int)max_leverage, (int)p->leverage);
    return true;
}

/* The first tier whose ceiling is at least the entry notional, the last beyond every ceiling.
 * Compared exactly (notional e16 against ceiling*1e8), which equals comparing the notional
 * rounded up to 8 places: the stricter tier wins at the boundary, as in the Swift core. */
static const mc_tier *choose_tier(const mc_risk *r, mc_i128 notional16) {
    for (size_t i = 0; i < r->n_tiers; i++)
        if (notional16 <= (mc_i128)r->tiers[i].ceiling_e8 * MC_E8) return &r->tiers[i];
    return &r->tiers[r->n_tiers - 1];
}

bool mc_prepare(const mc_position *p, const mc_risk *r, const char *pf, const char *rf, mc_exact *x, mc_error *err) {
    if (p->side != MC_SIDE_LONG && p->side != MC_SIDE_SHORT)
        return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.side: must be long or short", pf);
    if (!validate_risk(r, rf, err) || !validate_position(p, r->max_leverage, pf, err)) return false;
    x->s = p->side == MC_SIDE_LONG ? 1 : -1;
    x->q = p->quantity_e8;
    x->entry = p->entry_price_e8;
    x->margin = p->margin_e8;
    x->leverage = p->leverage;
    TRY(mc_mul(x->q, x->entry, &x->notional16), "notional");
    const mc_tier *t = choose_tier(r, x->notional16);
    /* MM = q*E*(mmr + f) - cum at e24; validation keeps mmr + f in [0, 1). */
    mc_i128 value24, cum24;
    TRY(mc_mul(x->notional16, (mc_i128)t->mmr_e8 + r->fee_rate_e8, &value24), "maintenance_requirement");
    TRY(mc_mul(t->cum_e8, MC_E16, &cum24), "maintenance_requirement");
    TRY(mc_sub(value24, cum24, &x->mm24), "maintenance_requirement");
    return true;
}

bool mc_at_mark(const mc_exact *x, int64_t mark_e8, mc_i128 *pnl16, mc_i128 *balance16, mc_error *err) {
    mc_i128 move = (mc_i128)mark_e8 - x->entry, margin16;
    TRY(mc_mul(x->q, move, pnl16), "unrealized_pnl");
    TRY(mc_mul(*pnl16, x->s, pnl16), "unrealized_pnl");
    TRY(mc_mul(x->margin, MC_E8, &margin16), "margin_balance");
    TRY(mc_add(margin16, *pnl16, balance16), "margin_balance");
    return true;
}

bool mc_is_liquidatable(const mc_exact *x, mc_i128 balance16, bool *out, mc_error *err) {
    mc_i128 balance24;
    if (balance16 <= 0) {
        *out = true;
        return true;
    }
    TRY(mc_mul(balance16, MC_E8, &balance24), "margin_balance");
    *out = x->mm24 >= balance24;
    return true;
}

/* Rounds `num / den` and narrows it to a wire value. */
static bool quotient(mc_i128 num, mc_i128 den, mc_rounding mode, int64_t *out, const char *what, mc_error *err) {
    mc_i128 q;
    TRY(mc_div(num, den, mode, &q) && mc_to_i64(q, out), what);
    return true;
}

/* Liquidation price, exact to 8 places and on the tick. The position is liquidatable when
 * MM >= M + U or M + U <= 0; with MM >= 0 the first is reached first and gives
 * LP = E - s*(M - MM)/q = (q*E - s*M + s*MM)/q. A negative MM (cum above q*E*mmr) is
 * reached only once the balance is gone, so the threshold is then the bankruptcy price. */
static bool liquidation_price(const mc_exact *x, const mc_risk *r, mc_evaluation *out, mc_error *err) {
    mc_i128 mm24 = x->mm24 > 0 ? x->mm24 : 0, num24, margin24, t;
    TRY(mc_mul(x->notional16, MC_E8, &num24), "liquidation_price");
    TRY(mc_mul(x->margin, MC_E16, &margin24), "liquidation_price");
    TRY(mc_sub(margin24, mm24, &t), "liquidation_price");
    TRY(mc_mul(t, x->s, &t), "liquidation_price");
    TRY(mc_sub(num24, t, &num24), "liquidation_price");
    int64_t lp, ticks;
    /* The 8-place figure is rounded like the tick price (down for a long, up for a short), so
     * it too is a price at which the position is liquidatable. */
    if (!quotient(num24, x->q * MC_E8, x->s > 0 ? MC_ROUND_DOWN : MC_ROUND_UP, &lp, "liquidation_price", err)) return false;
    /* The tick price is rounded once, straight from the exact quotient (never from lp, which
     * could round onto the safe tick), away from safety: a long the tick below, a short above. */
    int64_t tick = r->tick_size_e8 > 0 ? r->tick_size_e8 : 1;
    mc_i128 den;
    TRY(mc_mul(x->q * MC_E8, tick, &den), "liquidation_price");
    if (!quotient(num24, den, x->s > 0 ? MC_ROUND_DOWN : MC_ROUND_UP, &ticks, "liquidation_price", err)) return false;
    mc_i128 shown = (mc_i128)ticks * tick; /* int64*int64 fits in 128 bits */
    if (shown <= 0) return true; /* a long backed by at least its whole value: never liquidated */
    out->has_liquidation_price = true;
    out->liquidation_price_e8 = lp;
    TRY(mc_to_i64(shown, &out->liquidation_price_rounded_e8), "liquidation_price");
    return true;
}

/* Bankruptcy price E - s*M/q = (q*E - s*M)/q: down for a long, up for a short, so the
 * balance at the shown price is at or below zero. 0 when not positive. */
static bool bankruptcy_price(const mc_exact *x, mc_evaluation *out, mc_error *err) {
    mc_i128 margin16, num16;
    TRY(mc_mul(x->margin, MC_E8 * x->s, &margin16), "bankruptcy_price");
    TRY(mc_sub(x->notional16, margin16, &num16), "bankruptcy_price");
    int64_t price;
    if (!quotient(num16, x->q, x->s > 0 ? MC_ROUND_DOWN : MC_ROUND_UP, &price, "bankruptcy_price", err)) return false;
    out->bankruptcy_price_e8 = price > 0 ? price : 0;
    return true;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Margin that may be taken out: max(0, min(M - MM, M + U - q*P/L)) rounded down, capped at
 * M, and kept strictly below M + U - MM so that taking it out never makes the position
 * liquidatable (that bound binds only after a loss larger than q*P/L - MM; the Swift core
 * applies it too). */
static bool max_reducible(const mc_exact *x, int64_t mark, mc_i128 balance16, mc_evaluation *out, mc_error *err) {
    mc_i128 margin24, t, qp16;
    int64_t keep_mm, keep_initial, stay_safe;
    TRY(mc_mul(x->margin, MC_E16, &margin24), "max_reducible");
    TRY(mc_sub(margin24, x->mm24, &t), "max_reducible");
    if (!quotient(t, MC_E16, MC_ROUND_DOWN, &keep_mm, "max_reducible", err)) return false;
    /* (M + U - q*P/L) as one quotient (B*L - q*P) / (L*1e8), so it is rounded once. */
    TRY(mc_mul(balance16, x->leverage, &t), "max_reducible");
    TRY(mc_mul(x->q, mark, &qp16), "max_reducible");
    TRY(mc_sub(t, qp16, &t), "max_reducible");
    if (!quotient(t, (mc_i128)x->leverage * MC_E8, MC_ROUND_DOWN, &keep_initial, "max_reducible", err)) return false;
    /* The largest 8-place value strictly below M + U - MM. */
    TRY(mc_mul(balance16, MC_E8, &t), "max_reducible");
    TRY(mc_sub(t, x->mm24, &t), "max_reducible");
    if (!quotient(t, MC_E16, MC_ROUND_UP, &stay_safe, "max_reducible", err)) return false;
    TRY(stay_safe > INT64_MIN, "max_reducible");
    int64_t bound = min64(min64(keep_mm, keep_initial), min64(stay_safe - 1, (int64_t)x->margin));
    out->max_reducible_e8 = bound > 0 ? bound : 0;
    return true;
}

static bool mark_figures(const mc_exact *x, int64_t mark, mc_evaluation *out, mc_error *err) {
    mc_i128 pnl16, balance16;
    if (!mc_at_mark(x, mark, &pnl16, &balance16, err)) return false;
    out->has_mark = true;
    if (!quotient(x->mm24, MC_E16, MC_ROUND_UP, &out->maintenance_requirement_e8, "maintenance_requirement", err) ||
        !quotient(pnl16, MC_E8, MC_ROUND_DOWN, &out->unrealized_pnl_e8, "unrealized_pnl", err) ||
        !quotient(balance16, MC_E8, MC_ROUND_DOWN, &out->margin_balance_e8, "margin_balance", err) ||
        !mc_is_liquidatable(x, balance16, &out->liquidatable, err))
        return false;
    if (balance16 <= 0) {
        out->risk_infinite = true;
    } else if (!quotient(x->mm24, balance16, MC_ROUND_UP, &out->risk_rate_e8, "risk_rate", err)) {
        return false; /* e24 / e16 is already the rate in e8 */
    }
    return max_reducible(x, mark, balance16, out, err);
}

bool mc_evaluate(const mc_position *p, const mc_risk *r, const int64_t *mark_e8, mc_evaluation *out, mc_error *err) {
    *out = (mc_evaluation){0};
    mc_exact x;
    if (p->margin_mode == MC_MODE_CROSS)
        return mc_fail(err, MC_STATUS_INVALID_ARGUMENT,
                       "position.margin_mode: must be isolated here; evaluate cross positions with EvaluateAccount");
    if (!mc_prepare(p, r, "position", "risk", &x, err)) return false;
    if (mark_e8 && !mc_check_mark(*mark_e8, "mark_price", err)) return false;
    if (!liquidation_price(&x, r, out, err) || !bankruptcy_price(&x, out, err)) return false;
    return mark_e8 ? mark_figures(&x, *mark_e8, out, err) : true;
}

bool mc_evaluate_account(int64_t wallet_e8, const mc_position *ps, const mc_risk *rs, const int64_t *marks, size_t n,
                         mc_account_evaluation *out, mc_error *err) {
    *out = (mc_account_evaluation){0};
    mc_i128 equity24, requirement24 = 0;
    TRY(mc_mul(wallet_e8, MC_E16, &equity24), "equity");
    for (size_t i = 0; i < n; i++) {
        char pf[40], rf[40], mf[40];
        snprintf(pf, sizeof pf, "positions[%zu]", i);
        snprintf(rf, sizeof rf, "risks[%zu]", i);
        snprintf(mf, sizeof mf, "mark_prices[%zu]", i);
        if (ps[i].margin_mode != MC_MODE_CROSS)
            return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "%s.margin_mode: must be cross", pf);
        mc_position p = ps[i];
        p.margin_e8 = 0; /* the wallet backs a cross position, not its own margin */
        mc_exact x;
        mc_i128 pnl16, balance16, pnl24;
        if (!mc_prepare(&p, &rs[i], pf, rf, &x, err) || !mc_check_mark(marks[i], mf, err) ||
            !mc_at_mark(&x, marks[i], &pnl16, &balance16, err))
            return false;
        TRY(mc_mul(pnl16, MC_E8, &pnl24), "equity");
        TRY(mc_add(equity24, pnl24, &equity24), "equity");
        TRY(mc_add(requirement24, x.mm24, &requirement24), "maintenance_requirement");
    }
    if (!quotient(equity24, MC_E16, MC_ROUND_DOWN, &out->equity_e8, "equity", err) ||
        !quotient(requirement24, MC_E16, MC_ROUND_UP, &out->maintenance_requirement_e8, "maintenance_requirement", err))
        return false;
    out->liquidatable = n > 0 && equity24 <= requirement24;
    if (equity24 <= 0) {
        out->risk_infinite = true;
        return true;
    }
    mc_i128 scaled; /* requirement/equity is a plain ratio: scale it to e8 first */
    TRY(mc_mul(requirement24, MC_E8, &scaled), "risk_rate");
    return quotient(scaled, equity24, MC_ROUND_UP, &out->risk_rate_e8, "risk_rate", err);
}
