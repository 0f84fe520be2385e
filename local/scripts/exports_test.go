package scripts

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestModuleExports(t *testing.T) {
	cases := []struct {
		name    string
		modules map[string]string
		want    []string
	}{
		{"declarations", map[string]string{"index.js": `
export class Counter extends DurableObject {}
export async function helper() {}
export function* gen() {}
export const A = 1, ignoredSecond = 2;
export default { fetch() {} };`}, []string{"A", "Counter", "default", "gen", "helper"}},
		{"esbuild's export list", map[string]string{"index.js": `var Counter = class {};
var src_default = { fetch() {} };
export {
  Counter,
  src_default as default
};`}, []string{"Counter", "default"}},
		{"minified", map[string]string{"index.js": `class a{}var b={fetch(){}};export{a as Counter,b as default};`}, []string{"Counter", "default"}},
		{"re-exports", map[string]string{
			"index.js":    `export * from "./lib/room.js"; export * as util from "./util.js"; export { x as y } from "./util.js";`,
			"lib/room.js": `export class Room {} export default 1;`,
			"util.js":     `export const x = 1;`,
		}, []string{"Room", "util", "y"}},
		{"no exports", map[string]string{"index.js": `console.log("hi")`}, []string{}},
		{"star from a module not uploaded", map[string]string{"index.js": `export * from "./gone.js"`}, nil},
		{"destructuring", map[string]string{"index.js": `export const { a, b } = obj;`}, nil},
		{"default class is not a named export", map[string]string{"index.js": `export default class Counter {}`}, []string{"default"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mods := map[string][]byte{}
			for k, v := range c.modules {
				mods[k] = []byte(v)
			}
			assert.Equal(t, c.want, moduleExports(mods, "index.js"))
		})
	}
	assert.Equal(t, []string{"fetch"}, handlers([]string{"Counter", "default"}))
	assert.Equal(t, []string{}, handlers([]string{"Counter"}))
}
