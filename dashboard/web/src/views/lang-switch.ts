import { h } from '../dom.js'
import { lang, setLang, t } from '../i18n.js'

/** The language toggle: shows the name of the other language and switches to it. */
export function langSwitch(): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'lang-switch', 'data-testid': 'lang-switch', lang: lang() === 'zh' ? 'en' : 'zh-CN' }, t('language'))
  button.addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'))
  return button
}
