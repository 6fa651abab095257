"""https: the emulator serves TLS with a given certificate, for clients that send a key only over TLS (Java)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest
import trustme
from openai import AzureOpenAI, DefaultHttpxClient

from aoai_nb.emulator import Emulator


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_emulator(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    folder = tmp_path_factory.mktemp("tls")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    emu = Emulator(engine="scripted", ssl_certfile=folder / "server.pem").start()
    try:
        yield emu
    finally:
        emu.stop()


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_chat_and_image_urls(tls_emulator: Emulator, ca: trustme.CA) -> None:
    assert tls_emulator.url.startswith("https://127.0.0.1:")
    with AzureOpenAI(
        azure_endpoint=tls_emulator.url,
        api_key=tls_emulator.api_key,
        api_version="2024-10-21",
        http_client=DefaultHttpxClient(verify=_trusting(ca)),
        max_retries=0,
    ) as client:
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )
        image = client.images.generate(model="dall-e-3", prompt="a cat")
    assert reply.choices[0].message.content
    url = image.data[0].url
    assert url is not None and url.startswith(f"{tls_emulator.url}/aoai-nb/images/")
    png = httpx.get(url, verify=_trusting(ca))
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"


def test_status_calls_work_over_https(tls_emulator: Emulator) -> None:
    assert "deployments" in tls_emulator.status()


def test_plain_http_to_the_tls_port_gets_no_answer(tls_emulator: Emulator) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(tls_emulator.url.replace("https://", "http://") + "/openai/models?api-version=2024-10-21")


def test_an_untrusted_certificate_is_refused(tls_emulator: Emulator) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{tls_emulator.url}/openai/models?api-version=2024-10-21")
