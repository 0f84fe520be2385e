package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"golang.org/x/sync/errgroup"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
)

// Script is the custom resource that owns one uploaded Worker script: its code, settings,
// bindings and Durable Object classes. Worker components create one each.
type Script struct{}

var (
	_ = (infer.CustomResource[ScriptArgs, ScriptState])((*Script)(nil))
	_ = (infer.CustomCheck[ScriptArgs])((*Script)(nil))
	_ = (infer.CustomDiff[ScriptArgs, ScriptState])((*Script)(nil))
	_ = (infer.CustomUpdate[ScriptArgs, ScriptState])((*Script)(nil))
	_ = (infer.CustomRead[ScriptArgs, ScriptState])((*Script)(nil))
	_ = (infer.CustomDelete[ScriptState])((*Script)(nil))
	_ = (infer.Annotated)((*Script)(nil))
)

// Annotate sets the token and documents Script.
func (s *Script) Annotate(a infer.Annotator) {
	a.SetToken("index", "Script")
	a.Describe(s, "One Cloudflare Worker script: bundled code, settings, bindings and the Durable Object classes it "+
		"hosts. Durable Object migrations are computed from what Cloudflare reports, and data is never deleted "+
		"unless deleteData is true. Import an existing script with the id `<accountId>/<scriptName>`.")
}

// Check validates inputs at preview time and bundles the entry so the diff can compare code hashes.
func (s *Script) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[ScriptArgs], error) {
	args, failures, err := infer.DefaultCheck[ScriptArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[ScriptArgs]{Inputs: args, Failures: failures}, err
	}
	known := func(key string) bool {
		v, ok := req.NewInputs.GetOk(key)
		return !ok || !v.HasComputed()
	}
	// Spell out the defaults, so previews and state show what Cloudflare gets.
	if known("compatibilityDate") && args.CompatibilityDate == "" {
		args.CompatibilityDate = DefaultCompatibilityDate
	}
	// The default applies only when the option is absent: `compatibilityFlags: []` means none.
	if _, written := req.NewInputs.GetOk("compatibilityFlags"); !written {
		args.CompatibilityFlags = []string{defaultCompatibilityFlag}
	} else if args.CompatibilityFlags == nil && known("compatibilityFlags") {
		args.CompatibilityFlags = []string{}
	}
	if args.Owner == "" {
		args.Owner = req.Name
	}
	if known("workersDev") && args.WorkersDev == nil {
		on := true
		args.WorkersDev = &on
	}

	if known("compatibilityDate") {
		failures = append(failures, checkCompatibilityDate(args.CompatibilityDate, time.Now())...)
	}
	if known("scriptName") {
		if err := naming.ValidateScriptName(args.ScriptName); err != nil {
			failures = append(failures, p.CheckFailure{Property: "scriptName", Reason: err.Error()})
		} else if err := claimScript(args.ScriptName, req.Name); err != nil {
			failures = append(failures, p.CheckFailure{Property: "scriptName", Reason: err.Error()})
		}
	}
	if known("bindings") && known("secrets") && known("durableObjects") {
		args.Bindings = normalizeBindings(args.Bindings, args.ScriptName)
		failures = append(failures, checkBindings(args)...)
		failures = append(failures, checkWorkflows(args)...)
	}
	if known("crons") {
		failures = append(failures, checkCrons(args.Crons)...)
	}
	if known("rollout") {
		failures = append(failures, checkRollout(args.Rollout)...)
	}
	if known("queueConsumers") {
		failures = append(failures, checkConsumers(args.QueueConsumers)...)
		args.QueueConsumers = withConsumerDefaults(args.QueueConsumers)
	}
	previous, hadPrevious := oldInputs(ctx, req)
	if hadPrevious && known("scriptName") {
		failures = append(failures, checkReplacement(ctx, previous, args)...)
	}
	if known("workersDev") {
		var prev *ScriptArgs
		if hadPrevious {
			prev = &previous
		}
		subFailures, err := checkSubdomain(ctx, args, prev)
		if err != nil {
			return infer.CheckResponse[ScriptArgs]{}, err
		}
		failures = append(failures, subFailures...)
	}
	if known("durableObjects") {
		var old []Class
		if hadPrevious && previous.ScriptName == args.ScriptName {
			old = previous.DurableObjects
		}
		classFailures, err := checkClassChanges(ctx, &args, old)
		if err != nil {
			return infer.CheckResponse[ScriptArgs]{}, err
		}
		failures = append(failures, classFailures...)
	}
	if known("assets") && known("bindings") && known("secrets") {
		failures = append(failures, checkAssets(&args, infer.GetConfig[Config](ctx))...)
	}
	if known("entry") && known("build") && !importedUnchanged(req, args) {
		failures = append(failures, checkCode(&args, known, infer.GetConfig[Config](ctx))...)
	}
	if known("bindings") {
		failures = append(failures, checkServiceEntrypoints(args)...)
	}
	if known("routes") && known("domains") && known("scriptName") {
		var prev *ScriptArgs
		if hadPrevious {
			prev = &previous
		}
		failures = append(failures, checkRouting(ctx, args, prev)...)
	}
	return infer.CheckResponse[ScriptArgs]{Inputs: args, Failures: failures}, nil
}

