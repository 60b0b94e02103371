#!/usr/bin/env python3
"""A deliberately broken margin plugin for the plugin-host tests.

It speaks just enough ttrpc (10-byte big-endian frame header, hand-encoded protobuf) to pass
the coordinator's start checks, then misbehaves on real work, as chosen by argv[1]:
  garbage    answers every Margin call with bytes that are not a ttrpc.Response
  hang       never answers Margin calls (the coordinator's call deadline must fire)
  silent     (handshake mode) never prints the handshake line
  badhealth  answers Health with NOT_SERVING
Serves the socket inherited on fd 3, or in handshake mode listens on argv[2].
"""
import os, socket, struct, sys, time

mode = sys.argv[1] if len(sys.argv) > 1 else "garbage"

def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out

def field(num, payload):  # length-delimited field
    return varint(num << 3 | 2) + varint(len(payload)) + payload

def parse_request(buf):  # ttrpc.Request: service=1, method=2
    i, out = 0, {}
    while i < len(buf):
        key = buf[i]; i += 1
        num, wt = key >> 3, key & 7
        if wt == 2:
            ln = 0; shift = 0
            while True:
                b = buf[i]; i += 1
                ln |= (b & 0x7F) << shift; shift += 7
                if not b & 0x80:
                    break
            out[num] = buf[i:i + ln]; i += ln
        elif wt == 0:
            while buf[i] & 0x80:
                i += 1
            i += 1
        else:
            break
    return out.get(1, b"").decode(), out.get(2, b"").decode()

def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data

def serve(conn):
    while True:
        try:
            header = read_exact(conn, 10)
        except EOFError:
            return
        length, stream, typ, flags = struct.unpack(">IIBB", header)
        body = read_exact(conn, length)
        service, method = parse_request(body)
        sys.stderr.write(f"misbehaving-plugin: {service}/{method}\n"); sys.stderr.flush()
        if service == "grpc.health.v1.Health":
            status = 2 if mode == "badhealth" else 1
            payload = field(2, bytes([0x08, status]))
        elif method == "Info":
            payload = field(2, field(1, b"margin") + field(2, b"misbehaving-" + mode.encode()))
        elif mode == "hang":
            continue
        else:
            payload = b"\xff\xfe not protobuf \x00\x01"
        conn.sendall(struct.pack(">IIBB", len(payload), stream, 2, 0) + payload)

if mode == "silent":
    time.sleep(3600)
elif os.environ.get("COPYTRADE_PLUGIN_MODE") == "handshake":
    path = sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path); srv.listen(4)
    print(f"COPYTRADE-PLUGIN|1|unix|{path}", flush=True)
    while True:
        c, _ = srv.accept()
        serve(c)
else:
    serve(socket.socket(fileno=3))
