package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/rbac"
)

func newRBACCommand(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rbac",
		Short: "Answer RBAC questions: who can, what can, what is risky, who can climb to cluster-admin",
		Long: `The rbac commands answer the questions the API server's RBAC authorizer
answers, from manifests, charts, Kustomize trees or a live cluster (the same
inputs as scan), and name the binding and rule behind every answer.

ClusterRoles that every cluster has (cluster-admin, admin, edit, view and
the system: roles of the API server's bootstrap policy) are known even when
the manifests only bind them. Aggregated ClusterRoles are computed from
their labels, as the controller manager does.`,
		Example: `  palisade rbac who-can create pods/exec -n shop ./k8s
  palisade rbac who-can get secrets --cluster
  palisade rbac can system:serviceaccount:shop:web ./k8s
  palisade rbac risky ./k8s
  palisade rbac paths --cluster`,
	}
	cmd.AddCommand(newRBACWhoCanCommand(s), newRBACCanCommand(s), newRBACRiskyCommand(s), newRBACPathsCommand(s))
	return cmd
}

func newRBACWhoCanCommand(s *streams) *cobra.Command {
	o := &answerOptions{}
	var name string
	cmd := &cobra.Command{
		Use:   "who-can VERB RESOURCE[/SUBRESOURCE] (PATH... | --cluster)",
		Short: "List the subjects that may do VERB on RESOURCE, with the binding and rule that allow it",
		Long: `who-can lists every user, group and service account that a RoleBinding or
ClusterRoleBinding allows to do VERB on RESOURCE, as the API server's RBAC
authorizer would decide, with the binding and the rule behind each.

RESOURCE is a plural resource name, optionally with its API group and a
subresource: pods, deployments.apps, pods/exec, "*". A name without a group
is looked up among the built-in kinds and the CustomResourceDefinitions
read. A RESOURCE starting with "/" is a non-resource URL (/metrics).
-n asks about one namespace (without it: cluster scope, so only
ClusterRoleBindings answer); --name asks about one object (resourceNames).`,
		Example: `  palisade rbac who-can create pods/exec -n shop ./k8s
  palisade rbac who-can get secrets --name db-password -n shop --cluster
  palisade rbac who-can '*' '*' ./k8s           # who is cluster-admin
  palisade rbac who-can get /metrics --cluster -o json`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			snap, in, err := o.load(cmd, s, args[2:])
			if err != nil {
				return err
			}
			req, err := parseRequest(snap, args[0], args[1], o.input.live.namespace, name)
			if err != nil {
				return &exitError{ExitInput, err}
			}
			holders := rbac.For(snap).WhoCan(req)
			if o.output == "json" {
				err = writeJSONValue(s, whoCanJSON{Request: requestJSONOf(req), Holders: holdersJSON(holders)})
			} else {
				err = writeWhoCan(s.out, req, holders)
			}
			if err != nil {
				return err
			}
			return reportInputErrors(s, in)
		},
	}
	o.addFlags(cmd, "table", "json")
	cmd.Flags().StringVar(&name, "name", "", "ask about the object of this name (rules with resourceNames match only it)")
	return cmd
}

