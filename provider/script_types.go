package provider

import (
	"fmt"
	"slices"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/lumier-dev/lumier/internal/bundle"
)

// Defaults for new Workers.
const (
	DefaultCompatibilityDate = "2025-11-17"
	defaultCompatibilityFlag = "nodejs_compat"
)

// ScriptArgs are the inputs of a Script: one uploaded Worker script with its bindings and
// Durable Object classes.
type ScriptArgs struct {
	ScriptName         string            `pulumi:"scriptName"`
	Entry              string            `pulumi:"entry"`
	WorkersDev         *bool             `pulumi:"workersDev,optional"`
	CompatibilityDate  string            `pulumi:"compatibilityDate,optional"`
	CompatibilityFlags []string          `pulumi:"compatibilityFlags,optional"`
	Bindings           []Binding         `pulumi:"bindings,optional"`
	Secrets            map[string]string `pulumi:"secrets,optional" provider:"secret"`
	DurableObjects     []Class           `pulumi:"durableObjects,optional"`
	DeleteData         bool              `pulumi:"deleteData,optional"`
	Build              *BuildOptions     `pulumi:"build,optional"`
	CodeHash           string            `pulumi:"codeHash,optional"`
	Owner              string            `pulumi:"owner,optional"`
	Crons              []string          `pulumi:"crons,optional"`
	Assets             *Assets           `pulumi:"assets,optional"`
	AssetsHash         string            `pulumi:"assetsHash,optional"`
	Rollout            *Rollout          `pulumi:"rollout,optional"`
	QueueConsumers     []QueueConsumer   `pulumi:"queueConsumers,optional"`
	Routes             []Route           `pulumi:"routes,optional"`
	Domains            []string          `pulumi:"domains,optional"`
}

// Annotate documents ScriptArgs.
func (a *ScriptArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.ScriptName, "Name of the Worker script on Cloudflare. Lowercase letters, digits, '-' and '_', at most 63 characters.")
	an.Describe(&a.Entry, "Path of the Worker's entry module (TypeScript or JavaScript), absolute or relative to the "+
		"Pulumi project. It is bundled with esbuild into one ES module.")
	an.Describe(&a.WorkersDev, "Serve the script on its workers.dev URL. Defaults to true.")
	an.Describe(&a.CompatibilityDate, "Workers runtime compatibility date. Defaults to "+DefaultCompatibilityDate+".")
	an.Describe(&a.CompatibilityFlags, "Workers runtime compatibility flags. Defaults to [\"nodejs_compat\"].")
	an.Describe(&a.Bindings, "Bindings the Worker reads on env, by kind (plain text, Durable Object namespace, ...).")
	an.Describe(&a.Secrets, "Secret text bindings (env.NAME is the string). Kept encrypted in state; never read back from Cloudflare.")
	an.Describe(&a.DurableObjects, "Durable Object classes this script hosts. Migrations are computed from the difference "+
		"between these and the classes Cloudflare has for the script.")
	an.Describe(&a.DeleteData, "Allow deleting Durable Object data: removing a class from `durableObjects`, or deleting "+
		"the script, deletes the data of its objects only when this is true.")
	an.Describe(&a.Build, "esbuild options for bundling the entry.")
	an.Describe(&a.Crons, cronsDoc)
	an.Describe(&a.Assets, "Static assets: a directory served at its files' paths before the Worker runs, and "+
		"optionally an env binding that fetches them.")
	an.Describe(&a.AssetsHash, "Digest of the assets directory's manifest. Computed by the provider during check; leave unset.")
	an.Describe(&a.Rollout, rolloutDoc)
	an.Describe(&a.QueueConsumers, queueConsumersDoc)
	an.Describe(&a.Routes, routesDoc)
	an.Describe(&a.Domains, domainsDoc)
	an.Describe(&a.CodeHash, "SHA-256 of the bundled code. Computed by the provider during check; leave unset.")
	an.Describe(&a.Owner, "Who deploys the script: a Worker sets \"<project>/<stack>/<resource>\"; defaults to the "+
		"resource name. The script is tagged with it, and a create refuses to take over an existing script with "+
		"another owner (import it instead).")
}

// cronsDoc documents the crons option wherever it appears.
const cronsDoc = "Cron Triggers: cron expressions (five fields, UTC, Cloudflare's syntax) on which Cloudflare runs the " +
	"Worker's scheduled() handler, for example [\"*/5 * * * *\"]."

