package spinnaker

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/spinnaker/pipelines"
	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
)

// seederSource is the seeding program, run with `go run` by the Job.
//
//go:embed seeder/main.go
var seederSource string

// SeedImage has the Go toolchain to run the seeder and no USER of its own
// (docker-library/golang 1.26/alpine3.24/Dockerfile), so the Job names one.
const SeedImage = "golang:1.26.7-alpine3.24"

// SeedUser is the seeder's user: "nobody" in the image's Alpine base.
const SeedUser = 65534

// The seeding time budget, each limit inside the next: the seeder gives up
// after SeedDeadline; the Job, retries included, after that plus time to
// pull the image and compile; Pulumi, which fails a Job still running after
// 10 minutes unless told otherwise (pulumi-kubernetes provider/pkg/await/job.go,
// DefaultJobTimeoutMins), waits longer still, so it reports the Job's own
// failure rather than a timeout. The Job starts once every Deployment is
// ready, so gate is normally up at once.
const (
	SeedDeadline       = 15 * time.Minute
	SeedJobDeadline    = SeedDeadline + 5*time.Minute
	SeedPulumiDeadline = SeedJobDeadline + 5*time.Minute
)

// PipelineFiles renders the application and every pipeline as the files the
// seeder reads: application.json and <pipeline>.json.
func PipelineFiles(in pipelines.Inputs) (map[string]string, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	app, err := json.MarshalIndent(pipelines.Application(in), "", "  ")
	if err != nil {
		return nil, err
	}
	files := map[string]string{ApplicationFileName: string(app)}
	for _, p := range pipelines.All(in) {
		b, err := p.JSON()
		if err != nil {
			return nil, fmt.Errorf("pipeline %s: %w", p.Name, err)
		}
		files[p.Name+".json"] = string(b)
	}
	return files, nil
}

// seedPipelines saves the application and pipelines through gate's API from
// a Job that starts once the services run; Pulumi waits for the Job and
// fails the update if it fails. The Job is named after what it saves and
// the program that saves it, so a change runs it again and no change leaves
// it alone.
func (in *installer) seedPipelines(adminPassword pulumi.StringOutput, services []pulumi.Resource) error {
	a := in.args
	files := pulumi.All(a.CodeBuildProject, a.ArtifactBucket, resolveApps(a.Apps, false)).ApplyT(func(xs []any) (map[string]string, error) {
		return seedFiles(xs[2].([]resolvedApp), xs[0].(string), xs[1].(string), a.StageFiles)
	}).(pulumi.StringMapOutput)
	hash := files.ApplyT(func(f map[string]string) string {
		withSeeder := map[string]string{"seeder/main.go": seederSource}
		for k, v := range f {
			withSeeder[k] = v
		}
		return contentHash(withSeeder)[:10]
	}).(pulumi.StringOutput)
	data, err := corev1.NewConfigMap(in.ctx, in.child("pipelines"), &corev1.ConfigMapArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:      pulumi.Sprintf("spin-pipelines-%s", hash),
			Namespace: pulumi.String(a.Namespace),
			Labels:    in.labels("pipelines"),
		},
		Data: files,
	}, in.k8s()...)
	if err != nil {
		return fmt.Errorf("pipelines config map: %w", err)
	}
	seeder, login, err := in.seederObjects(adminPassword)
	if err != nil {
		return err
	}
	_, err = batchv1.NewJob(in.ctx, in.child("seed-pipelines"), &batchv1.JobArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:      pulumi.Sprintf("spin-seed-pipelines-%s", hash),
			Namespace: pulumi.String(a.Namespace),
			Labels:    in.labels("pipelines"),
		},
		Spec: batchv1.JobSpecArgs{
			BackoffLimit:          pulumi.Int(1),
			ActiveDeadlineSeconds: pulumi.Int(int(SeedJobDeadline.Seconds())),
			Template: corev1.PodTemplateSpecArgs{
				Metadata: metav1.ObjectMetaArgs{Labels: in.labels("pipelines")},
				Spec:     in.seedPod(data, seeder, login),
			},
		},
	}, append(in.k8s(in.podDeps(services...)...),
		pulumi.DeleteBeforeReplace(true),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: minutes(SeedPulumiDeadline), Update: minutes(SeedPulumiDeadline)}))...)
	if err != nil {
		return fmt.Errorf("seed job: %w", err)
	}
	return nil
}

