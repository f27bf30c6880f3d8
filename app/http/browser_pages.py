"""What Lifeboat's browser pages share: a strict Content-Security-Policy and file serving."""

from pathlib import Path

from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}

# Everything comes from this server: the pages work offline and cannot leak to third parties.
# `connect-src 'self'` covers same-origin websockets (ws:/wss:) too.
STRICT_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "font-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'none'",
}

# Module scripts must come with a JavaScript type; Python's mimetypes may not know `.mjs`.
MEDIA_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css"}


def content_security_policy(**overrides: str) -> str:
    """STRICT_POLICY with some directives replaced (`style_src="..."` → style-src)."""
    policy = {**STRICT_POLICY, **{k.replace("_", "-"): v for k, v in overrides.items()}}
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def html_page(path: Path, policy: str, inserts: dict[str, str] | None = None) -> HTMLResponse:
    """An HTML file served under `policy`; each `<!-- name -->` of `inserts` replaced."""
    text = path.read_text(encoding="utf-8")
    for name, value in (inserts or {}).items():
        text = text.replace(f"<!-- {name} -->", value)
    return HTMLResponse(text, headers={"Content-Security-Policy": policy, **SECURITY_HEADERS})


def file_response(path: Path | None, what: str) -> Response:
    """A known file (404 when `path` is None); 503 saying so when `make install` has not run."""
    if path is None:
        return PlainTextResponse("Not Found", status_code=404)
    if not path.is_file():
        return PlainTextResponse(
            f"{what}'s files are not installed ({path.name}): run `make install`",
            status_code=503,
        )
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix), headers=SECURITY_HEADERS)
