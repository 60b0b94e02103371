/* ttrpc framing (see mc_frame.h). */
#include "mc_frame.h"

#include <stdlib.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void mc_frame_header_encode(const mc_frame_header *h, uint8_t out[MC_FRAME_HEADER_LEN]) {
    put32(out, h->length);
    put32(out + 4, h->stream_id);
    out[8] = h->type;
    out[9] = h->flags;
}

void mc_frame_header_decode(const uint8_t in[MC_FRAME_HEADER_LEN], mc_frame_header *h) {
    h->length = get32(in);
    h->stream_id = get32(in + 4);
    h->type = in[8];
    h->flags = in[9];
}

bool mc_buf_append(mc_buf *b, const void *data, size_t len) {
    if (len == 0) return true;
    if (b->cap - b->len < len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < len) cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (!grown) return false;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return true;
}

void mc_buf_consume(mc_buf *b, size_t n) {
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void mc_buf_free(mc_buf *b) {
    free(b->data);
    *b = (mc_buf){0};
}

bool mc_frame_append(mc_buf *b, uint32_t stream_id, uint8_t type, uint8_t flags, const void *payload, size_t len) {
    if (len > MC_FRAME_MAX_PAYLOAD) return false;
    uint8_t head[MC_FRAME_HEADER_LEN];
    mc_frame_header h = {(uint32_t)len, stream_id, type, flags};
    mc_frame_header_encode(&h, head);
    return mc_buf_append(b, head, sizeof head) && mc_buf_append(b, payload, len);
}

/* Forgets the last frame so the next header can be read. */
static void reset(mc_frame_reader *r) {
    free(r->payload);
    r->payload = NULL;
    r->payload_len = 0;
    r->head_len = 0;
    r->in_payload = false;
}

mc_frame_event mc_frame_feed(mc_frame_reader *r, const uint8_t *data, size_t len, size_t *used) {
    size_t at = 0;
    if (r->in_payload && r->payload_len == r->header.length) reset(r); /* the frame handed out last time */
    for (;;) {
        if (r->discard > 0) {
            size_t n = len - at < r->discard ? len - at : r->discard;
            at += n;
            r->discard -= (uint32_t)n;
            if (r->discard > 0) break;
            r->head_len = 0;
            *used = at;
            return MC_FRAME_OVERSIZED;
        }
        if (!r->in_payload) {
            size_t n = MC_FRAME_HEADER_LEN - r->head_len;
            if (n > len - at) n = len - at;
            memcpy(r->head + r->head_len, data + at, n);
            r->head_len += n;
            at += n;
            if (r->head_len < MC_FRAME_HEADER_LEN) break;
            mc_frame_header_decode(r->head, &r->header);
            if (r->header.length > MC_FRAME_MAX_PAYLOAD) {
                r->discard = r->header.length;
                continue;
            }
            /* +1 so a zero-length payload still gets a distinct, freeable buffer. */
            r->payload = malloc((size_t)r->header.length + 1);
            if (!r->payload) {
                *used = at;
                return MC_FRAME_NO_MEMORY;
            }
            r->payload_len = 0;
            r->in_payload = true;
        }
        size_t n = r->header.length - r->payload_len;
        if (n > len - at) n = len - at;
        memcpy(r->payload + r->payload_len, data + at, n);
        r->payload_len += n;
        at += n;
        if (r->payload_len == r->header.length) {
            *used = at;
            return MC_FRAME_READY;
        }
        break;
    }
    *used = at;
    return MC_FRAME_NEED_MORE;
}

void mc_frame_reader_free(mc_frame_reader *r) {
    reset(r);
    r->discard = 0;
}
