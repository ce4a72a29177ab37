// Package workload holds the workload hardening checks that go beyond the
// Pod Security Standards: resource limits, immutable root filesystems,
// service account tokens, secrets in plain sight, the host paths and
// capabilities that are catastrophic rather than merely unusual, UID 0,
// the default namespace and shared process namespaces.
//
// One check per file. Each file's doc comment states the fields the check
// reads and the values it allows; each check function is pure. Pod checks
// run once per pod template, so they cover every workload kind (Pod,
// Deployment, StatefulSet, DaemonSet, Job, CronJob, ...); field paths and
// fixes are relative to the workload object the template belongs to.
package workload
