"""A small local stand-in for OpenVLA's deploy.py REST server, for the remote backend's tests.

It decodes the json_numpy payload as deploy.py does and answers with a canned reply chosen by `reply`:
the action as a json_numpy array, double-encoded, as a plain list, the string "error", an HTTP 500 ...
Each request is kept in `requests` so tests can check what the client sent.
"""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

# dx dy dz droll dpitch dyaw gripper (dataset convention: 1 = open)
ACTION = np.array([0.01, -0.02, 0.03, 0.1, -0.1, 0.2, 1.0], dtype=np.float32)


def numpy_wire(array: np.ndarray) -> dict[str, Any]:
    return {
        "__numpy__": base64.b64encode(array.tobytes()).decode(),
        "dtype": array.dtype.str,
        "shape": list(array.shape),
    }


REPLIES = {
    "numpy": lambda: numpy_wire(ACTION),
    "double": lambda: json.dumps(numpy_wire(ACTION)),
    "list": lambda: ACTION.tolist(),
    "error": lambda: "error",
    "short": lambda: numpy_wire(ACTION[:5]),
    "nan": lambda: [float("nan")] * 7,
}


class PolicyServer:
    def __init__(self, reply: str = "numpy") -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                image = body["image"]
                pixels = np.frombuffer(base64.b64decode(image["__numpy__"]), dtype=image["dtype"]).reshape(
                    image["shape"]
                )
                server.requests.append(
                    {"path": self.path, "image": pixels, **{k: v for k, v in body.items() if k != "image"}}
                )
                if server.reply == "http500":
                    self.send_response(500)
                    self.end_headers()
                    return
                data = json.dumps(REPLIES[server.reply]()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> "PolicyServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.shutdown()
        self.http.server_close()
