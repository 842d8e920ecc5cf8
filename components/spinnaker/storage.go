package spinnaker

import (
	"fmt"
	"strings"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
)

// MySQLDataDir is where MySQL keeps its data, on a directory of the volume
// rather than its root: a fresh ext4 volume holds lost+found, and MySQL's
// --initialize refuses a data directory with anything in it
// (docker-library/mysql 8.0/docker-entrypoint.sh, docker_init_database_dir).
const MySQLDataDir = "mysql"

// mysql runs MySQL as a one-replica StatefulSet on an encrypted gp3 volume.
// In-cluster rather than Aurora: an attendee stack comes up minutes sooner,
// costs less and tears down with its cluster, and Spinnaker's pipelines and
// application are code, which the seeding Job saves again.
func (in *installer) mysql(password pulumi.StringOutput) (pulumi.Resource, error) {
	sc, err := in.storageClass()
	if err != nil {
		return nil, err
	}
	secret, initSQL, err := in.mysqlConfig(password)
	if err != nil {
		return nil, err
	}
	labels := in.labels("mysql")
	// No serviceName: nothing needs the pod's own DNS name, and a
	// StatefulSet's serviceName must name a headless Service
	// (k8s.io/api apps/v1 StatefulSetSpec); clients use spin-mysql.
	set, err := appsv1.NewStatefulSet(in.ctx, in.child("mysql"), &appsv1.StatefulSetArgs{
		Metadata: in.meta("spin-mysql", "mysql"),
		Spec: appsv1.StatefulSetSpecArgs{
			Replicas: pulumi.Int(1),
			Selector: metav1.LabelSelectorArgs{MatchLabels: labels},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: metav1.ObjectMetaArgs{Labels: labels},
				Spec:     mysqlPod(secret, initSQL),
			},
			VolumeClaimTemplates: corev1.PersistentVolumeClaimTypeArray{corev1.PersistentVolumeClaimTypeArgs{
				Metadata: metav1.ObjectMetaArgs{Name: pulumi.String("data")},
				Spec: corev1.PersistentVolumeClaimSpecArgs{
					AccessModes:      pulumi.ToStringArray([]string{"ReadWriteOnce"}),
					StorageClassName: sc.Metadata.Name(),
					Resources:        corev1.VolumeResourceRequirementsArgs{Requests: pulumi.StringMap{"storage": pulumi.String("10Gi")}},
				},
			}},
			// Volumes go with the stack: nothing left behind to pay for.
			PersistentVolumeClaimRetentionPolicy: appsv1.StatefulSetPersistentVolumeClaimRetentionPolicyArgs{
				WhenDeleted: pulumi.String("Delete"),
				WhenScaled:  pulumi.String("Retain"),
			},
		},
	}, in.k8s(in.podDeps()...)...)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	if _, err := corev1.NewService(in.ctx, in.child("mysql"), &corev1.ServiceArgs{
		Metadata: in.meta("spin-mysql", "mysql"),
		Spec: corev1.ServiceSpecArgs{
			Selector: labels,
			Ports:    corev1.ServicePortArray{corev1.ServicePortArgs{Name: pulumi.String("mysql"), Port: pulumi.Int(3306)}},
		},
	}, in.k8s()...); err != nil {
		return nil, fmt.Errorf("mysql service: %w", err)
	}
	return set, nil
}

func (in *installer) storageClass() (*storagev1.StorageClass, error) {
	sc, err := storagev1.NewStorageClass(in.ctx, in.child("gp3"), &storagev1.StorageClassArgs{
		Metadata:             metav1.ObjectMetaArgs{Name: pulumi.String("spinnaker-gp3")},
		Provisioner:          pulumi.String("ebs.csi.aws.com"),
		Parameters:           pulumi.StringMap{"type": pulumi.String("gp3"), "encrypted": pulumi.String("true")},
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		ReclaimPolicy:        pulumi.String("Delete"),
		AllowVolumeExpansion: pulumi.Bool(true),
	}, in.k8s()...)
	if err != nil {
		return nil, fmt.Errorf("storage class: %w", err)
	}
	return sc, nil
}

