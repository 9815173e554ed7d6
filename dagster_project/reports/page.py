"""A self-contained HTML page: inline CSS, images embedded, no links to fetch."""

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 68rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid #1d5c8c; padding-bottom: 0.2rem;
     margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8rem 0 1.2rem; font-size: 0.88rem; max-width: 100%; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { padding: 0.25rem 0.5rem; border-bottom: 1px solid #ddd; }
tbody th.txt { min-width: 12rem; }
td.txt { min-width: 7rem; }
thead th { border-bottom: 2px solid #888; vertical-align: bottom; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th.num { white-space: normal; }
.txt { text-align: left; }
tr.total th, tr.total td { font-weight: 700; border-top: 2px solid #888; }
img.chart { max-width: 100%; height: auto; display: block; margin: 0.6rem 0 1.2rem; }
.notice { background: #fff4d6; border-left: 4px solid #e0a800; padding: 0.7rem 1rem; }
.note { color: #444; font-size: 0.9rem; }
.flow { display: flex; flex-direction: column; align-items: center; gap: 0.4rem; }
.flow .row { display: flex; gap: 1.2rem; justify-content: center; }
.flow .box { border: 2px solid #1d5c8c; border-radius: 6px; padding: 0.5rem 0.9rem;
             min-width: 13rem; text-align: center; background: #f3f8fc; }
.flow .box.aside { border-style: dashed; background: #fafafa; color: #444; }
.flow ul.reasons { text-align: left; margin: 0; padding-left: 1.1rem; }
.flow .arrow { color: #1d5c8c; font-size: 1.3rem; line-height: 1; }
"""


@dataclass
class Section:
    """A titled part of a report; ``body`` is HTML already escaped by its builder."""

    title: str
    body: str
    level: int = 2


@dataclass
class Report:
    """A built report: the page, and the figures shown in Dagster's metadata."""

    title: str
    html: str
    summary_markdown: str
    headline: list[dict] = field(default_factory=list)


def paragraph(text: str, css_class: str = "") -> str:
    class_attr = f' class="{css_class}"' if css_class else ""
    return f"<p{class_attr}>{escape(text)}</p>"


def bullet_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def render_page(title: str, intro: str, sections: list[Section]) -> str:
    built = datetime.now().strftime("%d %B %Y %H:%M")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        paragraph(f"Built {built} from the MASH warehouse. {intro}", "meta"),
    ]
    for section in sections:
        level = section.level
        parts.append(f"<h{level}>{escape(section.title)}</h{level}>{section.body}")
    parts.append("</body></html>")
    return "\n".join(parts)


#: Reports are read by the analysts' group, like the published warehouse: owner writes,
#: everyone reads, unless this variable gives another mode in octal (e.g. 0640).
REPORT_MODE_ENV = "MASH_REPORT_MODE"
DEFAULT_REPORT_MODE = 0o644


def report_mode() -> int:
    configured = os.environ.get(REPORT_MODE_ENV, "").strip()
    if not configured:
        return DEFAULT_REPORT_MODE
    try:
        mode = int(configured, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise ValueError(
            f"{REPORT_MODE_ENV}={configured!r} is not a file mode in octal (e.g. 0644)"
        )
    return mode


def write_report(html: str, path: Path) -> Path:
    """Write the page atomically, so a reader never sees half a report, readable as
    ``report_mode()`` says."""
    mode = report_mode()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(html)
            os.fchmod(file.fileno(), mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
