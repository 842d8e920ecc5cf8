package rehearsal

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Names the EBS CSI driver and the scheduler use.
const (
	ebsDriver = "ebs.csi.aws.com"
	// selectedNodeAnnotation is where the scheduler records the node a
	// WaitForFirstConsumer claim's volume must reach.
	selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
)

// ebsVolumes stands in for the EBS CSI driver's controller and its
// external-provisioner: a claim the scheduler placed gets a volume in the
// zone of the chosen node, pinned there by node affinity on
// topology.kubernetes.io/zone, the only segment the driver reports
// (kubernetes-sigs/aws-ebs-csi-driver pkg/driver/controller.go,
// newCreateVolumeResponse; pkg/driver/driver.go WellKnownZoneTopologyKey).
// kube-controller-manager's PV binder then binds the two.
type ebsVolumes struct {
	kube *kube
	// classes are the storage classes the driver provisions.
	classes map[string]bool
	// zones are the claims provisioned so far, by namespace/name.
	zones map[string]string
}

func (v *ebsVolumes) provision(ctx context.Context, s snapshot) error {
	for i := range s.Claims {
		c := &s.Claims[i]
		key := c.Namespace + "/" + c.Name
		node := s.node(c.Annotations[selectedNodeAnnotation])
		if c.Spec.VolumeName != "" || v.zones[key] != "" || node == nil || c.Spec.StorageClassName == nil || !v.classes[*c.Spec.StorageClassName] {
			continue
		}
		zone := node.Labels[zoneLabel]
		if err := v.kube.create(ctx, volumeFor(c, zone)); err != nil {
			return fmt.Errorf("provisioning a volume for claim %s: %w", key, err)
		}
		v.zones[key] = zone
	}
	return nil
}

// volumeFor is the PersistentVolume external-provisioner creates for c.
func volumeFor(c *corev1.PersistentVolumeClaim, zone string) corev1.PersistentVolume {
	name := "pvc-" + string(c.UID)
	return corev1.PersistentVolume{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": ebsDriver},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: c.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   c.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              *c.Spec.StorageClassName,
			VolumeMode:                    c.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{
				APIVersion: "v1", Kind: "PersistentVolumeClaim",
				Namespace: c.Namespace, Name: c.Name, UID: c.UID,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{
				Driver: ebsDriver, VolumeHandle: "vol-" + string(c.UID)[:17], FSType: "ext4",
			}},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
					Key: zoneLabel, Operator: corev1.NodeSelectorOpIn, Values: []string{zone},
				}}}},
			}},
		},
	}
}

// zonesOf are the zones p's volumes tie it to.
func (v *ebsVolumes) zonesOf(p *corev1.Pod) []string {
	var out []string
	for _, vol := range p.Spec.Volumes {
		if vol.PersistentVolumeClaim == nil {
			continue
		}
		if z := v.zones[p.Namespace+"/"+vol.PersistentVolumeClaim.ClaimName]; z != "" {
			out = append(out, z)
		}
	}
	return out
}
