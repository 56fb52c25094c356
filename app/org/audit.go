package org

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// Action is what an audit entry records. Every action any service records
// is listed here, with its label for people.
type Action string

// The audit vocabulary, in the order the audit log's filter offers it.
const (
	SignIn            Action = "signin"
	SignInFailed      Action = "signin.failed"
	SignOut           Action = "signout"
	SignOutEverywhere Action = "signout.everywhere"
	Enrol             Action = "enrol"
	EnrolFailed       Action = "enrol.failed"
	PasskeyAdd        Action = "passkey.add"
	PasskeyAddFailed  Action = "passkey.add.failed"
	PasskeyRename     Action = "passkey.rename"
	PasskeyRemove     Action = "passkey.remove"
	InviteCreate      Action = "invite.create"
	InviteReenrol     Action = "invite.reenrol"
	InviteRevoke      Action = "invite.revoke"
	PersonCreate      Action = "person.create"
	DemoLink          Action = "demo.link"
	PersonDetails     Action = "person.details"
	PersonRoles       Action = "person.roles"
	PersonTeams       Action = "person.teams"
	PersonLabels      Action = "person.labels"
	PersonDeactivate  Action = "person.deactivate"
	PersonReactivate  Action = "person.reactivate"
	TeamCreate        Action = "team.create"
	TeamRename        Action = "team.rename"
	TeamDelete        Action = "team.delete"
	LabelCreate       Action = "label.create"
	LabelRename       Action = "label.rename"
	LabelDelete       Action = "label.delete"
	OrgCreate         Action = "org.create"
	SupportAdded      Action = "support.added"
	SupportChanged    Action = "support.changed"
	SupportRemoved    Action = "support.removed"
	ContentCreate     Action = "content.create"
	ContentApprove    Action = "content.approve"
	ContentPublish    Action = "content.publish"
	ContentUnpublish  Action = "content.unpublish"
	ReviewSetting     Action = "content.review"
	RequirementAdd    Action = "requirement.add"
	RequirementChange Action = "requirement.change"
	RequirementRemove Action = "requirement.remove"
	TeamManager       Action = "team.manager"
	CoverageSettings  Action = "coverage.settings"
	APIKeyCreate      Action = "apikey.create"
	APIKeyRevoke      Action = "apikey.revoke"
	ExportDownload    Action = "export.download"
	ReminderSend      Action = "reminder.send"
	DigestSetting     Action = "reminder.digest"
)

var labels = map[Action]string{
	SignIn:            "Signed in",
	SignInFailed:      "Sign-in refused",
	SignOut:           "Signed out",
	SignOutEverywhere: "Signed out everywhere",
	Enrol:             "Set up a passkey from a link",
	EnrolFailed:       "Passkey set-up from a link refused",
	PasskeyAdd:        "Added a passkey",
	PasskeyAddFailed:  "Adding a passkey refused",
	PasskeyRename:     "Renamed a passkey",
	PasskeyRemove:     "Removed a passkey",
	InviteCreate:      "Invited someone",
	InviteReenrol:     "Issued a new enrolment link",
	InviteRevoke:      "Withdrew an enrolment link",
	PersonCreate:      "Added someone without a link (demo)",
	DemoLink:          "Issued a demo sign-in link",
	PersonDetails:     "Changed name or email",
	PersonRoles:       "Changed roles",
	PersonTeams:       "Changed teams",
	PersonLabels:      "Changed labels",
	PersonDeactivate:  "Deactivated",
	PersonReactivate:  "Reactivated",
	TeamCreate:        "Created a team",
	TeamRename:        "Renamed a team",
	TeamDelete:        "Deleted a team",
	LabelCreate:       "Created a label",
	LabelRename:       "Renamed a label",
	LabelDelete:       "Deleted a label",
	OrgCreate:         "Created the organisation",
	SupportAdded:      "Added a support resource",
	SupportChanged:    "Changed a support resource",
	SupportRemoved:    "Removed a support resource",
	ContentCreate:     "Created a scenario or course",
	ContentApprove:    "Approved a draft for publishing",
	ContentPublish:    "Published a scenario or course",
	ContentUnpublish:  "Unpublished a scenario or course",
	ReviewSetting:     "Changed the review rule for publishing",
	RequirementAdd:    "Required a course",
	RequirementChange: "Changed a course requirement",
	RequirementRemove: "Removed a course requirement",
	TeamManager:       "Changed a team's managers",
	CoverageSettings:  "Changed the coverage settings",
	APIKeyCreate:      "Created an API key",
	APIKeyRevoke:      "Revoked an API key",
	ExportDownload:    "Downloaded an export",
	ReminderSend:      "Sent a reminder",
	DigestSetting:     "Turned the weekly digest on or off",
}