// importedUnchanged reports inputs that a Read returned for an import and that nothing has changed
// since: Cloudflare keeps a script's bundle but not its sources, so an imported script has no
// entry, and there is nothing to bundle while its code stays as Cloudflare has it. `pulumi
// import` checks such inputs; once the program sets entry (or changes anything else), the code
// is bundled and checked again.
func importedUnchanged(req infer.CheckRequest, args ScriptArgs) bool {
	return args.Entry == "" && req.OldInputs.Len() > 0 && property.New(req.OldInputs).Equals(property.New(req.NewInputs))
}

// checkReplacement refuses a new script name that would replace a script hosting Durable
// Objects: the classes start empty under the new name and the old script, data included, is
// deleted with its old inputs, so the opt-in must already be deployed.
func checkReplacement(ctx context.Context, previous, args ScriptArgs) []p.CheckFailure {
	if previous.ScriptName == args.ScriptName || len(previous.DurableObjects) == 0 {
		return nil
	}
	classes := strings.Join(quoteAll(classNames(previous.DurableObjects)), ", ")
	if previous.DeleteData {
		p.GetLogger(ctx).Warningf("renaming script %q to %q replaces it: its Durable Object classes %s start empty and "+
			"the old script's data is DELETED (deleteData is true)", previous.ScriptName, args.ScriptName, classes)
		return nil
	}
	return []p.CheckFailure{{Property: "scriptName", Reason: fmt.Sprintf("renaming script %q to %q replaces it, and its "+
		"Durable Object classes %s would start empty while the old script and its data are deleted. Keep the name, or "+
		"move the classes with transferredFrom to a new Worker first; to replace it anyway, deploy deleteData: true "+
		"under the old name, then rename", previous.ScriptName, args.ScriptName, classes)}}
}

// checkClassChanges infers renames into args, refuses class changes that lose data or break
// another Worker, and says plainly in the preview what will be renamed or deleted.
func checkClassChanges(ctx context.Context, args *ScriptArgs, old []Class) ([]p.CheckFailure, error) {
	inferRenames(args.DurableObjects, old)
	failures, changes := checkClasses(*args, old)
	if len(failures) > 0 {
		return failures, nil
	}
	bound, err := boundElsewhere(ctx, args.ScriptName, append(changes.renamed, changes.dropped...))
	if err != nil {
		return nil, fmt.Errorf("checking bindings to classes of %q: %w", args.ScriptName, err)
	}
	for _, class := range changes.dropped {
		p.GetLogger(ctx).Warningf("Durable Object class %q of script %q is no longer declared and deleteData is true: "+
			"this deploy DELETES the class and all the data of its objects", class, args.ScriptName)
	}
	for _, class := range newKVClasses(args.DurableObjects, old) {
		p.GetLogger(ctx).Warning(kvClassWarning(args.ScriptName, class))
	}
	for _, c := range args.DurableObjects {
		if from := c.renamedFrom(); from != "" {
			p.GetLogger(ctx).Infof("Durable Object class %q of script %q is renamed to %q; its objects and data are kept",
				from, args.ScriptName, c.ClassName)
		}
	}
	return bound, nil
}

// checkCode bundles the entry, records its hash in args, and checks what Cloudflare would
// refuse or the runtime fail on: every declared class (when classes are known) exported as a
// class, a default handler, and the size limit of the configured plan.
func checkCode(args *ScriptArgs, known func(string) bool, cfg Config) []p.CheckFailure {
	b, err := bundleEntry(*args)
	if err != nil {
		return []p.CheckFailure{{Property: "entry", Reason: err.Error()}}
	}
	args.CodeHash = b.Hash
	checkedBundles.put(b)
	recordExports(args.ScriptName, args.Entry, b.ExportKinds)
	var failures []p.CheckFailure
	if known("durableObjects") {
		failures = append(failures, checkClassExports(args, b)...)
	}
	if known("bindings") {
		failures = append(failures, checkWorkflowExports(args, b)...)
	}
	if known("compatibilityFlags") {
		failures = append(failures, checkNodeImports(args, b)...)
	}
	if !slices.Contains(b.Exports, "default") {
		failures = append(failures, p.CheckFailure{Property: "entry", Reason: fmt.Sprintf(
			"%s has no default export, so the Worker would answer no requests: add `export default "+
				"{ async fetch(request) { ... } }`", args.Entry)})
	}
	failures = append(failures, checkQueueHandler(args, b)...)
	plan, limit := cfg.sizeLimit()
	return append(failures, checkSize(args.Entry, b, plan, limit)...)
}

