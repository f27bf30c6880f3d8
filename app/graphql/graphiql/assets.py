"""The GraphiQL page and the few files it loads, served from this folder and its node_modules."""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

HERE = Path(__file__).parent
NODE_MODULES = HERE / "node_modules"
STATIC_PREFIX = "/graphiql/static"

# A fixed list, so the route can never serve anything else from node_modules.
ASSETS: dict[str, Path] = {
    "react.production.min.js": NODE_MODULES / "react/umd/react.production.min.js",
    "react-dom.production.min.js": NODE_MODULES / "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": NODE_MODULES / "graphiql/graphiql.min.js",
    "graphiql.min.css": NODE_MODULES / "graphiql/graphiql.min.css",
    "lifeboat.js": HERE / "lifeboat.js",
    "lifeboat.css": HERE / "lifeboat.css",
}

# Everything comes from this server: the page works offline and cannot leak to third parties.
# GraphiQL injects inline styles and embeds its fonts as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}


def page() -> HTMLResponse:
    """The GraphiQL page for a browser's GET /graphql."""
    return HTMLResponse(
        (HERE / "page.html").read_text(encoding="utf-8"),
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, **SECURITY_HEADERS},
    )


async def asset(request: Request) -> Response:
    """GET /graphiql/static/{name}: one of ASSETS."""
    path = ASSETS.get(request.path_params["name"])
    if path is None:
        return PlainTextResponse("Not Found", status_code=404)
    if not path.is_file():
        return PlainTextResponse(
            f"GraphiQL's files are not installed ({path.name}): run `make install`",
            status_code=503,
        )
    return FileResponse(path, headers=SECURITY_HEADERS)
