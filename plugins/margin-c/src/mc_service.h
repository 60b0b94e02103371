/* Method dispatch: one ttrpc.Request payload in, one ttrpc.Response payload out.
 *
 * Serves copytrade.v1.Margin and grpc.health.v1.Health. Knows nothing of sockets, so the
 * tests can call it directly and the server stays a pure byte pump. */
#ifndef MC_SERVICE_H
#define MC_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_frame.h"

#define MC_MODULE "margin"
#define MC_NAME "margin-c"
#define MC_VERSION "0.1.0"

/* Answers the request frame `request` received on `stream_id`: appends the encoded
 * ttrpc.Response to `response` (status omitted when OK). Sets *shutdown when the call was
 * Margin/Shutdown. Returns false only when out of memory. */
bool mc_service_handle(uint32_t stream_id, const uint8_t *request, size_t len, mc_buf *response, bool *shutdown);

/* Appends a ttrpc.Response carrying only a status (e.g. for an oversized frame). */
bool mc_service_status(int code, const char *message, mc_buf *response);

#endif
