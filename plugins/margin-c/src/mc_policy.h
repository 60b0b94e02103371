/* Auto-margin policies: what to do next for one isolated position at a mark.
 *
 * "target-risk" (this plugin's own, and its default) adds just enough margin to bring the
 * risk rate back to a target; "fixed" adds the owner's configured amount, like the Swift
 * core, so the coordinator's default configuration works unchanged with this plugin. */
#ifndef MC_POLICY_H
#define MC_POLICY_H

#include "mc_strategy.h"

enum { /* copytrade.v1.AutoMarginAction */
    MC_ACTION_NONE = 1,
    MC_ACTION_CANCEL_ORDERS = 2,
    MC_ACTION_ADD_MARGIN = 3,
    MC_ACTION_LIQUIDATE = 4,
};

#define MC_DEFAULT_TARGET_RISK_E8 80000000 /* 0.8 */

typedef struct {
    mc_position position;
    mc_risk risk;
    int64_t mark_price_e8;
    int64_t available_e8;
    int64_t amount_e8; /* the "fixed" policy's amount */
    int64_t cancellable_order_margin_e8;
    bool auto_margin_enabled;
    const char *policy;          /* "", "target-risk" or "fixed" */
    int64_t target_risk_rate_e8; /* 0: MC_DEFAULT_TARGET_RISK_E8 */
} mc_auto_request;

typedef struct {
    int action;
    int64_t add_amount_e8;
    mc_evaluation evaluation; /* before the action */
    char reason[256];
} mc_auto_decision;

bool mc_decide_auto_margin(const mc_auto_request *r, mc_auto_decision *out, mc_error *err);

/* The target-risk amount for a liquidatable position: the smallest x (rounded up to 1e-8)
 * with MM/(M + U + x) <= target, and at least enough to make the balance positive. Not
 * capped; exposed for tests. */
bool mc_target_risk_amount(const mc_exact *x, mc_i128 balance16, int64_t target_e8, int64_t *amount_e8, mc_error *err);

#endif