func newRBACCanCommand(s *streams) *cobra.Command {
	o := &answerOptions{}
	cmd := &cobra.Command{
		Use:   "can SUBJECT (PATH... | --cluster)",
		Short: "List what SUBJECT may do, grouped by namespace, like kubectl auth can-i --list",
		Long: `can lists every rule that applies to SUBJECT, through its own bindings and
those of its groups (system:authenticated, system:serviceaccounts, ...),
grouped by the namespace it holds in, with the binding and role it comes
from.

SUBJECT is system:serviceaccount:NS:NAME (or sa:NS/NAME), system:anonymous,
user:NAME (or a bare user name), or group:NAME for what a group's members
get through the group.`,
		Example: `  palisade rbac can system:serviceaccount:shop:web ./k8s
  palisade rbac can sa:kube-system/default --cluster
  palisade rbac can group:system:authenticated --cluster -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			subject, err := rbac.ParseSubject(args[0])
			if err != nil {
				return &exitError{ExitInput, err}
			}
			snap, in, err := o.load(cmd, s, args[1:])
			if err != nil {
				return err
			}
			perms := rbac.For(snap).PermissionsOf(subject)
			if o.output == "json" {
				err = writeJSONValue(s, canJSON{Subject: subject.String(), Groups: subject.Groups, Permissions: permissionsJSON(perms)})
			} else {
				err = writePermissions(s.out, subject, perms)
			}
			if err != nil {
				return err
			}
			return reportInputErrors(s, in)
		},
	}
	o.addFlags(cmd, "table", "json")
	return cmd
}

func newRBACRiskyCommand(s *streams) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "risky (PATH... | --cluster)",
		Short: "Run the RBAC risk checks (rbac/*) and report their findings",
		Long: `risky runs only the rbac/* checks — cluster-admin and wildcard grants, Secret
readers, pod creators, exec, escalate and bind, impersonation, token
requests, CSR approval, admission-control writers, PersistentVolume
creators, namespace writers, Event deleters, grants to everyone and to
default service accounts, and escalation chains to cluster-admin — and
reports them like scan, in any of scan's formats. Bindings of the API
server's bootstrap policy and kubeadm's defaults are not reported unless
someone added a subject to them. Exit status as scan.`,
		Example: `  palisade rbac risky ./k8s
  palisade rbac risky --cluster -o sarif --output-file rbac.sarif
  palisade rbac risky ./k8s --fail-on high`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.registry = check.Default().WithPrefix("rbac/")
			return o.run(cmd, s, args)
		},
	}
	o.input.addFlags(cmd.Flags(), "risky")
	o.addFlags(cmd.Flags())
	return cmd
}

func newRBACPathsCommand(s *streams) *cobra.Command {
	o := &answerOptions{}
	var to, from string
	cmd := &cobra.Command{
		Use:   "paths (PATH... | --cluster)",
		Short: "Show who can climb to cluster-admin (or to another subject), step by step",
		Long: `paths builds the graph of who can obtain whose permissions and prints, for
every subject that can reach the target, the shortest chain, each step with
the binding and rule that permit it. A subject obtains another's
permissions by creating a pod or workload that runs as a service account,
exec into a pod that mounts its token (pods/exec, or nodes/proxy), reading
its token Secret, requesting a token (serviceaccounts/token), or
impersonating it; it obtains cluster-admin by holding "*" on "*", binding
cluster-admin, escalating ClusterRoles, or approving its own client
certificate for system:masters.`,
		Example: `  palisade rbac paths ./k8s
  palisade rbac paths --cluster --from sa:shop/web
  palisade rbac paths ./k8s --to sa:kube-system/backup -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			target := rbac.ClusterAdmin
			if to != "" && to != "cluster-admin" {
				p, err := principalFlag("--to", to)
				if err != nil {
					return err
				}
				target = p
			}
			var source *rbac.Principal
			if from != "" {
				p, err := principalFlag("--from", from)
				if err != nil {
					return err
				}
				source = &p
			}
			snap, in, err := o.load(cmd, s, args)
			if err != nil {
				return err
			}
			chains := rbac.EscalationOf(snap).ChainsTo(target)
			if source != nil {
				var kept []rbac.Chain
				for _, c := range chains {
					if c.From == *source {
						kept = append(kept, c)
					}
				}
				chains = kept
			}
			if o.output == "json" {
				err = writeJSONValue(s, pathsJSON{Target: target.String(), Chains: chainsJSON(chains)})
			} else {
				err = writeChains(s.out, target, chains)
			}
			if err != nil {
				return err
			}
			return reportInputErrors(s, in)
		},
	}
	o.addFlags(cmd, "table", "json")
	cmd.Flags().StringVar(&to, "to", "cluster-admin", "the target: cluster-admin, or a subject (sa:NS/NAME, user:NAME, group:NAME)")
	cmd.Flags().StringVar(&from, "from", "", "only the chain that starts at this subject")
	return cmd
}

// principalFlag reads a subject flag as a principal of the escalation
// graph.
func principalFlag(flag, value string) (rbac.Principal, error) {
	subj, err := rbac.ParseSubject(value)
	if err != nil {
		return rbac.Principal{}, &exitError{ExitInput, fmt.Errorf("%s: %w", flag, err)}
	}
	return rbac.PrincipalOfSubject(subj), nil
}

// parseRequest turns who-can's VERB and RESOURCE into a request.
func parseRequest(snap *cluster.Snapshot, verb, resource, namespace, name string) (rbac.Request, error) {
	r := rbac.Request{Verb: verb, Namespace: namespace, Name: name}
	if strings.HasPrefix(resource, "/") {
		r.Path = resource
		return r, nil
	}
	res, sub, _ := strings.Cut(resource, "/")
	r.Subresource = sub
	if res == "*" {
		r.Resource, r.APIGroup = "*", "*"
		return r, nil
	}
	if plural, group, ok := strings.Cut(res, "."); ok {
		r.Resource, r.APIGroup = plural, group
		return r, nil
	}
	groups := resourceGroups(snap)[res]
	switch {
	case len(groups) == 0:
		return r, fmt.Errorf("%q is not a resource of any built-in kind or CustomResourceDefinition read: give its API group, e.g. %s.example.com, or use the plural name (pods, not pod)", res, res)
	case groups[0] == "" || len(groups) == 1:
		r.Resource, r.APIGroup = res, groups[0]
	default:
		alts := make([]string, len(groups))
		for i, g := range groups {
			alts[i] = res + "." + g
		}
		return r, fmt.Errorf("%q is a resource of several API groups: name one of %s", res, strings.Join(alts, ", "))
	}
	return r, nil
}

// resourceGroups maps every plural resource name to the API groups that
// serve it: the built-in kinds of client-go's scheme and the
// CustomResourceDefinitions of the snapshot. The core group "" sorts
// first, which is what kubectl picks for a name in several groups.
func resourceGroups(snap *cluster.Snapshot) map[string][]string {
	seen := map[string]map[string]bool{}
	addGroup := func(resource, group string) {
		if seen[resource] == nil {
			seen[resource] = map[string]bool{}
		}
		seen[resource][group] = true
	}
	for gvk := range scheme.Scheme.AllKnownTypes() {
		// extensions is the retired group whose kinds all moved (apps,
		// networking.k8s.io); no current API server serves it.
		if gvk.Version == "__internal" || gvk.Group == "extensions" || strings.HasSuffix(gvk.Kind, "List") || strings.HasSuffix(gvk.Kind, "Options") {
			continue
		}
		plural, _ := meta.UnsafeGuessKindToResource(gvk)
		addGroup(plural.Resource, gvk.Group)
	}
	for _, o := range snap.OfKind("CustomResourceDefinition") {
		u, ok := o.Typed.(interface {
			UnstructuredContent() map[string]any
		})
		if !ok {
			continue
		}
		spec, _ := u.UnstructuredContent()["spec"].(map[string]any)
		names, _ := spec["names"].(map[string]any)
		plural, _ := names["plural"].(string)
		group, _ := spec["group"].(string)
		if plural != "" && group != "" {
			addGroup(plural, group)
		}
	}
	out := make(map[string][]string, len(seen))
	for res, gs := range seen {
		list := make([]string, 0, len(gs))
		for g := range gs {
			list = append(list, g)
		}
		sort.Strings(list)
		out[res] = list
	}
	return out
}

// --- JSON answers -------------------------------------------------------------

type requestJSON struct {
	Verb        string `json:"verb"`
	APIGroup    string `json:"apiGroup,omitempty"`
	Resource    string `json:"resource,omitempty"`
	Subresource string `json:"subresource,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name,omitempty"`
	Path        string `json:"nonResourceURL,omitempty"`
}

func requestJSONOf(r rbac.Request) requestJSON {
	return requestJSON{Verb: r.Verb, APIGroup: r.APIGroup, Resource: r.Resource, Subresource: r.Subresource, Namespace: r.Namespace, Name: r.Name, Path: r.Path}
}

type grantJSON struct {
	Binding     cluster.ObjectID  `json:"binding"`
	Subject     int               `json:"subjectIndex"`
	Role        *cluster.ObjectID `json:"role,omitempty"`
	RuleSource  *cluster.ObjectID `json:"ruleSource,omitempty"`
	RuleIndex   int               `json:"ruleIndex"`
	Rule        rbacv1.PolicyRule `json:"rule"`
	Explanation string            `json:"explanation"`
}

func grantJSONOf(g rbac.Grant) grantJSON {
	out := grantJSON{Subject: g.SubjectIndex, RuleIndex: g.RuleIndex, Rule: g.Rule, Explanation: g.String()}
	if g.Binding != nil {
		out.Binding = g.Binding.ID
	}
	if g.Role != nil {
		id := g.Role.ID
		out.Role = &id
	}
	if g.RuleSource != nil {
		id := g.RuleSource.ID
		out.RuleSource = &id
	}
	return out
}

type holderJSON struct {
	Subject rbacv1.Subject `json:"subject"`
	Grants  []grantJSON    `json:"grants"`
}

type whoCanJSON struct {
	Request requestJSON  `json:"request"`
	Holders []holderJSON `json:"holders"`
}

func holdersJSON(hs []rbac.Holder) []holderJSON {
	out := make([]holderJSON, 0, len(hs))
	for _, h := range hs {
		hj := holderJSON{Subject: h.Subject}
		for _, g := range h.Grants {
			hj.Grants = append(hj.Grants, grantJSONOf(g))
		}
		out = append(out, hj)
	}
	return out
}

type permissionJSON struct {
	Namespace       string    `json:"namespace,omitempty"`
	Resources       []string  `json:"resources,omitempty"`
	NonResourceURLs []string  `json:"nonResourceURLs,omitempty"`
	ResourceNames   []string  `json:"resourceNames,omitempty"`
	Verbs           []string  `json:"verbs"`
	Grant           grantJSON `json:"grant"`
}

type canJSON struct {
	Subject     string           `json:"subject"`
	Groups      []string         `json:"groups"`
	Permissions []permissionJSON `json:"permissions"`
}

func permissionsJSON(ps []rbac.Permission) []permissionJSON {
	out := make([]permissionJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, permissionJSON{Namespace: p.Namespace, Resources: p.Resources, NonResourceURLs: p.NonResourceURLs,
			ResourceNames: p.ResourceNames, Verbs: p.Verbs, Grant: grantJSONOf(p.Grant)})
	}
	return out
}

type stepJSON struct {
	From        string      `json:"from"`
	To          string      `json:"to"`
	Action      string      `json:"action,omitempty"`
	Membership  bool        `json:"membership,omitempty"`
	Grants      []grantJSON `json:"grants,omitempty"`
	Explanation string      `json:"explanation"`
}

type chainJSON struct {
	From  string     `json:"from"`
	Steps []stepJSON `json:"steps"`
}

type pathsJSON struct {
	Target string      `json:"target"`
	Chains []chainJSON `json:"chains"`
}

func chainsJSON(cs []rbac.Chain) []chainJSON {
	out := make([]chainJSON, 0, len(cs))
	for _, c := range cs {
		cj := chainJSON{From: c.From.String()}
		for _, st := range c.Steps {
			sj := stepJSON{From: st.From.String(), To: st.To.String(), Action: st.Action, Membership: st.Membership, Explanation: st.String()}
			for _, g := range st.Grants {
				sj.Grants = append(sj.Grants, grantJSONOf(g))
			}
			cj.Steps = append(cj.Steps, sj)
		}
		out = append(out, cj)
	}
	return out
}

// --- tables -------------------------------------------------------------------

func writeWhoCan(w io.Writer, r rbac.Request, hs []rbac.Holder) error {
	if len(hs) == 0 {
		_, err := fmt.Fprintf(w, "No subject may %s.\n", describeRequest(r))
		return err
	}
	fmt.Fprintf(w, "%d subject(s) may %s:\n\n", len(hs), describeRequest(r))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBJECT\tBINDING\tROLE\tRULE")
	for _, h := range hs {
		for i, g := range h.Grants {
			subject := ""
			if i == 0 {
				subject = rbac.PrincipalOf(h.Subject, bindingNamespace(g)).String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", subject, objectName(g.Binding), objectName(g.Role), ruleText(g))
		}
	}
	return tw.Flush()
}

func describeRequest(r rbac.Request) string {
	if r.Path != "" {
		return fmt.Sprintf("%s %s", r.Verb, r.Path)
	}
	res := r.Resource
	if r.APIGroup != "" && r.APIGroup != "*" {
		res += "." + r.APIGroup
	}
	if r.Subresource != "" {
		res += "/" + r.Subresource
	}
	if r.Name != "" {
		res += " " + r.Name
	}
	scope := "cluster-wide"
	if r.Namespace != "" {
		scope = "in namespace " + r.Namespace
	}
	return fmt.Sprintf("%s %s %s", r.Verb, res, scope)
}

func bindingNamespace(g rbac.Grant) string {
	if g.Binding == nil {
		return ""
	}
	return g.Binding.ID.Namespace
}

// objectName names a binding or role: "ClusterRoleBinding/ci" or
// "RoleBinding/shop/web".
func objectName(o *cluster.Object) string {
	if o == nil {
		return "-"
	}
	if o.ID.Namespace != "" {
		return o.ID.Kind + "/" + o.ID.Namespace + "/" + o.ID.Name
	}
	return o.ID.Kind + "/" + o.ID.Name
}

// ruleText names a rule by index and, for an aggregated rule, its source.
func ruleText(g rbac.Grant) string {
	where := fmt.Sprintf("rules[%d]", g.RuleIndex)
	if g.RuleSource != nil && g.Role != nil && g.RuleSource != g.Role {
		where = fmt.Sprintf("%s rules[%d] (aggregated)", objectName(g.RuleSource), g.RuleIndex)
	}
	return where
}

func writePermissions(w io.Writer, subject rbac.Subject, ps []rbac.Permission) error {
	fmt.Fprintf(w, "%s (groups: %s)\n", subject, strings.Join(subject.Groups, ", "))
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "\nNo binding grants it anything.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	namespace := "\x00"
	for _, p := range ps {
		if p.Namespace != namespace {
			namespace = p.Namespace
			title := "Cluster-wide (every namespace)"
			if namespace != "" {
				title = "Namespace " + namespace
			}
			fmt.Fprintf(tw, "\n%s\n", title)
			fmt.Fprintln(tw, "RESOURCES\tNON-RESOURCE URLS\tRESOURCE NAMES\tVERBS\tFROM")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s → %s\n", bracketList(p.Resources), bracketList(p.NonResourceURLs),
			bracketList(p.ResourceNames), bracketList(p.Verbs), objectName(p.Grant.Binding), objectName(p.Grant.Role))
	}
	return tw.Flush()
}

func bracketList(ss []string) string { return "[" + strings.Join(ss, " ") + "]" }

func writeChains(w io.Writer, target rbac.Principal, cs []rbac.Chain) error {
	if len(cs) == 0 {
		_, err := fmt.Fprintf(w, "No subject can reach %s.\n", target)
		return err
	}
	fmt.Fprintf(w, "%d subject(s) can reach %s:\n", len(cs), target)
	for _, c := range cs {
		fmt.Fprintf(w, "\n%s — %d step(s)\n", c.From, len(c.Steps))
		for i, st := range c.Steps {
			fmt.Fprintf(w, "  %d. %s\n", i+1, st)
		}
	}
	return nil
}
