"""Preflight checks for a workshop: settings, auth, endpoint, api-version and every deployment, one row each.

``doctor()`` returns a ``DoctorReport`` (an HTML table in Jupyter, a text table in a terminal); ``aoai-nb doctor``
prints it and exits non-zero when a check fails. Each deployment gets the cheapest call that proves it answers:
one token of chat or completion, one embedding, a short speech clip, half a second of silence to transcribe, and
for images a request with an invalid size (a 400 from the deployment proves it exists; nothing is generated or
billed).

Each deployment's row also checks its model's lifecycle against the catalog (``aoai_nb.models``): the model is
read from the service's answer (the ``model`` field of chat, completion and embeddings responses), else from
``AOAI_NB_DEPLOYMENT_MODELS``, else from the deployment's name. A model retired on Azure, or retiring within 90
days, makes the row a warning naming the date and the replacement (a failed probe stays a failure).
"""

from __future__ import annotations

import datetime as dt
import io
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aoai_nb.config import BASE_CAPABILITY, CAPABILITIES, Capability, ConfigError, Settings, deployment_env

if TYPE_CHECKING:  # pragma: no cover
    from aoai_nb.models import ModelInfo

MARKS = {True: "PASS", False: "FAIL", None: "SKIP"}
WARN = "WARN"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: skipped
    detail: str
    fix: str = ""
    warn: bool = False  # passed, but needs attention soon (a model retired or retiring on Azure)

    @property
    def mark(self) -> str:
        return WARN if self.warn and self.ok is not False else MARKS[self.ok]


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok is not False for check in self.checks)

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.mark == WARN]

    def __repr__(self) -> str:
        failed = sum(check.ok is False for check in self.checks)
        return f"<DoctorReport {len(self.checks)} checks, {failed} failed, {len(self.warnings)} warnings>"

    def _verdict(self) -> str:
        if not self.ok:
            return "Some checks failed: see the fixes."
        if self.warnings:
            return f"All checks passed, with {len(self.warnings)} lifecycle warnings: see the fixes."
        return "All checks passed."

    def __str__(self) -> str:
        width = max((len(c.name) for c in self.checks), default=5)
        lines = []
        for check in self.checks:
            lines.append(f"[{check.mark}] {check.name:<{width}}  {check.detail}")
            if check.fix:
                lines.append(f"       {'':<{width}}  fix: {check.fix}")
        return "\n".join([*lines, self._verdict()])

    def _repr_html_(self) -> str:
        from aoai_nb.display import _html as h

        kinds = {"PASS": "ok", "FAIL": "bad", "SKIP": "info", WARN: "warn"}
        rows = [(h.badge(c.mark, kinds[c.mark]), c.name, c.detail, c.fix) for c in self.checks]
        # every cell left-aligned by an inline style: JupyterLab's stylesheet right-aligns table cells
        return h.box(h.table(("", "check", "result", "fix"), rows), h.line(h.esc(self._verdict())))

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


def _probe(client: Any, capability: str, name: str, model: ModelInfo | None) -> tuple[str, str | None]:
    """Make the cheapest call that proves the deployment answers; return what it showed and the model the
    answer names (None when the answer names none)."""
    if capability == "chat":
        # reasoning models refuse max_tokens; max_completion_tokens is what both generations accept
        limit = "max_tokens" if model is not None and "max_tokens" not in model.rejected_params else None
        reply = client.chat.completions.create(
            model=name,
            messages=[{"role": "user", "content": "ping"}],
            **{limit or "max_completion_tokens": 1},
        )
        return "answered a 1-token chat", reply.model or None
    if capability == "completions":
        completion = client.completions.create(model=name, prompt="ping", max_tokens=1)
        return "answered a 1-token completion", completion.model or None
    if capability == "embeddings":
        result = client.embeddings.create(model=name, input="ping")
        return f"returned a {len(result.data[0].embedding)}-dimension embedding", result.model or None
    if capability == "speech":
        audio = client.audio.speech.create(model=name, voice="alloy", input="ok", response_format="wav")
        return f"spoke {len(audio.content)} bytes of audio", None
    if capability == "transcription":
        client.audio.transcriptions.create(model=name, file=("silence.wav", _silence_wav(), "audio/wav"))
        return "transcribed half a second of silence", None
    import openai

    try:
        client.images.generate(model=name, prompt="ping", size="1x1")
    except openai.BadRequestError as exc:
        if exc.code == "OperationNotSupported":
            raise
        return "exists (probed with an invalid size: nothing generated)", None
    return "answered", None


