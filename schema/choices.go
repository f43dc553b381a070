package schema

import (
	"encoding/json"
	"fmt"
)

// Choices are the options of a Choice or ChoiceList column as its
// widgetOptions hold them: "choices" (the values, in order, as Grist keeps
// them), and Rowhouse's "choiceLabels" and "choiceColors" (by value, for
// the surfaces that show options with a label and a color, such as
// Twenty's SELECT fields). A value without a label is its own label.
type Choices struct {
	Values []string
	Labels map[string]string
	Colors map[string]string
}

// ParseChoices reads the choices of widgetOptions ("" has none). Values
// that are not strings are skipped, as Grist's UI skips them.
func ParseChoices(widgetOptions string) (Choices, error) {
	var c Choices
	if widgetOptions == "" {
		return c, nil
	}
	var wo struct {
		Choices []any             `json:"choices"`
		Labels  map[string]string `json:"choiceLabels"`
		Colors  map[string]string `json:"choiceColors"`
	}
	if err := json.Unmarshal([]byte(widgetOptions), &wo); err != nil {
		return c, fmt.Errorf("widgetOptions: %w", err)
	}
	for _, v := range wo.Choices {
		if s, ok := v.(string); ok {
			c.Values = append(c.Values, s)
		}
	}
	c.Labels, c.Colors = wo.Labels, wo.Colors
	return c, nil
}

// Label is the label of value v.
func (c Choices) Label(v string) string {
	if l, ok := c.Labels[v]; ok && l != "" {
		return l
	}
	return v
}

// WidgetOptions returns widgetOptions (a JSON object, "" for none) with
// its choices replaced by c, keeping its other members.
func (c Choices) WidgetOptions(widgetOptions string) (string, error) {
	m := map[string]any{}
	if widgetOptions != "" {
		if err := json.Unmarshal([]byte(widgetOptions), &m); err != nil {
			return "", fmt.Errorf("widgetOptions: %w", err)
		}
		if m == nil { // "null"
			m = map[string]any{}
		}
	}
	values := c.Values
	if values == nil {
		values = []string{}
	}
	m["choices"] = values
	delete(m, "choiceLabels")
	delete(m, "choiceColors")
	labels, colors := map[string]string{}, map[string]string{}
	for _, v := range values {
		if l := c.Labels[v]; l != "" && l != v {
			labels[v] = l
		}
		if col := c.Colors[v]; col != "" {
			colors[v] = col
		}
	}
	if len(labels) > 0 {
		m["choiceLabels"] = labels
	}
	if len(colors) > 0 {
		m["choiceColors"] = colors
	}
	b, err := json.Marshal(m)
	return string(b), err
}
