"""The README's and docs' code stays true: commands parse, Python blocks import what exists.

Every ``arenalab ...`` line in a shell block is parsed by the real Typer/Click command
tree (command, subcommand, options, required arguments), and every Python block is
compiled and its ``arenalab`` imports resolved, without running either, so a renamed
option, command, module or function fails here instead of in a reader's terminal.
Running the snippets that have cheap inputs is the other tests' job (the seed's loop,
the JavaScript clients, the raw ``ray job submit`` line, the observation builder).
"""

import ast
import importlib
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from arenalab.cli import app
from typer.exceptions import TyperException

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND_LINE = re.compile(r"^\s*([A-Z_]+=\S*\s+)*arenalab\s")  # optional VAR=value prefixes
SHELLS = {"", "bash", "sh", "shell"}


def fenced_blocks(text: str, languages: set[str]) -> Iterator[str]:
    """The bodies of the fenced blocks written in one of ``languages``."""
    block, language = None, ""
    for line in text.splitlines():
        if line.startswith("```"):
            if block is None:
                block, language = [], line[3:].strip()
                continue
            if language in languages:
                yield "\n".join(block)
            block = None
        elif block is not None:
            block.append(line)


def documented_commands() -> Iterator[tuple[str, list[str]]]:
    """``(where, arguments after "arenalab")`` for every documented command line."""
    for document in DOCUMENTS:
        for block in fenced_blocks(document.read_text(), SHELLS):
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                if COMMAND_LINE.match(line):
                    words = shlex.split(line, comments=True)
                    yield f"{document.name}: {line.strip()}", words[words.index("arenalab") + 1 :]


def parse(command, args: list[str], name: str = "arenalab") -> None:
    """Parse ``args`` down the command tree, raising Click's usage errors."""
    context = command.make_context(name, list(args))
    if hasattr(command, "resolve_command"):  # a group: the rest names a subcommand
        rest = context._protected_args + context.args  # Click keeps them here
        if rest:
            sub_name, sub, sub_args = command.resolve_command(context, rest)
            parse(sub, sub_args, sub_name)


COMMANDS = list(documented_commands())


def test_the_docs_document_commands() -> None:
    """The scan finds the documented commands (a broken scan would pass everything)."""
    assert len(COMMANDS) >= 40
    assert any(args[:1] == ["watch"] for _, args in COMMANDS)


@pytest.mark.parametrize(("where", "args"), COMMANDS, ids=[where for where, _ in COMMANDS])
def test_a_documented_command_parses(where: str, args: list[str]) -> None:
    """The command, its subcommand, options and required arguments exist as written."""
    try:
        parse(typer.main.get_command(app), args)
    except typer.Exit:
        pass  # --help and friends
    except TyperException as exc:
        pytest.fail(f"{where}\n{exc.format_message()}")


@pytest.mark.parametrize(
    "args", [["train", "--bogus"], ["nosuch"], ["watch"], ["experiments", "presets", "x"]]
)
def test_a_wrong_command_is_caught(args: list[str]) -> None:
    """The parse fails for an unknown option or command, a missing or an extra argument."""
    with pytest.raises(TyperException):
        parse(typer.main.get_command(app), args)


PYTHON_BLOCKS = [
    (f"{document.name} block {number}", block)
    for document in DOCUMENTS
    for number, block in enumerate(fenced_blocks(document.read_text(), {"python"}), start=1)
]


@pytest.mark.parametrize(("where", "code"), PYTHON_BLOCKS, ids=[w for w, _ in PYTHON_BLOCKS])
def test_a_documented_python_block_compiles_and_imports_what_exists(where: str, code: str) -> None:
    """Valid Python, and every ``from arenalab... import name`` names a real thing."""
    tree = ast.parse(code, filename=where)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("arenalab"):
            module = importlib.import_module(node.module)
            missing = [alias.name for alias in node.names if not hasattr(module, alias.name)]
            assert not missing, f"{where}: {node.module} has no {missing}"
