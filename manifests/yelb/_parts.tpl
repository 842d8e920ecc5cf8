{{- /*
Pieces the stages share. A stage names what it changes; these say how each
tier is built, so stage 4 differs from stage 1 only where HA asks for it.
.V is the yelb.Values of components/yelb; dict builds the other arguments.
*/ -}}

{{- define "meta" }}
  name: {{ .Name }}
  namespace: {{ quote .V.Namespace }}
  labels:
    app.kubernetes.io/part-of: yelb
    app: {{ .App }}
{{- if .Version }}
    version: {{ .Version }}
{{- end }}
{{- end }}

{{- define "selector" }}
{{ .Indent }}app: {{ .App }}
{{- if .Version }}
{{ .Indent }}version: {{ .Version }}
{{- end }}
{{- end }}

{{- define "service" }}
---
apiVersion: v1
kind: Service
metadata:
{{- template "meta" . }}
spec:
  type: ClusterIP
  selector:
{{- template "selector" (dict "Indent" "    " "App" .App "Version" .Version) }}
  ports:
  - name: {{ .PortName }}
    port: {{ .Port }}
    targetPort: {{ .PortName }}
    protocol: TCP
{{- end }}

{{- define "spread" }}
      # Required anti-affinity on the pods' own labels: two replicas never
      # share a node, so losing one node costs at most one replica.
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
{{- template "selector" (dict "Indent" "                " "App" .App "Version" .Version) }}
      # Zones are a soft spread: during an AZ outage the surviving zones
      # must still take the replacements, which a hard skew would forbid.
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: ScheduleAnyway
        labelSelector:
          matchLabels:
{{- template "selector" (dict "Indent" "            " "App" .App "Version" .Version) }}
{{- end }}

