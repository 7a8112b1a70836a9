"""Kubernetes deployment (deploy/k8s/): rendered, validated against the schemas, compared.

No cluster and no stack: the base is regenerated and compared with the committed files, the
example overlay is rendered (by deploy.k8s.kustomize, and by `kubectl kustomize` too where a
kubectl is installed), every object is validated offline by kubernetes-validate against the
Kubernetes versions below, and the services, ports, settings and routes are compared with
docker-compose.yml, the Dockerfile and the launcher. The NetworkPolicies are evaluated here
for every pair of pods; the migrate Job's code runs against the test PostgreSQL.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from alembic.script import ScriptDirectory
from kubernetes_validate import utils as kubernetes_validate
from souk_kit import SERVICES
from souk_kit.migrations import alembic_config
from souk_kit.settings import ServiceSettings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from deploy import layout
from deploy.healthcheck import health_url
from deploy.k8s import manifests, migrate, wait
from deploy.k8s.gateway import write_gateway_config
from deploy.k8s.kustomize import KustomizeError, render
from deploy.k8s.secrets import write_secrets
from deploy.make_secrets import make_secrets
from launcher.gateway import TEMPLATE, GatewayConfig, render_nginx_conf
from launcher.postgres import drop_database
from launcher.settings import REPO_ROOT, Settings

K8S_DIR = REPO_ROOT / "deploy" / "k8s"
BASE = K8S_DIR / "base"
OVERLAY = K8S_DIR / "overlays" / "production"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
# The oldest Kubernetes these manifests are for, and the newest whose schemas
# kubernetes-validate ships (autoscaling/v2, policy/v1 and the rest are GA in both).
K8S_VERSIONS = ("1.30.0", "1.37.0")
# Compose names the database by host and name for every replica; here each service's
# DATABASE_URL (its own Secret) names server, role and options at once.
COMPOSE_ONLY_SETTINGS = {"SOUK_DB_HOST", "SOUK_DB_NAME"}

Object = dict[str, Any]

# Writing the gateway configuration copies the web front end's build.
pytestmark = pytest.mark.usefixtures("web_dist")


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document["services"]


@pytest.fixture(scope="module")
def rendered() -> list[Object]:
    return render(OVERLAY)


@pytest.fixture(scope="module")
def objects(rendered: list[Object]) -> dict[tuple[str, str], Object]:
    return {(item["kind"], item["metadata"]["name"]): item for item in rendered}


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("k8s-secrets")
    write_secrets(out, "postgresql://db.example.internal:5432/souk?sslmode=require", {})
    return out


@pytest.fixture(scope="module")
def secret_objects(secrets_dir: Path) -> dict[str, Object]:
    document = json.loads((secrets_dir / "secrets.json").read_text())
    assert document["kind"] == "List"
    return {item["metadata"]["name"]: item for item in document["items"]}


def replicas_of(compose: dict[str, Any], service: str) -> dict[str, dict[str, Any]]:
    return {
        name: spec
        for name, spec in compose.items()
        if (spec.get("environment") or {}).get("SOUK_SERVICE") == service
    }


def pod_spec(item: Object) -> Object:
    spec: Object = item["spec"]["template"]["spec"]
    return spec


def pod_labels(item: Object) -> dict[str, str]:
    labels: dict[str, str] = item["spec"]["template"]["metadata"]["labels"]
    return labels


def containers(item: Object) -> list[Object]:
    spec = pod_spec(item)
    return [*spec.get("initContainers", []), *spec["containers"]]


def main_container(item: Object) -> Object:
    (container,) = pod_spec(item)["containers"]
    return container


def env_of(container: Object) -> dict[str, Object]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def matches(selector: Object, labels: dict[str, str]) -> bool:
    """A label selector (matchLabels and `In`/`NotIn`/`Exists` expressions) on `labels`."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        if operator == "In" and labels.get(key) not in expression["values"]:
            return False
        if operator == "NotIn" and labels.get(key) in expression["values"]:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator not in {"In", "NotIn", "Exists"}:
            raise AssertionError(f"selector operator not evaluated here: {operator}")
    return True


_CPU = re.compile(r"^([0-9.]+)(m?)$")
_MEMORY = re.compile(r"^([0-9]+)(Ki|Mi|Gi)$")


def cpu(quantity: str) -> float:
    found = _CPU.match(str(quantity))
    assert found, quantity
    return float(found.group(1)) / (1000 if found.group(2) else 1)


