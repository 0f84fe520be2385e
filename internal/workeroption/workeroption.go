// Package workeroption is the one registry of a Worker's options: per option its schema name, its
// Go name, the provider structs that declare it and how generated code carries it from one to the
// next (the App's merged Worker to the Worker component's args, those args to the Script's
// inputs). `make gen` (cmd/lumier-bindings, devtools/optiongen) writes from it
// provider/worker_options_gen.go and the Go and TypeScript helpers' WorkerOptions
// (sdk/go/lumier/config_options_gen.go, sdk/typescript/options.ts); provider's
// TestWorkerOptionsRegistry holds the provider's structs to it.
// docs/architecture.md, "Adding a Worker option".
package workeroption

// Place is a set of the provider structs that declare an option.
type Place uint8

// The provider structs a Worker option can be declared on.
const (
	// App is provider.AppWorker: one Worker declaration of an App, merged by the App.
	App Place = 1 << iota
	// Worker is provider.WorkerArgs: the Worker component's inputs.
	Worker
	// Script is provider.ScriptArgs: the Script resource's inputs, what is deployed.
	Script
	// All is the three.
	All = App | Worker | Script
)

// Carry says how generated code carries an option from a struct of plain values to a struct of
// Pulumi inputs: from the App's merged Worker (AppWorker) to the Worker component's args
// (WorkerArgs), and from the Go helper's WorkerOptions to the App's input (AppWorkerArgs).
type Carry uint8

// The ways an option goes from plain values to inputs.
const (
	// ByHand is carried by hand: provider/app.go's workerArgs, or the Go helper's Context.Worker
	// (a value resolved on the way, such as a path made absolute or a queue's name).
	ByHand Carry = iota
	// Same is the same Go type on both: assigned as it is (a pointer, when set).
	Same
	// StringInput is a string, passed as a pulumi.StringInput when not empty.
	StringInput
	// BoolInput is a *bool, passed as a pulumi.BoolInput when set.
	BoolInput
	// StringArrayInput is a []string, passed as a pulumi.StringArrayInput when set.
	StringArrayInput
)

// ToScript says how an option goes from the Worker component's args to the Script's inputs.
type ToScript uint8

// The ways an option goes from WorkerArgs to the Script's inputs.
const (
	// ScriptByHand is put into the inputs by provider/worker.go itself (it is checked there, or
	// it can fail).
	ScriptByHand ToScript = iota
	// Input is a pulumi input, passed as it is when set.
	Input
	// Convert is a pointer to a struct, passed through the provider function Func when set.
	Convert
	// ConvertList is a list of structs, passed through the provider function Func when not empty.
	ConvertList
)

// Option is one option of a Worker.
type Option struct {
	// Name is the option's name in the schema and in TypeScript, e.g. "compatibilityDate".
	Name string
	// GoName is its field's name on the provider's structs, e.g. "CompatibilityDate".
	GoName string
	// In are the provider structs that declare it.
	In Place
	// ToWorker and ToScript say how generated code carries it (for options in App and Worker,
	// and in Worker and Script); FromGoHelper, from the Go helper's WorkerOptions to the App.
	ToWorker     Carry
	ToScript     ToScript
	FromGoHelper Carry
	// Func converts the option's value into the Script's input, for Convert and ConvertList.
	Func string
	// GoHelper is its field's name on the Go helper's lumier.WorkerOptions ("" when the helper
	// does not take it); the TypeScript WorkerOptions names it Name.
	GoHelper string
	// GoType is its type on the Go helper's WorkerOptions.
	GoType string
	// TypeScript is its type on the TypeScript helper's WorkerOptions ("" when that does not take it).
	TypeScript string
	// Doc describes it for the helpers' WorkerOptions (the schema's descriptions are the
	// provider structs' own: they say what each struct does with it).
	Doc string
	// Merge means the App merges the option's declarations as one value: equal or a conflict.
	// Bindings and secrets are merged entry by entry, by env name, in provider/app.go.
	Merge bool
}

