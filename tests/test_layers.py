"""Which way the imports run, read from the source (nothing is imported).

The platform (``dagster_project``) never imports the demo package (``mash_demo``), which
drives it from outside. The steps (ingestion, matching, quality, trial, reports,
publishing and the modules they share) never import the orchestration layer that wires them
into Dagster and runs them (definitions, defs, pipeline, the command line, the outside API).
"""

import ast
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = PROJECT_ROOT / "dagster_project"
DEMO_PACKAGE = "mash_demo"
ORCHESTRATION = tuple(
    f"dagster_project.{name}" for name in ("definitions", "defs", "pipeline", "cli", "api")
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at the top or inside a function, made absolute."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def is_within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)


def modules() -> dict[str, set[str]]:
    return {module_name(path): imported_modules(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_the_walk_sees_the_package():
    found = modules()
    assert "dagster_project.ingest.landing" in found
    assert "dagster_project.pipeline" in found["dagster_project.cli"]


def test_the_platform_never_imports_the_demo():
    offenders = {
        module: sorted(name for name in names if is_within(name, (DEMO_PACKAGE,)))
        for module, names in modules().items()
    }
    assert {module: names for module, names in offenders.items() if names} == {}


def test_no_step_imports_the_orchestration_above_it():
    offenders = {
        module: sorted(name for name in names if is_within(name, ORCHESTRATION))
        for module, names in modules().items()
        if not is_within(module, ORCHESTRATION)
    }
    assert {module: names for module, names in offenders.items() if names} == {}
