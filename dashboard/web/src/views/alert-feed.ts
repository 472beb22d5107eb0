import type { Disposition } from '../../../../domain/alerts.js'
import { api, describeError } from '../api.js'
import { h, setChildren } from '../dom.js'
import { DISPOSITION_OPTIONS, dispositionName, formatTime, levelName, stateName, t } from '../i18n.js'
import { href } from '../router.js'
import type { AlertChange, Store } from '../store.js'
import type { Alert } from '../types.js'

interface Item {
  readonly el: HTMLLIElement
  update(alert: Alert): void
}

/**
 * The live warning feed. Items are keyed by alert id and updated in place, so an officer typing a
 * resolve note does not lose it when another warning arrives.
 */
export function renderAlertFeed(store: Store, container: HTMLElement): () => void {
  const list = h('ol', { class: 'feed-list', 'data-testid': 'alert-feed' })
  const empty = h('p', { class: 'muted feed-empty', 'data-testid': 'alert-feed-empty' }, t('feed.empty'))
  const count = h('span', { class: 'feed-count' })
  setChildren(container, h('section', { class: 'feed panel' }, h('h2', {}, t('feed.title'), ' ', count), empty, list))

  const items = new Map<string, Item>()

  const sync = (changed: { alert: Alert; change: AlertChange } | null): void => {
    const sorted = store.sortedAlerts()
    const keep = new Set(sorted.map((a) => a.id))
    for (const [id, item] of items) {
      if (!keep.has(id)) {
        item.el.remove()
        items.delete(id)
      }
    }
    sorted.forEach((alert, i) => {
      let item = items.get(alert.id)
      if (item === undefined) {
        item = feedItem(store, alert)
        items.set(alert.id, item)
      } else {
        item.update(alert)
      }
      // Move only what is out of place: moving a node with focus inside would steal the focus.
      if (list.children[i] !== item.el) list.insertBefore(item.el, list.children[i] ?? null)
    })
    const active = sorted.filter((a) => a.state !== 'resolved').length
    count.textContent = active > 0 ? String(active) : ''
    empty.hidden = sorted.length > 0
    if (changed !== null && changed.change !== 'update') flash(items.get(changed.alert.id)?.el)
  }

  const refreshNames = (siteId: string): void => {
    for (const a of store.alerts.values()) if (a.siteId === siteId) items.get(a.id)?.update(a)
  }

  sync(null)
  const offs = [store.on('alerts', sync), store.on('site-info', refreshNames)]
  return () => {
    for (const off of offs) off()
  }
}

function flash(el: HTMLElement | undefined): void {
  if (el === undefined) return
  el.classList.remove('flash')
  // Restart the animation when the same item flashes twice in a row.
  void el.offsetWidth
  el.classList.add('flash')
  el.addEventListener('animationend', () => el.classList.remove('flash'), { once: true })
}

