package core

import (
	"fmt"
	"strings"

	"github.com/rowhouse/rowhouse/schema"
)

// FoldNames rewrites a caller's SQL statement, written for SQLite, so that
// PostgreSQL resolves its names as SQLite does. SQLite matches table and
// column names without regard to case and keeps the spelling written;
// PostgreSQL folds unquoted names to lower case, so that "select name from
// Items" looks for a table items that does not exist (the document's table
// is "Items").
//
// FoldNames reads the statement with WrapSelect's tokenizer (string
// literals, quoted identifiers and comments are kept as they are) and
// quotes names:
//   - a name that is, in any case, one of the document's tables or columns
//     becomes that table or column, quoted ("Items", "qty"), whether the
//     caller quoted it or not (SQLite's quoted names are case-blind too);
//     SQLite's other quotes, `name` and [name], become double quotes;
//   - any other unquoted name with a capital letter (an alias, a CTE) is
//     quoted in the spelling it first appears with, each of its uses
//     alike, so that "select qty as Total" answers a column named Total;
//   - keywords, function names (a name before "("), type names (after
//     "::", or "as" just before ")"), literal prefixes (E'...') and
//     numbers are left alone.
//
// It also gives the outermost select list's plain column references the
// spelling written as their alias, where it differs from the column's
// (SQLite names such a result column as written: selectListNames), and an
// alias to each subquery in FROM or JOIN that has none (PostgreSQL before
// 16 requires one: derivedTables). It changes nothing else: a statement
// that is wrong for PostgreSQL for another reason (a SQLite-only
// function) fails as before.
func FoldNames(stmt string, s *schema.Schema) string {
	toks := sqlTokens(stmt)
	names := docNames(s, referencedTables(stmt, toks, s))
	// First the unquoted words that may be names, and the first spelling
	// of each other name (by its lower case), which all its uses take.
	isName := make([]bool, len(toks))
	spelling := map[string]string{}
	capitals := map[string]bool{}
	for i, t := range toks {
		if t.kind != tokWord || !mayBeName(stmt, toks, i) {
			continue
		}
		word := stmt[t.start:t.end]
		lower := strings.ToLower(word)
		if _, ok := names[lower]; !ok && sqlKeywords[lower] {
			continue
		}
		isName[i] = true
		if _, ok := spelling[lower]; !ok {
			spelling[lower] = word
		}
		if word != lower {
			capitals[lower] = true
		}
	}
	aliases := derivedTables(stmt, toks)
	asWritten := selectListNames(stmt, toks, names)
	var b strings.Builder
	b.Grow(len(stmt) + 16)
	for i, t := range toks {
		text := stmt[t.start:t.end]
		switch {
		case t.kind == tokQuoted && !terminated(text):
			b.WriteString(text) // the statement's end: PostgreSQL says what is wrong
		case t.kind == tokQuoted:
			// Double-quoted, as the caller wrote it after AS (the name of a
			// result) or as the document spells it; `x` and [x] too.
			inner := unquoteIdent(text)
			if canon, ok := names.resolve(inner); ok && !isAlias(stmt, toks, i) {
				inner = canon
			}
			b.WriteString(quoteIdent(inner))
		case isName[i]:
			canon, ok := names.resolve(text)
			lower := strings.ToLower(text)
			switch {
			case ok && isAlias(stmt, toks, i):
				b.WriteString(quoteIdent(text)) // as NAME, though a column is Name
			case ok:
				b.WriteString(quoteIdent(canon))
			case capitals[lower]:
				b.WriteString(quoteIdent(spelling[lower]))
			default:
				b.WriteString(text)
			}
		default:
			b.WriteString(text)
		}
		if name, ok := asWritten[i]; ok {
			b.WriteString(" AS " + quoteIdent(name))
		}
		if n, ok := aliases[i]; ok {
			fmt.Fprintf(&b, " AS _rh_sub%d", n)
			if t.end < len(stmt) && (isWordByte(stmt[t.end]) || stmt[t.end] == '"') {
				b.WriteByte(' ') // (select 1)where: keep the words apart
			}
		}
	}
	return b.String()
}

