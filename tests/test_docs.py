"""The README keeps up with the code: every setting and every command is documented."""
import re

import pytest

from app.config import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
CONFIG_SOURCE = (PROJECT_DIR / "app" / "config.py").read_text(encoding="utf-8")


def test_the_readme_starts_with_the_two_commands():
    start = README[:README.index("## Configuration")]
    assert "make run" in start and "make test" in start
    assert start.index("make run") < start.index("make test")


@pytest.mark.parametrize("variable", sorted(set(re.findall(r'env\.get\("([A-Z_]+)"',
                                                           CONFIG_SOURCE))))
def test_every_environment_setting_is_documented(variable):
    assert f"| `{variable}` |" in README


def walk(group, prefix=""):
    for name, command in getattr(group, "commands", {}).items():
        yield from walk(command, f"{prefix}{name} ") if hasattr(command, "commands") else [
            f"{prefix}{name}"]


def test_every_command_is_documented(app):
    ours = [name for name in walk(app.cli) if not name.startswith(("db ", "routes", "shell",
                                                                      "run"))]
    assert len(ours) >= 7
    for name in ours:
        assert f"`flask {name}" in README, name


def test_every_front_matter_key_is_documented():
    from app.services.exchange.content_import import (
        CASE_KEYS,
        GROUP_KEYS,
        REFLECTION_KEYS,
        ROLE_KEYS,
    )
    content_section = README[README.index("## Content"):README.index("## Search")]
    for key in sorted(CASE_KEYS | REFLECTION_KEYS | ROLE_KEYS | GROUP_KEYS):
        assert re.search(rf"\b{key}\b", content_section), key


def test_the_code_layout_lists_every_package_and_module():
    layout = README[README.index("## Code layout"):]
    for path in sorted((PROJECT_DIR / "app").iterdir()):
        if path.name.startswith("__") and path.name != "__init__.py":
            continue
        assert path.name.replace(".py", "") in layout, path.name


def test_no_machine_paths_in_tracked_text():
    tracked = [*PROJECT_DIR.glob("*.md"), PROJECT_DIR / "Makefile", PROJECT_DIR / ".ci" / "run"]
    for path in tracked:
        assert "/work/" not in path.read_text(encoding="utf-8"), path


def test_the_open_data_codebook_lists_every_column():
    from app.services.exchange.open_data import CODEBOOK
    section = README[README.index("### Open data"):README.index("## Benchmarks")]
    for columns in CODEBOOK.values():
        for column, meaning in columns.items():
            assert f"| `{column}` | {meaning} |" in section, column