// Options are a Worker's options, in the order the generated code lists them.
var Options = []Option{
	{Name: "entry", GoName: "Entry", In: All, Merge: true, ToWorker: Same, GoHelper: "Entry",
		GoType: "string", TypeScript: "string",
		Doc: "The Worker's entry module, relative to the program's directory. One declaration of the Worker sets it; the others may leave it out."},
	{Name: "workersDev", GoName: "WorkersDev", In: All, Merge: true, ToWorker: BoolInput, ToScript: Input, FromGoHelper: BoolInput, GoHelper: "WorkersDev",
		GoType: "*bool", TypeScript: "boolean",
		Doc: "Serve the Worker on its workers.dev URL (default true)."},
	{Name: "compatibilityDate", GoName: "CompatibilityDate", In: All, Merge: true, ToWorker: StringInput, ToScript: Input,
		FromGoHelper: StringInput, GoHelper: "CompatibilityDate",
		GoType: "string", TypeScript: "string",
		Doc: "Workers runtime compatibility date (default 2025-11-17)."},
	{Name: "compatibilityFlags", GoName: "CompatibilityFlags", In: All, Merge: true, ToWorker: StringArrayInput, ToScript: Input,
		FromGoHelper: StringArrayInput, GoHelper: "CompatibilityFlags",
		GoType: "[]string", TypeScript: "string[]",
		Doc: "Workers runtime compatibility flags (default [\"nodejs_compat\"])."},
	{Name: "build", GoName: "Build", In: All, Merge: true, ToWorker: Same, ToScript: Convert, Func: "buildInput", FromGoHelper: Same, GoHelper: "Build",
		GoType: "*BuildOptionsArgs", TypeScript: "BuildOptions",
		Doc: "esbuild options for the Worker's bundle."},
	{Name: "crons", GoName: "Crons", In: All, Merge: true, ToWorker: StringArrayInput, ToScript: Input, FromGoHelper: StringArrayInput, GoHelper: "Crons",
		GoType: "[]string", TypeScript: "string[]",
		Doc: "Cron Triggers: cron expressions (five fields, UTC) on which the Worker's scheduled() handler runs, for example [\"*/5 * * * *\"]."},
	{Name: "assets", GoName: "Assets", In: All, Merge: true, ToWorker: Same, ToScript: Convert, Func: "assetsInput", GoHelper: "Assets",
		GoType: "*AssetsOptions", TypeScript: "AssetsOptions",
		Doc: "Static assets served at their paths before the Worker runs; their binding names the env binding that fetches them."},
	{Name: "rollout", GoName: "Rollout", In: All, Merge: true, ToWorker: Same, ToScript: Convert, Func: "rolloutInput", FromGoHelper: Same, GoHelper: "Rollout",
		GoType: "*RolloutArgs", TypeScript: "RolloutOptions",
		Doc: "Gradual rollout: the new version gets this share of the requests, the previous version the rest; for example {percentage: 50}, later {percentage: 100} (or no rollout) to finish."},
	// The App names the app's queues on Cloudflare (app_queue.go).
	{Name: "queueConsumers", GoName: "QueueConsumers", In: All, Merge: true, ToWorker: ByHand, ToScript: ConvertList,
		Func: "consumersInput", GoHelper: "Consumers",
		GoType: "[]Consumer", TypeScript: "QueueConsumerOptions[]",
		Doc: "Queues whose messages this Worker's queue() handler consumes."},
	// Routes are checked, and can fail, on their way to the Script (routes.go, routingInputs).
	{Name: "routes", GoName: "Routes", In: All, Merge: true, ToWorker: Same, GoHelper: "Routes",
		GoType: "[]any", TypeScript: "(string | RouteOptions)[]",
		Doc: "Routes: URL patterns in the account's zones that run this Worker, each a pattern such as \"example.com/api/*\" or a route naming its zone ({pattern, zoneName} or {pattern, zoneId})."},
	{Name: "domains", GoName: "Domains", In: All, Merge: true, ToWorker: Same, GoHelper: "Domains",
		GoType: "[]string", TypeScript: "string[]",
		Doc: "Custom domains, such as \"api.example.com\": every path of each runs this Worker."},
	// Bindings and secrets are merged by env name, resolved by the App and read by the Worker
	// (Durable Objects and data of the app, by reference), so they are carried by hand.
	{Name: "bindings", GoName: "Bindings", In: All, GoHelper: "Bindings",
		GoType: "Bindings", TypeScript: "Record<string, BindingValue>",
		Doc: "Bindings by env name: a string (plain text), a Durable Object, data resource or Worker of this app, secret text, or an object {type, ...} of a binding kind (a kind's helper makes one)."},
	{Name: "secrets", GoName: "Secrets", In: All},
	// The App declares Durable Objects and removal itself (AppArgs), and gives its Workers these.
	{Name: "durableObjects", GoName: "DurableObjects", In: Worker | Script, ToScript: ConvertList, Func: "classesInput"},
	{Name: "deleteData", GoName: "DeleteData", In: Worker | Script},
}

// Is reports whether o is declared on the struct place.
func (o Option) Is(place Place) bool { return o.In&place != 0 }
