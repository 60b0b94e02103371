/* stderr logging (see mc_log.h). */
#include "mc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

bool mc_log_quiet;

void mc_log(const char *fmt, ...) {
    if (mc_log_quiet) return;
    char line[512];
    int n = snprintf(line, sizeof line, "margin-c[%ld]: ", (long)getpid());
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2; /* truncated: still end the line */
    line[len++] = '\n';
    ssize_t unused = write(STDERR_FILENO, line, len);
    (void)unused; /* nowhere left to report a failing stderr */
}
