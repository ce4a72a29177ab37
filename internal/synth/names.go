package synth

// Word lists the generator draws from. Registries, hosts and account ids are
// reserved example names.

// component is a kind of app: what it runs and how it is probed.
type component struct {
	name     string
	image    string // repository path below the registry
	registry string // "" means a pick from registries
	version  string
	role     string
	port     int
	probe    string // "http", "tcp" or "exec"
	cpu      string // request
	memory   string // request
}

var components = []component{
	{"checkout", "shop/checkout", "", "2.14.1", "backend", 8080, "http", "250m", "256Mi"},
	{"cart", "shop/cart", "", "1.9.0", "backend", 8080, "http", "100m", "128Mi"},
	{"catalog", "shop/catalog", "", "3.2.7", "backend", 8080, "http", "200m", "256Mi"},
	{"frontend", "shop/frontend", "", "5.0.3", "frontend", 3000, "http", "100m", "192Mi"},
	{"payments", "payments/api", "", "4.1.0", "backend", 8443, "http", "500m", "512Mi"},
	{"ledger", "payments/ledger", "", "1.0.12", "backend", 9090, "http", "300m", "384Mi"},
	{"auth", "identity/auth", "", "2.3.5", "backend", 8080, "http", "200m", "256Mi"},
	{"session", "identity/session", "", "1.4.0", "backend", 8080, "http", "100m", "128Mi"},
	{"search", "search/api", "", "6.2.0", "backend", 9200, "http", "1", "1Gi"},
	{"recommendations", "ml/recommendations", "", "0.18.4", "backend", 8501, "http", "2", "2Gi"},
	{"orders-worker", "shop/orders-worker", "", "2.14.1", "worker", 9102, "exec", "200m", "256Mi"},
	{"email-sender", "support/email-sender", "", "1.2.2", "worker", 9102, "exec", "50m", "64Mi"},
	{"gateway", "platform/gateway", "", "1.27.0", "proxy", 8080, "http", "250m", "128Mi"},
	{"nginx", "nginx", "docker.io/library", "1.27.3", "proxy", 80, "http", "100m", "64Mi"},
	{"redis", "redis", "docker.io/library", "7.4.1", "cache", 6379, "tcp", "100m", "256Mi"},
	{"postgres", "postgres", "docker.io/library", "16.6", "database", 5432, "exec", "500m", "1Gi"},
	{"kafka", "example/kafka", "quay.io", "3.8.1", "broker", 9092, "tcp", "1", "2Gi"},
	{"zookeeper", "example/zookeeper", "quay.io", "3.9.3", "coordination", 2181, "tcp", "250m", "512Mi"},
	{"metrics-exporter", "platform/metrics-exporter", "", "0.9.2", "monitoring", 9100, "http", "50m", "32Mi"},
	{"log-shipper", "platform/log-shipper", "", "3.1.9", "logging", 2020, "http", "100m", "128Mi"},
	{"image-resizer", "media/image-resizer", "", "1.6.0", "worker", 8080, "http", "500m", "512Mi"},
	{"shipping", "logistics/shipping", "", "2.0.1", "backend", 8080, "http", "100m", "128Mi"},
	{"inventory", "logistics/inventory", "", "3.3.0", "backend", 8080, "http", "150m", "192Mi"},
	{"fraud-scorer", "risk/fraud-scorer", "", "0.7.3", "backend", 8000, "http", "1", "1536Mi"},
}

var (
	teams      = []string{"shop", "payments", "platform", "data", "ml", "identity", "search", "media", "logistics", "marketing", "risk", "support"}
	envs       = []string{"prod", "prod", "staging", "dev"}
	managers   = []string{"Helm", "kustomize", "argocd", "terraform"}
	registries = []string{
		"registry.example.com",
		"ghcr.io/example-org",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"europe-docker.pkg.dev/example-project/apps",
	}
	sidecars = []component{
		{"log-forwarder", "fluent/fluent-bit", "cr.fluentbit.io", "3.1.9", "logging", 2020, "http", "50m", "64Mi"},
		{"oauth2-proxy", "oauth2-proxy/oauth2-proxy", "quay.io", "7.7.1", "proxy", 4180, "http", "50m", "64Mi"},
		{"cloud-sql-proxy", "cloud-sql-connectors/cloud-sql-proxy", "gcr.io", "2.14.2", "proxy", 9801, "tcp", "50m", "64Mi"},
		{"statsd-exporter", "prometheus/statsd-exporter", "quay.io", "0.27.2", "monitoring", 9102, "http", "25m", "32Mi"},
	}
	initImages = []string{
		"docker.io/library/busybox:1.37.0",
		"docker.io/library/alpine:3.21.0",
		"registry.example.com/platform/migrate:4.18.1",
	}
	ingressClasses = []string{"nginx", "nginx", "traefik", "alb"}
	domains        = []string{"example.com", "example.net", "example.org"}
	nodeOS         = []string{"linux"}
	zones          = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
)
