// Package standin serves stand-ins for the aws and eks Pulumi providers
// in-process, for the real Pulumi engine to attach to through
// PULUMI_DEBUG_PROVIDERS. As far as the engine can tell they behave like the
// real ones: Check validates inputs against the providers' published types
// (read from their generated Go SDKs) and auto-names as pulumi-aws does; Diff
// reports changed properties and those that force a replacement; Create,
// Read, Update and Delete keep state, and a delete that AWS would refuse
// while something still uses the resource is refused the same way. Outputs
// come from internal/mockcloud's synthesis. eks:index:Cluster is constructed
// as pulumi-eks v3 does, with a kubeconfig pointing at a local API server,
// and a managed node group's nodes appear there as kwok nodes.
package standin