// checkClassExports requires each declared Durable Object class to be exported, and exported
// as a class: the runtime constructs it with `new`, so a function deploys but fails every
// request, and an object does not deploy.
func checkClassExports(args *ScriptArgs, b *bundle.Result) []p.CheckFailure {
	var failures []p.CheckFailure
	for _, c := range args.DurableObjects {
		if !slices.Contains(b.Exports, c.ClassName) {
			failures = append(failures, p.CheckFailure{Property: "durableObjects", Reason: fmt.Sprintf(
				"Durable Object class %q is not exported by %s (it exports %s): add `export class %s extends "+
					"DurableObject { ... }` to the entry, or fix className", c.ClassName, args.Entry, exportList(b.Exports), c.ClassName)})
			continue
		}
		kind := b.ExportKinds[c.ClassName]
		if kind == bundle.KindClass || kind == bundle.KindUnknown || kind == "" {
			continue
		}
		what := fmt.Sprintf("export %q of %s", c.ClassName, args.Entry)
		fix := fmt.Sprintf("Declare it as `export class %s extends DurableObject { ... }` (DurableObject is "+
			"imported from \"cloudflare:workers\")", c.ClassName)
		if kind == bundle.KindBareClass {
			failures = append(failures, p.CheckFailure{Property: "durableObjects", Reason: fmt.Sprintf(
				"Durable Object class %q of %s extends nothing and has no methods, so it has nothing to answer a "+
					"request or a call with. %s, or give it the handlers it serves (fetch, or the methods its callers use)",
				c.ClassName, args.Entry, fix)})
			continue
		}
		if c.ClassName == "default" {
			what = "the default export of " + args.Entry
			fix = "Export the class under its own name (for example `export class Counter extends DurableObject " +
				"{ ... }`) and set className to that name; the default export is the Worker's handlers"
		}
		failures = append(failures, p.CheckFailure{Property: "durableObjects", Reason: fmt.Sprintf(
			"Durable Object class %q must be a class, but %s is %s: Cloudflare constructs Durable Objects with `new` "+
				"and calls their methods. %s", c.ClassName, what, article(kind), fix)})
	}
	return failures
}

// article is an export kind with its article: "a function", "an object".
func article(k bundle.ExportKind) string {
	switch k {
	case bundle.KindObject:
		return "an object"
	case bundle.KindValue:
		return "a plain value"
	}
	return "a " + string(k)
}

// checkSize refuses a bundle over the plan's limit on the gzip size of a Worker
// (docs/cloudflare-api.md, Limits), naming the inputs that take the most room.
func checkSize(entry string, b *bundle.Result, plan string, limit int) []p.CheckFailure {
	if b.GzipSize <= limit {
		return nil
	}
	var largest []string
	for _, in := range b.Inputs[:min(3, len(b.Inputs))] {
		largest = append(largest, fmt.Sprintf("%s (%s)", in.Path, mebibytes(in.Bytes)))
	}
	other := "paid"
	if plan == planPaid {
		other = ""
	}
	reason := fmt.Sprintf("%s bundles to %s after gzip, over the %s limit of Cloudflare's Workers %s plan (lumier:workersPlan); "+
		"largest inputs before compression: %s. Leave large data out of the bundle (KV, R2 or D1 hold it), or mark "+
		"big dependencies external with build.external", entry, mebibytes(b.GzipSize), mebibytes(limit), plan,
		strings.Join(largest, ", "))
	if other != "" {
		reason += fmt.Sprintf("; if the account is on Workers Paid, set `pulumi config set lumier:workersPlan %s`", other)
	}
	return []p.CheckFailure{{Property: "entry", Reason: reason}}
}

