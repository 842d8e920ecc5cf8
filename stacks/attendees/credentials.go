package attendees

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// roleProfile is the AWS profile a member with a role uses: it assumes the
// role, from the member's profile or the default credentials.
func roleProfile(m Member) string { return "workshop-" + m.Name }

// AWSConfigFile writes the AWS shared config file the room's CLIs,
// providers and preflight read: the user's own config, then a profile per
// member with a role. The SDKs and the AWS CLI assume the role from it and
// renew the session themselves, which a handed-out set of temporary keys
// would not (an update can outlast an hour).
func AWSConfigFile(dir string, members []Member) (string, error) {
	var b strings.Builder
	if user, err := os.ReadFile(userAWSConfig()); err == nil {
		b.Write(user)
		b.WriteString("\n")
	}
	roles := 0
	for _, m := range members {
		if m.Role == "" {
			continue
		}
		roles++
		b.WriteString(roleSection(m, os.Getenv("AWS_ACCESS_KEY_ID") != ""))
	}
	if roles == 0 {
		return "", nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "aws-config")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// roleSection is a member's profile: the role, assumed with the member's
// profile, or with the keys in the environment, or the default profile.
func roleSection(m Member, envKeys bool) string {
	source := "source_profile = default"
	switch {
	case m.Profile != "":
		source = "source_profile = " + m.Profile
	case envKeys:
		source = "credential_source = Environment"
	}
	return fmt.Sprintf("[profile %s]\nrole_arn = %s\n%s\nrole_session_name = workshop-%s\nregion = %s\n\n",
		roleProfile(m), m.Role, source, m.Name, m.Region)
}

func userAWSConfig() string {
	if p := os.Getenv("AWS_CONFIG_FILE"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".aws", "config")
}

// awsEnv is the AWS environment of a member's CLI runs and providers.
func awsEnv(m Member, configFile string) map[string]string {
	env := map[string]string{"AWS_REGION": m.Region}
	switch {
	case m.Role != "":
		env["AWS_CONFIG_FILE"] = configFile
		env["AWS_PROFILE"] = roleProfile(m)
	case m.Profile != "":
		env["AWS_PROFILE"] = m.Profile
	}
	return env
}
