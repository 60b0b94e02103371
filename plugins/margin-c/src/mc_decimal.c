/* Exact e8 arithmetic: checked 128-bit operations and explicit rounding (see mc_decimal.h). */
#include "mc_decimal.h"

#include <stdio.h>

bool mc_add(mc_i128 a, mc_i128 b, mc_i128 *out) { return !__builtin_add_overflow(a, b, out); }

bool mc_sub(mc_i128 a, mc_i128 b, mc_i128 *out) { return !__builtin_sub_overflow(a, b, out); }

bool mc_mul(mc_i128 a, mc_i128 b, mc_i128 *out) { return !__builtin_mul_overflow(a, b, out); }

int mc_sign(mc_i128 v) { return (v > 0) - (v < 0); }

bool mc_div(mc_i128 num, mc_i128 den, mc_rounding mode, mc_i128 *out) {
    if (den == 0) return false;
    /* Normalise to a positive divisor so the rounding rules below only consider num's sign;
     * negating fails only for the most negative value, which has no positive twin. */
    if (den < 0) {
        if (!mc_sub(0, num, &num) || !mc_sub(0, den, &den)) return false;
    }
    mc_i128 q = num / den; /* truncates toward zero */
    mc_i128 r = num % den; /* carries num's sign */
    if (r != 0) {
        switch (mode) {
        case MC_ROUND_DOWN:
            if (num < 0) q -= 1;
            break;
        case MC_ROUND_UP:
            if (num > 0) q += 1;
            break;
        case MC_ROUND_HALF_EVEN: {
            /* Compare |r| with den - |r| rather than 2|r| with den: no doubling, no overflow. */
            mc_i128 mag = r < 0 ? -r : r;
            mc_i128 rest = den - mag;
            mc_i128 away = num < 0 ? -1 : 1;
            if (mag > rest || (mag == rest && q % 2 != 0)) q += away;
            break;
        }
        }
    }
    *out = q;
    return true;
}

bool mc_to_i64(mc_i128 v, int64_t *out) {
    if (v > INT64_MAX || v < INT64_MIN) return false;
    *out = (int64_t)v;
    return true;
}

char *mc_format_e8(int64_t v, char *buf, size_t size) {
    /* Work on the magnitude as unsigned so INT64_MIN prints correctly. */
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t whole = mag / 100000000u, frac = mag % 100000000u;
    char digits[9];
    snprintf(digits, sizeof digits, "%08llu", (unsigned long long)frac);
    int len = 8;
    while (len > 0 && digits[len - 1] == '0') len--; /* trailing zeros carry no information */
    digits[len] = '\0';
    snprintf(buf, size, "%s%llu%s%s", v < 0 ? "-" : "", (unsigned long long)whole, len ? "." : "", digits);
    return buf;
}
