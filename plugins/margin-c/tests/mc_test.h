/* A minimal test harness: each test is a void function; a failed check prints where and
 * marks the running test failed, then the test carries on so one run shows every failure. */
#ifndef MC_TEST_H
#define MC_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int mc_test_failed; /* set by a failing check in the running test */

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            printf("    %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                        \
            mc_test_failed = 1;                                                                                        \
        }                                                                                                              \
    } while (0)

#define CHECK_I64(actual, expected)                                                                                    \
    do {                                                                                                               \
        int64_t a_ = (int64_t)(actual), e_ = (int64_t)(expected);                                                      \
        if (a_ != e_) {                                                                                                \
            printf("    %s:%d: %s = %" PRId64 ", expected %" PRId64 "\n", __FILE__, __LINE__, #actual, a_, e_);        \
            mc_test_failed = 1;                                                                                        \
        }                                                                                                              \
    } while (0)

#define CHECK_STR(actual, expected)                                                                                    \
    do {                                                                                                               \
        const char *a_ = (actual), *e_ = (expected);                                                                   \
        if (!a_ || strcmp(a_, e_) != 0) {                                                                              \
            printf("    %s:%d: %s = \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #actual, a_ ? a_ : "(null)", e_);  \
            mc_test_failed = 1;                                                                                        \
        }                                                                                                              \
    } while (0)

/* e8 literal helper: D(18066, 66660000) reads as 18066.66660000. */
#define D(whole, frac8) ((int64_t)(whole) * 100000000 + (frac8))

typedef struct {
    const char *name;
    void (*fn)(void);
} mc_test_case;

/* Each test file exports its table, terminated by {NULL, NULL}. */
extern const mc_test_case mc_decimal_tests[];
extern const mc_test_case mc_strategy_tests[];
extern const mc_test_case mc_policy_tests[];
extern const mc_test_case mc_frame_tests[];
extern const mc_test_case mc_service_tests[];
extern const mc_test_case mc_e2e_tests[];

#endif
