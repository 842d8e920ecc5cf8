package standin

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

// maxMessage matches the engine's own limit: rendered charts and CRDs are
// large.
const maxMessage = 400 * 1024 * 1024

// Server is one provider listening on loopback for the engine to attach to.
type Server struct {
	Name string // the package: "aws", "eks"
	Port int

	grpc *grpc.Server
	done chan struct{}
}

// server adapts a plugin.Provider to the gRPC interface and keeps the
// engine's address from Attach, which Construct needs to log through.
type server struct {
	pulumirpc.ResourceProviderServer
	construct func(context.Context, *pulumirpc.ConstructRequest, *grpc.ClientConn) (*pulumirpc.ConstructResponse, error)

	mu     sync.Mutex
	engine *grpc.ClientConn
}

func (s *server) Attach(ctx context.Context, req *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	conn, err := grpc.NewClient(req.GetAddress(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)))
	if err != nil {
		return nil, fmt.Errorf("connecting to the engine at %s: %w", req.GetAddress(), err)
	}
	s.mu.Lock()
	old := s.engine
	s.engine = conn
	s.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	return &emptypb.Empty{}, nil
}

func (s *server) Construct(ctx context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	if s.construct == nil {
		return s.ResourceProviderServer.Construct(ctx, req)
	}
	s.mu.Lock()
	engine := s.engine
	s.mu.Unlock()
	return s.construct(ctx, req, engine)
}

// Serve starts p on a free loopback port. Stop ends it.
func Serve(name string, p plugin.Provider, construct func(context.Context, *pulumirpc.ConstructRequest, *grpc.ClientConn) (*pulumirpc.ConstructResponse, error)) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := grpc.NewServer(grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage))
	pulumirpc.RegisterResourceProviderServer(g, &server{ResourceProviderServer: plugin.NewProviderServer(p), construct: construct})
	s := &Server{Name: name, Port: l.Addr().(*net.TCPAddr).Port, grpc: g, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = g.Serve(l)
	}()
	return s, nil
}

// Stop ends the server and waits for it.
func (s *Server) Stop() {
	s.grpc.Stop()
	<-s.done
}

// DebugProviders is the PULUMI_DEBUG_PROVIDERS value attaching the engine
// to the servers: "aws:<port>,eks:<port>".
func DebugProviders(servers ...*Server) string {
	out := ""
	for i, s := range servers {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf("%s:%d", s.Name, s.Port)
	}
	return out
}

// Providers are the aws and eks stand-ins served together.
type Providers struct {
	AWS *AWS
	EKS *EKS

	servers []*Server
}

// Start serves both stand-ins for one region and set of clusters.
func Start(region string, clusters Clusters) (*Providers, error) {
	p := &Providers{AWS: NewAWS(region, clusters), EKS: NewEKS(clusters)}
	aws, err := Serve("aws", p.AWS, nil)
	if err != nil {
		return nil, err
	}
	eks, err := Serve("eks", p.EKS, p.EKS.ConstructRPC)
	if err != nil {
		aws.Stop()
		return nil, err
	}
	p.servers = []*Server{aws, eks}
	return p, nil
}

// DebugProviders is the PULUMI_DEBUG_PROVIDERS value attaching to both.
func (p *Providers) DebugProviders() string { return DebugProviders(p.servers...) }

// Stop ends both servers.
func (p *Providers) Stop() {
	for _, s := range p.servers {
		s.Stop()
	}
}
