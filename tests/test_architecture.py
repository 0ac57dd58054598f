"""The layout rules of docs/ARCHITECTURE.md, checked: short modules, thin views, SQL only in
data modules, and an OpenAPI document that describes every operation and field."""

import ast
import inspect
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parent.parent / "app"
MAX_MODULE_LINES = 400
MAX_VIEW_LINES = 25
# Modules allowed to hold SQL: each domain's data module(s), plus the database binding
# (connection pragmas, ping) and the models (the case-insensitive username index).
DATA_MODULES = {"database.py", "models.py", "track/store.py"}
# Calls that run SQL (methods of sessions, connections and cursors) or build it (the
# functions SQLAlchemy exports, called by their bare names).
SQL_METHODS = {"execute", "executemany", "executescript", "exec_driver_sql"}
SQL_BUILDERS = {"text", "select", "delete", "insert", "update"}


def app_modules() -> list[Path]:
    """Every Python module under app/."""
    return sorted(APP_DIR.rglob("*.py"))


def is_data_module(path: Path) -> bool:
    """data.py, *_data.py, a module in a data/ package, or one of DATA_MODULES."""
    relative = path.relative_to(APP_DIR).as_posix()
    return (path.name == "data.py" or path.stem.endswith("_data") or path.parent.name == "data"
            or relative in DATA_MODULES)


@pytest.mark.parametrize("path", app_modules(), ids=lambda path: str(path.relative_to(APP_DIR)))
def test_modules_are_at_most_400_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES


def sql_calls_in(path: Path) -> list[str]:
    """`name(` calls in the module that run or build SQL, as 'line: name'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr in SQL_METHODS:
            found.append(f"{node.lineno}: {function.attr}")
        elif isinstance(function, ast.Name) and function.id in SQL_BUILDERS:
            found.append(f"{node.lineno}: {function.id}")
    return found


@pytest.mark.parametrize("path", [path for path in app_modules() if not is_data_module(path)],
                         ids=lambda path: str(path.relative_to(APP_DIR)))
def test_sql_lives_only_in_data_modules(path):
    assert sql_calls_in(path) == []


def test_the_sql_check_sees_sql():
    """Guards the check above: the data modules it exempts do hold such calls."""
    assert sql_calls_in(APP_DIR / "track" / "store.py")
    assert sql_calls_in(APP_DIR / "auth" / "data.py")


def view_body_lines(view) -> int:
    """Lines of a view function from its `def` to its end, decorators left out."""
    source, _ = inspect.getsourcelines(inspect.unwrap(view))
    start = next(index for index, line in enumerate(source)
                 if line.lstrip().startswith(("def ", "async def ")))
    return len(source) - start


def test_views_are_at_most_25_lines(app):
    long_views = {}
    for endpoint, view in app.view_functions.items():
        module = getattr(inspect.unwrap(view), "__module__", "")
        if not module.startswith("app."):
            continue  # flask-smorest's OpenAPI pages, Flask's static files
        if view_body_lines(view) > MAX_VIEW_LINES:
            long_views[endpoint] = view_body_lines(view)
    assert long_views == {}
    assert len([view for view in app.view_functions.values()
                if getattr(inspect.unwrap(view), "__module__", "").startswith("app.")]) > 10


def undescribed(spec: dict) -> list[str]:
    """Operations without a summary or description, and schema fields without one."""
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in {"parameters", "summary", "description"}:
                continue
            if not (operation.get("summary") or operation.get("description")):
                missing.append(f"{method.upper()} {path}")
            for parameter in operation.get("parameters", []):
                if not parameter.get("description") and "$ref" not in parameter:
                    missing.append(f"{method.upper()} {path} ?{parameter['name']}")
    for name, schema in spec["components"]["schemas"].items():
        if not schema.get("description"):
            missing.append(f"schema {name}")
        for field, described in schema.get("properties", {}).items():
            if not described.get("description"):
                missing.append(f"schema {name}.{field}")
    return missing


def test_the_openapi_document_describes_every_operation_and_field(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["paths"]
    assert undescribed(spec) == []
