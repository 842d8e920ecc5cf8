package network

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func TestSubnetPlanIsDisjointAndInsideTheVPC(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/16", "172.16.0.0/16", "192.168.0.0/20", "10.9.0.0/21"} {
		for zones := 1; zones <= 6; zones++ {
			t.Run(fmt.Sprintf("%s/%d zones", cidr, zones), func(t *testing.T) {
				vpc := netip.MustParsePrefix(cidr)
				private, public, err := SubnetPlan(vpc, zones)
				if err != nil {
					t.Fatal(err)
				}
				all := append(append([]netip.Prefix{}, private...), public...)
				if len(all) != 2*zones {
					t.Fatalf("%d subnets", len(all))
				}
				for i, a := range all {
					if !vpc.Contains(a.Addr()) || a.Bits() < vpc.Bits() {
						t.Errorf("%s outside %s", a, vpc)
					}
					for _, b := range all[i+1:] {
						if a.Overlaps(b) {
							t.Errorf("%s overlaps %s", a, b)
						}
					}
				}
				// An ALB needs each subnet to be at least a /27 with 8 free
				// addresses (ELB user guide, Application Load Balancers,
				// "Subnets for your load balancer"); AWS reserves 5 per
				// subnet and the NAT gateway takes one.
				for _, p := range public {
					if free := 1<<(32-p.Bits()) - 5 - 1; p.Bits() > 27 || free < 8 {
						t.Errorf("public subnet %s leaves %d addresses; an ALB needs a /27 with 8 free", p, free)
					}
				}
			})
		}
	}
	private, public, _ := SubnetPlan(netip.MustParsePrefix("10.0.0.0/16"), 3)
	if private[0].String() != "10.0.0.0/19" || private[2].String() != "10.0.64.0/19" || public[0].String() != "10.0.224.0/22" {
		t.Errorf("private %v public %v", private, public)
	}
}

