"""``python -m arenalab``: the same CLI as the ``arenalab`` console script."""

from arenalab.cli import main

main()