// mebibytes formats a byte count the way Cloudflare states its limits (KiB below one MiB).
func mebibytes(n int) string {
	if n < mib {
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.2f MiB", float64(n)/mib)
}

// oldClasses returns the classes of the previous inputs, if any, to catch storage flips at preview.
func oldInputs(ctx context.Context, req infer.CheckRequest) (ScriptArgs, bool) {
	if req.OldInputs.Len() == 0 {
		return ScriptArgs{}, false
	}
	old, _, err := infer.DefaultCheck[ScriptArgs](ctx, req.OldInputs)
	return old, err == nil
}

// Diff compares the inputs that reach Cloudflare; the entry path itself does not matter, only the
// hash of what it bundles to.
func (s *Script) Diff(ctx context.Context, req infer.DiffRequest[ScriptArgs, ScriptState]) (infer.DiffResponse, error) {
	old, news := req.State.ScriptArgs, req.Inputs
	diff := map[string]p.PropertyDiff{}
	if old.ScriptName != news.ScriptName {
		diff["scriptName"] = p.PropertyDiff{Kind: p.UpdateReplace}
	}
	changed := func(key string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			diff[key] = p.PropertyDiff{Kind: p.Update}
		}
	}
	for _, key := range uploadChanges(old, news) {
		diff[key] = p.PropertyDiff{Kind: p.Update}
	}
	changed("workersDev", old.workersDev(), news.workersDev())
	changed("deleteData", old.DeleteData, news.DeleteData)
	if cronsChanged(old.Crons, news.Crons) {
		diff["crons"] = p.PropertyDiff{Kind: p.Update}
	}
	if rolloutChanged(old, news) {
		diff["rollout"] = p.PropertyDiff{Kind: p.Update}
	}
	if consumersChanged(old.QueueConsumers, news.QueueConsumers) {
		diff["queueConsumers"] = p.PropertyDiff{Kind: p.Update}
	}
	if routingChanged(req.State, news) {
		diff["routes"] = p.PropertyDiff{Kind: p.Update}
	}
	if err := judgeScriptWorkflowsLeaving(ctx, old, news); err != nil {
		return infer.DiffResponse{}, err
	}
	if req.State.URL == "" && news.workersDev() && req.ID != "" && old.workersDev() {
		// A refresh found the workers.dev route gone: turn it back on.
		diff["workersDev"] = p.PropertyDiff{Kind: p.Update}
	}
	return infer.DiffResponse{
		HasChanges:          len(diff) > 0,
		DetailedDiff:        diff,
		DeleteBeforeReplace: false,
	}, nil
}

// uploadChanges lists the inputs that differ between old and news and that only an upload
// changes on Cloudflare. Diff and Update both use it, so a preview shows what the update does.
func uploadChanges(old, news ScriptArgs) []string {
	var keys []string
	changed := func(key string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			keys = append(keys, key)
		}
	}
	changed("codeHash", old.CodeHash, news.CodeHash)
	changed("compatibilityDate", old.compatibilityDate(), news.compatibilityDate())
	changed("compatibilityFlags", old.compatibilityFlags(), news.compatibilityFlags())
	changed("bindings", normalizeBindings(old.Bindings, old.ScriptName), normalizeBindings(news.Bindings, news.ScriptName))
	changed("secrets", nonNil(old.Secrets), nonNil(news.Secrets))
	changed("durableObjects", normalizeClasses(old.DurableObjects), normalizeClasses(news.DurableObjects))
	changed("assets", assetsOf(old), assetsOf(news))
	return keys
}

// ownerTag is the tag that marks a script as deployed by owner: short, and free of the
// characters a stack or resource name may hold.
func ownerTag(owner string) string {
	sum := sha256.Sum256([]byte(owner))
	return "lumier-" + hex.EncodeToString(sum[:8])
}

// refuseForeign refuses to create over a script that exists on Cloudflare without this owner's
// tag: it was created outside this stack, and uploading would replace its code and could delete
// its Durable Objects' data. A script of this owner (a create that failed after its upload, or a
// Worker retained when it left the program) is taken back. It returns what it read of the
// script, which the upload needs too. A new Worker costs one call here, the script's settings
// (not found), whatever the number of scripts in the account.
func refuseForeign(ctx context.Context, c *cfapi.Client, args ScriptArgs) (remoteScript, error) {
	settings, err := c.Scripts.Settings(ctx, args.ScriptName)
	if cfapi.IsNotFound(err) {
		return remoteScript{}, nil
	}
	if err != nil {
		return remoteScript{}, err
	}
	if !slices.Contains(settings.Tags, ownerTag(args.Owner)) {
		return remoteScript{}, fmt.Errorf("script %q already exists on Cloudflare and was not deployed by this stack: lumier will not take "+
			"it over, since that would replace its code and could delete its Durable Objects' data. Import it with "+
			"`pulumi import lumier:index:Script <resource name> %s`, or give this Worker another name (scriptName, or "+
			"another app or stage)", args.ScriptName, infer.GetConfig[Config](ctx).AccountID+"/"+args.ScriptName)
	}
	return readRemote(ctx, c, args.ScriptName)
}

