"""The in-process emulator: uvicorn serving the app from a background thread on a loopback port."""

from __future__ import annotations

import json
import secrets
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aoai_nb.emulator.config import EmulatorConfig
from aoai_nb.emulator.engines import EngineKind, EngineSet
from aoai_nb.emulator.recording import RecordTo, ReplayFrom
from aoai_nb.emulator.tls import TlsFiles, client_context, make_certificate

START_TIMEOUT_SECONDS = 30.0
HttpStack = Literal["auto", "fast", "h11"]  # see serving.http_stack


class Emulator:
    """An Azure OpenAI emulator on ``http://host:port``; ``start()`` returns once it accepts requests.

    ``tls=True`` serves ``https://`` with a self-signed certificate made at start-up; clients trust
    ``ca_file`` (the CA certificate's path, set while running).

    >>> with Emulator(engine="scripted") as emu:          # doctest: +SKIP
    ...     client = AzureOpenAI(azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21")

    With ``ssl_certfile`` (PEM; its key there or in ``ssl_keyfile``) it serves https, for clients that send a key
    only over TLS (Java's azure-core); the caller makes the certificate and has its clients trust it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        auth: bool = True,
        engine: EngineKind = "auto",
        config: None | str | Path | EmulatorConfig = None,
        *,
        engines: EngineSet | None = None,
        log_level: str = "warning",
        record: RecordTo | None = None,
        replay: ReplayFrom | None = None,
        tls: bool = False,
        ssl_certfile: str | Path | None = None,
        ssl_keyfile: str | Path | None = None,
        http: HttpStack = "auto",
    ) -> None:
        self.host = host
        self.port = port
        self.api_key = api_key or secrets.token_hex(16)
        self.auth = auth
        self.engine: EngineKind = engine
        if config is None:
            config = EmulatorConfig.default()
        elif not isinstance(config, EmulatorConfig):
            config = EmulatorConfig.from_file(config)
        self.config = config
        self._engines = engines
        self.record, self.replay = record, replay
        self.http = http  # auto | fast | h11 (serving.http_stack); the stack serving is in self.stack
        self.stack: tuple[str, str] | None = None
        self._log_level = log_level
        # https when given a certificate (PEM; the key in it or in ssl_keyfile): for clients that send a key
        # only over TLS, such as Java's azure-core
        self._ssl = (ssl_certfile, ssl_keyfile)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.tls = tls
        self._tls_files: TlsFiles | None = None

    def __repr__(self) -> str:  # never shows the key
        state = "running" if self.running else "stopped"
        return f"<Emulator {self.url} engine={self.engine} {state}>"

    @property
    def ca_file(self) -> str | None:
        """The CA certificate (PEM) that https clients must trust; None without ``tls`` or when stopped."""
        return str(self._tls_files.ca_file) if self._tls_files is not None else None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.tls or self._ssl[0] is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    def start(self) -> Emulator:
        if self.running:
            return self
        import uvicorn

        from aoai_nb.emulator.app import create_app
        from aoai_nb.emulator.connections import guarded_protocol
        from aoai_nb.emulator.runtime import Runtime
        from aoai_nb.emulator.serving import EmulatorServer, http_stack

        self.stack = http_stack(self.http)
        stack = {"http": self.stack[0], "loop": self.stack[1]}

        runtime = Runtime(self.config, self.api_key, self.auth, self.engine, self._engines)
        runtime.extra_status["server"] = lambda: stack
        app = create_app(runtime)  # before the socket: a bad recording folder leaks nothing
        if self.record or self.replay:
            from aoai_nb.emulator.recording.layer import RecordingLayer

            layer = RecordingLayer(
                app, api_key=self.api_key, auth=self.auth, record=self.record, replay=self.replay
            )
            runtime.extra_status["recording"] = layer.status
            app = layer
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(
            family, socket.SOCK_STREAM, socket.IPPROTO_TCP
        )  # TCP proto: asyncio sets NODELAY
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self._socket = sock
        ssl_options: dict[str, Any] = {}
        if self.tls:
            self._tls_files = make_certificate(self.host)
            ssl_options["ssl_certfile"] = str(self._tls_files.server_file)  # the key is in the same file
        elif self._ssl[0] is not None:  # the caller's certificate (and key)
            ssl_options.update(ssl_certfile=str(self._ssl[0]), ssl_keyfile=self._ssl[1] and str(self._ssl[1]))
        config = uvicorn.Config(
            app,
            log_level=self._log_level,
            access_log=False,
            lifespan="off",
            http=guarded_protocol(self.stack[0], self.config.header_timeout_seconds, self.config.region),
            loop=self.stack[1],
            proxy_headers=False,  # no X-Forwarded-* from clients into scope (image URLs, logs)
            ws="none",
            timeout_graceful_shutdown=2,
            server_header=False,
            **ssl_options,
        )
        self._server = EmulatorServer(config, runtime)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"aoai-nb-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"The emulator did not start on {self.url}; see the log above.")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._server = None
        if self._tls_files is not None:
            self._tls_files.remove()
            self._tls_files = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- the emulator's own endpoints ------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"api-key": self.api_key, "content-type": "application/json"},
        )
        context = client_context(self._tls_files.ca_file) if self._tls_files is not None else None
        if context is None and self._ssl[0] is not None:  # a caller's certificate: this process calls the
            context = ssl.create_default_context()  # server it runs, on a socket it bound itself
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                result: dict[str, Any] = json.loads(response.read())
                return result
        except urllib.error.HTTPError as exc:
            with exc:
                detail = json.loads(exc.read() or b"{}").get("error", {}).get("message", exc.reason)
            raise ValueError(f"The emulator refused {method} {path}: {detail}") from None

    def status(self) -> dict[str, Any]:
        """Engines, deployments, faults, latency, content filter and request counts (GET /aoai-nb/status)."""
        return self._call("GET", "/aoai-nb/status")

    def reset_stats(self) -> dict[str, Any]:
        return self._call("POST", "/aoai-nb/reset-stats", {})

    def set_controls(self, **controls: Any) -> dict[str, Any]:
        """Change teaching controls while running (POST /aoai-nb/controls), e.g.
        ``set_controls(fault_rates={429: 0.5}, limits={"gpt-4o-mini": {"rpm": 3}})``; returns the new status."""
        if "fault_rates" in controls:
            controls["fault_rates"] = {str(k): v for k, v in controls["fault_rates"].items()}
        return self._call("POST", "/aoai-nb/controls", controls)
