/* The entry-value formulas against cases worked by hand (arithmetic in the comments). */
#include "mc_strategy.h"
#include "mc_test.h"

/* One tier, mmr 0.00333333, cum 0, no fee, tick 0.1, max leverage 100. */
static const mc_tier BTC_TIER[] = {{D(1000000, 0), 333333, 0}};
static const mc_risk BTC_RISK = {BTC_TIER, 1, 0, 100, D(0, 10000000)};
/* Long 0.5 @ 20000 with 1000 margin at 10x. */
static const mc_position BTC_LONG = {MC_SIDE_LONG, D(0, 50000000), D(20000, 0), D(1000, 0), 10, MC_MODE_ISOLATED};

static void brief_btc_long(void) {
    mc_evaluation e;
    mc_error err;
    CHECK(mc_evaluate(&BTC_LONG, &BTC_RISK, NULL, &e, &err));
    /* MM = q*E*mmr = 0.5*20000*0.00333333 = 10000*0.00333333 = 33.3333
     * LP = E - (M - MM)/q = 20000 - (1000 - 33.3333)/0.5 = 20000 - 1933.3334 = 18066.6666 (exact)
     * on tick 0.1, down for a long: 18066.6 */
    CHECK(e.has_liquidation_price);
    CHECK_I64(e.liquidation_price_e8, D(18066, 66660000));
    CHECK_I64(e.liquidation_price_rounded_e8, D(18066, 60000000));
    /* bankruptcy = E - M/q = 20000 - 2000 = 18000 */
    CHECK_I64(e.bankruptcy_price_e8, D(18000, 0));
    CHECK(!e.has_mark);
}

static void btc_long_at_marks(void) {
    mc_evaluation e;
    mc_error err;
    int64_t mark = D(18500, 0);
    CHECK(mc_evaluate(&BTC_LONG, &BTC_RISK, &mark, &e, &err));
    /* U = 0.5*(18500 - 20000) = -750; balance = 250; risk = 33.3333/250 = 0.1333332 (exact)
     * reducible: min(M - MM = 966.6667, M + U - q*P/L = 250 - 925 = -675) -> 0 */
    CHECK(e.has_mark);
    CHECK_I64(e.unrealized_pnl_e8, -D(750, 0));
    CHECK_I64(e.margin_balance_e8, D(250, 0));
    CHECK_I64(e.maintenance_requirement_e8, D(33, 33330000));
    CHECK_I64(e.risk_rate_e8, 13333320);
    CHECK(!e.risk_infinite && !e.liquidatable);
    CHECK_I64(e.max_reducible_e8, 0);

    mark = D(22000, 0);
    CHECK(mc_evaluate(&BTC_LONG, &BTC_RISK, &mark, &e, &err));
    /* U = +1000, balance 2000, risk = 33.3333/2000 = 0.01666665
     * reducible: min(966.6667, 2000 - 0.5*22000/10 = 900, below 2000 - 33.3333, M = 1000) = 900 */
    CHECK_I64(e.risk_rate_e8, 1666665);
    CHECK_I64(e.max_reducible_e8, D(900, 0));
}

static void liquidation_is_decided_exactly(void) {
    mc_evaluation e;
    mc_error err;
    /* At the exact LP 18066.6666: U = 0.5*(-1933.3334) = -966.6667, balance 33.3333 = MM:
     * liquidatable (MM >= balance) and risk exactly 1. */
    int64_t mark = D(18066, 66660000);
    CHECK(mc_evaluate(&BTC_LONG, &BTC_RISK, &mark, &e, &err));
    CHECK(e.liquidatable);
    CHECK_I64(e.risk_rate_e8, 100000000);
    /* One unit above: U = 0.5*(-1933.33339999) = -966.666699995, balance 33.333300005 > MM:
     * not liquidatable, although the risk 0.99999999985.. shows as 1.00000000 rounded up.
     * PnL rounds down to -966.6667, the balance down to 33.3333. */
    mark += 1;
    CHECK(mc_evaluate(&BTC_LONG, &BTC_RISK, &mark, &e, &err));
    CHECK(!e.liquidatable);
    CHECK_I64(e.risk_rate_e8, 100000000);
    CHECK_I64(e.unrealized_pnl_e8, -D(966, 66670000));
    CHECK_I64(e.margin_balance_e8, D(33, 33330000));
    /* At the bankruptcy price the balance is 0: infinite risk, liquidatable. */
    mark = D(18000, 0);
    CHECK(mc_evaluate(&BTC_LONG, &BTC_RISK, &mark, &e, &err));
    CHECK(e.risk_infinite && e.liquidatable);
    CHECK_I64(e.risk_rate_e8, 0);
}