// Create uploads the script, enables workers.dev if asked, and records what Cloudflare reports.
func (s *Script) Create(ctx context.Context, req infer.CreateRequest[ScriptArgs]) (infer.CreateResponse[ScriptState], error) {
	state := ScriptState{ScriptArgs: req.Inputs}
	if req.DryRun {
		return infer.CreateResponse[ScriptState]{ID: req.Inputs.ScriptName, Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.CreateResponse[ScriptState]{}, err
	}
	remote, err := refuseForeign(ctx, c, req.Inputs)
	if err != nil {
		return infer.CreateResponse[ScriptState]{}, err
	}
	state, err = deploy(ctx, c, req.Inputs, true, true, "", &remote)
	if err != nil {
		return infer.CreateResponse[ScriptState]{}, err
	}
	if err := deployWorkflows(ctx, c, nil, req.Inputs); err != nil {
		return infer.CreateResponse[ScriptState]{}, err
	}
	if len(req.Inputs.Crons) > 0 {
		if err := setCrons(ctx, c, req.Inputs); err != nil {
			return infer.CreateResponse[ScriptState]{}, err
		}
	}
	if len(req.Inputs.QueueConsumers) > 0 {
		if err := setConsumers(ctx, c, req.Inputs.ScriptName, nil, req.Inputs.QueueConsumers); err != nil {
			return infer.CreateResponse[ScriptState]{}, err
		}
	}
	if err := syncRouting(ctx, c, &state, ScriptState{}); err != nil {
		return infer.CreateResponse[ScriptState]{}, err
	}
	return infer.CreateResponse[ScriptState]{ID: scriptID(ctx, req.Inputs.ScriptName), Output: state}, nil
}

// Update re-uploads only when something Cloudflare stores changed, and touches workers.dev only
// when that setting changed, so a no-op update makes no API calls at all.
func (s *Script) Update(ctx context.Context, req infer.UpdateRequest[ScriptArgs, ScriptState]) (infer.UpdateResponse[ScriptState], error) {
	old, news := req.State.ScriptArgs, req.Inputs
	if req.DryRun {
		state := req.State
		state.ScriptArgs = news
		return infer.UpdateResponse[ScriptState]{Output: state}, nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.UpdateResponse[ScriptState]{}, err
	}
	upload := len(uploadChanges(old, news)) > 0 ||
		// A refresh that found no tag while classes are declared means the script lost its
		// classes out of band: upload so the migration recreates them.
		req.State.MigrationTag == "" && len(news.DurableObjects) > 0
	route := old.workersDev() != news.workersDev() || (news.workersDev() && req.State.URL == "")
	// Cron Triggers are set apart from the upload (after it, which may recreate the script):
	// changing them alone re-uploads nothing.
	schedule := cronsChanged(old.Crons, news.Crons)
	// Queue consumers likewise.
	consume := consumersChanged(old.QueueConsumers, news.QueueConsumers)
	// A new rollout share without a new version only changes the deployment.
	shift := !upload && rolloutChanged(old, news)
	state := req.State
	state.ScriptArgs = news
	if upload || route {
		state, err = deploy(ctx, c, news, upload, route, req.State.VersionID, nil)
		if err != nil {
			return infer.UpdateResponse[ScriptState]{}, err
		}
		if !upload {
			state.MigrationTag, state.NamespaceIDs, state.VersionID = req.State.MigrationTag, req.State.NamespaceIDs, req.State.VersionID
		}
	}
	if upload {
		if err := deployWorkflows(ctx, c, &old, news); err != nil {
			return infer.UpdateResponse[ScriptState]{}, err
		}
	}
	if shift {
		if state.VersionID, err = shiftRollout(ctx, c, news, req.State.VersionID); err != nil {
			return infer.UpdateResponse[ScriptState]{}, err
		}
	}
	if schedule {
		if err := setCrons(ctx, c, news); err != nil {
			return infer.UpdateResponse[ScriptState]{}, err
		}
	}
	if consume {
		if err := setConsumers(ctx, c, news.ScriptName, old.QueueConsumers, news.QueueConsumers); err != nil {
			return infer.UpdateResponse[ScriptState]{}, err
		}
	}
	if routingChanged(req.State, news) {
		if err := syncRouting(ctx, c, &state, req.State); err != nil {
			return infer.UpdateResponse[ScriptState]{}, err
		}
	}
	state.URLs = urlsOf(state)
	return infer.UpdateResponse[ScriptState]{Output: state}, nil
}

// deploy uploads the script (when upload is set) and sets its workers.dev route (when route is
// set), then reads back what the provider records. An update of an existing script that needs
// no migration goes through the versions API (uploadVersion; prevVersion is the version the
// last one deployed); a new script, or a migration, needs the direct upload, which Cloudflare
// deploys to every request at once. known is what the caller has just read of the script (nil:
// deploy reads it).
func deploy(ctx context.Context, c *cfapi.Client, args ScriptArgs, upload, route bool, prevVersion string, known *remoteScript) (ScriptState, error) {
	state := ScriptState{ScriptArgs: args}
	name := args.ScriptName
	readIDs := false
	var uploaded []cfapi.Binding // the bindings the upload sent
	if upload {
		b, err := bundleFor(args)
		if err != nil {
			return state, err
		}
		state.CodeHash = b.Hash

		var remote remoteScript
		if known != nil {
			remote = *known
		} else if remote, err = readRemote(ctx, c, name); err != nil {
			return state, err
		}
		tag, existing := remote.tag, remote.classes
		// A script deleted out of band comes back with workers.dev off, whatever the state says.
		route = route || !remote.found
		plan, err := planMigration(name, tag, existing, args.DurableObjects, args.DeleteData)
		if err != nil {
			return state, err
		}
		if len(plan.Deleted) > 0 {
			p.GetLogger(ctx).Warningf("deleting Durable Object classes %s of script %q and all their data (deleteData is true)",
				strings.Join(quoteAll(plan.Deleted), ", "), name)
		}
		// Assets go up first: the script upload carries their completion token.
		assetsMeta, assetsBindings, err := syncAssets(ctx, c, args)
		if err != nil {
			return state, err
		}
		md := cfapi.Metadata{
			MainModule:         mainModule,
			CompatibilityDate:  args.compatibilityDate(),
			CompatibilityFlags: args.compatibilityFlags(),
			Bindings:           append(apiBindings(args), assetsBindings...),
			Migrations:         plan.Migration,
			Tags:               []string{ownerTag(args.Owner)},
			Assets:             assetsMeta,
		}
		modules := []cfapi.Module{{Name: mainModule, Content: b.Code}}
		if remote.found && plan.Migration == nil {
			if state.VersionID, err = uploadVersion(ctx, c, args, md, modules, prevVersion); err != nil {
				return state, err
			}
		} else {
			if remote.found && args.percentage() < 100 {
				p.GetLogger(ctx).Warningf("script %q: this update carries a Durable Object migration, which Cloudflare "+
					"applies only with a direct upload deployed to every request: the rollout of %v%% does not apply to it",
					name, args.percentage())
			}
			if err := c.Scripts.Upload(ctx, name, md, modules); err != nil {
				return state, err
			}
		}
		state.MigrationTag = tag
		if plan.Migration != nil {
			state.MigrationTag = plan.Migration.NewTag
		}
		readIDs = len(args.DurableObjects) > 0 || len(existing) > 0
		uploaded = md.Bindings
	}
	// The classes' namespace ids and the workers.dev route are independent calls, made at once:
	// a new Worker waits for one round trip after its upload instead of two.
	var g errgroup.Group
	if readIDs {
		g.Go(func() error {
			ids, err := namespaceIDs(ctx, c, name, args.DurableObjects, uploaded)
			state.NamespaceIDs = ids
			return err
		})
	}
	g.Go(func() error {
		url, err := workersDevRoute(ctx, c, args, route)
		state.URL = url
		return err
	})
	return state, g.Wait()
}

// workersDevRoute sets script args.ScriptName's workers.dev route when route is set, and returns
// its URL ("" with workers.dev off).
func workersDevRoute(ctx context.Context, c *cfapi.Client, args ScriptArgs, route bool) (string, error) {
	name := args.ScriptName
	if !route {
		if !args.workersDev() {
			return "", nil
		}
		return c.Scripts.URL(ctx, name)
	}
	// The local Cloudflare's answer carries the URL; Cloudflare's does not, and there the URL
	// follows from the account's subdomain, which the check of this Worker has read.
	url, err := c.Scripts.SetWorkersDev(ctx, name, args.workersDev())
	if err != nil || url != "" || !args.workersDev() {
		return url, err
	}
	return workersDevURL(ctx, c, name)
}

// Read refreshes the state from Cloudflare: a script deleted out of band disappears from state,
// and changed bindings, settings or classes show up as drift the next update heals.
func (s *Script) Read(ctx context.Context, req infer.ReadRequest[ScriptArgs, ScriptState]) (infer.ReadResponse[ScriptArgs, ScriptState], error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
	}
	name := req.State.ScriptName
	importing := name == ""
	if importing {
		// An import: the id is "<accountId>/<scriptName>".
		imported, err := importedID(req.ID, "<scriptName>")
		if err != nil {
			return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
		}
		name = imported
	}
	remote, err := readRemote(ctx, c, name)
	if err != nil {
		return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
	}
	if !remote.found {
		return infer.ReadResponse[ScriptArgs, ScriptState]{}, nil
	}
	settings, err := c.Scripts.Settings(ctx, name)
	if err != nil {
		return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
	}
	url, err := c.Scripts.URL(ctx, name)
	if err != nil {
		return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
	}
	crons, err := c.Scripts.Schedules(ctx, name)
	if err != nil {
		return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
	}

	consumers, err := readConsumers(ctx, c, name, req.State.QueueConsumers)
	if err != nil {
		return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
	}

	state := req.State
	if cronsChanged(state.Crons, crons) {
		state.Crons = crons
	}
	if consumersChanged(state.QueueConsumers, consumers) {
		state.QueueConsumers = consumers
	}
	state.ScriptName = name
	state.MigrationTag = remote.tag
	state.URL = url
	state.CompatibilityDate = settings.CompatibilityDate
	state.CompatibilityFlags = settings.CompatibilityFlags
	applyReadBindings(&state.ScriptArgs, withoutAssets(settings.Bindings))
	state.DurableObjects = readClasses(req.State.DurableObjects, remote.classes)
	state.NamespaceIDs = remote.ids
	if err := readRouting(ctx, c, &state); err != nil {
		return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
	}
	if importing {
		if err := readImportedRoutes(ctx, c, &state); err != nil {
			return infer.ReadResponse[ScriptArgs, ScriptState]{}, err
		}
		// The program then declares what Cloudflare has: workers.dev as it is, not the default.
		state.WorkersDev = ptr(url != "")
	}
	inputs := req.Inputs
	if inputs.ScriptName == "" {
		inputs = state.ScriptArgs
	}
	return infer.ReadResponse[ScriptArgs, ScriptState]{ID: req.ID, Inputs: inputs, State: state}, nil
}

