"""The console's web server (Starlette, served by uvicorn): the page, live frames and state, and the operator's
requests, carried out by a Bridge (the console node; a test's stand-in).

    GET  /                 the page (page.html)
    GET  /api/state        the state as JSON (instruction, policy and safety status, recent commands)
    GET  /api/frame.jpg    the newest frame
    WS   /ws               pushes JPEG frames (binary, at most max_fps) and the state (text, JSON, 4 Hz)
    POST /api/command      {"text": "..."}: published on /rt2/command, after the checks /rt2/command gets
    POST /api/estop        engages the safety gate's latched e-stop (/rt2/estop true)
    POST /api/release      {"confirm": "release"}: clears it (/rt2/safety/reset): a second, deliberate action
    POST /api/reset        a new sim episode (/sim/reset), when a sim runs

Every request is its own: the e-stop is a plain POST, never queued behind video (a page whose frames stall
still stops the arm). Safe by default: bound to loopback, POSTs must be JSON from the page's own origin (a
foreign web page in the same browser cannot send one); on any other address every request and WebSocket
needs the token printed at start (`?token=` once, then a cookie; or the X-RT2-Token header).
"""

import asyncio
import hmac
import json
from importlib.resources import files
from typing import Protocol

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from rt2_ros.console.state import ConsoleState
from rt2_ros.policy.instructions import validate_instruction

TOKEN_COOKIE = "rt2_token"
TOKEN_HEADER = "x-rt2-token"
STATE_PERIOD = 0.25  # s between state messages on the WebSocket
RELEASE_WORD = "release"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class Bridge(Protocol):
    """What the page's requests do (the console node publishes and calls services)."""

    state: ConsoleState

    def send_command(self, text: str) -> None: ...

    def engage_estop(self) -> None: ...

    def release_estop(self) -> tuple[bool, str]: ...

    def reset_sim(self) -> tuple[bool, str]: ...


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def create_app(bridge: Bridge, token: str | None, max_fps: float = 10.0) -> Starlette:
    """The console app; `token` None serves without one (loopback only: `rt2-ros console` decides)."""
    page = files("rt2_ros.console").joinpath("page.html").read_text(encoding="utf-8")

    async def index(request: Request) -> Response:
        response = HTMLResponse(page)
        given = request.query_params.get("token")
        if token is not None and given is not None:  # valid (the middleware checked): keep it for the page's calls
            response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict")
        return response

    async def state(request: Request) -> Response:
        return JSONResponse(bridge.state.snapshot())

    async def frame(request: Request) -> Response:
        seq, jpeg = bridge.state.frame()
        if not seq:
            return JSONResponse({"error": "no frame yet (no /rt2/overlay or /camera/image_raw)"}, status_code=404)
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    async def command(request: Request) -> Response:
        body = await json_body(request)
        try:
            text = validate_instruction(body.get("text") if isinstance(body, dict) else None)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        await run_in_threadpool(bridge.send_command, text)
        return JSONResponse({"sent": text})

    async def estop(request: Request) -> Response:
        await run_in_threadpool(bridge.engage_estop)
        return JSONResponse({"estop": "engaged"})

    async def release(request: Request) -> Response:
        body = await json_body(request)
        if not isinstance(body, dict) or body.get("confirm") != RELEASE_WORD:
            message = f'releasing the e-stop needs a deliberate second step: send {{"confirm": "{RELEASE_WORD}"}}'
            return JSONResponse({"error": message}, status_code=400)
        ok, message = await run_in_threadpool(bridge.release_estop)
        return JSONResponse({"released": ok, "message": message}, status_code=200 if ok else 503)

    async def reset(request: Request) -> Response:
        ok, message = await run_in_threadpool(bridge.reset_sim)
        return JSONResponse({"reset": ok, "message": message}, status_code=200 if ok else 503)

    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        sent_seq, next_state = 0, 0.0
        loop = asyncio.get_running_loop()
        try:
            while True:
                seq, jpeg = bridge.state.frame()
                if seq != sent_seq:
                    await websocket.send_bytes(jpeg)
                    sent_seq = seq
                if loop.time() >= next_state:
                    await websocket.send_text(json.dumps(bridge.state.snapshot()))
                    next_state = loop.time() + STATE_PERIOD
                await asyncio.sleep(1.0 / max_fps)
        except (WebSocketDisconnect, RuntimeError, OSError, anyio.ClosedResourceError, anyio.BrokenResourceError):
            return  # the page went away

    routes = [
        Route("/", index),
        Route("/api/state", state),
        Route("/api/frame.jpg", frame),
        Route("/api/command", command, methods=["POST"]),
        Route("/api/estop", estop, methods=["POST"]),
        Route("/api/release", release, methods=["POST"]),
        Route("/api/reset", reset, methods=["POST"]),
        WebSocketRoute("/ws", stream),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(Guard, token=token)
    return app


async def json_body(request: Request) -> object:
    try:
        return json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


class Guard:
    """ASGI middleware: the token (when one is set) on every request and WebSocket; POSTs only as JSON from the
    page's own origin, so a foreign page open in the same browser cannot command the arm."""

    def __init__(self, app, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        refusal = self.refusal(HTTPConnection(scope), scope)
        if refusal is None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008, "reason": refusal})
        return await JSONResponse({"error": refusal}, status_code=403)(scope, receive, send)

    def refusal(self, request: HTTPConnection, scope) -> str | None:
        if self.token is not None:
            given = (
                request.query_params.get("token")
                or request.headers.get(TOKEN_HEADER)
                or request.cookies.get(TOKEN_COOKIE)
                or ""
            )
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return "a token is required: open the address rt2-ros console printed at start"
        if scope["type"] == "http" and scope["method"] == "POST":
            if not request.headers.get("content-type", "").startswith("application/json"):
                return "requests are JSON (Content-Type: application/json)"
            origin = request.headers.get("origin")
            if origin is not None and origin.split("://", 1)[-1] != request.headers.get("host", ""):
                return f"cross-origin request from {origin} refused"
        if scope["type"] == "websocket":
            origin = request.headers.get("origin")
            if origin is not None and origin.split("://", 1)[-1] != request.headers.get("host", ""):
                return f"cross-origin WebSocket from {origin} refused"
        return None
