package provider

import (
	"context"
	"fmt"
	"maps"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"
	comProvider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Serve runs the provider plugin: the engine's gRPC server for New's provider, with its
// components' resources kept on the provider instance that constructs them.
func Serve(ctx context.Context) error {
	prov, err := New()
	if err != nil {
		return fmt.Errorf("building provider: %w", err)
	}
	server := p.RawServer(Name, Version, prov)
	return comProvider.MainContext(ctx, Name, func(host *comProvider.HostClient) (rpc.ResourceProviderServer, error) {
		s, err := server(host)
		if err != nil {
			return nil, err
		}
		go warmSchema(ctx, s)
		return &ownChildren{ResourceProviderServer: s}, nil
	})
}

// warmSchema builds the provider's schema while the engine connects. The first CheckConfig of
// every plugin process needs it (pulumi-go-provider's config decoding reads the config's types
// from the schema, which infer generates by reflection on first use: about 12 ms idle), and the
// engine asks for CheckConfig right after the handshake; started as the server starts, on
// another core, the schema is half built by then (the first CheckConfig, timed in the plugin:
// 6 to 10 ms; unwarmed, in process: 12 to 16 ms). It goes through the server, as the engine's
// GetSchema would: the provider's calls need the context the server gives them. Errors are left
// for the calls that need the schema.
func warmSchema(ctx context.Context, s rpc.ResourceProviderServer) {
	_, _ = s.GetSchema(ctx, &rpc.GetSchemaRequest{})
}

// ownChildren makes the resources a component registers (an App's Workers and Scripts) use the
// provider instance that constructs the component. Without it they ask the engine for the
// default provider of their own package version, which is another instance whenever the
// component's was asked differently: a YAML program's resources name no version, an SDK's
// name a version and a download URL. Each instance is one more plugin process to start (a
// 100 MB binary), configure and verify the token for, in every update. The engine says, in
// Configure, which provider resource this process is; a Construct that names no provider for
// this package gets that one, as if the program had passed it in `providers`.
type ownChildren struct {
	rpc.ResourceProviderServer

	mu  sync.Mutex
	ref string // the provider resource's reference, "<urn>::<id>"; "" until configured
}

func (s *ownChildren) Configure(ctx context.Context, req *rpc.ConfigureRequest) (*rpc.ConfigureResponse, error) {
	if req.GetUrn() != "" && req.GetId() != "" {
		s.mu.Lock()
		s.ref = req.GetUrn() + "::" + req.GetId()
		s.mu.Unlock()
	}
	return s.ResourceProviderServer.Configure(ctx, req)
}

func (s *ownChildren) Construct(ctx context.Context, req *rpc.ConstructRequest) (*rpc.ConstructResponse, error) {
	s.mu.Lock()
	ref := s.ref
	s.mu.Unlock()
	if _, named := req.GetProviders()[Name]; ref != "" && !named {
		providers := maps.Clone(req.GetProviders())
		if providers == nil {
			providers = map[string]string{}
		}
		providers[Name] = ref
		req.Providers = providers
	}
	return s.ResourceProviderServer.Construct(ctx, req)
}
