package standin

import (
	"context"
	"fmt"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// What the engine does first with a debug provider: Attach, then ask its
// version (it must be the SDK's, or the engine warns of a mismatch), then
// Check over the wire.
func TestServedOverGRPCAsTheEngineCallsIt(t *testing.T) {
	p, err := Start("ap-northeast-2", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if got := p.DebugProviders(); !strings.HasPrefix(got, "aws:") || !strings.Contains(got, ",eks:") {
		t.Fatalf("PULUMI_DEBUG_PROVIDERS %q", got)
	}
	ctx := context.Background()
	for _, s := range p.servers {
		conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", s.Port), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		client := pulumirpc.NewResourceProviderClient(conn)
		if _, err := client.Attach(ctx, &pulumirpc.PluginAttach{Address: "127.0.0.1:1"}); err != nil {
			t.Fatalf("%s: Attach: %v", s.Name, err)
		}
		info, err := client.GetPluginInfo(ctx, &emptypb.Empty{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"aws": AWSVersion, "eks": EKSVersion}[s.Name]
		if info.GetVersion() != want {
			t.Fatalf("%s version %s, want %s", s.Name, info.GetVersion(), want)
		}
		if s.Name != "aws" {
			continue
		}
		news, _ := structpb.NewStruct(map[string]any{"description": "no trust policy"})
		res, err := client.Check(ctx, &pulumirpc.CheckRequest{
			Urn: string(urn("aws:iam/role:Role", "r")), Type: "aws:iam/role:Role", Name: "r", News: news,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.GetFailures()) != 1 || res.GetFailures()[0].GetProperty() != "assumeRolePolicy" {
			t.Fatalf("failures %v", res.GetFailures())
		}
	}
}
