{{/* Labels of every object. */}}
{{- define "palisade.labels" -}}
app.kubernetes.io/component: webhook
app.kubernetes.io/managed-by: palisade
app.kubernetes.io/name: palisade
{{- end -}}

{{/* Labels of the webhook pods. */}}
{{- define "palisade.podLabels" -}}
app.kubernetes.io/component: webhook
app.kubernetes.io/name: palisade
{{- end -}}

{{/* Namespaces no webhook judges. */}}
{{- define "palisade.excluded" -}}
- kube-system
- kube-public
- kube-node-lease
{{- $seen := dict "kube-system" true "kube-public" true "kube-node-lease" true }}
{{- range (prepend .Values.excludeNamespaces .Release.Namespace) }}
{{- if not (hasKey $seen .) }}
{{- $_ := set $seen . true }}
- {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Rules of the webhooks that judge namespaced objects and Namespaces. */}}
{{- define "palisade.namespacedRules" -}}
- apiGroups: [""]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [configmaps, pods, pods/ephemeralcontainers, replicationcontrollers, secrets, services]
  scope: Namespaced
- apiGroups: [""]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [namespaces]
  scope: Cluster
- apiGroups: [apps]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [daemonsets, deployments, replicasets, statefulsets]
  scope: Namespaced
- apiGroups: [batch]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [cronjobs, jobs]
  scope: Namespaced
- apiGroups: [networking.k8s.io]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [ingresses, networkpolicies]
  scope: Namespaced
- apiGroups: [rbac.authorization.k8s.io]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [rolebindings]
  scope: Namespaced
{{- end -}}

{{/* Rules of the webhook that judges cluster-scoped objects. */}}
{{- define "palisade.clusterRules" -}}
- apiGroups: [rbac.authorization.k8s.io]
  apiVersions: [v1]
  operations: [CREATE, UPDATE]
  resources: [clusterrolebindings]
  scope: Cluster
{{- end -}}

{{/* The settings every webhook shares; . is a dict with root, path and caBundle. */}}
{{- define "palisade.webhookCommon" -}}
admissionReviewVersions: [v1]
clientConfig:
  service:
    name: palisade-webhook
    namespace: {{ .root.Release.Namespace }}
    path: {{ .path }}
    port: 443
  {{- with .caBundle }}
  caBundle: {{ . }}
  {{- end }}
failurePolicy: {{ if .root.Values.failClosed }}Fail{{ else }}Ignore{{ end }}
matchPolicy: Equivalent
sideEffects: None
timeoutSeconds: {{ .root.Values.timeoutSeconds }}
{{- end -}}
