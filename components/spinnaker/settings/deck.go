package settings

import (
	"encoding/json"
	"fmt"
)

// deckSettings is a whole settings.js, as upstream's Kustomize install
// ships one: Deck's built-in file computes authEndpoint from its own default
// gate host, without /api/v1, and settings-local.js, read after it, cannot
// reach that value. gate's address is worked out in the browser: through the
// tunnel (localhost) gate has a port of its own; through the ALB it shares
// Deck's origin under /api/v1.
func (s Settings) deckSettings() string {
	body, err := json.MarshalIndent(s.deckValues(), "", "  ")
	if err != nil {
		panic(fmt.Sprintf("settings: rendering settings.js: %v", err))
	}
	return fmt.Sprintf(`'use strict';
// Rendered by the workshop program in place of Deck's own settings.js.
var gateHost = window.location.hostname === 'localhost'
  ? %q
  : window.location.origin + '/api/v1';
window.spinnakerSettings = %s;
window.spinnakerSettings.gateUrl = gateHost;
window.spinnakerSettings.authEndpoint = gateHost + '/auth/user';
window.spinnakerSettings.bakeryDetailUrl = gateHost + '/bakery/logs/{{context.region}}/{{context.status.resourceId}}';
`, s.GateURL, body)
}

// deckValues are the keys upstream's settings.js sets
// (spinnaker-kustomize/base/deck/files/settings.js), with the workshop's
// values: basic-form login, no canary, fiat or chaos monkey, artifacts
// rewrite on, and the ec2 account as AWS's default.
func (s Settings) deckValues() map[string]any {
	aws := map[string]any{"account": "", "region": ""}
	if len(s.AWS) > 0 && len(s.AWS[0].Regions) > 0 {
		aws = map[string]any{"account": s.AWS[0].Name, "region": s.AWS[0].Regions[0]}
	}
	defaults := func(keys ...string) map[string]any {
		d := map[string]any{}
		for _, k := range keys {
			d[k] = ""
		}
		return map[string]any{"defaults": d}
	}
	off := map[string]any{"enabled": false}
	return map[string]any{
		"authEnabled": true,
		"canary": map[string]any{
			"atlasWebComponentsUrl": "", "defaultJudge": "", "featureDisabled": true, "reduxLogger": false,
			"metricsAccountName": "", "metricStore": "", "showAllConfigs": false, "stagesEnabled": false,
			"storageAccountName": "", "templatesEnabled": false,
		},
		"defaultInstancePort": 80,
		"defaultTimeZone":     "UTC",
		"feature": map[string]any{
			"artifactsRewrite": true, "canary": false, "chaosMonkey": false, "fiatEnabled": false,
			"pipelineTemplates": false, "roscoMode": true, "dynamicRollbackTimeout": false,
		},
		// echo has no notification channel configured.
		"notifications": map[string]any{
			"email": off, "githubStatus": off, "googlechat": off, "microsoftteams": off,
			"pubsub": off, "cdevents": off, "slack": map[string]any{"botName": "", "enabled": false}, "sms": off,
		},
		"providers": map[string]any{
			"appengine":    defaults("account"),
			"aws":          map[string]any{"defaults": aws},
			"azure":        defaults("account", "region"),
			"cloudfoundry": defaults("account"),
			"cloudrun":     defaults("account"),
			"dcos":         defaults("account"),
			"ecs":          defaults("account"),
			"gce":          defaults("account", "region", "zone"),
			"huaweicloud":  defaults("account", "region"),
			"kubernetes":   map[string]any{},
			"oracle":       defaults("account", "bakeryRegions", "region"),
			"tencentcloud": defaults("account", "region"),
		},
		"version": s.Version,
	}
}
