package addons

// ebsCSIDriver installs the EBS CSI driver EKS add-on, which provisions the
// gp3 volumes of stateful workloads (Spinnaker's MySQL, yelb's database).
func (in *installer) ebsCSIDriver() error {
	assoc, err := in.podIdentity("ebs-csi", "kube-system", "ebs-csi-controller-sa", nil,
		[]string{"service-role/AmazonEBSCSIDriverPolicy"})
	if err != nil {
		return err
	}
	_, err = in.eksAddon("aws-ebs-csi-driver", EBSCSIDriverVersion, nil, assoc, in.agent)
	return err
}
