package network

import (
	"net/netip"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func TestSubnetPlanIsDisjointAndInsideTheVPC(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/16", "172.16.0.0/16", "192.168.0.0/20", "10.9.4.0/22"} {
		for zones := 1; zones <= 6; zones++ {
			vpc := netip.MustParsePrefix(cidr)
			private, public, err := SubnetPlan(vpc, zones)
			if err != nil {
				t.Fatal(err)
			}
			all := append(append([]netip.Prefix{}, private...), public...)
			if len(all) != 2*zones {
				t.Fatalf("%s/%d zones: %d subnets", cidr, zones, len(all))
			}
			for i, a := range all {
				if !vpc.Contains(a.Addr()) || a.Bits() < vpc.Bits() {
					t.Errorf("%s outside %s", a, vpc)
				}
				if a.Bits() > 28 {
					t.Errorf("%s is smaller than the /28 AWS allows", a)
				}
				for _, b := range all[i+1:] {
					if a.Overlaps(b) {
						t.Errorf("%s overlaps %s", a, b)
					}
				}
			}
		}
	}
	private, public, _ := SubnetPlan(netip.MustParsePrefix("10.0.0.0/16"), 3)
	if private[0].String() != "10.0.0.0/19" || private[2].String() != "10.0.64.0/19" || public[0].String() != "10.0.224.0/22" {
		t.Errorf("private %v public %v", private, public)
	}
	if _, _, err := SubnetPlan(netip.MustParsePrefix("10.0.0.0/16"), 7); err == nil {
		t.Error("7 zones must be refused")
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
	if n := len(build(t, args(NatSingle, false)).OfType("aws:ec2/natGateway:NatGateway")); n != 1 {
		t.Errorf("single: %d NAT gateways", n)
	}
	cloud := build(t, args(NatPerAZ, false))
	if n := len(cloud.OfType("aws:ec2/natGateway:NatGateway")); n != 3 {
		t.Errorf("perAz: %d NAT gateways", n)
	}
	// Each private route table routes through a different gateway.
	seen := map[any]bool{}
	for _, rt := range cloud.OfType("aws:ec2/routeTable:RouteTable") {
		route := rt.Input("routes").([]any)[0].(map[string]any)
		if nat := route["natGatewayId"]; nat != nil {
			seen[nat] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("private route tables use %d gateways", len(seen))
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
