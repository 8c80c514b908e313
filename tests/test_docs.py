"""The documentation stands alone: the conformance catalogue is in docs/, with every item id the
suites grade, and nothing in the repository points outside it (at a sibling folder)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import frameio_oauth_mock.conformance.server.suite  # noqa: F401  (registers the S checks)
from frameio_oauth_mock.conformance.client.catalogue import TABLE as CLIENT_TABLE
from frameio_oauth_mock.conformance.server.table import TABLE as SERVER_TABLE

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "docs" / "conformance-catalogue.md"
_ROW = re.compile(r"^\| ([SC]\d+) \| (.+?) \|", re.MULTILINE)


def _rows() -> dict[str, str]:
    rows = _ROW.findall(CATALOGUE.read_text())
    ids = [item for item, _ in rows]
    assert len(ids) == len(set(ids)), "an item id appears twice"
    return dict(rows)


def test_catalogue_lists_s1_to_s64_and_c1_to_c32_in_order() -> None:
    # S1-S64, then the server items added after them (S65...), numbered on without gaps.
    servers = [item for item in _rows() if item.startswith("S")]
    assert servers[:64] == [f"S{n}" for n in range(1, 65)]
    expected = [f"S{n}" for n in range(1, len(servers) + 1)] + [f"C{n}" for n in range(1, 33)]
    assert list(_rows()) == expected
    assert all(len(text) > 20 for text in _rows().values())


def test_every_check_the_suites_grade_is_in_the_catalogue() -> None:
    rows = _rows()
    assert set(SERVER_TABLE.ids()) <= set(rows)
    assert set(CLIENT_TABLE.ids()) <= set(rows)


def _repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if listed.returncode == 0:  # a checkout
        names = listed.stdout.splitlines()
    else:  # an unpacked sdist
        names = [str(path.relative_to(ROOT)) for path in ROOT.rglob("*") if path.is_file()]
    suffixes = {".py", ".md", ".toml", ".ini", ".txt", ".js", ".json", ".html"}
    return [ROOT / name for name in names if Path(name).suffix in suffixes]


# Spelled in parts, so this file does not name them itself.
OUTSIDE = ("../" + "shared", "CONFORMANCE" + ".md", "FIDELITY" + ".md", "DESIGN" + ".md")


def test_nothing_points_at_files_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _repository_files()
        if path.is_file() and not path.is_symlink()
        for name in OUTSIDE
        if name in path.read_text()
    ]
    assert offenders == []


def test_every_docs_page_the_repository_cites_exists() -> None:
    cited = {
        name
        for path in _repository_files()
        if path.is_file() and not path.is_symlink()
        for name in re.findall(r"\bdocs/[\w-]+\.md\b", path.read_text())
    }
    assert "docs/fidelity.md" in cited  # the tests' reference for the servers' behaviour
    assert sorted(name for name in cited if not (ROOT / name).is_file()) == []


def test_conformance_help_points_at_the_catalogue_in_docs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "frameio_oauth_mock", "conformance", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},  # so argparse wraps no line
    )
    assert result.returncode == 0, result.stderr
    help_text = " ".join(result.stdout.split())
    assert "docs/conformance-catalogue.md S1-S64" in help_text
    assert "docs/conformance-catalogue.md C1-C32" in help_text


def test_install_hints_name_what_a_clone_can_install() -> None:
    # The distribution is not on any package index: an extra is installed from the clone
    # ('.[redis]'), never by the distribution's name (pip would look for that on PyPI).
    from_an_index = "frameio-oauth-mock" + "["
    offenders = [
        str(path.relative_to(ROOT))
        for path in _repository_files()
        if path.is_file() and not path.is_symlink() and from_an_index in path.read_text()
    ]
    assert offenders == []


def test_every_page_screenshot_is_in_docs_and_shown_in_the_readme() -> None:
    from tests.browser.flows import SCREENSHOT_STEPS

    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(r"\(docs/screenshots/([\w-]+)\.png\)", readme))
    files = {path.stem for path in (ROOT / "docs" / "screenshots").glob("*.png")}
    assert set(SCREENSHOT_STEPS) == files == shown


def _markdown_tables(text: str) -> list[list[tuple[int, str]]]:
    tables: list[list[tuple[int, str]]] = []
    previous = False
    for number, line in enumerate(text.splitlines(), 1):
        row = line.startswith("|")
        if row and not previous:
            tables.append([])
        if row:
            tables[-1].append((number, line))
        previous = row
    return tables


def test_every_table_row_has_its_headers_columns() -> None:
    # A bare | inside a cell (GET|POST, even in backticks) splits the cell and breaks the table.
    def columns(line: str) -> int:
        return line.replace("\\|", "").strip().strip("|").count("|") + 1

    broken = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _repository_files()
        if path.suffix == ".md" and path.is_file()
        for table in _markdown_tables(path.read_text())
        for number, line in table
        if columns(line) != columns(table[0][1])
    ]
    assert broken == []


def test_the_texts_the_tests_expect_are_the_ones_docs_fidelity_gives() -> None:
    # tests/http (and through it tests/property) write their expected texts down from
    # docs/fidelity.md; a text there that the page does not give (as a whole, or as a base
    # description and a hint after it) means the page or the tests drifted.
    from tests.http import authorize_support as support
    from tests.http import token_support

    page = " ".join((ROOT / "docs" / "fidelity.md").read_text().split())
    texts = {
        f"{module.__name__}.{name}": value
        for module in (token_support, support)
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and " " in value
    }
    texts |= {f"ERRORS[{code}]": text for code, (_, text) in token_support.ERRORS.items()}
    texts |= {
        "not_allowed_grant": token_support.not_allowed_grant("authorization_code"),
        "auth_method_mismatch": token_support.auth_method_mismatch(
            "client_secret_basic", "client_secret_post"
        ),
        "scope_refused": support.scope_refused("X"),
        "audience_refused": support.audience_refused("X"),
        "response_type_refused": support.response_type_refused("X"),
        "response_mode_refused": support.response_mode_refused("X"),
    }
    bases = [text for text in texts.values() if text in page]

    def documented(text: str) -> bool:
        return text in page or any(
            text.startswith(base + " ") and text[len(base) + 1 :] in page for base in bases
        )

    assert len(texts) > 40
    assert sorted(name for name, text in texts.items() if not documented(text)) == []
