/* Framing: header byte layout, round trips, split and merged reads, oversized skipping. */
#include <stdlib.h>

#include "mc_frame.h"
#include "mc_test.h"

static void header_layout(void) {
    /* Big-endian length and stream id, then type and flags: containerd/ttrpc channel.go. */
    mc_frame_header h = {0x01020304u, 5, MC_FRAME_RESPONSE, 1}, back;
    uint8_t b[MC_FRAME_HEADER_LEN];
    const uint8_t want[MC_FRAME_HEADER_LEN] = {1, 2, 3, 4, 0, 0, 0, 5, 2, 1};
    mc_frame_header_encode(&h, b);
    CHECK(memcmp(b, want, sizeof want) == 0);
    mc_frame_header_decode(b, &back);
    CHECK(back.length == h.length && back.stream_id == 5 && back.type == 2 && back.flags == 1);
}

static void round_trip_split_and_merged(void) {
    mc_buf wire = {0};
    CHECK(mc_frame_append(&wire, 1, MC_FRAME_REQUEST, 0, "hello", 5));
    CHECK(mc_frame_append(&wire, 3, MC_FRAME_REQUEST, 0, "", 0)); /* empty payload */
    CHECK(mc_frame_append(&wire, 5, MC_FRAME_DATA, 4, "xy", 2));
    /* One byte at a time: each frame must come out whole and in order. */
    mc_frame_reader r = {0};
    int seen = 0;
    for (size_t i = 0; i < wire.len; i++) {
        size_t used;
        mc_frame_event ev = mc_frame_feed(&r, wire.data + i, 1, &used);
        CHECK(used == 1);
        if (ev != MC_FRAME_READY) continue;
        seen++;
        if (seen == 1) CHECK(r.header.stream_id == 1 && r.header.length == 5 && memcmp(r.payload, "hello", 5) == 0);
        if (seen == 2) CHECK(r.header.stream_id == 3 && r.header.length == 0);
        if (seen == 3) CHECK(r.header.type == MC_FRAME_DATA && r.header.flags == 4 && memcmp(r.payload, "xy", 2) == 0);
    }
    CHECK_I64(seen, 3);
    /* All at once: feed reports each frame and how far it got. */
    size_t at = 0, used;
    seen = 0;
    while (at < wire.len) {
        if (mc_frame_feed(&r, wire.data + at, wire.len - at, &used) == MC_FRAME_READY) seen++;
        at += used;
    }
    CHECK_I64(seen, 3);
    mc_frame_reader_free(&r);
    mc_buf_free(&wire);
}

static void oversized_is_skipped(void) {
    /* A header announcing 4 MiB + 1 bytes: the payload is discarded as it streams in, then
     * reported once, and the frame after it decodes normally. */
    mc_frame_reader r = {0};
    uint8_t head[MC_FRAME_HEADER_LEN];
    mc_frame_header h = {MC_FRAME_MAX_PAYLOAD + 1, 7, MC_FRAME_REQUEST, 0};
    mc_frame_header_encode(&h, head);
    size_t used;
    CHECK(mc_frame_feed(&r, head, sizeof head, &used) == MC_FRAME_NEED_MORE && used == sizeof head);
    static uint8_t junk[65536];
    size_t left = MC_FRAME_MAX_PAYLOAD + 1;
    int reported = 0;
    while (left > 0) {
        size_t n = left < sizeof junk ? left : sizeof junk;
        mc_frame_event ev = mc_frame_feed(&r, junk, n, &used);
        CHECK(used == n);
        left -= n;
        if (ev == MC_FRAME_OVERSIZED) {
            reported++;
            CHECK(left == 0 && r.header.stream_id == 7);
        }
    }
    CHECK_I64(reported, 1);
    mc_buf next = {0};
    CHECK(mc_frame_append(&next, 9, MC_FRAME_REQUEST, 0, "ok", 2));
    CHECK(mc_frame_feed(&r, next.data, next.len, &used) == MC_FRAME_READY && r.header.stream_id == 9);
    /* The encoder refuses what the peer would refuse. */
    CHECK(!mc_frame_append(&next, 11, MC_FRAME_REQUEST, 0, junk, MC_FRAME_MAX_PAYLOAD + 1));
    mc_buf_free(&next);
    mc_frame_reader_free(&r);
}

const mc_test_case mc_frame_tests[] = {
    {"frame: header byte layout", header_layout},
    {"frame: round trip, byte by byte and merged", round_trip_split_and_merged},
    {"frame: oversized payload skipped, next frame decodes", oversized_is_skipped},
    {NULL, NULL},
};
