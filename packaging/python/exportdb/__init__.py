"""exportdb: PyTorch ExportDB's catalog as a linter and language server.

The wheel installs the native ``exportdb`` executable into the environment's scripts
directory (``bin/`` or ``Scripts\\``), so ``exportdb check`` runs it directly. This package only
finds that executable, for ``python -m exportdb`` and for tools that start the server
themselves::

    import subprocess, exportdb
    subprocess.run([exportdb.find_exportdb_bin(), "check", "src/"])
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

__all__ = ["find_exportdb_bin"]

_DIST = "exportdb-lsp"
_EXE = "exportdb" + (sysconfig.get_config_var("EXE") or (".exe" if os.name == "nt" else ""))


def find_exportdb_bin() -> str:
    """Return the path of the exportdb executable that came with this package.

    The wheel's RECORD says where pip put it, whatever the install scheme (a virtual
    environment, ``--user``, ``--prefix`` or ``--target``); the scripts directories of the
    running interpreter and PATH are the fallbacks. Raises FileNotFoundError when none
    has it.
    """
    candidates = []
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        try:
            for f in distribution(_DIST).files or ():
                if f.name == _EXE:
                    candidates.append(str(f.locate()))
        except PackageNotFoundError:
            pass
    except ImportError:  # Python < 3.8 has no importlib.metadata
        pass
    # pip install --target DIR puts the package in DIR and the script in DIR/bin, while
    # RECORD still names the script relative to the scheme pip installed into first.
    candidates.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin", _EXE))
    schemes = [sysconfig.get_default_scheme() if hasattr(sysconfig, "get_default_scheme") else None]
    schemes.append(os.name + "_user")
    for scheme in schemes:
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        if scripts:
            candidates.append(os.path.join(scripts, _EXE))
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    found = shutil.which(_EXE)
    if found:
        return found
    raise FileNotFoundError(
        "exportdb: the exportdb executable is not installed next to this Python package "
        "(looked in: %s); reinstall with 'pip install --force-reinstall exportdb-lsp'"
        % (", ".join(candidates) or "nowhere")
    )


def _main() -> None:
    """Run the executable with this process's arguments (``python -m exportdb``)."""
    try:
        exe = find_exportdb_bin()
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    argv = [exe, *sys.argv[1:]]
    if os.name == "nt":
        import subprocess

        sys.exit(subprocess.call(argv))
    os.execv(exe, argv)
