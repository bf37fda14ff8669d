"""Real HTTP servers on loopback for the tests: a static folder, and one that
can be told to misbehave for particular paths."""

import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer(ThreadingHTTPServer):
    """A threaded HTTP server for the tests. A client that hangs up midway,
    as one does when its timeout passes, is no error: nothing is printed
    (a traceback on stderr would land in whatever command a test is running
    in this process)."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FolderHandler(SimpleHTTPRequestHandler):
    """Serves a folder like bls.gov would (with Last-Modified and 304s), and
    plays any fault queued for a path before serving it normally."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        faults = self.server.faults.get(self.path)
        if faults:
            fault = faults.pop(0)
            if fault.get("sleep"):
                time.sleep(fault["sleep"])
            if "drip" in fault:
                return self.drip(fault)
            if "status" in fault or "body" in fault:
                body = fault.get("body", "").encode(fault.get("encoding", "utf-8"))
                self.send_response(fault.get("status", 200))
                for name, value in fault.get("headers", {}).items():
                    self.send_header(name, value)
                if "Content-Type" not in fault.get("headers", {}):
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(fault.get("length", len(body))))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
        super().do_GET()

    def drip(self, fault):
        """A 200 whose body arrives as ``count`` chunks ``interval`` seconds
        apart, with no Content-Length: a huge page or a slow-drip server."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for _ in range(fault["count"]):
                self.wfile.write(fault["drip"])
                self.wfile.flush()
                time.sleep(fault.get("interval", 0))
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class Server:
    def __init__(self, directory):
        self.httpd = LoopbackServer(("127.0.0.1", 0), partial(FolderHandler, directory=str(directory)))
        self.httpd.requests = []
        self.httpd.faults = {}
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self):
        return self.httpd.requests

    def fault(self, path, *faults):
        """Queue responses for ``path``: dicts with status, headers, body
        (and a lying Content-Length as length), sleep, or drip/count/interval."""
        self.httpd.faults.setdefault(path, []).extend(faults)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
