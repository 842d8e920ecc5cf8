// Package delivery is the workshop's CI: the ECR repository for the v2 app
// server, the CodeBuild project that builds it, the artifact bucket the
// manifests go to, and the spinnaker-managed role Spinnaker assumes for them.
package delivery

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codebuild"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/components/s3bucket"
	"github.com/workshop/spinnaker-modernization/manifests"
)

// BuildImage is the CodeBuild standard image the project builds in.
const BuildImage = "aws/codebuild/amazonlinux-x86_64-standard:5.0"

// DeliveryArgs configures the CI resources.
type DeliveryArgs struct {
	Region           string
	SourceLocation   string
	SourceBranch     string
	AppDir           string
	LogRetentionDays int
	// ManagedRoleName is fixed so Spinnaker's roles can name it before it exists.
	ManagedRoleName string
	// SpinnakerPrincipals may assume the managed role.
	SpinnakerPrincipals pulumi.StringArrayInput
	// AppClusterArns are the clusters the managed role may describe.
	AppClusterArns pulumi.StringArrayInput
	Tags           map[string]string
}

// Delivery is the CI of one stack.
type Delivery struct {
	pulumi.ResourceState

	RepositoryUrl     pulumi.StringOutput
	ProjectName       pulumi.StringOutput
	ArtifactBucket    pulumi.StringOutput
	ArtifactBucketArn pulumi.StringOutput
	ManagedRoleArn    pulumi.StringOutput
}

// NewDelivery creates the repository, bucket, build project and roles.
func NewDelivery(ctx *pulumi.Context, name string, args DeliveryArgs, opts ...pulumi.ResourceOption) (*Delivery, error) {
	d := &Delivery{}
	if err := ctx.RegisterComponentResource("workshop:delivery:Delivery", name, d, opts...); err != nil {
		return nil, err
	}
	b := builder{ctx: ctx, name: name, args: args, parent: pulumi.Parent(d), tags: pulumi.ToStringMap(args.Tags)}
	repo, err := b.repository()
	if err != nil {
		return nil, fmt.Errorf("delivery %s: repository: %w", name, err)
	}
	bucket, err := s3bucket.New(ctx, name+"-artifacts", s3bucket.Args{NoncurrentDays: 7, ForceDestroy: true, Tags: args.Tags}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("delivery %s: artifact bucket: %w", name, err)
	}
	project, err := b.project(repo, bucket)
	if err != nil {
		return nil, fmt.Errorf("delivery %s: %w", name, err)
	}
	managedPolicy := pulumi.All(project.Arn, args.AppClusterArns).ApplyT(func(xs []any) string {
		return ManagedPolicy(xs[0].(string), xs[1].([]string)).JSON()
	}).(pulumi.StringOutput)
	managed, err := newManagedRole(ctx, args, managedPolicy, b.parent)
	if err != nil {
		return nil, fmt.Errorf("delivery %s: spinnaker-managed role: %w", name, err)
	}

	d.RepositoryUrl = repo.RepositoryUrl
	d.ProjectName = project.Name
	d.ArtifactBucket = bucket.Name
	d.ArtifactBucketArn = bucket.Arn
	d.ManagedRoleArn = managed
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{
		"repositoryUrl": d.RepositoryUrl, "projectName": d.ProjectName,
		"artifactBucket": d.ArtifactBucket, "managedRoleArn": d.ManagedRoleArn,
	})
}

// builder carries what every part of the CI needs.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   DeliveryArgs
	parent pulumi.ResourceOption
	tags   pulumi.StringMap
}

// repository is immutable: a tag, once pushed, always names the same image.
func (b builder) repository() (*ecr.Repository, error) {
	repo, err := ecr.NewRepository(b.ctx, b.name+"-yelbv2", &ecr.RepositoryArgs{
		// Namespaced by the stack: repository names are unique per account.
		Name:                       pulumi.String(b.name + "/yelbv2"),
		ImageTagMutability:         pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		EncryptionConfigurations:   ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")}},
		// Built images are reproducible from source; they go with the stack.
		ForceDelete: pulumi.Bool(true),
		Tags:        b.tags,
	}, b.parent)
	if err != nil {
		return nil, err
	}
	_, err = ecr.NewLifecyclePolicy(b.ctx, b.name+"-yelbv2", &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(LifecyclePolicy()),
	}, b.parent)
	return repo, err
}

