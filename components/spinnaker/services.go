package spinnaker

import (
	"fmt"
	"slices"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
)

// MemoryRequests are upstream's (spinnaker-kustomize/base/<service>/deployment.yml).
var MemoryRequests = map[string]string{
	"deck": "500Mi", "gate": "1Gi", "orca": "1Gi", "clouddriver": "1Gi",
	"front50": "1Gi", "echo": "1Gi", "igor": "1Gi", "rosco": "1Gi",
}

// HealthPath is where a service answers readiness; gate serves under
// /api/v1 and deck, a static site, is probed by TCP instead.
func HealthPath(service string) string {
	switch service {
	case "deck":
		return ""
	case "gate":
		return "/api/v1/health"
	}
	return "/health"
}

// ConfigChecksumAnnotation on a pod template changes with the config files
// the service reads, so a config change rolls the pods that read them.
const ConfigChecksumAnnotation = "workshop.spinnaker.io/config-checksum"

// SpinnakerUser is the user upstream runs the JVM services as
// (spinnaker-kustomize/base/gate/deployment.yml); their images name it,
// not its number, in USER (clouddriver/Dockerfile.slim: USER spinnaker).
const SpinnakerUser = 10111

// service creates a service's account, Deployment and Service, and returns
// the Deployment.
func (in *installer) service(svc string, cfg *config, mysql, redis pulumi.Resource) (pulumi.Resource, error) {
	port := settings.Ports()[svc]
	if port == 0 {
		return nil, fmt.Errorf("no port known for %s", svc)
	}
	account, err := corev1.NewServiceAccount(in.ctx, in.child(svc), &corev1.ServiceAccountArgs{
		Metadata: in.meta(svc, svc),
	}, in.k8s()...)
	if err != nil {
		return nil, err
	}
	labels := in.labels(svc)
	d, err := appsv1.NewDeployment(in.ctx, in.child(svc), &appsv1.DeploymentArgs{
		Metadata: in.meta("spin-"+svc, svc),
		Spec: appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(1),
			Selector: metav1.LabelSelectorArgs{MatchLabels: labels},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: metav1.ObjectMetaArgs{
					Labels:      labels,
					Annotations: pulumi.StringMap{ConfigChecksumAnnotation: cfg.checksum(svc)},
				},
				Spec: in.podSpec(svc, port, account, cfg),
			},
		},
	}, in.k8s(in.serviceDeps(svc, cfg, mysql, redis)...)...)
	if err != nil {
		return nil, err
	}
	meta := in.meta("spin-"+svc, svc)
	meta.Annotations = albHealthCheck(svc)
	_, err = corev1.NewService(in.ctx, in.child(svc), &corev1.ServiceArgs{
		Metadata: meta,
		Spec: corev1.ServiceSpecArgs{
			Selector: labels,
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("http"), Port: pulumi.Int(port), TargetPort: pulumi.String("http"),
			}},
		},
	}, in.k8s()...)
	return d, err
}

// serviceDeps are what a service's pods need before they start.
func (in *installer) serviceDeps(svc string, cfg *config, mysql, redis pulumi.Resource) []pulumi.Resource {
	deps := in.podDeps(cfg.configMap, cfg.secret, redis)
	if slices.Contains(settings.SQLServices(), svc) {
		deps = append(deps, mysql)
	}
	if slices.Contains(RoledServices, svc) && in.args.RoleBindings != nil {
		deps = append(deps, in.args.RoleBindings)
	}
	if svc == "clouddriver" {
		deps = append(deps, appAccesses(in.args.Apps)...)
	}
	return deps
}

// albHealthCheck is the path the ALB checks a backend on; gate answers 404
// on "/" (the default), and on a Service it takes precedence over the
// Ingress (aws-load-balancer-controller docs/guide/ingress/annotations.md).
func albHealthCheck(svc string) pulumi.StringMap {
	path := HealthPath(svc)
	if path == "" {
		path = "/"
	}
	return pulumi.StringMap{"alb.ingress.kubernetes.io/healthcheck-path": pulumi.String(path)}
}

