/* Auto-margin decisions (see mc_policy.h). One step at a time: the caller applies the
 * action and asks again, so each decision only looks at the position as it is now. */
#include "mc_policy.h"

#include <stdio.h>
#include <string.h>

enum policy { POLICY_TARGET_RISK, POLICY_FIXED };

bool mc_target_risk_amount(const mc_exact *x, mc_i128 balance16, int64_t target_e8, int64_t *amount_e8, mc_error *err) {
    mc_i128 need;
    if (x->mm24 > 0) {
        /* MM/(B + x) <= t  <=>  x >= MM/t - B. At scale: (MM24 - B16*t8) / (t8 * 1e8) is x in e8. */
        mc_i128 bt;
        if (!mc_mul(balance16, target_e8, &bt) || !mc_sub(x->mm24, bt, &need) ||
            !mc_div(need, (mc_i128)target_e8 * MC_E8, MC_ROUND_UP, &need))
            return mc_overflow(err, "add_amount");
    } else {
        /* No positive requirement: only a balance at or below zero is liquidatable, and no
         * rate can reach the target; the smallest x with B + x > 0 restores the position. */
        if (!mc_div(-balance16, MC_E8, MC_ROUND_DOWN, &need)) return mc_overflow(err, "add_amount");
        need += 1;
    }
    if (need <= 0) need = 1; /* already at the target yet liquidatable: add the least amount */
    if (!mc_to_i64(need, amount_e8)) return mc_overflow(err, "add_amount");
    return true;
}

/* Refuses inputs a decision cannot be made from, naming the field. */
static bool validate(const mc_auto_request *r, enum policy *policy, int64_t *target, mc_error *err) {
    if (!mc_check_mark(r->mark_price_e8, "mark_price", err)) return false;
    if (r->available_e8 < 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "available: must not be negative");
    if (r->cancellable_order_margin_e8 < 0)
        return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "cancellable_order_margin: must not be negative");
    *policy = POLICY_TARGET_RISK;
    *target = r->target_risk_rate_e8 ? r->target_risk_rate_e8 : MC_DEFAULT_TARGET_RISK_E8;
    if (!r->auto_margin_enabled) return true; /* the policy is not consulted */
    const char *name = r->policy ? r->policy : "";
    if (strcmp(name, "fixed") == 0) {
        *policy = POLICY_FIXED;
        if (r->amount_e8 <= 0) return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "amount: must be greater than 0");
    } else if (name[0] == '\0' || strcmp(name, "target-risk") == 0) {
        /* A target at or above 1 would leave the position liquidatable after the addition. */
        if (*target <= 0 || *target >= MC_E8)
            return mc_fail(err, MC_STATUS_INVALID_ARGUMENT, "target_risk_rate: must be between 0 and 1 (exclusive)");
    } else {
        return mc_fail(err, MC_STATUS_UNIMPLEMENTED,
                       "policy: the margin-c plugin has no policy \"%.64s\" (it has: target-risk, fixed)", name);
    }
    return true;
}

bool mc_decide_auto_margin(const mc_auto_request *r, mc_auto_decision *out, mc_error *err) {
    *out = (mc_auto_decision){0};
    enum policy policy = POLICY_TARGET_RISK;
    int64_t target = MC_DEFAULT_TARGET_RISK_E8;
    mc_exact x;
    mc_i128 pnl16, balance16;
    if (!mc_evaluate(&r->position, &r->risk, &r->mark_price_e8, &out->evaluation, err) ||
        !validate(r, &policy, &target, err) || !mc_prepare(&r->position, &r->risk, "position", "risk", &x, err) ||
        !mc_at_mark(&x, r->mark_price_e8, &pnl16, &balance16, err))
        return false;
    char mark[32], amount[32], rate[32];
    mc_format_e8(r->mark_price_e8, mark, sizeof mark);
    if (out->evaluation.risk_infinite)
        snprintf(rate, sizeof rate, "infinite");
    else
        mc_format_e8(out->evaluation.risk_rate_e8, rate, sizeof rate);
    if (!out->evaluation.liquidatable) {
        out->action = MC_ACTION_NONE;
        snprintf(out->reason, sizeof out->reason, "not liquidatable at mark %s (risk rate %s)", mark, rate);
    } else if (!r->auto_margin_enabled) {
        out->action = MC_ACTION_LIQUIDATE;
        snprintf(out->reason, sizeof out->reason, "liquidatable at mark %s (risk rate %s); auto margin is off", mark, rate);
    } else if (r->cancellable_order_margin_e8 > 0) {
        out->action = MC_ACTION_CANCEL_ORDERS;
        mc_format_e8(r->cancellable_order_margin_e8, amount, sizeof amount);
        snprintf(out->reason, sizeof out->reason,
                 "liquidatable at mark %s (risk rate %s); cancel pending orders to release %s of margin", mark, rate,
                 amount);
    } else if (r->available_e8 > 0) {
        int64_t want = r->amount_e8;
        char goal[64];
        if (policy == POLICY_TARGET_RISK) {
            if (!mc_target_risk_amount(&x, balance16, target, &want, err)) return false;
            char t[32];
            snprintf(goal, sizeof goal, "to bring the risk rate to %s", mc_format_e8(target, t, sizeof t));
        } else {
            snprintf(goal, sizeof goal, "(fixed amount)");
        }
        out->action = MC_ACTION_ADD_MARGIN;
        out->add_amount_e8 = want < r->available_e8 ? want : r->available_e8;
        mc_format_e8(out->add_amount_e8, amount, sizeof amount);
        snprintf(out->reason, sizeof out->reason, "liquidatable at mark %s (risk rate %s); add %s %s%s", mark, rate,
                 amount, goal, want > r->available_e8 ? ", capped at the available balance" : "");
    } else {
        out->action = MC_ACTION_LIQUIDATE;
        snprintf(out->reason, sizeof out->reason,
                 "liquidatable at mark %s (risk rate %s) with nothing available and nothing to cancel", mark, rate);
    }
    return true;
}