// Delete removes the script. A script that hosts Durable Objects is deleted only when deleteData
// is true, because deleting it deletes every object's data with it.
func (s *Script) Delete(ctx context.Context, req infer.DeleteRequest[ScriptState]) (infer.DeleteResponse, error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return infer.DeleteResponse{}, err
	}
	name := req.State.ScriptName
	// The namespace list alone says which classes the script hosts (none when it is gone, and
	// the delete then answers not found): no script list is needed.
	_, classes, err := namespacesOf(ctx, c, name)
	if err != nil {
		return infer.DeleteResponse{}, err
	}
	hosted := make([]string, len(classes))
	for i, e := range classes {
		hosted[i] = e.Name
	}
	if len(hosted) > 0 {
		if !req.State.DeleteData {
			return infer.DeleteResponse{}, fmt.Errorf("refusing to delete script %q: it hosts Durable Object classes %s, and "+
				"deleting it deletes all their data. Set deleteData: true on the Worker (or removal: \"remove\" in the app) "+
				"and run `pulumi up` before deleting, or keep the script with `pulumi state delete` / retainOnDelete",
				name, strings.Join(quoteAll(hosted), ", "))
		}
		// force=true would also strip other scripts' bindings to these classes, breaking them.
		bound, err := boundElsewhere(ctx, name, hosted)
		if err != nil {
			return infer.DeleteResponse{}, err
		}
		if len(bound) > 0 {
			return infer.DeleteResponse{}, fmt.Errorf("refusing to delete script %q: %s", name, bound[0].Reason)
		}
	}
	if err := deleteWorkflowsOf(ctx, c, req.State.ScriptArgs); err != nil {
		return infer.DeleteResponse{}, err
	}
	if err := removeRouting(ctx, c, req.State); err != nil {
		return infer.DeleteResponse{}, err
	}
	// A queue keeps its messages when its consumer goes; the consumer must go before the script.
	if err := removeConsumers(ctx, c, name, req.State.QueueConsumers); err != nil {
		return infer.DeleteResponse{}, err
	}
	err = c.Scripts.Delete(ctx, name, len(hosted) > 0)
	if err != nil && !cfapi.IsNotFound(err) {
		return infer.DeleteResponse{}, err
	}
	return infer.DeleteResponse{}, nil
}

