"""Preflight checks for a workshop: settings, auth, endpoint, api-version and every deployment, one row each.

``doctor()`` returns a ``DoctorReport`` (an HTML table in Jupyter, a text table in a terminal); ``aoai-nb doctor``
prints it and exits non-zero when a check fails. Each deployment gets the cheapest call that proves it answers:
one token of chat or completion, one embedding, a short speech clip, half a second of silence to transcribe, and
for images a request with an invalid size (a 400 from the deployment proves it exists; nothing is generated or
billed). A last row says whether the target serves the Responses API (a 16-token create on the chat deployment).
"""

from __future__ import annotations

import html
import io
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aoai_nb.config import CAPABILITIES, Capability, ConfigError, Settings

MARKS = {True: "PASS", False: "FAIL", None: "SKIP"}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: skipped
    detail: str
    fix: str = ""


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok is not False for check in self.checks)

    def __repr__(self) -> str:
        failed = sum(check.ok is False for check in self.checks)
        return f"<DoctorReport {len(self.checks)} checks, {failed} failed>"

    def __str__(self) -> str:
        width = max((len(c.name) for c in self.checks), default=5)
        lines = []
        for check in self.checks:
            lines.append(f"[{MARKS[check.ok]}] {check.name:<{width}}  {check.detail}")
            if check.fix:
                lines.append(f"       {'':<{width}}  fix: {check.fix}")
        verdict = "All checks passed." if self.ok else "Some checks failed: see the fixes above."
        return "\n".join([*lines, verdict])

    def _repr_html_(self) -> str:
        colours = {True: "#1a7f37", False: "#cf222e", None: "#6e7781"}
        rows = "".join(
            f"<tr><td style='color:{colours[c.ok]};font-weight:bold'>{MARKS[c.ok]}</td>"
            f"<td>{html.escape(c.name)}</td><td>{html.escape(c.detail)}</td>"
            f"<td>{html.escape(c.fix)}</td></tr>"
            for c in self.checks
        )
        verdict = "All checks passed." if self.ok else "Some checks failed: see the fixes."
        return (
            "<table style='border-collapse:collapse;text-align:left'>"
            "<thead><tr><th></th><th>check</th><th>result</th><th>fix</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p>{verdict}</p>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": str(self), "text/html": self._repr_html_()}


def _silence_wav(seconds: float = 0.5, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def _probe(client: Any, capability: Capability, name: str) -> str:
    """Make the cheapest call that proves the deployment answers; return what it showed."""
    if capability == "chat":
        client.chat.completions.create(
            model=name, messages=[{"role": "user", "content": "ping"}], max_tokens=1
        )
        return "answered a 1-token chat"
    if capability == "completions":
        client.completions.create(model=name, prompt="ping", max_tokens=1)
        return "answered a 1-token completion"
    if capability == "embeddings":
        result = client.embeddings.create(model=name, input="ping")
        return f"returned a {len(result.data[0].embedding)}-dimension embedding"
    if capability == "speech":
        audio = client.audio.speech.create(model=name, voice="alloy", input="ok", response_format="wav")
        return f"spoke {len(audio.content)} bytes of audio"
    if capability == "transcription":
        client.audio.transcriptions.create(model=name, file=("silence.wav", _silence_wav(), "audio/wav"))
        return "transcribed half a second of silence"
    import openai

    try:
        client.images.generate(model=name, prompt="ping", size="1x1")
    except openai.BadRequestError as exc:
        if exc.code == "OperationNotSupported":
            raise
        return "exists (probed with an invalid size: nothing generated)"
    return "answered"


def _failure(name: str, exc: BaseException) -> Check:
    from aoai_nb.display._errors import explain

    report = explain(exc)
    status = f"{report.status} " if report.status else ""
    return Check(name, False, f"{status}{report.error_class}: {report.meaning}", report.fix)


def doctor(
    *,
    settings: Settings | None = None,
    client: Any = None,
    capabilities: Iterable[Capability] = CAPABILITIES,
    make: Callable[..., Any] | None = None,
) -> DoctorReport:
    """Run every check and return the report (it never raises for a failed check)."""

    from aoai_nb.client import make_client
    from aoai_nb.config import load_settings

    report = DoctorReport()
    try:
        s = settings or load_settings()
    except ConfigError as exc:
        report.checks.append(Check("settings", False, "configuration problems", str(exc)))
        return report
    origin = ", ".join(f"{k} from {v}" for k, v in s.sources.items() if v != "default") or "all defaults"
    report.checks.append(Check("settings", True, origin))
    target = "local emulator" if s.uses_emulator else s.endpoint or ""
    report.checks.append(
        Check("target", True, f"{target} ({s.flavour} flavour, api-version {s.api_version})")
    )
    try:
        base = client or (make or make_client)(settings=s)
    except ConfigError as exc:
        report.checks.append(Check("auth", False, "cannot build a client", str(exc)))
        return report
    try:
        _check_service(report, s, base.with_options(max_retries=0, timeout=30.0), capabilities)
    finally:
        if client is None:  # built here: release its connections
            base.close()
    return report


def _check_service(report: DoctorReport, s: Settings, quick: Any, capabilities: Iterable[Capability]) -> None:
    """Endpoint, auth and api-version through one models.list call, then one probe per deployment."""
    import openai

    mode = "emulator key" if s.uses_emulator else s.resolved_auth
    try:
        quick.models.list()
    except openai.APIConnectionError as exc:
        report.checks.append(_failure("endpoint reachable", exc))
        return
    except openai.APIStatusError as exc:
        report.checks.append(Check("endpoint reachable", True, f"answered HTTP {exc.status_code}"))
        name = "auth" if exc.status_code in (401, 403) else "api-version accepted"
        report.checks.append(_failure(name, exc))
        return
    except Exception as exc:  # e.g. Entra ID could not get a token
        report.checks.append(_failure("auth", exc))
        return
    report.checks.append(Check("endpoint reachable", True, "listed models"))
    report.checks.append(Check("auth", True, f"{mode} accepted"))
    report.checks.append(Check("api-version accepted", True, s.api_version))
    capabilities = tuple(capabilities)
    for capability in capabilities:
        name = s.deployments.for_capability(capability)
        label = f"{capability} deployment '{name}'"
        try:
            report.checks.append(Check(label, True, _probe(quick, capability, name)))
        except Exception as exc:
            report.checks.append(_failure(label, exc))
    if "chat" in capabilities:
        report.checks.append(_responses_check(quick, s))


def _responses_check(quick: Any, s: Settings) -> Check:
    """Whether the target serves the Responses API: one 16-token create on the chat deployment, not stored.
    A 404 is a skip, not a failure: classic routes serve Responses only from api-version 2025-03-01-preview."""
    import openai

    label = "Responses API"
    name = s.deployments.chat
    try:
        quick.responses.create(model=name, input="ping", max_output_tokens=16, store=False)
    except openai.NotFoundError as exc:
        if exc.code == "DeploymentNotFound":
            return _failure(label, exc)
        where = "/openai/v1/" if s.flavour == "v1" else f"/openai/responses?api-version={s.api_version}"
        fix = (
            "use the v1 flavour (AOAI_NB_FLAVOUR=v1, or make_client(flavour='v1', api_version='v1')) or "
            "api-version 2025-03-01-preview or later; check the model is one the Responses API offers"
        )
        return Check(label, None, f"not served at {where} for '{name}'", fix)
    except Exception as exc:
        return _failure(label, exc)
    return Check(label, True, f"'{name}' answered a 16-token create (not stored)")
