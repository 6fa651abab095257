"""``aoai-nb lab``'s own options and the JupyterLab command line it builds (JupyterLab is not started)."""

from __future__ import annotations

import sys

import pytest

from aoai_nb.cli import build_parser, main
from aoai_nb.lab import LabOptions, jupyter_command


def _options(*argv: str) -> LabOptions:
    return LabOptions.from_args(build_parser().parse_args(["lab", *argv]))


def test_lab_takes_port_ip_and_no_browser_of_its_own() -> None:
    options = _options("--port", "9999", "--ip", "0.0.0.0", "--no-browser")
    assert options == LabOptions(port=9999, ip="0.0.0.0", no_browser=True)
    command = jupyter_command(options, root=False, display=True)
    assert command == [
        sys.executable, "-m", "jupyter", "lab", "notebooks", "--port=9999", "--ip=0.0.0.0", "--no-browser"
    ]  # fmt: skip


def test_the_arguments_after_a_double_dash_go_to_jupyterlab_unchanged() -> None:
    options = _options("--port", "9999", "--", "--ServerApp.base_url=/x/", "--notebooks", "y")
    assert options.port == 9999 and options.notebooks == "notebooks"
    assert options.jupyter_args == ("--ServerApp.base_url=/x/", "--notebooks", "y")
    command = jupyter_command(options, root=False, display=True)
    assert command[-3:] == ["--ServerApp.base_url=/x/", "--notebooks", "y"]


def test_defaults_leave_port_and_address_to_jupyterlab() -> None:
    command = jupyter_command(_options(), root=False, display=True)
    assert command == [sys.executable, "-m", "jupyter", "lab", "notebooks"]


def test_root_without_a_display_gets_allow_root_and_no_browser_once() -> None:
    assert jupyter_command(_options(), root=True, display=False)[-2:] == ["--allow-root", "--no-browser"]
    command = jupyter_command(_options("--no-browser", "--", "--allow-root"), root=True, display=False)
    assert command.count("--allow-root") == 1 and command.count("--no-browser") == 1


def test_a_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lab", "--port", "high"])
    assert exit_info.value.code == 2
    assert "usage: aoai-nb lab" in capsys.readouterr().err


def test_a_jupyterlab_option_before_the_double_dash_says_where_it_goes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lab", "--ServerApp.token=x"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --ServerApp.token=x; JupyterLab's own options go after `--`" in err