// rolloutDoc documents the rollout option wherever it appears.
const rolloutDoc = "Gradual rollout: the share of requests the new version gets, the previous version keeping the " +
	"rest; for example {percentage: 50}, then {percentage: 100} (or no rollout) to finish. An update that needs a " +
	"Durable Object migration is deployed to all requests (Cloudflare applies migrations only that way)."

// Rollout deploys a new version of a Worker to a share of its requests.
type Rollout struct {
	// Percentage of requests the new version gets, in (0, 100].
	Percentage float64 `pulumi:"percentage"`
}

// Annotate documents Rollout.
func (r *Rollout) Annotate(a infer.Annotator) {
	a.SetToken("index", "Rollout")
	a.Describe(r, "A gradual deployment: the new version answers this share of requests, the previous version the rest.")
	a.Describe(&r.Percentage, "Percentage of requests routed to the new version: more than 0, at most 100.")
}

// BuildOptions tune esbuild.
type BuildOptions struct {
	Define    map[string]string `pulumi:"define,optional"`
	External  []string          `pulumi:"external,optional"`
	Minify    bool              `pulumi:"minify,optional"`
	Sourcemap bool              `pulumi:"sourcemap,optional"`
}

// Annotate documents BuildOptions.
func (b *BuildOptions) Annotate(a infer.Annotator) {
	a.SetToken("index", "BuildOptions")
	a.Describe(b, "esbuild options for bundling a Worker's entry into one ES module.")
	a.Describe(&b.Define, "Identifiers replaced with constant expressions at build time (esbuild define).")
	a.Describe(&b.External, "Import paths left out of the bundle. cloudflare:* and node:* are always external.")
	a.Describe(&b.Minify, "Minify the bundle.")
	a.Describe(&b.Sourcemap, "Embed an inline source map so stack traces point at the sources.")
}

// ScriptState is what a Script records after a deploy.
type ScriptState struct {
	ScriptArgs
	URL          string            `pulumi:"url"`
	MigrationTag string            `pulumi:"migrationTag"`
	NamespaceIDs map[string]string `pulumi:"namespaceIds,optional"`
	VersionID    string            `pulumi:"versionId,optional"`
	URLs         []string          `pulumi:"urls,optional"`
	RouteIDs     map[string]string `pulumi:"routeIds,optional"`
	DomainIDs    map[string]string `pulumi:"domainIds,optional"`
}

// Annotate documents ScriptState.
func (s *ScriptState) Annotate(a infer.Annotator) {
	a.Describe(&s.URL, "URL the script answers at when workersDev is on; empty otherwise.")
	a.Describe(&s.MigrationTag, "Durable Object migration tag Cloudflare reports for the script.")
	a.Describe(&s.NamespaceIDs, "Durable Object namespace id of each hosted class, by class name.")
	a.Describe(&s.VersionID, "Id of the version the last versions upload created (the one a rollout routes to); empty "+
		"after a direct upload.")
	a.Describe(&s.URLs, "The URLs the Worker can be called at: its workers.dev URL (when on), \"https://<hostname>/\" for each custom domain, and for each route whose host has no wildcard the route's pattern as a URL without its trailing \"*\" (https unless the pattern names http: \"example.com/api/*\" is \"https://example.com/api/\"); a route such as \"*.example.com/*\" names no one URL and is not listed.")
	a.Describe(&s.RouteIDs, "Id of each route, \"<zoneId>/<routeId>\", by pattern.")
	a.Describe(&s.DomainIDs, "Id of each custom domain, by hostname.")
}

func (a ScriptArgs) workersDev() bool { return a.WorkersDev == nil || *a.WorkersDev }

// percentage is the share of requests a new version gets: the rollout's, or all of them.
func (a ScriptArgs) percentage() float64 {
	if a.Rollout == nil {
		return 100
	}
	return a.Rollout.Percentage
}

func (a ScriptArgs) compatibilityDate() string {
	if a.CompatibilityDate == "" {
		return DefaultCompatibilityDate
	}
	return a.CompatibilityDate
}

// compatibilityFlags are the flags as written: Check spells out the default when the option is
// absent, so nil (a state read back from Cloudflare) and [] both mean none.
func (a ScriptArgs) compatibilityFlags() []string {
	if a.CompatibilityFlags == nil {
		return []string{}
	}
	return a.CompatibilityFlags
}

// nodeFlags are the compatibility flags that give a Worker the runtime's `node:*` modules
// (https://developers.cloudflare.com/workers/runtime-apis/nodejs/); nodejs_als gives
// node:async_hooks alone.
var nodeFlags = []string{"nodejs_compat", "nodejs_compat_v2"}

