// Package routepattern holds Cloudflare's rules for Workers route patterns and custom domain
// hostnames (https://developers.cloudflare.com/workers/configuration/routing/routes/, "Matching
// behavior" and "Validity"; custom domains: wrangler's validateRoutes), used by the provider to
// refuse at preview what Cloudflare refuses and by the local Cloudflare to refuse and match.
package routepattern

import (
	"fmt"
	"strings"
)

// Pattern is a route pattern taken apart: an optional scheme, a host that may start with "*"
// (the host and its subdomains) or "*." (subdomains only), and a path that may end with "*" (any
// suffix, query included).
type Pattern struct {
	Scheme     string
	Host       string // without its leading wildcard
	HostWild   bool   // "*" before Host
	SubOnly    bool   // "*." before Host: subdomains only
	Path       string // without its trailing wildcard; "/" when the pattern has none
	PathSuffix bool   // "*" after Path
}

// Parse takes a route pattern apart, or says why Cloudflare refuses it.
func Parse(p string) (Pattern, error) {
	var rp Pattern
	rest := p
	if scheme, after, ok := strings.Cut(rest, "://"); ok {
		if scheme != "http" && scheme != "https" {
			return rp, fmt.Errorf("route pattern %q: the scheme may only be http:// or https:// (or none, for both)", p)
		}
		rp.Scheme, rest = scheme, after
	}
	host, path, hasPath := strings.Cut(rest, "/")
	rp.Path = "/" + path
	if !hasPath {
		rp.Path = "/"
	}
	if strings.Contains(rp.Path, "?") {
		return rp, fmt.Errorf("route pattern %q: a route pattern may not hold a query", p)
	}
	if strings.HasSuffix(rp.Path, "*") {
		rp.Path, rp.PathSuffix = strings.TrimSuffix(rp.Path, "*"), true
	}
	if strings.Contains(rp.Path, "*") {
		return rp, fmt.Errorf("route pattern %q: a wildcard may only end the path, as in \"example.com/images/*\"", p)
	}
	switch {
	case strings.HasPrefix(host, "*."):
		rp.Host, rp.HostWild, rp.SubOnly = host[2:], true, true
	case strings.HasPrefix(host, "*"):
		rp.Host, rp.HostWild = host[1:], true
	default:
		rp.Host = host
	}
	if strings.Contains(rp.Host, "*") {
		return rp, fmt.Errorf("route pattern %q: a wildcard may only start the host, as in \"*.example.com/*\"", p)
	}
	if rp.Host == "" && !rp.HostWild {
		return rp, fmt.Errorf("route pattern %q has no host: write it as \"example.com/path*\"", p)
	}
	return rp, nil
}

// URL is the URL a request to the pattern can be sent to: its scheme (https when it names none),
// its host and its path without the trailing wildcard, as "example.com/api/*" is
// "https://example.com/api/". A pattern with a wildcard in its host names no one host: ok is false.
func (rp Pattern) URL() (url string, ok bool) {
	if rp.HostWild {
		return "", false
	}
	scheme := rp.Scheme
	if scheme == "" {
		scheme = "https"
	}
	return scheme + "://" + rp.Host + rp.Path, true
}

// Matches reports whether the pattern matches a request for host and target (path and query).
func (rp Pattern) Matches(scheme, host, target string) bool {
	if rp.Scheme != "" && rp.Scheme != scheme {
		return false
	}
	switch {
	case rp.SubOnly:
		if !strings.HasSuffix(host, "."+rp.Host) {
			return false
		}
	case rp.HostWild:
		if !strings.HasSuffix(host, rp.Host) {
			return false
		}
	case host != rp.Host:
		return false
	}
	if rp.PathSuffix {
		return strings.HasPrefix(target, rp.Path)
	}
	return target == rp.Path
}

// Specificity orders patterns matching one request, higher first: an exact host before a
// wildcard one, then the longer host, then the longer path, then an exact path before a path
// prefix, then a pattern with a scheme. Cloudflare documents that "the most specific pattern
// wins" with examples; this order is our reading of them (docs/cloudflare-api.md).
func (rp Pattern) Specificity() []int {
	return []int{b2i(!rp.HostWild), len(rp.Host), len(rp.Path), b2i(!rp.PathSuffix), b2i(rp.Scheme != "")}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CheckHostname says why Cloudflare refuses hostname as a custom domain, or nil: a custom domain
// is a bare hostname, with no scheme, path, wildcard or port.
func CheckHostname(hostname string) error {
	switch {
	case hostname == "":
		return fmt.Errorf("a custom domain is empty: write a hostname such as \"api.example.com\"")
	case strings.Contains(hostname, "://"):
		return fmt.Errorf("custom domain %q: write the hostname alone, without a scheme", hostname)
	case strings.Contains(hostname, "*"):
		return fmt.Errorf("custom domain %q: wildcard operators (*) are not allowed in custom domains; use a route for a wildcard", hostname)
	case strings.Contains(hostname, "/"):
		return fmt.Errorf("custom domain %q: paths are not allowed in custom domains (a custom domain serves every path); use a route for a path", hostname)
	case strings.Contains(hostname, ":"):
		return fmt.Errorf("custom domain %q: write the hostname without a port", hostname)
	}
	return nil
}

// InZone reports whether host is zone or a subdomain of it.
func InZone(host, zone string) bool {
	return host == zone || strings.HasSuffix(host, "."+zone)
}
