"""One command line for the serving side: `python -m server <command>`.

Each command lives in its own module exposing `register(subparsers)`; this file only dispatches.
The local CRM has its own command line: `python -m server.crm`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "vendor": "server.vendor",  # fetch + hash-check the browser runtime (npm, PyPI)
    "build": "server.build",  # emit the static, content-hashed add-in folder
    "serve": "server.serve",  # serve the built add-in (HTTP or HTTPS)
    "demo": "server.demo",  # build, start the pane server and the local CRM, print URLs and logins
    "manifest": "server.manifest",  # write manifest.xml for a public base URL and version
    "certs": "server.certs",  # development CA + localhost certificate for sideloading
    "version": "server.version",  # show or bump the one product version (version.py + manifest.xml)
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    args_in = sys.argv[1:] if argv is None else argv
    # Import only the command asked for (setup runs `vendor` on every start; it should not pay for
    # the servers' imports); all of them for --help or an unknown command.
    chosen = [COMMANDS[args_in[0]]] if args_in and args_in[0] in COMMANDS else list(COMMANDS.values())
    for module_name in chosen:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # command not built yet
        module.register(sub)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