// project is the CodeBuild project, its log group and its role.
func (b builder) project(repo *ecr.Repository, bucket *s3bucket.Bucket) (*codebuild.Project, error) {
	projectName := b.name + "-yelbv2"
	logs, err := cloudwatch.NewLogGroup(b.ctx, projectName, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/codebuild/" + projectName),
		RetentionInDays: pulumi.Int(b.args.LogRetentionDays),
		Tags:            b.tags,
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("log group: %w", err)
	}
	buildPolicy := pulumi.All(logs.Arn, repo.Arn, bucket.Arn).ApplyT(func(xs []any) string {
		return BuildPolicy(xs[0].(string), xs[1].(string), xs[2].(string)).JSON()
	}).(pulumi.StringOutput)
	buildRole, err := awsiam.NewRole(b.ctx, b.name+"-codebuild", awsiam.RoleArgs{
		Description: "CodeBuild project " + projectName,
		Trust:       awsiam.ServiceTrust("codebuild.amazonaws.com"),
		Policy:      buildPolicy,
		Tags:        b.args.Tags,
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("build role: %w", err)
	}
	env := func(k string, v pulumi.StringInput) codebuild.ProjectEnvironmentEnvironmentVariableInput {
		return codebuild.ProjectEnvironmentEnvironmentVariableArgs{Name: pulumi.String(k), Value: v}
	}
	project, err := codebuild.NewProject(b.ctx, projectName, &codebuild.ProjectArgs{
		Name:          pulumi.String(projectName),
		Description:   pulumi.String("Builds yelb-appserver v2 for the Spinnaker workshop"),
		ServiceRole:   buildRole.Arn,
		SourceVersion: pulumi.String(b.args.SourceBranch),
		Source: codebuild.ProjectSourceArgs{
			Type:          pulumi.String("GITHUB"),
			Location:      pulumi.String(b.args.SourceLocation),
			GitCloneDepth: pulumi.Int(1),
			Buildspec:     pulumi.String(manifests.Read("buildspec.yml")),
		},
		Environment: codebuild.ProjectEnvironmentArgs{
			Type:           pulumi.String("LINUX_CONTAINER"),
			ComputeType:    pulumi.String("BUILD_GENERAL1_SMALL"),
			Image:          pulumi.String(BuildImage),
			PrivilegedMode: pulumi.Bool(true), // docker build
			EnvironmentVariables: codebuild.ProjectEnvironmentEnvironmentVariableArray{
				env("ARTIFACT_BUCKET", bucket.Name),
				env("REPOSITORY_URI", repo.RepositoryUrl),
				env("APP_NAME", pulumi.String("yelb-appserver")),
				env("APP_DIR", pulumi.String(b.args.AppDir)),
				env("AWS_DEFAULT_REGION", pulumi.String(b.args.Region)),
			},
		},
		Artifacts: codebuild.ProjectArtifactsArgs{Type: pulumi.String("NO_ARTIFACTS")},
		LogsConfig: codebuild.ProjectLogsConfigArgs{CloudwatchLogs: codebuild.ProjectLogsConfigCloudwatchLogsArgs{
			GroupName: logs.Name, Status: pulumi.String("ENABLED"),
		}},
		BuildTimeout: pulumi.Int(20),
		Tags:         b.tags,
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("project: %w", err)
	}
	return project, nil
}

// LifecyclePolicy keeps the last 20 builds and drops untagged layers after a day.
func LifecyclePolicy() string {
	rule := func(priority int, description string, selection map[string]any) map[string]any {
		return map[string]any{"rulePriority": priority, "description": description, "selection": selection,
			"action": map[string]any{"type": "expire"}}
	}
	b, _ := json.Marshal(map[string]any{"rules": []any{
		rule(1, "Expire untagged images after a day", map[string]any{
			"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1}),
		rule(2, "Keep the last 20 images", map[string]any{
			"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20}),
	}})
	return string(b)
}

// BuildPolicy lets the build write its logs, push to its repository and
// read and write the artifact bucket; nothing else.
func BuildPolicy(logGroupArn, repositoryArn, bucketArn string) awsiam.Document {
	return awsiam.Policy(
		awsiam.Allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, logGroupArn, logGroupArn+":*"),
		awsiam.Allow([]string{"ecr:GetAuthorizationToken"}, "*"),
		awsiam.Allow([]string{
			"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
			"ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
		}, repositoryArn),
		awsiam.Allow([]string{"s3:GetObject", "s3:PutObject"}, bucketArn+"/*"),
	)
}

// EC2AccountReads are the read-only calls clouddriver makes with the ec2
// account's credentials: its account health check, DescribeAccountAttributes
// (clouddriver-aws/.../health/AmazonHealthIndicator.java), and the caching
// agents it runs per region (clouddriver-aws/.../provider/config/ProviderHelpers.java):
// EC2 instances, images, security groups, subnets, VPCs, key pairs, elastic
// IPs, instance types and reservations; Auto Scaling groups and launch
// configurations; load balancers; IAM server certificates
// (AmazonCertificateCachingAgent.groovy).
var EC2AccountReads = []string{
	"ec2:Describe*", "autoscaling:Describe*", "elasticloadbalancing:Describe*", "iam:ListServerCertificates",
}

// ManagedPolicy is what Spinnaker may do through the managed role: run and
// read builds of its project (igor's CodeBuild account), read what the ec2
// account caches, find the app clusters. The artifact bucket is not here:
// clouddriver reads it with its own role.
func ManagedPolicy(projectArn string, clusterArns []string) awsiam.Document {
	return awsiam.Policy(
		awsiam.Allow([]string{"codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds", "codebuild:BatchGetProjects"}, projectArn),
		awsiam.Allow([]string{"codebuild:ListProjects"}, "*"),
		awsiam.Allow(EC2AccountReads, "*"),
		awsiam.Allow([]string{"eks:DescribeCluster"}, clusterArns...),
	)
}
