type Child = Node | string | number | null | undefined | false
type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>

/**
 * Build an element. Text always goes in as text nodes, never as HTML, so names and notes coming
 * from the server cannot inject markup. `on*` attributes are not supported on purpose: use
 * addEventListener on the result.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue
    el.setAttribute(name, value === true ? '' : String(value))
  }
  append(el, children)
  return el
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild)
}

/** Replace the children of `el` in one go. */
export function setChildren(el: Element, ...children: Child[]): void {
  clear(el)
  append(el, children)
}
