"""``python -m exportdb ARGS`` runs ``exportdb ARGS``."""

from exportdb import _main

if __name__ == "__main__":
    _main()
