import type { AlertStateName, Disposition } from '../../../domain/alerts.js'
import type { SiteLevel } from '../../../domain/levels.js'
import type { HazardType } from '../../../domain/registry.js'
import { DISPOSITION_NAMES, en, HAZARD_NAMES, LEVEL_NAMES, STATE_NAMES, zh, type Lang, type MessageKey } from './messages.js'

export type { Lang, MessageKey }

/** Every disposition, in the order the resolve form offers them (the record keys are the truth). */
export const DISPOSITION_OPTIONS = Object.keys(DISPOSITION_NAMES.zh) as Disposition[]

const STORAGE_KEY = 'geowarn.lang'
const listeners = new Set<() => void>()
let current: Lang = readStoredLang()

function readStoredLang(): Lang {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh'
  } catch {
    // Storage can be disabled (private mode, policies): Chinese is the default anyway.
    return 'zh'
  }
}

export function lang(): Lang {
  return current
}

export function setLang(next: Lang): void {
  if (next === current) return
  current = next
  try {
    localStorage.setItem(STORAGE_KEY, next)
  } catch {
    // Not remembered across reloads when storage is disabled; the switch still works now.
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en'
  for (const fn of listeners) fn()
}

export function onLangChange(fn: () => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export function t(key: MessageKey, vars: Readonly<Record<string, string | number>> = {}): string {
  const template = current === 'zh' ? zh[key] : en[key]
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m))
}

/** The officer's words for an API error code we know; undefined for the others. */
export function errorText(code: string): string | undefined {
  const key = `err.${code}`
  return key in zh ? t(key as MessageKey) : undefined
}

export const levelName = (level: SiteLevel): string => LEVEL_NAMES[current][level]
export const stateName = (state: AlertStateName): string => STATE_NAMES[current][state]
export const hazardName = (type: string): string => HAZARD_NAMES[current][type as HazardType] ?? type
export const dispositionName = (d: Disposition): string => DISPOSITION_NAMES[current][d]

export function sensorStateName(code: number): string {
  switch (code) {
    case 0:
      return t('sensorState.0')
    case -1:
      return t('sensorState.-1')
    case -2:
      return t('sensorState.-2')
    case -3:
      return t('sensorState.-3')
    default:
      return t('sensorState.other', { code })
  }
}

export function formatTime(ms: number): string {
  return new Intl.DateTimeFormat(current === 'zh' ? 'zh-CN' : 'en-GB', {
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false
  }).format(ms)
}

export function formatAgo(ms: number, now: number): string {
  const minutes = Math.round((now - ms) / 60_000)
  if (current === 'zh') {
    if (minutes < 1) return '刚刚'
    if (minutes < 60) return `${minutes} 分钟前`
    return formatTime(ms)
  }
  if (minutes < 1) return 'just now'
  if (minutes < 60) return `${minutes} min ago`
  return formatTime(ms)
}
