import { h } from '../dom.js'
import { t } from '../i18n.js'
import { href } from '../router.js'

/** nation → province → city → county, each a link; the last one is where we are. */
export function breadcrumb(path: ReadonlyArray<{ code: string; name: string }>, current?: string): HTMLElement {
  const nav = h('nav', { class: 'breadcrumb', 'aria-label': 'breadcrumb', 'data-testid': 'breadcrumb' })
  const ol = h('ol')
  path.forEach((node, i) => {
    const name = node.code === '000000' ? t('nation') : node.name
    const isLast = i === path.length - 1 && current === undefined
    ol.append(
      h(
        'li',
        {},
        isLast
          ? h('span', { 'aria-current': 'page', 'data-code': node.code }, name)
          : h('a', { href: i === 0 ? href.overview() : href.region(node.code), 'data-code': node.code }, name)
      )
    )
  })
  if (current !== undefined) ol.append(h('li', {}, h('span', { 'aria-current': 'page' }, current)))
  nav.append(ol)
  return nav
}
