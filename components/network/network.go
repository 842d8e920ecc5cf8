// Package network is a VPC with public and private subnets over the chosen
// zones, NAT for the private side and optional flow logs.
package network

import (
	"fmt"
	"maps"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NAT strategies.
const (
	NatSingle = "single"
	NatPerAZ  = "perAz"
)

// NetworkArgs configures a Network; everything is known at program time.
type NetworkArgs struct {
	Cidr              netip.Prefix
	AvailabilityZones []string
	NatStrategy       string
	FlowLogs          bool
	LogRetentionDays  int
	Tags              map[string]string
}

// Network is a VPC ready for an EKS cluster and its load balancers.
type Network struct {
	pulumi.ResourceState

	VpcId            pulumi.StringOutput
	PublicSubnetIds  pulumi.StringArrayOutput
	PrivateSubnetIds pulumi.StringArrayOutput
}

// NewNetwork creates the VPC and its subnets, gateways and routes.
func NewNetwork(ctx *pulumi.Context, name string, args NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	n := &Network{}
	if err := ctx.RegisterComponentResource("workshop:network:Network", name, n, opts...); err != nil {
		return nil, err
	}
	if args.NatStrategy != NatSingle && args.NatStrategy != NatPerAZ {
		return nil, fmt.Errorf("network %s: NAT strategy %q is neither %q nor %q", name, args.NatStrategy, NatSingle, NatPerAZ)
	}
	privateCidrs, publicCidrs, err := SubnetPlan(args.Cidr, len(args.AvailabilityZones))
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	parent := pulumi.Parent(n)
	tagged := func(nameTag string, extra map[string]string) pulumi.StringMap {
		t := maps.Clone(args.Tags)
		maps.Copy(t, extra)
		t["Name"] = nameTag
		return pulumi.ToStringMap(t)
	}

	vpc, err := ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.Cidr.String()),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               tagged(name, nil),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network %s: creating VPC: %w", name, err)
	}
	igw, err := ec2.NewInternetGateway(ctx, name, &ec2.InternetGatewayArgs{
		VpcId: vpc.ID(),
		Tags:  tagged(name, nil),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network %s: creating internet gateway: %w", name, err)
	}
	publicRoutes, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId:  vpc.ID(),
		Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID()}},
		Tags:   tagged(name+"-public", nil),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network %s: creating public route table: %w", name, err)
	}

	var publicIDs, privateIDs pulumi.StringArray
	var natIDs []pulumi.IDOutput
	for i, az := range args.AvailabilityZones {
		sn := fmt.Sprintf("%s-public-%s", name, az)
		// The load balancer controller finds subnets for internet-facing
		// and internal load balancers by these role tags.
		public, err := ec2.NewSubnet(ctx, sn, &ec2.SubnetArgs{
			VpcId:               vpc.ID(),
			CidrBlock:           pulumi.String(publicCidrs[i].String()),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tagged(sn, map[string]string{"kubernetes.io/role/elb": "1"}),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network %s: creating public subnet in %s: %w", name, az, err)
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, sn, &ec2.RouteTableAssociationArgs{
			SubnetId: public.ID(), RouteTableId: publicRoutes.ID(),
		}, parent); err != nil {
			return nil, fmt.Errorf("network %s: routing public subnet in %s: %w", name, az, err)
		}
		publicIDs = append(publicIDs, public.ID().ToStringOutput())

		if i == 0 || args.NatStrategy == NatPerAZ {
			nat, err := newNatGateway(ctx, fmt.Sprintf("%s-%s", name, az), public, igw, tagged, parent)
			if err != nil {
				return nil, fmt.Errorf("network %s: %w", name, err)
			}
			natIDs = append(natIDs, nat.ID())
		}
	}
	for i, az := range args.AvailabilityZones {
		sn := fmt.Sprintf("%s-private-%s", name, az)
		private, err := ec2.NewSubnet(ctx, sn, &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			CidrBlock:        pulumi.String(privateCidrs[i].String()),
			AvailabilityZone: pulumi.String(az),
			Tags:             tagged(sn, map[string]string{"kubernetes.io/role/internal-elb": "1"}),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network %s: creating private subnet in %s: %w", name, az, err)
		}
		nat := natIDs[min(i, len(natIDs)-1)]
		routes, err := ec2.NewRouteTable(ctx, sn, &ec2.RouteTableArgs{
			VpcId:  vpc.ID(),
			Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat}},
			Tags:   tagged(sn, nil),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network %s: creating route table for %s: %w", name, az, err)
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, sn, &ec2.RouteTableAssociationArgs{
			SubnetId: private.ID(), RouteTableId: routes.ID(),
		}, parent); err != nil {
			return nil, fmt.Errorf("network %s: routing private subnet in %s: %w", name, az, err)
		}
		privateIDs = append(privateIDs, private.ID().ToStringOutput())
	}

	if args.FlowLogs {
		if err := newFlowLogs(ctx, name, vpc, args, tagged(name+"-flow-logs", nil), parent); err != nil {
			return nil, fmt.Errorf("network %s: %w", name, err)
		}
	}

	n.VpcId = vpc.ID().ToStringOutput()
	n.PublicSubnetIds = publicIDs.ToStringArrayOutput()
	n.PrivateSubnetIds = privateIDs.ToStringArrayOutput()
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":            n.VpcId,
		"publicSubnetIds":  n.PublicSubnetIds,
		"privateSubnetIds": n.PrivateSubnetIds,
	})
}

func newNatGateway(ctx *pulumi.Context, name string, subnet *ec2.Subnet, igw *ec2.InternetGateway,
	tagged func(string, map[string]string) pulumi.StringMap, parent pulumi.ResourceOption,
) (*ec2.NatGateway, error) {
	// The address is only routable once the VPC has its internet gateway.
	eip, err := ec2.NewEip(ctx, name, &ec2.EipArgs{
		Domain: pulumi.String("vpc"),
		Tags:   tagged(name, nil),
	}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
	if err != nil {
		return nil, fmt.Errorf("creating NAT address %s: %w", name, err)
	}
	nat, err := ec2.NewNatGateway(ctx, name, &ec2.NatGatewayArgs{
		AllocationId: eip.ID(),
		SubnetId:     subnet.ID(),
		Tags:         tagged(name, nil),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating NAT gateway %s: %w", name, err)
	}
	return nat, nil
}