// selectListNames keeps the answer's column names as written: SQLite
// names a result column that is a plain column reference as the caller
// spelt it (select NAME from Items answers NAME), PostgreSQL as the column
// is named. For each such item of the outermost select lists (not inside
// parentheses, where other parts of the statement refer to the names),
// whose spelling differs from the column's, it maps the index of the
// item's last token to the spelling, which FoldNames makes its alias.
func selectListNames(stmt string, toks []sqlToken, names foldNames) map[int]string {
	out := map[int]string{}
	depth, inList := 0, false
	var item []int  // the significant tokens of the current item
	nested := false // the item holds parentheses: not a plain reference
	flush := func() {
		defer func() { item, nested = item[:0], false }()
		// A plain reference: name, or qualifier.name (.name).
		if nested || len(item)%2 == 0 {
			return
		}
		for k, ti := range item {
			t := toks[ti]
			if k%2 == 1 {
				if stmt[t.start:t.end] != "." {
					return
				}
			} else if t.kind != tokWord && t.kind != tokQuoted {
				return
			}
		}
		last := toks[item[len(item)-1]]
		written := stmt[last.start:last.end]
		if last.kind == tokQuoted {
			if !terminated(written) {
				return
			}
			written = unquoteIdent(written)
		} else if sqlKeywords[strings.ToLower(written)] {
			if _, ok := names[strings.ToLower(written)]; !ok {
				return
			}
		}
		if canon, ok := names.resolve(written); ok && canon != written {
			out[item[len(item)-1]] = written
		}
	}
	for i, t := range toks {
		if t.kind == tokSpace {
			continue
		}
		text := strings.ToLower(stmt[t.start:t.end])
		switch {
		case t.kind == tokOther && text == "(":
			depth++
		case t.kind == tokOther && text == ")":
			depth--
		}
		if depth != 0 || (t.kind == tokOther && text == ")") {
			nested = nested || inList
			continue
		}
		switch {
		case t.kind == tokWord && text == "select":
			inList, item, nested = true, item[:0], false
		case !inList:
		case t.kind == tokWord && (text == "distinct" || text == "all") && len(item) == 0:
		case t.kind == tokOther && text == ",":
			flush()
		case t.kind == tokWord && selectListEnd[text]:
			flush()
			inList = false
		default:
			item = append(item, i)
		}
	}
	if inList {
		flush()
	}
	return out
}

// selectListEnd are the words that end a select list.
var selectListEnd = map[string]bool{"from": true, "where": true, "group": true, "having": true, "order": true,
	"limit": true, "offset": true, "union": true, "except": true, "intersect": true, "window": true, "into": true}

// isAlias reports whether toks[i] names a result or a table after AS
// (not a type in CAST(x AS type)).
func isAlias(stmt string, toks []sqlToken, i int) bool {
	return prevSignificant(stmt, toks, i) == "as" && nextSignificant(stmt, toks, i) != ")"
}

// derivedTables finds the subqueries in FROM or JOIN that have no alias,
// which PostgreSQL before 16 refuses and SQLite allows: it maps the index
// of each one's closing parenthesis to a number for the alias FoldNames
// gives it.
func derivedTables(stmt string, toks []sqlToken) map[int]int {
	var open []int // for each open parenthesis: 1 if a derived table's
	out := map[int]int{}
	for i, t := range toks {
		if t.kind != tokOther {
			continue
		}
		switch stmt[t.start:t.end] {
		case "(":
			p := prevSignificant(stmt, toks, i)
			if p == "from" || p == "join" {
				open = append(open, 1)
			} else {
				open = append(open, 0)
			}
		case ")":
			if len(open) == 0 {
				continue
			}
			derived := open[len(open)-1] == 1
			open = open[:len(open)-1]
			if !derived {
				continue
			}
			if next := nextSignificant(stmt, toks, i); next == "" || next == ")" || next == "," || next == ";" ||
				next != "as" && sqlKeywords[next] {
				out[i] = len(out) + 1
			}
		}
	}
	return out
}

// mayBeName reports whether the unquoted word toks[i] may be a name, by
// where it stands: not a number or a $1 parameter, not a function (before
// "(", unless a CTE's name after WITH), not a literal's prefix (E'...'),
// not a type (after "::", or after AS just before ")" as in CAST).
func mayBeName(stmt string, toks []sqlToken, i int) bool {
	t := toks[i]
	if c := stmt[t.start]; c >= '0' && c <= '9' || c == '$' {
		return false
	}
	next, prev := nextSignificant(stmt, toks, i), prevSignificant(stmt, toks, i)
	switch {
	case next == "(":
		return prev == "with" || prev == "recursive"
	case t.end < len(stmt) && stmt[t.end] == '\'':
		return false
	case prev == "::", prev == "as" && next == ")":
		return false
	}
	return true
}

// foldNames are a document's table and column ids by their lower case,
// each with its tier: 0 for a table, 1 for a column of a table the
// statement names, 2 for another column.
type foldNames map[string][]foldName

type foldName struct {
	id   string
	tier int
}

