{{/* The release's name prefix: "cairn" for a release named cairn, else "<release>-cairn" (fullnameOverride wins). */}}
{{- define "cairn.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The operator's name: its ServiceAccount, ClusterRole, Deployment and Service. */}}
{{- define "cairn.operatorName" -}}
{{- printf "%s-operator" (include "cairn.fullname" .) -}}
{{- end -}}

{{- define "cairn.serviceAccountName" -}}
{{- default (include "cairn.operatorName" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "cairn.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Labels of every object of the release. */}}
{{- define "cairn.labels" -}}
app.kubernetes.io/name: cairn
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The operator pods' selector (stable across upgrades: never add a label here). */}}
{{- define "cairn.selectorLabels" -}}
app.kubernetes.io/name: cairn
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/*
What the operator does with the Kubernetes API, the same rules cluster-wide (ClusterRole) or per watched namespace
(Role). Each rule says which controller needs it; the chart's integration test runs the operator with exactly these.
*/}}
{{- define "cairn.operatorRules" -}}
# The six kinds: watched, applied from Git (server-side apply), pruned, and their status written.
- apiGroups: [cairn.dev]
  resources: [gitsources, datasets, experiments, modelversions, deployments, driftmonitors]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [cairn.dev]
  resources: [gitsources/status, datasets/status, experiments/status, modelversions/status, deployments/status, driftmonitors/status]
  verbs: [get, patch, update]
# Git credentials, webhook tokens and storage credentials named by the specs (read one by one, never listed).
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- if .Values.console.enabled }}
# The web console (console.enabled) shows the Events about the six kinds: it lists and watches them (core v1).
- apiGroups: [""]
  resources: [events]
  verbs: [list, watch]
{{- end }}
# Children the controllers apply and prune (profile and trial Jobs, the trial table and profile ConfigMaps),
# selected by app.kubernetes.io/managed-by=cairn; the Jobs' pods are read for their termination messages.
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# The Dataset profile Job's identity: a ServiceAccount, and a Role and RoleBinding that let it get, update and
# patch its one ConfigMap (the operator holds those verbs on configmaps itself, so granting them escalates nothing).
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, patch, update, delete]
# The serving objects of each model version (Deployment controller): its apps Deployment, Services, PDB and
# HPA, watched through the same managed-by selector; the routes of the gatewayAPI and istio routers are read
# and applied one by one (no informer, so the operator runs where those CRDs are not installed).
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [gateway.networking.k8s.io]
  resources: [httproutes]
  verbs: [get, create, patch, update, delete]
- apiGroups: [networking.istio.io]
  resources: [virtualservices]
  verbs: [get, create, patch, update, delete]
{{- end -}}
