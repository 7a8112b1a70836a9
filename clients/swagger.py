"""The Swagger UI page the gateway serves at `/docs`: one page listing every service's OpenAPI
document (`/api/<service>/openapi.json`), with Swagger UI's own files served beside it by
nginx, never from a CDN (clients may be offline).

Swagger UI comes from the `swagger-ui-py` package (its `swagger_ui/static` folder holds the
dist files of Swagger UI 5, which renders OpenAPI 3.1). `write_docs` fills a folder that
nginx serves as `/docs/`; the launcher calls it when it renders the gateway configuration.
"""

from __future__ import annotations

import html
import importlib.util
import json
import shutil
import sys
from pathlib import Path

from souk_kit import SERVICES

# Only what the page loads (the package also ships Swagger Editor and source maps).
ASSETS = (
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-ui.css",
    "favicon-16x16.png",
    "favicon-32x32.png",
    "LICENSE",
)
TITLE = "Souk API"


def swagger_ui_dir() -> Path | None:
    """The installed Swagger UI dist folder, found without importing the package (its
    `__init__` pulls in web-framework handlers)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "static"
    return folder if (folder / ASSETS[0]).exists() else None


def document_urls() -> list[dict[str, str]]:
    return [{"url": f"/api/{service}/openapi.json", "name": service} for service in SERVICES]


def index_html() -> str:
    config = {
        "urls": document_urls(),
        "urls.primaryName": SERVICES[0],
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "layout": "StandaloneLayout",
        "persistAuthorization": True,
    }
    # `</` cannot close the script element early: json.dumps never writes `<` unescaped here.
    options = json.dumps(config, indent=2).replace("<", "\\u003c")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{html.escape(TITLE)}</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js" charset="utf-8"></script>
  <script src="/docs/swagger-ui-standalone-preset.js" charset="utf-8"></script>
  <script>
    window.onload = function () {{
      const options = {options};
      options.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
      options.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
      window.ui = SwaggerUIBundle(options);
    }};
  </script>
</body>
</html>
"""


def write_docs(target: Path) -> bool:
    """Fill `target` with the page and Swagger UI's files; False (with a hint on stderr) when
    Swagger UI is not installed, so the gateway still starts and `/docs` answers 404."""
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o755)  # nginx workers drop root privileges
    source = swagger_ui_dir()
    if source is None:
        print(
            "souk: swagger-ui-py is not installed, so /docs has no Swagger UI; run: make install",
            file=sys.stderr,
        )
        (target / "index.html").unlink(missing_ok=True)
        return False
    for name in ASSETS:
        copied = target / name
        shutil.copyfile(source / name, copied)
        copied.chmod(0o644)
    index = target / "index.html"
    index.write_text(index_html())
    index.chmod(0o644)
    return True
