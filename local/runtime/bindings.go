package runtime

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/d1"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/kv"
	"github.com/lumier-dev/lumier/local/queues"
	"github.com/lumier-dev/lumier/local/r2"
	"github.com/lumier-dev/lumier/local/workerd"
)

// The local Cloudflare keeps a binding as account.Binding, the wire form it is uploaded and read
// back in. The wire fields each type uses and needs come from the registry of binding kinds
// (internal/bindingkind); how the local Cloudflare runs a type is its entry in bindingKinds
// (docs/architecture.md, "Adding a binding kind").

// bindingKind is how the local Cloudflare runs one Cloudflare binding type.
type bindingKind struct {
	// exists refuses a binding of script to a resource the account does not have, as
	// Cloudflare does (nil: nothing to look up).
	exists func(s *Runtime, script string, b account.Binding) error
	// runtime is the binding as workerd runs it in a version of a script (bindingContext);
	// false leaves it out of the env (its target is gone).
	runtime func(s *Runtime, bc bindingContext, b account.Binding) (workerd.Binding, bool)
	// read is the binding as Cloudflare reports it (nil: as uploaded).
	read func(st *account.State, script string, b account.Binding) account.Binding
}

var bindingKinds = map[string]bindingKind{
	account.BindingQueue:           queueBindingKind,     // below
	account.BindingD1:              d1BindingKind,        // below
	account.BindingR2Bucket:        r2BindingKind,        // below
	account.BindingWorkflow:        workflowBindingKind,  // workflows.go
	account.BindingAnalyticsEngine: analyticsBindingKind, // below
	account.BindingPlainText: {
		runtime: textBinding,
	},
	account.BindingSecretText: {
		runtime: textBinding,
	},
	account.BindingDurableObject: {
		runtime: func(_ *Runtime, bc bindingContext, b account.Binding) (workerd.Binding, bool) {
			fields := []workerd.Field{{Name: "className", Value: workerd.Text(b.ClassName)}}
			out := workerd.Binding{Name: b.Name, Kind: "durableObjectNamespace"}
			// A version other than the primary runs as a service of its own, so it names the
			// script even for the script's own classes.
			host := cmp(b.ScriptName, bc.script)
			if host != bc.service {
				fields = append(fields, workerd.Field{Name: "serviceName", Value: workerd.Text(host)})
				out.Scripts = []string{host}
			}
			out.Value = workerd.Struct(fields...)
			return out, true
		},
		read: func(st *account.State, script string, b account.Binding) account.Binding {
			host := cmp(b.ScriptName, script)
			for _, n := range st.Namespaces {
				if n.Script == host && n.Class == b.ClassName {
					b.NamespaceID = n.ID
				}
			}
			return b
		},
	},
	account.BindingKVNamespace: {
		exists: func(s *Runtime, _ string, b account.Binding) error {
			if _, err := s.KV.Get(b.NamespaceID); err != nil {
				return envelope.NewError(http.StatusBadRequest, CodeKVBindingInvalid,
					"KV namespace '%s' is not valid. Please verify the namespace_id in your configuration.", b.NamespaceID)
			}
			return nil
		},
		runtime: func(s *Runtime, _ bindingContext, b account.Binding) (workerd.Binding, bool) {
			// Nothing in workerd's KV calls names the namespace: the service injects it (kv.Store.ServeBinding).
			return backendBinding(b, "kvNamespace", nil, "lumier:kv:", s.KVBackend.Addr(), kv.NamespaceHeader, b.NamespaceID), true
		},
	},
	account.BindingAssets: {
		// The version's assets (Cloudflare refuses the binding without them: local/scripts)
		// are served by the assets backend, told the manifest and config by the service.
		runtime: func(s *Runtime, bc bindingContext, b account.Binding) (workerd.Binding, bool) {
			service := "lumier:assets:" + bc.service
			headers := map[string]string{workerd.AssetsManifestHeader: "", workerd.AssetsConfigHeader: "null"}
			if bc.assets != nil {
				cfg, _ := json.Marshal(bc.assets.Config) // plain data: cannot fail
				headers[workerd.AssetsManifestHeader], headers[workerd.AssetsConfigHeader] = bc.assets.Manifest, string(cfg)
			}
			return workerd.Binding{Name: b.Name, Kind: "service", Value: workerd.Text(service),
				Services: []workerd.External{{Name: service, Address: s.AssetsBackend.Addr(), Headers: headers}}}, true
		},
	},
	account.BindingService: {
		exists: func(s *Runtime, script string, b account.Binding) error {
			if _, ok := s.State().Scripts[b.Service]; ok || b.Service == script {
				return nil
			}
			// Cloudflare's exact code for this case is unconfirmed; 10021 is its validation code.
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
				"service binding '%s' references Worker '%s', which does not exist: deploy it first", b.Name, b.Service)
		},
		// workerd calls the service in-process, so both scripts share a shard (Scripts). A
		// target deleted since is left out: a service binding's target is not refcounted.
		runtime: func(_ *Runtime, bc bindingContext, b account.Binding) (workerd.Binding, bool) {
			if _, ok := bc.st.Scripts[b.Service]; !ok {
				return workerd.Binding{}, false
			}
			fields := []workerd.Field{{Name: "name", Value: workerd.Text(b.Service)}}
			if b.Entrypoint != "" {
				fields = append(fields, workerd.Field{Name: "entrypoint", Value: workerd.Text(b.Entrypoint)})
			}
			out := workerd.Binding{Name: b.Name, Kind: "service", Value: workerd.Struct(fields...)}
			if b.Service != bc.service {
				out.Scripts = []string{b.Service}
			}
			return out, true
		},
	},
	account.BindingVersionMetadata: {
		// workerd has no such binding: the metadata of the version being run is a json binding
		// of Cloudflare's WorkerVersionMetadata shape.
		runtime: func(_ *Runtime, bc bindingContext, b account.Binding) (workerd.Binding, bool) {
			meta := map[string]string{}
			if v := bc.version; v != nil {
				meta = map[string]string{"id": v.ID, "tag": v.Tag, "timestamp": v.CreatedOn.UTC().Format(time.RFC3339Nano)}
			}
			value, _ := json.Marshal(meta) // plain strings: cannot fail
			return workerd.Binding{Name: b.Name, Kind: "json", Value: workerd.Text(string(value))}, true
		},
	},
	account.BindingJSON: {
		runtime: func(_ *Runtime, _ bindingContext, b account.Binding) (workerd.Binding, bool) {
			return workerd.Binding{Name: b.Name, Kind: "json", Value: workerd.Text(string(b.JSON))}, true
		},
	},
}

