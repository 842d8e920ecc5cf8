package addons

import (
	"path"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

var (
	lattice = Flags{GatewayAPIController: true}
	appMesh = Flags{AppMeshController: true}
)

// TestDNSEndpointCRDIsInstalledOnce: the external-dns 1.20.0 chart ships the
// DNSEndpoint CRD in crds/ (kubernetes-sigs/external-dns
// charts/external-dns/crds/dnsendpoints.externaldns.k8s.io.yaml), so the
// Lattice controller's chart must not install its own copy (v2.1.3
// helm/values.yaml: installExternalDNSCRD false "if external-dns is already
// installed"). The controller watches DNSEndpoints only if the CRD exists
// when it starts (pkg/controllers/route_controller.go, IsGVKSupported), so
// it starts after external-dns.
func TestDNSEndpointCRDIsInstalledOnce(t *testing.T) {
	cloud := mustBuild(t, lattice).cloud
	controller, v := mustChart(t, cloud, "aws-gateway-controller-chart")
	if v["installExternalDNSCRD"] != false {
		t.Errorf("installExternalDNSCRD = %v: the external-dns chart installs the same CRD", v["installExternalDNSCRD"])
	}
	dns, _ := mustChart(t, cloud, "external-dns")
	if skip, _ := dns.Input("skipCrds").(bool); skip {
		t.Error("the external-dns chart skips the DNSEndpoint CRD, which nothing else installs")
	}
	if !contains(controller.Dependencies, dns.URN) {
		t.Error("the Lattice controller may start before the DNSEndpoint CRD exists and never watch DNSEndpoints")
	}
}

// TestAppOutlivesEverythingItsTeardownNeeds: a consumer depends on
// AddOns.Resources, so everything the add-ons create must be among them or
// among their dependencies; otherwise destroy may delete it while the app
// still exists. The GatewayClass is the case that leaks: once it is gone the
// controller no longer takes the Gateway and routes for its own
// (aws/aws-application-networking-k8s pkg/k8s/utils.go,
// IsControlledByLatticeGatewayController), never removes their finalizers,
// and the Lattice service and service network stay.
func TestAppOutlivesEverythingItsTeardownNeeds(t *testing.T) {
	for name, flags := range map[string]Flags{"all": all, "lattice": lattice, "appmesh": appMesh} {
		t.Run(name, func(t *testing.T) {
			b := mustBuild(t, flags)
			outlived := closure(b.cloud, b.resources)
			component := b.cloud.OfType("workshop:addons:AddOns")[0].URN
			for _, r := range b.cloud.Resources() {
				if r.Parent == component && !outlived[r.URN] {
					t.Errorf("%s may be destroyed before the app", r.URN)
				}
			}
		})
	}
}

// closure is every URN the given ones depend on, themselves included.
func closure(cloud *mockcloud.Cloud, roots []string) map[string]bool {
	seen := map[string]bool{}
	for len(roots) > 0 {
		urn := roots[len(roots)-1]
		roots = roots[:len(roots)-1]
		if seen[urn] {
			continue
		}
		seen[urn] = true
		if r, ok := cloud.ByURN(urn); ok {
			roots = append(roots, r.Dependencies...)
		}
	}
	return seen
}

// TestAppMeshUsesIRSA: appmesh-controller 1.13.3 is built with aws-sdk-go
// v1.44.252 (aws/aws-app-mesh-controller-for-k8s go.mod at v1.13.3), older
// than the v1.47.11 Pod Identity needs (EKS user guide,
// pod-id-minimum-sdk.html), and injected Envoys do not read Pod Identity
// credentials (aws/aws-app-mesh-roadmap#493): both get IRSA roles, trusted
// through the cluster's OIDC provider for exactly their service account
// (EKS user guide, associate-service-account-role.html).
func TestAppMeshUsesIRSA(t *testing.T) {
	b := mustBuild(t, appMesh)
	if n := len(b.cloud.OfType("aws:eks/podIdentityAssociation:PodIdentityAssociation")); n != 0 {
		t.Errorf("%d Pod Identity associations: App Mesh cannot use them", n)
	}
	roles := map[string]mockcloud.Resource{}
	for _, r := range b.cloud.OfType("aws:iam/role:Role") {
		roles[irsaSubject(t, r)] = r
	}
	controller, ok := roles["system:serviceaccount:appmesh-system:appmesh-controller"]
	if !ok {
		t.Fatalf("no role for the controller's service account; roles trust %v", keys(roles))
	}
	_, v := mustChart(t, b.cloud, "appmesh-controller")
	sa, _ := v["serviceAccount"].(map[string]any)
	annotations, _ := sa["annotations"].(map[string]any)
	if sa["name"] != "appmesh-controller" || annotations["eks.amazonaws.com/role-arn"] != controller.Output("arn") {
		t.Errorf("controller service account %v does not name its role %v", sa, controller.Output("arn"))
	}
	envoy, ok := roles["system:serviceaccount:"+appNS+":"+WorkloadServiceAccount]
	if !ok {
		t.Fatalf("no role for the app's service account; roles trust %v", keys(roles))
	}
	if b.addons.EnvoyRoleArn != envoy.Output("arn") {
		t.Errorf("EnvoyRoleArn %q is not the Envoy role %v", b.addons.EnvoyRoleArn, envoy.Output("arn"))
	}
}

// irsaSubject checks a role's trust is IRSA's and returns the service
// account it admits.
func irsaSubject(t *testing.T, role mockcloud.Resource) string {
	t.Helper()
	doc, err := awsiam.Parse(role.String("assumeRolePolicy"))
	if err != nil || len(doc.Statement) != 1 {
		t.Fatalf("%s trust %s: %v", role.Name, role.String("assumeRolePolicy"), err)
	}
	s := doc.Statement[0]
	eq := s.Condition["StringEquals"]
	if s.Principal["Federated"] != oidcArn || len(s.Action) != 1 || s.Action[0] != "sts:AssumeRoleWithWebIdentity" ||
		eq[oidcIssuer+":aud"] != "sts.amazonaws.com" {
		t.Errorf("%s is not trusted through the cluster's OIDC provider: %s", role.Name, role.String("assumeRolePolicy"))
	}
	sub, _ := eq[oidcIssuer+":sub"].(string)
	return sub
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// latticeOperations are the VPC Lattice operations the AWS Gateway API
// Controller v2.1.3 calls (aws/aws-application-networking-k8s
// pkg/aws/services/vpclattice.go and pkg/deploy/lattice/*.go: the
// vpclattice.*Input types they build).
var latticeOperations = strings.Fields(`BatchUpdateRule CreateAccessLogSubscription CreateListener
	CreateRule CreateService CreateServiceNetwork CreateServiceNetworkServiceAssociation
	CreateServiceNetworkVpcAssociation CreateTargetGroup DeleteAccessLogSubscription
	DeleteAuthPolicy DeleteListener DeleteRule DeleteService DeleteServiceNetwork
	DeleteServiceNetworkServiceAssociation DeleteServiceNetworkVpcAssociation
	DeleteTargetGroup DeregisterTargets GetAccessLogSubscription GetAuthPolicy GetListener
	GetRule GetService GetServiceNetwork GetServiceNetworkServiceAssociation
	GetServiceNetworkVpcAssociation GetTargetGroup ListAccessLogSubscriptions ListListeners
	ListRules ListServiceNetworkServiceAssociations ListServiceNetworkVpcAssociations
	ListServiceNetworks ListServices ListTagsForResource ListTargetGroups ListTargets
	PutAuthPolicy RegisterTargets TagResource UntagResource UpdateAccessLogSubscription
	UpdateListener UpdateRule UpdateService UpdateServiceNetwork
	UpdateServiceNetworkVpcAssociation UpdateTargetGroup`)

// latticeAction is the IAM action an operation needs, per the Service
// Authorization Reference for VPC Lattice (list_vpc-lattice.html): its own
// name, except BatchUpdateRule, which needs vpc-lattice:UpdateRule.
func latticeAction(operation string) string {
	if operation == "BatchUpdateRule" {
		return "vpc-lattice:UpdateRule"
	}
	return "vpc-lattice:" + operation
}

// TestLatticeControllerMayDoWhatItCalls: every IAM action behind an API call
// the controller makes is allowed by its policy. The calls outside VPC
// Lattice are its EC2, ACM and tagging clients (pkg/aws/services/tagging.go,
// cert_discovery.go).
func TestLatticeControllerMayDoWhatItCalls(t *testing.T) {
	policy, err := GatewayAPIControllerPolicy()
	if err != nil {
		t.Fatal(err)
	}
	actions := []string{"ec2:DescribeTags", "acm:ListCertificates", "tag:GetResources", "tag:TagResources", "tag:UntagResources"}
	for _, op := range latticeOperations {
		actions = append(actions, latticeAction(op))
	}
	for _, a := range actions {
		t.Run(a, func(t *testing.T) {
			if !allows(policy, a) {
				t.Errorf("the controller's policy does not allow %s", a)
			}
		})
	}
}

// allows reports whether an Allow statement on every resource matches the
// action, with IAM's wildcards.
func allows(doc awsiam.Document, action string) bool {
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Condition != nil || len(s.Resource) != 1 || s.Resource[0] != "*" {
			continue
		}
		for _, pattern := range s.Action {
			if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(action)); ok {
				return true
			}
		}
	}
	return false
}
