package home

import (
	"context"
	"regexp"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// DocUpdate holds the fields of a document's entry to change; nil fields
// stay as they are.
type DocUpdate struct {
	Name     *string
	IsPinned *bool
	URLID    *string // "" removes the urlId
}

var urlIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CreateDoc creates an empty document in a workspace (editors and owners)
// and returns its id.
func (s *Service) CreateDoc(ctx context.Context, a rowhouse.Actor, wsID int64, name string) (string, error) {
	return s.CreateDocWith(ctx, a, wsID, name, nil)
}

// CreateDocWith is CreateDoc with fill, if not nil, called with the new
// document's id once its database exists and before its entry commits:
// if fill fails, the document is not made (its entry rolls back and its
// database is removed) and CreateDocWith returns fill's error. It is how
// a document starts from a template: fill applies the template's actions.
func (s *Service) CreateDocWith(ctx context.Context, a rowhouse.Actor, wsID int64, name string, fill func(ctx context.Context, docID string) error) (string, error) {
	if err := checkKeyForHome(a, true); err != nil {
		return "", err
	}
	if name == "" {
		name = "Untitled document"
	}
	if err := validName("document", name); err != nil {
		return "", err
	}
	id := rowhouse.NewDocID()
	created := false
	err := s.home.Write(ctx, func(q store.HomeQueries) error {
		g, err := loadGrants(ctx, q, a.User.ID)
		if err != nil {
			return err
		}
		v, err := s.wsView(ctx, q, g, wsID)
		if err != nil {
			return err
		}
		if err := needHome(v.Access, rowhouse.RoleEditors); err != nil {
			return err
		}
		now := s.now()
		if err := q.CreateDoc(ctx, rowhouse.Doc{ID: id, WorkspaceID: wsID, Name: name, MaxInheritedRole: rowhouse.RoleOwners, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		// As in Grist, the creator owns the new document directly.
		if err := q.SetGrant(ctx, store.Grant{Resource: rowhouse.ResourceDoc, ResourceID: id, UserID: a.User.ID, Role: rowhouse.RoleOwners}); err != nil {
			return err
		}
		// The database is created before the entry commits: if it cannot
		// be, no entry points at nothing.
		if err := s.engine.CreateDoc(ctx, id); err != nil {
			return err
		}
		created = true
		if fill != nil {
			return fill(ctx, id)
		}
		return nil
	})
	if err != nil {
		if created {
			s.deleteDocFiles(ctx, []string{id})
		}
		return "", wrapf(err, "create doc")
	}
	return id, nil
}

// FillOwner looks up the owner of a personal org for an answer that shows
// it (access checks leave it unset to save the query).
func (s *Service) FillOwner(ctx context.Context, v *OrgView) error {
	return wrapf(s.fillOwner(ctx, s.home.Read(), v), "org %d owner", v.ID)
}

// Doc resolves a document for an operation that needs at least role want,
// checking the actor's key scope too (a write for editors and owners). It
// is the access check of every document endpoint.
func (s *Service) Doc(ctx context.Context, a rowhouse.Actor, docID string, want rowhouse.Role) (DocView, error) {
	v, err := s.docAccessOf(ctx, a.User.ID, docID)
	if err != nil {
		return v, err
	}
	if err := checkKeyForDoc(a, v.ID, want.AtLeast(rowhouse.RoleEditors)); err != nil {
		return v, err
	}
	return v, needDoc(v.Access, want)
}

// docAccessOf is the document as the user sees it, or the 404/403 that
// they get, from the cache when it is fresh.
func (s *Service) docAccessOf(ctx context.Context, userID int64, docID string) (DocView, error) {
	key := docAccessKey{userID: userID, docID: docID}
	if e, ok := s.docAccess.Get(key); ok {
		return e.view, e.err
	}
	gen := s.docAccess.Generation()
	q := s.home.Read()
	g, err := loadGrants(ctx, q, userID)
	if err != nil {
		return DocView{}, wrapf(err, "get doc")
	}
	v, err := s.docView(ctx, q, g, docID)
	if err != nil {
		err = wrapf(err, "get doc %s", docID)
		if k := rowhouse.ErrorKind(err); k != rowhouse.ENOTFOUND && k != rowhouse.EFORBIDDEN {
			return v, err // a failure, not an answer: never kept
		}
	}
	s.docAccess.Put(key, gen, docAccess{view: v, err: err})
	return v, err
}

// UpdateDoc renames, pins or sets the urlId of a document (editors and
// owners) and returns its id.
func (s *Service) UpdateDoc(ctx context.Context, a rowhouse.Actor, docID string, up DocUpdate) (string, error) {
	if up.Name != nil {
		if err := validName("document", *up.Name); err != nil {
			return "", err
		}
	}
	if up.URLID != nil && *up.URLID != "" && (!urlIDRE.MatchString(*up.URLID) || rowhouse.ValidDocID(*up.URLID)) {
		return "", rowhouse.InvalidPayload("urlId must have 1 to 64 letters, digits, '-' or '_' and must not look like a document id")
	}
	var id string
	err := s.home.Write(ctx, func(q store.HomeQueries) error {
		v, err := s.docForWrite(ctx, q, a, docID, rowhouse.RoleEditors)
		if err != nil {
			return err
		}
		d := v.Doc
		id = d.ID
		if up.Name != nil {
			d.Name = *up.Name
		}
		if up.IsPinned != nil {
			d.IsPinned = *up.IsPinned
		}
		if up.URLID != nil {
			d.URLID = *up.URLID
		}
		return q.UpdateDoc(ctx, d, s.now())
	})
	return id, wrapf(err, "update doc %s", docID)
}

func (s *Service) docForWrite(ctx context.Context, q store.HomeQueries, a rowhouse.Actor, docID string, want rowhouse.Role) (DocView, error) {
	g, err := loadGrants(ctx, q, a.User.ID)
	if err != nil {
		return DocView{}, err
	}
	v, err := s.docView(ctx, q, g, docID)
	if err != nil {
		return v, err
	}
	if err := checkKeyForDoc(a, v.ID, true); err != nil {
		return v, err
	}
	return v, needDoc(v.Access, want)
}

// DeleteDoc removes a document and its data (owners only) and returns its
// id.
func (s *Service) DeleteDoc(ctx context.Context, a rowhouse.Actor, docID string) (string, error) {
	var id string
	err := s.home.Write(ctx, func(q store.HomeQueries) error {
		v, err := s.docForWrite(ctx, q, a, docID, rowhouse.RoleOwners)
		if err != nil {
			return err
		}
		id = v.ID
		return q.DeleteDoc(ctx, v.ID)
	})
	if err != nil {
		return "", wrapf(err, "delete doc %s", docID)
	}
	s.deleteDocFiles(ctx, []string{id})
	return id, nil
}

// MoveDoc moves a document to another workspace: owners of the document
// who can add documents to the destination.
func (s *Service) MoveDoc(ctx context.Context, a rowhouse.Actor, docID string, wsID int64) error {
	if err := checkKeyForHome(a, true); err != nil {
		return err
	}
	return wrapf(s.home.Write(ctx, func(q store.HomeQueries) error {
		v, err := s.docForWrite(ctx, q, a, docID, rowhouse.RoleOwners)
		if err != nil {
			return err
		}
		g, err := loadGrants(ctx, q, a.User.ID)
		if err != nil {
			return err
		}
		dest, err := s.wsView(ctx, q, g, wsID)
		if err != nil {
			return err
		}
		if err := needHome(dest.Access, rowhouse.RoleEditors); err != nil {
			return err
		}
		d := v.Doc
		d.WorkspaceID = wsID
		return q.UpdateDoc(ctx, d, s.now())
	}), "move doc %s", docID)
}

// CopyDoc copies a document the actor can view into a workspace where they
// can add documents, under a new name, and returns the new id.
func (s *Service) CopyDoc(ctx context.Context, a rowhouse.Actor, docID string, wsID int64, name string) (string, error) {
	if err := checkKeyForHome(a, true); err != nil {
		return "", err
	}
	if err := validName("document", name); err != nil {
		return "", err
	}
	id := rowhouse.NewDocID()
	copied := false
	err := s.home.Write(ctx, func(q store.HomeQueries) error {
		g, err := loadGrants(ctx, q, a.User.ID)
		if err != nil {
			return err
		}
		src, err := s.docView(ctx, q, g, docID)
		if err != nil {
			return err
		}
		dest, err := s.wsView(ctx, q, g, wsID)
		if err != nil {
			return err
		}
		if err := needHome(dest.Access, rowhouse.RoleEditors); err != nil {
			return err
		}
		now := s.now()
		if err := q.CreateDoc(ctx, rowhouse.Doc{ID: id, WorkspaceID: wsID, Name: name, MaxInheritedRole: rowhouse.RoleOwners, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := q.SetGrant(ctx, store.Grant{Resource: rowhouse.ResourceDoc, ResourceID: id, UserID: a.User.ID, Role: rowhouse.RoleOwners}); err != nil {
			return err
		}
		if err := s.engine.CopyDoc(ctx, src.ID, id); err != nil {
			return err
		}
		copied = true
		return nil
	})
	if err != nil {
		if copied {
			s.deleteDocFiles(ctx, []string{id})
		}
		return "", wrapf(err, "copy doc %s", docID)
	}
	return id, nil
}
