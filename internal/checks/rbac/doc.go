// Package rbac holds the checks on RBAC: who holds which dangerous
// permission, asked of the internal/rbac engine. One check per file.
package rbac