// mysqlConfig is the logins and the schemas of the SQL services.
func (in *installer) mysqlConfig(password pulumi.StringOutput) (*corev1.Secret, *corev1.ConfigMap, error) {
	var grants []string
	for _, db := range settings.SQLServices() {
		grants = append(grants,
			fmt.Sprintf("CREATE DATABASE IF NOT EXISTS `%s` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;", db),
			fmt.Sprintf("GRANT ALL PRIVILEGES ON `%s`.* TO 'spinnaker'@'%%';", db))
	}
	secret, err := corev1.NewSecret(in.ctx, in.child("mysql"), &corev1.SecretArgs{
		Metadata: in.meta("spin-mysql", "mysql"),
		StringData: pulumi.StringMap{
			"MYSQL_ROOT_PASSWORD": password,
			"MYSQL_USER":          pulumi.String("spinnaker"),
			"MYSQL_PASSWORD":      password,
		},
	}, in.k8s()...)
	if err != nil {
		return nil, nil, fmt.Errorf("mysql secret: %w", err)
	}
	initSQL, err := corev1.NewConfigMap(in.ctx, in.child("mysql-init"), &corev1.ConfigMapArgs{
		Metadata: in.meta("spin-mysql-init", "mysql"),
		Data:     pulumi.StringMap{"databases.sql": pulumi.String(strings.Join(grants, "\n") + "\n")},
	}, in.k8s()...)
	if err != nil {
		return nil, nil, fmt.Errorf("mysql init: %w", err)
	}
	return secret, initSQL, nil
}

// mysqlPod runs the image's entrypoint as it is: root, which chowns the
// data directory and steps down to the mysql user.
func mysqlPod(secret *corev1.Secret, initSQL *corev1.ConfigMap) corev1.PodSpecArgs {
	return corev1.PodSpecArgs{
		Containers: corev1.ContainerArray{corev1.ContainerArgs{
			Name:    pulumi.String("mysql"),
			Image:   pulumi.String(MySQLImage),
			EnvFrom: corev1.EnvFromSourceArray{corev1.EnvFromSourceArgs{SecretRef: corev1.SecretEnvSourceArgs{Name: secret.Metadata.Name()}}},
			Ports:   corev1.ContainerPortArray{corev1.ContainerPortArgs{Name: pulumi.String("mysql"), ContainerPort: pulumi.Int(3306)}},
			ReadinessProbe: corev1.ProbeArgs{Exec: corev1.ExecActionArgs{Command: pulumi.ToStringArray(
				[]string{"sh", "-c", `mysqladmin ping -h 127.0.0.1 -uroot -p"$MYSQL_ROOT_PASSWORD"`})}},
			Resources: corev1.ResourceRequirementsArgs{Requests: pulumi.StringMap{"memory": pulumi.String("512Mi")}},
			VolumeMounts: corev1.VolumeMountArray{
				corev1.VolumeMountArgs{Name: pulumi.String("data"), MountPath: pulumi.String("/var/lib/mysql"), SubPath: pulumi.String(MySQLDataDir)},
				corev1.VolumeMountArgs{Name: pulumi.String("init"), MountPath: pulumi.String("/docker-entrypoint-initdb.d")},
			},
		}},
		Volumes: corev1.VolumeArray{corev1.VolumeArgs{
			Name: pulumi.String("init"), ConfigMap: corev1.ConfigMapVolumeSourceArgs{Name: initSQL.Metadata.Name()},
		}},
	}
}

// redis backs gate's sessions and the services' caches. It keeps no volume
// (the SQL services keep what must last), so no data directory to prepare.
func (in *installer) redis() (pulumi.Resource, error) {
	labels := in.labels("redis")
	d, err := appsv1.NewDeployment(in.ctx, in.child("redis"), &appsv1.DeploymentArgs{
		Metadata: in.meta("spin-redis", "redis"),
		Spec: appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(1),
			Selector: metav1.LabelSelectorArgs{MatchLabels: labels},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: metav1.ObjectMetaArgs{Labels: labels},
				Spec: corev1.PodSpecArgs{Containers: corev1.ContainerArray{corev1.ContainerArgs{
					Name:           pulumi.String("redis"),
					Image:          pulumi.String(RedisImage),
					Ports:          corev1.ContainerPortArray{corev1.ContainerPortArgs{Name: pulumi.String("redis"), ContainerPort: pulumi.Int(6379)}},
					ReadinessProbe: corev1.ProbeArgs{TcpSocket: corev1.TCPSocketActionArgs{Port: pulumi.Int(6379)}},
					Resources:      corev1.ResourceRequirementsArgs{Requests: pulumi.StringMap{"memory": pulumi.String("256Mi")}},
				}}},
			},
		},
	}, in.k8s(in.podDeps()...)...)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	if _, err := corev1.NewService(in.ctx, in.child("redis"), &corev1.ServiceArgs{
		Metadata: in.meta("spin-redis", "redis"),
		Spec: corev1.ServiceSpecArgs{
			Selector: labels,
			Ports:    corev1.ServicePortArray{corev1.ServicePortArgs{Name: pulumi.String("redis"), Port: pulumi.Int(6379)}},
		},
	}, in.k8s()...); err != nil {
		return nil, fmt.Errorf("redis service: %w", err)
	}
	return d, nil
}