{{- define "pdb" }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
{{- template "meta" . }}
spec:
  # Voluntary disruptions (drains for node replacement or scale-down) keep
  # two thirds of the replicas serving.
  minAvailable: 4
  selector:
    matchLabels:
{{- template "selector" (dict "Indent" "      " "App" .App "Version" .Version) }}
{{- end }}

{{- define "yelb-ui" }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
{{- template "meta" (dict "V" .V "Name" "yelb-ui" "App" "yelb-ui") }}
spec:
  replicas: {{ .Replicas }}
  selector:
    matchLabels:
      app: yelb-ui
  template:
    metadata:
      labels:
        app.kubernetes.io/part-of: yelb
        app: yelb-ui
      annotations:
        # Rolls the pods when the proxy config changes.
        checksum/nginx: {{ quote .V.NginxChecksum }}
    spec:
      serviceAccountName: yelb
{{- if .HA }}
{{- template "spread" (dict "App" "yelb-ui") }}
{{- end }}
      containers:
      - name: yelb-ui
        image: {{ .V.Images.UI }}
        # nginx straight away with our proxy config (the image's startup.sh
        # would append a proxy to yelb-appserver:4567 whatever the backend),
        # after writing the resolver nginx looks names up with at request
        # time: the pod's nameserver, which the kubelet sets to the cluster
        # DNS Service (dnsPolicy ClusterFirst).
        command:
        - /bin/sh
        - -c
        - |
          ns=
          while read -r key value _; do
            if [ "$key" = nameserver ] && [ -z "$ns" ]; then ns=$value; fi
          done < /etc/resolv.conf
          if [ -z "$ns" ]; then echo "yelb-ui: no nameserver in /etc/resolv.conf" >&2; exit 1; fi
          case $ns in *:*) ns="[$ns]" ;; esac
          echo "resolver $ns valid=10s ipv6=off;" > {{ .V.ResolverConf }}
          exec nginx -g 'daemon off;'
        ports:
        - name: http
          containerPort: 80
          protocol: TCP
        readinessProbe:
          httpGet: {path: /, port: http}
          periodSeconds: 5
          failureThreshold: 2
        livenessProbe:
          httpGet: {path: /, port: http}
          initialDelaySeconds: 10
          periodSeconds: 10
          failureThreshold: 3
        resources:
          requests: {cpu: 50m, memory: 64Mi}
          limits: {memory: 128Mi}
        securityContext:
          allowPrivilegeEscalation: false
        volumeMounts:
        - name: nginx-conf
          mountPath: /etc/nginx/conf.d
          readOnly: true
        - name: resolver
          mountPath: {{ dir .V.ResolverConf }}
      volumes:
      - name: nginx-conf
        configMap:
          name: yelb-ui-nginx
      - name: resolver
        emptyDir: {}
{{- end }}

{{- define "appserver" }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
{{- template "meta" (dict "V" .V "Name" .Name "App" "yelb-appserver" "Version" .Version) }}
spec:
  replicas: {{ .Replicas }}
  selector:
    matchLabels:
      app: yelb-appserver
      version: {{ .Version }}
  template:
    metadata:
      labels:
        app.kubernetes.io/part-of: yelb
        app: yelb-appserver
        version: {{ .Version }}
    spec:
      serviceAccountName: yelb
{{- if .HA }}
{{- template "spread" (dict "App" "yelb-appserver" "Version" .Version) }}
{{- end }}
      containers:
      - name: yelb-appserver
        image: {{ quote .Image }}
        ports:
        - name: http
          containerPort: 4567
          protocol: TCP
        # /api/hostname touches neither redis nor the database, so a data
        # tier outage does not take every app server out of service.
        readinessProbe:
          httpGet: {path: /api/hostname, port: http}
          periodSeconds: 5
          failureThreshold: 2
        livenessProbe:
          httpGet: {path: /api/hostname, port: http}
          initialDelaySeconds: 15
          periodSeconds: 10
          failureThreshold: 3
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
        securityContext:
          allowPrivilegeEscalation: false
{{- end }}

{{- define "datastore" }}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
{{- template "meta" (dict "V" .V "Name" .Name "App" .Name) }}
spec:
  # No serviceName: pods are reached through the ClusterIP Service, and a
  # governing Service would have to be headless.
  # One writer on one EBS volume. Recovery is a reschedule: after its node
  # dies the pod restarts on a node in the volume's zone, in about 2 minutes
  # when one has room and about 5 when cluster-autoscaler must add one.
  replicas: 1
  selector:
    matchLabels:
      app: {{ .Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/part-of: yelb
        app: {{ .Name }}
    spec:
      serviceAccountName: yelb
      terminationGracePeriodSeconds: 30
      containers:
      - name: {{ .Name }}
        image: {{ .Image }}
{{- if .Args }}
        args: {{ json .Args }}
{{- end }}
{{- if .Env }}
        env:
{{- range $k, $v := .Env }}
        - name: {{ $k }}
          value: {{ quote $v }}
{{- end }}
{{- end }}
        ports:
        - name: {{ .PortName }}
          containerPort: {{ .Port }}
          protocol: TCP
        readinessProbe:
          exec:
            command: {{ json .Check }}
          periodSeconds: 5
          failureThreshold: 3
        livenessProbe:
          tcpSocket: {port: {{ .PortName }}}
          initialDelaySeconds: 30
          periodSeconds: 10
          failureThreshold: 3
        resources:
          requests: {cpu: 100m, memory: {{ .Memory }}}
          limits: {memory: {{ .MemoryLimit }}}
        volumeMounts:
        - name: data
          mountPath: {{ .MountPath }}
  volumeClaimTemplates:
  - metadata:
      name: data
      labels:
        app.kubernetes.io/part-of: yelb
        app: {{ .Name }}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: {{ .V.StorageClass }}
      resources:
        requests:
          storage: 4Gi
{{- end }}

{{- define "mesh-node" }}
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata:
{{- template "meta" (dict "V" .V "Name" .Name "App" .App "Version" .Version) }}
spec:
  podSelector:
    matchLabels:
{{- template "selector" (dict "Indent" "      " "App" .App "Version" .Version) }}
  listeners:
  - portMapping:
      port: {{ .Port }}
      protocol: {{ .Protocol }}
  serviceDiscovery:
    dns:
      hostname: {{ quote (printf "%s.%s.svc.cluster.local" .Service .V.Namespace) }}
{{- if .Backends }}
  backends:
{{- range .Backends }}
  - virtualService:
      virtualServiceRef:
        name: {{ . }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mesh-router" }}
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualRouter
metadata:
{{- template "meta" (dict "V" .V "Name" "yelb-appserver" "App" "yelb-appserver") }}
spec:
  listeners:
  - portMapping:
      port: 4567
      protocol: http
  routes:
  - name: appserver
    httpRoute:
      match:
        prefix: /
      action:
        weightedTargets:
{{- range .Targets }}
        - virtualNodeRef:
            name: {{ . }}
          weight: 1
{{- end }}
      # The workshop's retry policy: two more tries, 2 s each, on server,
      # client and gateway errors.
      retryPolicy:
        maxRetries: 2
        perRetryTimeout:
          unit: ms
          value: 2000
        httpRetryEvents: [server-error, client-error, gateway-error]
{{- end }}

{{- define "lattice-route" }}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
{{- template "meta" (dict "V" .V "Name" .V.Lattice.RouteName "App" "yelb-appserver") }}
  annotations:
    # The controller would name the service after route and namespace,
    # truncated to 20 and 18 characters: two stacks could share one.
    application-networking.k8s.aws/service-name-override: {{ .V.Lattice.ServiceName }}
spec:
  parentRefs:
  - name: {{ .V.Lattice.GatewayName }}
    sectionName: appserver
  # The custom domain yelb-ui calls; ExternalDNS points it at the Lattice
  # service, so every request crosses the weighted split below.
  hostnames:
  - {{ .V.Lattice.AppServerHost }}
  rules:
  - backendRefs:
{{- range .Targets }}
    - name: {{ . }}
      kind: Service
      port: 4567
      weight: 1
{{- end }}
{{- end }}

{{- define "lattice-health" }}
---
apiVersion: application-networking.k8s.aws/v1alpha1
kind: TargetGroupPolicy
metadata:
{{- template "meta" (dict "V" .V "Name" .Service "App" "yelb-appserver") }}
spec:
  targetRef:
    group: ""
    kind: Service
    name: {{ .Service }}
  protocol: HTTP
  protocolVersion: HTTP1
  # Lattice checks the same cheap endpoint as the readiness probe.
  healthCheck:
    enabled: true
    path: /api/hostname
    port: 4567
    protocol: HTTP
    protocolVersion: HTTP1
    intervalSeconds: 10
    timeoutSeconds: 5
    healthyThresholdCount: 2
    unhealthyThresholdCount: 2
    statusMatch: "200"
{{- end }}