static void short_with_fee_and_cum(void) {
    /* Short 0.7 @ 3000, M 100, mmr 0.005 + fee 0.0006, cum 0.5, tick 0.01, 25x.
     * MM = 2100*0.0056 - 0.5 = 11.76 - 0.5 = 11.26
     * LP = E + (M - MM)/q = 3000 + 88.74/0.7 = 3000 + 126.7714285714.. = 3126.77142858 (8 dp, up for a short)
     * on tick, up for a short: 3126.78
     * bankruptcy = 3000 + 100/0.7 = 3142.857142857.. -> up -> 3142.85714286 */
    const mc_tier tiers[] = {{D(1000000, 0), 500000, 50000000}};
    const mc_risk risk = {tiers, 1, 60000, 50, D(0, 1000000)};
    const mc_position p = {MC_SIDE_SHORT, D(0, 70000000), D(3000, 0), D(100, 0), 25, 0};
    mc_evaluation e;
    mc_error err;
    int64_t mark = D(3050, 0);
    CHECK(mc_evaluate(&p, &risk, &mark, &e, &err));
    CHECK_I64(e.liquidation_price_e8, D(3126, 77142858));
    CHECK_I64(e.liquidation_price_rounded_e8, D(3126, 78000000));
    CHECK_I64(e.bankruptcy_price_e8, D(3142, 85714286));
    /* At 3050: U = -0.7*50 = -35, balance 65, risk = 11.26/65 = 0.17323076.. -> up 0.17323077
     * reducible: min(100 - 11.26 = 88.74, 65 - 0.7*3050/25 = 65 - 85.4 < 0) -> 0 */
    CHECK_I64(e.unrealized_pnl_e8, -D(35, 0));
    CHECK_I64(e.maintenance_requirement_e8, D(11, 26000000));
    CHECK_I64(e.risk_rate_e8, 17323077);
    CHECK_I64(e.max_reducible_e8, 0);
}

static void half_even_ties(void) {
    /* Long 2 @ 100, mmr 0 so MM = 0 and LP = E - M/q. The 8-place figure is rounded down for a
     * long, like the tick price, so it is a price at which the position is liquidatable.
     * M = 0.00000001: LP = 99.999999995 -> 99.99999999 (half-even would give 100, where the
     * position is still safe). M = 0.00000003: 99.999999985 -> 99.99999998. */
    const mc_tier tiers[] = {{D(1000000, 0), 0, 0}};
    const mc_risk risk = {tiers, 1, 0, 100, 0};
    mc_position p = {MC_SIDE_LONG, D(2, 0), D(100, 0), 1, 100, 0};
    mc_evaluation e;
    mc_error err;
    CHECK(mc_evaluate(&p, &risk, NULL, &e, &err));
    CHECK_I64(e.liquidation_price_e8, D(99, 99999999));
    /* tick 0: the shown price is rounded once to 1e-8, down for a long, from the exact quotient
     * (the position is not liquidatable at 100, the half-even figure) */
    CHECK_I64(e.liquidation_price_rounded_e8, D(99, 99999999));
    CHECK_I64(e.bankruptcy_price_e8, D(99, 99999999));    /* the same price, rounded down */
    p.margin_e8 = 3;
    CHECK(mc_evaluate(&p, &risk, NULL, &e, &err));
    CHECK_I64(e.liquidation_price_e8, D(99, 99999998));
}

static void fully_backed_long_has_no_liquidation_price(void) {
    /* Long 1 @ 100 with M = 150, mmr 0.01: MM = 1, LP = 100 - 149 = -49: none;
     * bankruptcy 100 - 150 = -50: reported as 0. */
    const mc_tier tiers[] = {{D(1000000, 0), 1000000, 0}};
    const mc_risk risk = {tiers, 1, 0, 10, D(0, 1000000)};
    const mc_position p = {MC_SIDE_LONG, D(1, 0), D(100, 0), D(150, 0), 1, 0};
    mc_evaluation e;
    mc_error err;
    CHECK(mc_evaluate(&p, &risk, NULL, &e, &err));
    CHECK(!e.has_liquidation_price);
    CHECK_I64(e.liquidation_price_e8, 0);
    CHECK_I64(e.bankruptcy_price_e8, 0);
}

