"""Simulated agent runs, published over the gateway's server API as Renum's engine reports them."""

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx

log = logging.getLogger("renum_backend.runs")
AGENTS = ["planner", "researcher", "writer"]


@dataclass
class Run:
    id: str
    owner: str
    steps: int
    status: str = "running"
    events: list[dict] = field(default_factory=list)


class Gateway:
    """The server API: POST /api/<method> with X-API-Key; a domain error is 200 with `error`."""

    def __init__(self, api_url: str, api_key: str) -> None:
        self._client = httpx.AsyncClient(base_url=api_url, headers={"X-API-Key": api_key}, timeout=5.0)

    async def call(self, method: str, body: dict) -> dict:
        reply = (await self._client.post(f"/{method}", json=body)).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def close(self) -> None:
        await self._client.aclose()


class Runs:
    def __init__(self, gateway: Gateway, step_seconds: float) -> None:
        self.gateway = gateway
        self.step_seconds = step_seconds
        self.runs: dict[str, Run] = {}
        self._tasks: set[asyncio.Task] = set()

    def owner_of(self, run_id: str) -> str | None:
        run = self.runs.get(run_id)
        return run.owner if run else None

    def start(self, owner: str, steps: int) -> Run:
        run = Run(id=uuid.uuid4().hex[:12], owner=owner, steps=steps)
        self.runs[run.id] = run
        task = asyncio.create_task(self._play(run))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    async def _publish(self, run: Run, event: dict) -> None:
        event = {**event, "execution_id": run.id, "seq": len(run.events) + 1, "timestamp": datetime.now(timezone.utc).isoformat()}
        run.events.append(event)
        await self.gateway.call("publish", {"channel": f"execution:{run.id}", "data": event})

    async def _play(self, run: Run) -> None:
        try:
            await self._publish(run, {"type": "execution_update", "event_type": "execution_started", "data": {"status": "running", "total_steps": run.steps}})
            for step in range(1, run.steps + 1):
                await asyncio.sleep(self.step_seconds)
                agent = AGENTS[(step - 1) % len(AGENTS)]
                await self._publish(run, {"type": "step_update", "agent_id": agent, "event_type": "step_completed", "data": {"status": "completed", "step_order": step}})
                progress = round(step / run.steps * 100)
                await self._publish(run, {"type": "execution_update", "event_type": "execution_progress", "data": {"status": "running", "progress": progress, "current_step": step, "total_steps": run.steps}})
            run.status = "completed"
            await self._publish(run, {"type": "execution_update", "event_type": "execution_completed", "data": {"status": "completed", "progress": 100}})
            # The inbox keeps it for a user who is not looking right now.
            await self.gateway.call("notification_send", {
                "user": run.owner,
                "type": "run.finished",
                "title": "Run finished",
                "body": f"Agent run {run.id} is done",
                "data": {"run": run.id},
                "action": f"/runs/{run.id}",
            })
        except Exception:  # a failed run must not take the server down; say why
            run.status = "failed"
            log.exception("run %s failed", run.id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
