"""docs/architecture.md is kept true: every module it names exists, every package under
app/ is described, no import goes against its table of layers, swappable libraries stay
in their one place, only the indexer writes the index, and importing the models switches
nothing on."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app"
DOCUMENT = PROJECT / "docs" / "architecture.md"
# The SearchIndex operations that write or replace the index (app/search/index.py); the
# indexer uses all but `apply` (ready-made documents, for the search package's own tests).
INDEX_WRITES = {"apply", "batch", "install", "rebuild", "note_damage"}


def document() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


def named_paths(text: str) -> set[str]:
    """Paths the document names in backticks: `app/…` files and folders."""
    return {match.rstrip("/") for match in re.findall(r"`(app/[\w/.]*)`", text)}


def allowed_imports(text: str) -> dict[str, set[str]]:
    """The table under "Layers": unit -> the units it may import."""
    allowed = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and re.fullmatch(r"`\w+`", cells[0]):
            allowed[cells[0].strip("`")] = set(re.findall(r"`(\w+)`", cells[1]))
    return allowed


def python_files(folder: Path = APP) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def unit_of(module: str) -> str | None:
    """The layer unit a dotted module name belongs to: `app` for the factory, else the
    top-level module or package under app/ (None: outside the app)."""
    parts = module.split(".")
    if parts[0] != "app":
        return None
    return parts[1] if len(parts) > 1 else "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_units(path: Path) -> set[str]:
    """The units `path` imports from; `from app import serving` imports `serving`."""
    units = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "app":
                units |= {alias.name for alias in node.names}
            else:
                units.add(unit_of(node.module))
        elif isinstance(node, ast.Import):
            units |= {unit_of(alias.name) for alias in node.names}
    return units - {None}


def test_every_path_the_document_names_exists():
    missing = sorted(path for path in named_paths(document()) if not (PROJECT / path).exists())
    assert not missing, f"docs/architecture.md names what is gone: {missing}"


def test_every_package_under_app_is_described():
    packages = {str(folder.relative_to(PROJECT)) for folder in APP.rglob("*")
                if folder.is_dir() and any(folder.glob("*.py"))}
    described = named_paths(document())
    assert not sorted(packages - described), "describe in docs/architecture.md: " + \
        ", ".join(sorted(packages - described))


def test_every_unit_under_app_has_a_row_in_the_layer_table():
    units = {unit_of(module_name(path)) for path in python_files()}
    assert units == set(allowed_imports(document()))


def test_no_import_goes_against_the_layers():
    allowed = allowed_imports(document())
    wrong = []
    for path in python_files():
        unit = unit_of(module_name(path))
        for target in sorted(imported_units(path) - {unit} - allowed.get(unit, set())):
            wrong.append(f"{path.relative_to(PROJECT)} imports {target}")
    assert not wrong, "imports against docs/architecture.md's layers:\n" + "\n".join(wrong)


@pytest.mark.parametrize("source, unit", [
    ("from app.services.reading import search", "services"),
    ("from app import serving", "serving"),
    ("import app.web.api.read", "web"),
    ("from app.indexer.handle import read_or", "indexer"),
])
def test_imports_are_read_as_units(tmp_path, source, unit):
    module = tmp_path / "module.py"
    module.write_text(source + "\n")
    assert imported_units(module) == {unit}


def outside_imports(path: Path) -> set[str]:
    """The top-level names of the outside libraries `path` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
    return names - {"app"}


# A library that could be swapped one day -> the only place that may import it.
CONFINED = {"whoosh": APP / "search", "bleach": APP / "rendering.py",
            "markdown": APP / "rendering.py"}
# What takes values and paths, and runs without a Flask app.
WITHOUT_FLASK = [APP / "search", APP / "models", APP / "rendering.py",
                 APP / "markdown_limits.py", APP / "diffing.py"]


def test_swappable_libraries_are_imported_in_one_place_each():
    wrong = [f"{path.relative_to(PROJECT)} imports {library}"
             for path in python_files() for library in outside_imports(path) & CONFINED.keys()
             if not (path == CONFINED[library] or path.is_relative_to(CONFINED[library]))]
    assert not wrong, wrong


def test_the_engine_models_and_rendering_know_nothing_of_flask():
    files = [path for place in WITHOUT_FLASK
             for path in (python_files(place) if place.is_dir() else [place])]
    wrong = [str(path.relative_to(PROJECT)) for path in files
             if outside_imports(path) & {"flask", "flask_login", "flask_babel", "werkzeug"}]
    assert not wrong, wrong


def index_write_calls(path: Path) -> list[str]:
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in INDEX_WRITES:
            calls.append(f"{path.relative_to(PROJECT)}:{node.lineno} .{node.func.attr}()")
    return calls


def test_only_the_indexer_writes_the_index():
    outside = [path for path in python_files()
               if not path.is_relative_to(APP / "indexer")
               and not path.is_relative_to(APP / "search")]
    calls = [call for path in outside for call in index_write_calls(path)]
    assert not calls, "index writes outside app/indexer/: " + ", ".join(calls)
    inside = [call for path in python_files(APP / "indexer") for call in index_write_calls(path)]
    used = {call.rsplit(".", 1)[1].removesuffix("()") for call in inside}
    assert used == INDEX_WRITES - {"apply"}   # the scan does see the indexer's own writes


SAVE_A_CASE = """
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
import app.models as models
engine = create_engine("sqlite://")
models.Base.metadata.create_all(engine)
def saved_rows():
    with Session(engine) as session:
        session.add(models.Case(title="t", slug=f"s{saved_rows.n}", summary="s",
                                body_md="b", body_html="b"))
        saved_rows.n += 1
        session.commit()
        return session.scalar(select(func.count()).select_from(models.ChangeLog))
saved_rows.n = 0
print(saved_rows())
from app.indexer import outbox
outbox.switch_on()
outbox.switch_on()
print(saved_rows())
"""


def test_importing_the_models_records_no_changes_until_the_indexer_is_registered():
    """In a process of its own: the suite's apps have switched the outbox on long ago."""
    done = subprocess.run([sys.executable, "-c", SAVE_A_CASE], cwd=PROJECT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "1"]
