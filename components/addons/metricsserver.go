package addons

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// metricsServer feeds `kubectl top` and the HorizontalPodAutoscaler; it needs
// no AWS permissions.
func (in *installer) metricsServer() error {
	_, err := in.chart(MetricsServerChart, "kube-system", pulumi.Map{
		"replicas": pulumi.Int(2),
		"podDisruptionBudget": pulumi.Map{
			"enabled":      pulumi.Bool(true),
			"minAvailable": pulumi.Int(1),
		},
	})
	return err
}
