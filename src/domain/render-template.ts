/** Fills `{name}` placeholders from `vars`. Unknown placeholders are reported, never left in text. */
export interface RenderResult {
  text: string
  missing: string[]
}

const PLACEHOLDER = /\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g

export function renderTemplate(template: string, vars: Readonly<Record<string, string | number | undefined>>): RenderResult {
  const missing: string[] = []
  const text = template.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = vars[name]
    if (value === undefined || value === '') {
      missing.push(name)
      return ''
    }
    return String(value)
  })
  return { text, missing }
}
