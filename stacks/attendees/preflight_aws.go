package attendees

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// MemberAWSConfig is the AWS configuration of a member's credentials:
// its region, its profile, or the role profile written by AWSConfigFile.
func MemberAWSConfig(ctx context.Context, m Member, configFile string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(m.Region)}
	switch {
	case m.Role != "":
		opts = append(opts, config.WithSharedConfigFiles([]string{configFile}), config.WithSharedConfigProfile(roleProfile(m)))
	case m.Profile != "":
		opts = append(opts, config.WithSharedConfigProfile(m.Profile))
	}
	return config.LoadDefaultConfig(ctx, opts...)
}

// ConnectAWS is Preflight.Connect on the AWS SDK for Go v2.
func ConnectAWS(configFile string) func(context.Context, Member) (Cloud, error) {
	return func(ctx context.Context, m Member) (Cloud, error) {
		cfg, err := MemberAWSConfig(ctx, m, configFile)
		if err != nil {
			return nil, err
		}
		return &awsCloud{sts: sts.NewFromConfig(cfg), quotas: servicequotas.NewFromConfig(cfg),
			ec2: ec2.NewFromConfig(cfg), eks: eks.NewFromConfig(cfg)}, nil
	}
}

type awsCloud struct {
	sts    *sts.Client
	quotas *servicequotas.Client
	ec2    *ec2.Client
	eks    *eks.Client
}

func (c *awsCloud) Account(ctx context.Context) (string, error) {
	out, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Account), nil
}

// Quota reads the value applied to the account, or AWS's default where
// none is (Service Quotas answers NoSuchResourceException then).
func (c *awsCloud) Quota(ctx context.Context, q Quota) (float64, error) {
	out, err := c.quotas.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: &q.Service, QuotaCode: &q.Code})
	var missing *sqtypes.NoSuchResourceException
	if errors.As(err, &missing) {
		def, err := c.quotas.GetAWSDefaultServiceQuota(ctx, &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: &q.Service, QuotaCode: &q.Code})
		if err != nil {
			return 0, err
		}
		return aws.ToFloat64(def.Quota.Value), nil
	}
	if err != nil {
		return 0, err
	}
	return aws.ToFloat64(out.Quota.Value), nil
}

func (c *awsCloud) Usage(ctx context.Context) (Count, error) {
	u := Count{NATPerAZ: map[string]int{}}
	for vpcs := ec2.NewDescribeVpcsPaginator(c.ec2, &ec2.DescribeVpcsInput{}); vpcs.HasMorePages(); {
		page, err := vpcs.NextPage(ctx)
		if err != nil {
			return u, err
		}
		u.VPCs += len(page.Vpcs)
	}
	for igws := ec2.NewDescribeInternetGatewaysPaginator(c.ec2, &ec2.DescribeInternetGatewaysInput{}); igws.HasMorePages(); {
		page, err := igws.NextPage(ctx)
		if err != nil {
			return u, err
		}
		u.InternetGateways += len(page.InternetGateways)
	}
	addresses, err := c.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: []ec2types.Filter{{Name: aws.String("domain"), Values: []string{"vpc"}}}})
	if err != nil {
		return u, err
	}
	u.ElasticIPs = len(addresses.Addresses)
	if u.NATPerAZ, err = c.natGatewaysPerZone(ctx); err != nil {
		return u, err
	}
	for clusters := eks.NewListClustersPaginator(c.eks, &eks.ListClustersInput{}); clusters.HasMorePages(); {
		page, err := clusters.NextPage(ctx)
		if err != nil {
			return u, err
		}
		u.Clusters += len(page.Clusters)
	}
	u.VCPUs, err = c.standardVCPUs(ctx)
	return u, err
}

// natGatewaysPerZone counts the zonal NAT gateways that are up or coming
// up, by their subnet's zone.
func (c *awsCloud) natGatewaysPerZone(ctx context.Context) (map[string]int, error) {
	perSubnet := map[string]int{}
	input := &ec2.DescribeNatGatewaysInput{Filter: []ec2types.Filter{{Name: aws.String("state"), Values: []string{"pending", "available"}}}}
	for nats := ec2.NewDescribeNatGatewaysPaginator(c.ec2, input); nats.HasMorePages(); {
		page, err := nats.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range page.NatGateways {
			if n.SubnetId != nil {
				perSubnet[*n.SubnetId]++
			}
		}
	}
	out := map[string]int{}
	if len(perSubnet) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(perSubnet))
	for id := range perSubnet {
		ids = append(ids, id)
	}
	for subnets := ec2.NewDescribeSubnetsPaginator(c.ec2, &ec2.DescribeSubnetsInput{SubnetIds: ids}); subnets.HasMorePages(); {
		page, err := subnets.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.Subnets {
			out[aws.ToString(s.AvailabilityZone)] += perSubnet[aws.ToString(s.SubnetId)]
		}
	}
	return out, nil
}

// standardVCPUs sums the vCPUs of running and pending On-Demand instances
// of the standard families.
func (c *awsCloud) standardVCPUs(ctx context.Context) (int, error) {
	total := 0
	input := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}}}}
	for instances := ec2.NewDescribeInstancesPaginator(c.ec2, input); instances.HasMorePages(); {
		page, err := instances.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				typ := string(i.InstanceType)
				// Spot and scheduled instances have a lifecycle; On-Demand has none.
				if i.InstanceLifecycle != "" || typ == "" || !strings.ContainsRune(standardFamilies, rune(typ[0])) || i.CpuOptions == nil {
					continue
				}
				total += int(aws.ToInt32(i.CpuOptions.CoreCount) * aws.ToInt32(i.CpuOptions.ThreadsPerCore))
			}
		}
	}
	return total, nil
}

func (c *awsCloud) VCPUs(ctx context.Context, instanceTypes []string) (map[string]int, error) {
	types := make([]ec2types.InstanceType, len(instanceTypes))
	for i, t := range instanceTypes {
		types[i] = ec2types.InstanceType(t)
	}
	out := map[string]int{}
	for pages := ec2.NewDescribeInstanceTypesPaginator(c.ec2, &ec2.DescribeInstanceTypesInput{InstanceTypes: types}); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.InstanceTypes {
			if it.VCpuInfo != nil {
				out[string(it.InstanceType)] = int(aws.ToInt32(it.VCpuInfo.DefaultVCpus))
			}
		}
	}
	return out, nil
}
