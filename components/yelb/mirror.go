package yelb

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// Docker Hub allows 10 anonymous pulls an hour per IPv4 address, and every
// node of the app cluster pulls through the VPC's one NAT address. With a
// Docker Hub credential the stack pulls the app's images through its own ECR
// (a pull-through cache rule), so nodes pull from ECR and Docker Hub sees
// one authenticated pull per image.

const (
	dockerHubPrefix = "docker.io/"
	// dockerHubUpstream is Docker Hub's registry URL for a pull-through
	// cache rule (ECR API reference, CreatePullThroughCacheRule).
	dockerHubUpstream = "registry-1.docker.io"
	// maxMirrorPrefix is the longest ecrRepositoryPrefix ECR accepts.
	maxMirrorPrefix = 30
)

// MirrorPrefix is the stack's pull-through cache namespace in ECR.
func MirrorPrefix(prefix string) string { return prefix + "-hub" }

// credentialPattern is a Secrets Manager secret ARN of the name ECR
// requires for a pull-through cache credential.
var credentialPattern = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:ecr-pullthroughcache/[A-Za-z0-9/_+=.@-]+$`)

// ValidateDockerHubMirror checks what ECR checks when the rule is created:
// the secret's name prefix and region, and the repository prefix's length.
func ValidateDockerHubMirror(credentialArn, region, prefix string) error {
	m := credentialPattern.FindStringSubmatch(credentialArn)
	switch {
	case m == nil:
		return fmt.Errorf("dockerHubCredentialArn %q is not the ARN of a Secrets Manager secret named ecr-pullthroughcache/<name>", credentialArn)
	case m[1] != region:
		return fmt.Errorf("dockerHubCredentialArn %q is in region %s; ECR reads the credential only from the stack's region %s", credentialArn, m[1], region)
	case len(MirrorPrefix(prefix)) > maxMirrorPrefix:
		return fmt.Errorf("the Docker Hub cache prefix %q has %d characters; ECR takes at most %d, so shorten workshop:name", MirrorPrefix(prefix), len(MirrorPrefix(prefix)), maxMirrorPrefix)
	}
	return nil
}

// MirroredImages are the Docker Hub images as pulled through the stack's
// cache: <registry>/<mirror prefix>/<Docker Hub repository>:<tag>, official
// images keeping their library/ namespace.
func MirroredImages(images Images, registry, prefix string) Images {
	mirror := func(image string) string {
		if rest, ok := strings.CutPrefix(image, dockerHubPrefix); ok {
			return registry + "/" + MirrorPrefix(prefix) + "/" + rest
		}
		return image
	}
	images.UI, images.AppServer, images.DB, images.Redis = mirror(images.UI), mirror(images.AppServer), mirror(images.DB), mirror(images.Redis)
	return images
}

// newDockerHubMirror creates the pull-through cache rule, one repository per
// Docker Hub image (so destroy removes the cached images), and lets the
// nodes import into them.
func newDockerHubMirror(ctx *pulumi.Context, name string, args AppArgs, parent pulumi.Resource) ([]pulumi.Resource, error) {
	rule, err := ecr.NewPullThroughCacheRule(ctx, name+"-docker-hub", &ecr.PullThroughCacheRuleArgs{
		EcrRepositoryPrefix: pulumi.String(MirrorPrefix(args.Prefix)),
		UpstreamRegistryUrl: pulumi.String(dockerHubUpstream),
		CredentialArn:       pulumi.String(args.DockerHubCredential),
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("yelb %s: creating the Docker Hub pull-through cache rule: %w", name, err)
	}
	out := []pulumi.Resource{rule}
	for _, image := range []string{args.Images.UI, args.Images.AppServer, args.Images.DB, args.Images.Redis} {
		rest, ok := strings.CutPrefix(image, dockerHubPrefix)
		if !ok {
			continue
		}
		repository, _, _ := strings.Cut(rest, ":")
		repo, err := ecr.NewRepository(ctx, name+"-"+path.Base(repository), &ecr.RepositoryArgs{
			Name:        pulumi.String(MirrorPrefix(args.Prefix) + "/" + repository),
			ForceDelete: pulumi.Bool(true),
			Tags:        pulumi.ToStringMap(args.Tags),
		}, pulumi.Parent(parent))
		if err != nil {
			return nil, fmt.Errorf("yelb %s: creating the cache repository of %s: %w", name, repository, err)
		}
		out = append(out, repo)
	}
	grant, err := grantNodesImport(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	return append(out, grant), nil
}

// grantNodesImport lets the kubelet (the node role) have ECR fetch an image
// from Docker Hub on its first pull, into the cache's repositories only
// (ECR user guide, "IAM permissions required to sync an upstream registry").
func grantNodesImport(ctx *pulumi.Context, name string, args AppArgs, parent pulumi.Resource) (pulumi.Resource, error) {
	repositories := fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s/*", args.Region, args.AccountID, MirrorPrefix(args.Prefix))
	policy := awsiam.Policy(awsiam.Allow([]string{"ecr:BatchImportUpstreamImage", "ecr:CreateRepository"}, repositories))
	roleName := args.NodeRoleArn.ToStringOutput().ApplyT(func(arn string) string { return path.Base(arn) }).(pulumi.StringOutput)
	grant, err := iam.NewRolePolicy(ctx, name+"-docker-hub-import", &iam.RolePolicyArgs{
		Role:   roleName,
		Policy: pulumi.String(policy.JSON()),
	}, pulumi.Parent(parent))
	if err != nil {
		return nil, fmt.Errorf("yelb %s: letting the nodes fill the Docker Hub cache: %w", name, err)
	}
	return grant, nil
}
