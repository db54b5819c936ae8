"""Settings from the environment, read once where the process starts.

Only deployment facts live here (where the database is, how to reach SMTP);
everything a planner or manager changes lives in the database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "shiftdesk.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    smtp_host: str | None  # None: e-mail is not set up, so nothing is queued for it
    smtp_port: int
    smtp_sender: str
    webhook_secret: str | None
    app_url: str  # where people open the desk (links in pages and e-mails)
    api_url: str  # where integrations and page acknowledgements reach the HTTP API

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            database_url=env.get("SHIFTDESK_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
            smtp_host=env.get("SHIFTDESK_SMTP_HOST") or None,
            smtp_port=int(env.get("SHIFTDESK_SMTP_PORT", "25")),
            smtp_sender=env.get("SHIFTDESK_SMTP_SENDER", "shiftdesk@localhost"),
            webhook_secret=env.get("SHIFTDESK_WEBHOOK_SECRET"),
            app_url=env.get("SHIFTDESK_APP_URL", "http://localhost:8501"),
            api_url=env.get("SHIFTDESK_API_URL", "http://localhost:8000"),
        )
