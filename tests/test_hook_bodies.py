"""Hook bodies on a real server: over-large, chunked and trickling bodies are answered in shape."""

import json
import socket
import threading

import pytest
from werkzeug.serving import make_server

from ivr_module.config import HOOK_BODY_LIMIT
from tests.conftest import IVR_PASSWORD, IVR_USERNAME, dispose, make_app
from tests.reliability.processes import Gunicorn, production_env
from tests.test_vendor_access import last_detail

PATH = "/hooks/ivr/pre_order/"
GOOD_BODY = json.dumps({"username": IVR_USERNAME, "password": IVR_PASSWORD, "orderNumber": "1234567897"})


def _werkzeug(backend_config, folder):
    """The app on werkzeug's threaded server in this process: yields its port."""
    app = make_app(backend_config, IVR_HOOK_BODY_READ_TIMEOUT_SECONDS=1)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()
    dispose(app)


def _gunicorn(backend_config, folder):
    """The production command (gunicorn, gthread workers) on this run's backend: yields its port."""
    env = production_env(
        backend_config["DATABASE_URL"], backend_config.get("REDIS_URL"), IVR_HOOK_BODY_READ_TIMEOUT_SECONDS=1
    )
    server = Gunicorn(env, folder / "gunicorn.log", workers=1 if "REDIS_URL" not in backend_config else 2)
    try:
        yield server.start().port
    finally:
        server.stop()


@pytest.fixture(scope="module", params=[_werkzeug, _gunicorn], ids=["werkzeug", "gunicorn"])
def server_port(request, backend_config, tmp_path_factory):
    """The port of a real server of the app on this run's backend; bodies must arrive within 1 s."""
    serve = request.param(backend_config, tmp_path_factory.mktemp("server"))
    yield next(serve)
    next(serve, None)


@pytest.fixture
def served(app, server_port):
    """(app, port): `app` (on emptied tables) reads what the server wrote, e.g. the hook-call log."""
    return app, server_port


def connect(port) -> socket.socket:
    """A raw connection; reads wait at most 20 s, so a server that never answers fails the test.

    Its send buffer is small, so what it sends must really be read by the server.
    """
    conn = socket.socket()
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    conn.settimeout(20)
    conn.connect(("127.0.0.1", port))
    return conn


def send_head(conn, *headers: str) -> None:
    lines = [f"POST {PATH} HTTP/1.1", "Host: localhost", "Content-Type: application/json", *headers]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())


def read_answer(conn) -> tuple[str, dict]:
    """The status line and JSON body of one response (read by its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, f"connection closed before an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    length = next(int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length"))
    while len(body) < length:
        chunk = conn.recv(65536)
        assert chunk, "connection closed in the middle of the answer"
        body += chunk
    return lines[0], json.loads(body)


def errortext(answer: dict) -> str:
    return answer["result"]["errortext"]


def test_a_declared_over_large_body_is_answered_before_it_is_sent(served):
    app, port = served
    with connect(port) as conn:
        send_head(conn, f"Content-Length: {6 * HOOK_BODY_LIMIT}")
        status, answer = read_answer(conn)  # not a byte of the body sent
        # The server still takes the body after answering: no reset for a client that sends it.
        conn.sendall(b"x" * (6 * HOOK_BODY_LIMIT))
    assert status == "HTTP/1.1 200 OK"
    assert errortext(answer) == "Input invalid"
    assert "declared body" in last_detail(app).detail


def test_a_client_that_sends_its_over_large_body_anyway_reads_the_answer(served):
    _, port = served
    body = b"x" * (2 * HOOK_BODY_LIMIT)
    with connect(port) as conn:
        send_head(conn, f"Content-Length: {len(body)}")
        conn.sendall(body)  # a connection reset here would fail the test
        status, answer = read_answer(conn)
    assert errortext(answer) == "Input invalid"


def test_a_chunked_body_is_cut_at_the_limit(served):
    app, port = served
    with connect(port) as conn:
        send_head(conn, "Transfer-Encoding: chunked")
        piece = b"x" * 65536
        for _ in range(HOOK_BODY_LIMIT // len(piece) + 1):  # over the limit, and never ended
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        status, answer = read_answer(conn)
    assert errortext(answer) == "Input invalid"
    assert "cut" in last_detail(app).detail


def test_a_chunked_body_under_the_limit_is_parsed(served):
    _, port = served
    with connect(port) as conn:
        send_head(conn, "Transfer-Encoding: chunked")
        conn.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(GOOD_BODY), GOOD_BODY.encode()))
        status, answer = read_answer(conn)
    assert errortext(answer) == "Order not found"


def test_a_trickling_body_is_cut_after_the_read_timeout(served):
    app, port = served
    with connect(port) as conn:
        send_head(conn, f"Content-Length: {len(GOOD_BODY)}")
        stop = threading.Event()

        def trickle():
            for byte in GOOD_BODY.encode()[:-1]:  # one byte every 0.2 s: never a silent second
                if stop.wait(0.2):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

        sender = threading.Thread(target=trickle)
        sender.start()
        try:
            status, answer = read_answer(conn)
        finally:
            stop.set()
            sender.join()
    assert errortext(answer) == "Input invalid"
    assert "not received within 1 s" in last_detail(app).detail


def test_a_body_that_stops_short_is_cut_after_the_read_timeout(served):
    _, port = served
    with connect(port) as conn:
        send_head(conn, f"Content-Length: {len(GOOD_BODY)}")
        conn.sendall(GOOD_BODY.encode()[:10])
        status, answer = read_answer(conn)
    assert errortext(answer) == "Input invalid"


def test_hook_and_api_answers_are_not_sniffed(client):
    hook = client.post(PATH, data=GOOD_BODY)
    api = client.get("/api/pre-orders/1")  # 401: no token
    assert hook.headers["X-Content-Type-Options"] == "nosniff"
    assert api.status_code == 401
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_nosniff_stays_on_the_modules_blueprints(app_with):
    other = app_with()

    @other.get("/the-hosts-own-page")
    def hosts_own_page():
        return "not the module's"

    client = other.test_client()
    assert "X-Content-Type-Options" not in client.get("/the-hosts-own-page").headers
    assert client.post("/hooks/ivr/pre_order/", data=b"{").headers["X-Content-Type-Options"] == "nosniff"


def test_a_body_whose_sender_stops_early_is_input_invalid(served):
    app, port = served
    with connect(port) as conn:
        send_head(conn, f"Content-Length: {len(GOOD_BODY)}")
        conn.sendall(GOOD_BODY.encode()[:10])
        conn.shutdown(socket.SHUT_WR)  # the client has nothing more to send
        status, answer = read_answer(conn)
    assert errortext(answer) == "Input invalid"
    assert "ended before its declared length" in last_detail(app).detail
