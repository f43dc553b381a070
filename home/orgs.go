package home

import (
	"context"
	"sort"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/store"
)

// ListOrgs returns the orgs the actor can see: those where they have a
// role, and those where they can only see something inside (as guests).
// The anonymous user sees none.
func (s *Service) ListOrgs(ctx context.Context, a rowhouse.Actor) ([]OrgView, error) {
	if a.Anonymous() {
		return []OrgView{}, nil
	}
	if err := checkKeyForHome(a, false); err != nil {
		return nil, err
	}
	q := s.home.Read()
	g, err := loadGrants(ctx, q, a.User.ID)
	if err != nil {
		return nil, wrapf(err, "list orgs")
	}
	roles := map[int64]rowhouse.Role{}
	for key, role := range g {
		if res, id, _ := cutKey(key); res == rowhouse.ResourceOrg {
			roles[id] = role
		}
	}
	inside, err := guestOrgs(ctx, q, g)
	if err != nil {
		return nil, wrapf(err, "list orgs")
	}
	for id := range inside {
		if _, ok := roles[id]; !ok {
			roles[id] = rowhouse.RoleGuests
		}
	}
	ids := make([]int64, 0, len(roles))
	for id := range roles {
		ids = append(ids, id)
	}
	orgs, err := q.OrgsByIDs(ctx, ids)
	if err != nil {
		return nil, wrapf(err, "list orgs")
	}
	out := make([]OrgView, 0, len(orgs))
	for _, o := range orgs {
		v := OrgView{Org: o, Access: roles[o.ID]}
		if err := s.fillOwner(ctx, q, &v); err != nil {
			return nil, wrapf(err, "list orgs")
		}
		out = append(out, v)
	}
	// The personal org first, then team orgs by name, as Grist lists them.
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := out[i].OwnerID == a.User.ID, out[j].OwnerID == a.User.ID
		if pi != pj {
			return pi
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func cutKey(key string) (string, int64, bool) {
	for i := 0; i < len(key); i++ {
		if key[i] == ':' {
			var id int64
			for _, c := range key[i+1:] {
				if c < '0' || c > '9' {
					return key[:i], 0, false
				}
				id = id*10 + int64(c-'0')
			}
			return key[:i], id, true
		}
	}
	return key, 0, false
}

// GetOrg returns one org by id or domain.
func (s *Service) GetOrg(ctx context.Context, a rowhouse.Actor, ref string) (OrgView, error) {
	if err := checkKeyForHome(a, false); err != nil {
		return OrgView{}, err
	}
	q := s.home.Read()
	g, err := loadGrants(ctx, q, a.User.ID)
	if err != nil {
		return OrgView{}, wrapf(err, "get org")
	}
	v, err := s.orgView(ctx, q, g, ref)
	return v, wrapf(err, "get org %s", ref)
}

// CreateOrg creates a team org owned by the actor, with a "Home" workspace.
func (s *Service) CreateOrg(ctx context.Context, a rowhouse.Actor, name, domain string) (int64, error) {
	if a.Anonymous() {
		return 0, rowhouse.Forbiddenf("access denied")
	}
	if err := checkKeyForHome(a, true); err != nil {
		return 0, err
	}
	if err := validName("org", name); err != nil {
		return 0, err
	}
	if err := validDomain(domain); err != nil {
		return 0, err
	}
	var id int64
	err := s.home.Write(ctx, func(q store.HomeQueries) error {
		now := s.now()
		org, err := q.CreateOrg(ctx, name, domain, 0, now)
		if err != nil {
			return err
		}
		id = org.ID
		if err := q.SetGrant(ctx, store.Grant{Resource: rowhouse.ResourceOrg, ResourceID: idStr(org.ID), UserID: a.User.ID, Role: rowhouse.RoleOwners}); err != nil {
			return err
		}
		_, err = q.CreateWorkspace(ctx, org.ID, "Home", now)
		return err
	})
	return id, wrapf(err, "create org")
}

// UpdateOrg renames an org or changes its domain (owners only; a personal
// org's domain is fixed).
func (s *Service) UpdateOrg(ctx context.Context, a rowhouse.Actor, ref string, name, domain *string) error {
	if err := checkKeyForHome(a, true); err != nil {
		return err
	}
	return wrapf(s.home.Write(ctx, func(q store.HomeQueries) error {
		g, err := loadGrants(ctx, q, a.User.ID)
		if err != nil {
			return err
		}
		v, err := s.orgView(ctx, q, g, ref)
		if err != nil {
			return err
		}
		if err := needHome(v.Access, rowhouse.RoleOwners); err != nil {
			return err
		}
		o := v.Org
		if name != nil {
			if err := validName("org", *name); err != nil {
				return err
			}
			o.Name = *name
		}
		if domain != nil && *domain != o.Domain {
			if o.Personal() {
				return rowhouse.Invalidf("Cannot change the domain of a personal organization")
			}
			if err := validDomain(*domain); err != nil {
				return err
			}
			o.Domain = *domain
		}
		return q.UpdateOrg(ctx, o, s.now())
	}), "update org %s", ref)
}

// DeleteOrg removes a team org and everything in it (owners only). confirm
// must be the org's domain or name, or "force-delete".
func (s *Service) DeleteOrg(ctx context.Context, a rowhouse.Actor, ref, confirm string) (int64, error) {
	if err := checkKeyForHome(a, true); err != nil {
		return 0, err
	}
	var docs []string
	var id int64
	err := s.home.Write(ctx, func(q store.HomeQueries) error {
		g, err := loadGrants(ctx, q, a.User.ID)
		if err != nil {
			return err
		}
		v, err := s.orgView(ctx, q, g, ref)
		if err != nil {
			return err
		}
		if err := needHome(v.Access, rowhouse.RoleOwners); err != nil {
			return err
		}
		if confirm != v.Domain && confirm != v.Name && confirm != "force-delete" {
			return rowhouse.Invalidf("Invalid name: %q must be the domain or the name of the organization, or force-delete", confirm)
		}
		if v.Personal() {
			return rowhouse.Invalidf("Cannot delete a personal organization")
		}
		id = v.ID
		docs, err = q.DeleteOrg(ctx, v.ID)
		return err
	})
	if err != nil {
		return 0, wrapf(err, "delete org %s", ref)
	}
	s.deleteDocFiles(ctx, docs)
	return id, nil
}

// OrgDocIDs returns the ids of every document of an org, for its owners
// only (Grist's org usage is theirs to see).
func (s *Service) OrgDocIDs(ctx context.Context, a rowhouse.Actor, ref string) ([]string, error) {
	if err := checkKeyForHome(a, false); err != nil {
		return nil, err
	}
	q := s.home.Read()
	g, err := loadGrants(ctx, q, a.User.ID)
	if err != nil {
		return nil, wrapf(err, "org %s documents", ref)
	}
	v, err := s.orgView(ctx, q, g, ref)
	if err != nil {
		return nil, err
	}
	if err := needHome(v.Access, rowhouse.RoleOwners); err != nil {
		return nil, err
	}
	docs, err := q.DocsInOrg(ctx, v.ID)
	if err != nil {
		return nil, wrapf(err, "org %s documents", ref)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// deleteDocFiles removes documents' databases after their entries are
// gone. A failure leaves an orphan file, which is logged: the documents are
// already unreachable.
func (s *Service) deleteDocFiles(ctx context.Context, ids []string) {
	for _, id := range ids {
		if err := s.engine.DeleteDoc(ctx, id); err != nil {
			s.log.Error("delete document database", "doc", id, "err", err)
		}
	}
}
