// Package codegen stands in for pulumi-dotnet's codegen package: see ../../README.md.
package codegen

// CSharpPackageInfo is the C# entry of a schema's language metadata.
type CSharpPackageInfo struct {
	RespectSchemaVersion bool              `json:"respectSchemaVersion,omitempty"`
	PackageReferences    map[string]string `json:"packageReferences,omitempty"`
}
