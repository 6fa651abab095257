"""HTTPS for the emulator: a throw-away certificate authority and server certificate, made at start-up.

Some clients (Semantic Kernel among them) refuse a plain-http endpoint. ``Emulator(tls=True)`` / ``aoai-nb
emulator --tls`` serve https with a certificate that ``trustme`` (python-trio's test-CA library, on
``cryptography``) issues for the loopback names. Only the CA certificate is for clients: point them at
``ca_file`` (``make_client()`` reads it from ``AOAI_NB_EMULATOR_CA``, see ``aoai_nb.client``; other httpx-based
clients from ``SSL_CERT_FILE``). The files live in a private temporary folder that ``remove()`` deletes.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

CERTIFICATE_NAMES = ("127.0.0.1", "localhost", "::1")  # besides the bound host


@dataclass(frozen=True)
class TlsFiles:
    folder: Path
    ca_file: Path  # the CA certificate (PEM): what clients trust
    server_file: Path  # the server's private key and certificate chain (PEM): what uvicorn serves

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def make_certificate(host: str) -> TlsFiles:
    """A new CA and a server certificate for ``host`` and the loopback names, written to a private folder."""
    import trustme

    names = list(dict.fromkeys([host, *CERTIFICATE_NAMES]))
    authority = trustme.CA(organization_name="aoai-nb emulator (local, self-signed)")
    server = authority.issue_cert(*names)
    folder = Path(tempfile.mkdtemp(prefix="aoai-nb-tls-"))  # mode 0700: only this user reads the key
    files = TlsFiles(folder, folder / "ca.pem", folder / "server.pem")
    authority.cert_pem.write_to_path(str(files.ca_file))
    server.private_key_and_cert_chain_pem.write_to_path(str(files.server_file))
    return files


def client_context(ca_file: str | Path) -> ssl.SSLContext:
    """An SSL context that trusts ``ca_file`` (for ``httpx``'s ``verify=`` or ``urllib``)."""
    return ssl.create_default_context(cafile=str(ca_file))
