"""The package's shape: its public API, the engine boundary, and seams that stay public."""

import ast
import shutil
from pathlib import Path

import pytest

import recsearch
from conftest import FIXTURE_SEEDS

PACKAGE = Path(recsearch.__file__).parent


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            yield node.level, node.module or "", [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield 0, alias.name, []


def test_the_public_api_names_exist():
    assert recsearch.__all__
    for name in recsearch.__all__:
        assert getattr(recsearch, name) is not None, name


def test_no_module_imports_an_underscore_name_from_another():
    found = [f"{path.relative_to(PACKAGE)}: {module}.{name}" for path in _modules()
             for level, module, names in _imports(path) for name in names
             if name.startswith("_") and not name.startswith("__") and not module.startswith("whoosh")]
    assert not found


def test_whoosh_is_imported_only_under_engine():
    found = [str(path.relative_to(PACKAGE)) for path in _modules()
             if path.relative_to(PACKAGE).parts[0] != "engine"
             and any(level == 0 and module.split(".")[0] == "whoosh" for level, module, _ in _imports(path))]
    assert not found


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules() if (n := len(p.read_text().splitlines())) > 400}
    assert not long


def test_an_index_naming_analyzers_at_an_old_import_path_is_rebuilt_with_the_reason(tmp_path, monkeypatch):
    """Whoosh pickles the schema's analyzers by import path: an index built when they lived
    in `recsearch.analysis` cannot be opened; search says what to do, `index` rebuilds it and says why."""
    import sys

    from recsearch.engine import analysis
    from recsearch.errors import IndexAccessError
    from recsearch.ingest.build import update_index
    from recsearch.search.index import RecordIndex

    sources = tmp_path / "src"
    shutil.copytree(FIXTURE_SEEDS, sources)
    root = tmp_path / "index"
    with monkeypatch.context() as old_layout:  # built as the old layout would have pickled it
        old_layout.setitem(sys.modules, "recsearch.analysis", analysis)
        for value in vars(analysis).values():
            if isinstance(value, type) and value.__module__ == analysis.__name__:
                old_layout.setattr(value, "__module__", "recsearch.analysis")
        update_index([sources], root)
    with pytest.raises(IndexAccessError, match="another version of recsearch"):
        RecordIndex(root)
    report = update_index([sources], root)
    assert report.rebuilt and "another version" in report.reason
    with RecordIndex(root) as ix:
        assert ix.record_count > 0


# What each layer may import of the others: the data flows readers -> ingest -> engine ->
# search -> dedup -> cli, and a layer never reaches up the flow (the CLI is on top of all).
FORBIDDEN = {"readers": {"ingest", "engine", "search", "dedup", "cli"}, "engine": {"search", "dedup", "cli"},
             "ingest": {"search", "dedup", "cli"}, "search": {"dedup", "cli"}, "dedup": {"cli"}}


def test_no_layer_imports_a_layer_above_it():
    found = []
    for path in _modules():
        layer = path.relative_to(PACKAGE).parts[0]
        for level, module, names in _imports(path):
            if level == 0 and not module.startswith("recsearch"):
                continue
            target = module.split(".")[1 if level == 0 else 0] if module else (names[0] if names else "")
            if level == 1 and path.parent == PACKAGE:  # a top-level module: `.x` is a layer x
                pass
            elif level == 1:
                continue  # within its own layer
            if target in FORBIDDEN.get(layer, ()):
                found.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert not found
