"""Settings from the environment. The defaults match realtime.config.json: demo values only."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    gateway_api_url: str
    gateway_api_key: str
    webhook_secret: str
    session_secret: str
    run_step_seconds: float


def load_settings() -> Settings:
    return Settings(
        gateway_api_url=os.environ.get("GATEWAY_API_URL", "http://127.0.0.1:8000/api"),
        gateway_api_key=os.environ.get("GATEWAY_API_KEY", "demo-only-api-key"),
        webhook_secret=os.environ.get("WEBHOOK_SECRET", "whsec_ZGVtby1vbmx5LXdlYmhvb2stc2VjcmV0LWNoYW5nZS1tZQ=="),
        session_secret=os.environ.get("SESSION_SECRET", "demo-only-session-secret-change-me"),
        run_step_seconds=float(os.environ.get("RUN_STEP_SECONDS", "0.4")),
    )
