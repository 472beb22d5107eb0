import pino, { type Logger } from 'pino'

/** The process logger: JSON lines on stdout, secrets redacted, level from GEOWARN_LOG_LEVEL. */
export function createLogger(name: string, defaultLevel = 'info'): Logger {
  return pino({
    name,
    level: process.env.GEOWARN_LOG_LEVEL ?? defaultLevel,
    redact: ['password', '*.password', 'secret', '*.secret', 'serviceSecret', '*.serviceSecret', 'mqttPassword', '*.mqttPassword', 'token', '*.token']
  })
}
