"""A preview server on loopback."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path
from urllib.parse import unquote

import click


def preview_server(out: Path, base_path: str, port: int) -> http.server.ThreadingHTTPServer:
    """A server for ``out`` at ``base_path`` on 127.0.0.1 (port 0: any free one)."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if path.startswith(base_path):
                path = "/" + path[len(base_path) :]
            # A NUL byte can name no file; without this the file system call
            # raises, and the request ends in a traceback instead of a 404.
            if "\0" in unquote(path):
                return str(out / "no such file")
            return super().translate_path(path)

    return http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(out)))


def serve(out: Path, base_path: str, port: int) -> None:
    """Serve ``out`` at ``base_path`` on loopback, as a static host would."""
    try:
        server = preview_server(out, base_path, port)
    except OSError as exc:
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    with server as httpd:
        click.echo(f"serving {out} at http://127.0.0.1:{port}{base_path} (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
