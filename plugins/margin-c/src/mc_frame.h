/* ttrpc framing, byte-compatible with containerd/ttrpc's channel.go.
 *
 * A frame is a 10-byte big-endian header (u32 payload length, u32 stream id, u8 type,
 * u8 flags) and the payload. The reader is incremental so one poll() loop can serve many
 * connections without blocking on a half-received frame. */
#ifndef MC_FRAME_H
#define MC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_FRAME_HEADER_LEN 10
#define MC_FRAME_MAX_PAYLOAD 4194304u /* 4 MiB: Go's messageLengthMax */

enum { MC_FRAME_REQUEST = 1, MC_FRAME_RESPONSE = 2, MC_FRAME_DATA = 3 };

typedef struct {
    uint32_t length;
    uint32_t stream_id;
    uint8_t type;
    uint8_t flags;
} mc_frame_header;

void mc_frame_header_encode(const mc_frame_header *h, uint8_t out[MC_FRAME_HEADER_LEN]);
void mc_frame_header_decode(const uint8_t in[MC_FRAME_HEADER_LEN], mc_frame_header *h);

/* A growable byte buffer (a connection's pending output, an encoded frame). */
typedef struct {
    uint8_t *data;
    size_t len, cap;
} mc_buf;

bool mc_buf_append(mc_buf *b, const void *data, size_t len);
/* Drops the first n bytes (what a write() has sent). */
void mc_buf_consume(mc_buf *b, size_t n);
void mc_buf_free(mc_buf *b);

/* Appends header + payload; false when out of memory or payload over the limit. */
bool mc_frame_append(mc_buf *b, uint32_t stream_id, uint8_t type, uint8_t flags, const void *payload, size_t len);

typedef enum {
    MC_FRAME_NEED_MORE, /* everything fed was consumed; no frame yet */
    MC_FRAME_READY,     /* r->header and r->payload hold a frame until the next feed */
    MC_FRAME_OVERSIZED, /* a frame over the limit was skipped; r->header says which stream */
    MC_FRAME_NO_MEMORY,
} mc_frame_event;

typedef struct {
    uint8_t head[MC_FRAME_HEADER_LEN];
    size_t head_len;
    bool in_payload;
    mc_frame_header header;
    uint8_t *payload;
    size_t payload_len;
    uint32_t discard; /* bytes of an oversized payload still to skip */
} mc_frame_reader;

/* Consumes bytes until a frame completes (or the input runs out) and says what happened;
 * *used is how much of data was consumed, so call again with the rest. An oversized
 * payload is skipped as it arrives, never buffered, and reported once fully skipped (as
 * Go does), so the next frame decodes normally. */
mc_frame_event mc_frame_feed(mc_frame_reader *r, const uint8_t *data, size_t len, size_t *used);
void mc_frame_reader_free(mc_frame_reader *r);

#endif
