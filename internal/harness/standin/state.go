package standin

import (
	"fmt"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

// record is one resource the stand-in holds.
type record struct {
	typ     string
	urn     resource.URN
	id      string
	inputs  resource.PropertyMap
	outputs resource.PropertyMap
}

// names are the values other resources refer to this one by.
func (r *record) names() []string {
	out := []string{r.id}
	for _, k := range []resource.PropertyKey{"name", "arn", "bucket"} {
		if s, ok := mockcloud.Plain(r.outputs[k], false).(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// refersTo says whether property key of r names one of names (a string, or
// a list holding one).
func (r *record) refersTo(key string, names []string) bool {
	switch v := mockcloud.Plain(r.inputs[resource.PropertyKey(key)], false).(type) {
	case string:
		return slices.Contains(names, v)
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && slices.Contains(names, s) {
				return true
			}
		}
	}
	return false
}

type state struct {
	mu      sync.Mutex
	records map[string]*record // type + "/" + id
}

func newState() *state { return &state{records: map[string]*record{}} }

func (s *state) put(r *record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[r.typ+"/"+r.id] = r
}

func (s *state) get(typ, id string) (*record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[typ+"/"+id]
	return r, ok
}

func (s *state) remove(r *record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, r.typ+"/"+r.id)
}

func (s *state) count() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, r := range s.records {
		out[r.typ]++
	}
	return out
}

// blocker is a delete AWS refuses while a resource of another type still
// refers to the one being deleted.
type blocker struct {
	typ, user, key string
	// code and message are what the AWS API answers.
	code, message string
}

// blockers, from the AWS API references: IAM DeleteRole ("DeleteConflict"),
// EC2 DeleteVpc, DeleteSubnet and DeleteRouteTable ("DependencyViolation"),
// EKS DeleteCluster ("ResourceInUseException"), S3 DeleteBucket
// ("BucketNotEmpty").
var blockers = []blocker{
	{"aws:iam/role:Role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "role", "DeleteConflict", "Cannot delete entity, must detach all policies first."},
	{"aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "role", "DeleteConflict", "Cannot delete entity, must delete policies first."},
	{"aws:iam/role:Role", nodeGroupType, "nodeRoleArn", "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."},
	{"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "vpcId", "DependencyViolation", "The vpc has dependencies and cannot be deleted."},
	{"aws:ec2/vpc:Vpc", "aws:ec2/securityGroup:SecurityGroup", "vpcId", "DependencyViolation", "The vpc has dependencies and cannot be deleted."},
	{"aws:ec2/vpc:Vpc", "aws:ec2/internetGateway:InternetGateway", "vpcId", "DependencyViolation", "The vpc has dependencies and cannot be deleted."},
	{"aws:ec2/vpc:Vpc", "aws:ec2/routeTable:RouteTable", "vpcId", "DependencyViolation", "The vpc has dependencies and cannot be deleted."},
	{"aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "subnetId", "DependencyViolation", "The subnet has dependencies and cannot be deleted."},
	{"aws:ec2/subnet:Subnet", nodeGroupType, "subnetIds", "DependencyViolation", "The subnet has dependencies and cannot be deleted."},
	{"aws:ec2/routeTable:RouteTable", "aws:ec2/routeTableAssociation:RouteTableAssociation", "routeTableId", "DependencyViolation", "The routeTable has dependencies and cannot be deleted."},
	{clusterType, nodeGroupType, "clusterName", "ResourceInUseException", "Cluster has nodegroups attached"},
	{"aws:s3/bucketV2:BucketV2", "aws:s3/bucketObjectv2:BucketObjectv2", "bucket", "BucketNotEmpty", "The bucket you tried to delete is not empty"},
}

// inUse is the error AWS gives deleting r while something refers to it.
func (s *state) inUse(r *record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := r.names()
	for _, b := range blockers {
		if b.typ != r.typ || (b.code == "BucketNotEmpty" && forceDestroy(r)) {
			continue
		}
		for _, other := range s.records {
			if other.typ == b.user && other.refersTo(b.key, names) {
				return fmt.Errorf("%s: %s (still used by %s)", b.code, b.message, other.urn)
			}
		}
	}
	return nil
}

func forceDestroy(r *record) bool {
	v, _ := mockcloud.Plain(r.inputs["forceDestroy"], false).(bool)
	return v
}
