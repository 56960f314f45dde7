"""SMTP latency as an application sees it, one fresh connection per message.

usage: latency.py HOST PORT COUNT BODY_BYTES
Prints JSON: greeting_raw_ms (connect -> 220 on a bare socket), greeting_smtplib_ms
(smtplib.SMTP() returning: connect + greeting), data_ack_ms (the final "." -> 250).
"""

import json
import smtplib
import socket
import sys
import time

HOST, PORT, COUNT, BODY_BYTES = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def message(i):
    lines = [
        "From: Bench <bench@bench.example>",
        "To: inbox@bench.example",
        f"Subject: latency {i}",
        f"Message-ID: <latency.{i}@bench.example>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
    ]
    body = []
    size = 0
    while size < BODY_BYTES:
        line = f"line {len(body)} of message {i}: the quick brown fox jumps over the lazy dog"
        body.append(line)
        size += len(line) + 2
    # No line starts with ".", so no dot-stuffing is needed.
    return ("\r\n".join(lines + body) + "\r\n").encode()


def read_reply(sock):
    """Reads until the last line of a reply ("220 ..." rather than "220-...")."""
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError(f"connection closed after {data!r}")
        data += chunk
        lines = data.split(b"\r\n")
        if any(len(line) >= 4 and line[3:4] == b" " for line in lines[:-1]):
            return data


def raw_greeting():
    started = time.perf_counter()
    sock = socket.create_connection((HOST, PORT), timeout=30)
    reply = read_reply(sock)
    elapsed = time.perf_counter() - started
    if not reply.startswith(b"220"):
        raise RuntimeError(f"greeting was {reply!r}")
    sock.sendall(b"QUIT\r\n")
    read_reply(sock)
    sock.close()
    return elapsed * 1000


def one_message(i):
    body = message(i)
    started = time.perf_counter()
    # local_hostname: without it smtplib calls socket.getfqdn(), a DNS lookup per connection.
    client = smtplib.SMTP(HOST, PORT, local_hostname="bench", timeout=30)
    greeted = time.perf_counter()
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.ehlo()
    client.mail("bench@bench.example")
    client.rcpt("inbox@bench.example")
    code, reply = client.docmd("DATA")
    if code != 354:
        raise RuntimeError(f"DATA answered {code} {reply!r}")
    # Body and final "." in one write, as smtplib's own data() does: sent apart, the "."
    # would wait for the ACK of the body (Nagle) and add the peer's delayed-ACK time.
    sent = time.perf_counter()
    client.sock.sendall(body + b".\r\n")
    code, reply = client.getreply()
    acked = time.perf_counter()
    if code != 250:
        raise RuntimeError(f"end of DATA answered {code} {reply!r}")
    client.quit()
    return (greeted - started) * 1000, (acked - sent) * 1000


def main():
    greeting_raw = [raw_greeting() for _ in range(COUNT)]
    greeting_smtplib = []
    data_ack = []
    for i in range(COUNT):
        greeting, ack = one_message(i)
        greeting_smtplib.append(greeting)
        data_ack.append(ack)
    print(
        json.dumps(
            {
                "greeting_raw_ms": greeting_raw,
                "greeting_smtplib_ms": greeting_smtplib,
                "data_ack_ms": data_ack,
            }
        )
    )


main()
