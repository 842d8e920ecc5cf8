package yelb

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpclattice"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newServiceNetwork creates the service network the Gateway maps to (by
// name), associates it with the app VPC so pods can call its services, and
// lets Lattice reach the app server pods. Pulumi owns these rather than the
// controller, so they are deleted with the stack and not left behind.
func newServiceNetwork(ctx *pulumi.Context, name string, args AppArgs, parent pulumi.Resource) ([]pulumi.Resource, error) {
	vals := ValuesFor(args, DeliveryPulumi)
	tags := pulumi.ToStringMap(args.Tags)
	network, err := vpclattice.NewServiceNetwork(ctx, name, &vpclattice.ServiceNetworkArgs{
		Name:     pulumi.String(vals.Lattice.GatewayName),
		AuthType: pulumi.String("NONE"),
		Tags:     tags,
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("yelb %s: creating service network: %w", name, err)
	}
	// Clients in the VPC may reach the network's services only on the app
	// server's port.
	clients, err := ec2.NewSecurityGroup(ctx, name+"-lattice-clients", &ec2.SecurityGroupArgs{
		VpcId:       args.VpcId,
		Description: pulumi.String("Clients in the app VPC calling its VPC Lattice services"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(AppServerPort),
			ToPort:      pulumi.Int(AppServerPort),
			CidrBlocks:  pulumi.StringArray{pulumi.String(args.VpcCidr)},
			Description: pulumi.String("yelb-ui to the app server"),
		}},
		Tags: tags,
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("yelb %s: creating client security group: %w", name, err)
	}
	assoc, err := vpclattice.NewServiceNetworkVpcAssociation(ctx, name, &vpclattice.ServiceNetworkVpcAssociationArgs{
		ServiceNetworkIdentifier: network.ID(),
		VpcIdentifier:            args.VpcId,
		SecurityGroupIds:         pulumi.StringArray{clients.ID()},
		Tags:                     tags,
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("yelb %s: associating the service network with the VPC: %w", name, err)
	}
	prefixList, err := ec2.LookupManagedPrefixList(ctx, &ec2.LookupManagedPrefixListArgs{
		Name: pulumi.StringRef("com.amazonaws." + args.Region + ".vpc-lattice"),
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("yelb %s: looking up the VPC Lattice prefix list: %w", name, err)
	}
	// Lattice sends requests and health checks from its managed prefix list
	// to the pods, which carry the cluster security group.
	rule, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-from-lattice", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: args.NodeSecurityGroupId,
		PrefixListId:    pulumi.String(prefixList.Id),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(AppServerPort),
		ToPort:          pulumi.Int(AppServerPort),
		Description:     pulumi.String("VPC Lattice to the yelb app server pods"),
		Tags:            tags,
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("yelb %s: opening the app server to Lattice: %w", name, err)
	}
	return []pulumi.Resource{assoc, rule}, nil
}
