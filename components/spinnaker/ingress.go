package spinnaker

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
)

// ALB schemes.
const (
	SchemeInternal       = "internal"
	SchemeInternetFacing = "internet-facing"
)

// IngressConfig is the optional ALB in front of Deck and gate.
type IngressConfig struct {
	Enabled      bool     `json:"enabled"`
	Scheme       string   `json:"scheme"`
	AllowedCidrs []string `json:"allowedCidrs"`
}

// Validate keeps Spinnaker off the open internet: an internet-facing ALB
// needs an allow-list, and gate's login is always on.
func (c IngressConfig) Validate() error {
	switch c.Scheme {
	case SchemeInternal:
	case SchemeInternetFacing:
		if c.Enabled && len(c.AllowedCidrs) == 0 {
			return errors.New("scheme internet-facing needs allowedCidrs, the source CIDRs allowed to reach Spinnaker")
		}
	default:
		return fmt.Errorf("scheme %q is neither %q nor %q", c.Scheme, SchemeInternal, SchemeInternetFacing)
	}
	for _, cidr := range c.AllowedCidrs {
		p, err := netip.ParsePrefix(cidr)
		if err != nil || !p.Addr().Is4() || p.Masked() != p {
			return fmt.Errorf("allowedCidrs: %q is not an IPv4 CIDR such as 203.0.113.0/24", cidr)
		}
		if p.Bits() == 0 {
			return fmt.Errorf("allowedCidrs: %s would open Spinnaker to the whole internet", cidr)
		}
	}
	return nil
}

// ingress routes /api/v1 to gate and the rest to Deck through one ALB. The
// ALB is named, so gate can match the host name ELB will give it; each
// backend's health check path is on its Service.
func (in *installer) ingress() error {
	c := in.args.Ingress
	annotations := pulumi.StringMap{
		"alb.ingress.kubernetes.io/scheme":             pulumi.String(c.Scheme),
		"alb.ingress.kubernetes.io/target-type":        pulumi.String("ip"),
		"alb.ingress.kubernetes.io/load-balancer-name": pulumi.String(in.args.IngressName),
	}
	if len(c.AllowedCidrs) > 0 {
		annotations["alb.ingress.kubernetes.io/inbound-cidrs"] = pulumi.String(strings.Join(c.AllowedCidrs, ","))
	}
	path := func(p, svc string) networkingv1.HTTPIngressPathArgs {
		return networkingv1.HTTPIngressPathArgs{
			Path: pulumi.String(p), PathType: pulumi.String("Prefix"),
			Backend: networkingv1.IngressBackendArgs{Service: networkingv1.IngressServiceBackendArgs{
				Name: pulumi.String("spin-" + svc),
				Port: networkingv1.ServiceBackendPortArgs{Number: pulumi.Int(settings.Ports()[svc])},
			}},
		}
	}
	meta := in.meta("spinnaker", "spinnaker")
	meta.Annotations = annotations
	// Created after, and so deleted before, the load balancer controller:
	// otherwise the ALB outlives the stack.
	_, err := networkingv1.NewIngress(in.ctx, in.child("ingress"), &networkingv1.IngressArgs{
		Metadata: meta,
		Spec: networkingv1.IngressSpecArgs{
			IngressClassName: pulumi.String("alb"),
			Rules: networkingv1.IngressRuleArray{networkingv1.IngressRuleArgs{
				Http: networkingv1.HTTPIngressRuleValueArgs{Paths: networkingv1.HTTPIngressPathArray{
					path("/api/v1", "gate"), path("/", "deck"),
				}},
			}},
		},
	}, in.k8s(in.args.IngressController...)...)
	return err
}