static void tier_by_entry_notional(void) {
    const mc_tier tiers[] = {
        {D(10000, 0), 400000, 0},             /* mmr 0.004 */
        {D(50000, 0), 1000000, D(30, 0)},     /* mmr 0.01, cum 30 */
        {D(100000, 0), 2000000, D(530, 0)},   /* mmr 0.02, cum 530 */
    };
    const mc_risk risk = {tiers, 3, 0, 100, 0};
    mc_position p = {MC_SIDE_LONG, D(0, 50000000), D(20000, 0), D(5000, 0), 10, 0};
    mc_evaluation e;
    mc_error err;
    int64_t mark = D(20000, 0);
    /* q*E = 10000, at the first ceiling: tier 1, MM = 10000*0.004 = 40 */
    CHECK(mc_evaluate(&p, &risk, &mark, &e, &err));
    CHECK_I64(e.maintenance_requirement_e8, D(40, 0));
    /* E = 20000.00000002: q*E = 10000.00000001 > 10000: tier 2,
     * MM = 10000.00000001*0.01 - 30 = 70.0000000001 -> up -> 70.00000001 */
    p.entry_price_e8 += 2;
    CHECK(mc_evaluate(&p, &risk, &mark, &e, &err));
    CHECK_I64(e.maintenance_requirement_e8, D(70, 1));
    /* q = 10: q*E = 200000, beyond every ceiling: last tier, MM = 4000 - 530 = 3470 */
    p.entry_price_e8 = D(20000, 0);
    p.quantity_e8 = D(10, 0);
    p.margin_e8 = D(50000, 0);
    CHECK(mc_evaluate(&p, &risk, &mark, &e, &err));
    CHECK_I64(e.maintenance_requirement_e8, D(3470, 0));
}

static void negative_requirement_liquidates_at_bankruptcy(void) {
    /* Long 10 @ 100, M 100, mmr 0.01, cum 50: MM = 1000*0.01 - 50 = -40 < 0, so only a
     * balance at or below zero liquidates: LP = bankruptcy = 100 - 100/10 = 90. */
    const mc_tier tiers[] = {{D(100, 0), 1000000, D(50, 0)}};
    const mc_risk risk = {tiers, 1, 0, 20, 0};
    const mc_position p = {MC_SIDE_LONG, D(10, 0), D(100, 0), D(100, 0), 10, 0};
    mc_evaluation e;
    mc_error err;
    int64_t mark = D(95, 0);
    CHECK(mc_evaluate(&p, &risk, &mark, &e, &err));
    CHECK_I64(e.liquidation_price_e8, D(90, 0));
    /* At 95: U = -50, balance 50, risk = -40/50 = -0.8; not liquidatable */
    CHECK_I64(e.risk_rate_e8, -80000000);
    CHECK(!e.liquidatable);
    mark = D(90, 0);
    CHECK(mc_evaluate(&p, &risk, &mark, &e, &err));
    CHECK(e.liquidatable && e.risk_infinite);
}

static void validation_names_the_field(void) {
    mc_evaluation e;
    mc_error err;
    mc_position p = BTC_LONG;
    p.quantity_e8 = 0;
    CHECK(!mc_evaluate(&p, &BTC_RISK, NULL, &e, &err));
    CHECK_I64(err.code, MC_STATUS_INVALID_ARGUMENT);
    CHECK_STR(err.message, "position.quantity: must be greater than 0");
    p = BTC_LONG;
    p.entry_price_e8 = -1;
    CHECK(!mc_evaluate(&p, &BTC_RISK, NULL, &e, &err));
    CHECK_STR(err.message, "position.entry_price: must be greater than 0");
    p = BTC_LONG;
    p.margin_e8 = -1;
    CHECK(!mc_evaluate(&p, &BTC_RISK, NULL, &e, &err));
    CHECK_STR(err.message, "position.margin: must not be negative");
    p = BTC_LONG;
    p.leverage = 101;
    CHECK(!mc_evaluate(&p, &BTC_RISK, NULL, &e, &err));
    CHECK_STR(err.message, "position.leverage: must be between 1 and the maximum 100, got 101");
    p = BTC_LONG;
    p.side = 0;
    CHECK(!mc_evaluate(&p, &BTC_RISK, NULL, &e, &err));
    CHECK_STR(err.message, "position.side: must be long or short");
    mc_risk r = BTC_RISK;
    r.n_tiers = 0;
    CHECK(!mc_evaluate(&BTC_LONG, &r, NULL, &e, &err));
    CHECK_STR(err.message, "risk.tiers: must have at least one tier");
    int64_t mark = 0;
    CHECK(!mc_evaluate(&BTC_LONG, &BTC_RISK, &mark, &e, &err));
    CHECK_STR(err.message, "mark_price: must be greater than 0");
}

