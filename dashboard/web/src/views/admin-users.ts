import { api, describeError } from '../api.js'
import type { Account } from '../admin-types.js'
import { h, setChildren } from '../dom.js'
import { t, type MessageKey } from '../i18n.js'
import { href } from '../router.js'
import type { SessionInfo } from '../types.js'

const ROLES = ['viewer', 'duty_officer', 'supervisor', 'admin'] as const
type Role = (typeof ROLES)[number]

const roleName = (role: string): string => t(`role.${role}` as MessageKey)

function roleSelect(name: string, value: Role = 'duty_officer'): HTMLSelectElement {
  const select = h('select', { name, 'data-testid': `${name}-role` }, ...ROLES.map((r) => h('option', { value: r, selected: r === value }, roleName(r))))
  select.value = value
  return select
}

/** The admin pages' tabs: accounts and the audit log. */
export function adminTabs(current: 'users' | 'audit'): HTMLElement {
  const tab = (name: 'users' | 'audit', to: string, key: MessageKey): HTMLElement =>
    h('a', { class: 'nav-link', href: to, 'aria-current': name === current ? 'page' : null }, t(key))
  return h('nav', { class: 'admin-tabs' }, tab('users', href.adminUsers(), 'admin.users'), ' · ', tab('audit', href.adminAudit(), 'admin.audit'))
}

/**
 * Account management for administrators: the accounts of their jurisdiction, a form to create
 * one, and per account edit (name, role, region, new password) and disable / enable. The server
 * enforces every rule (jurisdiction, peer administrators, password length); the page offers only
 * what the server allows (no actions on a peer administrator, only the display name on oneself)
 * and shows any refusal in the officer's language.
 */
