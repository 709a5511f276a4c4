"""Map the three source folders onto one import namespace, ``arenalab`` (docs/architecture.md 3.1).

``platform/`` has no ``__init__.py`` so it never shadows the stdlib ``platform``
module; ``envs/`` and ``serving/`` become ``arenalab.envs`` and ``arenalab.serving``.
"""

from setuptools import find_packages, setup

SOURCES = {"arenalab": "platform/arenalab", "arenalab.envs": "envs", "arenalab.serving": "serving"}


def _packages() -> list[str]:
    found = []
    for name, folder in SOURCES.items():
        found.append(name)
        found += [f"{name}.{sub}" for sub in find_packages(folder)]
    return found


setup(package_dir=SOURCES, packages=_packages())