def memory(quantity: str) -> int:
    found = _MEMORY.match(str(quantity))
    assert found, quantity
    return int(found.group(1)) * {"Ki": 1, "Mi": 1024, "Gi": 1024**2}[found.group(2)]


def dockerfile_cmd() -> list[str]:
    (line,) = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith("CMD ")]
    command: list[str] = json.loads(line.removeprefix("CMD "))
    return command


def compose_default(value: str) -> str:
    """`${NAME:-default}` -> `default`; anything else as it is."""
    found = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return found.group(1) if found else value


def _upstreams(config: str) -> dict[str, list[str]]:
    blocks = re.findall(r"^\s*upstream (\w+) \{(.*?)\}", config, flags=re.M | re.S)
    return {name: re.findall(r"^\s*server (\S+) ", body, flags=re.M) for name, body in blocks}


def _routes(config: str) -> set[str]:
    return set(re.findall(r"^\s*location (.+?) \{", config, flags=re.M))


def _listens(config: str) -> list[str]:
    return re.findall(r"^\s*listen (\S+)[ ;]", config, flags=re.M)


def secret_references(item: Object) -> Iterator[tuple[str, str, bool]]:
    """(Secret, key, optional) for every Secret a pod template reads, by env or by volume."""
    for container in containers(item):
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                yield ref["name"], ref["key"], bool(ref.get("optional"))
        for source in container.get("envFrom", []):
            assert "secretRef" not in source, "a whole Secret in the environment"
    for volume in pod_spec(item).get("volumes", []):
        sources = volume.get("projected", {}).get("sources", [])
        if "secret" in volume:
            sources = [{"secret": volume["secret"]}]
        for source in sources:
            if "secret" in source:
                secret = source["secret"]
                assert secret.get("items"), f"{secret['name']}: every key mounted, not chosen"
                for item_ in secret["items"]:
                    yield secret["name"], item_["key"], bool(secret.get("optional"))


def workloads(objects: dict[tuple[str, str], Object]) -> dict[str, Object]:
    return {name: item for (kind, name), item in objects.items() if kind in {"Deployment", "Job"}}


# ---------------------------------------------------------------- rendering and schemas


def test_the_committed_base_is_what_the_code_generates() -> None:
    assert manifests.differences() == [], "run: python -m deploy.k8s.manifests"


def test_the_check_notices_an_edited_or_extra_file(tmp_path: Path) -> None:
    manifests.write(tmp_path / "base")
    assert manifests.differences(tmp_path / "base") == []
    edited = tmp_path / "base" / "services" / "cart.yaml"
    edited.write_text(edited.read_text().replace("memory: 512Mi", "memory: 513Mi", 1))
    (tmp_path / "base" / "extra.yaml").write_text("{}\n")
    assert manifests.differences(tmp_path / "base") == ["extra.yaml", "services/cart.yaml"]


@pytest.mark.parametrize("folder", [BASE, OVERLAY], ids=["base", "overlay"])
def test_our_renderer_gives_what_kubectl_kustomize_gives(folder: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("no kubectl here to compare deploy.k8s.kustomize with")
    result = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    theirs = [item for item in yaml.safe_load_all(result.stdout) if item]

    def keyed(items: list[Object]) -> dict[tuple[str, str, str], Object]:
        return {
            (i["kind"], i["metadata"].get("namespace", ""), i["metadata"]["name"]): i for i in items
        }

    ours = keyed(render(folder))
    assert ours.keys() == keyed(theirs).keys()
    assert ours == keyed(theirs)


def test_the_renderer_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [../base]\ncommonLabels: {team: shop}\n"
    )
    with pytest.raises(KustomizeError, match="commonLabels"):
        render(tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        f"resources: ['{BASE}']\npatches:\n- target: {{kind: Service, name: nope}}\n"
        "  patch: '[{op: remove, path: /spec}]'\n"
    )
    with pytest.raises(KustomizeError, match="no object matches"):
        render(tmp_path)


