// Package awsiam builds IAM policy documents from Go values and the roles that
// carry them, so every policy in the graph can be parsed back and checked.
package awsiam

import (
	"encoding/json"
	"fmt"
)

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document. Condition maps an operator
// (StringEquals, ...) to condition keys and their values.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]any            `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// Policy returns a document of Allow statements.
func Policy(statements ...Statement) Document {
	return Document{Version: "2012-10-17", Statement: statements}
}

// Allow is an Allow statement of actions on resources.
func Allow(actions []string, resources ...string) Statement {
	return Statement{Effect: "Allow", Action: actions, Resource: resources}
}

// When returns the statement with one condition added.
func (s Statement) When(operator, key string, value any) Statement {
	cond := map[string]map[string]any{}
	for op, kv := range s.Condition {
		cond[op] = map[string]any{}
		for k, v := range kv {
			cond[op][k] = v
		}
	}
	if cond[operator] == nil {
		cond[operator] = map[string]any{}
	}
	cond[operator][key] = value
	s.Condition = cond
	return s
}

// JSON renders the document. Field order is fixed and map keys sorted, so the
// same document always renders the same bytes (no spurious diffs).
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("awsiam: policy document does not marshal: %v", err))
	}
	return string(b)
}

// ServiceTrust lets an AWS service assume the role.
func ServiceTrust(service string) Document {
	return Policy(Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Service": service},
		Action:    []string{"sts:AssumeRole"},
	})
}

// PodIdentityTrust lets EKS Pod Identity assume the role for a pod; the agent
// needs sts:TagSession as well to attach the session tags it sets.
func PodIdentityTrust() Document {
	return Policy(Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "pods.eks.amazonaws.com"},
		Action:    []string{"sts:AssumeRole", "sts:TagSession"},
	})
}

// ManagedPolicyARN is the ARN of an AWS managed policy in the commercial partition.
func ManagedPolicyARN(name string) string {
	return "arn:aws:iam::aws:policy/" + name
}

// Parse reads a policy document back; Action and Resource may be a string or
// a list, as IAM allows.
func Parse(text string) (Document, error) {
	var raw struct {
		Version   string
		Statement []struct {
			Sid       string
			Effect    string
			Principal any
			Action    stringOrList
			Resource  stringOrList
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return Document{}, fmt.Errorf("parsing policy document: %w", err)
	}
	d := Document{Version: raw.Version}
	for _, s := range raw.Statement {
		st := Statement{Sid: s.Sid, Effect: s.Effect, Action: s.Action, Resource: s.Resource, Condition: s.Condition}
		if p, ok := s.Principal.(map[string]any); ok {
			st.Principal = p
		}
		d.Statement = append(d.Statement, st)
	}
	return d, nil
}

type stringOrList []string

func (l *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}
