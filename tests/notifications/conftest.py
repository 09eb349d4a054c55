"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the notification tests.

`smtp_server` accepts and collects messages; `refusing_smtp_server` answers
with an error code; `smtp_down` is a port nobody listens on. Each fixture
points the application's MAIL_SERVER/MAIL_PORT at itself for the test.
"""
from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from jinja2 import ChoiceLoader, FileSystemLoader

from app.notifications.kinds import register_kind, unregister_kind

TEMPLATES = Path(__file__).parent / "templates"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class CollectingHandler:
    def __init__(self):
        self.received: list[Received] = []
        self.logins: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                          or envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=auth_data.password == b"smtp-secret", handled=False)
        return AuthResult(success=False, handled=False)


class RefusingHandler(CollectingHandler):
    def __init__(self, reply: str, stage: str):
        super().__init__()
        self.reply = reply
        self.stage = stage
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stage == "rcpt":
            self.refused += 1
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.refused += 1
        return self.reply


class SmtpServer:
    def __init__(self, handler, port: int, **controller_options):
        self.handler = handler
        self.host = "127.0.0.1"
        self.port = port
        self.controller = Controller(handler, hostname=self.host, port=port, **controller_options)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def messages(self) -> list[email.message.EmailMessage]:
        return [r.message for r in self.handler.received]


def _serve(app, monkeypatch, handler, **controller_options):
    server = SmtpServer(handler, free_port(), **controller_options)
    server.controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", server.host)
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_USE_STARTTLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 10)
    return server


@pytest.fixture
def smtp_server(app, monkeypatch):
    server = _serve(app, monkeypatch, CollectingHandler())
    yield server
    server.controller.stop()


@pytest.fixture
def smtp_server_with_auth(app, monkeypatch):
    handler = CollectingHandler()
    server = _serve(app, monkeypatch, handler, authenticator=handler.authenticate, auth_require_tls=False,
                    auth_exclude_mechanism=["CRAM-MD5", "LOGIN"])
    yield server
    server.controller.stop()


@pytest.fixture(params=[("451 4.3.0 Mail server temporarily rejected message", "rcpt"),
                        ("550 5.7.1 Message refused", "data")], ids=["451-at-rcpt", "550-at-data"])
def refusing_smtp_server(app, monkeypatch, request):
    reply, stage = request.param
    server = _serve(app, monkeypatch, RefusingHandler(reply, stage))
    yield server
    server.controller.stop()


@pytest.fixture
def smtp_down(app, monkeypatch):
    """MAIL_PORT points at a port where nothing listens (connection refused)."""
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_STARTTLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    return port


@pytest.fixture
def test_kinds(app, monkeypatch):
    """Kinds "test.meeting" (non-essential) and "test.urgent" (essential) with templates under tests/."""
    loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), app.jinja_env.loader])
    monkeypatch.setattr(app.jinja_env, "loader", loader)
    register_kind("test.meeting", "Réunion de test")
    register_kind("test.urgent", "Urgence de test", essential=True)
    yield
    unregister_kind("test.meeting")
    unregister_kind("test.urgent")


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (openssl), as (cert, key) paths."""
    import subprocess

    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class TlsCheckingHandler(CollectingHandler):
    def __init__(self):
        super().__init__()
        self.tls_sessions: list[bool] = []

    async def handle_DATA(self, server, session, envelope):
        self.tls_sessions.append(session.ssl is not None)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def starttls_smtp_server(app, monkeypatch, tls_certificate):
    """A server that refuses mail until STARTTLS, then asks for credentials."""
    import ssl

    cert, key = tls_certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    handler = TlsCheckingHandler()
    server = _serve(app, monkeypatch, handler, tls_context=context, require_starttls=True,
                    authenticator=handler.authenticate, auth_exclude_mechanism=["CRAM-MD5", "LOGIN"])
    monkeypatch.setitem(app.config, "MAIL_TLS_CA_FILE", str(cert))
    yield server
    server.controller.stop()
