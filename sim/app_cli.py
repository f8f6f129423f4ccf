"""``scsim app``: serve the interactive app (:mod:`sim.app`) with Solara.

The command becomes the Solara server (``os.execve``): there is one process,
so stopping ``scsim app`` (Ctrl-C, ``kill``) stops the server and frees the
port. Solara serves the module ``sim.app`` by name, so nothing is written to
disk (no file under a shared temporary directory that another local user
could replace).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

__all__ = ["register", "APP_MODULE", "APP_TITLE", "solara_command", "OFFLINE_ENV"]

#: The module Solara serves (its ``Page`` component).
APP_MODULE = "sim.app"

#: The browser tab's title, from the first byte the server sends (Solara's own,
#: "Solara ☀️", showed until the page had rendered) to the page's ``solara.Title``.
APP_TITLE = "scsim: social commerce on a friend network"

#: Environment of the server: no telemetry (the assets come from the
#: solara-assets package and the version check is off), no "runs on
#: Solara" banner over the plots, and the app's title.
OFFLINE_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
               "SOLARA_THEME_SHOW_BANNER": "False",
               "SOLARA_THEME_TITLE": APP_TITLE}


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
        If the port is out of range or the host is no address or name.

    Examples
    --------
    >>> solara_command(8765, "127.0.0.1")[3:8]
    ['run', 'sim.app', '--port', '8765', '--host']
    """
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"--port = {port} must be in 1..65535")
    try:
        if not host.strip():
            raise socket.gaierror
        socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValueError(f"--host = {host!r} is not an address or name of this machine to "
                         "listen on, e.g. 127.0.0.1 (this machine only), 0.0.0.0 (every "
                         "interface) or localhost") from None
    cmd = [sys.executable, "-m", "solara", "run", APP_MODULE, "--port", str(int(port)),
           "--host", host, "--no-check-version"]
    if production:
        cmd.append("--production")
    return cmd


def _cmd_app(args: argparse.Namespace) -> int:
    cmd = solara_command(args.port, args.host, production=not args.dev)
    print(f"scsim app on http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    env = {**os.environ, **OFFLINE_ENV}
    # become the server: killing this process stops it (no orphaned child on the port)
    os.execve(cmd[0], cmd, env)
    return 0  # pragma: no cover (execve does not return)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``scsim app [--port N] [--host H] [--dev]``."""
    p = subparsers.add_parser("app", help="serve the interactive app (Solara, in the browser)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    p.add_argument("--dev", action="store_true", help="auto-reload on code changes")
    p.set_defaults(func=_cmd_app)
