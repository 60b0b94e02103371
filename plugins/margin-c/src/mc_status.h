/* gRPC status codes and the error every layer reports through.
 *
 * A refusal travels to the caller as a ttrpc status whose message is "field: rule", the
 * same text the Swift modules produce, so callers parse C and Swift refusals alike. */
#ifndef MC_STATUS_H
#define MC_STATUS_H

#include <stdbool.h>

enum {
    MC_STATUS_OK = 0,
    MC_STATUS_INVALID_ARGUMENT = 3,
    MC_STATUS_RESOURCE_EXHAUSTED = 8,
    MC_STATUS_OUT_OF_RANGE = 11,
    MC_STATUS_UNIMPLEMENTED = 12,
    MC_STATUS_INTERNAL = 13,
    MC_STATUS_UNAVAILABLE = 14,
};

typedef struct {
    int code;
    char message[256];
} mc_error;

/* Records code and a printf-style message; always returns false so callers can
 * `return mc_fail(...)`. */
bool mc_fail(mc_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* OUT_OF_RANGE "what: arithmetic overflow"; returns false. */
bool mc_overflow(mc_error *err, const char *what);

#endif