func TestSubnetPlanRefuses(t *testing.T) {
	cases := []struct {
		name, cidr string
		zones      int
		want       string
	}{
		{"7 zones", "10.0.0.0/16", 7, "expected 1 to 6"},
		{"a /22 whose public subnets are /28", "10.9.4.0/22", 3, "the /27 an ALB needs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := SubnetPlan(netip.MustParsePrefix(tc.cidr), tc.zones)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func build(t *testing.T, args NetworkArgs) *mockcloud.Cloud {
	t.Helper()
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		_, err := NewNetwork(ctx, "net", args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cloud
}

func args(nat string, flowLogs bool) NetworkArgs {
	return NetworkArgs{
		Cidr:              netip.MustParsePrefix("10.0.0.0/16"),
		AvailabilityZones: []string{"ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"},
		NatStrategy:       nat,
		FlowLogs:          flowLogs,
		LogRetentionDays:  3,
		Region:            "ap-northeast-2",
		AccountID:         mockcloud.AccountID,
		Tags:              map[string]string{"workshop": "t"},
	}
}

func TestSubnetsAreTaggedForLoadBalancers(t *testing.T) {
	cloud := build(t, args(NatSingle, false))
	roles := map[string]int{}
	for _, s := range cloud.OfType("aws:ec2/subnet:Subnet") {
		tags := s.Input("tags").(map[string]any)
		for _, role := range []string{"kubernetes.io/role/elb", "kubernetes.io/role/internal-elb"} {
			if tags[role] == "1" {
				roles[role]++
			}
		}
		if s.Input("mapPublicIpOnLaunch") == true {
			t.Errorf("%s gives instances public addresses", s.Name)
		}
	}
	if roles["kubernetes.io/role/elb"] != 3 || roles["kubernetes.io/role/internal-elb"] != 3 {
		t.Errorf("role tags = %v", roles)
	}
}

func TestNatStrategy(t *testing.T) {
	cases := []struct {
		strategy string
		gateways int
	}{{NatSingle, 1}, {NatPerAZ, 3}}
	for _, tc := range cases {
		t.Run(tc.strategy, func(t *testing.T) {
			var ips []string
			cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
			err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
				n, err := NewNetwork(ctx, "net", args(tc.strategy, false))
				if err != nil {
					return err
				}
				n.NatPublicIps.ApplyT(func(v []string) []string { ips = v; return v })
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(cloud.OfType("aws:ec2/natGateway:NatGateway")); n != tc.gateways {
				t.Errorf("%d NAT gateways", n)
			}
			// Each private route table routes through its own gateway, or
			// all through the single one.
			seen := map[any]bool{}
			for _, rt := range cloud.OfType("aws:ec2/routeTable:RouteTable") {
				route := rt.Input("routes").([]any)[0].(map[string]any)
				if nat := route["natGatewayId"]; nat != nil {
					seen[nat] = true
				}
			}
			if len(seen) != tc.gateways {
				t.Errorf("private route tables use %d gateways", len(seen))
			}
			// The NAT addresses are the Elastic IPs' public addresses.
			var want []string
			for _, eip := range cloud.OfType("aws:ec2/eip:Eip") {
				want = append(want, eip.Output("publicIp").(string))
			}
			slices.Sort(ips)
			slices.Sort(want)
			if len(ips) != tc.gateways || !slices.Equal(ips, want) {
				t.Errorf("NAT public IPs %v, Elastic IPs %v", ips, want)
			}
		})
	}
}

func TestFlowLogsAreOptional(t *testing.T) {
	if n := len(build(t, args(NatSingle, false)).OfType("aws:ec2/flowLog:FlowLog")); n != 0 {
		t.Errorf("flow logs off: %d flow logs", n)
	}
	cloud := build(t, args(NatSingle, true))
	logs := cloud.OfType("aws:ec2/flowLog:FlowLog")
	groups := cloud.OfType("aws:cloudwatch/logGroup:LogGroup")
	if len(logs) != 1 || len(groups) != 1 || groups[0].Input("retentionInDays") != 3.0 {
		t.Fatalf("flow logs %d, groups %d", len(logs), len(groups))
	}
	if logs[0].String("logDestination") != groups[0].Outputs["arn"].StringValue() {
		t.Errorf("flow log goes to %s", logs[0].String("logDestination"))
	}
}

// The role follows the VPC user guide, "IAM role for publishing flow logs
// to CloudWatch Logs": its minimum actions, and the aws:SourceAccount and
// aws:SourceArn trust conditions against the confused deputy.
func TestFlowLogsRoleAsAWSDocuments(t *testing.T) {
	cloud := build(t, args(NatSingle, true))
	role, _ := cloud.Find("aws:iam/role:Role", "net-flow-logs")
	trust, err := awsiam.Parse(role.String("assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	s := trust.Statement[0]
	if s.Principal["Service"] != "vpc-flow-logs.amazonaws.com" ||
		s.Condition["StringEquals"]["aws:SourceAccount"] != mockcloud.AccountID ||
		s.Condition["ArnLike"]["aws:SourceArn"] != "arn:aws:ec2:ap-northeast-2:"+mockcloud.AccountID+":vpc-flow-log/*" {
		t.Errorf("trust = %+v", s)
	}
	policy, _ := cloud.Find("aws:iam/rolePolicy:RolePolicy", "net-flow-logs")
	doc, err := awsiam.Parse(policy.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	granted := map[string]bool{}
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			granted[a] = true
		}
	}
	for _, a := range []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"} {
		t.Run(a, func(t *testing.T) {
			if !granted[a] {
				t.Errorf("flow logs role lacks %s: %s", a, policy.String("policy"))
			}
		})
	}
}

func TestNilTagsDoNotPanic(t *testing.T) {
	a := args(NatSingle, true)
	a.Tags = nil
	cloud := build(t, a)
	vpc, _ := cloud.Find("aws:ec2/vpc:Vpc", "net")
	if vpc.Input("tags").(map[string]any)["Name"] != "net" {
		t.Errorf("vpc tags %v", vpc.Input("tags"))
	}
}

func TestUnknownNatStrategyFails(t *testing.T) {
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		_, err := NewNetwork(ctx, "net", args("none", false))
		return err
	})
	if err == nil {
		t.Fatal("expected an error")
	}
}
