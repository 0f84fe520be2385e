package workerd

import (
	"encoding/json"
	"fmt"
	"path"
)

// A script with Script.Tail set has workerd's tail events (its console calls, uncaught
// exceptions, and the request or other event they happened in) sent to a tail Worker of the same
// process, which posts them to the Tail's sink. workerd reports such an event with a null
// scriptName, so each script names the tail Worker with props carrying its own name
// (ServiceDesignator.props, read as ctx.props), and the tail Worker passes the name on.

// Tail is where a script's tail events go.
type Tail struct {
	// Script is the name the events are reported under: the script's, or for a version of a
	// split deployment, the script it is a version of.
	Script string
	// Address (host:port on 127.0.0.1) receives each batch as POST / with the JSON body
	// {"script": Script, "events": [workerd's TraceItem, ...]}. It must be the same for every
	// script of a config.
	Address string
}

// Names of the tail Worker and the sink service it posts to; ':' keeps them apart from scripts.
const (
	tailService     = "lumier:tail"
	tailSinkService = "lumier:tail-sink"
)

// tailSource is the tail Worker. A sink that is down loses the batch: the events are a log, and
// the script's own request has already been answered.
const tailSource = `export default {
  async tail(events, env, ctx) {
    const body = JSON.stringify({ script: ctx.props.script, events });
    await fetch("http://tail-sink/", { method: "POST", headers: { "content-type": "application/json" }, body }).catch(() => {});
  },
};
`

// renderTails adds the tail field of s's worker to fields.
func renderTails(s Script, fields []Field) ([]Field, error) {
	if s.Tail == nil {
		return fields, nil
	}
	props, err := json.Marshal(map[string]string{"script": s.Tail.Script})
	if err != nil {
		return nil, fmt.Errorf("tail: %w", err)
	}
	return append(fields, Field{"tails", List(Struct(Field{"name", Text(tailService)},
		Field{"props", Struct(Field{"json", Text(string(props))})}))}), nil
}

// tailServices are the tail Worker and its sink, when a script of sorted has a Tail.
func tailServices(sorted []Script, cfg *config) ([]Value, error) {
	sink := ""
	for _, s := range sorted {
		switch {
		case s.Tail == nil:
		case sink == "":
			sink = s.Tail.Address
		case s.Tail.Address != sink:
			return nil, fmt.Errorf("script %q: tail address %s differs from another script's %s", s.Name, s.Tail.Address, sink)
		}
	}
	if sink == "" {
		return nil, nil
	}
	file := path.Join("modules", "tail.js") // no script is named "tail.js": its directory cannot clash
	cfg.files[file] = []byte(tailSource)
	return []Value{
		Struct(Field{"name", Text(tailService)}, Field{"worker", Struct(
			Field{"modules", List(Struct(Field{"name", Text("tail.js")}, Field{"esModule", embed(file, []byte(tailSource))}))},
			Field{"compatibilityDate", Text("2025-11-17")},
			Field{"globalOutbound", Text(tailSinkService)})}),
		Struct(Field{"name", Text(tailSinkService)}, Field{"external", Struct(
			Field{"address", Text(sink)}, Field{"http", Struct()})}),
	}, nil
}
