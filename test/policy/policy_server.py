"""A small local stand-in for OpenVLA's deploy.py REST server, for the remote backend's tests.

It decodes the json_numpy payload as deploy.py does and answers with a canned reply chosen by `reply`:
the action as a json_numpy array, double-encoded, as a plain list, the string "error", an HTTP 500 ...
`circle` moves the end effector 1 cm per request around a small horizontal circle, forever: a policy
that never ends its episode, for the fault tests. `delay` makes every answer that many seconds late (a
slow model); both can be changed while it serves. Each request is kept in `requests` so tests can
check what the client sent.

Run as a script it serves until killed (the fault tests start it in a network namespace of their own):
`python policy_server.py --host 10.213.0.1 --port 8765 --reply circle --delay 0.3`.
"""

import argparse
import base64
import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

# dx dy dz droll dpitch dyaw gripper (dataset convention: 1 = open)
ACTION = np.array([0.01, -0.02, 0.03, 0.1, -0.1, 0.2, 1.0], dtype=np.float32)
CIRCLE_STEPS = 20  # requests per lap of the `circle` reply: a 1 cm step, a lap of 20 cm (radius ~3 cm)
CIRCLE_STEP = 0.01  # m


def numpy_wire(array: np.ndarray) -> dict[str, Any]:
    return {
        "__numpy__": base64.b64encode(array.tobytes()).decode(),
        "dtype": array.dtype.str,
        "shape": list(array.shape),
    }


def circle_action(index: int) -> list[float]:
    angle = 2 * math.pi * index / CIRCLE_STEPS
    return [CIRCLE_STEP * math.cos(angle), CIRCLE_STEP * math.sin(angle), 0.0, 0.0, 0.0, 0.0, 1.0]


REPLIES = {
    "numpy": lambda index: numpy_wire(ACTION),
    "double": lambda index: json.dumps(numpy_wire(ACTION)),
    "list": lambda index: ACTION.tolist(),
    "error": lambda index: "error",
    "short": lambda index: numpy_wire(ACTION[:5]),
    "nan": lambda index: [float("nan")] * 7,
    "inf": lambda index: [float("inf"), 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    "circle": circle_action,
}


class PolicyServer:
    def __init__(self, reply: str = "numpy", host: str = "127.0.0.1", port: int = 0, delay: float = 0.0) -> None:
        self.reply = reply
        self.delay = delay  # s before each answer
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
                index = len(server.requests) - 1
                time.sleep(server.delay)
                if server.reply == "http500":
                    self.send_response(500)
                    self.end_headers()
                    return
                data = json.dumps(REPLIES[server.reply](index)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        self.http = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> "PolicyServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.shutdown()
        self.http.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--reply", default="circle", choices=[*REPLIES, "http500"])
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args()
    server = PolicyServer(args.reply, args.host, args.port, args.delay)
    print(f"serving {args.reply!r} on {server.url} (delay {args.delay} s)", flush=True)
    server.http.serve_forever()


if __name__ == "__main__":
    main()
