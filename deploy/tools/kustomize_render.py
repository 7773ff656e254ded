#!/usr/bin/env python3
"""Render a kustomization without the kustomize binary.

Supports exactly the subset of kustomize that deploy/k8s uses, and refuses anything else
so that the result is what `kubectl apply -k` would apply:

- `resources`: YAML files (one or more documents) and directories holding a kustomization;
- `namespace`: set on every namespaced resource;
- `images`: `name` with `newName`, `newTag` or `digest`, applied to every container and
  init container image;
- `patches`: JSON6902 operation lists (`add`, `remove`, `replace`, `move`, `copy`,
  `test`), inline (`patch`) or from a file (`path`), with a `target` of `kind` and `name`.

Usage: kustomize_render.py DIR [-o OUT.yaml]
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_KEYS = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
}
# Kinds whose namespace handling in kustomize goes beyond metadata.namespace.
UNSUPPORTED_KINDS = {"RoleBinding", "ClusterRoleBinding", "Namespace"}


class RenderError(Exception):
    """A kustomization this renderer cannot render exactly."""


def find_kustomization(directory: Path) -> Path:
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise RenderError(f"{directory}: no kustomization.yaml")


def load_documents(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        docs = [d for d in yaml.safe_load_all(handle) if d is not None]
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc or "metadata" not in doc:
            raise RenderError(f"{path}: every document needs kind and metadata")
        if doc["kind"] in UNSUPPORTED_KINDS:
            raise RenderError(f"{path}: kind {doc['kind']} is not supported by this renderer")
    return docs


def render(directory: Path) -> list[dict]:
    kfile = find_kustomization(directory)
    with kfile.open(encoding="utf-8") as handle:
        kust = yaml.safe_load(handle) or {}
    unknown = set(kust) - SUPPORTED_KEYS
    if unknown:
        raise RenderError(f"{kfile}: unsupported fields {sorted(unknown)}")

    resources: list[dict] = []
    for entry in kust.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            resources.extend(render(target))
        elif target.is_file():
            resources.extend(load_documents(target))
        else:
            raise RenderError(f"{kfile}: resource {entry} not found")
    check_unique(resources, kfile)

    for patch in kust.get("patches", []):
        apply_patch_entry(resources, patch, directory, kfile)
    if "namespace" in kust:
        for res in resources:
            if res["kind"] not in CLUSTER_SCOPED:
                res["metadata"]["namespace"] = kust["namespace"]
    for image in kust.get("images", []):
        apply_image(resources, image, kfile)
    return resources


def check_unique(resources: list[dict], kfile: Path) -> None:
    seen = set()
    for res in resources:
        key = (res["kind"], res["metadata"].get("namespace"), res["metadata"]["name"])
        if key in seen:
            raise RenderError(f"{kfile}: duplicate resource {key}")
        seen.add(key)


def apply_patch_entry(resources: list[dict], entry: dict, directory: Path, kfile: Path) -> None:
    target = entry.get("target") or {}
    if set(target) - {"kind", "name"} or not {"kind", "name"} <= set(target):
        raise RenderError(f"{kfile}: patch targets must be exactly kind and name: {target}")
    if set(entry) - {"target", "patch", "path"} or ("patch" in entry) == ("path" in entry):
        raise RenderError(f"{kfile}: a patch needs a target and one of patch or path")
    if "path" in entry:
        text = (directory / entry["path"]).read_text(encoding="utf-8")
    else:
        text = entry["patch"]
    ops = yaml.safe_load(text)
    if not isinstance(ops, list):
        raise RenderError(f"{kfile}: only JSON6902 patches (a list of operations) are supported")
    matches = [
        r
        for r in resources
        if r["kind"] == target["kind"] and r["metadata"]["name"] == target["name"]
    ]
    if not matches:
        raise RenderError(f"{kfile}: patch target {target} matches no resource")
    for res in matches:
        for op in ops:
            apply_op(res, op, kfile)


def split_pointer(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise RenderError(f"invalid JSON pointer {pointer!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def resolve_parent(doc, parts: list[str], pointer: str):
    node = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[list_index(node, part, pointer, existing=True)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise RenderError(f"path {pointer} does not exist")
    return node


def list_index(node: list, part: str, pointer: str, existing: bool) -> int:
    if part == "-" and not existing:
        return len(node)
    if not part.isdigit():
        raise RenderError(f"path {pointer}: {part!r} is not a list index")
    index = int(part)
    limit = len(node) if existing else len(node) + 1
    if index >= limit:
        raise RenderError(f"path {pointer}: index {index} out of range")
    return index


def get_value(doc, pointer: str):
    parts = split_pointer(pointer)
    if not parts:
        return doc
    parent = resolve_parent(doc, parts, pointer)
    last = parts[-1]
    if isinstance(parent, list):
        return parent[list_index(parent, last, pointer, existing=True)]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    raise RenderError(f"path {pointer} does not exist")


def remove_value(doc, pointer: str):
    parts = split_pointer(pointer)
    parent = resolve_parent(doc, parts, pointer)
    last = parts[-1]
    if isinstance(parent, list):
        return parent.pop(list_index(parent, last, pointer, existing=True))
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    raise RenderError(f"path {pointer} does not exist")


def add_value(doc, pointer: str, value, replace: bool) -> None:
    parts = split_pointer(pointer)
    if not parts:
        raise RenderError("replacing the whole resource is not supported")
    parent = resolve_parent(doc, parts, pointer)
    last = parts[-1]
    if isinstance(parent, list):
        if replace:
            parent[list_index(parent, last, pointer, existing=True)] = value
        else:
            parent.insert(list_index(parent, last, pointer, existing=False), value)
    elif isinstance(parent, dict):
        if replace and last not in parent:
            raise RenderError(f"replace: path {pointer} does not exist")
        parent[last] = value
    else:
        raise RenderError(f"path {pointer}: parent is not a container")


def apply_op(doc: dict, op: dict, kfile: Path) -> None:
    kind = op.get("op")
    path = op.get("path")
    try:
        if kind == "add":
            add_value(doc, path, copy.deepcopy(op["value"]), replace=False)
        elif kind == "replace":
            add_value(doc, path, copy.deepcopy(op["value"]), replace=True)
        elif kind == "remove":
            remove_value(doc, path)
        elif kind == "move":
            add_value(doc, path, remove_value(doc, op["from"]), replace=False)
        elif kind == "copy":
            add_value(doc, path, copy.deepcopy(get_value(doc, op["from"])), replace=False)
        elif kind == "test":
            if get_value(doc, path) != op["value"]:
                raise RenderError(f"test failed at {path}")
        else:
            raise RenderError(f"unsupported operation {kind!r}")
    except (KeyError, TypeError) as err:
        raise RenderError(f"{kfile}: malformed operation {op}: {err}") from err
    except RenderError as err:
        raise RenderError(f"{kfile}: {doc['kind']}/{doc['metadata']['name']}: {err}") from err


def split_image(image: str) -> tuple[str, str]:
    """Split `name[:tag][@digest]` into the name and the rest (with its separator)."""
    at = image.find("@")
    if at >= 0:
        return image[:at], image[at:]
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon:]
    return image, ""


def apply_image(resources: list[dict], image: dict, kfile: Path) -> None:
    if set(image) - {"name", "newName", "newTag", "digest"} or "name" not in image:
        raise RenderError(f"{kfile}: unsupported image entry {image}")
    for res in resources:
        for container in iter_containers(res):
            name, rest = split_image(str(container.get("image", "")))
            if name != image["name"]:
                continue
            new_name = image.get("newName", name)
            if "digest" in image:
                rest = "@" + image["digest"]
            elif "newTag" in image:
                rest = ":" + str(image["newTag"])
            container["image"] = new_name + rest


def iter_containers(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                yield from (c for c in value if isinstance(c, dict))
            else:
                yield from iter_containers(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_containers(item)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    try:
        docs = render(args.directory)
    except (RenderError, OSError, yaml.YAMLError) as err:
        print(f"kustomize_render: {err}", file=sys.stderr)
        return 1
    text = yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
