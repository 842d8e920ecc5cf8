package engine

import (
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/internal/harness/standin"
	"github.com/workshop/spinnaker-modernization/stacks/plan"
)

// Every AWS type the program creates, in any of the configs the scenarios
// and the README walk through, must be one the stand-in serves: a new type
// fails here, under the mocks, before the engine scenarios run.
func TestTheStandInServesEveryAWSTypeOfTheProgram(t *testing.T) {
	for _, tc := range []struct {
		name      string
		overrides map[string]string
	}{
		{"dev", nil},
		{"appmesh", map[string]string{"workshop:yelb": `{"backend":"appmesh"}`}},
		{"pulumi delivery", map[string]string{"workshop:platform": "false", "workshop:yelb": `{"delivery":"pulumi","stage":4,"appServerV2Image":"example.com/yelb-appserver:v2"}`}},
		{"chaos e-mail", map[string]string{"workshop:chaos": `{"notificationEmail":"ops@example.com"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offline, _, _, err := plan.Build(repo, "dev", tc.overrides)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range offline.Steps {
				typ := s.NewState.Type
				if s.NewState.Custom && strings.HasPrefix(typ, "aws:") && !standin.Knows(typ) {
					t.Errorf("the aws stand-in does not serve %s (%s)", typ, s.URN)
				}
			}
		})
	}
}
