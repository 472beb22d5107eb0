import { api, describeError } from '../api.js'
import { h } from '../dom.js'
import { t } from '../i18n.js'
import type { SessionInfo } from '../types.js'
import { langSwitch } from './lang-switch.js'

/** The sign-in page. Calls `onLogin` with the session and the bearer token for the socket. */
export function renderLogin(container: HTMLElement, onLogin: (user: SessionInfo, token: string) => void): () => void {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, 'data-testid': 'login-username' })
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'login-password'
  })
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'login-submit' }, t('login.submit'))
  const error = h('p', { class: 'login-error', role: 'alert', 'data-testid': 'login-error', hidden: true })
  const form = h(
    'form',
    { class: 'login-card panel', 'data-testid': 'login-form' },
    h('div', { class: 'login-head' }, h('h1', {}, t('appTitle')), langSwitch()),
    h('h2', {}, t('login.title')),
    h('label', {}, t('login.username'), username),
    h('label', {}, t('login.password'), password),
    submit,
    error
  )
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    submit.disabled = true
    submit.textContent = t('login.busy')
    error.hidden = true
    api
      .login(username.value.trim(), password.value)
      .then(({ user, token }) => onLogin(user, token))
      .catch((err: unknown) => {
        error.textContent = t('login.failed', { reason: describeError(err) })
        error.hidden = false
        password.select()
      })
      .finally(() => {
        submit.disabled = false
        submit.textContent = t('login.submit')
      })
  })
  const page = h('div', { class: 'login-page' }, form)
  container.append(page)
  username.focus()
  return () => page.remove()
}
