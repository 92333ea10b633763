import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_data_dictionary_page_matches_the_code():
    spec = importlib.util.spec_from_file_location(
        "data_dictionary", ROOT / "scripts" / "data_dictionary.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert page == module.render(), "run: uv run python scripts/data_dictionary.py"
