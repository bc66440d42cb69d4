{{- define "moat.name" -}}{{ .Release.Name }}-moat{{- end }}
{{- define "moat.labels" -}}
app.kubernetes.io/name: moat
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
{{- define "moat.selector" -}}
app.kubernetes.io/name: moat
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- /* The pipeline file: the values' config with the listeners the chart owns. */ -}}
{{- define "moat.pipeline" -}}
{{- $config := deepCopy .Values.config -}}
{{- $_ := set $config "listen" (dict "address" "0.0.0.0" "port" .Values.port) -}}
{{- $_ := set $config "diagnostics" (dict "address" "0.0.0.0" "port" .Values.diagnosticsPort) -}}
{{- with .Values.sessionStore.redis -}}
{{- if .url -}}
{{- $store := dict "url" .url -}}
{{- if .passwordSecret.name -}}
{{- $_ := set $store "password_file" (printf "../secrets/%s/%s" .passwordSecret.name .passwordSecret.key) -}}
{{- end -}}
{{- $sessions := dict "store" (dict "plugin" "session-redis" "config" $store) -}}
{{- with $.Values.sessionStore.forwarding -}}
{{- if .enabled -}}
{{- $_ := set $sessions "replicas" (dict "address" "0.0.0.0" "port" .port "advertise" (printf "http://${POD_IP}:%v" .port)
      "secret_file" (printf "../secrets/%s/%s" .keySecret.name .keySecret.key)) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $config "sessions" $sessions -}}
{{- end -}}
{{- end -}}
{{ toYaml $config }}
{{- end }}
