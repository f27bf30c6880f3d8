"""Pick the response media type from an Accept header (RFC 9110 section 12.5.1)."""

from collections.abc import Sequence
from typing import NamedTuple


class _Range(NamedTuple):
    kind: str
    subtype: str
    quality: float
    position: int


def _parse_quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def _parse(accept: str) -> list[_Range]:
    ranges = []
    for position, item in enumerate(accept.split(",")):
        media, *params = item.split(";")
        kind, _, subtype = media.strip().lower().partition("/")
        if kind and subtype:
            ranges.append(_Range(kind, subtype, _parse_quality(params), position))
    return ranges


def _specificity(media_type: str, accepted: _Range) -> int | None:
    kind, _, subtype = media_type.partition("/")
    if (accepted.kind, accepted.subtype) == (kind, subtype):
        return 2
    if accepted.kind == kind and accepted.subtype == "*":
        return 1
    if (accepted.kind, accepted.subtype) == ("*", "*"):
        return 0
    return None


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The best of `offers` for this Accept header; the first offer when the header is absent.

    The most specific range matching an offer gives its quality. Ties go to the type the client
    listed first, then to the earlier offer (so `*/*` gets the first, default, offer).
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges = _parse(accept)
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for preference, offer in enumerate(offers):
        matches = [(s, r) for r in ranges if (s := _specificity(offer, r)) is not None]
        if not matches:
            continue
        specificity, accepted = max(matches, key=lambda match: match[0])
        if accepted.quality <= 0:
            continue
        score = (accepted.quality, specificity, -accepted.position, -preference)
        if best is None or score > best:
            best, chosen = score, offer
    return chosen
