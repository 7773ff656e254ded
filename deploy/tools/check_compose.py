#!/usr/bin/env python3
"""Check the structure of deploy/compose.yaml and that it holds no literal secret.

Checks: the expected services exist; PostgreSQL keeps its data in a named volume and has
a healthcheck; every nianbao service that stays up has a healthcheck; every `depends_on`
uses the long form with the expected condition; every `${VAR}` the file uses is listed in
.env.example and every variable of .env.example is used; .env.example holds no secret value;
no password, token or credential-bearing URL is written literally; the containers get only
NIANBAO_* variables that are settings of `nianbao serve` (nianbao_env.SETTINGS: any other
stops the server at start) and no `env_file`; every NIANBAO_* name in either file is known.

Usage: check_compose.py COMPOSE.yaml ENV_EXAMPLE
Prints one line per problem and exits 1 when there is any.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from nianbao_env import COMPOSE_ONLY, SETTINGS, server_env_problem, settings_hint, unknown_names

# service -> {dependency: condition}
EXPECTED_DEPENDS = {
    "migrate": {"postgres": "service_healthy"},
    "storage": {"postgres": "service_healthy", "migrate": "service_completed_successfully"},
    "render": {"storage": "service_healthy"},
    "aggregate": {"storage": "service_healthy"},
}
LONG_RUNNING = ("postgres", "storage", "render", "aggregate")
SECRET_KEY = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|DATABASE_URL)", re.I)
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
URL_CREDENTIAL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:([^@\s]+)@", re.I)
# Values allowed in .env.example for secret keys: empty or an obvious placeholder.
PLACEHOLDER = re.compile(r"^(|change-?me.*|<.*>|\.\.\.)$", re.I)


def only_interpolated(value: str) -> bool:
    """True when every character of the secret part comes from `${...}` interpolation."""
    return INTERPOLATION.sub("", value).strip() == ""


def walk_strings(node, path="$"):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk_strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def env_items(service: dict):
    env = service.get("environment") or {}
    if isinstance(env, list):
        for item in env:
            key, _, value = str(item).partition("=")
            yield key, value
    else:
        for key, value in env.items():
            yield key, "" if value is None else str(value)


def check(compose_path: Path, env_example: Path) -> list[str]:
    problems: list[str] = []
    text = compose_path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    services = doc.get("services") or {}

    for name in ("postgres", "migrate", "storage", "render", "aggregate"):
        if name not in services:
            problems.append(f"service {name} is missing")
    if problems:
        return problems

    pg = services["postgres"]
    if not str(pg.get("image", "")).startswith("postgres:15"):
        problems.append("postgres: image must be postgres:15")
    named = set((doc.get("volumes") or {}).keys())
    pg_volumes = [str(v).split(":")[0] for v in pg.get("volumes") or []]
    if not any(v in named for v in pg_volumes):
        problems.append("postgres: data must live in a named volume declared under volumes:")

    for name in LONG_RUNNING:
        hc = services[name].get("healthcheck") or {}
        if not hc.get("test") or hc.get("disable"):
            problems.append(f"{name}: needs a healthcheck")
    for name in ("storage", "render", "aggregate"):
        test = " ".join(map(str, services[name].get("healthcheck", {}).get("test", [])))
        if "nianbao health" not in test:
            problems.append(f"{name}: healthcheck must run `nianbao health`")
        command = services[name].get("command") or []
        if command[:2] != ["serve", name]:
            problems.append(f"{name}: command must start with `serve {name}`")
    if (services["migrate"].get("command") or [None])[0] != "migrate":
        problems.append("migrate: command must be `migrate`")
    if str(services["migrate"].get("restart", "no")) != "no":
        problems.append("migrate: a one-shot service must not restart")

    for name, service in services.items():
        deps = service.get("depends_on")
        if deps is None:
            continue
        if not isinstance(deps, dict):
            problems.append(f"{name}: depends_on must use the long form with a condition")
            continue
        for dep, spec in deps.items():
            if dep not in services:
                problems.append(f"{name}: depends on unknown service {dep}")
            cond = (spec or {}).get("condition")
            if cond not in ("service_healthy", "service_completed_successfully"):
                problems.append(f"{name}: depends_on {dep} needs condition service_healthy "
                                f"or service_completed_successfully (has {cond})")
    for name, wanted in EXPECTED_DEPENDS.items():
        deps = services[name].get("depends_on") or {}
        for dep, cond in wanted.items():
            got = (deps.get(dep) or {}).get("condition") if isinstance(deps, dict) else None
            if got != cond:
                problems.append(f"{name}: must depend on {dep} with condition {cond}")

    # No literal secrets: secret-named variables and URL passwords come from interpolation.
    for name, service in services.items():
        for key, value in env_items(service):
            if SECRET_KEY.search(key) and value and not only_interpolated(value):
                problems.append(f"{name}: environment {key} holds a literal value")
    for path, value in walk_strings(doc):
        for match in URL_CREDENTIAL.finditer(value):
            if not only_interpolated(match.group(1)):
                problems.append(f"{path}: URL with a literal password")

    # Containers see only settings of `nianbao serve`, all written out in compose.yaml.
    for name, service in services.items():
        if "env_file" in service:
            problems.append(f"{name}: env_file is not allowed (write the settings under "
                            "environment:, where they are checked)")
        for key, _ in env_items(service):
            problem = server_env_problem(key)
            if problem:
                problems.append(f"{name}: environment {problem}")
    for var in unknown_names(text):
        problems.append(f"{compose_path.name}: unknown variable {var}")

    # Every interpolated variable is documented, and .env.example holds no secret.
    used = {m.group(1) for m in INTERPOLATION.finditer(text)}
    example = {}
    for line in env_example.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    for var in sorted(used - set(example)):
        problems.append(f"${{{var}}} is used but not listed in {env_example.name}")
    # deploy/.env only feeds `${...}` in compose.yaml: a variable nothing uses does nothing.
    for var in sorted(set(example) - used):
        problems.append(f"{env_example.name}: {var} is not used by {compose_path.name} "
                        "(deploy/.env is never passed to the containers)")
    for var in sorted(k for k in example if k.startswith("NIANBAO_")):
        if var not in COMPOSE_ONLY and var not in SETTINGS:
            problems.append(f"{env_example.name}: unknown variable {var}")
    for var in unknown_names(env_example.read_text(encoding="utf-8")):
        problems.append(f"{env_example.name}: unknown variable {var}")
    for key, value in example.items():
        if SECRET_KEY.search(key) and not PLACEHOLDER.match(value):
            problems.append(f"{env_example.name}: {key} must be empty or a placeholder")
    return problems


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    compose_path, env_example = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        problems = check(compose_path, env_example)
    except (OSError, yaml.YAMLError, AttributeError, TypeError) as err:
        problems = [f"cannot check {compose_path}: {err}"]
    for problem in dict.fromkeys(problems):
        print(f"compose: {problem}")
    if any("NIANBAO_" in problem for problem in problems):
        print(f"compose: {settings_hint()}")
    if not problems:
        services = yaml.safe_load(compose_path.read_text(encoding="utf-8"))["services"]
        print(f"compose: ok ({len(services)} services)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
