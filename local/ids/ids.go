// Package ids makes the ids the local Cloudflare gives what it creates, in Cloudflare's forms:
// 32 hex digits (Durable Object and KV namespaces, queues, consumers, messages, routes,
// domains) or a UUID (versions, deployments, D1 databases, workflows).
package ids

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// New makes a random id. A Durable Object namespace's id is also its workerd storage key, and
// is never reused, so data deleted with a class can never reappear under a new class of the
// same name.
func New() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("local: no randomness: %v", err)) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b)
}

// UUID is a random version-4 UUID.
func UUID() string {
	b := []byte(New()) // 32 random hex digits
	b[12] = '4'
	b[16] = "89ab"[b[16]%4]
	h := string(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
