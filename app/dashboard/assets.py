"""The dashboard page and its files: our modules in static/, and two npm packages' ES modules."""

from pathlib import Path, PurePosixPath

from starlette.requests import Request
from starlette.responses import Response

from app.http.browser_pages import MEDIA_TYPES, content_security_policy, file_response, html_page

HERE = Path(__file__).parent
STATIC = HERE / "static"
NODE_MODULES = HERE / "node_modules"
STATIC_PREFIX = "/dashboard/static"

# vendor/<name>/... maps into these folders of the packages pinned by package-lock.json. Their
# ES modules import each other by relative URL only, so the browser needs no import map (which
# would be an inline script) and no bundler.
VENDOR: dict[str, Path] = {
    "lit-html": NODE_MODULES / "lit-html",
    "graphql-ws": NODE_MODULES / "graphql-ws/dist",
}

# The vendored modules the page imports (graphql-ws's client also imports a chunk whose name
# carries a hash; it is fetched as usual).
VENDOR_MODULES = (
    "vendor/lit-html/lit-html.js",
    "vendor/lit-html/directive.js",
    "vendor/lit-html/directive-helpers.js",
    "vendor/lit-html/directives/repeat.js",
    "vendor/graphql-ws/client.js",
)

# Stricter than GraphiQL's: no inline styles either (progress is a <progress> element), and
# the DOM only takes markup through lit-html's Trusted Types policy.
CONTENT_SECURITY_POLICY = content_security_policy(
    require_trusted_types_for="'script'", trusted_types="lit-html"
)


def _inside(root: Path, relative: PurePosixPath) -> Path | None:
    # No dot segments or hidden files, and only the file types the page loads.
    if any(part.startswith(".") for part in relative.parts) or relative.suffix not in MEDIA_TYPES:
        return None
    return root.joinpath(*relative.parts)


def locate(name: str) -> Path | None:
    """The file behind /dashboard/static/<name>, or None when that name is not servable."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or not relative.parts:
        return None
    if relative.parts[0] == "vendor" and len(relative.parts) > 2:
        root = VENDOR.get(relative.parts[1])
        return None if root is None else _inside(root, PurePosixPath(*relative.parts[2:]))
    return _inside(STATIC, relative)


def modules() -> list[str]:
    """Every module the page loads, as paths under STATIC_PREFIX."""
    own = sorted(path.relative_to(STATIC).as_posix() for path in (STATIC / "js").rglob("*.js"))
    return [*own, *VENDOR_MODULES]


def _preload_links() -> str:
    # Imports nest five deep; fetched one level at a time they cost a round trip per level.
    # Announcing them all in the HTML lets the browser fetch them at once.
    links = (
        f'<link rel="modulepreload" href="{STATIC_PREFIX[1:]}/{name}" />' for name in modules()
    )
    return "\n    ".join(links)


async def home(request: Request) -> Response:
    """GET /: the dashboard's HTML shell; the modules it loads render everything else."""
    return html_page(
        HERE / "page.html", CONTENT_SECURITY_POLICY, {"modulepreload": _preload_links()}
    )


async def asset(request: Request) -> Response:
    """GET /dashboard/static/{name:path}: one of our files or a vendored package's module."""
    path = locate(request.path_params["name"])
    if path is not None and not path.is_file() and not _not_installed(path):
        path = None  # a name that no installed file has
    return file_response(path, "The dashboard")


def _not_installed(path: Path) -> bool:
    """True when `path` belongs to a package that `make install` has not installed yet."""
    return any(path.is_relative_to(root) and not root.is_dir() for root in VENDOR.values())
