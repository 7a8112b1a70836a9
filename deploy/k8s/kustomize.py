"""A kustomization rendered in Python, for the tests: the subset of Kustomize Souk uses.

`kubectl apply -k` is what deploys; this renders the same objects where no kubectl is
installed (tests/test_k8s.py compares the two wherever one is). It implements exactly:

    resources   files of objects, and folders holding a kustomization.yaml (in order)
    namespace   set on every namespaced object
    images      `name` -> `newName` / `newTag` / `digest`, in containers and init containers
    patches     JSON 6902 patches (`add`, `replace`, `remove`), inline (`patch`) or a file
                (`path`), applied to the objects their `target` names by kind and name

and refuses every other field, so an overlay that needs more fails here instead of being
rendered differently from kubectl.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
PATCH_FIELDS = {"patch", "path", "target"}
TARGET_FIELDS = {"kind", "name"}
# Kinds that belong to no namespace: `namespace:` leaves them alone, as Kustomize does.
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "CustomResourceDefinition",
}


class KustomizeError(ValueError):
    """The kustomization uses something this renderer does not implement, or is wrong."""


def render(folder: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize <folder>` would output (in resource order)."""
    folder = folder.resolve()
    file = next((folder / name for name in KUSTOMIZATION_FILES if (folder / name).exists()), None)
    if file is None:
        raise KustomizeError(f"no kustomization.yaml in {folder}")
    spec = yaml.safe_load(file.read_text()) or {}
    unsupported = set(spec) - SUPPORTED
    if unsupported:
        raise KustomizeError(f"{file}: not implemented here: {', '.join(sorted(unsupported))}")

    objects: list[dict[str, Any]] = []
    for entry in spec.get("resources") or []:
        path = _inside(folder, entry, file, allow_parent=True)
        if path.is_dir():
            objects.extend(render(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None)
    _check_unique(objects, file)

    for patch in spec.get("patches") or []:
        _apply_patch(folder, file, patch, objects)
    for image in spec.get("images") or []:
        _apply_image(image, objects)
    if spec.get("namespace"):
        for item in objects:
            if item.get("kind") not in CLUSTER_SCOPED:
                item.setdefault("metadata", {})["namespace"] = spec["namespace"]
    return objects


def _inside(folder: Path, entry: str, file: Path, *, allow_parent: bool = False) -> Path:
    if "://" in entry or entry.startswith("git@"):
        raise KustomizeError(f"{file}: remote resources are not implemented here: {entry}")
    path = (folder / entry).resolve()
    if not path.exists():
        raise KustomizeError(f"{file}: {entry} does not exist")
    if not allow_parent and folder not in path.parents:
        raise KustomizeError(f"{file}: {entry} is outside the kustomization's folder")
    return path


def _check_unique(objects: list[dict[str, Any]], file: Path) -> None:
    seen = set()
    for item in objects:
        key = (item.get("kind"), item.get("metadata", {}).get("name"))
        if key in seen:
            raise KustomizeError(f"{file}: {key[0]} {key[1]} is defined twice")
        seen.add(key)


def _apply_patch(
    folder: Path, file: Path, patch: dict[str, Any], objects: list[dict[str, Any]]
) -> None:
    if set(patch) - PATCH_FIELDS or ("patch" in patch) == ("path" in patch):
        raise KustomizeError(f"{file}: a patch has `patch` or `path`, and a `target`: {patch}")
    target = patch.get("target") or {}
    if not target or set(target) - TARGET_FIELDS:
        raise KustomizeError(f"{file}: a patch's target is a kind and a name here: {target}")
    text = patch["patch"] if "patch" in patch else _inside(folder, patch["path"], file).read_text()
    operations = yaml.safe_load(text)
    if not isinstance(operations, list):
        raise KustomizeError(
            f"{file}: only JSON 6902 patches (a list of operations) are implemented"
        )
    matched = [
        item
        for item in objects
        if all(
            (item.get("kind") if field == "kind" else item["metadata"].get("name")) == value
            for field, value in target.items()
        )
    ]
    if not matched:
        raise KustomizeError(f"{file}: no object matches the patch target {target}")
    for item in matched:
        for operation in operations:
            json_patch(item, operation)


def json_patch(document: dict[str, Any], operation: dict[str, Any]) -> None:
    """One RFC 6902 operation (`add`, `replace` or `remove`) on `document`, in place."""
    op, path = operation.get("op"), operation.get("path", "")
    if op not in {"add", "replace", "remove"}:
        raise KustomizeError(f"JSON patch operation not implemented here: {op}")
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
    if not tokens:
        raise KustomizeError("a JSON patch cannot replace the whole object")
    parent: Any = document
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last = tokens[-1]
    value = copy.deepcopy(operation.get("value"))
    if isinstance(parent, list):
        if op == "add":
            parent.insert(len(parent) if last == "-" else int(last), value)
        elif op == "replace":
            parent[int(last)] = value
        else:
            del parent[int(last)]
    elif op == "add":
        parent[last] = value
    elif last not in parent:
        raise KustomizeError(f"JSON patch: {path} does not exist")
    elif op == "replace":
        parent[last] = value
    else:
        del parent[last]


def _apply_image(image: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    for item in objects:
        pod = item.get("spec", {}).get("template", {}).get("spec", {})
        for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
            name, tag = _split_image(container["image"])
            if name != image["name"]:
                continue
            name = image.get("newName", name)
            if "digest" in image:
                container["image"] = f"{name}@{image['digest']}"
            else:
                tag = image.get("newTag", tag)
                container["image"] = f"{name}:{tag}" if tag else name


def _split_image(image: str) -> tuple[str, str | None]:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return name.rsplit(":", 1)[0], name.rsplit(":", 1)[1]
    return name, None
