/* Runs every test table and prints "N passed, M failed" last; exits non-zero on failure. */
#include <stdlib.h>

#include "mc_log.h"
#include "mc_test.h"

int mc_test_failed;

int main(void) {
    const mc_test_case *tables[] = {mc_decimal_tests, mc_strategy_tests, mc_policy_tests,
                                    mc_frame_tests,   mc_service_tests,  mc_e2e_tests};
    int passed = 0, failed = 0;
    mc_log_quiet = true;
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep lines ordered with a forked child's output */
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (const mc_test_case *c = tables[t]; c->name; c++) {
            mc_test_failed = 0;
            c->fn();
            printf("%s %s\n", mc_test_failed ? "FAIL" : "PASS", c->name);
            if (mc_test_failed)
                failed++;
            else
                passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
