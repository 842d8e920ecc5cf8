// Package githubci is the companion stack that lets GitHub Actions of one
// repository reach AWS by OIDC: a preview role that can only read, for pull
// requests, and an apply role for pushes to main. No long-lived keys.
package githubci

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Namespace is the companion project's config namespace (ci/github/Pulumi.yaml).
const Namespace = "workshop-ci"

// GitHub's OIDC issuer and the audience aws-actions/configure-aws-credentials
// asks for by default (its action.yml, input audience).
const (
	issuerHost = "token.actions.githubusercontent.com"
	audience   = "sts.amazonaws.com"
)

// Config is the companion stack's config.
type Config struct {
	// Repository is "owner/name".
	Repository string
	// RepositoryIDs is "ownerID/repositoryID" for repositories that emit
	// GitHub's immutable subject claim; empty for the legacy form.
	RepositoryIDs string
	// StateBucket and SecretsKeyArn are the state backend's bucket and KMS key.
	StateBucket   string
	SecretsKeyArn string
	// OIDCProviderArn names an existing GitHub provider in the account; empty
	// creates one (an account holds one per issuer).
	OIDCProviderArn string
}

var (
	repositoryPattern = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)
	idsPattern        = regexp.MustCompile(`^[0-9]+/[0-9]+$`)
	bucketPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	kmsKeyPattern     = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)
	providerPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/` + regexp.QuoteMeta(issuerHost) + `$`)
)

// Parse checks the config, naming the key and what it expects for each
// problem, before anything is created.
func Parse(raw map[string]string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(raw[Namespace+":"+k]) }
	c := Config{
		Repository: get("repository"), RepositoryIDs: get("repositoryIds"),
		StateBucket: get("stateBucket"), SecretsKeyArn: get("secretsKeyArn"), OIDCProviderArn: get("oidcProviderArn"),
	}
	var problems []string
	check := func(ok bool, key, format string, args ...any) {
		if !ok {
			problems = append(problems, fmt.Sprintf("config %s:%s: %s", Namespace, key, fmt.Sprintf(format, args...)))
		}
	}
	check(repositoryPattern.MatchString(c.Repository), "repository", "%q is not owner/name", c.Repository)
	check(c.RepositoryIDs == "" || idsPattern.MatchString(c.RepositoryIDs), "repositoryIds", "%q is not ownerID/repositoryID (two numbers)", c.RepositoryIDs)
	check(bucketPattern.MatchString(c.StateBucket), "stateBucket", "%q is not an S3 bucket name", c.StateBucket)
	check(kmsKeyPattern.MatchString(c.SecretsKeyArn), "secretsKeyArn", "%q is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)", c.SecretsKeyArn)
	check(c.OIDCProviderArn == "" || providerPattern.MatchString(c.OIDCProviderArn), "oidcProviderArn", "%q is not the ARN of an OIDC provider for %s", c.OIDCProviderArn, issuerHost)
	for key := range raw {
		name, ok := strings.CutPrefix(key, Namespace+":")
		if ok && !knownKeys[name] {
			problems = append(problems, fmt.Sprintf("config %s: unknown key; expected one of %s", key, strings.Join(sortedKeys(), ", ")))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return Config{}, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return c, nil
}

var knownKeys = map[string]bool{"repository": true, "repositoryIds": true, "stateBucket": true, "secretsKeyArn": true, "oidcProviderArn": true}

func sortedKeys() []string {
	var out []string
	for k := range knownKeys {
		out = append(out, Namespace+":"+k)
	}
	sort.Strings(out)
	return out
}

// Subject is the OIDC subject GitHub gives a job of the repository, for
// context such as "pull_request" or "ref:refs/heads/main" (GitHub docs,
// https://docs.github.com/en/actions/reference/security/oidc; the immutable
// form per aws-actions/configure-aws-credentials README "Immutable subject
// claims").
func (c Config) Subject(context string) string {
	repo := c.Repository
	if c.RepositoryIDs != "" {
		owner, name, _ := strings.Cut(c.Repository, "/")
		ownerID, repoID, _ := strings.Cut(c.RepositoryIDs, "/")
		repo = owner + "@" + ownerID + "/" + name + "@" + repoID
	}
	return "repo:" + repo + ":" + context
}

// ConfigFromEnvironment reads the config the Pulumi CLI hands a Go program.
func ConfigFromEnvironment() (map[string]string, error) {
	raw := map[string]string{}
	if v := os.Getenv(pulumi.EnvConfig); v != "" {
		if err := json.Unmarshal([]byte(v), &raw); err != nil {
			return nil, fmt.Errorf("reading %s: %w", pulumi.EnvConfig, err)
		}
	}
	return raw, nil
}

// Program is the companion stack for the given config.
func Program(raw map[string]string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cfg, err := Parse(raw)
		if err != nil {
			return err
		}
		return Roles(ctx, cfg)
	}
}

// Roles creates the OIDC provider (unless one is named) and both roles, and
// exports their ARNs for the repository's variables.
func Roles(ctx *pulumi.Context, cfg Config) error {
	providerArn := cfg.OIDCProviderArn
	var opts []pulumi.ResourceOption
	if providerArn == "" {
		caller, err := aws.GetCallerIdentity(ctx, nil)
		if err != nil {
			return fmt.Errorf("reading the account: %w", err)
		}
		provider, err := iam.NewOpenIdConnectProvider(ctx, "github", &iam.OpenIdConnectProviderArgs{
			Url:           pulumi.String("https://" + issuerHost),
			ClientIdLists: pulumi.StringArray{pulumi.String(audience)},
		})
		if err != nil {
			return fmt.Errorf("creating the GitHub OIDC provider: %w", err)
		}
		// Known before the provider exists, so the trust policies are plain
		// documents; IAM refuses a trust in a provider it does not have yet.
		providerArn = "arn:aws:iam::" + caller.AccountId + ":oidc-provider/" + issuerHost
		opts = append(opts, pulumi.DependsOn([]pulumi.Resource{provider}))
	}
	preview, err := previewRole(ctx, cfg, providerArn, opts...)
	if err != nil {
		return err
	}
	apply, err := applyRole(ctx, cfg, providerArn, opts...)
	if err != nil {
		return err
	}
	ctx.Export("oidcProviderArn", pulumi.String(providerArn))
	ctx.Export("previewRoleArn", preview.Arn)
	ctx.Export("applyRoleArn", apply.Arn)
	return nil
}
