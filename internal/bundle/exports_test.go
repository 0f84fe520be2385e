package bundle

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExportKindsThroughEsbuild bundles each way of exporting a Durable Object class (and the
// ways of getting it wrong) and reads back what each export is.
func TestExportKindsThroughEsbuild(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": `import { DurableObject } from "cloudflare:workers";
import { Room } from "./room";
export { Room };
export class Counter extends DurableObject {}
class Plain { fetch() { return new Response("x"); } }
export { Plain as Renamed };
export const Aliased = Counter;
export function Fn() {}
export const Arrow = () => 1;
export const Obj = { fetch() {} };
export const Num = 3;
export const Made = makeClass();
function makeClass() { return class {}; }
export { DurableObject as Reexported } from "cloudflare:workers";
export default { async fetch() { return new Response("ok"); } };
`,
		"src/room.ts": `export class Room { constructor(state, env) {} }`,
	})
	for _, minify := range []bool{false, true} {
		b, err := Bundle(Options{Entry: entry, Minify: minify})
		require.NoError(t, err)
		assert.Equal(t, map[string]ExportKind{
			"Room": KindClass, "Counter": KindClass, "Renamed": KindClass, "Aliased": KindClass,
			"Fn": KindFunction, "Arrow": KindFunction, "Obj": KindObject, "Num": KindValue,
			"Made": KindUnknown, "Reexported": KindUnknown, "default": KindObject,
		}, b.ExportKinds, "minify=%v", minify)
	}
}

func TestExportKindsDefaultClass(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": `export default class Counter { fetch() { return new Response("x"); } }`,
	})
	b, err := Bundle(Options{Entry: entry})
	require.NoError(t, err)
	assert.Equal(t, KindClass, b.ExportKinds["default"])
}

func TestExportKindsOfHandWrittenModule(t *testing.T) {
	kinds, err := exportKinds([]byte(`var A = B; var B = A; var C = (class { m() {} }); function D() {}
export { A, C, D as default }; export class E {} export class F extends Object {} export default function () {}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]ExportKind{"A": KindUnknown, "C": KindClass, "E": KindBareClass, "F": KindClass,
		"default": KindFunction}, kinds, "an alias cycle is unknown, not a hang; the later default wins; E has no handler")
}
