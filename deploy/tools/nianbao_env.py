"""The NIANBAO_* environment variables the deployment files may use.

`nianbao serve` reads its settings from `NIANBAO_<SECTION>__<KEY>` variables into a struct
with `deny_unknown_fields` (crates/nianbao-cli/src/cmd/serve.rs, `Settings`): any other
NIANBAO_* variable in a server's environment stops it at start. SETTINGS is that list; keep
it equal to `Settings` when a setting is added or removed there.

The other names are not settings and must never reach a server's environment: variables
of compose.yaml's own interpolation (from deploy/.env), of the client commands and of the
scripts. They are allowed only in the places named beside them.
"""

from __future__ import annotations

import re

# Settings of `nianbao serve` (the only NIANBAO_* names a server process may see).
SETTINGS = frozenset({
    "NIANBAO_LISTEN",
    "NIANBAO_DATABASE__URL",
    "NIANBAO_DATABASE__MAX_CONNECTIONS",
    "NIANBAO_DATABASE__COMPRESS_CONTENT",
    "NIANBAO_LOG__FILTER",
    "NIANBAO_LOG__JSON",
    "NIANBAO_RENDER__STORAGE_URL",
    "NIANBAO_AGGREGATE__STORAGE_URL",
    "NIANBAO_AGGREGATE__RENDER_URL",
    "NIANBAO_METRICS__LISTEN",
    "NIANBAO_TLS__CERT_FILE",
    "NIANBAO_TLS__KEY_FILE",
    "NIANBAO_TLS__CLIENT_CA_FILE",
    "NIANBAO_RENDER__STORAGE_TLS__CA_FILE",
    "NIANBAO_RENDER__STORAGE_TLS__CERT_FILE",
    "NIANBAO_RENDER__STORAGE_TLS__KEY_FILE",
    "NIANBAO_AGGREGATE__STORAGE_TLS__CA_FILE",
    "NIANBAO_AGGREGATE__STORAGE_TLS__CERT_FILE",
    "NIANBAO_AGGREGATE__STORAGE_TLS__KEY_FILE",
    # Deadline reminders (the scheduler beside the aggregation service).
    "NIANBAO_NOTIFY__ENABLED",
    "NIANBAO_NOTIFY__STORAGE_URL",
    "NIANBAO_NOTIFY__STORAGE_TLS__CA_FILE",
    "NIANBAO_NOTIFY__STORAGE_TLS__CERT_FILE",
    "NIANBAO_NOTIFY__STORAGE_TLS__KEY_FILE",
    "NIANBAO_NOTIFY__TOKEN",
    "NIANBAO_NOTIFY__INTERVAL_SECONDS",
    "NIANBAO_NOTIFY__LEASE_SECONDS",
    "NIANBAO_NOTIFY__SMTP_HOST",
    "NIANBAO_NOTIFY__SMTP_PORT",
    "NIANBAO_NOTIFY__SMTP_SECURITY",
    "NIANBAO_NOTIFY__SMTP_USERNAME",
    "NIANBAO_NOTIFY__SMTP_PASSWORD",
    "NIANBAO_NOTIFY__SMTP_FROM",
    "NIANBAO_NOTIFY__WEBHOOK_SECRET",
    "NIANBAO_NOTIFY__TIMEOUT_SECONDS",
    "NIANBAO_WEB__LISTEN",
    "NIANBAO_WEB__STORAGE_URL",
    "NIANBAO_WEB__RENDER_URL",
    "NIANBAO_WEB__AGGREGATE_URL",
    "NIANBAO_WEB__SESSION_MINUTES",
    "NIANBAO_WEB__TIME_ZONE",
    "NIANBAO_WEB__SECURE_COOKIE",
    "NIANBAO_WEB__YEAR",
    "NIANBAO_WEB__MAX_UPLOAD_BYTES",
    "NIANBAO_WEB__UPSTREAM_TLS__CA_FILE",
    "NIANBAO_WEB__UPSTREAM_TLS__CERT_FILE",
    "NIANBAO_WEB__UPSTREAM_TLS__KEY_FILE",
})
# `${...}` variables of compose.yaml, set in deploy/.env; never passed to a container.
COMPOSE_ONLY = frozenset({"NIANBAO_IMAGE", "NIANBAO_BIND"})
# Client commands (`--server`, `--token`) in an operator's shell, and the backup test's binary.
NOT_FOR_SERVERS = frozenset({"NIANBAO_SERVER", "NIANBAO_TOKEN", "NIANBAO_BIN"})
# Every NIANBAO_* name the documentation and the deployment files may mention.
KNOWN = SETTINGS | COMPOSE_ONLY | NOT_FOR_SERVERS

# A whole variable name; `NIANBAO_<SECTION>__<KEY>` and `NIANBAO_*` (patterns) do not match.
NAME = re.compile(r"\bNIANBAO_[A-Z0-9_]*[A-Z0-9]\b")


def server_env_problem(name: str) -> str | None:
    """Why a variable must not be in a nianbao server's environment, or None when it may."""
    if not name.startswith("NIANBAO_") or name in SETTINGS:
        return None
    return f"{name} is not a setting of `nianbao serve` (it would stop the server at start)"


def settings_hint() -> str:
    """One line naming the valid settings, printed once after the problems."""
    return f"the settings of `nianbao serve` are: {', '.join(sorted(SETTINGS))}"


def unknown_names(text: str) -> list[str]:
    """NIANBAO_* names in a text that are neither settings nor one of the other known names."""
    return sorted({m.group(0) for m in NAME.finditer(text)} - KNOWN)
