import { api, describeError } from '../api.js'
import { h } from '../dom.js'
import { t } from '../i18n.js'
import type { SessionInfo } from '../types.js'

/**
 * The signed-in user's own account: who they are and a password change, which needs the current
 * password (POST /api/me/password) so that a left-open session cannot take the account over.
 */
export function renderAccount(container: HTMLElement, me: SessionInfo): () => void {
  const message = h('p', { class: 'muted', role: 'status', 'data-testid': 'account-message' })
  const current = h('input', { name: 'current', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'account-current' })
  const next = h('input', { name: 'next', type: 'password', autocomplete: 'new-password', required: true, minlength: 10, 'data-testid': 'account-next' })
  const confirm = h('input', { name: 'confirm', type: 'password', autocomplete: 'new-password', required: true, minlength: 10, 'data-testid': 'account-confirm' })
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'account-submit' }, t('account.submit'))
  const form = h(
    'form',
    { class: 'admin-form', 'data-testid': 'account-form' },
    h('h3', {}, t('account.changePassword')),
    h('label', {}, t('account.current'), current),
    h('label', {}, t('account.next'), next),
    h('label', {}, t('account.confirm'), confirm),
    h('div', {}, submit)
  )
  const page = h(
    'section',
    { class: 'admin panel', 'data-testid': 'account' },
    h('h2', {}, t('account.title')),
    h('p', {}, `${me.displayName} (${me.username}) · ${t(`role.${me.role}` as Parameters<typeof t>[0])} · ${me.region}`),
    message,
    form
  )
  container.append(page)

  let disposed = false
  const say = (text: string, isError: boolean): void => {
    message.textContent = text
    message.className = isError ? 'error' : 'muted'
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    if (next.value !== confirm.value) {
      say(t('account.mismatch'), true)
      return
    }
    submit.disabled = true
    api
      .changeOwnPassword(current.value, next.value)
      .then(() => {
        if (disposed) return
        form.reset()
        say(t('account.saved'), false)
      })
      .catch((err: unknown) => {
        if (!disposed) say(t('error.generic', { reason: describeError(err) }), true)
      })
      .finally(() => (submit.disabled = false))
  })
  return () => {
    disposed = true
    page.remove()
  }
}
