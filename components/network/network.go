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
	// Region and AccountID scope the flow logs role's trust to this
	// account's flow logs.
	Region    string
	AccountID string
	Tags      map[string]string
}

// Network is a VPC ready for an EKS cluster and its load balancers.
type Network struct {
	pulumi.ResourceState

	VpcId            pulumi.StringOutput
	PublicSubnetIds  pulumi.StringArrayOutput
	PrivateSubnetIds pulumi.StringArrayOutput
	// NatPublicIps are the addresses the private subnets reach the
	// internet from.
	NatPublicIps pulumi.StringArrayOutput
}

// builder carries what the steps of NewNetwork share.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   NetworkArgs
	parent pulumi.ResourceOption
	vpc    *ec2.Vpc
	igw    *ec2.InternetGateway
}

// tagged is the common tags plus extra, with Name set to nameTag.
func (b *builder) tagged(nameTag string, extra map[string]string) pulumi.StringMap {
	t := map[string]string{}
	maps.Copy(t, b.args.Tags)
	maps.Copy(t, extra)
	t["Name"] = nameTag
	return pulumi.ToStringMap(t)
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
	b := &builder{ctx: ctx, name: name, args: args, parent: pulumi.Parent(n)}
	if err := b.gateway(); err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	publicIDs, nats, err := b.publicSubnets(publicCidrs)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	privateIDs, err := b.privateSubnets(privateCidrs, nats)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	if args.FlowLogs {
		if err := newFlowLogs(ctx, name, b.vpc, args, b.tagged(name+"-flow-logs", nil), b.parent); err != nil {
			return nil, fmt.Errorf("network %s: %w", name, err)
		}
	}

	var natIPs pulumi.StringArray
	for _, nat := range nats {
		natIPs = append(natIPs, nat.publicIP)
	}
	n.VpcId = b.vpc.ID().ToStringOutput()
	n.PublicSubnetIds = publicIDs.ToStringArrayOutput()
	n.PrivateSubnetIds = privateIDs.ToStringArrayOutput()
	n.NatPublicIps = natIPs.ToStringArrayOutput()
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":            n.VpcId,
		"publicSubnetIds":  n.PublicSubnetIds,
		"privateSubnetIds": n.PrivateSubnetIds,
		"natPublicIps":     n.NatPublicIps,
	})
}

// gateway creates the VPC and its internet gateway.
func (b *builder) gateway() error {
	var err error
	b.vpc, err = ec2.NewVpc(b.ctx, b.name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(b.args.Cidr.String()),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               b.tagged(b.name, nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("creating VPC: %w", err)
	}
	b.igw, err = ec2.NewInternetGateway(b.ctx, b.name, &ec2.InternetGatewayArgs{
		VpcId: b.vpc.ID(),
		Tags:  b.tagged(b.name, nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("creating internet gateway: %w", err)
	}
	return nil
}

// publicSubnets creates a public subnet per zone routed to the internet
// gateway, and the NAT gateways: one in the first zone, or one per zone.
func (b *builder) publicSubnets(cidrs []netip.Prefix) (pulumi.StringArray, []natGateway, error) {
	routes, err := ec2.NewRouteTable(b.ctx, b.name+"-public", &ec2.RouteTableArgs{
		VpcId:  b.vpc.ID(),
		Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: b.igw.ID()}},
		Tags:   b.tagged(b.name+"-public", nil),
	}, b.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating public route table: %w", err)
	}
	var ids pulumi.StringArray
	var nats []natGateway
	for i, az := range b.args.AvailabilityZones {
		sn := fmt.Sprintf("%s-public-%s", b.name, az)
		// The load balancer controller finds subnets for internet-facing
		// and internal load balancers by these role tags.
		subnet, err := b.subnet(sn, cidrs[i], az, routes, map[string]string{"kubernetes.io/role/elb": "1"})
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, subnet.ID().ToStringOutput())
		if i == 0 || b.args.NatStrategy == NatPerAZ {
			nat, err := b.natGateway(fmt.Sprintf("%s-%s", b.name, az), subnet)
			if err != nil {
				return nil, nil, err
			}
			nats = append(nats, nat)
		}
	}
	return ids, nats, nil
}

// privateSubnets creates a private subnet per zone, each routed to the
// internet through its zone's NAT gateway, or the single one.
func (b *builder) privateSubnets(cidrs []netip.Prefix, nats []natGateway) (pulumi.StringArray, error) {
	var ids pulumi.StringArray
	for i, az := range b.args.AvailabilityZones {
		sn := fmt.Sprintf("%s-private-%s", b.name, az)
		nat := nats[min(i, len(nats)-1)]
		routes, err := ec2.NewRouteTable(b.ctx, sn, &ec2.RouteTableArgs{
			VpcId:  b.vpc.ID(),
			Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: nat.id}},
			Tags:   b.tagged(sn, nil),
		}, b.parent)
		if err != nil {
			return nil, fmt.Errorf("creating route table for %s: %w", az, err)
		}
		subnet, err := b.subnet(sn, cidrs[i], az, routes, map[string]string{"kubernetes.io/role/internal-elb": "1"})
		if err != nil {
			return nil, err
		}
		ids = append(ids, subnet.ID().ToStringOutput())
	}
	return ids, nil
}

// subnet creates one subnet and associates it with its route table.
func (b *builder) subnet(name string, cidr netip.Prefix, az string, routes *ec2.RouteTable, roleTags map[string]string) (*ec2.Subnet, error) {
	subnet, err := ec2.NewSubnet(b.ctx, name, &ec2.SubnetArgs{
		VpcId:               b.vpc.ID(),
		CidrBlock:           pulumi.String(cidr.String()),
		AvailabilityZone:    pulumi.String(az),
		MapPublicIpOnLaunch: pulumi.Bool(false),
		Tags:                b.tagged(name, roleTags),
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("creating subnet %s: %w", name, err)
	}
	if _, err := ec2.NewRouteTableAssociation(b.ctx, name, &ec2.RouteTableAssociationArgs{
		SubnetId: subnet.ID(), RouteTableId: routes.ID(),
	}, b.parent); err != nil {
		return nil, fmt.Errorf("routing subnet %s: %w", name, err)
	}
	return subnet, nil
}

type natGateway struct {
	id       pulumi.IDOutput
	publicIP pulumi.StringOutput
}

func (b *builder) natGateway(name string, subnet *ec2.Subnet) (natGateway, error) {
	// The address is only routable once the VPC has its internet gateway.
	eip, err := ec2.NewEip(b.ctx, name, &ec2.EipArgs{
		Domain: pulumi.String("vpc"),
		Tags:   b.tagged(name, nil),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.igw}))
	if err != nil {
		return natGateway{}, fmt.Errorf("creating NAT address %s: %w", name, err)
	}
	nat, err := ec2.NewNatGateway(b.ctx, name, &ec2.NatGatewayArgs{
		AllocationId: eip.ID(),
		SubnetId:     subnet.ID(),
		Tags:         b.tagged(name, nil),
	}, b.parent)
	if err != nil {
		return natGateway{}, fmt.Errorf("creating NAT gateway %s: %w", name, err)
	}
	return natGateway{id: nat.ID(), publicIP: eip.PublicIp}, nil
}
