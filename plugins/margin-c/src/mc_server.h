/* The connection loop: ttrpc frames in, answers out, one poll() for every connection. */
#ifndef MC_SERVER_H
#define MC_SERVER_H

/* Serves one already-connected socket (the launcher's fd 3) until EOF, Shutdown, SIGTERM
 * or SIGINT. Returns the process exit status. */
int mc_serve_fd(int fd);

/* Listens on a Unix socket at `path` (mode 0600, replacing a stale socket), prints the
 * handshake line `COPYTRADE-PLUGIN|1|unix|PATH`, and serves any number of connections until
 * Shutdown, SIGTERM or SIGINT; removes the socket on the way out. Returns the exit status. */
int mc_serve_listen(const char *path);

#endif
