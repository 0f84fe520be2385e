package scripts

import (
	"path"
	"regexp"
	"slices"
	"strings"
)

// Export statements, found by a cheap scan rather than a JavaScript parser. workerd itself only
// warns (and fails at first use) when a Durable Object class is not exported, so the export rules
// need the names from somewhere else; bundler output (esbuild's, in lumier's case) writes exports
// in the few shapes below. A false positive only makes the rules more permissive; anything the
// scan cannot resolve ("export * from" a module that was not uploaded, destructuring) makes the
// exports unknown, and then no export rule is applied.
var (
	exportDefault  = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s+default\b`)
	exportDecl     = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s+(?:async\s+)?(?:function\s*\*?|abstract\s+class|class|const|let|var)\s*([A-Za-z_$][\w$]*)`)
	exportDestruct = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s+(?:const|let|var)\s*[\[{]`)
	exportList     = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s*\{([^}]*)\}`)
	exportStarAs   = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s*\*\s*as\s+([A-Za-z_$][\w$]*)\s*from`)
	exportStar     = regexp.MustCompile(`(?m)(?:^|[;}\s])export\s*\*\s*from\s*["']([^"']+)["']`)
)

// moduleExports returns the sorted export names of module main, following "export * from" into
// the other uploaded modules; nil when they cannot be determined.
func moduleExports(modules map[string][]byte, main string) []string {
	names := map[string]bool{}
	if !collectExports(modules, main, names, map[string]bool{}) {
		return nil
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func collectExports(modules map[string][]byte, name string, names, seen map[string]bool) bool {
	if seen[name] {
		return true
	}
	seen[name] = true
	content, ok := modules[name]
	if !ok {
		return false
	}
	src := string(content)
	if exportDestruct.MatchString(src) {
		return false
	}
	if exportDefault.MatchString(src) {
		names["default"] = true
	}
	for _, m := range exportDecl.FindAllStringSubmatch(src, -1) {
		names[m[1]] = true
	}
	for _, m := range exportList.FindAllStringSubmatch(src, -1) {
		for _, item := range strings.Split(m[1], ",") {
			fields := strings.Fields(item)
			if len(fields) == 0 {
				continue
			}
			// "a", "a as b", "a as default", `"a-b" as c`: the exported name is the last word.
			names[strings.Trim(fields[len(fields)-1], `"'`)] = true
		}
	}
	for _, m := range exportStarAs.FindAllStringSubmatch(src, -1) {
		names[m[1]] = true
	}
	for _, m := range exportStar.FindAllStringSubmatch(src, -1) {
		target := path.Join(path.Dir(name), m[1])
		star := map[string]bool{}
		if !collectExports(modules, target, star, seen) {
			return false
		}
		delete(star, "default") // "export *" does not re-export default
		for n := range star {
			names[n] = true
		}
	}
	return true
}

// handlers lists the event handlers Cloudflare would report for a script with these exports. A
// module worker's handlers hang off its default export; without a JavaScript runtime at hand,
// "fetch" stands for them.
func handlers(exports []string) []string {
	if slices.Contains(exports, "default") {
		return []string{"fetch"}
	}
	return []string{}
}
