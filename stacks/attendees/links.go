package attendees

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// outLoadBalancer is the output naming the app's load balancer.
const outLoadBalancer = "appLoadBalancerName"

// AppURLFromELB finds the app's address from the load balancer the stack
// names, with the member's credentials; "" while the app is not deployed
// (with Spinnaker delivery, the pipeline creates the load balancer).
func AppURLFromELB(configFile string) func(context.Context, Target, Outputs) string {
	return func(ctx context.Context, t Target, outs Outputs) string {
		name, _ := outs[outLoadBalancer].Value.(string)
		if name == "" {
			return ""
		}
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		cfg, err := MemberAWSConfig(ctx, t.Member, configFile)
		if err != nil {
			return ""
		}
		out, err := elbv2.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{name}})
		if err != nil || len(out.LoadBalancers) == 0 {
			return ""
		}
		return "http://" + aws.ToString(out.LoadBalancers[0].DNSName) + "/"
	}
}
