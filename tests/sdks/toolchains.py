"""Build and run the Go, Java and JavaScript programs under tests/sdks; each prints one JSON line per capability.

Builds go where each toolchain caches by default (Go's module and build caches, ``~/.m2``, ``node_modules`` here,
git-ignored), so only the first run on a machine downloads and compiles. A missing tool is a skip naming it; a
build or run that fails is a test failure with the tool's output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
BUILD_TIMEOUT_SECONDS = 900  # a cold build downloads its dependencies
RUN_TIMEOUT_SECONDS = 300


def require(*tools: str) -> None:
    """Skip the test, naming the tools that are not on PATH; fail instead where AOAI_NB_REQUIRE_SDKS=1 (CI)."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        reason = (
            f"needs {', '.join(missing)} on PATH (the project machine has Go, Java 17 with Maven, Node 20)"
        )
        if os.environ.get("AOAI_NB_REQUIRE_SDKS") == "1":
            pytest.fail(f"{reason}; AOAI_NB_REQUIRE_SDKS=1 makes that a failure")
        pytest.skip(reason)


def _inherited() -> dict[str, str]:
    """This process's environment without Azure OpenAI settings: a developer's own deployment names or
    api-version must not reach the programs, which get the emulator's from the test."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("AZURE_OPENAI_", "OPENAI_", "AOAI_NB_TEST"))
    }


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = RUN_TIMEOUT_SECONDS
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` and return both its streams; a non-zero exit fails the test and shows them."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**_inherited(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}\n--- stdout\n{result.stdout[-4000:]}"
            f"\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result


def checks(stdout: str) -> dict[str, dict[str, Any]]:
    """The program's JSON lines, by their ``check`` name (each name once)."""
    found: dict[str, dict[str, Any]] = {}
    for line in stdout.splitlines():
        if line.strip():
            record = json.loads(line)
            assert record["check"] not in found, f"{record['check']} printed twice"
            found[record["check"]] = record
    return found


def build_go(out_dir: Path) -> Path:
    """``go build`` with go.sum enforced (-mod=readonly): the binary's path."""
    require("go")
    binary = out_dir / "sdkcheck-go"
    run(
        ["go", "build", "-mod=readonly", "-buildvcs=false", "-o", str(binary), "."],
        HERE / "go",
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    return binary


def build_java() -> list[str]:
    """``mvn compile`` plus the runtime jars copied to target/dependency: the java command's classpath args."""
    require("java", "mvn", "keytool")
    project = HERE / "java"
    run(
        ["mvn", "-B", "-q", "compile", "dependency:copy-dependencies", "-DincludeScope=runtime"],
        project,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    classpath = os.pathsep.join(
        [str(project / "target" / "classes"), str(project / "target" / "dependency" / "*")]
    )
    return ["-cp", classpath, "aoainb.sdkcheck.Main"]


def java_truststore(ca_pem: Path, folder: Path) -> Path:
    """A PKCS12 trust store holding the test CA, made with the JDK's keytool (Java reads no PEM files)."""
    store = folder / "truststore.p12"
    run(
        [
            "keytool", "-importcert", "-noprompt", "-alias", "aoai-nb-test-ca", "-file", str(ca_pem),
            "-keystore", str(store), "-storetype", "PKCS12", "-storepass", "aoai-nb-test",
        ],
        folder,
    )  # fmt: skip
    return store


def install_js() -> Path:
    """``npm ci`` from package-lock.json when node_modules is missing or older than the lock file."""
    require("node", "npm")
    project = HERE / "js"
    installed = project / "node_modules" / ".package-lock.json"
    lock = project / "package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        run(["npm", "ci", "--no-audit", "--no-fund"], project, timeout=BUILD_TIMEOUT_SECONDS)
    return project / "main.mjs"
