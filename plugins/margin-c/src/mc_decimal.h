/* Exact e8 decimal arithmetic on 128-bit integers.
 *
 * Wire decimals are int64 counts of 1e-8. A product of two of them is a count of 1e-16
 * ("e16"), of three 1e-24 ("e24"); __int128 holds those for any realistic position, and
 * every operation here reports overflow instead of wrapping, so a caller can refuse the
 * request (OUT_OF_RANGE) rather than return a wrong number. No floating point anywhere. */
#ifndef MC_DECIMAL_H
#define MC_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef __int128 mc_i128;

#define MC_E8 ((mc_i128)100000000)
#define MC_E16 (MC_E8 * MC_E8)

/* How a quotient is brought to an integer (the names of common.proto's Rounding). */
typedef enum {
    MC_ROUND_DOWN,      /* toward negative infinity */
    MC_ROUND_UP,        /* toward positive infinity */
    MC_ROUND_HALF_EVEN, /* nearest, ties to even */
} mc_rounding;

/* Each returns false (leaving *out unspecified) when the exact result does not fit. */
bool mc_add(mc_i128 a, mc_i128 b, mc_i128 *out);
bool mc_sub(mc_i128 a, mc_i128 b, mc_i128 *out);
bool mc_mul(mc_i128 a, mc_i128 b, mc_i128 *out);
/* num / den rounded as asked; false when den == 0 or on overflow. */
bool mc_div(mc_i128 num, mc_i128 den, mc_rounding mode, mc_i128 *out);
/* Narrows to a wire value; false when out of int64 range. */
bool mc_to_i64(mc_i128 v, int64_t *out);

/* -1, 0 or 1. */
int mc_sign(mc_i128 v);

/* Writes an e8 value as plain decimal text ("-12.5", "18066.6666") for messages and logs;
 * buf needs 32 bytes. Returns buf. */
char *mc_format_e8(int64_t v, char *buf, size_t size);

#endif
