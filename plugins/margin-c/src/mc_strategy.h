/* The entry-value liquidation model (Bybit-style, SPEC §3) on plain C values.
 *
 * Maintenance is fixed at entry: MM = q*E*(mmr + f) - cum, tier chosen by q*E. Every figure
 * is computed exactly and rounded once, in the direction that never flatters the position
 * (requirement and risk rate up; PnL, balance and reducible margin down; the liquidation
 * price to 8 places and, separately, once to the tick, both away from safety and both from
 * the exact quotient). Liquidation is decided by exact comparison, never through a rounded
 * figure. Kept free of protobuf types so the formulas can be tested without a wire. */
#ifndef MC_STRATEGY_H
#define MC_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_decimal.h"
#include "mc_status.h"

enum { MC_SIDE_LONG = 1, MC_SIDE_SHORT = 2 };                  /* copytrade.v1.Side */
enum { MC_MODE_ISOLATED = 1, MC_MODE_CROSS = 2 };              /* copytrade.v1.MarginMode */

typedef struct {
    int64_t ceiling_e8;
    int64_t mmr_e8;
    int64_t cum_e8;
} mc_tier;

typedef struct {
    const mc_tier *tiers; /* increasing ceilings */
    size_t n_tiers;
    int64_t fee_rate_e8;
    int32_t max_leverage;
    int64_t tick_size_e8; /* 0: the shown price at 1e-8, rounded away from safety */
} mc_risk;

typedef struct {
    int side;
    int64_t quantity_e8;
    int64_t entry_price_e8;
    int64_t margin_e8;
    int32_t leverage;
    int margin_mode; /* 0 counts as isolated */
} mc_position;

/* Mirrors copytrade.v1.Evaluation. */
typedef struct {
    bool has_liquidation_price;
    int64_t liquidation_price_e8;
    int64_t liquidation_price_rounded_e8;
    int64_t bankruptcy_price_e8; /* 0 when not positive */
    bool has_mark;
    int64_t maintenance_requirement_e8;
    int64_t risk_rate_e8;
    bool risk_infinite;
    int64_t max_reducible_e8;
    int64_t unrealized_pnl_e8;
    int64_t margin_balance_e8;
    bool liquidatable;
} mc_evaluation;

/* Mirrors copytrade.v1.AccountEvaluation. */
typedef struct {
    int64_t equity_e8;
    int64_t maintenance_requirement_e8;
    int64_t risk_rate_e8;
    bool risk_infinite;
    bool liquidatable;
} mc_account_evaluation;

/* A validated position as exact integers: q, E, M in e8, notional q*E in e16 and the
 * maintenance requirement MM in e24 (three e8 factors), kept unrounded. */
typedef struct {
    int s; /* +1 long, -1 short */
    mc_i128 q, entry, margin;
    mc_i128 notional16;
    mc_i128 mm24;
    int32_t leverage;
} mc_exact;

/* Validates risk and position (error fields prefixed `position_field`/`risk_field`, e.g.
 * "position.quantity: must be greater than 0") and computes the exact state. */
bool mc_prepare(const mc_position *p, const mc_risk *r, const char *position_field, const char *risk_field,
                mc_exact *x, mc_error *err);

/* Exact figures at a (positive) mark: U = s*q*(P - E) and balance M + U, both e16. */
bool mc_at_mark(const mc_exact *x, int64_t mark_e8, mc_i128 *pnl16, mc_i128 *balance16, mc_error *err);

/* MM >= M + U or M + U <= 0, compared exactly. */
bool mc_is_liquidatable(const mc_exact *x, mc_i128 balance16, bool *out, mc_error *err);

/* Every figure of an isolated position; the mark-dependent ones only when `mark_e8` is non-NULL. */
bool mc_evaluate(const mc_position *p, const mc_risk *r, const int64_t *mark_e8, mc_evaluation *out, mc_error *err);

/* Cross margin: equity = wallet + sum U, requirement = sum MM, liquidatable when there is a
 * position and equity <= requirement. Position margins are ignored. */
bool mc_evaluate_account(int64_t wallet_e8, const mc_position *ps, const mc_risk *rs, const int64_t *marks_e8, size_t n,
                         mc_account_evaluation *out, mc_error *err);

/* Refuses a mark that is not positive, naming `field`. */
bool mc_check_mark(int64_t mark_e8, const char *field, mc_error *err);

#endif
