{{- define "iop.revision" -}}
{{- if or (eq .Values.revision "") (eq .Values.revision "default") -}}default{{- else -}}{{ .Values.revision }}{{- end -}}
{{- end -}}

{{- define "iop.name" -}}
{{- if eq (include "iop.revision" .) "default" -}}istio-operator{{- else -}}istio-operator-{{ .Values.revision }}{{- end -}}
{{- end -}}

{{/* The selector is unique per revision so two operators never adopt each other's pods. */}}
{{- define "iop.selector" -}}
app: istio-operator
operator.istio.io/revision: {{ include "iop.revision" . | quote }}
{{- end -}}

{{- define "iop.labels" -}}
{{ include "iop.selector" . }}
app.kubernetes.io/name: iop
app.kubernetes.io/managed-by: iop
operator.istio.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