// checkNodeImports refuses, at preview, code importing a `node:*` module the Worker's flags do
// not provide: Cloudflare accepts the upload only to fail it with `No such module "node:..."`.
func checkNodeImports(args *ScriptArgs, b *bundle.Result) []p.CheckFailure {
	if slices.ContainsFunc(args.CompatibilityFlags, func(f string) bool { return slices.Contains(nodeFlags, f) }) {
		return nil
	}
	var failures []p.CheckFailure
	for _, imp := range b.NodeImports {
		if imp.Module == "node:async_hooks" && slices.Contains(args.CompatibilityFlags, "nodejs_als") {
			continue
		}
		failures = append(failures, p.CheckFailure{Property: "compatibilityFlags", Reason: fmt.Sprintf(
			"%s imports %q, which the Workers runtime provides only with the nodejs_compat compatibility flag, and "+
				"compatibilityFlags is %s: add \"nodejs_compat\" to compatibilityFlags (or leave compatibilityFlags "+
				"unset, which means [\"nodejs_compat\"]), or remove the import",
			imp.From, imp.Module, flagList(args.CompatibilityFlags))})
	}
	return failures
}

// flagList writes flags the way the user wrote them: ["a", "b"].
func flagList(flags []string) string {
	return "[" + strings.Join(quoteAll(flags), ", ") + "]"
}

// Class declares one Durable Object class hosted by a script.
type Class struct {
	// ClassName is the exported class that implements the Durable Object.
	ClassName string `pulumi:"className"`
	// SQLite selects SQLite-backed storage (the default) instead of the legacy key-value storage.
	SQLite *bool `pulumi:"sqlite,optional"`
	// RenamedFrom names the class this one used to be; its objects and data are kept.
	RenamedFrom *string `pulumi:"renamedFrom,optional"`
	// TransferredFrom names a class in another script whose objects and data move to this one.
	TransferredFrom *ClassRef `pulumi:"transferredFrom,optional"`
	// TransferredTo marks a class that is moving to another script: it stays here, data and all,
	// until that script's transfer takes it.
	TransferredTo *string `pulumi:"transferredTo,optional"`
	// Name is the logical name of the DurableObject; a new className under the same name is a
	// rename, which keeps the data.
	Name *string `pulumi:"name,optional"`
}

// ClassRef points at a Durable Object class in a given script.
type ClassRef struct {
	// ScriptName is the script that hosts the class now.
	ScriptName string `pulumi:"scriptName"`
	// ClassName is the class in that script.
	ClassName string `pulumi:"className"`
}

// Annotate documents Class in the schema.
func (c *Class) Annotate(a infer.Annotator) {
	a.SetToken("index", "Class")
	a.Describe(c, "A Durable Object class hosted by a Worker's script, with what its migration needs: renames and "+
		"transfers keep the objects and their data.")
	a.Describe(&c.ClassName, "Name of the exported class that implements the Durable Object.")
	a.Describe(&c.SQLite, "Use SQLite-backed storage (`ctx.storage.sql`). Defaults to true. Cannot change once the class exists.")
	a.Describe(&c.RenamedFrom, "Previous name of this class. The rename keeps every object and its data.")
	a.Describe(&c.TransferredFrom, "A class in another script whose objects and data move to this class.")
	a.Describe(&c.TransferredTo, "Script this class is moving to (that script declares it with transferredFrom). "+
		"The class and its data stay here until the transfer runs; nothing is deleted.")
	a.Describe(&c.Name, "Logical name of the DurableObject. When the className under the same name changes, the "+
		"class is renamed and its data kept.")
}

// Annotate documents ClassRef in the schema.
func (c *ClassRef) Annotate(a infer.Annotator) {
	a.SetToken("index", "ClassRef")
	a.Describe(c, "A Durable Object class in a given script: where a transferred class comes from.")
	a.Describe(&c.ScriptName, "Script that hosts the class now.")
	a.Describe(&c.ClassName, "Class name in that script.")
}

// sqlite reports the effective storage of a class declaration: SQLite unless set to false.
func (c Class) sqlite() bool { return c.SQLite == nil || *c.SQLite }

// The optional strings are pointers so that unset ones stay out of previews; these read them.
func (c Class) renamedFrom() string   { return deref(c.RenamedFrom) }
func (c Class) transferredTo() string { return deref(c.TransferredTo) }
func (c Class) name() string          { return deref(c.Name) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
