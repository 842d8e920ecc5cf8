package spinnaker

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/spinnaker/pipelines"
	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
)

// AppTarget is an app cluster Spinnaker delivers yelb to: a clouddriver
// kubernetes account on it, and an application with the workshop's
// pipelines that deploy through that account. A stack with its own app
// cluster has one; a room's shared platform has one per attendee.
type AppTarget struct {
	// Account is the clouddriver account name, Application the Spinnaker
	// application's: both are known up front, so config and seeding can be
	// laid out before the clusters exist.
	Account     string
	Application string
	// ClusterName, KubeconfigJSON (pulumi-eks's kubeconfig of the cluster)
	// and Namespace (where the pipelines deploy) may come from another stack.
	ClusterName    pulumi.StringInput
	KubeconfigJSON pulumi.StringInput
	Namespace      pulumi.StringInput
	// ArtifactPrefix is the key prefix of this app's manifests in the
	// artifact bucket ("" for a stack's own app).
	ArtifactPrefix string
	// Access, if set, is clouddriver's access entry on the cluster, which
	// clouddriver must not start without.
	Access pulumi.Resource
}

// appName is what Deck accepts for a kubernetes application: a letter, then
// letters, digits and dashes, 63 at most
// (deck/packages/kubernetes/src/validation/applicationName.validator.ts).
var appName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,62}$`)

// validateApps refuses targets that would collide or that Spinnaker refuses.
func validateApps(apps []AppTarget) error {
	if len(apps) == 0 {
		return fmt.Errorf("no app target: Spinnaker needs a cluster to deliver to")
	}
	accounts, names := map[string]bool{}, map[string]bool{}
	for _, t := range apps {
		switch {
		case !appName.MatchString(t.Application):
			return fmt.Errorf("application %q: a letter, then letters, digits and dashes, 63 at most", t.Application)
		case names[t.Application]:
			return fmt.Errorf("application %q is given twice", t.Application)
		case t.Account == "" || accounts[t.Account]:
			return fmt.Errorf("account %q of application %s is empty or given twice", t.Account, t.Application)
		}
		accounts[t.Account], names[t.Application] = true, true
	}
	return nil
}

// resolvedApp is an AppTarget with its values known.
type resolvedApp struct {
	AppTarget
	clusterName, namespace, kubeconfigJSON string
}

// resolveApps waits for every target's values, in order. The kubeconfig
// is a secret, and so is all that derives from it: only the service config
// asks for it, not the seeding, whose objects are named after what they
// hold and would show as [secret] in every preview.
func resolveApps(apps []AppTarget, withKubeconfig bool) pulumi.AnyOutput {
	var inputs []any
	for _, t := range apps {
		var kubeconfig pulumi.StringInput = pulumi.String("")
		if withKubeconfig {
			kubeconfig = t.KubeconfigJSON
		}
		inputs = append(inputs, t.ClusterName, t.Namespace, kubeconfig)
	}
	return pulumi.All(inputs...).ApplyT(func(xs []any) any {
		out := make([]resolvedApp, len(apps))
		for i, t := range apps {
			out[i] = resolvedApp{AppTarget: t, clusterName: xs[3*i].(string), namespace: xs[3*i+1].(string), kubeconfigJSON: xs[3*i+2].(string)}
		}
		return out
	}).(pulumi.AnyOutput)
}

// kubernetesAccounts are clouddriver's accounts for the targets, each
// limited to its app's namespace.
func kubernetesAccounts(apps []resolvedApp, region string) ([]settings.KubernetesAccount, error) {
	var out []settings.KubernetesAccount
	for _, t := range apps {
		kubeconfig, err := AccountKubeconfig(t.kubeconfigJSON, t.clusterName, region)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", t.Account, err)
		}
		out = append(out, settings.KubernetesAccount{
			Name: t.Account, Context: "eks", KubeconfigContents: kubeconfig,
			Namespaces: []string{t.namespace}, OnlySpinnakerManaged: false,
		})
	}
	return out, nil
}

// seedFiles are every application's files as config map keys
// "<application>.<file>"; seedPaths lays them out as one directory per
// application for the seeder.
func seedFiles(apps []resolvedApp, codeBuildProject, bucket string, stageFiles []string) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range apps {
		files, err := PipelineFiles(pipelines.Inputs{
			Application:       t.Application,
			CodeBuildAccount:  "platform",
			CodeBuildProject:  codeBuildProject,
			ArtifactAccount:   "platform",
			ArtifactBucket:    bucket,
			KubernetesAccount: t.Account,
			Namespace:         t.namespace,
			StageFiles:        stageFiles,
			ArtifactPrefix:    t.ArtifactPrefix,
		})
		if err != nil {
			return nil, fmt.Errorf("application %s: %w", t.Application, err)
		}
		for name, text := range files {
			out[t.Application+"."+name] = text
		}
	}
	return out, nil
}

// seedLayout is where each config map key lands under the seeder's mount,
// and the directories to seed, in the targets' order.
func seedLayout(apps []AppTarget, stageFiles []string) (paths map[string]string, dirs []string) {
	names := []string{ApplicationFileName}
	for _, p := range pipelines.All(pipelines.Inputs{StageFiles: stageFiles}) {
		names = append(names, p.Name+".json")
	}
	slices.Sort(names)
	paths = map[string]string{}
	for _, t := range apps {
		for _, n := range names {
			paths[t.Application+"."+n] = t.Application + "/" + n
		}
		dirs = append(dirs, t.Application)
	}
	return paths, dirs
}

// ApplicationFileName is the seeder's createApplication task file.
const ApplicationFileName = "application.json"

// appAccesses are the access entries clouddriver waits for.
func appAccesses(apps []AppTarget) []pulumi.Resource {
	var out []pulumi.Resource
	for _, t := range apps {
		if t.Access != nil {
			out = append(out, t.Access)
		}
	}
	return out
}