static void overflow_is_out_of_range(void) {
    /* q*E = (2^63-1)^2 e16 still fits 128 bits; times mmr it does not. */
    mc_position p = {MC_SIDE_LONG, INT64_MAX, INT64_MAX, 0, 1, 0};
    mc_evaluation e;
    mc_error err;
    CHECK(!mc_evaluate(&p, &BTC_RISK, NULL, &e, &err));
    CHECK_I64(err.code, MC_STATUS_OUT_OF_RANGE);
    CHECK_STR(err.message, "maintenance_requirement: arithmetic overflow");
}

static void cross_account(void) {
    /* wallet 1000; long 0.5 BTC @ 20000 at 19000: U = -500, MM = 33.3333;
     * short 2 ETH @ 3000 at 3100, mmr 0.01: U = -200, MM = 60.
     * equity = 1000 - 700 = 300, requirement 93.3333, risk = 93.3333/300 = 0.311111 */
    const mc_tier eth_tier[] = {{D(1000000, 0), 1000000, 0}};
    const mc_risk risks[] = {BTC_RISK, {eth_tier, 1, 0, 50, 0}};
    mc_position ps[] = {BTC_LONG, {MC_SIDE_SHORT, D(2, 0), D(3000, 0), 0, 10, MC_MODE_CROSS}};
    ps[0].margin_mode = MC_MODE_CROSS;
    const int64_t marks[] = {D(19000, 0), D(3100, 0)};
    mc_account_evaluation a;
    mc_error err;
    CHECK(mc_evaluate_account(D(1000, 0), ps, risks, marks, 2, &a, &err));
    CHECK_I64(a.equity_e8, D(300, 0));
    CHECK_I64(a.maintenance_requirement_e8, D(93, 33330000));
    CHECK_I64(a.risk_rate_e8, 31111100);
    CHECK(!a.liquidatable && !a.risk_infinite);
    /* wallet 793.3333: equity 93.3333 = requirement -> liquidatable, risk exactly 1 */
    CHECK(mc_evaluate_account(D(793, 33330000), ps, risks, marks, 2, &a, &err));
    CHECK(a.liquidatable);
    CHECK_I64(a.risk_rate_e8, 100000000);
    /* no positions: never liquidatable */
    CHECK(mc_evaluate_account(D(5, 0), ps, risks, marks, 0, &a, &err));
    CHECK(!a.liquidatable && a.equity_e8 == D(5, 0));
    ps[1].margin_mode = MC_MODE_ISOLATED;
    CHECK(!mc_evaluate_account(D(1000, 0), ps, risks, marks, 2, &a, &err));
    CHECK_STR(err.message, "positions[1].margin_mode: must be cross");
}

const mc_test_case mc_strategy_tests[] = {
    {"strategy: brief's BTC long (LP 18066.6666, tick 18066.6)", brief_btc_long},
    {"strategy: BTC long at marks (risk, pnl, reducible)", btc_long_at_marks},
    {"strategy: liquidation decided exactly, not by the rounded rate", liquidation_is_decided_exactly},
    {"strategy: short with fee and cum, tick rounded up", short_with_fee_and_cum},
    {"strategy: 8-place figure rounded toward liquidation, never half-even onto the safe side", half_even_ties},
    {"strategy: fully backed long has no liquidation price", fully_backed_long_has_no_liquidation_price},
    {"strategy: tier chosen by entry notional", tier_by_entry_notional},
    {"strategy: negative requirement liquidates at bankruptcy", negative_requirement_liquidates_at_bankruptcy},
    {"strategy: validation names the field", validation_names_the_field},
    {"strategy: overflow answers OUT_OF_RANGE", overflow_is_out_of_range},
    {"strategy: cross account", cross_account},
    {NULL, NULL},
};
