"""Renum's back end as the gateway sees it (Centrifugo v6 proxy contract, "Proxy events to the backend"):

- POST /login, /logout, GET /me: a cookie session, as the web app already has;
- POST /centrifugo/connect: connect proxy, maps the session cookie to a user;
- POST /centrifugo/subscribe: subscribe proxy, `execution:<run>` only for the run's owner;
- POST /centrifugo/rpc: RPC proxy, `runs.start` starts a simulated agent run;
- POST /webhooks: the gateway's lifecycle webhooks (Standard Webhooks), online/offline per user;
- GET /runs/<run>: a run's event log, for its owner (what a page reloads when it cannot recover);
- GET /presence: who this back end believes is online; POST /presence/reconcile re-reads the gateway.

Run: /usr/bin/python3 -m uvicorn renum_backend.app:app --app-dir examples/fastapi --port 8001
"""

import json
import logging
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from . import sessions
from .runs import Gateway, Runs
from .settings import load_settings
from .webhooks import SeenIds, WebhookError, secret_key, verify

log = logging.getLogger("renum_backend")
settings = load_settings()
# Demo accounts; a real back end checks its user table.
USERS = {"alice": "alice-password", "bob": "bob-password"}

# Centrifugo's conventions: custom errors 400–1999, custom disconnects 4000–4999 (≥4500: no reconnect).
UNAUTHORIZED = {"disconnect": {"code": 4501, "reason": "unauthorized"}}
PERMISSION_DENIED = {"error": {"code": 403, "message": "permission denied"}}
MAX_STEPS = 50


class State:
    def __init__(self) -> None:
        self.gateway = Gateway(settings.gateway_api_url, settings.gateway_api_key)
        self.runs = Runs(self.gateway, settings.run_step_seconds)
        self.webhook_key = secret_key(settings.webhook_secret)
        self.seen = SeenIds()
        # user -> {"online": bool, "since": iso, "last_seen": iso | None}
        self.presence: dict[str, dict] = {}
        self.applied: list[dict] = []


state = State()


@asynccontextmanager
async def lifespan(_app: FastAPI):
    yield
    await state.runs.close()
    await state.gateway.close()


app = FastAPI(title="Renum back end (real-time integration example)", lifespan=lifespan)


async def json_body(request: Request) -> dict | None:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def bad_request(message: str) -> JSONResponse:
    log.warning("bad request: %s", message)
    return JSONResponse({"error": {"code": 400, "message": message}}, status_code=400)


@app.post("/login")
async def login(request: Request) -> Response:
    body = await json_body(request)
    if body is None:
        return bad_request("send JSON: {\"user\", \"password\"}")
    user, password = body.get("user"), body.get("password")
    if not isinstance(user, str) or USERS.get(user) != password:
        return JSONResponse({"error": {"code": 401, "message": "wrong user or password"}}, status_code=401)
    response = JSONResponse({"user": user})
    response.set_cookie(sessions.COOKIE, sessions.issue(settings.session_secret, user), httponly=True, samesite="lax", max_age=sessions.TTL_SECONDS)
    return response


@app.post("/logout")
async def logout() -> Response:
    response = JSONResponse({})
    response.delete_cookie(sessions.COOKIE)
    return response


def signed_in(request: Request) -> str | None:
    return sessions.user_of(settings.session_secret, request.cookies.get(sessions.COOKIE))


NOT_SIGNED_IN = {"error": {"code": 401, "message": "log in first"}}