export function renderAdminUsers(container: HTMLElement, me: SessionInfo): () => void {
  const message = h('p', { class: 'muted', role: 'status', 'data-testid': 'admin-message' })
  const tableBody = h('tbody', {})
  const editor = h('div', { 'data-testid': 'admin-editor' })
  const page = h(
    'section',
    { class: 'admin panel', 'data-testid': 'admin-users' },
    adminTabs('users'),
    h('h2', {}, t('admin.users')),
    message,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', 'data-testid': 'admin-user-table' },
        h('thead', {}, h('tr', {}, ...(['admin.username', 'admin.displayName', 'admin.role', 'admin.region', 'admin.state'] as const).map((k) => h('th', {}, t(k))), h('th', {}))),
        tableBody
      )
    ),
    editor,
    createForm()
  )
  container.append(page)
  let disposed = false

  const say = (text: string, isError = false): void => {
    message.textContent = text
    message.className = isError ? 'error' : 'muted'
  }
  const fail = (err: unknown): void => say(t('error.generic', { reason: describeError(err) }), true)

  async function load(): Promise<void> {
    try {
      const { users } = await api.users()
      if (disposed) return
      if (users.length === 0) setChildren(tableBody, h('tr', {}, h('td', { colspan: 6 }, t('admin.none'))))
      else setChildren(tableBody, ...users.map(row))
    } catch (err) {
      if (!disposed) fail(err)
    }
  }

  function row(u: Account): HTMLElement {
    const self = u.username === me.username
    const peer = !self && u.role === 'admin' && u.region === me.region
    const cells = [
      h('td', {}, u.username),
      h('td', {}, u.displayName),
      h('td', {}, roleName(u.role)),
      h('td', {}, `${u.regionName} (${u.region})`),
      h('td', {}, h('span', { class: u.disabled ? 'pill bad' : 'pill ok' }, t(u.disabled ? 'admin.disabled' : 'admin.enabled')))
    ]
    const edit = h('button', { type: 'button', class: 'btn', 'data-testid': 'admin-edit' }, t('admin.edit'))
    edit.addEventListener('click', () => openEditor(u, self))
    if (peer) return h('tr', { 'data-username': u.username }, ...cells, h('td', { class: 'muted', 'data-testid': 'admin-peer' }, t('admin.peer')))
    if (self) return h('tr', { 'data-username': u.username }, ...cells, h('td', {}, edit))
    const toggle = h('button', { type: 'button', class: u.disabled ? 'btn' : 'btn btn-danger', 'data-testid': 'admin-toggle' }, t(u.disabled ? 'admin.enable' : 'admin.disable'))
    toggle.addEventListener('click', () => {
      if (!u.disabled && !window.confirm(t('admin.confirmDisable', { username: u.username }))) return
      toggle.disabled = true
      api
        .updateUser(u.id, { disabled: !u.disabled })
        .then(() => {
          say(t('admin.saved'))
          return load()
        })
        .catch(fail)
        .finally(() => (toggle.disabled = false))
    })
    return h('tr', { 'data-username': u.username, class: u.disabled ? 'muted' : null }, ...cells, h('td', {}, edit, ' ', toggle))
  }

  function openEditor(u: Account, self: boolean): void {
    const displayName = h('input', { name: 'displayName', value: u.displayName, required: true, maxlength: 64 })
    const role = roleSelect('edit', u.role)
    const region = h('input', { name: 'region', value: u.region, pattern: '\\d{6}', required: true, inputmode: 'numeric' })
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', 'data-testid': 'edit-password' })
    const cancel = h('button', { type: 'button', class: 'btn' }, t('admin.cancel'))
    const form = h(
      'form',
      { class: 'admin-form', 'data-testid': 'admin-edit-form' },
      h('h3', {}, t('admin.editing', { username: u.username })),
      h('label', {}, t('admin.displayName'), displayName),
      // About oneself only the display name: role, region and password are a higher admin's (or My account's).
      self ? h('p', { class: 'muted' }, t('admin.self')) : null,
      self ? null : h('label', {}, t('admin.role'), role),
      self ? null : h('label', {}, t('admin.region'), region),
      self ? null : h('label', {}, t('admin.newPassword'), password),
      h('div', {}, h('button', { type: 'submit', class: 'btn btn-primary' }, t('admin.save')), ' ', cancel)
    )
    cancel.addEventListener('click', () => setChildren(editor))
    form.addEventListener('submit', (ev) => {
      ev.preventDefault()
      const patch = {
        ...(displayName.value.trim() === u.displayName ? {} : { displayName: displayName.value.trim() }),
        ...(role.value === u.role ? {} : { role: role.value as Role }),
        ...(region.value.trim() === u.region ? {} : { region: region.value.trim() })
      }
      const steps: Array<() => Promise<unknown>> = []
      if (Object.keys(patch).length > 0) steps.push(() => api.updateUser(u.id, patch))
      if (password.value !== '') steps.push(() => api.setPassword(u.id, password.value))
      steps
        .reduce<Promise<unknown>>((p, step) => p.then(step), Promise.resolve())
        .then(() => {
          setChildren(editor)
          say(t('admin.saved'))
          return load()
        })
        .catch(fail)
    })
    setChildren(editor, form)
    displayName.focus()
  }

  function createForm(): HTMLElement {
    const username = h('input', { name: 'username', required: true, maxlength: 64, autocomplete: 'off', 'data-testid': 'new-username' })
    const displayName = h('input', { name: 'displayName', required: true, maxlength: 64, 'data-testid': 'new-display-name' })
    const role = roleSelect('new')
    const region = h('input', { name: 'region', required: true, pattern: '\\d{6}', inputmode: 'numeric', 'data-testid': 'new-region' })
    const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', 'data-testid': 'new-password' })
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'new-submit' }, t('admin.create'))
    const form = h(
      'form',
      { class: 'admin-form', 'data-testid': 'admin-create-form' },
      h('h3', {}, t('admin.create')),
      h('label', {}, t('admin.username'), username),
      h('label', {}, t('admin.displayName'), displayName),
      h('label', {}, t('admin.role'), role),
      h('label', {}, t('admin.region'), region),
      h('label', {}, t('admin.password'), password),
      submit
    )
    form.addEventListener('submit', (ev) => {
      ev.preventDefault()
      submit.disabled = true
      api
        .createUser({ username: username.value.trim(), displayName: displayName.value.trim(), role: role.value as Role, region: region.value.trim(), password: password.value })
        .then(({ user }) => {
          say(t('admin.created', { username: user.username }))
          form.reset()
          return load()
        })
        .catch(fail)
        .finally(() => (submit.disabled = false))
    })
    return form
  }

  void load()
  return () => {
    disposed = true
    page.remove()
  }
}
