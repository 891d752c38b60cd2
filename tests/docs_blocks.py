"""The fenced code blocks and links of README.md and docs/, parsed once for the tests that run them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    info: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@cache
def tokens(page: Path) -> list:
    return MarkdownIt("commonmark").enable("table").parse(page.read_text())


def blocks(pages: list[Path] = PAGES) -> list[Block]:
    return [
        Block(page, token.map[0] + 1, " ".join(token.info.split()), token.content)
        for page in pages
        for token in tokens(page)
        if token.type == "fence"
    ]
