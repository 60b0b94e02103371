/* Auto-margin decisions: target-risk amounts worked by hand, then each branch of the policy. */
#include "mc_policy.h"
#include "mc_test.h"

static const mc_tier BTC_TIER[] = {{D(1000000, 0), 333333, 0}}; /* mmr 0.00333333 */

/* Long 0.5 @ 20000, M 1000, 10x: MM = 33.3333. At 18050: U = 0.5*(-1950) = -975, balance 25,
 * risk 33.3333/25 = 1.333332: liquidatable. */
static mc_auto_request btc_request(void) {
    mc_auto_request r = {
        .position = {MC_SIDE_LONG, D(0, 50000000), D(20000, 0), D(1000, 0), 10, MC_MODE_ISOLATED},
        .risk = {BTC_TIER, 1, 0, 100, D(0, 10000000)},
        .mark_price_e8 = D(18050, 0),
        .available_e8 = D(500, 0),
        .amount_e8 = D(100, 0),
        .auto_margin_enabled = true,
        .policy = "",
    };
    return r;
}

static void target_risk_amount(void) {
    mc_auto_request r = btc_request();
    mc_auto_decision d;
    mc_error err;
    /* Default target 0.8: x = MM/0.8 - balance = 41.666625 - 25 = 16.666625 (exact) */
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.action, MC_ACTION_ADD_MARGIN);
    CHECK_I64(d.add_amount_e8, D(16, 66662500));
    CHECK(d.evaluation.liquidatable); /* the evaluation is of the position before the action */
    CHECK_I64(d.evaluation.risk_rate_e8, 133333200);
    CHECK(d.reason[0] != '\0');
    /* Target 0.75 at mark 18050.00000001: balance = 25 + 0.5e-8 = 25.000000005,
     * MM/0.75 = 44.4444, x = 44.4444 - 25.000000005 = 19.444399995 -> up -> 19.4444 */
    r.policy = "target-risk";
    r.target_risk_rate_e8 = 75000000;
    r.mark_price_e8 += 1;
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.add_amount_e8, D(19, 44440000));
    /* After adding it the risk is back at (or just under) the target. */
    r.position.margin_e8 += d.add_amount_e8;
    mc_evaluation e;
    CHECK(mc_evaluate(&r.position, &r.risk, &r.mark_price_e8, &e, &err));
    CHECK(!e.liquidatable && e.risk_rate_e8 <= 75000000);
}

static void target_risk_is_capped_and_branches(void) {
    mc_auto_request r = btc_request();
    mc_auto_decision d;
    mc_error err;
    r.available_e8 = D(10, 0); /* wants 16.666625, only 10 there */
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.action, MC_ACTION_ADD_MARGIN);
    CHECK_I64(d.add_amount_e8, D(10, 0));
    r.cancellable_order_margin_e8 = D(20, 0); /* orders first */
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.action, MC_ACTION_CANCEL_ORDERS);
    CHECK_I64(d.add_amount_e8, 0);
    r.cancellable_order_margin_e8 = 0;
    r.available_e8 = 0; /* nothing left */
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.action, MC_ACTION_LIQUIDATE);
    r = btc_request();
    r.auto_margin_enabled = false;
    r.policy = "no-such-policy"; /* not consulted when off */
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.action, MC_ACTION_LIQUIDATE);
    r.mark_price_e8 = D(19000, 0); /* balance 500, not liquidatable */
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.action, MC_ACTION_NONE);
    CHECK(!d.evaluation.liquidatable && d.evaluation.has_mark);
}

static void fixed_policy(void) {
    mc_auto_request r = btc_request();
    mc_auto_decision d;
    mc_error err;
    r.policy = "fixed";
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.action, MC_ACTION_ADD_MARGIN);
    CHECK_I64(d.add_amount_e8, D(100, 0)); /* min(A = 100, available 500) */
    r.available_e8 = D(50, 0);
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.add_amount_e8, D(50, 0));
    r.amount_e8 = 0;
    CHECK(!mc_decide_auto_margin(&r, &d, &err));
    CHECK_STR(err.message, "amount: must be greater than 0");
}

static void refusals(void) {
    mc_auto_request r = btc_request();
    mc_auto_decision d;
    mc_error err;
    r.policy = "martingale";
    CHECK(!mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(err.code, MC_STATUS_UNIMPLEMENTED);
    r = btc_request();
    r.target_risk_rate_e8 = 100000000; /* 1.0 would stay liquidatable */
    CHECK(!mc_decide_auto_margin(&r, &d, &err));
    CHECK_STR(err.message, "target_risk_rate: must be between 0 and 1 (exclusive)");
    r = btc_request();
    r.available_e8 = -1;
    CHECK(!mc_decide_auto_margin(&r, &d, &err));
    CHECK_STR(err.message, "available: must not be negative");
    r = btc_request();
    r.mark_price_e8 = 0;
    CHECK(!mc_decide_auto_margin(&r, &d, &err));
    CHECK_STR(err.message, "mark_price: must be greater than 0");
}

static void no_requirement_restores_positive_balance(void) {
    /* Long 10 @ 100, M 100, mmr 0.01, cum 50: MM = -40. At 85: balance = 100 - 150 = -50,
     * liquidatable; no rate reaches a target, so add the least that makes the balance
     * positive: 50.00000001. */
    const mc_tier tiers[] = {{D(100, 0), 1000000, D(50, 0)}};
    mc_auto_request r = {
        .position = {MC_SIDE_LONG, D(10, 0), D(100, 0), D(100, 0), 10, 0},
        .risk = {tiers, 1, 0, 20, 0},
        .mark_price_e8 = D(85, 0),
        .available_e8 = D(1000, 0),
        .auto_margin_enabled = true,
    };
    mc_auto_decision d;
    mc_error err;
    CHECK(mc_decide_auto_margin(&r, &d, &err));
    CHECK_I64(d.action, MC_ACTION_ADD_MARGIN);
    CHECK_I64(d.add_amount_e8, D(50, 1));
}

const mc_test_case mc_policy_tests[] = {
    {"policy: target-risk amount (16.666625; 19.4444 rounded up)", target_risk_amount},
    {"policy: target-risk capped at available, cancel, liquidate, none", target_risk_is_capped_and_branches},
    {"policy: fixed adds min(amount, available)", fixed_policy},
    {"policy: refusals name the field", refusals},
    {"policy: negative requirement restores a positive balance", no_requirement_restores_positive_balance},
    {NULL, NULL},
};
