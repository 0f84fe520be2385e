package provider

import (
	"context"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"
)

// The schema warmed through the server, as Serve does before the engine's first call, is the
// schema the engine then reads, and the server answers CheckConfig after it.
func TestWarmSchemaThroughTheServer(t *testing.T) {
	prov, err := New()
	require.NoError(t, err)
	s, err := p.RawServer(Name, Version, prov)(nil)
	require.NoError(t, err)
	ctx := context.Background()

	warmSchema(ctx, s)
	got, err := s.GetSchema(ctx, &rpc.GetSchemaRequest{})
	require.NoError(t, err)
	assert.Contains(t, got.GetSchema(), `"lumier:index:Script"`)

	news, err := structpb.NewStruct(map[string]any{"accountId": testAccount})
	require.NoError(t, err)
	resp, err := s.CheckConfig(ctx, &rpc.CheckRequest{Urn: "urn:pulumi:dev::p::pulumi:providers:lumier::default", News: news})
	require.NoError(t, err)
	assert.Empty(t, resp.GetFailures())
	assert.Equal(t, testAccount, resp.GetInputs().GetFields()["accountId"].GetStringValue())
}