// resolve returns the id a name written in any case stands for: of the
// ids of the first tier it is in, the one spelt as written if there is
// one (Pets.name beside Items.Name), else the first.
func (n foldNames) resolve(written string) (string, bool) {
	cands := n[strings.ToLower(written)]
	if len(cands) == 0 {
		return "", false
	}
	best := cands[0]
	for _, c := range cands {
		if c.tier < best.tier || c.tier == best.tier && c.id == written && best.id != written {
			best = c
		}
	}
	return best.id, true
}

// docNames lists the names of s for FoldNames; referenced are the tables
// the statement names.
func docNames(s *schema.Schema, referenced map[string]bool) foldNames {
	names := foldNames{}
	add := func(id string, tier int) {
		l := strings.ToLower(id)
		for _, have := range names[l] {
			if have.id == id && have.tier <= tier {
				return
			}
		}
		names[l] = append(names[l], foldName{id: id, tier: tier})
	}
	if s == nil {
		return names
	}
	for _, t := range s.Tables {
		add(t.ID, 0)
	}
	for _, t := range s.Tables {
		tier := 2
		if referenced[t.ID] {
			tier = 1
		}
		add("id", tier)
		for _, c := range t.Columns {
			add(c.ID, tier)
		}
	}
	return names
}

// referencedTables are the tables of s whose names the statement holds,
// in any case, quoted or not.
func referencedTables(stmt string, toks []sqlToken, s *schema.Schema) map[string]bool {
	out := map[string]bool{}
	if s == nil {
		return out
	}
	for _, t := range toks {
		var name string
		switch t.kind {
		case tokWord:
			name = stmt[t.start:t.end]
		case tokQuoted:
			name = unquoteIdent(stmt[t.start:t.end])
		default:
			continue
		}
		if tb := s.TableFold(name); tb != nil {
			out[tb.ID] = true
		}
	}
	return out
}

// terminated reports whether a quoted identifier has its closing quote.
func terminated(q string) bool {
	if len(q) < 2 {
		return false
	}
	closing := q[0]
	if closing == '[' {
		closing = ']'
	}
	return q[len(q)-1] == closing
}

// quoteIdent double-quotes an identifier, doubling any '"' in it.
func quoteIdent(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

// unquoteIdent returns the name a quoted identifier ("x", `x` or [x])
// stands for.
func unquoteIdent(q string) string {
	if q[0] == '[' {
		return strings.TrimSuffix(q[1:], "]")
	}
	c := q[:1]
	inner := q[1:]
	if strings.HasSuffix(inner, c) {
		inner = inner[:len(inner)-1]
	}
	return strings.ReplaceAll(inner, c+c, c)
}

// nextSignificant and prevSignificant return the text of the first token
// after toks[i], or the last before it, that is not space, lower-cased;
// "" past either end.
func nextSignificant(stmt string, toks []sqlToken, i int) string {
	return significant(stmt, toks, i, 1)
}

func prevSignificant(stmt string, toks []sqlToken, i int) string {
	return significant(stmt, toks, i, -1)
}

func significant(stmt string, toks []sqlToken, i, step int) string {
	for j := i + step; j >= 0 && j < len(toks); j += step {
		if toks[j].kind != tokSpace {
			return strings.ToLower(stmt[toks[j].start:toks[j].end])
		}
	}
	return ""
}

// sqlKeywords are the words of SQLite's and PostgreSQL's SQL that
// FoldNames never quotes, unless they name a table or column of the
// document.
var sqlKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		abort action add after all alter always analyze and any array as asc
		asymmetric at attach autoincrement before begin between bigint binary
		bit blob boolean both by cascade case cast char character check
		collate column commit conflict constraint create cross current
		current_date current_time current_timestamp current_user database day
		decimal default deferrable deferred delete desc detach distinct do
		double drop each else end epoch escape except exclude exclusive exists
		explain extract fail false fetch filter first float following for
		foreign from full generated glob group groups having hour if ignore
		ilike immediate in index indexed initially inner insert instead int
		integer intersect interval into is isnull join key last lateral leading
		left like limit localtime localtimestamp match materialized minute
		month natural no not nothing notnull null nulls numeric of offset on
		only or order others outer over partition plan pragma preceding
		precision primary query raise range real recursive references regexp
		reindex release rename replace restrict returning right rollback row
		rows savepoint second select session_user set similar smallint some
		symmetric table temp temporary text then ties time timestamp
		timestamptz to trailing transaction trigger true unbounded union unique
		update user using vacuum values varchar view virtual week when where
		window with within without year zone`) {
		m[w] = true
	}
	return m
}()
