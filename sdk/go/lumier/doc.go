// Deploy Cloudflare Workers and Durable Objects, with migrations computed for you and no silent data loss.
package lumier
