"""JupyterLab in a real browser: ``aoai-nb lab`` (headless, scripted emulator) driven by Debian's Chromium.

Opens notebooks 02, 09 and 10 (copies in a temporary folder), runs all their cells, and checks what a learner
sees: no error or warning output, the filter and error reports rendered, a live stream updated in place, and
the chat widget streaming a reply. Screenshots go to ``tests/browser/screenshots/`` (git-ignored).
Chromium comes from apt (``.ci/run`` installs it); Playwright's own browsers are not downloaded.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
NOTEBOOKS = ["02_streaming.ipynb", "09_errors_retries_request_ids.ipynb", "10_content_filtering.ipynb"]
CHAT_NOTEBOOK = "99_chat_widget.ipynb"
# Slow tokens (scripted engine) so that a stream lasts long enough to be seen growing: ~50 tokens -> ~0.5 s.
EMULATOR_CONFIG = "latency:\n  per_token_ms: 10\n"
CELL_TIMEOUT_MS = 60_000
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"aoai-nb lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(
        f"JupyterLab did not answer at {url} within {timeout_s:g} s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``aoai-nb lab`` on copies of the notebooks; yields the base URL (the token is in it)."""
    home = tmp_path_factory.mktemp("lab")
    folder = home / "notebooks"
    folder.mkdir()
    for name in NOTEBOOKS:
        notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        notebook.metadata.setdefault("kernelspec", KERNELSPEC)  # else JupyterLab asks which kernel to start
        nbformat.write(notebook, folder / name)
    nbformat.write(
        new_notebook(
            cells=[
                new_markdown_cell("# The chat widget"),
                new_code_cell("from aoai_nb import chat_widget\n\nchat = chat_widget(max_tokens=60)\nchat"),
            ],
            metadata={"kernelspec": KERNELSPEC},
        ),
        folder / CHAT_NOTEBOOK,
    )
    settings = home / "settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    # Every cell in the DOM (no virtual scrolling), so that the checks can read all outputs.
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "apputils-extension").mkdir()
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false"}'
    )
    config = home / "emulator.yaml"
    config.write_text(EMULATOR_CONFIG)
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI", "AOAI_NB_", "OPENAI_"))}
    env |= {
        "PYTHONPATH": str(ROOT),  # the kernels import this checkout's aoai_nb
        "AOAI_NB_CACHE_DIR": str(home / "cache"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
    }
    command = [
        sys.executable, "-m", "aoai_nb.cli", "lab", "--engine", "scripted", "--emulator-config", str(config),
        "--notebooks", str(folder), "--port", str(port), "--ip", "127.0.0.1", "--no-browser",
        "--", f"--IdentityProvider.token={token}", "--LabApp.news_url=", "--ServerApp.open_browser=False",
    ]  # fmt: skip
    log = home / "lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/api/status?token={token}", process, log)
        yield f"{base}/lab/tree/{{name}}?reset&token={token}"  # reset: no notebook of an earlier test reopens
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# Samples one cell's output area every 20 ms while the notebook runs: (number of outputs, text length).
SAMPLE_CELL_JS = """(index) => {
  window.__samples = [];
  window.__sampler = setInterval(() => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
    const outputs = cell ? cell.querySelectorAll('.jp-OutputArea-child') : [];
    const text = cell ? (cell.querySelector('.jp-OutputArea')?.innerText || '') : '';
    window.__samples.push([outputs.length, text.length]);
  }, 20);
}"""
STOP_SAMPLING_JS = "() => { clearInterval(window.__sampler); return window.__samples; }"
ALL_RUN_JS = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(p => p.innerText);
  return prompts.length > 0 && /\\[\\d+\\]/.test(prompts[prompts.length - 1]) && !prompts.some(p => p.includes('*'));
}"""


def _open(page: object, lab: str, name: str) -> None:
    page.goto(lab.format(name=name))  # type: ignore[attr-defined]
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=CELL_TIMEOUT_MS)  # type: ignore[attr-defined]
    # JupyterLab may still ask which kernel to start (e.g. when another notebook's kernel is running).
    select = page.locator(".jp-Dialog button", has_text="Select")  # type: ignore[attr-defined]
    try:
        select.wait_for(timeout=3000)
        select.click()
    except Exception:  # no dialog: the kernel started by itself
        pass
    page.wait_for_selector(  # type: ignore[attr-defined]
        '.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=CELL_TIMEOUT_MS
    )


def _run_all(page: object, name: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()  # type: ignore[attr-defined]
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()  # type: ignore[attr-defined]
    try:
        page.wait_for_function(ALL_RUN_JS, timeout=CELL_TIMEOUT_MS)  # type: ignore[attr-defined]
    except Exception:
        _screenshot(page, f"{name}-timeout")
        raise
    page.wait_for_selector(  # type: ignore[attr-defined]
        '.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=CELL_TIMEOUT_MS
    )


def _outputs_text(page: object) -> str:
    return str(page.locator(".jp-Notebook .jp-OutputArea").all_inner_texts())  # type: ignore[attr-defined]


def _assert_no_error_or_warning_output(page: object, name: str) -> None:
    stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')  # type: ignore[attr-defined]
    assert stderr.count() == 0, f"{name}: error or stderr output: {stderr.all_inner_texts()}"


def _screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"))  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    try:
        yield context.new_page()
    finally:
        context.close()


def test_streaming_notebook_updates_one_output_in_place(lab: str, page: object) -> None:
    name = "02_streaming.ipynb"
    _open(page, lab, name)
    stream_cell = 4  # "# Stream a reply and watch it arrive": show(chunks)
    assert "show(chunks)" in page.locator(".jp-Notebook .jp-Cell").nth(stream_cell).inner_text()  # type: ignore[attr-defined]
    page.evaluate(SAMPLE_CELL_JS, stream_cell)  # type: ignore[attr-defined]
    _run_all(page, name)
    samples = page.evaluate(STOP_SAMPLING_JS)  # type: ignore[attr-defined]
    _screenshot(page, name)
    _assert_no_error_or_warning_output(page, name)
    lengths = [length for count, length in samples if count == 1 and length > 0]
    assert max(count for count, _ in samples) == 1, "the stream added outputs instead of updating one"
    assert len(set(lengths)) >= 3, f"the live view did not grow in place: {sorted(set(lengths))}"
    assert lengths == sorted(lengths) or len(set(lengths)) >= 3  # it grew while streaming
    text = _outputs_text(page)
    assert "[scripted reply]" in text and "finish_reason=stop" in text and "content filter: passed" in text


def test_errors_notebook_renders_error_reports_and_readable_http_logs(lab: str, page: object) -> None:
    name = "09_errors_retries_request_ids.ipynb"
    _open(page, lab, name)
    _run_all(page, name)
    _screenshot(page, name)
    _assert_no_error_or_warning_output(page, name)
    text = _outputs_text(page)
    assert "RateLimitError" in text and "NotFoundError" in text and "APIConnectionError" in text
    assert page.locator(".jp-OutputArea-output table").count() >= 1  # the status -> exception table  # type: ignore[attr-defined]
    http_log = page.locator(".jp-OutputArea-output pre", has_text="aoai_nb.http: -->")  # type: ignore[attr-defined]
    assert http_log.count() >= 1, "the HTTP log is not shown as a block of its own"


def test_filter_notebook_renders_every_filter_report(lab: str, page: object) -> None:
    name = "10_content_filtering.ipynb"
    _open(page, lab, name)
    _run_all(page, name)
    _screenshot(page, name)
    _assert_no_error_or_warning_output(page, name)
    text = _outputs_text(page)
    for headline in (
        "content filter: passed",
        "content filter: prompt blocked",
        "content filter: output cut",
    ):
        assert headline in text, f"{headline!r} not rendered"
    assert "jailbreak=detected" in text and "violence=high" in text


def test_chat_widget_streams_a_reply(lab: str, page: object) -> None:
    _open(page, lab, CHAT_NOTEBOOK)
    _run_all(page, CHAT_NOTEBOOK)
    prompt = page.locator('.jp-OutputArea textarea[placeholder="Ask something, then Send"]')  # type: ignore[attr-defined]
    prompt.wait_for(timeout=CELL_TIMEOUT_MS)
    prompt.fill("Tell me a story about a dragon.")
    transcript_cell = 1
    page.evaluate(SAMPLE_CELL_JS, transcript_cell)  # type: ignore[attr-defined]
    page.locator(".jp-OutputArea button", has_text="Send").click()  # type: ignore[attr-defined]
    page.locator(".jp-OutputArea", has_text="conversation: 1 exchange (2 messages)").wait_for(  # type: ignore[attr-defined]
        timeout=CELL_TIMEOUT_MS
    )
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('.jp-OutputArea')].some(o => o.innerText.includes('finish_reason=stop'))",
        timeout=CELL_TIMEOUT_MS,
    )
    samples = page.evaluate(STOP_SAMPLING_JS)  # type: ignore[attr-defined]
    _screenshot(page, CHAT_NOTEBOOK)
    _assert_no_error_or_warning_output(page, CHAT_NOTEBOOK)
    text = _outputs_text(page)
    assert 'Received: "Tell me a story about a dragon."' in text
    assert "Temperature" in text and "Max tokens" in text
    assert len({length for _, length in samples}) >= 4, "the reply did not stream into the transcript"
