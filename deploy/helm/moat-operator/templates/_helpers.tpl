{{- define "moat-operator.name" -}}{{ .Release.Name }}-moat-operator{{- end }}
{{- define "moat-operator.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end }}
{{- define "moat-operator.labels" -}}
app.kubernetes.io/name: moat-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
