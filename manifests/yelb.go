package manifests

import (
	"io/fs"
	"strings"
)

// YelbStageFiles are the yelb workshop's stage manifests in the order they
// are applied: the numbered templates under yelb/, so adding a stage is
// adding a file. The app renders and uploads them; the pipelines deploy
// them by these names.
var YelbStageFiles = yelbStageFiles()

func yelbStageFiles() []string {
	names, err := fs.Glob(Files, "yelb/[0-9]*.yaml")
	if err != nil || len(names) == 0 {
		panic("manifests: no yelb stage templates embedded")
	}
	for i, n := range names {
		names[i] = strings.TrimPrefix(n, "yelb/")
	}
	return names
}