@app.get("/me")
async def me(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return JSONResponse(NOT_SIGNED_IN, status_code=401)
    return JSONResponse({"user": user})


@app.post("/centrifugo/connect")
async def connect_proxy(request: Request) -> Response:
    """ConnectRequest → ConnectResult: the gateway forwards the browser's Cookie header."""
    if await json_body(request) is None:
        return bad_request("not a connect proxy request")
    user = signed_in(request)
    if user is None:
        return JSONResponse(UNAUTHORIZED)
    return JSONResponse({"result": {"user": user, "info": {"name": user.capitalize()}}})


@app.post("/centrifugo/subscribe")
async def subscribe_proxy(request: Request) -> Response:
    body = await json_body(request)
    if body is None or not isinstance(body.get("channel"), str):
        return bad_request("not a subscribe proxy request")
    namespace, _, run_id = body["channel"].partition(":")
    if namespace != "execution" or not run_id or state.runs.owner_of(run_id) != body.get("user"):
        return JSONResponse(PERMISSION_DENIED)
    return JSONResponse({"result": {}})


@app.post("/centrifugo/rpc")
async def rpc_proxy(request: Request) -> Response:
    body = await json_body(request)
    if body is None:
        return bad_request("not an RPC proxy request")
    if body.get("method") != "runs.start":
        return JSONResponse({"error": {"code": 404, "message": f"unknown method {str(body.get('method'))[:64]}"}})
    user = body.get("user")
    if not user:
        return JSONResponse(NOT_SIGNED_IN)
    data = body.get("data") or {}
    steps = data.get("steps", 3) if isinstance(data, dict) else None
    if not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        return JSONResponse({"error": {"code": 400, "message": f"steps must be an integer from 1 to {MAX_STEPS}"}})
    run = state.runs.start(user, steps)
    return JSONResponse({"result": {"data": {"run": run.id, "channel": f"execution:{run.id}"}}})


@app.get("/runs/{run_id}")
async def run_log(run_id: str, request: Request) -> Response:
    """The same rule as the subscribe proxy: a run's log is its owner's only."""
    user = signed_in(request)
    if user is None:
        return JSONResponse(NOT_SIGNED_IN, status_code=401)
    run = state.runs.runs.get(run_id)
    if run is None:
        return JSONResponse({"error": {"code": 404, "message": "no such run"}}, status_code=404)
    if run.owner != user:
        log.warning("run log refused: %s is not the owner of %s", user, run_id)
        return JSONResponse(PERMISSION_DENIED, status_code=403)
    return JSONResponse({"id": run.id, "owner": run.owner, "status": run.status, "events": run.events})


def apply_event(event: dict) -> None:
    kind, data = event.get("type"), event.get("data") or {}
    user = data.get("user")
    if not user or kind not in ("user.online", "user.offline"):
        return
    if kind == "user.online":
        state.presence[user] = {"online": True, "since": event.get("timestamp"), "last_seen": None}
    else:
        state.presence[user] = {"online": False, "since": None, "last_seen": data.get("last_seen")}


@app.post("/webhooks")
async def webhooks(request: Request) -> Response:
    body = await request.body()
    try:
        msg_id = verify(state.webhook_key, request.headers, body)
    except WebhookError as error:
        log.warning("webhook refused: %s", error)
        return JSONResponse({"error": str(error)}, status_code=401)
    if state.seen.first_time(msg_id):
        event = json.loads(body)
        apply_event(event)
        state.applied.append({"id": msg_id, "type": event.get("type"), "user": (event.get("data") or {}).get("user")})
    return Response(status_code=204)


@app.get("/presence")
async def presence() -> Response:
    return JSONResponse({"users": state.presence, "applied": state.applied})


@app.post("/presence/reconcile")
async def reconcile() -> Response:
    """After missed webhooks (this back end was down for longer than the retry period): ask the gateway."""
    online: dict[str, dict] = {}
    cursor = None
    try:
        while True:
            page = await state.gateway.call("user_status_snapshot", {"cursor": cursor} if cursor else {})
            for entry in page["users"]:
                online[entry["user"]] = {"online": True, "since": entry["online_since"], "last_seen": None}
            cursor = page.get("next_cursor")
            if not cursor:
                break
    except (httpx.HTTPError, RuntimeError, ValueError) as error:
        log.warning("reconcile failed: %s", error)
        return JSONResponse({"error": {"code": 502, "message": f"gateway: {error}"}}, status_code=502)
    now = datetime.now(timezone.utc).isoformat()
    for user, entry in state.presence.items():
        if user not in online and entry["online"]:
            online[user] = {"online": False, "since": None, "last_seen": now}
    state.presence = {**state.presence, **online}
    return JSONResponse({"users": state.presence})
