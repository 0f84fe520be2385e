package tail

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/go-sourcemap/sourcemap"
)

// Mapper maps the positions in a stack trace that fall in one module (the uploaded bundle) back
// to its sources, with the bundle's source map.
type Mapper struct {
	position *regexp.Regexp // module:line:column
	smap     *sourcemap.Consumer
}

// NewMapper maps positions in module (such as "index.js") through sourceMap (version 3).
func NewMapper(module string, sourceMap []byte) (*Mapper, error) {
	smap, err := sourcemap.Parse("", sourceMap)
	if err != nil {
		return nil, fmt.Errorf("reading the source map of %s: %w", module, err)
	}
	return &Mapper{position: regexp.MustCompile(`(^|[\s(])` + regexp.QuoteMeta(module) + `:(\d+):(\d+)`), smap: smap}, nil
}

// Map rewrites every module:line:column of stack (V8's, lines and columns from 1) to
// source:line:column; a position the map does not cover stays as it is.
func (m *Mapper) Map(stack string) string {
	return m.position.ReplaceAllStringFunc(stack, func(match string) string {
		sub := m.position.FindStringSubmatch(match)
		line, _ := strconv.Atoi(sub[2])
		col, _ := strconv.Atoi(sub[3])
		source, _, sline, scol, ok := m.smap.Source(line, col-1)
		if !ok || source == "" {
			return match
		}
		return fmt.Sprintf("%s%s:%d:%d", sub[1], source, sline, scol+1)
	})
}

// SourceMapsEnv names a directory where the provider writes the source map of every bundle it
// makes, as <codeHash>.map, for `lumier dev` to map the Workers' stacks (the lumier binary does
// not bundle). Unset, no map is written.
const SourceMapsEnv = "LUMIER_SOURCE_MAPS"

// SourceMapPath is where the map of the code with hash codeHash is kept under dir.
func SourceMapPath(dir, codeHash string) string {
	return filepath.Join(dir, codeHash+".map")
}

// ReadMapper reads the map of the code with hash codeHash from dir (see SourceMapsEnv), for the
// bundle's one module.
func ReadMapper(dir, codeHash string) (*Mapper, error) {
	b, err := readMap(dir, codeHash)
	if err != nil {
		return nil, err
	}
	return NewMapper(MainModule, b)
}

// readMap reads the map of the code with hash codeHash from dir.
func readMap(dir, codeHash string) ([]byte, error) {
	if codeHash == "" {
		return nil, fmt.Errorf("no code hash")
	}
	return os.ReadFile(SourceMapPath(dir, codeHash))
}

// MainModule is the uploaded bundle's module name, as stacks name it (internal/bundle's
// MainModule; this package does not link the bundler).
const MainModule = "index.js"

// ReadSources lists the source files the code with hash codeHash was bundled from, as its map
// in dir names them (relative to the directory the provider ran in, see SourceMapsEnv).
func ReadSources(dir, codeHash string) ([]string, error) {
	b, err := readMap(dir, codeHash)
	if err != nil {
		return nil, err
	}
	var m struct {
		Sources []string `json:"sources"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading the source map of %s: %w", codeHash, err)
	}
	return m.Sources, nil
}
