/* Exact arithmetic: rounding directions on both signs, overflow detection, formatting. */
#include "mc_decimal.h"
#include "mc_test.h"

static int64_t div64(int64_t n, int64_t d, mc_rounding mode) {
    mc_i128 q = 0;
    CHECK(mc_div(n, d, mode, &q));
    return (int64_t)q;
}

static void rounding_modes(void) {
    CHECK_I64(div64(7, 2, MC_ROUND_DOWN), 3);       /* 3.5 */
    CHECK_I64(div64(7, 2, MC_ROUND_UP), 4);
    CHECK_I64(div64(7, 2, MC_ROUND_HALF_EVEN), 4);  /* tie, 4 is even */
    CHECK_I64(div64(5, 2, MC_ROUND_HALF_EVEN), 2);  /* tie, 2 is even */
    CHECK_I64(div64(-7, 2, MC_ROUND_DOWN), -4);     /* floor, not truncation */
    CHECK_I64(div64(-7, 2, MC_ROUND_UP), -3);
    CHECK_I64(div64(-5, 2, MC_ROUND_HALF_EVEN), -2);
    CHECK_I64(div64(-7, 2, MC_ROUND_HALF_EVEN), -4);
    CHECK_I64(div64(-1, 3, MC_ROUND_DOWN), -1);
    CHECK_I64(div64(2, 3, MC_ROUND_HALF_EVEN), 1);  /* 0.67 */
    CHECK_I64(div64(1, 3, MC_ROUND_HALF_EVEN), 0);  /* 0.33 */
    CHECK_I64(div64(7, -2, MC_ROUND_DOWN), -4);     /* negative divisor: same as -7/2 */
    CHECK_I64(div64(6, 3, MC_ROUND_UP), 2);         /* exact stays exact */
}

static void overflow_is_reported(void) {
    mc_i128 big = (mc_i128)INT64_MAX * INT64_MAX, out, min128 = (mc_i128)1 << 126;
    min128 = -min128 - min128; /* the most negative 128-bit value, built without overflow */
    CHECK(mc_mul(INT64_MAX, INT64_MAX, &out));
    CHECK(!mc_mul(big, 4, &out));
    CHECK(!mc_add(big * 2, big * 2, &out));
    CHECK(!mc_sub(min128, 1, &out));
    CHECK(!mc_div(1, 0, MC_ROUND_DOWN, &out));
    CHECK(!mc_div(min128, -1, MC_ROUND_DOWN, &out));
    int64_t v;
    CHECK(!mc_to_i64((mc_i128)INT64_MAX + 1, &v));
    CHECK(mc_to_i64(INT64_MIN, &v) && v == INT64_MIN);
}

static void formats_e8(void) {
    char b[32];
    CHECK_STR(mc_format_e8(D(18066, 66660000), b, sizeof b), "18066.6666");
    CHECK_STR(mc_format_e8(-D(12, 50000000), b, sizeof b), "-12.5");
    CHECK_STR(mc_format_e8(1, b, sizeof b), "0.00000001");
    CHECK_STR(mc_format_e8(D(100, 0), b, sizeof b), "100");
    CHECK_STR(mc_format_e8(INT64_MIN, b, sizeof b), "-92233720368.54775808");
}

const mc_test_case mc_decimal_tests[] = {
    {"decimal: rounding modes on both signs", rounding_modes},
    {"decimal: overflow is reported, never wrapped", overflow_is_reported},
    {"decimal: e8 formatting", formats_e8},
    {NULL, NULL},
};
