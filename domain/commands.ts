import { z } from 'zod'
import { fail, ok, type Result } from './result.js'
import { levelToDztCode, siteLevelSchema, type SiteLevel } from './levels.js'

/** Work modes (domain.md §2): 0 normal, 1 low power, 2 intensified. */
export const WORK_MODE = Object.freeze({ normal: 0, lowPower: 1, intensified: 2 })

/** A command to a device, dialect-neutral; encoded per dialect below. */
export const deviceCommandSchema = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('setworkmode'), mode: z.union([z.literal(0), z.literal(1), z.literal(2)]) }),
  z.object({ cmd: z.literal('alarm'), point: z.string(), level: siteLevelSchema }),
  z.object({ cmd: z.literal('getstatus') }),
  z.object({ cmd: z.literal('sample') }),
  z.object({ cmd: z.literal('reboot') })
])
export type DeviceCommand = z.infer<typeof deviceCommandSchema>

/** Native JSON v1 command on `gh/dev/{deviceId}/cmd`. */
export const nativeCommandSchema = z.object({ v: z.literal(1), msgId: z.string(), command: deviceCommandSchema })
export type NativeCommand = z.infer<typeof nativeCommandSchema>

export function encodeNativeCommand(command: DeviceCommand, msgId: string): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, msgId, command } satisfies NativeCommand))
}

/**
 * DZ/T ASCII command on `$creq/{deviceId}/cmd`: `$cmd=<name>&k=v…&apikey=<key>&msgid=<id>`.
 * Level codes run backwards (0 red … 4 normal): mapped through levelToDztCode.
 */
export function encodeDztCommand(command: DeviceCommand, apiKey: string, msgId: string): Buffer {
  const params: Array<[string, string]> = [['$cmd', command.cmd]]
  switch (command.cmd) {
    case 'setworkmode':
      params.push(['mode', String(command.mode)])
      break
    case 'alarm':
      params.push(['type', command.point], ['level', String(levelToDztCode(command.level as SiteLevel))])
      break
    case 'getstatus':
    case 'sample':
    case 'reboot':
      break
  }
  params.push(['apikey', apiKey], ['msgid', msgId])
  return Buffer.from(params.map(([k, v]) => `${k}=${v}`).join('&'), 'ascii')
}

/** Parse `$cmd=name&k=v…` (commands and the devices' replies `$cmd=<name>&result=succ|fail`). */
export function parseDztCommand(text: string): Result<{ name: string; params: Record<string, string> }> {
  if (!text.startsWith('$cmd=')) return fail('a DZ/T command starts with $cmd=')
  const params: Record<string, string> = {}
  let name = ''
  for (const part of text.split('&')) {
    const eq = part.indexOf('=')
    if (eq <= 0) return fail(`malformed parameter ${JSON.stringify(part.slice(0, 30))}`)
    const key = part.slice(0, eq)
    const value = part.slice(eq + 1)
    if (key === '$cmd') name = value
    else params[key] = value
  }
  if (name === '') return fail('empty command name')
  return ok({ name, params })
}
