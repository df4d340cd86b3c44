"""WordPress export files (WXR, `.xml`): one record per post, page or product; id = the post id.

Streamed with `xml.etree.ElementTree.iterparse`, clearing each item once
read, so a large export needs memory for one post at a time. Like folders, it
bypasses `datasets`, which has no reader for WXR's namespaced RSS items.
Attachments, menu items, revisions and the site-editor's `wp_*` records carry
no article text and are skipped. Only load exports you trust: the standard
library's XML parser does not defend against every hostile document.
"""

from __future__ import annotations

import gzip
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from service.batch.errors import UnreadableInput
from service.batch.rows import Record

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
WP_NS = re.compile(r"^http://wordpress\.org/export/\d+\.\d+/$")
SKIPPED_TYPES = {"attachment", "nav_menu_item", "revision", "custom_css", "customize_changeset", "oembed_cache",
                 "user_request"}
_BLOCK_TAG = re.compile(r"<(p|div|h[1-6]|ul|ol|li|table|blockquote|section|article|figure)\b", re.IGNORECASE)


def read_wxr(path: Path, compressed: bool, fmt: str) -> Iterator[Record]:
    """Records of the posts in a WXR file: text = title + content, with link, status, date, title and type kept."""
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as handle:
            for number, fields in enumerate(_items(handle, path), start=1):
                yield _record(fields, f"{path}:{number}", fmt)
    except ET.ParseError as exc:
        raise UnreadableInput(f"{path}: not well-formed XML ({exc})") from exc
    except (OSError, EOFError) as exc:
        raise UnreadableInput(f"{path}: cannot be read: {exc}") from exc


def _items(handle: IO[bytes], path: Path) -> Iterator[dict[str, str]]:
    """The child texts of every `<item>`, keyed `title`, `link`, `content`, `post_id`, `status`, `post_date`, ..."""
    events = ET.iterparse(handle, events=("start", "end"))
    _, root = next(events)
    if _local(root.tag) != "rss":
        raise UnreadableInput(f"{path}: not a WordPress export (root element <{_local(root.tag)}>, expected <rss>)")
    channel = root
    for event, element in events:
        if event == "start":
            if _local(element.tag) == "channel":
                channel = element
            continue
        if _local(element.tag) == "item":
            fields = _item_fields(element)
            channel.clear()  # drop the items read so far; the parser keeps appending to `channel`
            if _is_article(fields.get("post_type", "post")):
                yield fields


def _is_article(post_type: str) -> bool:
    return post_type not in SKIPPED_TYPES and not post_type.startswith("wp_")


def _item_fields(item: ET.Element) -> dict[str, str]:
    fields: dict[str, str] = {}
    for child in item:
        namespace, name = _split(child.tag)
        text = (child.text or "").strip() if name != "encoded" else child.text or ""
        if namespace == "" and name in ("title", "link", "pubDate"):
            fields[name] = text
        elif namespace == CONTENT_NS and name == "encoded":
            fields["content"] = text
        elif WP_NS.match(namespace) and name in ("post_id", "status", "post_date", "post_type"):
            fields[name] = text
    return fields


def _record(fields: dict[str, str], where: str, fmt: str) -> Record:
    title, content = fields.get("title", ""), fields.get("content", "")
    kept = {
        "id": fields.get("post_id") or None,
        "title": title,
        "link": fields.get("link"),
        "status": fields.get("status"),
        "date": fields.get("post_date") or fields.get("pubDate"),
        "type": fields.get("post_type", "post"),
    }
    if not content.strip():
        return Record(where, kept, problem="post has no content (content:encoded is empty)", fmt="html")
    text, text_fmt = _with_title(title, content, fmt)
    return Record(where, {**kept, "text": text}, fmt=text_fmt)


def _with_title(title: str, content: str, fmt: str) -> tuple[str, str]:
    """The article as scored: the title as a heading above the content, in the format asked for (HTML by default)."""
    if fmt == "text":
        return (f"{title}\n\n{content}" if title else content), "text"
    if fmt == "markdown":
        return (f"# {title}\n\n{content}" if title else content), "markdown"
    body = content if _BLOCK_TAG.search(content) else autop(content)
    return (f"<h1>{html.escape(title)}</h1>\n{body}" if title else body), "html"


def autop(content: str) -> str:
    """WordPress's `wpautop` in short: classic-editor posts keep paragraphs as blank lines, not `<p>` tags."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", content) if p.strip()]
    return "\n".join(f"<p>{p.replace(chr(10), '<br>' + chr(10))}</p>" for p in paragraphs)


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _local(tag: str) -> str:
    return _split(tag)[1]
