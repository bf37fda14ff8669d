"""A preview server on loopback."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

import click


def serve(out: Path, base_path: str, port: int) -> None:
    """Serve ``out`` at ``base_path`` on loopback, as a static host would."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if path.startswith(base_path):
                path = "/" + path[len(base_path) :]
            return super().translate_path(path)

    handler = functools.partial(Handler, directory=str(out))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        click.echo(f"serving {out} at http://127.0.0.1:{port}{base_path} (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
