package spinnaker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/spinnaker/pipelines"
	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
	"github.com/workshop/spinnaker-modernization/manifests"
)

// PipelineFiles renders the application and every pipeline as the files the
// seeding Job reads: application.json and <pipeline>.json.
func PipelineFiles(in pipelines.Inputs) (map[string]string, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	app, err := json.MarshalIndent(pipelines.Application(in), "", "  ")
	if err != nil {
		return nil, err
	}
	files := map[string]string{"application.json": string(app)}
	for _, p := range pipelines.All(in) {
		b, err := p.JSON()
		if err != nil {
			return nil, fmt.Errorf("pipeline %s: %w", p.Name, err)
		}
		files[p.Name+".json"] = string(b)
	}
	return files, nil
}

// contentHash names the Job after what it saves, so a pipeline change replaces
// the Job (and runs it again) while an unchanged one is left alone.
func contentHash(files map[string]string) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\n%s\n", n, files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}

// seedPipelines saves the application and pipelines through gate's API from
// a Job that waits for gate to be healthy; Pulumi waits for the Job and fails
// the update if it fails.
func (in *installer) seedPipelines(adminPassword pulumi.StringOutput) (pulumi.StringOutput, error) {
	a := in.args
	files := pulumi.All(a.CodeBuildProject, a.ArtifactBucket).ApplyT(func(xs []any) (map[string]string, error) {
		return PipelineFiles(pipelines.Inputs{
			Application:       "yelb",
			CodeBuildAccount:  "platform",
			CodeBuildProject:  xs[0].(string),
			ArtifactAccount:   "platform",
			ArtifactBucket:    xs[1].(string),
			KubernetesAccount: "eks",
			Namespace:         a.YelbNamespace,
		})
	}).(pulumi.StringMapOutput)
	hash := files.ApplyT(contentHash).(pulumi.StringOutput)

	data, err := corev1.NewConfigMap(in.ctx, in.child("pipelines"), &corev1.ConfigMapArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:      pulumi.Sprintf("spin-pipelines-%s", hash),
			Namespace: pulumi.String(a.Namespace),
			Labels:    in.labels("pipelines"),
		},
		Data: files,
	}, in.k8s()...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("pipelines config map: %w", err)
	}
	script, err := corev1.NewConfigMap(in.ctx, in.child("seed-script"), &corev1.ConfigMapArgs{
		Metadata: in.meta("spin-seed-pipelines", "pipelines"),
		Data:     pulumi.StringMap{"seed-pipelines.sh": pulumi.String(manifests.Read("spinnaker/seed-pipelines.sh"))},
	}, in.k8s()...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("seed script: %w", err)
	}
	login, err := corev1.NewSecret(in.ctx, in.child("seed-login"), &corev1.SecretArgs{
		Metadata:   in.meta("spin-seed-login", "pipelines"),
		StringData: pulumi.StringMap{"GATE_USER": pulumi.String("admin"), "GATE_PASSWORD": adminPassword},
	}, in.k8s()...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("seed login: %w", err)
	}
	gateURL := fmt.Sprintf("http://spin-gate.%s:%d/api/v1", a.Namespace, settings.Ports()["gate"])
	job, err := batchv1.NewJob(in.ctx, in.child("seed-pipelines"), &batchv1.JobArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:      pulumi.Sprintf("spin-seed-pipelines-%s", hash),
			Namespace: pulumi.String(a.Namespace),
			Labels:    in.labels("pipelines"),
		},
		Spec: batchv1.JobSpecArgs{
			BackoffLimit: pulumi.Int(2),
			// gate may take minutes to become healthy on a new cluster.
			ActiveDeadlineSeconds: pulumi.Int(1800),
			Template: corev1.PodTemplateSpecArgs{
				Metadata: metav1.ObjectMetaArgs{Labels: in.labels("pipelines")},
				Spec: corev1.PodSpecArgs{
					RestartPolicy: pulumi.String("Never"),
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:    pulumi.String("seed"),
						Image:   pulumi.String(CurlImage),
						Command: pulumi.ToStringArray([]string{"sh", "/seed/seed-pipelines.sh"}),
						Env: corev1.EnvVarArray{
							corev1.EnvVarArgs{Name: pulumi.String("GATE_URL"), Value: pulumi.String(gateURL)},
						},
						EnvFrom: corev1.EnvFromSourceArray{corev1.EnvFromSourceArgs{SecretRef: corev1.SecretEnvSourceArgs{Name: login.Metadata.Name()}}},
						VolumeMounts: corev1.VolumeMountArray{
							corev1.VolumeMountArgs{Name: pulumi.String("pipelines"), MountPath: pulumi.String("/pipelines"), ReadOnly: pulumi.Bool(true)},
							corev1.VolumeMountArgs{Name: pulumi.String("seed"), MountPath: pulumi.String("/seed"), ReadOnly: pulumi.Bool(true)},
						},
						SecurityContext: corev1.SecurityContextArgs{AllowPrivilegeEscalation: pulumi.Bool(false), RunAsNonRoot: pulumi.Bool(true)},
					}},
					Volumes: corev1.VolumeArray{
						corev1.VolumeArgs{Name: pulumi.String("pipelines"), ConfigMap: corev1.ConfigMapVolumeSourceArgs{Name: data.Metadata.Name()}},
						corev1.VolumeArgs{Name: pulumi.String("seed"), ConfigMap: corev1.ConfigMapVolumeSourceArgs{Name: script.Metadata.Name()}},
					},
				},
			},
		},
	}, append(in.k8s(in.args.Nodes), pulumi.DeleteBeforeReplace(true))...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("seed job: %w", err)
	}
	return job.Metadata.Name().Elem(), nil
}