func (in *installer) podSpec(svc string, port int, account *corev1.ServiceAccount, cfg *config) corev1.PodSpecArgs {
	probe := &corev1.ProbeArgs{TcpSocket: &corev1.TCPSocketActionArgs{Port: pulumi.Int(port)}}
	if path := HealthPath(svc); path != "" {
		probe = &corev1.ProbeArgs{HttpGet: &corev1.HTTPGetActionArgs{Path: pulumi.String(path), Port: pulumi.Int(port)}}
	}
	probe.PeriodSeconds = pulumi.Int(10)
	probe.FailureThreshold = pulumi.Int(3)
	env := corev1.EnvVarArray{
		corev1.EnvVarArgs{Name: pulumi.String("SPRING_PROFILES_ACTIVE"), Value: pulumi.String("local")},
		corev1.EnvVarArgs{Name: pulumi.String("JAVA_OPTS"), Value: pulumi.String("-XX:MaxRAMPercentage=80.0")},
	}
	// Upstream runs the JVM services as 10111 and leaves deck (Apache) as
	// its image has it.
	var podSecurity corev1.PodSecurityContextPtrInput
	if svc == "deck" {
		env = corev1.EnvVarArray{
			corev1.EnvVarArgs{Name: pulumi.String("DECK_HOST"), Value: pulumi.String("0.0.0.0")},
			corev1.EnvVarArgs{Name: pulumi.String("DECK_PORT"), Value: pulumi.String(fmt.Sprint(port))},
		}
	} else {
		podSecurity = corev1.PodSecurityContextArgs{
			RunAsUser: pulumi.Int(SpinnakerUser), RunAsGroup: pulumi.Int(SpinnakerUser),
			RunAsNonRoot: pulumi.Bool(true), FsGroup: pulumi.Int(SpinnakerUser),
		}
	}
	memory := pulumi.String(MemoryRequests[svc])
	return corev1.PodSpecArgs{
		ServiceAccountName: account.Metadata.Name(),
		SecurityContext:    podSecurity,
		Containers: corev1.ContainerArray{corev1.ContainerArgs{
			Name:  pulumi.String(svc),
			Image: pulumi.String(fmt.Sprintf("ghcr.io/spinnaker/%s:%s", svc, in.args.Version)),
			Env:   env,
			Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
				Name: pulumi.String("http"), ContainerPort: pulumi.Int(port),
			}},
			ReadinessProbe: probe,
			Resources: corev1.ResourceRequirementsArgs{
				Requests: pulumi.StringMap{"memory": memory},
				Limits:   pulumi.StringMap{"memory": memory},
			},
			SecurityContext: corev1.SecurityContextArgs{AllowPrivilegeEscalation: pulumi.Bool(false)},
			VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
				Name: pulumi.String("config"), MountPath: pulumi.String("/opt/spinnaker/config/"), ReadOnly: pulumi.Bool(true),
			}},
		}},
		Volumes: corev1.VolumeArray{corev1.VolumeArgs{
			Name:      pulumi.String("config"),
			Projected: corev1.ProjectedVolumeSourceArgs{Sources: configSources(svc, cfg)},
		}},
	}
}

// configSources project only the files the service reads: the public ones
// from the ConfigMap and, if it reads any, its secret one from the Secret.
func configSources(svc string, cfg *config) corev1.VolumeProjectionArray {
	var public, secret corev1.KeyToPathArray
	for _, f := range settings.ServiceFiles(svc) {
		item := corev1.KeyToPathArgs{Key: pulumi.String(f), Path: pulumi.String(f)}
		if settings.IsSecret(f) {
			secret = append(secret, item)
		} else {
			public = append(public, item)
		}
	}
	sources := corev1.VolumeProjectionArray{corev1.VolumeProjectionArgs{
		ConfigMap: corev1.ConfigMapProjectionArgs{Name: cfg.configMap.Metadata.Name(), Items: public},
	}}
	if len(secret) > 0 {
		sources = append(sources, corev1.VolumeProjectionArgs{
			Secret: corev1.SecretProjectionArgs{Name: cfg.secret.Metadata.Name(), Items: secret},
		})
	}
	return sources
}
