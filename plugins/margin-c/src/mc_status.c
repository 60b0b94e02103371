/* Error recording (see mc_status.h). */
#include "mc_status.h"

#include <stdarg.h>
#include <stdio.h>

bool mc_fail(mc_error *err, int code, const char *fmt, ...) {
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

bool mc_overflow(mc_error *err, const char *what) {
    return mc_fail(err, MC_STATUS_OUT_OF_RANGE, "%s: arithmetic overflow", what);
}
