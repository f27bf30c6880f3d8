"""The GraphiQL page and the few files it loads, served from this folder and its node_modules."""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.http.browser_pages import content_security_policy, file_response, html_page

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

# GraphiQL injects inline styles and embeds its fonts as data: URLs.
CONTENT_SECURITY_POLICY = content_security_policy(
    style_src="'self' 'unsafe-inline'", font_src="'self' data:"
)


def page() -> HTMLResponse:
    """The GraphiQL page for a browser's GET /graphql."""
    return html_page(HERE / "page.html", CONTENT_SECURITY_POLICY)


async def asset(request: Request) -> Response:
    """GET /graphiql/static/{name}: one of ASSETS."""
    return file_response(ASSETS.get(request.path_params["name"]), "GraphiQL")
