"""``python -m talkparse``: the command line."""

from .cli import main

main()