def test_the_overlay_renames_the_image_and_sets_the_namespace(
    rendered: list[Object], objects: dict[tuple[str, str], Object]
) -> None:
    overlay = yaml.safe_load((OVERLAY / "kustomization.yaml").read_text())
    (image,) = [i for i in overlay["images"] if i["name"] == manifests.IMAGE.split(":")[0]]
    souk_images = {
        c["image"]
        for item in workloads(objects).values()
        for c in containers(item)
        if c["image"] != manifests.NGINX_IMAGE
    }
    assert souk_images == {f"{image['newName']}:{image['newTag']}"}
    namespaced = [i for i in rendered if i["kind"] != "Namespace"]
    assert namespaced and {i["metadata"]["namespace"] for i in namespaced} == {overlay["namespace"]}
    assert ("Namespace", overlay["namespace"]) in objects


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_object_is_valid_against_the_kubernetes_schemas(
    version: str, secret_objects: dict[str, Object]
) -> None:
    everything = [*render(BASE), *render(OVERLAY), *secret_objects.values()]
    failures = []
    for item in everything:
        try:
            kubernetes_validate.validate(item, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as e:
            failures.append(f"{item['kind']} {item['metadata']['name']}: {e.message}")
    assert len(everything) > 60
    assert failures == []


def test_the_strict_schemas_catch_a_misspelt_field(
    objects: dict[tuple[str, str], Object],
) -> None:
    wrong = copy.deepcopy(objects["Deployment", "orders"])
    pod_spec(wrong)["containers"][0]["livenesProbe"] = {"tcpSocket": {"port": 8000}}
    with pytest.raises(kubernetes_validate.ValidationError, match="livenesProbe"):
        kubernetes_validate.validate(wrong, K8S_VERSIONS[0], strict=True)
    wrong = copy.deepcopy(objects["HorizontalPodAutoscaler", "orders"])
    wrong["spec"]["minReplicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, K8S_VERSIONS[0], strict=True)


def test_no_secret_is_committed() -> None:
    kinds = {item["kind"] for folder in (BASE, OVERLAY) for item in render(folder)}
    assert "Secret" not in kinds
    text = "\n".join(path.read_text() for path in K8S_DIR.rglob("*.yaml"))
    assert "BEGIN PRIVATE KEY" not in text and "stringData" not in text


# ---------------------------------------------------------------- each service


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_deployment_service_autoscaler_and_budget(
    objects: dict[tuple[str, str], Object], compose: dict[str, Any], service: str
) -> None:
    deployment = objects["Deployment", service]
    labels = pod_labels(deployment)
    assert matches(deployment["spec"]["selector"], labels)
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"

    kube_service = objects["Service", service]
    assert kube_service["spec"]["selector"].items() <= labels.items()
    (port,) = kube_service["spec"]["ports"]
    (container_port,) = main_container(deployment)["ports"]
    assert port["targetPort"] == container_port["name"]
    assert container_port["containerPort"] == layout.SERVICE_PORT
    assert port["port"] == layout.SERVICE_PORT
    # Nothing else selects these pods: the gateway's upstream is exactly this Service.
    others = [
        name
        for (kind, name), item in objects.items()
        if kind == "Service"
        and name != service
        and matches({"matchLabels": item["spec"]["selector"]}, labels)
    ]
    assert others == []

    autoscaler = objects["HorizontalPodAutoscaler", service]
    assert autoscaler["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    # At least as many pods as compose runs replicas, and room to grow.
    assert autoscaler["spec"]["minReplicas"] >= len(replicas_of(compose, service)) >= 2
    assert autoscaler["spec"]["maxReplicas"] > autoscaler["spec"]["minReplicas"]
    (metric,) = autoscaler["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"

    budget = objects["PodDisruptionBudget", service]
    assert matches(budget["spec"]["selector"], labels)
    assert budget["spec"].get("maxUnavailable") == 1 or (
        budget["spec"]["minAvailable"] < autoscaler["spec"]["minReplicas"]
    )


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_probed_on_its_health_route_and_has_resources(
    objects: dict[tuple[str, str], Object], service: str
) -> None:
    deployment = objects["Deployment", service]
    container = main_container(deployment)
    (port,) = container["ports"]
    # The route docker's health check asks (deploy/healthcheck.py), on the service's port.
    route = urlparse(health_url({"SOUK_SERVICE": service, "SOUK_PORT": str(port["containerPort"])}))
    assert route.path == f"/api/{service}/health"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        check = container[probe]["httpGet"]
        assert check["path"] == route.path, probe
        assert check["port"] in {port["name"], port["containerPort"]}, probe
    for each in containers(deployment):
        resources = each["resources"]
        for kind, parse in (("cpu", cpu), ("memory", memory)):
            assert parse(resources["requests"][kind]) <= parse(resources["limits"][kind])
    assert pod_spec(deployment)["terminationGracePeriodSeconds"] > 10  # gunicorn's graceful


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_what_compose_runs_with_its_settings(
    objects: dict[tuple[str, str], Object],
    compose: dict[str, Any],
    secrets_dir: Path,
    tmp_path: Path,
    service: str,
) -> None:
    deployment = objects["Deployment", service]
    container = main_container(deployment)
    env = env_of(container)
    settings = objects["ConfigMap", manifests.SERVICE_SETTINGS]["data"]
    assert container["envFrom"] == [{"configMapRef": {"name": manifests.SERVICE_SETTINGS}}]

    for name, replica in replicas_of(compose, service).items():
        # The same image and entrypoint (compose runs the image's CMD).
        assert compose_default(replica["image"]) == base_image(service)
        assert "command" not in replica
        assert container["command"] == dockerfile_cmd()
        given = set(replica["environment"]) - COMPOSE_ONLY_SETTINGS
        assert given <= env.keys() | settings.keys(), name
        assert env["SOUK_SERVICE"]["value"] == replica["environment"]["SOUK_SERVICE"]
        assert env["SOUK_PORT"]["value"] == replica["environment"]["SOUK_PORT"]
        compose_internal = urlparse(replica["environment"]["SOUK_INTERNAL_URL"])
        assert urlparse(env["SOUK_INTERNAL_URL"]["value"]).port == compose_internal.port
        # Read-only, no capabilities, as compose runs it.
        assert replica["read_only"] is True and replica["cap_drop"] == ["ALL"]
        for each in containers(deployment):
            assert each["securityContext"]["readOnlyRootFilesystem"] is True
            assert each["securityContext"]["capabilities"]["drop"] == ["ALL"]
            assert each["securityContext"]["allowPrivilegeEscalation"] is False
        # The same writable volumes (the product images).
        writable = {
            entry.split(":")[1] for entry in replica["volumes"] if not entry.endswith(":ro")
        }
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert {path for path, m in mounts.items() if not m.get("readOnly")} == writable | {"/tmp"}

    assert env["SOUK_REPLICA"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": manifests.database_secret(service),
        "key": manifests.DATABASE_URL_KEY,
    }
    # The secrets folder holds what a compose replica's own volume holds, less the database
    # password (here inside DATABASE_URL), and auth alone gets the private key.
    make_secrets(tmp_path, {})
    compose_files = {p.name for p in (tmp_path / service).iterdir()} - {layout.DATABASE_PASSWORD}
    (secrets,) = [v for v in pod_spec(deployment)["volumes"] if v["name"] == "secrets"]
    projected = {i["path"] for s in secrets["projected"]["sources"] for i in s["secret"]["items"]}
    assert projected == compose_files | ({layout.JWT_PRIVATE_KEY} if service == "auth" else set())
    assert mounts_of(container)["secrets"] == str(layout.SECRETS_DIR)
    wait_container = pod_spec(deployment)["initContainers"][0]
    assert wait_container["command"] == ["python", "-m", "deploy.k8s.wait"]
    assert env_of(wait_container)["DATABASE_URL"] == env["DATABASE_URL"]


def base_image(service: str) -> str:
    (container,) = [
        c for c in containers(render_base()[("Deployment", service)]) if c["name"] == service
    ]
    image: str = container["image"]
    return image


_BASE_CACHE: dict[tuple[str, str], Object] = {}


def render_base() -> dict[tuple[str, str], Object]:
    if not _BASE_CACHE:
        _BASE_CACHE.update({(i["kind"], i["metadata"]["name"]): i for i in render(BASE)})
    return _BASE_CACHE


def mounts_of(container: Object) -> dict[str, str]:
    return {m["name"]: m["mountPath"] for m in container["volumeMounts"]}


def test_the_service_settings_are_the_codes_defaults_and_each_is_read(
    objects: dict[tuple[str, str], Object], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = objects["ConfigMap", manifests.SERVICE_SETTINGS]["data"]
    assert data
    for key in data:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SOUK_SERVICE_TOKEN", "a-secret-from-the-secret-store")  # not a setting
    defaults = (Settings.from_env({}), ServiceSettings().model_dump())
    for key, value in data.items():
        monkeypatch.setenv(key, value)
    assert (Settings.from_env(data), ServiceSettings().model_dump()) == defaults
    # Every key is a setting the launcher's gunicorn flags or the services read.
    for key, value in data.items():
        changed = str(int(float(value)) + 3)
        monkeypatch.setenv(key, changed)
        now = (Settings.from_env({**data, key: changed}), ServiceSettings().model_dump())
        assert now != defaults, f"{key} is read by nothing"
        monkeypatch.setenv(key, value)


# ---------------------------------------------------------------- the gateway


def test_the_gateway_runs_nginx_on_the_configuration_its_init_container_renders(
    objects: dict[tuple[str, str], Object], compose: dict[str, Any]
) -> None:
    deployment = objects["Deployment", manifests.GATEWAY]
    (render_config,) = pod_spec(deployment)["initContainers"]
    nginx = main_container(deployment)
    folder = str(layout.GATEWAY_CONFIG_DIR)
    assert compose["gateway-config"]["command"] == ["python", "-m", "deploy.gateway", folder]
    assert render_config["command"] == ["python", "-m", "deploy.k8s.gateway", folder]
    assert nginx["command"] == compose["gateway"]["command"]
    assert nginx["image"] == compose["gateway"]["image"]
    init_mounts = {m["name"]: m for m in render_config["volumeMounts"]}
    nginx_mounts = {m["name"]: m for m in nginx["volumeMounts"]}
    (shared,) = [n for n, m in init_mounts.items() if m["mountPath"] == folder]
    assert nginx_mounts[shared]["mountPath"] == folder and nginx_mounts[shared]["readOnly"]
    assert not init_mounts[shared].get("readOnly")
    # The product images, read-only, as compose mounts them.
    assert f"media:{layout.MEDIA_DIR}:ro" in compose["gateway"]["volumes"]
    media = [m for m in nginx["volumeMounts"] if m["mountPath"] == str(layout.MEDIA_DIR)]
    assert len(media) == 1 and media[0]["readOnly"] is True
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for item in workloads(objects).values()
        for v in pod_spec(item)["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claims == {"media": manifests.MEDIA_CLAIM}
    assert (
        "ReadWriteMany"
        in objects["PersistentVolumeClaim", manifests.MEDIA_CLAIM]["spec"]["accessModes"]
    )
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert (kind, manifests.GATEWAY) in objects


def test_the_gateway_config_routes_to_the_services_kubernetes_services(
    objects: dict[tuple[str, str], Object], tmp_path: Path
) -> None:
    settings = objects["ConfigMap", manifests.GATEWAY_SETTINGS]["data"]
    written = write_gateway_config(settings, tmp_path).read_text()
    launcher = render_nginx_conf(
        TEMPLATE.read_text(), GatewayConfig.from_settings(Settings.from_env({}))
    )
    upstreams = _upstreams(written)
    assert upstreams.keys() == _upstreams(launcher).keys() == set(SERVICES)
    for service in SERVICES:
        kube_service = objects["Service", service]
        assert upstreams[service] == [f"{service}:{kube_service['spec']['ports'][0]['port']}"]
        assert kube_service["metadata"]["name"] == service
    # The launcher's routes, all of them.
    assert {r for r in _routes(launcher) if "/api" in r}
    assert _routes(written) == _routes(launcher)
    # Its two listeners are the container's ports, and the two Services point at them.
    nginx = main_container(objects["Deployment", manifests.GATEWAY])
    ports = {p["name"]: p["containerPort"] for p in nginx["ports"]}
    assert sorted(_listens(written)) == sorted(
        [f"{layout.GATEWAY_PORT}", f"{layout.INTERNAL_PORT}"]
    )
    assert ports == {"public": layout.GATEWAY_PORT, "internal": layout.INTERNAL_PORT}
    public = objects["Service", manifests.GATEWAY]["spec"]["ports"]
    internal = objects["Service", manifests.GATEWAY_INTERNAL]["spec"]["ports"]
    assert [p["targetPort"] for p in public] == ["public"]
    assert [p["targetPort"] for p in internal] == ["internal"]
    # The services' SOUK_INTERNAL_URL names the internal Service and its port.
    gateway_pods = pod_labels(objects["Deployment", manifests.GATEWAY])
    for service in SERVICES:
        url = urlparse(
            env_of(main_container(objects["Deployment", service]))["SOUK_INTERNAL_URL"]["value"]
        )
        internal_service = objects["Service", url.hostname or ""]
        assert internal_service["spec"]["selector"].items() <= gateway_pods.items()
        assert [p["port"] for p in internal_service["spec"]["ports"]] == [url.port]
        assert internal_service["spec"]["ports"][0]["targetPort"] == "internal"
    # The liveness and readiness route is served by nginx alone (the Swagger UI files).
    assert nginx["readinessProbe"]["httpGet"]["path"] in _routes(written) | {"/docs/"}
    assert (tmp_path / "docs" / "index.html").exists()


def test_the_gateway_settings_are_the_launchers_and_each_changes_the_config(
    objects: dict[tuple[str, str], Object], compose: dict[str, Any], tmp_path: Path
) -> None:
    settings = objects["ConfigMap", manifests.GATEWAY_SETTINGS]["data"]
    deployment = objects["Deployment", manifests.GATEWAY]
    (render_config,) = pod_spec(deployment)["initContainers"]
    assert render_config["envFrom"] == [{"configMapRef": {"name": manifests.GATEWAY_SETTINGS}}]
    assert set(compose["gateway-config"]["environment"]) <= settings.keys()

    base = render_base()[("ConfigMap", manifests.GATEWAY_SETTINGS)]["data"]
    default = write_gateway_config({}, tmp_path).read_text()
    assert write_gateway_config(base, tmp_path).read_text() == default
    for key, value in settings.items():
        other = (
            "https://elsewhere.example"
            if key == "SOUK_CORS_ORIGINS"
            else ("7r/s" if value.endswith(("r/s", "r/m")) else "7")
        )
        changed = write_gateway_config({**settings, key: other}, tmp_path).read_text()
        assert changed != write_gateway_config(settings, tmp_path).read_text(), key


# ---------------------------------------------------------------- the migrate Job


def test_the_migrate_job_has_every_services_database_url(
    objects: dict[tuple[str, str], Object], tmp_path: Path
) -> None:
    job = objects["Job", manifests.MIGRATE]
    container = main_container(job)
    assert container["command"] == ["python", "-m", "deploy.k8s.migrate"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["SOUK_SECRETS_DIR"] == mounts_of(container)["secrets"] == str(layout.SECRETS_DIR)
    (volume,) = [v for v in pod_spec(job)["volumes"] if v["name"] == "secrets"]
    files = {
        item["path"]: (source["secret"]["name"], item["key"])
        for source in volume["projected"]["sources"]
        for item in source["secret"]["items"]
    }
    assert migrate.migrated_services() == list(SERVICES)
    for service in SERVICES:
        assert files[f"{service}/{migrate.DATABASE_URL_FILE}"] == (
            manifests.database_secret(service),
            manifests.DATABASE_URL_KEY,
        )
        # The Job's code reads exactly that path.
        (tmp_path / service).mkdir()
        (tmp_path / service / migrate.DATABASE_URL_FILE).write_text(f"postgresql:///{service}")
        assert migrate.database_url(tmp_path, service) == f"postgresql:///{service}"
    assert files[f"admin/{layout.ADMIN_PASSWORD}"] == (
        manifests.ADMIN_SECRET,
        manifests.ADMIN_PASSWORD_KEY,
    )


@pytest.fixture
def k8s_database(postgres_database: Callable[[str], str]) -> Iterator[str]:
    url = postgres_database("souk_k8s")
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for service in SERVICES:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{service}" CASCADE'))
    engine.dispose()
    yield url
    drop_database(url, "souk_k8s")


def test_the_migrate_job_migrates_every_service_and_the_pods_wait_for_it(
    k8s_database: str, tmp_path: Path
) -> None:
    for service in SERVICES:
        (tmp_path / service).mkdir()
        (tmp_path / service / migrate.DATABASE_URL_FILE).write_text(k8s_database)
    assert [s for s in SERVICES if wait.is_migrated(s, k8s_database)] == []
    assert wait.wait("orders", k8s_database, timeout=0) is False

    assert migrate.migrate_all(tmp_path) == list(SERVICES)
    assert [s for s in SERVICES if not wait.is_migrated(s, k8s_database)] == []
    assert wait.main({"SOUK_SERVICE": "cart", "DATABASE_URL": k8s_database}) == 0
    # Behind the image: wait. Ahead of it (a newer release migrated): start.
    script = ScriptDirectory.from_config(alembic_config("products", k8s_database))
    first = next(r.revision for r in script.walk_revisions() if r.down_revision is None)
    assert first not in script.get_heads()
    engine = create_engine(k8s_database, poolclass=NullPool)
    for version, ready in ((first, False), ("9999_from_a_newer_release", True)):
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE products.alembic_version SET version_num = :v"), {"v": version}
            )
        assert wait.is_migrated("products", k8s_database) is ready, version
    engine.dispose()
    environ = {"SOUK_ADMIN_EMAIL": "root@k8s.example", "SOUK_ADMIN_PASSWORD": "a-long-password-1"}
    assert migrate.ensure_first_admin(tmp_path, environ) is True
    assert migrate.ensure_first_admin(tmp_path, environ) is False
    unreachable = str(make_url(k8s_database).set(host="127.0.0.1", port=1, query={}))
    assert wait.wait("orders", unreachable, timeout=0) is False


# ---------------------------------------------------------------- secrets


def test_every_secret_the_pods_read_is_made_by_the_secrets_command(
    objects: dict[tuple[str, str], Object], secret_objects: dict[str, Object]
) -> None:
    references = {
        (name, secret, key, optional)
        for name, item in workloads(objects).items()
        for secret, key, optional in secret_references(item)
    }
    assert references
    for workload, secret, key, optional in references:
        if optional:
            continue
        assert secret in secret_objects, (workload, secret)
        assert key in secret_objects[secret]["stringData"], (workload, secret, key)
    # Only auth holds the signing key; each service only its own database role.
    private = {w for w, s, _, _ in references if s == manifests.JWT_PRIVATE_SECRET}
    assert private == {"auth"}
    for service in SERVICES:
        readers = {w for w, s, _, _ in references if s == manifests.database_secret(service)}
        assert readers == {service, manifests.MIGRATE}
        url = make_url(
            secret_objects[manifests.database_secret(service)]["stringData"]["DATABASE_URL"]
        )
        assert url.username == layout.role_name(service)
        assert url.host == "db.example.internal" and url.query["sslmode"] == "require"
    passwords = {
        make_url(
            secret_objects[manifests.database_secret(s)]["stringData"]["DATABASE_URL"]
        ).password
        for s in SERVICES
    }
    assert len(passwords) == len(SERVICES)
    assert manifests.GATEWAY not in {w for w, _, _, _ in references}


def test_the_secrets_command_keeps_its_values_and_writes_the_role_passwords(
    secrets_dir: Path, secret_objects: dict[str, Object]
) -> None:
    assert (secrets_dir / "secrets.json").stat().st_mode & 0o077 == 0
    again = json.loads(
        write_secrets(
            secrets_dir, "postgresql://db.example.internal:5432/souk?sslmode=require", {}
        ).read_text()
    )
    assert {i["metadata"]["name"]: i for i in again["items"]} == secret_objects
    for service in SERVICES:
        password = (secrets_dir / "postgres" / layout.role_password_file(service)).read_text()
        url = secret_objects[manifests.database_secret(service)]["stringData"]["DATABASE_URL"]
        assert make_url(url).password == password
    with pytest.raises(ValueError, match="server only"):
        write_secrets(secrets_dir, "postgresql://someone:pw@db/souk", {})


# ---------------------------------------------------------------- network policies


OUTSIDE = {"name": "outside", "namespace": "elsewhere", "labels": {}}
DNS = {"name": "kube-dns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}}
NAMESPACE_LABELS = {
    "kube-system": {"kubernetes.io/metadata.name": "kube-system"},
    "elsewhere": {"kubernetes.io/metadata.name": "elsewhere"},
}


def pods_of(objects: dict[tuple[str, str], Object]) -> dict[str, dict[str, Any]]:
    return {
        name: {"name": name, "namespace": item["metadata"]["namespace"], "labels": pod_labels(item)}
        for name, item in workloads(objects).items()
    }


def _peer_matches(peer: Object, other: dict[str, Any] | str, namespace: str) -> bool:
    if isinstance(other, str):  # an IP address outside the cluster
        block = peer.get("ipBlock")
        if not block:
            return False
        address = ipaddress.ip_address(other)
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(cidr) for cidr in block.get("except", [])
        )
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        labels = NAMESPACE_LABELS.get(
            other["namespace"], {"kubernetes.io/metadata.name": other["namespace"]}
        )
        if not matches(peer["namespaceSelector"], labels):
            return False
    elif other["namespace"] != namespace:
        return False
    return matches(peer.get("podSelector", {}), other["labels"])


def _allowed(
    policies: list[Object],
    pod: dict[str, Any],
    direction: str,
    other: dict[str, Any] | str,
    port: int,
    protocol: str = "TCP",
) -> bool:
    kind = "Ingress" if direction == "ingress" else "Egress"
    peers_key = "from" if direction == "ingress" else "to"
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod["namespace"]
        and kind in p["spec"]["policyTypes"]
        and matches(p["spec"]["podSelector"], pod["labels"])
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(direction, []):
            ports = rule.get("ports")
            if ports and not any(
                p.get("protocol", "TCP") == protocol and p.get("port") in (None, port)
                for p in ports
            ):
                continue
            peers = rule.get(peers_key)
            if not peers or any(_peer_matches(peer, other, pod["namespace"]) for peer in peers):
                return True
    return False


def connects(
    policies: list[Object],
    source: dict[str, Any],
    target: dict[str, Any] | str,
    port: int,
    protocol: str = "TCP",
) -> bool:
    egress = source["name"] == OUTSIDE["name"] or _allowed(
        policies, source, "egress", target, port, protocol
    )
    if isinstance(target, str) or target["name"] in {DNS["name"]}:
        return egress
    return egress and _allowed(policies, target, "ingress", source, port, protocol)


def test_only_the_gateway_reaches_the_services_and_only_the_services_its_internal_listener(
    objects: dict[tuple[str, str], Object],
) -> None:
    policies = [item for (kind, _), item in objects.items() if kind == "NetworkPolicy"]
    pods = pods_of(objects)
    sources = [*pods.values(), OUTSIDE]
    assert set(SERVICES) | {manifests.GATEWAY, manifests.MIGRATE} == pods.keys()
    for service in SERVICES:
        reach = {
            s["name"] for s in sources if connects(policies, s, pods[service], layout.SERVICE_PORT)
        }
        assert reach == {manifests.GATEWAY}, service
        for port in (layout.INTERNAL_PORT, layout.GATEWAY_PORT, 22):
            assert not [s for s in sources if connects(policies, s, pods[service], port)], port
    gateway = pods[manifests.GATEWAY]
    internal = {s["name"] for s in sources if connects(policies, s, gateway, layout.INTERNAL_PORT)}
    assert internal == set(SERVICES)
    public = {s["name"] for s in sources if connects(policies, s, gateway, layout.GATEWAY_PORT)}
    assert OUTSIDE["name"] in public
    # Every pod may look names up; only activity reaches the internet (webhooks over HTTPS,
    # e-mail by SMTP submission), and not the private ranges nor any other port.
    for pod in pods.values():
        assert connects(policies, pod, DNS, 53, "UDP"), pod["name"]
        outbound = pod["name"] == "activity"
        assert connects(policies, pod, "203.0.113.7", 443) == outbound, pod["name"]
        assert connects(policies, pod, "203.0.113.7", 587) == outbound, pod["name"]
        assert not connects(policies, pod, "203.0.113.7", 80), pod["name"]
        for inside in ("10.1.2.3", "172.20.0.5", "192.168.1.1", "169.254.169.254"):
            assert not connects(policies, pod, inside, 443), (pod["name"], inside)


def test_only_the_services_and_the_migrate_job_reach_the_database(
    objects: dict[tuple[str, str], Object],
) -> None:
    policies = [item for (kind, _), item in objects.items() if kind == "NetworkPolicy"]
    (rule,) = objects["NetworkPolicy", manifests.DATABASE_EGRESS]["spec"]["egress"]
    (peer,) = rule["to"]
    database = str(ipaddress.ip_network(peer["ipBlock"]["cidr"]).network_address)
    assert peer["ipBlock"]["cidr"] != manifests.DATABASE_CIDR, "the overlay names the server"
    pods = pods_of(objects)
    reach = {name for name, pod in pods.items() if connects(policies, pod, database, 5432)}
    assert reach == set(SERVICES) | {manifests.MIGRATE}
    assert not connects(policies, pods[manifests.GATEWAY], database, 5432)
    assert not connects(policies, pods["orders"], database, 5433)