func classNames(cs []Class) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.ClassName
	}
	return names
}

// mainModule is the name of the single bundled module.
const mainModule = "index.js"

// scriptID is the resource id, the same form `pulumi import` takes: "<accountId>/<scriptName>".
func scriptID(ctx context.Context, name string) string {
	return infer.GetConfig[Config](ctx).AccountID + "/" + name
}

// remoteScript is what Cloudflare reports about a script: whether it exists, its migration tag
// and its Durable Object classes with their namespace ids.
type remoteScript struct {
	found   bool
	tag     string
	classes []existingClass
	ids     map[string]string
}

// readRemote reads a script's tag and classes: one script list and one namespace list.
func readRemote(ctx context.Context, c *cfapi.Client, name string) (remoteScript, error) {
	info, err := c.Scripts.Get(ctx, name)
	if cfapi.IsNotFound(err) {
		return remoteScript{}, nil
	}
	if err != nil {
		return remoteScript{}, err
	}
	ids, classes, err := namespacesOf(ctx, c, name)
	if err != nil {
		return remoteScript{}, err
	}
	return remoteScript{found: true, tag: info.MigrationTag, classes: classes, ids: ids}, nil
}

// namespaceIDs reads the namespace ids of classes, the classes script name hosts, after an
// upload that sent bindings. A Worker that binds each class it hosts reads them from its own
// settings, where each Durable Object binding carries its namespace's id (namespace_id,
// cloudflare-go v4's
// ScriptScriptAndVersionSettingGetResponseBindingsWorkersBindingKindDurableObjectNamespace): one
// call whatever the account holds. Otherwise, or when the settings lack an id, the account's
// namespace list says, read page by page: a page of 100 per call, which on an account of 1,000
// Workers is ten calls per new Worker.
func namespaceIDs(ctx context.Context, c *cfapi.Client, name string, classes []Class, bindings []cfapi.Binding) (map[string]string, error) {
	if bound := selfBound(name, classes, bindings); len(bound) > 0 && len(bound) == len(classes) {
		settings, err := c.Scripts.Settings(ctx, name)
		if err != nil {
			return nil, err
		}
		ids := map[string]string{}
		for _, b := range settings.Bindings {
			if bindsOwnClass(b, name) && bound[b.ClassName] && b.NamespaceID != "" {
				ids[b.ClassName] = b.NamespaceID
			}
		}
		if len(ids) == len(bound) {
			return ids, nil
		}
	}
	ids, _, err := namespacesOf(ctx, c, name)
	return ids, err
}