func minutes(d time.Duration) string { return fmt.Sprintf("%dm", int(d.Minutes())) }

// seederObjects are the seeder's source and gate's login.
func (in *installer) seederObjects(adminPassword pulumi.StringOutput) (*corev1.ConfigMap, *corev1.Secret, error) {
	seeder, err := corev1.NewConfigMap(in.ctx, in.child("seeder"), &corev1.ConfigMapArgs{
		Metadata: in.meta("spin-seeder", "pipelines"),
		Data:     pulumi.StringMap{"main.go": pulumi.String(seederSource)},
	}, in.k8s()...)
	if err != nil {
		return nil, nil, fmt.Errorf("seeder: %w", err)
	}
	login, err := corev1.NewSecret(in.ctx, in.child("seed-login"), &corev1.SecretArgs{
		Metadata:   in.meta("spin-seed-login", "pipelines"),
		StringData: pulumi.StringMap{"GATE_USER": pulumi.String("admin"), "GATE_PASSWORD": adminPassword},
	}, in.k8s()...)
	if err != nil {
		return nil, nil, fmt.Errorf("seed login: %w", err)
	}
	return seeder, login, nil
}

// seedPod compiles and runs the seeder as a numeric non-root user on a
// read-only root file system; the build cache and HOME live in /tmp.
func (in *installer) seedPod(data, seeder *corev1.ConfigMap, login *corev1.Secret) corev1.PodSpecArgs {
	gateURL := fmt.Sprintf("http://spin-gate.%s:%d/api/v1", in.args.Namespace, settings.Ports()["gate"])
	paths, dirs := seedLayout(in.args.Apps, in.args.StageFiles)
	command := []string{"go", "run", "/seed/main.go", "-deadline", SeedDeadline.String()}
	for _, d := range dirs {
		command = append(command, "-dir", "/pipelines/"+d)
	}
	var items corev1.KeyToPathArray
	for _, key := range slices.Sorted(maps.Keys(paths)) {
		items = append(items, corev1.KeyToPathArgs{Key: pulumi.String(key), Path: pulumi.String(paths[key])})
	}
	env := func(k, v string) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(k), Value: pulumi.String(v)}
	}
	return corev1.PodSpecArgs{
		RestartPolicy: pulumi.String("Never"),
		Containers: corev1.ContainerArray{corev1.ContainerArgs{
			Name:    pulumi.String("seed"),
			Image:   pulumi.String(SeedImage),
			Command: pulumi.ToStringArray(command),
			Env: corev1.EnvVarArray{
				env("GATE_URL", gateURL), env("HOME", "/tmp"), env("GOCACHE", "/tmp/go-build"),
				env("GOPATH", "/tmp/go"), env("CGO_ENABLED", "0"),
			},
			EnvFrom: corev1.EnvFromSourceArray{corev1.EnvFromSourceArgs{SecretRef: corev1.SecretEnvSourceArgs{Name: login.Metadata.Name()}}},
			Resources: corev1.ResourceRequirementsArgs{
				Requests: pulumi.StringMap{"cpu": pulumi.String("500m"), "memory": pulumi.String("512Mi")},
				Limits:   pulumi.StringMap{"memory": pulumi.String("1Gi")},
			},
			VolumeMounts: corev1.VolumeMountArray{
				corev1.VolumeMountArgs{Name: pulumi.String("pipelines"), MountPath: pulumi.String("/pipelines"), ReadOnly: pulumi.Bool(true)},
				corev1.VolumeMountArgs{Name: pulumi.String("seed"), MountPath: pulumi.String("/seed"), ReadOnly: pulumi.Bool(true)},
				corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")},
			},
			SecurityContext: corev1.SecurityContextArgs{
				RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(SeedUser), RunAsGroup: pulumi.Int(SeedUser),
				AllowPrivilegeEscalation: pulumi.Bool(false), ReadOnlyRootFilesystem: pulumi.Bool(true),
				Capabilities: corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})},
			},
		}},
		Volumes: corev1.VolumeArray{
			corev1.VolumeArgs{Name: pulumi.String("pipelines"), ConfigMap: corev1.ConfigMapVolumeSourceArgs{Name: data.Metadata.Name(), Items: items}},
			corev1.VolumeArgs{Name: pulumi.String("seed"), ConfigMap: corev1.ConfigMapVolumeSourceArgs{Name: seeder.Metadata.Name()}},
			corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: corev1.EmptyDirVolumeSourceArgs{}},
		},
	}
}