// Kinds are the binding types the local Cloudflare runs, sorted.
func Kinds() []string { return slices.Sorted(maps.Keys(bindingKinds)) }

// bindingContext is where a binding runs: service, a version of script, with its assets, in
// the state st being run.
type bindingContext struct {
	st              *account.State
	script, service string
	assets          *account.Assets
	version         *account.Version // nil for a state written before versions existed
}

func textBinding(_ *Runtime, _ bindingContext, b account.Binding) (workerd.Binding, bool) {
	return workerd.Binding{Name: b.Name, Kind: "text", Value: workerd.Text(b.Text)}, true
}

// backendBinding is b run as workerd's binding member kind through an external service, named
// prefix+id, to the backend at addr; the service injects id in header, because workerd's calls
// do not name the namespace, bucket, database or queue. value builds the member's value from the
// service name (nil: the service name itself).
func backendBinding(b account.Binding, kind string, value func(service string) workerd.Value, prefix, addr, header, id string) workerd.Binding {
	service := prefix + id
	v := workerd.Text(service)
	if value != nil {
		v = value(service)
	}
	return workerd.Binding{Name: b.Name, Kind: kind, Value: v,
		Services: []workerd.External{{Name: service, Address: addr, Headers: map[string]string{header: id}}}}
}

// cmp is a, or b when a is empty.
func cmp(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// CheckBindingTargets refuses an upload of script whose bindings name resources the account lacks.
func (s *Runtime) CheckBindingTargets(script string, bindings []account.Binding) error {
	for _, b := range bindings {
		if k := bindingKinds[b.Type]; k.exists != nil {
			if err := k.exists(s, script, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// workerdBindings is the env of a version of a script as workerd runs it.
func (s *Runtime) workerdBindings(bc bindingContext, bindings []account.Binding) []workerd.Binding {
	out := make([]workerd.Binding, 0, len(bindings))
	for _, b := range bindings {
		if k, ok := bindingKinds[b.Type]; ok {
			if wb, ok := k.runtime(s, bc, b); ok {
				out = append(out, wb)
			}
		}
	}
	return out
}

// BindingsRead is bindings as Cloudflare reads them back: secret texts left out (the secret
// itself is reported, by name), each as its kind reports it.
func BindingsRead(st *account.State, script string, bindings []account.Binding) []any {
	out := make([]any, 0, len(bindings))
	for _, b := range bindings {
		if b.Type == account.BindingSecretText {
			out = append(out, map[string]string{"type": b.Type, "name": b.Name})
			continue
		}
		if k := bindingKinds[b.Type]; k.read != nil {
			b = k.read(st, script, b)
		}
		out = append(out, b)
	}
	return out
}

// CodeKVBindingInvalid is Cloudflare's refusal of an upload binding a KV namespace the account
// does not have (docs/cloudflare-api.md, Workers KV).
const CodeKVBindingInvalid = 10042

// r2BindingKind is the r2_bucket binding: workerd's r2Bucket binding, whose calls never name the
// bucket, reaching the R2 backend through a service that injects the bucket name.
var r2BindingKind = bindingKind{
	exists: func(s *Runtime, _ string, b account.Binding) error {
		if _, err := s.R2.Get(b.BucketName); err != nil {
			// Cloudflare's code and text for this refusal are unconfirmed; 10021 is its validation code.
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
				"R2 bucket '%s' is not valid. Please verify the bucket_name in your configuration. [binding %s]", b.BucketName, b.Name)
		}
		return nil
	},
	runtime: func(s *Runtime, _ bindingContext, b account.Binding) (workerd.Binding, bool) {
		return backendBinding(b, "r2Bucket", nil, "lumier:r2:", s.R2Backend.Addr(), r2.BucketHeader, b.BucketName), true
	},
}

// d1BindingKind is the d1 binding: workerd runs D1 as its JavaScript module
// cloudflare-internal:d1-api wrapping a fetcher, which reaches the D1 backend through a service
// that injects the database id.
var d1BindingKind = bindingKind{
	exists: func(s *Runtime, _ string, b account.Binding) error {
		if _, err := s.D1.Get(b.DatabaseID); err != nil {
			return envelope.NewError(http.StatusBadRequest, CodeD1BindingInvalid,
				"D1 binding '%s' references database '%s' which was not found. Verify the database exists in your "+
					"account and that the database_id in your configuration is correct.", b.Name, b.DatabaseID)
		}
		return nil
	},
	runtime: func(s *Runtime, _ bindingContext, b account.Binding) (workerd.Binding, bool) {
		return backendBinding(b, "wrapped", func(service string) workerd.Value {
			return workerd.Struct(
				workerd.Field{Name: "moduleName", Value: workerd.Text("cloudflare-internal:d1-api")},
				workerd.Field{Name: "innerBindings", Value: workerd.List(workerd.Struct(
					workerd.Field{Name: "name", Value: workerd.Text("fetcher")},
					workerd.Field{Name: "service", Value: workerd.Text(service)}))})
		}, "lumier:d1:", s.D1Backend.Addr(), d1.DatabaseHeader, b.DatabaseID), true
	},
}

// CodeD1BindingInvalid is Cloudflare's refusal of an upload binding a D1 database the account
// does not have (docs/cloudflare-api.md, D1).
const CodeD1BindingInvalid = 10181

// queueBindingKind is the queue (producer) binding: workerd's queue binding, whose calls name no
// queue, reaching this backend through a service that injects the queue name.
var queueBindingKind = bindingKind{
	exists: func(s *Runtime, _ string, b account.Binding) error {
		if _, err := s.Queues.ByName(b.QueueName); err != nil {
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "binding '%s': queue '%s' does not exist "+
				"(the account has: %s); create it first", b.Name, b.QueueName, queueNamesOf(s.Queues))
		}
		return nil
	},
	runtime: func(s *Runtime, _ bindingContext, b account.Binding) (workerd.Binding, bool) {
		return backendBinding(b, "queue", nil, "lumier:queue:", s.QueueBackend.Addr(), queues.NameHeader, b.QueueName), true
	},
}

// queueNamesOf lists the queue names a queue binding may use, for messages.
func queueNamesOf(qs *queues.Store) string {
	var names []string
	for _, q := range qs.List() {
		names = append(names, q.Name)
	}
	return strings.Join(names, ", ")
}

// analyticsBindingKind is the analytics_engine binding: a service on the analytics sink
// (local/analytics), started by the first such binding.
var analyticsBindingKind = bindingKind{
	runtime: func(s *Runtime, bc bindingContext, b account.Binding) (workerd.Binding, bool) {
		binding, err := s.Analytics.Binding(bc.script, b.Name, b.Dataset)
		if err != nil {
			s.Logger.Error("analytics_engine binding left out of the env", "script", bc.script, "binding", b.Name, "err", err)
			return workerd.Binding{}, false
		}
		return binding, true
	},
}