// Actions lists the vocabulary in the filter's order.
var Actions = []Action{SignIn, SignInFailed, SignOut, SignOutEverywhere, Enrol, EnrolFailed, PasskeyAdd, PasskeyAddFailed, PasskeyRename,
	PasskeyRemove, InviteCreate, InviteReenrol, InviteRevoke, PersonCreate, DemoLink, PersonDetails, PersonRoles,
	PersonTeams, PersonLabels, PersonDeactivate, PersonReactivate, TeamCreate, TeamRename, TeamDelete,
	LabelCreate, LabelRename, LabelDelete, OrgCreate, SupportAdded, SupportChanged, SupportRemoved,
	ContentCreate, ContentApprove, ContentPublish, ContentUnpublish, ReviewSetting,
	RequirementAdd, RequirementChange, RequirementRemove, TeamManager, CoverageSettings,
	APIKeyCreate, APIKeyRevoke, ExportDownload, ReminderSend, DigestSetting}

// Label is the action in people's words; an action no longer in the
// vocabulary (an old entry) shows its code.
func (a Action) Label() string {
	if l, ok := labels[a]; ok {
		return l
	}
	return string(a)
}

// groupAction is the create/rename/delete action of a team or a label.
func groupAction(k store.GroupKind, verb string) Action { return Action(k.Noun + "." + verb) }

// Record writes an audit entry on tx, the transaction that makes the
// change: if the entry cannot be written, the change is rolled back with
// it. Detail never holds secrets.
func Record(ctx context.Context, tx *store.Org, a Actor, action Action, subject *uuid.UUID, detail map[string]any, at time.Time) error {
	return tx.Audit(ctx, store.AuditEntry{At: at, ActorID: a.Ref(), Action: string(action), SubjectID: subject, Detail: detail, IP: a.IP})
}

// AuditRow is an audit entry as people read it.
type AuditRow struct {
	store.AuditEntry
	Label  string
	Who    string
	Detail string
}

// AuditLog lists the organisation's audit entries matching f, newest
// first, in people's words.
func (s *Service) AuditLog(ctx context.Context, a Actor, f store.AuditFilter) ([]AuditRow, error) {
	es, err := a.Org.AuditLog(ctx, f)
	if err != nil {
		return nil, err
	}
	rows := make([]AuditRow, len(es))
	for i, e := range es {
		who := e.ActorName
		switch {
		case e.ActorID == nil && (e.IP == "operator" || e.IP == "demo"):
			who = "Operator (command line)"
		case e.ActorID == nil:
			who = "Not signed in"
		case who == "":
			who = "Unknown person"
		}
		rows[i] = AuditRow{AuditEntry: e, Label: Action(e.Action).Label(), Who: who, Detail: auditDetail(Action(e.Action), e.Detail)}
	}
	return rows, nil
}

// roleKeys are the detail keys that hold role codes, by action: the log
// shows those roles in people's words (the entries keep the codes).
var roleKeys = map[Action][]string{InviteCreate: {"roles"}, PersonCreate: {"roles"}, PersonRoles: {"from", "to"}}

// auditDetail flattens an entry's detail into "key: value; ..." in key
// order. Ids of teams, labels and support resources are left out: their
// names are there. Role codes are shown in people's words.
func auditDetail(action Action, d map[string]any) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		if k != "id" && k != "resource" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := d[k]
		if list, ok := v.([]any); ok {
			s := make([]string, len(list))
			for j, x := range list {
				s[j] = fmt.Sprint(x)
				if slices.Contains(roleKeys[action], k) {
					s[j] = store.Role(s[j]).Label()
				}
			}
			v = strings.Join(s, ", ")
		}
		parts[i] = fmt.Sprintf("%s: %v", k, v)
	}
	return strings.Join(parts, "; ")
}
