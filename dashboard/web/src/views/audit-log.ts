import { api, describeError } from '../api.js'
import type { AuditEntryView, AuditQuery } from '../admin-types.js'
import { append, h, setChildren } from '../dom.js'
import { formatTime, t } from '../i18n.js'
import { adminTabs } from './admin-users.js'

/** Entries per request; "load more" asks for the next page (our choice: a screen or two). */
const PAGE = 50

/** The action names the filter offers; a trailing `.` means every action under it. */
const ACTIONS = ['login', 'logout', 'alert.', 'alert.acknowledge', 'alert.note', 'alert.escalate', 'alert.resolve', 'user.', 'user.create', 'user.update', 'user.disable', 'user.enable', 'user.password', 'maintenance.']

/** `YYYY-MM-DD` from a date input → epoch ms at local midnight; undefined when empty. */
function dayStart(value: string): number | undefined {
  if (value === '') return undefined
  const ms = new Date(`${value}T00:00:00`).getTime()
  return Number.isNaN(ms) ? undefined : ms
}

/** The audit log of the administrator's jurisdiction, newest first, with filters and "load more". */
export function renderAuditLog(container: HTMLElement): () => void {
  const from = h('input', { type: 'date', name: 'from', 'data-testid': 'audit-from' })
  const to = h('input', { type: 'date', name: 'to', 'data-testid': 'audit-to' })
  const actor = h('input', { name: 'actor', maxlength: 64, 'data-testid': 'audit-actor' })
  const action = h('select', { name: 'action', 'data-testid': 'audit-action' }, h('option', { value: '' }, t('audit.any')), ...ACTIONS.map((a) => h('option', { value: a }, a)))
  const form = h(
    'form',
    { class: 'audit-filters', 'data-testid': 'audit-filters' },
    h('label', {}, t('audit.from'), from),
    h('label', {}, t('audit.to'), to),
    h('label', {}, t('audit.actor'), actor),
    h('label', {}, t('audit.action'), action),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('audit.filter'))
  )
  const rows = h('tbody', {})
  const more = h('button', { type: 'button', class: 'btn', 'data-testid': 'audit-more', hidden: true }, t('audit.more'))
  const status = h('p', { class: 'muted', role: 'status', 'data-testid': 'audit-status' })
  const page = h(
    'section',
    { class: 'admin panel', 'data-testid': 'audit-log' },
    adminTabs('audit'),
    h('h2', {}, t('admin.audit')),
    form,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', 'data-testid': 'audit-table' },
        h('thead', {}, h('tr', {}, ...(['audit.time', 'audit.actor', 'audit.action', 'audit.target', 'audit.detail'] as const).map((k) => h('th', {}, t(k))))),
        rows
      )
    ),
    status,
    more
  )
  container.append(page)
  let disposed = false
  let query: AuditQuery = { limit: PAGE }
  let nextBefore: number | null = null

  async function fetchPage(reset: boolean): Promise<void> {
    more.disabled = true
    try {
      const res = await api.audit(reset || nextBefore === null ? query : { ...query, before: nextBefore })
      if (disposed) return
      if (reset) setChildren(rows)
      append(rows, res.entries.map(row))
      nextBefore = res.nextBefore
      more.hidden = nextBefore === null
      status.className = 'muted'
      status.textContent = rows.childElementCount === 0 ? t('audit.none') : nextBefore === null ? t('audit.end') : ''
    } catch (err) {
      if (disposed) return
      status.className = 'error'
      status.textContent = t('error.generic', { reason: describeError(err) })
    } finally {
      more.disabled = false
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    const toDay = dayStart(to.value)
    const fromMs = dayStart(from.value)
    query = {
      limit: PAGE,
      ...(fromMs === undefined ? {} : { from: fromMs }),
      // The "to" day is included: up to the next midnight.
      ...(toDay === undefined ? {} : { to: toDay + 86_400_000 }),
      ...(actor.value.trim() === '' ? {} : { actor: actor.value.trim() }),
      ...(action.value === '' ? {} : { action: action.value })
    }
    nextBefore = null
    void fetchPage(true)
  })
  more.addEventListener('click', () => void fetchPage(false))

  void fetchPage(true)
  return () => {
    disposed = true
    page.remove()
  }
}

function row(e: AuditEntryView): HTMLElement {
  return h(
    'tr',
    { 'data-action': e.action },
    h('td', { class: 'num' }, formatTime(e.at)),
    h('td', {}, e.actor),
    h('td', {}, e.action),
    h('td', {}, e.target),
    h('td', {}, h('code', { class: 'audit-detail' }, detailText(e.detail)))
  )
}

/** The detail as compact JSON, without the braces when it is empty. */
function detailText(detail: Record<string, unknown>): string {
  return Object.keys(detail).length === 0 ? '' : JSON.stringify(detail)
}
