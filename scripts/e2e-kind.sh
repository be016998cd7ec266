#!/usr/bin/env bash
# npm run e2e:kind — Cairn end to end on a real (kind) cluster, as a platform team installs it:
#   1. builds the image (Dockerfile) and the example trainer's (examples/trainer/Dockerfile);
#   2. creates a kind cluster and loads both images into it;
#   3. helm install charts/cairn (the CRDs, the operator with leader election, its RBAC) and waits for it;
#   4. applies examples/driver-stats/ into namespace ml, with the driver data on the PersistentVolumeClaim the
#      Dataset names, and waits for Ready on every resource;
#   5. sends predictions to the Deployment's route Service and checks the answers.
# Needs docker (a running engine), kind, kubectl and helm on PATH (helm: the one `npm run testenv:build` builds is
# fine). It deletes the cluster at the end unless KEEP_CLUSTER=1. The hosted CI runs it (.github/workflows/e2e-kind.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER=${CLUSTER:-cairn-e2e}
TAG=${TAG:-e2e}
IMAGE=ghcr.io/cairn-dev/cairn:$TAG
TRAINER=cairn-example-trainer:0.1.0
NS=ml
TIMEOUT=${TIMEOUT:-900s}
log() { printf '[e2e:kind] %s\n' "$*" >&2; }
die() { printf '[e2e:kind] FAILED: %s\n' "$*" >&2; exit 1; }

# --- prerequisites: say what is missing, and where to get it ---------------------------------------------------
missing=()
for tool in docker kind kubectl helm curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  die "missing on PATH: ${missing[*]}. npm run e2e:kind needs a Docker engine and kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation), kubectl and helm (export PATH=\$(bash scripts/testenv/build.sh --print):\$PATH gives the pinned kubectl and helm)"
fi
docker info >/dev/null 2>&1 || die "docker is on PATH but no Docker engine answers (docker info failed): start it, or run where one runs (the hosted CI does)"

cleanup() {
  local code=$?
  if [ $code -ne 0 ]; then
    log "what the cluster says (exit $code):"
    kubectl get cairn,pods,jobs -A -o wide >&2 || true
    kubectl -n cairn-system logs deployment/cairn-operator --tail=200 >&2 || true
    kubectl -n "$NS" get events --sort-by=.lastTimestamp >&2 || true
  fi
  if [ "${KEEP_CLUSTER:-0}" != 1 ]; then kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true; fi
  [ -n "${FORWARD_PID:-}" ] && kill "$FORWARD_PID" 2>/dev/null || true
  exit $code
}
trap cleanup EXIT

log "building $IMAGE and $TRAINER"
docker build -t "$IMAGE" .
docker build -t "$TRAINER" examples/trainer

log "creating kind cluster $CLUSTER"
kind get clusters 2>/dev/null | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER" --wait 120s
kubectl config use-context "kind-$CLUSTER" >/dev/null
kind load docker-image --name "$CLUSTER" "$IMAGE" "$TRAINER"

log "helm install charts/cairn"
helm upgrade --install cairn charts/cairn --namespace cairn-system --create-namespace \
  --set image.tag="$TAG" --set image.pullPolicy=Never --wait --timeout 5m
kubectl -n cairn-system rollout status deployment/cairn-operator --timeout=120s

log "examples/driver-stats/ in namespace $NS"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
# The claims the examples name (pvc://ml-data/..., pvc://ml-artifacts/...), on kind's default StorageClass, and the
# driver data copied onto ml-data by a pod that mounts it.
kubectl -n "$NS" apply -f - <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ml-data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ml-artifacts}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: ml-data-loader}
spec:
  securityContext: {runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532}
  containers:
    - name: loader
      image: $IMAGE
      imagePullPolicy: Never
      command: [sleep, "3600"]
      volumeMounts: [{name: data, mountPath: /data}, {name: artifacts, mountPath: /artifacts}]
  volumes:
    - {name: data, persistentVolumeClaim: {claimName: ml-data}}
    - {name: artifacts, persistentVolumeClaim: {claimName: ml-artifacts}}
YAML
kubectl -n "$NS" wait --for=condition=Ready pod/ml-data-loader --timeout=180s
kubectl -n "$NS" exec ml-data-loader -- mkdir -p /data/driver_stats
kubectl -n "$NS" exec -i ml-data-loader -- sh -c 'cat > /data/driver_stats/2026-11.csv' < examples/data/driver_stats.csv
# The claims are ReadWriteOnce: the loader leaves before the Jobs mount them.
kubectl -n "$NS" delete pod ml-data-loader --wait=true

kubectl -n "$NS" apply -f examples/driver-stats/
log "waiting for Ready on every resource (timeout $TIMEOUT each)"
kubectl -n "$NS" wait --for=condition=Ready dataset/driver-stats --timeout="$TIMEOUT"
kubectl -n "$NS" wait --for=jsonpath='{.status.phase}'=Succeeded experiment/eta-elasticnet --timeout="$TIMEOUT"
kubectl -n "$NS" wait --for=condition=Ready modelversions --all --timeout="$TIMEOUT"
kubectl -n "$NS" wait --for=condition=Available deployment.cairn.dev/eta --timeout="$TIMEOUT"
kubectl -n "$NS" wait --for=condition=Ready deployment.cairn.dev/eta --timeout="$TIMEOUT"
kubectl -n "$NS" wait --for=condition=Ready driftmonitor/eta-drift --timeout="$TIMEOUT"
kubectl -n "$NS" get cairn

log "predictions through Service eta"
kubectl -n "$NS" port-forward service/eta 18080:80 >/dev/null 2>&1 &
FORWARD_PID=$!
for _ in $(seq 1 30); do curl -fsS http://127.0.0.1:18080/v2/health/ready >/dev/null 2>&1 && break; sleep 1; done
answered=0
for i in $(seq 1 20); do
  body=$(printf '{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[[0.%02d,0.9,%d]]}]}' "$i" "$((200 + i))")
  answer=$(curl -fsS -H 'content-type: application/json' -d "$body" http://127.0.0.1:18080/v2/models/eta/infer) || die "prediction $i failed"
  echo "$answer" | grep -q '"outputs"' || die "prediction $i: no outputs in $answer"
  answered=$((answered + 1))
done
log "$answered predictions answered; end to end passed"
