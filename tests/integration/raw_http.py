#!/usr/bin/env python3
"""raw_http.py - sends hand-made HTTP/1.1 requests, byte for byte, to the webhook listener on
127.0.0.1 (plain, or TLS with --ca FILE) and prints one line per case:

    NAME STATUS_LINES FIRST_CODE CLOSED

STATUS_LINES counts "HTTP/1.x NNN" status lines in everything the server sent before it closed
or went quiet for 2 s (a request smuggled in a body shows up as a second one); FIRST_CODE is
the first status (000 when none); CLOSED is 1 when the server closed the connection.

Usage: raw_http.py PORT BODY [--ca CAFILE]   (BODY: a valid webhook body)
"""
import re
import socket
import ssl
import sys

port = int(sys.argv[1])
body = sys.argv[2].encode()
ca = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--ca" else None


def send(raw):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if ca:
        ctx = ssl.create_default_context(cafile=ca)
        s = ctx.wrap_socket(s, server_hostname="localhost")
    s.settimeout(2)
    s.sendall(raw)
    out, closed = b"", False
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            out += d
    except (socket.timeout, ssl.SSLError, ConnectionResetError):
        pass
    s.close()
    codes = re.findall(rb"HTTP/1\.[01] (\d{3}) ", out)
    return len(codes), (codes[0].decode() if codes else "000"), int(closed)


L = str(len(body)).encode()
H = b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
# The body of a smuggling case holds a whole second request: a server that takes the body for
# the next request answers twice.
inner = b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + L + b"\r\n\r\n" + body
IL = str(len(inner)).encode()
chunk = hex(len(body))[2:].encode() + b"\r\n" + body + b"\r\n0\r\n\r\n"
cases = {
    "valid": H + b"Content-Length: " + L + b"\r\n\r\n" + body,
    "valid_chunked": H + b"Transfer-Encoding: chunked\r\n\r\n" + chunk,
    "valid_blanks": H + b"X-Empty:\r\nX-Trail: a  \t\r\nContent-Length:   " + L + b"\r\n\r\n" + body,
    "bare_lf": (H + b"Content-Length: " + L + b"\r\n\r\n").replace(b"\r\n", b"\n") + body,
    "bare_lf_one_line": H.replace(b"Host: localhost\r\n", b"Host: localhost\n")
    + b"Content-Length: " + L + b"\r\n\r\n" + body,
    "space_before_colon": H + b"Content-Length : " + IL + b"\r\n\r\n" + inner,
    "space_before_colon_mid": b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length\t: "
    + IL + b"\r\nContent-Type: application/json\r\n\r\n" + inner,
    "two_content_lengths": H + b"Content-Length: " + IL + b"\r\nContent-Length: " + L
    + b"\r\n\r\n" + inner,
    "same_content_length_twice": H + b"Content-Length: " + L + b"\r\nContent-Length: " + L
    + b"\r\n\r\n" + body,
    "length_and_chunked": H + b"Content-Length: " + L + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
    + chunk,
    "chunked_and_length": H + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + chunk,
    "gzip_encoding": H + b"Transfer-Encoding: gzip\r\n\r\n" + body,
    "length_not_a_number": H + b"Content-Length: 1e3\r\n\r\n" + body,
    "folded_line": H + b"X-A: b\r\n  c\r\nContent-Length: " + L + b"\r\n\r\n" + body,
    "no_colon": H + b"Broken\r\nContent-Length: " + L + b"\r\n\r\n" + body,
}
for name, raw in cases.items():
    n, code, closed = send(raw)
    print(name, n, code, closed)
