/* margin-c: CopyTrade's margin module as a C plugin.
 *
 * Two ways in, as the coordinator's plugin protocol allows:
 *   COPYTRADE_PLUGIN_PROTOCOL=1 COPYTRADE_PLUGIN_MODULE=margin, socket on fd 3  -> serve it
 *   margin-c --listen /path/to.sock                                           -> listen
 *   COPYTRADE_PLUGIN_MODE=handshake without --listen                          -> listen on
 *                                                   $TMPDIR/margin-c-PID.sock
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc_log.h"
#include "mc_server.h"
#include "mc_service.h"

#define PLUGIN_FD 3

static int usage(void) {
    fprintf(stderr,
            "usage: %s --listen PATH\n"
            "   or: launched with COPYTRADE_PLUGIN_PROTOCOL=1 and a connected socket on fd 3\n",
            MC_NAME);
    return 2;
}

int main(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "--version") == 0)) {
        printf("%s %s\n", MC_NAME, MC_VERSION);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--listen") == 0) return mc_serve_listen(argv[2]);
    if (argc == 2 && strncmp(argv[1], "--listen=", 9) == 0) return mc_serve_listen(argv[1] + 9);
    if (argc != 1) return usage();

    const char *protocol = getenv("COPYTRADE_PLUGIN_PROTOCOL");
    const char *module = getenv("COPYTRADE_PLUGIN_MODULE");
    if (!protocol) return usage();
    if (strcmp(protocol, "1") != 0) {
        mc_log("COPYTRADE_PLUGIN_PROTOCOL=%s: only protocol 1 is supported", protocol);
        return 2;
    }
    /* Refuse to pose as another module: the coordinator would misroute every call. */
    if (module && strcmp(module, MC_MODULE) != 0) {
        mc_log("COPYTRADE_PLUGIN_MODULE=%s: this plugin implements %s", module, MC_MODULE);
        return 2;
    }
    /* The coordinator's "handshake" mode without a --listen in the configured argv: pick a
     * private path ourselves; the handshake line tells the coordinator where it is. */
    const char *mode = getenv("COPYTRADE_PLUGIN_MODE");
    if (mode && strcmp(mode, "handshake") == 0) {
        const char *dir = getenv("TMPDIR");
        char path[108];
        snprintf(path, sizeof path, "%s/margin-c-%ld.sock", dir && dir[0] ? dir : "/tmp", (long)getpid());
        return mc_serve_listen(path);
    }
    struct stat st;
    if (fstat(PLUGIN_FD, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        mc_log("fd %d is not a connected socket", PLUGIN_FD);
        return 2;
    }
    return mc_serve_fd(PLUGIN_FD);
}