function feedItem(store: Store, initial: Alert): Item {
  let alert = initial
  const el = h('li', { class: 'feed-item', 'data-testid': 'alert-item' })
  const summary = h('div', { class: 'feed-summary' })
  const actions = h('div', { class: 'feed-actions' })
  const error = h('p', { class: 'feed-error', role: 'alert', hidden: true })
  const form = resolveForm(
    () => alert,
    (a) => store.putAlert(a),
    (msg) => showError(msg)
  )
  el.append(summary, actions, form.el, error)

  const showError = (msg: string | null): void => {
    error.hidden = msg === null
    error.textContent = msg ?? ''
  }

  const run = async (button: HTMLButtonElement, action: () => Promise<{ alert: Alert }>): Promise<void> => {
    button.disabled = true
    showError(null)
    try {
      store.putAlert((await action()).alert)
    } catch (err) {
      showError(t('feed.actionFailed', { reason: describeError(err) }))
    } finally {
      button.disabled = false
    }
  }

  const ack = h('button', { type: 'button', class: 'btn btn-ack', 'data-testid': 'alert-ack' }, t('feed.ack'))
  const escalate = h('button', { type: 'button', class: 'btn', 'data-testid': 'alert-escalate' }, t('feed.escalate'))
  const resolve = h('button', { type: 'button', class: 'btn', 'data-testid': 'alert-resolve' }, t('feed.resolve'))
  ack.addEventListener('click', () => void run(ack, () => api.ack(alert.id)))
  escalate.addEventListener('click', () => void run(escalate, () => api.escalate(alert.id)))
  resolve.addEventListener('click', () => form.toggle())
  actions.append(ack, escalate, resolve)

  const update = (next: Alert): void => {
    alert = next
    el.dataset.alertId = next.id
    el.dataset.level = next.level
    el.dataset.state = next.state
    const info = store.siteInfoOf(next.siteId)
    const peak = next.peakLevel !== next.level ? ` · ${t('feed.peak', { level: levelName(next.peakLevel) })}` : ''
    setChildren(
      summary,
      h(
        'div',
        { class: 'feed-line1' },
        h('span', { class: `level-badge level-${next.level}`, 'data-testid': 'alert-level' }, levelName(next.level)),
        h('a', { class: 'feed-site', href: href.site(next.siteId) }, info?.name ?? next.siteId)
      ),
      h(
        'div',
        { class: 'feed-line2 muted' },
        h('span', {}, info?.countyName ?? next.county),
        ' · ',
        h('span', { class: `state state-${next.state}`, 'data-testid': 'alert-state' }, stateName(next.state)),
        ' · ',
        h('time', { datetime: new Date(next.updatedAt).toISOString() }, formatTime(next.updatedAt)),
        peak,
        next.escalations.length === 0
          ? null
          : h('span', { class: 'escalated', 'data-testid': 'alert-escalated', 'data-count': next.escalations.length }, ` · ${t('feed.escalated', { n: next.escalations.length })}`),
        info !== undefined && info.threatenedPeople > 0 ? ` · ${t('feed.people', { n: info.threatenedPeople })}` : ''
      )
    )
    ack.hidden = next.state !== 'open'
    escalate.hidden = next.state === 'resolved'
    resolve.hidden = next.state === 'resolved'
    if (next.state === 'resolved') form.close()
  }
  update(initial)
  return { el, update }
}

function resolveForm(
  current: () => Alert,
  onDone: (alert: Alert) => void,
  onError: (msg: string | null) => void
): { el: HTMLFormElement; toggle(): void; close(): void } {
  const select = h('select', { 'data-testid': 'resolve-disposition', required: true, 'aria-label': t('feed.disposition') })
  for (const d of DISPOSITION_OPTIONS) select.append(h('option', { value: d }, dispositionName(d)))
  const note = h('input', { type: 'text', maxlength: 2000, placeholder: t('feed.note'), 'data-testid': 'resolve-note', 'aria-label': t('feed.note') })
  const confirm = h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'alert-resolve-confirm' }, t('feed.confirmResolve'))
  const cancel = h('button', { type: 'button', class: 'btn' }, t('feed.cancel'))
  const el = h(
    'form',
    { class: 'resolve-form', hidden: true, 'data-testid': 'resolve-form' },
    h('label', {}, t('feed.disposition'), ' ', select),
    note,
    h('div', { class: 'row' }, confirm, cancel)
  )
  const close = (): void => {
    el.hidden = true
  }
  cancel.addEventListener('click', close)
  el.addEventListener('submit', (ev) => {
    ev.preventDefault()
    confirm.disabled = true
    onError(null)
    const text = note.value.trim()
    api
      .resolve(current().id, select.value as Disposition, text === '' ? undefined : text)
      .then(({ alert }) => {
        close()
        note.value = ''
        onDone(alert)
      })
      .catch((err: unknown) => onError(t('feed.actionFailed', { reason: describeError(err) })))
      .finally(() => {
        confirm.disabled = false
      })
  })
  return {
    el,
    close,
    toggle() {
      el.hidden = !el.hidden
      if (!el.hidden) select.focus()
    }
  }
}
