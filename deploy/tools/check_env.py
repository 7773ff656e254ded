#!/usr/bin/env python3
"""Check that the image and the Kubernetes manifests give nianbao only known settings.

`nianbao serve` stops at start on any NIANBAO_* variable that is not one of its settings
(nianbao_env.SETTINGS). Checks:
- every `ENV` of the Dockerfile;
- in the rendered manifests, every container's `env` names and the keys of every ConfigMap
  it loads with `envFrom` (all ConfigMaps labelled part-of nianbao are checked too), and
  that every `$(VAR)` in its `command`/`args` names a variable of its `env`;
- every NIANBAO_* name mentioned in the other files given (documentation, examples) is a
  setting or one of the few other known names (nianbao_env.KNOWN);
- every NIANBAO_* name the source of the settings (serve.rs) documents is in the list, so
  the list cannot fall behind the code.

Usage: check_env.py --dockerfile FILE [--manifest RENDERED.yaml]... [--text FILE]...
                    [--settings-source serve.rs]
Prints one line per problem and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

import yaml

from nianbao_env import NAME, SETTINGS, server_env_problem, settings_hint, unknown_names

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet")
DEPENDENT_VAR = re.compile(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def dockerfile_env(text: str) -> list[str]:
    """Names set by the ENV instructions (both `ENV K=V ...` and `ENV K V`)."""
    names: list[str] = []
    logical = re.sub(r"\\\n", " ", text)
    for line in logical.splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) != 2 or parts[0].upper() != "ENV":
            continue
        words = shlex.split(parts[1], comments=False, posix=True)
        if words and "=" not in words[0]:
            names.append(words[0])
        else:
            names.extend(w.split("=", 1)[0] for w in words)
    return names


def pod_spec(doc: dict) -> dict | None:
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    if kind in WORKLOADS:
        return (spec.get("template") or {}).get("spec")
    return None


def check_manifests(paths: list[Path]) -> list[str]:
    problems: list[str] = []
    for path in paths:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
        configmaps = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}
        for name, cm in configmaps.items():
            labels = (cm.get("metadata") or {}).get("labels") or {}
            if labels.get("app.kubernetes.io/part-of") != "nianbao":
                continue
            for key in (cm.get("data") or {}):
                problem = server_env_problem(key)
                if problem:
                    problems.append(f"{path.name}: ConfigMap/{name}: {problem}")
        for doc in docs:
            spec = pod_spec(doc)
            if not spec:
                continue
            where = f"{path.name}: {doc['kind']}/{doc['metadata']['name']}"
            for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
                cwhere = f"{where} container {container.get('name')}"
                defined = set()
                for item in container.get("env") or []:
                    defined.add(item["name"])
                    problem = server_env_problem(item["name"])
                    if problem:
                        problems.append(f"{cwhere}: env {problem}")
                for source in container.get("envFrom") or []:
                    prefix = source.get("prefix", "")
                    ref = source.get("configMapRef")
                    if ref is None:
                        continue  # Secrets hold no NIANBAO_* keys here; nothing to read
                    cm = configmaps.get(ref.get("name"))
                    if cm is None:
                        problems.append(f"{cwhere}: envFrom ConfigMap {ref.get('name')} "
                                        "is not among the rendered resources")
                        continue
                    for key in cm.get("data") or {}:
                        defined.add(prefix + key)
                        problem = server_env_problem(prefix + key)
                        if problem:
                            problems.append(f"{cwhere}: envFrom {ref['name']}: {problem}")
                for arg in (container.get("command") or []) + (container.get("args") or []):
                    for var in DEPENDENT_VAR.findall(str(arg)):
                        if var not in defined:
                            problems.append(f"{cwhere}: argument $({var}) names no variable "
                                            "of the container (it would be passed literally)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dockerfile", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, action="append", default=[])
    parser.add_argument("--text", type=Path, action="append", default=[])
    parser.add_argument("--settings-source", type=Path, action="append", default=[])
    args = parser.parse_args()
    problems: list[str] = []
    try:
        for name in dockerfile_env(args.dockerfile.read_text(encoding="utf-8")):
            problem = server_env_problem(name)
            if problem:
                problems.append(f"{args.dockerfile.name}: ENV {problem}")
        problems += check_manifests(args.manifest)
        for path in [args.dockerfile, *args.text]:
            for var in unknown_names(path.read_text(encoding="utf-8")):
                problems.append(f"{path}: unknown variable {var}")
        for path in args.settings_source:
            names = {m.group(0) for m in NAME.finditer(path.read_text(encoding="utf-8"))}
            for var in sorted(names - SETTINGS):
                problems.append(f"{path}: documents {var}, which deploy/tools/nianbao_env.py "
                                "SETTINGS lacks (add it there)")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as err:
        problems.append(f"cannot check: {err}")
    for problem in dict.fromkeys(problems):
        print(f"env: {problem}")
    if problems:
        print(f"env: {settings_hint()}")
    if not problems:
        print(f"env: ok (Dockerfile, {len(args.manifest)} rendered manifest files, "
              f"{len(args.text)} other files: only settings of `nianbao serve`)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
