/* One line per event on stderr, which the coordinator forwards to its own log. */
#ifndef MC_LOG_H
#define MC_LOG_H

#include <stdbool.h>

/* Set by the tests, which exercise refusals on purpose and keep their output readable. */
extern bool mc_log_quiet;

/* Writes "margin-c[pid]: message\n" with a single write() so lines from concurrent
 * writers never interleave. */
void mc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