def _failure(name: str, exc: BaseException) -> Check:
    from aoai_nb.display._errors import explain

    report = explain(exc)
    status = f"{report.status} " if report.status else ""
    return Check(name, False, f"{status}{report.error_class}: {report.meaning}", report.fix)


def lifecycle(info: ModelInfo, today: dt.date) -> tuple[str, bool, str]:
    """(what the catalog says, whether it needs attention, the fix) for a model on ``today``."""
    status = info.status_on(today)
    replacement = (
        f"deploy {info.replacement}"
        if info.replacement
        else "the schedule names no replacement: deploy a current model for this job"
    )
    when = info.retirement.isoformat() if info.retirement else ""
    if status == "retired":
        return f"{info.name} retired on Azure on {when} (Azure answers 410 Gone)", True, replacement
    if status == "retiring" and info.retirement is not None:
        days = (info.retirement - today).days
        return f"{info.name} retires on Azure on {when}, in {days} days", True, replacement
    stage = {
        "ga": "GA",
        "preview": "preview",
        "legacy": "legacy",
        "deprecated": "deprecated (existing customers only)",
    }
    until = f", retires {when}" if when else ""
    return f"{info.name}: {stage.get(info.lifecycle, info.lifecycle)}{until}", False, ""


def doctor(
    *,
    settings: Settings | None = None,
    client: Any = None,
    capabilities: Iterable[Capability] = CAPABILITIES,
    make: Callable[..., Any] | None = None,
    today: dt.date | None = None,
) -> DoctorReport:
    """Run every check and return the report (it never raises for a failed check).

    ``today`` is the day lifecycles are judged on (default: today's UTC date).
    """

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
        day = today or dt.datetime.now(dt.UTC).date()
        _check_service(report, s, base.with_options(max_retries=0, timeout=30.0), capabilities, day)
    finally:
        if client is None:  # built here: release its connections
            base.close()
    return report


def _check_service(
    report: DoctorReport, s: Settings, quick: Any, capabilities: Iterable[Capability], today: dt.date
) -> None:
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
    for capability in capabilities:
        report.checks.append(_check_deployment(s, quick, capability, today))


def _check_deployment(s: Settings, quick: Any, capability: Capability, today: dt.date) -> Check:
    """Probe one deployment, then judge the lifecycle of the model it runs."""
    from aoai_nb.models import lookup

    name = s.deployments.for_capability(capability)
    label = f"{capability} deployment '{name}'"
    configured = s.deployment_models.get(name)
    guess = lookup(configured or name)
    try:
        shown, reported = _probe(quick, BASE_CAPABILITY.get(capability, capability), name, guess)
    except Exception as exc:
        failed = _failure(label, exc)
        if guess is None:
            return failed
        said, _, fix = lifecycle(guess, today)
        return Check(label, False, f"{failed.detail} · {said}", "; ".join(f for f in (failed.fix, fix) if f))
    info = lookup(reported) if reported else None
    source = "the service's answer"
    if info is None:
        info, source = guess, ("AOAI_NB_DEPLOYMENT_MODELS" if configured else "the deployment's name")
    if info is None:
        model = f"model {reported!r} is not in the catalog" if reported else "model unknown"
        tell = f"set AOAI_NB_DEPLOYMENT_MODELS='{name}=<model>' to check its lifecycle"
        return Check(label, True, f"{shown} · {model}: lifecycle not checked ({tell})")
    said, attention, fix = lifecycle(info, today)
    if fix:
        fix = f"{fix} and set {deployment_env(capability)} to its deployment's name"
    return Check(label, True, f"{shown} · {said} (model from {source})", fix, warn=attention)
