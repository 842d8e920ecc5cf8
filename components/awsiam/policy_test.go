package awsiam

import (
	"reflect"
	"testing"
)

// The rendered bytes are fixed (field order, sorted condition keys,
// omitted empty fields), so an unchanged policy never shows as a diff; and
// Parse reads back exactly the document that was rendered.
func TestPolicyRendersStableJSONAndParsesBack(t *testing.T) {
	doc := Policy(
		Allow([]string{"s3:GetObject"}, "arn:aws:s3:::b/*"),
		Allow([]string{"autoscaling:SetDesiredCapacity"}, "*").
			When("StringEquals", "aws:ResourceTag/owner", "me").
			When("StringEquals", "aws:ResourceTag/app", "yelb"),
	)
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]},` +
		`{"Effect":"Allow","Action":["autoscaling:SetDesiredCapacity"],"Resource":["*"],` +
		`"Condition":{"StringEquals":{"aws:ResourceTag/app":"yelb","aws:ResourceTag/owner":"me"}}}]}`
	if got := doc.JSON(); got != want {
		t.Errorf("rendered\n%s\nwant\n%s", got, want)
	}
	back, err := Parse(doc.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, doc) {
		t.Errorf("parsed back %+v, rendered %+v", back, doc)
	}
}

func TestWhenDoesNotAlterTheOriginal(t *testing.T) {
	base := Allow([]string{"a:b"}, "*").When("Bool", "k1", "true")
	more := base.When("Bool", "k2", "false")
	if len(base.Condition["Bool"]) != 1 || len(more.Condition["Bool"]) != 2 {
		t.Errorf("base %v, more %v", base.Condition, more.Condition)
	}
}

func TestParseAcceptsStringOrList(t *testing.T) {
	doc, err := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["a","b"]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Statement[0]
	if !reflect.DeepEqual(s.Action, []string{"s3:*"}) || !reflect.DeepEqual(s.Resource, []string{"a", "b"}) {
		t.Errorf("statement = %+v", s)
	}
	if _, err := Parse(`{"Statement":[{"Action":7}]}`); err == nil {
		t.Error("a numeric action must not parse")
	}
}

func TestPodIdentityTrustAllowsTagSession(t *testing.T) {
	s := PodIdentityTrust().Statement[0]
	if s.Principal["Service"] != "pods.eks.amazonaws.com" || !reflect.DeepEqual(s.Action, []string{"sts:AssumeRole", "sts:TagSession"}) {
		t.Errorf("trust = %+v", s)
	}
}
