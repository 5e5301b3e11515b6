// Package java stands in for pulumi-java's codegen package: see ../../../../README.md.
package java

// PackageInfo is the Java entry of a schema's language metadata.
type PackageInfo struct {
	BuildFiles                      string            `json:"buildFiles,omitempty"`
	GradleNexusPublishPluginVersion string            `json:"gradleNexusPublishPluginVersion,omitempty"`
	Dependencies                    map[string]string `json:"dependencies,omitempty"`
}
