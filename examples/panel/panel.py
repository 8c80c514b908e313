"""The panel: real client libraries, each used as its own docs show (an adapter.py beside this
file), graded by the client harness and compared with the expected verdicts in
docs/conformance-client.md ("### Panel: NAME" tables, each verdict argued from the library's
source).

    python examples/panel/panel.py [NAME ...]     # run, compare, exit 1 on any difference
    python examples/panel/panel.py --readme       # also print README.md's results table
    python examples/panel/panel.py --node-modules DIR   # also the npm members (installed in DIR)
    python examples/panel/panel.py --go            # also the Go member (Debian's golang-go and
                                                   # golang-golang-x-oauth2-dev, built offline)

tox -e conformance-panel runs it; tests/conformance_client/test_panel.py runs the Python
members in the default suite.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from frameio_oauth_mock.conformance.client.adapter import AdapterFactory
from frameio_oauth_mock.conformance.client.process import process_adapter
from frameio_oauth_mock.conformance.client.suite import run_client_suite
from frameio_oauth_mock.conformance.model import Outcome, Report

HERE = Path(__file__).resolve().parent
# Where Debian's golang-*-dev packages put their source: the Go member is built against it in
# GOPATH mode, so no module proxy (no network) is needed.
DEBIAN_GOPATH = Path("/usr/share/gocode")
GO_PACKAGES = "golang-go golang-golang-x-oauth2-dev"
DOCS = HERE.parents[1] / "docs" / "conformance-client.md"
ITEMS = [f"C{number}" for number in range(1, 33)]


@dataclass(frozen=True)
class Member:
    name: str
    title: str  # the library and version, for the README's table
    profile: str = "frameio-v2"
    script: str = ""  # process members: the program beside its README (Node, or Go source)
    adapter_code: tuple[str, ...] = ()  # process members: items the program's own code does


MEMBERS = {
    member.name: member
    for member in (
        Member("authlib-httpx", "Authlib 1.9 httpx OAuth2Client"),
        Member("authlib-requests", "Authlib 1.9 requests OAuth2Session"),
        Member("requests-oauthlib", "requests-oauthlib 2.0 OAuth2Session"),
        Member("oauthlib-web", "oauthlib 4.0 WebApplicationClient"),
        Member("httpx-oauth", "httpx-oauth 0.17 OAuth2"),
        Member("frameio-sdk", "frameio 4.0 WebAppAuth/SPAAuth", "adobe-ims"),
        Member(
            "openid-client",
            "openid-client 6.9 (npm)",
            script="client.mjs",
            adapter_code=("C10", "C11", "C22", "C29"),
        ),
        Member(
            "simple-oauth2",
            "simple-oauth2 5.1 (npm)",
            script="client.js",
            adapter_code=tuple(
                f"C{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 18, 20, 25, 26, 29)
            ),
        ),
        Member(
            "golang-oauth2",
            "golang.org/x/oauth2 0.3 (Debian, Go)",
            script="main.go",
            adapter_code=tuple(
                f"C{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 18, 25, 26, 29)
            ),
        ),
    )
}
GO = [name for name, member in MEMBERS.items() if member.script.endswith(".go")]
NPM = [name for name, member in MEMBERS.items() if member.script and name not in GO]


def build_go(name: str, into: Path) -> Path:
    """Build the Go member's program against Debian's packaged source, offline."""
    library = DEBIAN_GOPATH / "src" / "golang.org" / "x" / "oauth2"
    if shutil.which("go") is None or not library.is_dir():
        raise SystemExit(f"{name} needs Debian's {GO_PACKAGES} (apt-get install -y {GO_PACKAGES})")
    binary = into / f"panel-{name}"
    env = {
        **os.environ,
        "GO111MODULE": "off",  # GOPATH mode: imports come from DEBIAN_GOPATH
        "GOPATH": str(DEBIAN_GOPATH),
        "GOFLAGS": "",
        "GOPROXY": "off",
        "GOCACHE": str(into / "go-build"),
    }
    source = HERE / name / MEMBERS[name].script
    command = ["go", "build", "-o", str(binary), str(source)]
    built = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if built.returncode != 0:
        raise SystemExit(f"{name}: go build failed: {built.stderr.strip()}")
    return binary


def load(
    name: str, node_modules: Path | None = None, build_dir: Path | None = None
) -> AdapterFactory:
    member = MEMBERS[name]
    if name in GO:
        binary = build_go(name, build_dir or Path(tempfile.mkdtemp(prefix="panel-go-")))
        return process_adapter([str(binary)], timeout=10, adapter_code=member.adapter_code)
    if member.script:
        if node_modules is None:
            raise ValueError(f"{name} needs --node-modules DIR (npm install there)")
        # ES modules find their packages only beside or above them: run a copy there.
        copy = node_modules.parent / f"panel-{name}-{member.script}"
        shutil.copyfile(HERE / name / member.script, copy)
        return process_adapter(["node", str(copy)], timeout=10, adapter_code=member.adapter_code)
    path = HERE / name / "adapter.py"
    spec = importlib.util.spec_from_file_location(f"panel_{name.replace('-', '_')}", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    factory: AdapterFactory = module.Adapter
    return factory


def run(name: str, node_modules: Path | None = None, build_dir: Path | None = None) -> Report:
    member = MEMBERS[name]
    factory = load(name, node_modules, build_dir)
    return run_client_suite(factory, {"adapter": f"panel:{name}"}, profile=member.profile)


def expected(name: str, docs: str | None = None) -> dict[str, str]:
    """The "### Panel: `NAME`" table of docs/conformance-client.md: item -> outcome."""
    text = docs if docs is not None else DOCS.read_text()
    section = text.split(f"### Panel: `{name}`", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (C\d+) \| (\w+) \|", section, re.MULTILINE)
    return dict(rows)


def differences(name: str, report: Report) -> list[str]:
    want = expected(name)
    found = {result.info.id: result.outcome.value for result in report.results}
    return [
        f"{name} {item}: expected {want.get(item, '(no row)')}, got {found[item]}: "
        f"{report.result(item).verdict.summary[:300]}"
        for item in ITEMS
        if want.get(item) != found[item]
    ]


def readme_table(reports: dict[str, Report]) -> str:
    """README.md's results table: one column per member, the items per outcome."""
    names = list(reports)
    lines = [
        "| | " + " | ".join(MEMBERS[name].title for name in names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for outcome in Outcome:
        cells = []
        for name in names:
            found = [r.info.id for r in reports[name].results if r.outcome is outcome]
            shown = str(len(found)) if outcome is Outcome.PASS else ", ".join(found) or "none"
            cells.append(shown)
        lines.append(f"| {outcome.value.replace('_', ' ')} | " + " | ".join(cells) + " |")
    seconds = [f"{reports[name].seconds:.1f}" for name in names]
    lines.append("| seconds | " + " | ".join(seconds) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", default=[], help=", ".join(MEMBERS))
    parser.add_argument("--readme", action="store_true", help="print README.md's results table")
    parser.add_argument("--node-modules", type=Path, help="where the npm members are installed")
    parser.add_argument("--go", action="store_true", help=f"also the Go member ({GO_PACKAGES})")
    args = parser.parse_args(argv)
    chosen = args.names or [
        n for n in MEMBERS if (args.node_modules or n not in NPM) and (args.go or n not in GO)
    ]
    with tempfile.TemporaryDirectory(prefix="panel-") as build_dir:
        reports = {name: run(name, args.node_modules, Path(build_dir)) for name in chosen}
    problems = [line for name, report in reports.items() for line in differences(name, report)]
    for line in problems:
        print(line)
    if args.readme:
        print(readme_table(reports))
    print(f"{len(reports)} panel members, {len(problems)} verdicts differ from the docs' tables")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
