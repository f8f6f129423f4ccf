"""``scsim app``: serve the interactive app (:mod:`sim.app`) with Solara."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["register", "app_file", "solara_command", "OFFLINE_ENV"]

#: Environment that keeps the server off the internet: no telemetry (the
#: assets come from the solara-assets package, the version check is off).
OFFLINE_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def app_file() -> Path:
    """The ``app.py`` that Solara serves: the repository's, else a generated one.

    The generated file goes into a new private folder (``mkdtemp``: a fresh,
    unguessable name, readable only by this user), never a fixed name under
    ``/tmp`` that another local user could create or replace first;
    ``scsim app`` removes it when the server stops.

    Returns
    -------
    pathlib.Path
    """
    root = Path(__file__).resolve().parent.parent / "app.py"
    if root.is_file():
        return root
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=GENERATED_PREFIX))
    path = folder / "app.py"
    with open(path, "x", encoding="utf-8") as f:
        f.write("import solara.server.settings\n\nfrom sim.app import Page\n\n"
                "solara.server.settings.telemetry.mixpanel_enable = False\n\n"
                "__all__ = ['Page']\n")
    return path


#: prefix of the private folder of a generated app file
GENERATED_PREFIX = "scsim-app-"


def solara_command(port: int, host: str, production: bool = True) -> list[str]:
    """The ``solara run`` command line for the app.

    Parameters
    ----------
    port : int
        TCP port, 1-65535.
    host : str
        Interface to listen on.
    production : bool
        Serve without auto-reload.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        If the port is out of range.
    """
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"--port = {port} must be in 1..65535")
    cmd = [sys.executable, "-m", "solara", "run", str(app_file()), "--port", str(int(port)),
           "--host", host, "--no-check-version"]
    if production:
        cmd.append("--production")
    return cmd


def _cmd_app(args: argparse.Namespace) -> int:
    cmd = solara_command(args.port, args.host, production=not args.dev)
    print(f"scsim app on http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    env = {**os.environ, **OFFLINE_ENV}
    generated = Path(cmd[4]).parent
    try:
        return subprocess.call(cmd, env=env)
    finally:
        if generated.name.startswith(GENERATED_PREFIX):
            import shutil

            shutil.rmtree(generated, ignore_errors=True)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``scsim app [--port N] [--host H] [--dev]``."""
    p = subparsers.add_parser("app", help="serve the interactive app (Mesa SolaraViz)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    p.add_argument("--dev", action="store_true", help="auto-reload on code changes")
    p.set_defaults(func=_cmd_app)