// selfBound is the set of classes that script binds itself among bindings.
func selfBound(script string, classes []Class, bindings []cfapi.Binding) map[string]bool {
	declared := map[string]bool{}
	for _, d := range classes {
		declared[d.ClassName] = true
	}
	bound := map[string]bool{}
	for _, b := range bindings {
		if bindsOwnClass(b, script) && declared[b.ClassName] {
			bound[b.ClassName] = true
		}
	}
	return bound
}

// bindsOwnClass reports whether b, a binding of script, reaches a Durable Object class script
// itself hosts.
func bindsOwnClass(b cfapi.Binding, script string) bool {
	return b.Type == cfapi.BindingDurableObject && (b.ScriptName == "" || b.ScriptName == script)
}

// namespacesOf lists the Durable Object namespaces of script: ids by class, and the classes
// sorted by name.
func namespacesOf(ctx context.Context, c *cfapi.Client, script string) (map[string]string, []existingClass, error) {
	nss, err := c.DurableObjects.Namespaces(ctx)
	if err != nil {
		return nil, nil, err
	}
	ids := map[string]string{}
	var classes []existingClass
	for _, ns := range nss {
		if ns.Script == script {
			ids[ns.Class] = ns.ID
			classes = append(classes, existingClass{Name: ns.Class, SQLite: ns.SQLite})
		}
	}
	sort.Slice(classes, func(i, j int) bool { return classes[i].Name < classes[j].Name })
	return ids, classes, nil
}

// resolveEntry makes a relative entry absolute against the provider's working directory, which
// the engine sets to the Pulumi project directory.
func resolveEntry(entry string) (string, error) {
	if entry == "" {
		return "", errors.New("entry is empty: set it to the Worker's entry module, for example \"src/index.ts\"")
	}
	return filepath.Abs(entry)
}
