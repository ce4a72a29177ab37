package rbac

// Hooks for the tests of package rbac_test: the plain scans the indexed
// answers are checked against.
var (
	AllowedScan = (*Model).allowedScan
	WhoCanScan  = (*Model).whoCanScan
)
