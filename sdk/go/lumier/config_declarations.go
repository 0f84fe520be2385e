package lumier

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DeclarationsEnv, set to a stage, makes Run print the App's inputs instead of deploying: `lumier
// types` sets it to type a Go program's Workers. The program's App and Run run as under `pulumi
// up`, against Pulumi's mock resource monitor instead of the engine, so nothing is created and the
// inputs are the ones the engine would get.
const DeclarationsEnv = "LUMIER_DECLARATIONS"

// Run runs cfg as the Pulumi program; call it from main. Under `lumier types` (DeclarationsEnv
// set) it prints the App's inputs as JSON instead.
func Run(cfg Config) {
	if stage := os.Getenv(DeclarationsEnv); stage != "" {
		if err := PrintDeclarations(cfg, stage, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	pulumi.Run(cfg.RunFunc())
}

// PrintDeclarations runs cfg for stage against Pulumi's mock resource monitor and writes the
// inputs of the App it registers to w, as one line of JSON. A value known only at deploy time
// (an output, a secret) is written as a string, as the plan takes it.
func PrintDeclarations(cfg Config, stage string, w io.Writer) error {
	m := &declarationMocks{}
	if err := pulumi.RunErr(cfg.RunFunc(), pulumi.WithMocks("lumier", stage, m)); err != nil {
		return err
	}
	if m.app == nil {
		return fmt.Errorf("the program registers no %s", appToken)
	}
	data, err := json.Marshal(plain(resource.NewObjectProperty(m.app)))
	if err != nil {
		return fmt.Errorf("encoding the App's inputs: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

const appToken = "lumier:index:App"

// declarationMocks keeps the App's inputs. Every other resource's outputs are its inputs; the
// App's are empty, since the SDK would otherwise read an output of an input's name from the input.
//
// Empty App outputs change nothing this mode prints. The helper reads them only through Deferred
// values (WorkerRef.URL, DurableObjectRef.Output, KvNamespaceRef.ID, ...), which are evaluated
// once Run has returned and the App is registered, and which only Export takes: they become stack
// outputs, which this mode does not print. The App's inputs are built before the App exists, so
// none of them can come from its outputs (bindings name the app's resources, not their ids); an
// export of a missing entry reads as empty rather than failing (TestDeclarationsExportEveryAppOutput).
type declarationMocks struct{ app resource.PropertyMap }

func (m *declarationMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.TypeToken != appToken {
		return args.Name, args.Inputs, nil
	}
	m.app = args.Inputs
	// A list the App takes (workers, queues, ...) it outputs as a map by name: empty here.
	outputs := resource.PropertyMap{}
	for k, v := range args.Inputs {
		if v.IsArray() {
			outputs[k] = resource.NewObjectProperty(resource.PropertyMap{})
		}
	}
	return args.Name, outputs, nil
}

func (m *declarationMocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return args.Args, nil
}

// plain is v as JSON values: secrets unwrapped, unknowns and outputs without a value as "".
func plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsOutput():
		if !v.OutputValue().Known {
			return ""
		}
		return plain(v.OutputValue().Element)
	case v.IsComputed():
		return ""
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = plain(e)
		}
		return out
	case v.IsArray():
		out := []any{}
		for _, e := range v.ArrayValue() {
			out = append(out, plain(e))
		}
		return out
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	default:
		return v.Mappable()
	}
}
